// What migration 0014 must leave behind: administrators' «с отличием» decisions, each with
// a reason, only for a student of a 9th or 11th class they are in, never changed or deleted.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  const cls = db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, ?, 'А', ?)");
  const c9 = Number(cls.run(9, 'ООО').lastInsertRowid);
  const c8 = Number(cls.run(8, 'ООО').lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2010-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);
  db.prepare("INSERT INTO orders (number, date, kind) VALUES ('1', '2025-09-01', 'enrolment')").run();
  db.prepare("INSERT INTO movements (order_id, student_id, kind, date, to_class_id) VALUES (1, ?, 'enrolment', '2025-09-01', ?)").run(sid, c9);
  db.prepare("INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, 1, '2025-09-01', 1)").run(sid, c9);
  const add = db.prepare(`INSERT INTO attestat_honours_decisions (student_id, class_id, with_honours, computed, rule_set, reason, created_at, created_by)
    VALUES (?, ?, ?, 0, 'minpros-546-2020', ?, '2026-06-20T10:00:00.000Z', 'admin')`);
  const id = Number(add.run(sid, c9, 1, 'решение педсовета № 7').lastInsertRowid);
  add.run(sid, c9, null, 'решение педсовета отменено');
  expect(() => add.run(sid, c9, 2, 'решение педсовета № 8')).toThrow(/CHECK constraint failed/);
  expect(() => add.run(sid, c9, 1, '   ')).toThrow(/CHECK constraint failed/);
  expect(() => add.run(sid, c8, 1, 'решение педсовета № 9')).toThrow(/только для ученика 9 или 11 класса/);
  expect(() => db.prepare('UPDATE attestat_honours_decisions SET with_honours = 0 WHERE id = ?').run(id)).toThrow(/не изменяются/);
  expect(() => db.prepare('DELETE FROM attestat_honours_decisions WHERE id = ?').run(id)).toThrow(/не удаляются/);
}
