// 0005_printouts on its own, in raw SQL (no backend): a blank form exists once, is received before anything else,
// is used once (issued by one attestat or spoiled), never changes its series/number and is never deleted; the
// book of attestats and the register of printouts are append-only; printout codes follow the hash and version.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';

const open: Database.Database[] = [];
afterEach(() => { while (open.length) open.pop()!.close(); });

const S1 = '00000000-0000-4000-8000-000000000001';
const S2 = '00000000-0000-4000-8000-000000000002';

function register() {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 5));
  db.exec(`
    INSERT INTO users (id, login, full_name, role, password_hash, created_at) VALUES (1, 'admin', 'Админ', 'admin', 'scrypt$x', 'now');
    INSERT INTO academic_years (id, name, start_date, end_date) VALUES (1, '2025/2026', '2025-09-01', '2026-08-31');
    INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES
      ('${S1}', 'Иванов', 'Пётр', 'иванов петр', '2010-03-01', 'М', 'now'), ('${S2}', 'Петрова', 'Анна', 'петрова анна', '2010-05-01', 'Ж', 'now');
    INSERT INTO attestat_form_receipts (id, kind, series, first_number, last_number, received_on, document, created_at, created_by)
      VALUES (1, 9, '077', 100, 102, '2026-05-20', 'Накладная № 15', 'now', 'admin');
    INSERT INTO attestat_forms (receipt_id, kind, series, number) VALUES (1, 9, '077', 100), (1, 9, '077', 101), (1, 9, '077', 102);
  `);
  return db;
}
const issue = (db: Database.Database, o: { reg: number; student: string; form: number; kind?: number; date?: string }) =>
  db.prepare(`INSERT INTO attestats (year_id, reg_number, student_id, kind, form_id, issue_date, recipient, created_at, created_by)
    VALUES (1, ?, ?, ?, ?, ?, 'Иванов Пётр', 'now', 'admin')`).run(o.reg, o.student, o.kind ?? 9, o.form, o.date ?? '2026-06-25');
const state = (db: Database.Database, id: number) => (db.prepare('SELECT state FROM attestat_forms WHERE id = ?').get(id) as { state: string }).state;

describe('blank attestat forms', () => {
  it('exist only inside a receipt of their kind and series, once per series and number', () => {
    const db = register();
    const add = db.prepare('INSERT INTO attestat_forms (receipt_id, kind, series, number) VALUES (?, ?, ?, ?)');
    expect(() => add.run(1, 9, '077', 103)).toThrow(/within its receipt/);
    expect(() => add.run(1, 9, '078', 101)).toThrow(/within its receipt/);
    expect(() => add.run(1, 11, '077', 101)).toThrow(/within its receipt/);
    expect(() => add.run(1, 9, '077', 101)).toThrow(/UNIQUE constraint failed: attestat_forms.series, attestat_forms.number/);
    expect(() => db.prepare(`INSERT INTO attestat_forms (receipt_id, kind, series, number, state) VALUES (1, 9, '077', 999, 'issued')`).run()).toThrow();
  });

  it('are issued by one attestat only, then never again; the attestat marks the form issued', () => {
    const db = register();
    issue(db, { reg: 1, student: S1, form: 1 });
    expect(state(db, 1)).toBe('issued');
    expect(() => issue(db, { reg: 2, student: S2, form: 1 })).toThrow(/already issued or spoiled/);
    expect(() => issue(db, { reg: 1, student: S2, form: 2 })).toThrow(/UNIQUE constraint failed: attestats.year_id, attestats.reg_number/);
    expect(() => issue(db, { reg: 3, student: S1, form: 2 })).toThrow(/UNIQUE constraint failed: attestats.student_id, attestats.kind/);
    expect(() => issue(db, { reg: 3, student: S2, form: 2, kind: 11 })).toThrow(/another kind/);
    expect(() => issue(db, { reg: 3, student: S2, form: 2, date: '2027-05-01' })).toThrow(/outside the academic year/);
    expect(state(db, 2)).toBe('received');
  });

  it('a spoiled form cannot be issued, an issued one cannot be spoiled, nothing goes back to received', () => {
    const db = register();
    const spoil = db.prepare(`UPDATE attestat_forms SET state = 'spoiled', spoiled_on = '2026-06-01', spoiled_reason = 'опечатка' WHERE id = ?`);
    spoil.run(2);
    expect(() => spoil.run(2)).toThrow(/used once/);
    expect(() => issue(db, { reg: 1, student: S1, form: 2 })).toThrow(/already issued or spoiled/);
    issue(db, { reg: 1, student: S1, form: 1 });
    expect(() => spoil.run(1)).toThrow(/used once/);
    expect(() => db.prepare(`UPDATE attestat_forms SET state = 'received', spoiled_on = NULL, spoiled_reason = NULL WHERE id = 2`).run()).toThrow(/used once/);
    expect(() => db.prepare(`UPDATE attestat_forms SET state = 'issued' WHERE id = 3`).run()).toThrow(/only by an attestat/);
    expect(() => db.prepare(`UPDATE attestat_forms SET state = 'spoiled', spoiled_on = '2026-06-01' WHERE id = 3`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`UPDATE attestat_forms SET number = 150 WHERE id = 3`).run()).toThrow(/keeps its series and number/);
    expect(() => db.prepare('DELETE FROM attestat_forms WHERE id = 3').run()).toThrow(/never deleted/);
  });

  it('the book of attestats and the receipts are append-only', () => {
    const db = register();
    issue(db, { reg: 1, student: S1, form: 1 });
    expect(() => db.prepare(`UPDATE attestats SET recipient = 'Другой'`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM attestats').run()).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE attestat_form_receipts SET last_number = 200').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM attestat_form_receipts').run()).toThrow(/append-only/);
  });
});

describe('the register of certified printouts', () => {
  const add = (db: Database.Database, o: { version: number; sha: string; code?: string; ref?: string }) => db.prepare(`INSERT INTO printouts
      (kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at, created_by, created_by_login)
      VALUES ('certificate_of_study', ?, ?, ?, '{"a":1}', ?, x'25504446', ?, 'now', 1, 'admin')`)
    .run(o.ref ?? S1, o.version, o.sha, o.code ?? `${o.sha.slice(0, 8).toUpperCase()}-v${o.version}`, 'f'.repeat(64));

  it('numbers versions per document, the code is the hash prefix and the version, and nothing is changed later', () => {
    const db = register();
    add(db, { version: 1, sha: 'a'.repeat(64) });
    expect(() => add(db, { version: 3, sha: 'b'.repeat(64) })).toThrow(/numbered 1, 2, 3/);
    expect(() => add(db, { version: 2, sha: 'c'.repeat(64), code: 'CCCCCCCC-v9' })).toThrow(/CHECK constraint failed/);
    expect(() => add(db, { version: 2, sha: 'a'.repeat(64) })).toThrow(/UNIQUE constraint failed: printouts.kind, printouts.subject_ref, printouts.sha256/);
    expect(() => add(db, { version: 2, sha: 'A'.repeat(64) })).toThrow(/CHECK constraint failed/);
    add(db, { version: 2, sha: 'b'.repeat(64) });
    add(db, { version: 1, sha: 'd'.repeat(64), ref: S2 });
    expect(() => db.prepare(`UPDATE printouts SET pdf = x'00'`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM printouts').run()).toThrow(/append-only/);
    expect((db.prepare('SELECT code FROM printouts ORDER BY id').all() as Array<{ code: string }>).map((r) => r.code))
      .toEqual(['AAAAAAAA-v1', 'BBBBBBBB-v2', 'DDDDDDDD-v1']);
  });
});
