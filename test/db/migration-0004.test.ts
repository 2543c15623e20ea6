// 0004_ledgers on its own, in raw SQL (no backend): sealed versions are append-only, numbered and chained; a new
// version needs an open correction, which it closes; while a class is sealed the database refuses every change of
// its marks, attendance, curriculum, exams and membership — including a mark entered in another class for a
// student the sealed ledger shows — except closing the year by promotion or graduation.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';

const open: Database.Database[] = [];
afterEach(() => { while (open.length) open.pop()!.close(); });

const S1 = '00000000-0000-4000-8000-000000000001';
const S2 = '00000000-0000-4000-8000-000000000002';
const S3 = '00000000-0000-4000-8000-000000000003';
const S4 = '00000000-0000-4000-8000-000000000004';
const H = (c: string) => c.repeat(64);
const SEALED = /ведомость класса за этот учебный год запечатана/;

/** A register at 0004: year 1 with 5А (S1, S2; S3 moved from 5А to 5Б in October) and 5Б, marks and attendance. */
function register() {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 4));
  db.exec(`
    INSERT INTO users (id, login, full_name, role, password_hash, created_at) VALUES (1, 'admin', 'Админ', 'admin', 'scrypt$x', 'now');
    INSERT INTO academic_years (id, name, start_date, end_date) VALUES (1, '2025/2026', '2025-09-01', '2026-08-31'), (2, '2026/2027', '2026-09-01', '2027-08-31');
    INSERT INTO year_grade_periods VALUES (1, 5, 'quarter'), (2, 6, 'quarter');
    INSERT INTO periods (id, year_id, kind, number, start_date, end_date) VALUES
      (1, 1, 'quarter', 1, '2025-09-01', '2025-10-24'), (2, 1, 'quarter', 2, '2025-11-03', '2025-12-28');
    INSERT INTO subjects (id, name, short_name) VALUES (1, 'Математика', 'Мат.'), (2, 'Химия', 'Хим.'), (3, 'Физкультура', 'Физ-ра');
    INSERT INTO classes (id, year_id, parallel, letter, level) VALUES (1, 1, 5, 'А', 'ООО'), (2, 1, 5, 'Б', 'ООО'), (3, 2, 6, 'А', 'ООО');
    INSERT INTO curriculum VALUES (1, 1), (1, 3), (2, 1), (2, 3);
    INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES
      ('${S1}', 'Иванов', 'Пётр', 'иванов петр', '2014-03-01', 'М', 'now'), ('${S2}', 'Петрова', 'Анна', 'петрова анна', '2014-05-01', 'Ж', 'now'),
      ('${S3}', 'Сидоров', 'Олег', 'сидоров олег', '2014-06-01', 'М', 'now'), ('${S4}', 'Яковлев', 'Ян', 'яковлев ян', '2014-07-01', 'М', 'now');
    INSERT INTO orders (id, number, date, kind) VALUES (1, '1-у', '2025-09-01', 'enrolment'), (2, '2-п', '2025-10-10', 'transfer'),
      (3, '3-п', '2026-06-01', 'promotion'), (4, '4-в', '2026-01-15', 'departure');
    INSERT INTO movements (id, order_id, student_id, kind, date, from_class_id, to_class_id) VALUES
      (1, 1, '${S1}', 'enrolment', '2025-09-01', NULL, 1), (2, 1, '${S2}', 'enrolment', '2025-09-01', NULL, 1),
      (3, 1, '${S3}', 'enrolment', '2025-09-01', NULL, 1), (4, 2, '${S3}', 'transfer', '2025-10-10', 1, 2);
    INSERT INTO class_memberships (id, student_id, class_id, year_id, start_date, end_date, start_movement_id, end_movement_id) VALUES
      (1, '${S1}', 1, 1, '2025-09-01', NULL, 1, NULL), (2, '${S2}', 1, 1, '2025-09-01', NULL, 2, NULL),
      (3, '${S3}', 1, 1, '2025-09-01', '2025-10-10', 3, 4), (4, '${S3}', 2, 1, '2025-10-10', NULL, 4, NULL);
    INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES
      ('${S1}', 1, 1, 1, 'period', 1, '5'), ('${S2}', 1, 1, 1, 'period', 1, '4'), ('${S3}', 1, 1, 1, 'period', 1, '3');
    INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES ('${S1}', 1, 1, 4, 2);
  `);
  return db;
}

