// What migration 0016_attestat_blanks must leave behind: prints of blank forms (only on a free form of the class's
// kind, a reprint only in place of the same graduate's spoiled form, never changed or deleted), printer calibrations
// within ±10 mm and ±5 %, and the register of printouts that also takes the appendix, its rows and rules kept.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  const c11 = Number(db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 11, 'А', 'СОО')").run().lastInsertRowid);
  const sid = '00000000-0000-4000-8000-000000000001';
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2008-01-01', 'М', '2025-09-01T00:00:00Z')").run(sid);
  db.prepare("INSERT INTO attestat_form_receipts (kind, series, first_number, last_number, received_on, document, created_at, created_by) VALUES (11, '077', 1, 3, '2026-05-20', 'Накладная 1', '2026-05-20T00:00:00Z', 'admin')").run();
  db.prepare("INSERT INTO attestat_form_receipts (kind, series, first_number, last_number, received_on, document, created_at, created_by) VALUES (9, '078', 1, 1, '2026-05-20', 'Накладная 2', '2026-05-20T00:00:00Z', 'admin')").run();
  const form = db.prepare('INSERT INTO attestat_forms (receipt_id, kind, series, number) VALUES (?, ?, ?, ?)');
  const f1 = Number(form.run(1, 11, '077', 1).lastInsertRowid);
  const f2 = Number(form.run(1, 11, '077', 2).lastInsertRowid);
  const f9 = Number(form.run(2, 9, '078', 1).lastInsertRowid);
  const print = db.prepare(`INSERT INTO attestat_prints (form_id, student_id, class_id, reg_number, issue_date, layout, replaces_id, printed_at, printed_by)
    VALUES (?, ?, ?, 1, '2026-06-25', 'blank-2020', ?, '2026-06-20T10:00:00.000Z', 'admin')`);
  expect(() => print.run(f9, sid, c11, null)).toThrow(/того же вида/); // a 9th-grade form for an 11th class
  const p1 = Number(print.run(f1, sid, c11, null).lastInsertRowid);
  expect(() => print.run(f2, sid, c11, p1)).toThrow(/испорченный бланк/); // the replaced form is not spoiled
  db.prepare("UPDATE attestat_forms SET state = 'spoiled', spoiled_on = '2026-06-21', spoiled_reason = 'замятие' WHERE id = ?").run(f1);
  expect(() => print.run(f1, sid, c11, null)).toThrow(/UNIQUE|того же вида/);
  print.run(f2, sid, c11, p1);
  expect(() => db.prepare('UPDATE attestat_prints SET reg_number = 2 WHERE id = ?').run(p1)).toThrow(/не изменяются/);
  expect(() => db.prepare('DELETE FROM attestat_prints WHERE id = ?').run(p1)).toThrow(/не удаляются/);

  const cal = db.prepare(`INSERT INTO printer_calibrations (printer, dx_mm, dy_mm, scale, updated_at, updated_by) VALUES (?, ?, ?, ?, '2026-06-20T10:00:00.000Z', 'admin')`);
  cal.run('HP LaserJet 400', 1.5, -2, 1);
  expect(() => cal.run('Kyocera', 10.5, 0, 1)).toThrow(/CHECK constraint failed/);
  expect(() => cal.run('Kyocera', 0, -11, 1)).toThrow(/CHECK constraint failed/);
  expect(() => cal.run('Kyocera', 0, 0, 1.2)).toThrow(/CHECK constraint failed/);
  expect(() => cal.run('  ', 0, 0, 1)).toThrow(/CHECK constraint failed/);

  const add = db.prepare(`INSERT INTO printouts (kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at, created_by_login)
    VALUES (?, 'print:1', ?, ?, '{}', ?, x'25', ?, '2026-06-20T10:00:00.000Z', 'admin')`);
  const h = 'ab'.repeat(32);
  add.run('attestat_appendix', 1, h, 'ABABABAB-v1', h);
  expect(() => add.run('attestat_appendix', 3, 'cd'.repeat(32), 'CDCDCDCD-v3', h)).toThrow(/numbered 1, 2, 3/);
  expect(() => add.run('diploma', 1, 'ef'.repeat(32), 'EFEFEFEF-v1', h)).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("UPDATE printouts SET subject_ref = 'x'").run()).toThrow(/append-only/);
  expect(() => db.prepare('DELETE FROM printouts').run()).toThrow(/append-only/);
  expect((db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'printouts'").get() as { sql: string }).sql).toMatch(/STRICT$/);
}
