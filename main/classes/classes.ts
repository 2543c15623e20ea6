// Classes per academic year, and their curriculum (which subjects each class studies that year).
import type { DB } from '../../db/connection.ts';
import type { SchoolClass, Subject } from '../../preload/contract.ts';
import { fieldError, notFound } from '../shared/errors.ts';
import { requireSubjects, toSubject } from '../subjects/subjects.ts';

export const levelOf = (parallel: number) => (parallel <= 4 ? 'НОО' : parallel <= 9 ? 'ООО' : 'СОО') as 'НОО' | 'ООО' | 'СОО';

const SELECT = `SELECT c.*, y.name AS year_name,
  trim(s.last_name || ' ' || s.first_name || ' ' || coalesce(s.middle_name, '')) AS teacher,
  (SELECT count(*) FROM class_memberships m WHERE m.class_id = c.id AND m.end_date IS NULL) AS student_count
  FROM classes c JOIN academic_years y ON y.id = c.year_id LEFT JOIN staff s ON s.id = c.homeroom_teacher_id`;

type Row = { id: number; year_id: number; year_name: string; parallel: number; letter: string; homeroom_teacher_id: number | null;
  teacher: string | null; shift: number; level: 'НОО' | 'ООО' | 'СОО'; adapted: number; student_count: number };

const toClass = (r: Row): SchoolClass => ({
  id: r.id, yearId: r.year_id, yearName: r.year_name, parallel: r.parallel, letter: r.letter, name: `${r.parallel}${r.letter}`,
  homeroomTeacherId: r.homeroom_teacher_id, homeroomTeacher: r.teacher, shift: r.shift, level: r.level, adapted: !!r.adapted,
  studentCount: r.student_count,
});

export function className(db: DB, id: number): string {
  const r = db.prepare('SELECT parallel, letter FROM classes WHERE id = ?').get(id) as { parallel: number; letter: string } | undefined;
  return r ? `${r.parallel}${r.letter}` : '';
}

function checkTeacher(db: DB, id: number | null | undefined) {
  if (id != null && !db.prepare('SELECT 1 FROM staff WHERE id = ?').get(id)) throw fieldError('homeroomTeacherId', 'Классный руководитель не найден среди сотрудников');
}

