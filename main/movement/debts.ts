// Академическая задолженность: the subjects a conditionally promoted pupil owes, the deadline, up to two retakes, and
// the outcome recorded by an order «Об итогах ликвидации академической задолженности» — cleared (every subject
// retaken with a pass), kept back (back to the previous grade this year), another programme (an adapted class or an
// individual plan), family education (the pupil leaves the school).
import type { DB } from '../../db/connection.ts';
import type { AcademicDebt } from '../../preload/contract.ts';
import { fullName } from '../../preload/core/names.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { normalizeMark } from '../../preload/core/marks.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { getClass } from '../classes/classes.ts';
import { getStudent } from '../students/students.ts';
import { fileDeparture } from '../alphabet-book/book.ts';
import { activeMembership, closeMembership, insertMovement, openMembership, orderFor, requireDate, type OrderRef } from './orders.ts';

type Outcome = NonNullable<AcademicDebt['outcome']>;
const PASSED = new Set(['3', '4', '5', 'зч']);
const RETAKE_MARKS = new Set(['2', '3', '4', '5', 'зч', 'нз', 'н/а']);
export const FAMILY_EDUCATION_REASON = 'Переход на семейное образование (академическая задолженность не ликвидирована)';

const SELECT = `SELECT d.*, s.last_name, s.first_name, s.middle_name, y.name AS year_name, c.parallel, c.letter, su.name AS subject,
    o.number AS o_number, o.date AS o_date,
    (SELECT cc.parallel || cc.letter FROM class_memberships m JOIN classes cc ON cc.id = m.class_id WHERE m.student_id = d.student_id AND m.end_date IS NULL) AS cur
  FROM academic_debts d JOIN students s ON s.id = d.student_id JOIN academic_years y ON y.id = d.year_id JOIN classes c ON c.id = d.class_id
  JOIN subjects su ON su.id = d.subject_id LEFT JOIN orders o ON o.id = d.outcome_order_id`;
type Row = { id: number; student_id: string; last_name: string; first_name: string; middle_name: string | null; year_name: string; parallel: number; letter: string;
  subject_id: number; subject: string; annual_mark: string; deadline: string; retake1_date: string | null; retake1_mark: string | null; retake2_date: string | null;
  retake2_mark: string | null; outcome: Outcome | null; outcome_order_id: number | null; o_number: string | null; o_date: string | null; cur: string | null };

const toDebt = (r: Row): AcademicDebt => ({
  id: r.id, studentId: r.student_id, studentName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }), yearName: r.year_name,
  className: `${r.parallel}${r.letter}`, currentClass: r.cur, subjectId: r.subject_id, subject: r.subject, annualMark: r.annual_mark, deadline: r.deadline,
  retakes: [[r.retake1_date, r.retake1_mark], [r.retake2_date, r.retake2_mark]].filter(([d]) => d).map(([date, mark]) => ({ date: date!, mark: mark! })),
  outcome: r.outcome, outcomeOrder: r.outcome_order_id ? { id: r.outcome_order_id, number: r.o_number!, date: r.o_date! } : null,
});