const version = (db: Database.Database, v: { cls?: number; version: number; sha: string; prev?: string | null; correction?: number | null }) =>
  db.prepare(`INSERT INTO ledger_versions (class_id, version, sha256, prev_sha256, canonical_json, pdf, pdf_sha256, xlsx, xlsx_sha256, sealed_at, sealed_by, correction_id, sealed_by_login)
    VALUES (?, ?, ?, ?, '{}', x'25504446', ?, x'504b', ?, '2026-06-01T10:00:00Z', 1, ?, 'admin')`)
    .run(v.cls ?? 1, v.version, v.sha, v.prev ?? null, H('e'), H('f'), v.correction ?? null);
const correction = (db: Database.Database, cls = 1) => Number(db.prepare(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_by, opened_at, opened_by_login)
  VALUES (?, 'Ошибка в оценке', '15-к', '2026-06-10', 1, '2026-06-10T09:00:00Z', 'admin')`).run(cls).lastInsertRowid);

/** Every kind of write a sealed class must refuse, each as its own statement. */
const writesOfClass1: Array<[string, string]> = [
  ['mark insert', `INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES ('${S1}', 1, 1, 1, 'period', 2, '4')`],
  ['mark update', `UPDATE marks SET mark = '2' WHERE student_id = '${S1}'`],
  ['mark delete', `DELETE FROM marks WHERE student_id = '${S2}'`],
  ['attendance insert', `INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES ('${S2}', 1, 1, 1, 0)`],
  ['attendance update', `UPDATE attendance SET missed = 40 WHERE student_id = '${S1}'`],
  ['attendance delete', `DELETE FROM attendance WHERE student_id = '${S1}'`],
  ['curriculum insert', 'INSERT INTO curriculum VALUES (1, 2)'],
  ['curriculum delete', 'DELETE FROM curriculum WHERE class_id = 1 AND subject_id = 3'],
  ['curriculum update', 'UPDATE curriculum SET subject_id = 2 WHERE class_id = 1 AND subject_id = 3'],
  ['exam insert', 'INSERT INTO class_exams VALUES (1, 1)'],
  ['membership insert', `INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES ('${S4}', 1, 1, '2026-01-01', 1)`],
  ['membership update', `UPDATE class_memberships SET start_date = '2025-09-02' WHERE id = 1`],
  ['membership delete', 'DELETE FROM class_memberships WHERE id = 2'],
  // S3 left 5А for 5Б: the sealed 5А ledger shows S3's marks of the year, so a mark of S3 entered in 5Б is refused too.
  ['mark of a student who left, entered in another class', `INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES ('${S3}', 1, 1, 2, 'period', 2, '4')`],
];

describe('0004_ledgers', () => {
  it('before any seal, every write goes through', () => {
    for (const [what, sql] of writesOfClass1) {
      const db = register();
      expect(() => db.exec(sql), what).not.toThrow();
    }
  });

  it('a sealed class refuses every change of its marks, attendance, curriculum, exams and membership', () => {
    for (const [what, sql] of writesOfClass1) {
      const db = register();
      version(db, { version: 1, sha: H('a') });
      const before = db.prepare('SELECT (SELECT count(*) FROM marks) || (SELECT group_concat(mark) FROM marks) || (SELECT count(*) FROM class_memberships)').pluck().get();
      expect(() => db.exec(sql), what).toThrow(SEALED);
      expect(db.prepare('SELECT (SELECT count(*) FROM marks) || (SELECT group_concat(mark) FROM marks) || (SELECT count(*) FROM class_memberships)').pluck().get()).toBe(before);
    }
  });

  it('another class of the year stays writable; an exam deletion of a sealed class is refused', () => {
    const db = register();
    db.exec('INSERT INTO class_exams VALUES (1, 1)');
    version(db, { version: 1, sha: H('a') });
    db.exec(`INSERT INTO curriculum VALUES (2, 2)`);
    db.exec(`INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES ('${S4}', 2, 1, '2026-01-01', 1)`);
    db.exec(`INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES ('${S4}', 2, 1, 2, 'period', 2, '5')`);
    db.exec(`UPDATE marks SET mark = '2' WHERE student_id = '${S4}'`);
    expect(() => db.exec('DELETE FROM class_exams WHERE class_id = 1')).toThrow(SEALED);
  });

  it('the year can be closed after sealing: promotion and graduation end a membership, a transfer cannot', () => {
    const db = register();
    version(db, { version: 1, sha: H('a') });
    db.exec(`INSERT INTO movements (id, order_id, student_id, kind, date, from_class_id, to_class_id) VALUES (10, 3, '${S1}', 'promotion', '2026-06-01', 1, 3)`);
    db.exec(`UPDATE class_memberships SET end_date = '2026-06-01', end_movement_id = 10 WHERE id = 1`);
    db.exec(`INSERT INTO movements (id, order_id, student_id, kind, date, from_class_id, reason) VALUES (11, 4, '${S2}', 'departure', '2026-01-15', 1, 'Переезд')`);
    expect(() => db.exec(`UPDATE class_memberships SET end_date = '2026-01-15', end_movement_id = 11 WHERE id = 2`)).toThrow(SEALED);
    // A promotion may not smuggle in another change of the row.
    db.exec(`INSERT INTO movements (id, order_id, student_id, kind, date, from_class_id, to_class_id) VALUES (12, 3, '${S2}', 'promotion', '2026-06-01', 1, 3)`);
    expect(() => db.exec(`UPDATE class_memberships SET end_date = '2026-06-01', end_movement_id = 12, start_date = '2025-09-05' WHERE id = 2`)).toThrow(SEALED);
    db.exec(`UPDATE class_memberships SET end_date = '2026-06-01', end_movement_id = 12 WHERE id = 2`);
  });

  it('versions are append-only, numbered per class and chained', () => {
    const db = register();
    expect(() => version(db, { version: 2, sha: H('a'), prev: H('0'), correction: null })).toThrow(/numbered|open correction|CHECK constraint failed/);
    version(db, { version: 1, sha: H('a') });
    expect(() => db.exec(`UPDATE ledger_versions SET sha256 = '${H('b')}'`)).toThrow(/append-only/);
    expect(() => db.exec(`UPDATE ledger_versions SET pdf = x'00'`)).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM ledger_versions')).toThrow(/append-only/);
    expect(() => version(db, { version: 1, sha: H('b') })).toThrow(/numbered|UNIQUE/);
    expect(() => version(db, { version: 1, sha: 'A'.repeat(64), cls: 2 })).toThrow(/CHECK constraint failed/); // upper-case hex
    // Version 2 needs an open correction of that class, and the previous version's hash.
    expect(() => version(db, { version: 2, sha: H('b'), prev: H('a'), correction: null })).toThrow(/open correction/);
    const k = correction(db);
    expect(() => version(db, { version: 2, sha: H('b'), prev: H('c'), correction: k })).toThrow(/previous version/);
    expect(() => version(db, { version: 3, sha: H('b'), prev: H('a'), correction: k })).toThrow(/numbered|previous version/);
    version(db, { version: 2, sha: H('b'), prev: H('a'), correction: k });
    // The version closed its correction; the same correction cannot make another version.
    expect(db.prepare('SELECT closed_by_version_id FROM ledger_corrections WHERE id = ?').pluck().get(k))
      .toBe(db.prepare('SELECT id FROM ledger_versions WHERE version = 2').pluck().get());
    expect(() => version(db, { version: 3, sha: H('c'), prev: H('b'), correction: k })).toThrow(/open correction/);
  });

  it('an open correction unlocks only its class, and the version it seals locks it again', () => {
    const db = register();
    version(db, { version: 1, sha: H('a') });
    version(db, { version: 1, sha: H('d'), cls: 2 });
    const k = correction(db, 1);
    db.exec(`UPDATE marks SET mark = '4' WHERE student_id = '${S1}'`);
    db.exec(`INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES ('${S2}', 1, 1, 1, 0)`);
    db.exec('INSERT INTO curriculum VALUES (1, 2)');
    // S3 is in both ledgers; 5Б is still sealed, so S3's marks stay locked.
    expect(() => db.exec(`UPDATE marks SET mark = '4' WHERE student_id = '${S3}'`)).toThrow(SEALED);
    version(db, { version: 2, sha: H('b'), prev: H('a'), correction: k });
    expect(() => db.exec(`UPDATE marks SET mark = '3' WHERE student_id = '${S1}'`)).toThrow(SEALED);
  });

  it('corrections: for a sealed class only, one open at a time, kept, and only ever closed by their version', () => {
    const db = register();
    expect(() => correction(db, 1)).toThrow(/sealed/);
    version(db, { version: 1, sha: H('a') });
    const k = correction(db, 1);
    expect(() => correction(db, 1)).toThrow(/UNIQUE/);
    expect(() => db.exec(`UPDATE ledger_corrections SET reason = 'Другая причина'`)).toThrow(/only closed/);
    expect(() => db.exec(`UPDATE ledger_corrections SET closed_by_version_id = 1`)).toThrow(/only closed/); // version 1 was not sealed for it
    expect(() => db.exec('DELETE FROM ledger_corrections')).toThrow(/kept/);
    expect(() => db.exec(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_by, opened_at, opened_by_login)
      VALUES (1, '   ', '1', '2026-06-10', 1, 'now', 'admin')`)).toThrow(/CHECK constraint failed/);
    expect(db.prepare('SELECT closed_by_version_id FROM ledger_corrections WHERE id = ?').pluck().get(k)).toBeNull();
  });
});