export function createClass(db: DB, a: { yearId: number; parallel: number; letter: string; homeroomTeacherId?: number | null;
  shift?: number; level?: 'НОО' | 'ООО' | 'СОО'; adapted?: boolean }): SchoolClass {
  if (!db.prepare('SELECT 1 FROM academic_years WHERE id = ?').get(a.yearId)) throw fieldError('yearId', 'Учебный год не найден');
  if (!Number.isInteger(a.parallel) || a.parallel < 1 || a.parallel > 11) throw fieldError('parallel', 'Параллель — от 1 до 11');
  const letter = a.letter.trim().toLocaleUpperCase('ru-RU');
  if (!/^[А-ЯЁ]$/.test(letter)) throw fieldError('letter', 'Литера класса — одна русская буква');
  const level = levelOf(a.parallel);
  if (a.level && a.level !== level) throw fieldError('level', `${a.parallel}-й класс относится к уровню ${level}`);
  const shift = a.shift ?? 1;
  if (shift < 1 || shift > 3) throw fieldError('shift', 'Смена — 1, 2 или 3');
  checkTeacher(db, a.homeroomTeacherId);
  if (db.prepare('SELECT 1 FROM classes WHERE year_id = ? AND parallel = ? AND letter = ?').get(a.yearId, a.parallel, letter)) {
    throw fieldError('letter', `Класс ${a.parallel}${letter} в этом году уже есть`);
  }
  const id = Number(db.prepare('INSERT INTO classes (year_id, parallel, letter, homeroom_teacher_id, shift, level, adapted) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(a.yearId, a.parallel, letter, a.homeroomTeacherId ?? null, shift, level, a.adapted ? 1 : 0).lastInsertRowid);
  return getClass(db, id);
}

export function updateClass(db: DB, a: { id: number; homeroomTeacherId?: number | null; shift?: number; adapted?: boolean }): SchoolClass {
  const c = getClass(db, a.id);
  checkTeacher(db, a.homeroomTeacherId);
  if (a.shift != null && (a.shift < 1 || a.shift > 3)) throw fieldError('shift', 'Смена — 1, 2 или 3');
  db.prepare('UPDATE classes SET homeroom_teacher_id = ?, shift = ?, adapted = ? WHERE id = ?').run(
    a.homeroomTeacherId === undefined ? c.homeroomTeacherId : a.homeroomTeacherId, a.shift ?? c.shift,
    (a.adapted ?? c.adapted) ? 1 : 0, a.id);
  return getClass(db, a.id);
}

export function getClass(db: DB, id: number): SchoolClass {
  const r = db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
  if (!r) throw notFound('Класс');
  return toClass(r);
}

export function listClasses(db: DB, yearId?: number): SchoolClass[] {
  const rows = yearId == null
    ? db.prepare(`${SELECT} ORDER BY y.name DESC, c.parallel, c.letter`).all()
    : db.prepare(`${SELECT} WHERE c.year_id = ? ORDER BY c.parallel, c.letter`).all(yearId);
  return (rows as Row[]).map(toClass);
}

export function findClass(db: DB, yearId: number, name: string): SchoolClass | undefined {
  const m = /^\s*(\d{1,2})\s*[-«"]?\s*([А-ЯЁа-яё])\s*»?"?\s*$/.exec(name);
  if (!m) return undefined;
  const r = db.prepare(`${SELECT} WHERE c.year_id = ? AND c.parallel = ? AND c.letter = ?`).get(yearId, Number(m[1]), m[2].toLocaleUpperCase('ru-RU')) as Row | undefined;
  return r && toClass(r);
}

export function getCurriculum(db: DB, classId: number): Subject[] {
  getClass(db, classId);
  return (db.prepare('SELECT s.* FROM curriculum c JOIN subjects s ON s.id = c.subject_id WHERE c.class_id = ? ORDER BY s.name').all(classId) as Parameters<typeof toSubject>[0][]).map(toSubject);
}

export function setCurriculum(db: DB, classId: number, subjectIds: number[], electiveSubjectIds?: number[]): Subject[] {
  getClass(db, classId);
  requireSubjects(db, subjectIds, 'subjectIds');
  if (electiveSubjectIds?.some((s) => !subjectIds.includes(s))) {
    throw fieldError('electiveSubjectIds', 'Элективный курс должен быть в учебном плане класса');
  }
  // Only the subjects taken out are removed: one with marks in this class stays (the schema refuses too).
  const keep = new Set(subjectIds);
  const removed = (db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ?').all(classId) as Array<{ subject_id: number }>)
    .map((r) => r.subject_id).filter((s) => !keep.has(s));
  for (const s of removed) {
    if (db.prepare('SELECT 1 FROM marks WHERE class_id = ? AND subject_id = ? LIMIT 1').get(classId, s)) {
      throw fieldError('subjectIds', 'По этому предмету в классе уже есть оценки: его нельзя убрать из учебного плана');
    }
    db.prepare('DELETE FROM class_exams WHERE class_id = ? AND subject_id = ?').run(classId, s);
    db.prepare('DELETE FROM curriculum WHERE class_id = ? AND subject_id = ?').run(classId, s);
  }
  const ins = db.prepare('INSERT OR IGNORE INTO curriculum (class_id, subject_id) VALUES (?, ?)');
  for (const s of subjectIds) ins.run(classId, s);
  if (electiveSubjectIds) setElectives(db, classId, electiveSubjectIds);
  return getCurriculum(db, classId);
}

/** The class's elective courses (элективные курсы): curriculum entries without a final mark, printed on the appendix
 *  as «зачтено» after the subjects. */
export function getElectives(db: DB, classId: number): number[] {
  getClass(db, classId);
  return db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ? AND elective = 1 ORDER BY subject_id').pluck().all(classId) as number[];
}

/** Exactly these entries of the class's curriculum are electives; an exam subject cannot be one (its final needs the exam). */
function setElectives(db: DB, classId: number, subjectIds: number[]) {
  const exam = db.prepare(`SELECT s.name FROM class_exams e JOIN subjects s ON s.id = e.subject_id WHERE e.class_id = ? AND e.subject_id IN (SELECT value FROM json_each(?))`)
    .pluck().get(classId, JSON.stringify(subjectIds)) as string | undefined;
  if (exam) throw fieldError('electiveSubjectIds', `«${exam}» — экзамен класса: элективным курсом без итоговой отметки он быть не может`);
  db.prepare('UPDATE curriculum SET elective = (subject_id IN (SELECT value FROM json_each(?))) WHERE class_id = ?').run(JSON.stringify(subjectIds), classId);
}
