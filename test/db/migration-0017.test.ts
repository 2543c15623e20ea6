// Migration 0017 rebuilds the book of orders to take two more kinds: every order keeps its id, number, date and kind,
// every movement and class membership still points at its own, and the book's rules hold after it as before it.
// sqlite3 (the command-line shell) reads the file afterwards as the outside referee of the foreign keys and integrity.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

it('keeps every order, movement and membership, with its ids, through the rebuild of orders', () => {
  const file = path.join(scratchDir(), 'r.sqlite');
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 16));
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2026/2027', '2026-09-01', '2027-08-31')").run();
  const cls = db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (?, ?, 'А', ?)");
  const c10 = Number(cls.run(1, 10, 'СОО').lastInsertRowid);
  const c11a = Number(cls.run(1, 11, 'СОО').lastInsertRowid);
  const c11 = Number(cls.run(2, 11, 'СОО').lastInsertRowid);
  const student = db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, ?, 'Пётр', ?, '2009-01-01', 'М', '2025-09-01T00:00:00Z')");
  const a = '00000000-0000-4000-8000-00000000000a', b = '00000000-0000-4000-8000-00000000000b';
  student.run(a, 'Антонов', 'антонов петр');
  student.run(b, 'Борисов', 'борисов петр');
  const order = db.prepare('INSERT INTO orders (id, number, date, kind) VALUES (?, ?, ?, ?)');
  order.run(7, '1-у', '2025-09-01', 'enrolment');
  order.run(12, '5-п', '2026-05-30', 'promotion');
  const move = db.prepare('INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const member = db.prepare('INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, ?, ?, ?)');
  const ea = Number(move.run(7, a, 'enrolment', '2025-09-01', null, c10, null).lastInsertRowid);
  const eb = Number(move.run(7, b, 'enrolment', '2025-09-01', null, c11a, null).lastInsertRowid);
  member.run(a, c10, 1, '2025-09-01', ea);
  member.run(b, c11a, 1, '2025-09-01', eb);
  const pa = Number(move.run(12, a, 'promotion', '2026-05-30', c10, c11, null).lastInsertRowid);
  const pb = Number(move.run(12, b, 'departure', '2026-05-30', c11a, null, 'Окончание обучения (получен аттестат о среднем общем образовании)').lastInsertRowid);
  db.prepare('UPDATE class_memberships SET end_date = ?, end_movement_id = ? WHERE student_id = ? AND class_id = ?').run('2026-05-30', pa, a, c10);
  db.prepare('UPDATE class_memberships SET end_date = ?, end_movement_id = ? WHERE student_id = ? AND class_id = ?').run('2026-05-30', pb, b, c11a);
  member.run(a, c11, 2, '2026-09-01', pa);
  const snapshot = () => ({
    orders: db.prepare('SELECT * FROM orders ORDER BY id').all(),
    movements: db.prepare('SELECT * FROM movements ORDER BY id').all(),
    memberships: db.prepare('SELECT * FROM class_memberships ORDER BY id').all(),
  });
  const before = snapshot();
  expect(migrate(db, migrations.slice(0, 17))).toEqual([17]);
  expect(snapshot()).toEqual(before);
  // the rules of the book hold on the rebuilt table
  expect(() => order.run(30, '5-п', '2026-06-01', 'promotion')).toThrow(/уже есть в этом учебном году/);
  expect(() => db.prepare('DELETE FROM orders WHERE id = 7').run()).toThrow(/append-only/);
  expect(() => move.run(7, a, 'transfer', '2026-01-01', c10, c11a, null)).toThrow(/does not match its order/);
  db.close();
  // sqlite3 the referee: foreign keys resolve, the file is whole, and the old orders are where they were
  const sql = (q: string) => execFileSync('sqlite3', [file, q], { encoding: 'utf8' }).trim();
  expect(sql('PRAGMA foreign_key_check;')).toBe('');
  expect(sql('PRAGMA integrity_check;')).toBe('ok');
  expect(sql("SELECT group_concat(id || ':' || kind, ' ') FROM orders;")).toBe('7:enrolment 12:promotion');
  expect(sql('SELECT count(*) FROM register_rule_breaches;')).toBe('0');
});
