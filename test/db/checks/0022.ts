// What migration 0022_honours_blanks must leave behind: a delivery of blank forms and each of its forms ordinary or
// «с отличием» (the form as its delivery, never changed); an attestat entered only on a form of its own kind, both ways;
// a print on the kind an administrator's decision in force names; and the forms received before kept as ordinary.
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { migrate } from '../../../db/migrate.ts';
import { migrations } from '../../../db/migrations/index.ts';

const receipt = (db: Database.Database, series: string, honours: number | null) =>
  Number(db.prepare(`INSERT INTO attestat_form_receipts (kind, series, first_number, last_number, received_on, document, created_at, created_by${honours == null ? '' : ', honours'})
    VALUES (11, ?, 1, 3, '2026-05-20', 'Накладная', '2026-05-20T00:00:00Z', 'admin'${honours == null ? '' : ', ?'})`).run(...(honours == null ? [series] : [series, honours])).lastInsertRowid);

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  const c11 = Number(db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 11, 'А', 'СОО')").run().lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2008-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);
  db.prepare("INSERT INTO orders (number, date, kind) VALUES ('1', '2025-09-01', 'enrolment')").run();
  db.prepare("INSERT INTO movements (order_id, student_id, kind, date, to_class_id) VALUES (1, ?, 'enrolment', '2025-09-01', ?)").run(sid, c11);
  db.prepare("INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, 1, '2025-09-01', 1)").run(sid, c11);

  // a delivery is ordinary unless said; 0 or 1, nothing else
  const plain = receipt(db, '77 АБ', null);
  const honours = receipt(db, '77 АО', 1);
  expect(() => receipt(db, '77 АВ', 2)).toThrow(/CHECK constraint failed/);
  expect(db.prepare('SELECT series, honours FROM attestat_form_receipts ORDER BY id').all()).toEqual([{ series: '77 АБ', honours: 0 }, { series: '77 АО', honours: 1 }]);

  // each form as its delivery; its kind never changes
  const form = db.prepare('INSERT INTO attestat_forms (receipt_id, kind, series, number, honours) VALUES (?, 11, ?, ?, ?)');
  expect(() => form.run(plain, '77 АБ', 1, 1)).toThrow(/такой же, как в его поступлении/);
  expect(() => form.run(honours, '77 АО', 1, 0)).toThrow(/такой же, как в его поступлении/);
  const p1 = Number(form.run(plain, '77 АБ', 1, 0).lastInsertRowid);
  const p2 = Number(form.run(plain, '77 АБ', 2, 0).lastInsertRowid);
  const h1 = Number(form.run(honours, '77 АО', 1, 1).lastInsertRowid);
  const h2 = Number(form.run(honours, '77 АО', 2, 1).lastInsertRowid);
  expect(() => db.prepare('UPDATE attestat_forms SET honours = 1 WHERE id = ?').run(p2)).toThrow(/не меняется/);
  expect(() => db.prepare('UPDATE attestat_form_receipts SET honours = 0 WHERE id = ?').run(honours)).toThrow(/append-only/);

  // a print where an administrator decided: only on a form of that kind; back to the rules (NULL): the schema leaves it to the code
  const print = db.prepare(`INSERT INTO attestat_prints (form_id, student_id, class_id, reg_number, issue_date, layout, printed_at, printed_by)
    VALUES (?, ?, ?, 1, '2026-06-25', 'attestat-11-2020+appendix-11-2020', '2026-06-20T10:00:00.000Z', 'admin')`);
  const decide = db.prepare(`INSERT INTO attestat_honours_decisions (student_id, class_id, with_honours, computed, rule_set, reason, created_at, created_by)
    VALUES (?, ?, ?, 0, 'minpros-546-2020', 'решение педсовета № 7', '2026-06-20T10:00:00.000Z', 'admin')`);
  decide.run(sid, c11, 1);
  expect(() => print.run(p1, sid, c11)).toThrow(/бланк не того вида/);
  decide.run(sid, c11, 0);
  expect(() => print.run(h1, sid, c11)).toThrow(/бланк не того вида/);
  decide.run(sid, c11, null);
  print.run(h1, sid, c11);
  expect(db.prepare('SELECT count(*) FROM attestat_prints').pluck().get()).toBe(1);

  // the book: «с отличием» only on a form «с отличием», an ordinary attestat only on an ordinary form
  const attestat = db.prepare(`INSERT INTO attestats (year_id, reg_number, student_id, kind, form_id, issue_date, recipient, with_honours, created_at, created_by)
    VALUES (1, 1, ?, 11, ?, '2026-06-25', 'Иванов Пётр', ?, '2026-06-25T10:00:00Z', 'admin')`);
  expect(() => attestat.run(sid, p1, 1)).toThrow(/только на бланке аттестата с отличием/);
  expect(() => attestat.run(sid, h2, 0)).toThrow(/обычный — только на обычном бланке/);
  expect(db.prepare("SELECT count(*) FROM attestat_forms WHERE state <> 'received'").pluck().get()).toBe(0);
  attestat.run(sid, h2, 1);
  expect(db.prepare('SELECT state FROM attestat_forms WHERE id = ?').pluck().get(h2)).toBe('issued');

  // a register before this migration: its forms (and the attestat issued on one) stay, ordinary
  const mine = migrations.findIndex((m) => m.name === '0022_honours_blanks');
  const old = new Database(':memory:');
  migrate(old, migrations.slice(0, mine));
  receipt(old, '77 АБ', null);
  old.prepare("INSERT INTO attestat_forms (receipt_id, kind, series, number) VALUES (1, 11, '77 АБ', 1), (1, 11, '77 АБ', 2)").run();
  expect(migrate(old, migrations.slice(0, mine + 1))).toEqual([mine + 1]);
  expect(old.prepare('SELECT number, honours FROM attestat_forms ORDER BY number').all()).toEqual([{ number: 1, honours: 0 }, { number: 2, honours: 0 }]);
  expect(old.prepare('SELECT honours FROM attestat_form_receipts').pluck().all()).toEqual([0]);
  old.close();
}
