// What the personal-data migration must leave behind: consents and their withdrawals never changed or deleted; the
// read-access log append-only but for a recorded purge; a student's version moving on every update whoever writes it;
// change counters moved by every write of marks and students.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  db.pragma('foreign_keys = ON');
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  const cls = Number(db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 5, 'А', 'ООО')").run().lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2014-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);

  // consents: a withdrawal is a new row; neither is edited or deleted
  const add = db.prepare(`INSERT INTO consents (student_id, given_by, given_by_name, purposes, from_date, recorded_at, recorded_by)
    VALUES (?, ?, 'Иванова Мария Петровна', ?, ?, '2025-09-01T10:00:00.000Z', 'clerk')`);
  const consent = Number(add.run(sid, 'guardian', '["records","regional"]', '2025-09-01').lastInsertRowid);
  expect(() => add.run(sid, 'neighbour', '["records"]', '2025-09-01')).toThrow(/CHECK constraint failed/);
  expect(() => add.run(sid, 'guardian', '[]', '2025-09-01')).toThrow(/CHECK constraint failed/);
  expect(() => add.run(sid, 'guardian', '["records"]', '2999-01-01')).toThrow(/будущим днём/);
  const withdraw = db.prepare(`INSERT INTO consent_withdrawals (consent_id, date, reason, recorded_at, recorded_by)
    VALUES (?, ?, NULL, '2025-10-01T10:00:00.000Z', 'clerk')`);
  expect(() => withdraw.run(consent, '2025-08-01')).toThrow(/раньше дня/);
  withdraw.run(consent, '2025-10-01');
  expect(() => withdraw.run(consent, '2025-10-02')).toThrow(/UNIQUE|PRIMARY KEY/);
  expect(() => db.prepare("UPDATE consents SET from_date = '2025-09-02' WHERE id = ?").run(consent)).toThrow(/не изменяется/);
  expect(() => db.prepare('DELETE FROM consents WHERE id = ?').run(consent)).toThrow(/не удаляются/);
  expect(() => db.prepare('DELETE FROM consent_withdrawals WHERE consent_id = ?').run(consent)).toThrow(/не удаляется/);

  // the read log: no edits; deletes only up to a recorded purge
  const h = (c: string) => c.repeat(64);
  const read = db.prepare(`INSERT INTO read_log (id, at, login, workplace, method, kind, detail, prev_hash, hash)
    VALUES (?, '2025-09-01T10:00:00.000Z', 'clerk', 'этот компьютер', 'students.get', 'card', '{}', ?, ?)`);
  read.run(1, h('0'), h('a'));
  read.run(2, h('a'), h('b'));
  db.prepare('INSERT INTO read_log_students (entry_id, student_id) VALUES (?, ?)').run(1, sid);
  db.prepare('INSERT INTO read_log_students (entry_id, student_id) VALUES (?, ?)').run(2, sid);
  expect(() => db.prepare("UPDATE read_log SET login = 'x' WHERE id = 1").run()).toThrow(/не изменяется/);
  expect(() => db.prepare('DELETE FROM read_log WHERE id = 1').run()).toThrow(/очисткой по сроку/);
  expect(() => db.prepare('DELETE FROM read_log_students WHERE entry_id = 1').run()).toThrow(/очисткой по сроку/);
  db.prepare(`INSERT INTO read_log_purges (at, login, before, up_to_id, last_hash, removed) VALUES ('2025-09-02T10:00:00.000Z', 'admin', '2025-09-02', 1, ?, 1)`).run(h('a'));
  db.prepare('DELETE FROM read_log WHERE id <= 1').run();
  expect(db.prepare('SELECT entry_id FROM read_log_students').all()).toEqual([{ entry_id: 2 }]); // cascaded
  expect(() => db.prepare('DELETE FROM read_log WHERE id = 2').run()).toThrow(/очисткой по сроку/);
  expect(() => db.prepare('DELETE FROM read_log_purges').run()).toThrow(/не удаляются/);

  // retention: a setting with bounds
  expect(db.prepare('SELECT read_log_retention_days AS d FROM settings').get()).toEqual({ d: 1095 });
  expect(() => db.prepare('UPDATE settings SET read_log_retention_days = 5').run()).toThrow(/CHECK constraint failed/);

  // a student's version moves on every update, whoever writes; never back
  const version = () => (db.prepare('SELECT version FROM students WHERE id = ?').get(sid) as { version: number }).version;
  expect(version()).toBe(1);
  db.prepare("UPDATE students SET address = 'Москва' WHERE id = ?").run(sid);
  expect(version()).toBe(2);
  expect(() => db.prepare('UPDATE students SET version = 1 WHERE id = ?').run(sid)).toThrow(/только растёт/);

  // change counters: marks of a class, students as a whole
  const counter = (area: string, scope: number) =>
    (db.prepare('SELECT counter FROM change_counters WHERE area = ? AND scope = ?').get(area, scope) as { counter: number } | undefined)?.counter ?? 0;
  const before = counter('students', 0);
  db.prepare("INSERT INTO guardians (student_id, kind, full_name) VALUES (?, 'мать', 'Иванова Мария Петровна')").run(sid);
  expect(counter('students', 0)).toBeGreaterThan(before);
  db.prepare("INSERT INTO orders (number, date, kind) VALUES ('1', '2025-09-01', 'enrolment')").run();
  db.prepare("INSERT INTO movements (order_id, student_id, kind, date, to_class_id) VALUES (1, ?, 'enrolment', '2025-09-01', ?)").run(sid, cls);
  db.prepare("INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, 1, '2025-09-01', 1)").run(sid, cls);
  db.prepare("INSERT INTO subjects (name, short_name) VALUES ('Математика', 'Матем.')").run();
  db.prepare('INSERT INTO curriculum (class_id, subject_id) VALUES (?, 1)').run(cls);
  expect(counter('marks', cls)).toBe(0);
  db.prepare("INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, mark) VALUES (?, 1, 1, ?, 'annual', '5')").run(sid, cls);
  expect(counter('marks', cls)).toBe(1);
  db.prepare("INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, mark) VALUES (?, 1, 1, ?, 'final', '5')").run(sid, cls);
  expect(counter('marks', cls)).toBe(2);
}
