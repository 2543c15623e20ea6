// What migration 0017 must leave behind: the book of orders takes «О выпуске» (graduation) and «Об итогах ликвидации
// академической задолженности» (academic_debt) with its old rules (append-only, a number once a year per kind); a
// graduation order carries departures, a promotion order no longer does; a kept-back pupil's decision names its basis
// and date; an academic debt belongs to a conditional promotion, and its outcome, once recorded by an order, stays.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2026/2027', '2026-09-01', '2027-08-31')").run();
  const cls = db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (?, ?, 'А', ?)");
  const c5 = Number(cls.run(1, 5, 'ООО').lastInsertRowid);
  const c6 = Number(cls.run(2, 6, 'ООО').lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2014-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);
  db.prepare("INSERT INTO subjects (name, short_name) VALUES ('Математика', 'Матем.')").run();
  const order = db.prepare('INSERT INTO orders (number, date, kind) VALUES (?, ?, ?)');
  const move = db.prepare('INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const enr = Number(order.run('1', '2025-09-01', 'enrolment').lastInsertRowid);
  move.run(enr, sid, 'enrolment', '2025-09-01', null, c5, null);
  const grad = Number(order.run('1-вып', '2026-06-25', 'graduation').lastInsertRowid);
  const debtOrder = Number(order.run('1-аз', '2026-10-15', 'academic_debt').lastInsertRowid);
  expect(() => order.run('1-вып', '2026-06-28', 'graduation')).toThrow(/уже есть в этом учебном году/);
  expect(() => order.run('2', '2026-06-28', 'cancellation')).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare('UPDATE orders SET number = ? WHERE id = ?').run('x', grad)).toThrow(/append-only/);
  expect(() => db.prepare('DELETE FROM orders WHERE id = ?').run(grad)).toThrow(/append-only/);
  // kinds of movements each order holds
  expect(() => move.run(grad, sid, 'promotion', '2026-06-25', c5, c6, null)).toThrow(/does not match its order/);
  const prom = Number(order.run('2-п', '2026-05-30', 'promotion').lastInsertRowid);
  expect(() => move.run(prom, sid, 'departure', '2026-05-30', c5, null, 'Окончание обучения')).toThrow(/does not match its order/);
  const pm = Number(move.run(prom, sid, 'promotion', '2026-05-30', c5, c6, 'Переведён условно').lastInsertRowid);
  // a kept-back decision without its basis is refused; a conditional one needs none
  const decide = db.prepare('INSERT INTO promotion_decisions (movement_id, decision, basis, basis_date) VALUES (?, ?, ?, ?)');
  expect(() => decide.run(pm, 'kept_back', null, null)).toThrow(/CHECK constraint failed/);
  expect(() => decide.run(pm, 'kept_back', 'application', null)).toThrow(/CHECK constraint failed/);
  expect(() => decide.run(enr, 'conditional', null, null)).toThrow(/только к движению приказа о переводе/);
  decide.run(pm, 'conditional', null, null);
  expect(() => db.prepare("UPDATE promotion_decisions SET decision = 'kept_back'").run()).toThrow(/не изменяются/);
  const debt = db.prepare(`INSERT INTO academic_debts (student_id, year_id, class_id, subject_id, annual_mark, promotion_movement_id, deadline)
    VALUES (?, 1, ?, 1, ?, ?, '2026-10-15')`);
  expect(() => debt.run(sid, c5, '3', pm)).toThrow(/CHECK constraint failed/);
  const d = Number(debt.run(sid, c5, 'н/а', pm).lastInsertRowid);
  // cleared only with a passing retake, and only by an academic-debt order
  expect(() => db.prepare("UPDATE academic_debts SET outcome = 'cleared', outcome_order_id = ?, outcome_date = '2026-10-15' WHERE id = ?").run(debtOrder, d))
    .toThrow(/CHECK constraint failed/);
  db.prepare("UPDATE academic_debts SET retake1_date = '2026-09-20', retake1_mark = '2', retake2_date = '2026-10-10', retake2_mark = '3' WHERE id = ?").run(d);
  expect(() => db.prepare("UPDATE academic_debts SET outcome = 'cleared', outcome_order_id = ?, outcome_date = '2026-10-15' WHERE id = ?").run(grad, d))
    .toThrow(/приказом об итогах/);
  db.prepare("UPDATE academic_debts SET outcome = 'cleared', outcome_order_id = ?, outcome_date = '2026-10-15' WHERE id = ?").run(debtOrder, d);
  expect(() => db.prepare("UPDATE academic_debts SET outcome = 'kept_back' WHERE id = ?").run(d)).toThrow(/не изменяется/);
  expect(() => db.prepare('DELETE FROM academic_debts WHERE id = ?').run(d)).toThrow(/не удаляется/);
  expect(db.prepare('SELECT require_sealed_before_promotion AS r FROM settings WHERE id = 1').get()).toEqual({ r: 0 });
  expect(db.prepare('SELECT * FROM register_rule_breaches').all()).toEqual([]);
  expect(db.pragma('foreign_key_check')).toEqual([]);
}
