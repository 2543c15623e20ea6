// First graders entered several at once (issue 20): each row a new pupil's card, all enrolled in one class by one
// order. All or nothing: every refused row is named (its number and field), and none is written (dispatch's transaction).
import type { DB } from '../../db/connection.ts';
import type { StudentRow } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { classStudents, createStudent } from '../students/students.ts';
import { enrol } from './orders.ts';

type OrderRef = { number: string; date: string; confirmFuture?: boolean };
export type FirstGrader = { lastName: string; firstName: string; middleName?: string | null; birthDate: string; sex: 'М' | 'Ж'; snils?: string | null };

export function enrolFirstGraders(db: DB, a: { order: OrderRef; classId: number; date: string; rows: FirstGrader[] }): { enrolled: number; students: StudentRow[] } {
  if (!a.rows.length) throw new AppError('validation', 'Нет ни одной строки с учеником', { rows: 'добавьте учеников' });
  const fields: Record<string, string> = {};
  const bad: Array<{ row: number; field: string; reason: string }> = [];
  const ids: string[] = [];
  a.rows.forEach((r, i) => {
    try {
      const s = createStudent(db, { ...r, guardians: [] });
      enrol(db, { order: a.order, studentId: s.id, classId: a.classId, date: a.date });
      ids.push(s.id);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'validation') throw e;
      // an order's or a class's refusal is the same for every row: said once, at its own field
      const own = Object.entries(e.fields ?? { '': e.message });
      for (const [field, reason] of own) {
        if (field.startsWith('order') || field === 'classId' || field === 'date') throw e;
        fields[`rows.${i}.${field || 'lastName'}`] = reason;
        bad.push({ row: i + 1, field, reason });
      }
    }
  });
  if (bad.length) {
    throw new AppError('validation', `Не записан ни один ученик: ${bad.map((b) => `строка ${b.row} — ${b.reason}`).join('; ')}`, fields, bad);
  }
  const mine = new Set(ids);
  return { enrolled: ids.length, students: classStudents(db, a.classId).filter((s) => mine.has(s.id)) };
}
