// The migration runner and each migration on its own: forward-only, all pending in one transaction,
// application_id and user_version written with the schema, a newer database refused untouched.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrate, latestVersion } from '../../db/migrate.ts';
import { migrations, type Migration } from '../../db/migrations/index.ts';
import check0004 from './checks/0004.ts';
import check0005 from './checks/0005.ts';
import check0006 from './checks/0006.ts';
import check0007 from './checks/0007.ts';
import check0008 from './checks/0008.ts';
import check0010 from './checks/0010.ts';
import check0009 from './checks/0009.ts';
import check0011 from './checks/0011.ts';
import check0012 from './checks/0012.ts';
import check0013 from './checks/0013.ts';
import check0014 from './checks/0014.ts';
import check0015 from './checks/0015.ts';
import check0016 from './checks/0016.ts';
import check0018 from './checks/0018.ts';
import check0017 from './checks/0017.ts';
import check0020 from './checks/0020.ts';
import check0021 from './checks/0021.ts';
import check0019 from './checks/0019.ts';
import check0022 from './checks/0022.ts';
import check0023 from './checks/0023.ts';
import { APPLICATION_ID, openRegister } from '../../db/connection.ts';
import { contentHash, count, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const open: Database.Database[] = [];
const mem = () => {
  const db = new Database(':memory:');
  open.push(db);
  return db;
};
afterEach(() => {
  while (open.length) open.pop()!.close();
});

const names = (db: Database.Database, type: string) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).all(type) as Array<{ name: string }>).map((r) => r.name);
const version = (db: Database.Database) => db.pragma('user_version', { simple: true }) as number;
const appId = (db: Database.Database) => db.pragma('application_id', { simple: true }) as number;

/** Applies migrations 1..v to a fresh in-memory database. */
function upTo(v: number) {
  const db = mem();
  migrate(db, migrations.slice(0, v));
  return db;
}

// One entry per migration: what that migration must leave behind. A new migration without an entry fails below.
const perMigration: Record<number, (db: Database.Database) => void> = {
  1: (db) => {
    expect(names(db, 'table')).toEqual([
      'academic_years', 'alphabet_book', 'audit_log', 'class_memberships', 'classes', 'curriculum', 'guardians', 'movements',
      'orders', 'periods', 'school', 'staff', 'staff_subjects', 'students', 'subjects', 'users', 'year_grade_periods',
    ]);
    expect(names(db, 'trigger')).toEqual(expect.arrayContaining([
      'alphabet_book_no_delete', 'alphabet_book_number_fixed', 'audit_log_no_delete', 'audit_log_no_update',
      'memberships_year_of_class', 'movements_after_birth', 'movements_append_only_delete', 'movements_append_only_update',
      'movements_departure_after_enrolment', 'movements_kind_matches_order',
    ]));
    expect(names(db, 'index')).toContain('memberships_one_class_per_year');
    // STRICT tables: a wrong type is refused, not coerced.
    expect(() => db.prepare("INSERT INTO orders (number, date, kind) VALUES (?, ?, 'enrolment')").run(Buffer.from('1'), '2025-09-01'))
      .toThrow(/cannot store BLOB/);
    // The school is one row.
    const school = db.prepare(`INSERT INTO school (id, full_name, short_name, inn, kpp, ogrn, address, director, region_code)
      VALUES (?, 'Школа', 'Школа', '7707083893', '773601001', '1027700132195', 'Москва', 'Иванова', '77')`);
    school.run(1);
    expect(() => school.run(2)).toThrow(/CHECK constraint failed/);
    // A year is two neighbouring calendar years; a date is a real date.
    const year = db.prepare('INSERT INTO academic_years (name, start_date, end_date) VALUES (?, ?, ?)');
    expect(() => year.run('2025/2027', '2025-09-01', '2026-08-31')).toThrow(/CHECK constraint failed/);
    expect(() => year.run('2025/2026', '2025-02-30', '2026-08-31')).toThrow(/CHECK constraint failed/);
    year.run('2025/2026', '2025-09-01', '2026-08-31');
    // A class's level follows its parallel; its letter is one Russian capital.
    const cls = db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, ?, ?, ?)");
    expect(() => cls.run(5, 'А', 'НОО')).toThrow(/CHECK constraint failed/);
    expect(() => cls.run(5, 'A', 'ООО')).toThrow(/CHECK constraint failed/); // Latin A
    expect(() => cls.run(12, 'А', 'СОО')).toThrow(/CHECK constraint failed/);
    cls.run(5, 'А', 'ООО');
    // Users keep only scrypt hashes.
    expect(() => db.prepare("INSERT INTO users (login, full_name, role, password_hash, created_at) VALUES ('a', 'А', 'admin', 'plain', 'now')").run())
      .toThrow(/CHECK constraint failed/);
  },
  // The refusals themselves are tested in migration-0002.test.ts.
  2: (db) => {
    expect(names(db, 'table')).toEqual(expect.arrayContaining(['attendance', 'class_exams', 'marks', 'settings']));
    expect(names(db, 'index')).toContain('marks_cell');
    expect(db.prepare('SELECT allow_mark_one FROM settings').all()).toEqual([{ allow_mark_one: 0 }]);
  },
  3: (db) => {
    expect(names(db, 'table')).toContain('import_mappings');
    const put = db.prepare("INSERT INTO import_mappings (kind, source, mapping, updated_at) VALUES (?, ?, ?, '2026-11-23T10:00:00Z')");
    put.run('students', 'журнал 5а', '{"birthDate":"B"}');
    // one mapping per kind and source; a kind we do not import, an empty source, a mapping that is not JSON: refused
    expect(() => put.run('students', 'журнал 5а', '{}')).toThrow(/UNIQUE constraint failed/);
    expect(() => put.run('staff', 'журнал 5а', '{}')).toThrow(/CHECK constraint failed/);
    expect(() => put.run('marks', '', '{}')).toThrow(/CHECK constraint failed/);
    expect(() => put.run('marks', 'журнал 5а', 'не json')).toThrow(/CHECK constraint failed/);
  },
  4: check0004,
  5: check0005,
  6: check0006,
  7: check0007,
  8: check0008,
  9: check0009,
  10: check0010,
  11: check0011,
  12: check0012,
  13: check0013,
  14: check0014,
  15: check0015,
  16: check0016,
  17: check0017,
  18: check0018,
  19: check0019,
  20: check0020,
  21: check0021,
  22: check0022,
  23: check0023,
};

