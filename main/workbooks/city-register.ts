// The city-register workbook of one academic year: classes, contingent, staff and intermediate attestation, each
// subject written as its city-register directory ID. A subject without its ID stops the export before any file is
// opened; the workbook is written beside the target under a temporary name and renamed, so no half file is left.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import { yearByName } from '../years/years.ts';
import { writeListWorkbook, type ListSheet } from './write.ts';

/** The export refused: these subjects (by name) have no city-register ID yet. */
export class MissingCityRegisterIds extends AppError {
  constructor(readonly missing: Array<{ id: number; name: string }>) {
    super('validation', `Нет кода городского реестра у предметов: ${missing.map((s) => `«${s.name}»`).join(', ')}. Укажите коды в справочнике предметов; файл не записан`,
      Object.fromEntries(missing.map((s) => [`subjects.${s.id}.cityRegisterId`, `Нет кода городского реестра у предмета «${s.name}»`])),
      missing.map((s) => ({ id: s.id, name: s.name })));
  }
}

export type CityRegisterSummary = { file: string; year: string; classes: number; students: number; staff: number; marks: number };

const PERIOD_WORD: Record<string, string> = { quarter: 'четверть', half: 'полугодие', trimester: 'триместр' };
const SLOT_WORD: Record<string, string> = { annual: 'годовая', exam: 'экзаменационная', final: 'итоговая' };

const fio = (r: { last_name: string; first_name: string; middle_name: string | null }) =>
  [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' ');

/** The subjects the year's export would name (curriculum, marks, taught by staff) that have no city-register ID. */
export function subjectsMissingCityRegisterId(db: DB, yearId: number): Array<{ id: number; name: string }> {
  return db.prepare(`SELECT id, name FROM subjects WHERE city_register_id IS NULL AND id IN (
      SELECT cu.subject_id FROM curriculum cu JOIN classes c ON c.id = cu.class_id WHERE c.year_id = @y
      UNION SELECT subject_id FROM marks WHERE year_id = @y
      UNION SELECT subject_id FROM staff_subjects)
    ORDER BY name`).all({ y: yearId }) as Array<{ id: number; name: string }>;
}

type ClassRow = { id: number; name: string; parallel: number; letter: string; level: string; shift: number; adapted: number;
  teacher_last: string | null; teacher_first: string | null; teacher_middle: string | null; students: number };
type StudentRow = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; sex: string; snils: string | null;
  class_name: string | null; departed_on: string | null; left_class: string | null };
type StaffRow = { id: number; last_name: string; first_name: string; middle_name: string | null; snils: string | null; position: string; subjects: string | null };
type MarkRow = { id: number; student_id: string; class_name: string; subject: string; slot: string; kind: string | null; number: number | null; mark: string };

/** Marks of the year, a page of subject rows at a time (migration 0011: a row per student × subject × class, the marks
 *  as columns): the writer awaits between rows, so no statement stays open across them. */
function* marksOf(db: DB, yearId: number): Generator<MarkRow> {
  const page = db.prepare(`SELECT r.id, r.student_id, c.parallel || c.letter AS class_name, s.city_register_id AS subject, g.kind,
      r.p1, r.p2, r.p3, r.p4, r.annual, r.exam, r.final
    FROM subject_marks r JOIN classes c ON c.id = r.class_id JOIN subjects s ON s.id = r.subject_id
    LEFT JOIN year_grade_periods g ON g.year_id = r.year_id AND g.grade = c.parallel
    WHERE r.year_id = ? AND r.id > ? ORDER BY r.id LIMIT 2000`);
  type Row = Omit<MarkRow, 'slot' | 'number' | 'mark'> & Record<'p1' | 'p2' | 'p3' | 'p4' | 'annual' | 'exam' | 'final', string | null>;
  for (let after = 0; ;) {
    const rows = page.all(yearId, after) as Row[];
    if (!rows.length) return;
    for (const r of rows) {
      const base = { id: r.id, student_id: r.student_id, class_name: r.class_name, subject: r.subject };
      for (const [number, mark] of [r.p1, r.p2, r.p3, r.p4].entries()) if (mark != null) yield { ...base, slot: 'period', kind: r.kind, number: number + 1, mark };
      for (const slot of ['annual', 'exam', 'final'] as const) if (r[slot] != null) yield { ...base, slot, kind: null, number: null, mark: r[slot]! };
    }
    after = rows[rows.length - 1].id;
  }
}

