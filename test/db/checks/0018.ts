// What migration 0018 must leave behind: an order that corrects another (same kind, not earlier, moving no one
// itself), the movements it cancels, the алфавитная книга's history kept by the schema on every change, all
// append-only; and the per-grade curriculum template.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  const c5 = Number(db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 5, 'А', 'ООО')").run().lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2014-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);
  const order = db.prepare('INSERT INTO orders (number, date, kind) VALUES (?, ?, ?)');
  const enrolment = Number(order.run('1', '2025-09-01', 'enrolment').lastInsertRowid);
  const mv = Number(db.prepare("INSERT INTO movements (order_id, student_id, kind, date, to_class_id) VALUES (?, ?, 'enrolment', '2025-09-01', ?)").run(enrolment, sid, c5).lastInsertRowid);
  const departure = Number(order.run('2-в', '2025-10-01', 'departure').lastInsertRowid);
  const cancel = Number(order.run('3', '2025-10-02', 'enrolment').lastInsertRowid);
  const early = Number(order.run('4', '2025-08-20', 'enrolment').lastInsertRowid);
  const correct = db.prepare('INSERT INTO order_corrections (order_id, corrects_order_id, kind) VALUES (?, ?, ?)');
  expect(() => correct.run(cancel, departure, 'cancel')).toThrow(/того же вида/);
  expect(() => correct.run(early, enrolment, 'cancel')).toThrow(/датирован раньше/);
  expect(() => correct.run(enrolment, cancel, 'cancel')).toThrow(/не содержит движений/); // the corrected-by order moves pupils
  expect(() => correct.run(cancel, enrolment, 'undo')).toThrow(/CHECK constraint failed/);
  correct.run(cancel, enrolment, 'cancel');
  expect(() => db.prepare("INSERT INTO movements (order_id, student_id, kind, date, to_class_id) VALUES (?, ?, 'enrolment', '2025-10-02', ?)").run(cancel, sid, c5))
    .toThrow(/не содержит движений/);
  db.prepare('INSERT INTO movement_cancellations (movement_id, order_id) VALUES (?, ?)').run(mv, cancel);
  expect(() => db.prepare('DELETE FROM movement_cancellations').run()).toThrow(/не удаляются/);
  expect(() => db.prepare('UPDATE order_corrections SET kind = ?').run('amend')).toThrow(/не изменяются/);

  // every change of a book entry leaves the earlier state in the history, which is never changed or deleted
  db.prepare("INSERT INTO alphabet_book (student_id, letter, number, entered_on, movement_id) VALUES (?, 'И', 1, '2025-09-01', ?)").run(sid, mv);
  db.prepare("UPDATE alphabet_book SET departed_on = '2025-10-01', departure_reason = 'Переезд', movement_id = NULL WHERE student_id = ?").run(sid);
  db.prepare('UPDATE alphabet_book SET departed_on = NULL, departure_reason = NULL WHERE student_id = ?').run(sid);
  expect(db.prepare('SELECT entered_on, departed_on, departure_reason, movement_id FROM alphabet_book_history ORDER BY id').all()).toEqual([
    { entered_on: '2025-09-01', departed_on: null, departure_reason: null, movement_id: mv },
    { entered_on: '2025-09-01', departed_on: '2025-10-01', departure_reason: 'Переезд', movement_id: null },
  ]);
  expect(() => db.prepare('DELETE FROM alphabet_book_history').run()).toThrow(/не удаляются/);
  expect(() => db.prepare("UPDATE alphabet_book_history SET departure_reason = 'x'").run()).toThrow(/не изменяются/);

  // a departure before a cancelled arrival is allowed; before a live one it is not
  const c5b = Number(db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 5, 'Б', 'ООО')").run().lastInsertRowid);
  const tr = Number(order.run('5-п', '2025-11-10', 'transfer').lastInsertRowid);
  const moved = Number(db.prepare("INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id) VALUES (?, ?, 'transfer', '2025-11-10', ?, ?)").run(tr, sid, c5, c5b).lastInsertRowid);
  const departOn = (date: string) => db.prepare("INSERT INTO movements (order_id, student_id, kind, date, from_class_id, reason) VALUES (?, ?, 'departure', ?, ?, 'Переезд')").run(departure, sid, date, c5);
  expect(() => departOn('2025-11-05')).toThrow(/departure date must not be before enrolment/);
  const trCancel = Number(order.run('6-п', '2025-11-12', 'transfer').lastInsertRowid);
  correct.run(trCancel, tr, 'cancel');
  db.prepare('INSERT INTO movement_cancellations (movement_id, order_id) VALUES (?, ?)').run(moved, trCancel);
  departOn('2025-11-05');

  const subj = Number(db.prepare("INSERT INTO subjects (name, short_name) VALUES ('Математика', 'Мат.')").run().lastInsertRowid);
  const tpl = db.prepare('INSERT INTO curriculum_templates (grade, subject_id) VALUES (?, ?)');
  tpl.run(5, subj);
  expect(() => tpl.run(5, subj)).toThrow(/UNIQUE constraint failed/);
  expect(() => tpl.run(12, subj)).toThrow(/CHECK constraint failed/);
}