describe('each migration', () => {
  it('every migration has its own test below', () => {
    expect(migrations.map((m) => m.version)).toEqual(Object.keys(perMigration).map(Number));
  });

  for (const m of migrations) {
    it(`${m.name}: applies on top of the previous ones and leaves its schema`, () => {
      const db = upTo(m.version - 1);
      expect(version(db)).toBe(m.version - 1);
      expect(migrate(db, migrations.slice(0, m.version))).toEqual([m.version]);
      expect(version(db)).toBe(m.version);
      perMigration[m.version](db);
    });
  }
});

describe('migrate()', () => {
  it('runs every pending migration, sets user_version and application_id, and is a no-op the second time', () => {
    const db = mem();
    expect(appId(db)).toBe(0);
    expect(migrate(db)).toEqual(migrations.map((m) => m.version));
    expect(version(db)).toBe(latestVersion());
    expect(appId(db)).toBe(APPLICATION_ID);
    expect(APPLICATION_ID).toBe(0x53524547); // 'SREG'
    const before = contentHash(db);
    expect(migrate(db)).toEqual([]);
    expect(contentHash(db)).toBe(before);
  });

  it('runs all pending migrations in one transaction: one failing leaves schema and user_version as they were', () => {
    const extra: Migration[] = [
      ...migrations,
      { version: migrations.length + 1, name: 'add_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT) STRICT;' },
      { version: migrations.length + 2, name: 'broken', sql: 'ALTER TABLE notes ADD COLUMN x TEXT; CREATE TABLE oops (; ' },
    ];
    // From scratch: nothing of 0001 survives either.
    const fresh = mem();
    expect(() => migrate(fresh, extra)).toThrow(/syntax error/);
    expect(version(fresh)).toBe(0);
    expect(appId(fresh)).toBe(0);
    expect(names(fresh, 'table')).toEqual([]);

    // From the current version: the good pending one is rolled back with the bad one.
    const db = upTo(migrations.length);
    const before = contentHash(db);
    expect(() => migrate(db, extra)).toThrow(/syntax error/);
    expect(version(db)).toBe(migrations.length);
    expect(names(db, 'table')).not.toContain('notes');
    expect(contentHash(db)).toBe(before);
    expect(db.inTransaction).toBe(false);

    // And the same list without the broken step goes through.
    expect(migrate(db, extra.slice(0, -1))).toEqual([migrations.length + 1]);
    expect(names(db, 'table')).toContain('notes');
  });

  it('refuses a list whose versions do not go up one by one', () => {
    const db = mem();
    const m1 = migrations[0];
    const bad: Migration[][] = [
      [{ ...m1, version: 2 }],
      [m1, { version: 3, name: 'skips', sql: 'SELECT 1' }],
      [m1, { version: 1, name: 'again', sql: 'SELECT 1' }],
    ];
    for (const list of bad) {
      expect(() => migrate(db, list)).toThrow(/is numbered \d+, expected \d+/);
      expect(version(db)).toBe(0);
      expect(names(db, 'table')).toEqual([]);
    }
  });

  it('refuses a database newer than the program and leaves it untouched', () => {
    const db = upTo(migrations.length);
    db.pragma(`user_version = ${latestVersion() + 5}`);
    const before = contentHash(db);
    expect(() => migrate(db)).toThrow(/newer than this program/);
    expect(contentHash(db)).toBe(before);
    expect(version(db)).toBe(latestVersion() + 5);
  });
});

describe('openRegister() pragmas', () => {
  it('a new register is in WAL mode with foreign keys on, a busy timeout, full sync and our application_id', () => {
    const file = path.join(scratchDir(), 'r.sqlite');
    const db = openRegister(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(appId(db)).toBe(APPLICATION_ID);
      expect(version(db)).toBe(latestVersion());
      // foreign_keys really enforced on this connection
      expect(() => db.prepare('INSERT INTO periods (year_id, kind, number, start_date, end_date) VALUES (42, ?, 1, ?, ?)')
        .run('quarter', '2025-09-01', '2025-10-24')).toThrow(/FOREIGN KEY constraint failed/);
      expect(count(db, 'periods')).toBe(0);
    } finally {
      db.close();
    }
    // WAL is a property of the file: a plain connection sees it too.
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });
});
