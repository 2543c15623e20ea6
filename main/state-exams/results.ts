// State-exam results (ОГЭ, ЕГЭ, ГВЭ) of a student: what the regional segment receives with the packets.
// ЕГЭ: test points 0..100; ОГЭ: primary points and the mark 2..5; ГВЭ: the mark (points optional). The schema
// enforces the same; here each refusal names its field.
import type { DB } from '../../db/connection.ts';
import type { StateExamResult } from '../../preload/contract.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { fullName } from '../../preload/core/names.ts';
import { getStudent } from '../students/students.ts';

export type StateExamFields = { studentId: string; kind: 'ОГЭ' | 'ЕГЭ' | 'ГВЭ'; subjectId: number; year: number; score?: number | null; mark?: number | null };

type Row = { id: number; student_id: string; last_name: string; first_name: string; middle_name: string | null; kind: StateExamResult['kind'];
  subject_id: number; subject: string; year: number; score: number | null; mark: number | null };

const SELECT = `SELECT e.*, s.name AS subject, st.last_name, st.first_name, st.middle_name FROM state_exam_results e
  JOIN subjects s ON s.id = e.subject_id JOIN students st ON st.id = e.student_id`;
const toResult = (r: Row): StateExamResult => ({ id: r.id, studentId: r.student_id, studentName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }),
  kind: r.kind, subjectId: r.subject_id, subject: r.subject, year: r.year, score: r.score, mark: r.mark });

export function listStateExams(db: DB, a: { studentId?: string; year?: number }): StateExamResult[] {
  return (db.prepare(`${SELECT} WHERE (@studentId IS NULL OR e.student_id = @studentId) AND (@year IS NULL OR e.year = @year)
    ORDER BY e.year DESC, st.search_key, e.kind, s.name`).all({ studentId: a.studentId ?? null, year: a.year ?? null }) as Row[]).map(toResult);
}

function clean(db: DB, a: StateExamFields) {
  const student = getStudent(db, a.studentId);
  if (!db.prepare('SELECT 1 FROM subjects WHERE id = ?').get(a.subjectId)) throw fieldError('subjectId', `Предмет №${a.subjectId} не найден`);
  const birthYear = Number(student.birthDate.slice(0, 4));
  if (!Number.isInteger(a.year) || a.year <= birthYear + 10 || a.year > new Date().getFullYear() + 1) {
    throw fieldError('year', `Год экзамена ${a.year} невозможен для ученика ${student.lastName} ${student.firstName} (год рождения ${birthYear})`);
  }
  const score = a.score ?? null;
  const mark = a.mark ?? null;
  if (score !== null && (!Number.isInteger(score) || score < 0 || score > 100)) throw fieldError('score', 'Баллы — целое число от 0 до 100');
  if (mark !== null && (!Number.isInteger(mark) || mark < 2 || mark > 5)) throw fieldError('mark', 'Отметка — от 2 до 5');
  if (a.kind === 'ЕГЭ') {
    if (score === null) throw fieldError('score', 'Для ЕГЭ укажите тестовые баллы (0–100)');
    if (mark !== null) throw fieldError('mark', 'За ЕГЭ отметка не ставится: только тестовые баллы');
  } else if (a.kind === 'ОГЭ') {
    if (score === null) throw fieldError('score', 'Для ОГЭ укажите первичные баллы');
    if (mark === null) throw fieldError('mark', 'Для ОГЭ укажите отметку (2–5)');
  } else if (mark === null) throw fieldError('mark', 'Для ГВЭ укажите отметку (2–5)');
  return { ...a, score, mark };
}

function duplicateGuard(db: DB, v: StateExamFields, selfId: number | null) {
  const other = db.prepare('SELECT id FROM state_exam_results WHERE student_id = ? AND kind = ? AND subject_id = ? AND year = ?')
    .get(v.studentId, v.kind, v.subjectId, v.year) as { id: number } | undefined;
  if (other && other.id !== selfId) throw new AppError('conflict', `Результат ${v.kind} по этому предмету за ${v.year} год у ученика уже записан`, { subjectId: 'уже есть' });
}

export function getStateExam(db: DB, id: number): StateExamResult {
  const r = db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as Row | undefined;
  if (!r) throw notFound('Результат экзамена');
  return toResult(r);
}

export function addStateExam(db: DB, a: StateExamFields): StateExamResult {
  const v = clean(db, a);
  duplicateGuard(db, v, null);
  const id = Number(db.prepare('INSERT INTO state_exam_results (student_id, kind, subject_id, year, score, mark) VALUES (?, ?, ?, ?, ?, ?)')
    .run(v.studentId, v.kind, v.subjectId, v.year, v.score, v.mark).lastInsertRowid);
  return getStateExam(db, id);
}

export function updateStateExam(db: DB, id: number, a: StateExamFields): StateExamResult {
  const before = getStateExam(db, id);
  if (before.studentId !== a.studentId) throw fieldError('studentId', 'Результат экзамена нельзя перенести другому ученику');
  const v = clean(db, a);
  duplicateGuard(db, v, id);
  db.prepare('UPDATE state_exam_results SET kind = ?, subject_id = ?, year = ?, score = ?, mark = ? WHERE id = ?').run(v.kind, v.subjectId, v.year, v.score, v.mark, id);
  return getStateExam(db, id);
}

export function removeStateExam(db: DB, id: number): { ok: true } {
  getStateExam(db, id);
  db.prepare('DELETE FROM state_exam_results WHERE id = ?').run(id);
  return { ok: true };
}