export async function exportCityRegister(db: DB, a: { year: string; out: string }): Promise<CityRegisterSummary> {
  const year = yearByName(db, a.year);
  if (!year) throw notFound(`Учебный год ${a.year}`);
  const missing = subjectsMissingCityRegisterId(db, year.id);
  if (missing.length) throw new MissingCityRegisterIds(missing);

  // Each student's last place in the year: the class they are in now (else the last one), and whether they left the
  // school from it (a departure). One reading for both sheets, so «Классы» and «Контингент» count a class alike: a
  // student who left is in neither class's count nor under it, but listed with the date and the class they left.
  const lastPlace = `WITH last AS (SELECT m.student_id, m.class_id, m.end_date, mv.kind AS end_kind,
      row_number() OVER (PARTITION BY m.student_id ORDER BY m.end_date IS NULL DESC, m.start_date DESC, m.id DESC) AS n
    FROM class_memberships m LEFT JOIN movements mv ON mv.id = m.end_movement_id WHERE m.year_id = @y)`;
  const classes = db.prepare(`${lastPlace} SELECT c.id, c.parallel || c.letter AS name, c.parallel, c.letter, c.level, c.shift, c.adapted,
      t.last_name AS teacher_last, t.first_name AS teacher_first, t.middle_name AS teacher_middle,
      (SELECT count(*) FROM last WHERE last.n = 1 AND last.class_id = c.id AND last.end_kind IS NOT 'departure') AS students
    FROM classes c LEFT JOIN staff t ON t.id = c.homeroom_teacher_id WHERE c.year_id = @y ORDER BY c.parallel, c.letter`).all({ y: year.id }) as ClassRow[];
  const students = db.prepare(`${lastPlace} SELECT s.id, s.last_name, s.first_name, s.middle_name, s.birth_date, s.sex, s.snils,
      CASE WHEN last.end_kind IS 'departure' THEN NULL ELSE c.parallel || c.letter END AS class_name,
      CASE WHEN last.end_kind IS 'departure' THEN last.end_date END AS departed_on,
      CASE WHEN last.end_kind IS 'departure' THEN c.parallel || c.letter END AS left_class
    FROM last JOIN students s ON s.id = last.student_id JOIN classes c ON c.id = last.class_id WHERE last.n = 1
    ORDER BY s.last_name, s.first_name, s.middle_name, s.birth_date`).all({ y: year.id }) as StudentRow[];
  const staff = db.prepare(`SELECT t.id, t.last_name, t.first_name, t.middle_name, t.snils, t.position,
      (SELECT group_concat(city_register_id, ', ') FROM (SELECT s.city_register_id FROM staff_subjects ss JOIN subjects s ON s.id = ss.subject_id
        WHERE ss.staff_id = t.id ORDER BY s.city_register_id)) AS subjects
    FROM staff t ORDER BY t.last_name, t.first_name, t.middle_name`).all() as StaffRow[];
  const marks = (db.prepare('SELECT count(*) AS n FROM marks WHERE year_id = ?').get(year.id) as { n: number }).n;

  const sheets: Array<ListSheet<any>> = [
    { name: 'Классы', rows: classes, columns: [
      { header: 'Класс', value: (r: ClassRow) => r.name, kind: 'text' },
      { header: 'Параллель', value: (r: ClassRow) => r.parallel, kind: 'number' },
      { header: 'Литера', value: (r: ClassRow) => r.letter, kind: 'text' },
      { header: 'Уровень', value: (r: ClassRow) => r.level, kind: 'text' },
      { header: 'Смена', value: (r: ClassRow) => r.shift, kind: 'number' },
      { header: 'АООП', value: (r: ClassRow) => (r.adapted ? 'да' : 'нет'), kind: 'text' },
      { header: 'Классный руководитель', value: (r: ClassRow) => (r.teacher_last ? fio({ last_name: r.teacher_last, first_name: r.teacher_first!, middle_name: r.teacher_middle }) : null), kind: 'text' },
      { header: 'Учеников', value: (r: ClassRow) => r.students, kind: 'number' },
    ] } satisfies ListSheet<ClassRow>,
    { name: 'Контингент', rows: students, columns: [
      { header: 'Идентификатор', value: (r: StudentRow) => r.id, kind: 'text' },
      { header: 'ФИО', value: (r: StudentRow) => fio(r), kind: 'text' },
      { header: 'Дата рождения', value: (r: StudentRow) => r.birth_date, kind: 'date' },
      { header: 'Пол', value: (r: StudentRow) => r.sex, kind: 'text' },
      { header: 'СНИЛС', value: (r: StudentRow) => (r.snils ? formatSnils(r.snils) : null), kind: 'text' },
      { header: 'Класс', value: (r: StudentRow) => r.class_name, kind: 'text' },
      { header: 'Дата выбытия', value: (r: StudentRow) => r.departed_on, kind: 'date' },
      { header: 'Выбыл из класса', value: (r: StudentRow) => r.left_class, kind: 'text' },
    ] } satisfies ListSheet<StudentRow>,
    { name: 'Сотрудники', rows: staff, columns: [
      { header: 'ФИО', value: (r: StaffRow) => fio(r), kind: 'text' },
      { header: 'СНИЛС', value: (r: StaffRow) => (r.snils ? formatSnils(r.snils) : null), kind: 'text' },
      { header: 'Должность', value: (r: StaffRow) => r.position, kind: 'text' },
      { header: 'Предметы (коды реестра)', value: (r: StaffRow) => r.subjects, kind: 'text' },
    ] } satisfies ListSheet<StaffRow>,
    { name: 'Промежуточная аттестация', rows: marksOf(db, year.id), columns: [
      { header: 'Идентификатор ученика', value: (r: MarkRow) => r.student_id, kind: 'text' },
      { header: 'Класс', value: (r: MarkRow) => r.class_name, kind: 'text' },
      { header: 'Предмет (код реестра)', value: (r: MarkRow) => r.subject, kind: 'text' },
      { header: 'Период', value: (r: MarkRow) => (r.slot === 'period' ? `${r.number} ${PERIOD_WORD[r.kind!]}` : SLOT_WORD[r.slot]), kind: 'text' },
      { header: 'Оценка', value: (r: MarkRow) => r.mark, kind: 'text' },
    ] } satisfies ListSheet<MarkRow>,
  ];

  const out = path.resolve(a.out);
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeListWorkbook(tmp, sheets);
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return { file: out, year: year.name, classes: classes.length, students: students.length, staff: staff.length, marks };
}