export function listDebts(db: DB, f: { yearId?: number; open?: boolean; studentId?: string } = {}): AcademicDebt[] {
  const where = [f.yearId != null ? 'd.year_id = @yearId' : '', f.open == null ? '' : f.open ? 'd.outcome IS NULL' : 'd.outcome IS NOT NULL',
    f.studentId ? 'd.student_id = @studentId' : ''].filter(Boolean);
  return (db.prepare(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.search_key, y.name, su.name`)
    .all({ ...(f.yearId != null ? { yearId: f.yearId } : {}), ...(f.studentId ? { studentId: f.studentId } : {}) }) as Row[]).map(toDebt);
}

function getDebt(db: DB, id: number): AcademicDebt {
  const r = db.prepare(`${SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
  if (!r) throw notFound('Академическая задолженность');
  return toDebt(r);
}

/** A retake's result (at most two, in order, before the outcome is recorded). */
export function recordRetake(db: DB, a: { debtId: number; date: string; mark: string }): AcademicDebt {
  const d = getDebt(db, a.debtId);
  requireDate(a.date);
  const mark = normalizeMark(a.mark) ?? a.mark.trim();
  if (!RETAKE_MARKS.has(mark)) throw fieldError('mark', `Отметка пересдачи «${a.mark}» — не из шкалы (5, 4, 3, 2, зч, нз, н/а)`);
  if (d.outcome) throw fieldError('debtId', `Итог по задолженности уже записан приказом № ${d.outcomeOrder!.number}: пересдача после него не записывается`);
  if (d.retakes.length >= 2) throw fieldError('debtId', 'Пересдач по предмету — не более двух');
  const prev = d.retakes[d.retakes.length - 1];
  if (prev && PASSED.has(prev.mark)) throw fieldError('debtId', `Задолженность по предмету «${d.subject}» уже ликвидирована (${formatDate(prev.date)}, «${prev.mark}»)`);
  if (prev && a.date <= prev.date) throw fieldError('date', `Вторая пересдача — позже первой (${formatDate(prev.date)})`);
  const n = d.retakes.length + 1;
  db.prepare(`UPDATE academic_debts SET retake${n}_date = ?, retake${n}_mark = ? WHERE id = ?`).run(a.date, mark, a.debtId);
  return getDebt(db, a.debtId);
}

/** The outcome of all of a pupil's open debts, by one order; with the movement it decides (kept back, other class, leaving). */
export function decideDebts(db: DB, a: { order: OrderRef; studentId: string; outcome: Outcome; date: string; toClassId?: number }): AcademicDebt[] {
  const s = getStudent(db, a.studentId);
  const name = fullName(s);
  requireDate(a.date);
  const open = listDebts(db, { studentId: a.studentId, open: true });
  if (!open.length) throw fieldError('studentId', `У ${name} нет академической задолженности без итога`);
  if (a.outcome === 'cleared') {
    const owed = open.filter((d) => !d.retakes.some((r) => PASSED.has(r.mark)));
    if (owed.length) {
      throw new AppError('validation', `${name}: задолженность не ликвидирована — ${owed.map((d) => `«${d.subject}»`).join(', ')}: нет сданной пересдачи`,
        { outcome: 'нет сданной пересдачи' }, owed.map((d) => ({ subject: d.subject, message: 'нет пересдачи с положительной отметкой' })));
    }
  }
  const active = activeMembership(db, a.studentId);
  const needsMove = a.outcome === 'kept_back' || a.outcome === 'family_education' || (a.outcome === 'other_programme' && a.toClassId != null);
  if (needsMove && !active) throw fieldError('studentId', `${name} не числится ни в одном классе`);
  let to: ReturnType<typeof getClass> | null = null;
  if (a.outcome === 'kept_back' || (a.outcome === 'other_programme' && a.toClassId != null)) {
    if (a.toClassId == null) throw fieldError('toClassId', 'Укажите класс, в котором ученик остаётся на повторное обучение');
    try {
      to = getClass(db, a.toClassId);
    } catch {
      throw fieldError('toClassId', `Класс №${a.toClassId} не найден`);
    }
    const cur = getClass(db, active!.class_id);
    if (to.yearId !== active!.year_id) throw fieldError('toClassId', `Класс ${to.name} — другого учебного года (${to.yearName}), а ученик в ${cur.name} ${cur.yearName}`);
    if (to.id === cur.id) throw fieldError('toClassId', `Ученик уже в классе ${to.name}`);
    const debtGrade = Math.max(...open.map((d) => Number(d.className.slice(0, -1))));
    if (a.outcome === 'kept_back' && to.parallel !== debtGrade) {
      throw fieldError('toClassId', `Оставить на повторное обучение — в ${debtGrade} класс (задолженность за ${debtGrade} класс), а не в ${to.name}`);
    }
    if (a.date < active!.start_date) throw fieldError('date', `Дата раньше начала обучения в ${cur.name} (${formatDate(active!.start_date)})`);
  }
  if (active && a.date < active.start_date && a.outcome === 'family_education') throw fieldError('date', `Дата выбытия раньше даты зачисления (${formatDate(active.start_date)})`);
  const orderId = orderFor(db, a.order, 'academic_debt');
  if (to) {
    const mid = insertMovement(db, { orderId, studentId: a.studentId, kind: 'transfer', date: a.date, from: active!.class_id, to: to.id,
      reason: a.outcome === 'kept_back' ? 'Оставлен(а) на повторное обучение: академическая задолженность не ликвидирована' : 'Перевод на обучение по другой программе (академическая задолженность)' });
    closeMembership(db, active!.id, a.date, mid);
    openMembership(db, a.studentId, to.id, a.date, mid);
  } else if (a.outcome === 'family_education') {
    const mid = insertMovement(db, { orderId, studentId: a.studentId, kind: 'departure', date: a.date, from: active!.class_id, reason: FAMILY_EDUCATION_REASON });
    closeMembership(db, active!.id, a.date, mid);
    fileDeparture(db, a.studentId, a.date, FAMILY_EDUCATION_REASON, null);
  }
  const set = db.prepare('UPDATE academic_debts SET outcome = ?, outcome_order_id = ?, outcome_date = ? WHERE id = ?');
  for (const d of open) set.run(a.outcome, orderId, a.date, d.id);
  return open.map((d) => getDebt(db, d.id));
}
