// 0011_marks_scale_checks on a register with years of marks and a sealed class, at version 10: opening it with this
// program rebuilds the marks table — every row as it was, ids included — and leaves every index and trigger of the
// register exactly as it was (their SQL compared), so a sealed class stays sealed and the scale is still the scale.
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/host/jobs.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { sealTestLedger, testSigner } from '../helpers/ledger-versions.ts';

afterAll(removeScratchDirs);

const tablesOf = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]);

/** Every row of every table, in rowid order. */
function rowsHash(db: Database.Database): string {
  const h = crypto.createHash('sha256');
  for (const name of tablesOf(db)) {
    h.update(name);
    for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

/** Every index, trigger and view by name, with its SQL; and the tables' SQL except marks. */
const schemaOf = (db: Database.Database) => Object.fromEntries((db.prepare(`SELECT type || ' ' || name AS k, sql FROM sqlite_schema
  WHERE sql IS NOT NULL AND NOT (type = 'table' AND name = 'marks') ORDER BY type, name`).all() as Array<{ k: string; sql: string }>).map((r) => [r.k, r.sql]));

describe('0011 on a register with marks and a sealed class', () => {
  it('keeps every row, index and trigger; the sealed class still refuses a change; the scale still refuses', async () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(old, migrations.slice(0, 10));
    expect(old.pragma('user_version', { simple: true })).toBe(10);
    old.exec("INSERT INTO users (id, login, full_name, role, password_hash, created_at) VALUES (1, 'admin', 'Админ', 'admin', 'scrypt$x', 'now')");
    await generateDemo(old, { students: 120, seed: 11, today: '2026-11-24' }, progressTo());
    const marked = old.prepare('SELECT class_id AS id, count(*) AS n FROM marks GROUP BY class_id ORDER BY n DESC LIMIT 1').get() as { id: number; n: number };
    expect(marked.n).toBeGreaterThan(50);
    await sealTestLedger(old, testSigner().signer, { classId: marked.id, version: 1 });
    const before = { rows: rowsHash(old), schema: schemaOf(old), marks: old.prepare('SELECT count(*) FROM marks').pluck().get() as number };
    expect(before.marks).toBeGreaterThan(1000);
    expect(old.prepare("SELECT sql FROM sqlite_schema WHERE name = 'marks'").pluck().get()).toMatch(/mark IN \(/);
    old.close();

    const db = openRegister(file, { create: false });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
      expect(rowsHash(db)).toBe(before.rows);
      expect(schemaOf(db)).toEqual(before.schema);
      expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'marks'").pluck().get()).not.toMatch(/\bIN \(/);
      // sealed stays sealed: neither a change nor a removal of a mark of the sealed class
      expect(() => db.prepare("UPDATE marks SET mark = CASE mark WHEN '5' THEN '4' ELSE '5' END WHERE class_id = ?").run(marked.id)).toThrow(/запечатана/);
      expect(() => db.prepare('DELETE FROM marks WHERE class_id = ?').run(marked.id)).toThrow(/запечатана/);
      // the scale and the slots, still refused by the rebuilt CHECKs
      const other = db.prepare('SELECT id FROM marks WHERE class_id <> ? LIMIT 1').pluck().get(marked.id) as number;
      expect(() => db.prepare("UPDATE marks SET mark = '7' WHERE id = ?").run(other)).toThrow(/CHECK constraint failed/);
      expect(() => db.prepare("UPDATE marks SET mark = ' 5' WHERE id = ?").run(other)).toThrow(/CHECK constraint failed/);
      expect(() => db.prepare("UPDATE marks SET slot = 'term' WHERE id = ?").run(other)).toThrow(/CHECK constraint failed/);
      db.prepare("UPDATE marks SET mark = 'осв' WHERE id = ?").run(other);
      expect(db.prepare('SELECT count(*) FROM marks').pluck().get()).toBe(before.marks);
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }
  });
});
