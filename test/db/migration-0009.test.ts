// 0009_changes_compaction on a register file that already has history (at version 8: a change log, a full packet
// accepted and deltas after it): opening it with this program migrates it forward with every row as it was (the
// migration removes nothing itself), and from then on the database lets only the covered entries go.
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { openRegister } from '../../db/connection.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const H = (c: string) => c.repeat(64);
const NOW = '2026-11-23T10:00:00.000Z';

/** Every table's rows in rowid order (sqlite_sequence included), without the schema, which the migration changes. */
const tablesOf = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

/** Each table's columns then: a later migration's new columns (a setting added with its default) are not old data. */
const columnsOf = (db: Database.Database, tables: string[]) =>
  new Map(tables.map((t) => [t, (db.prepare(`PRAGMA table_info("${t}")`).all() as Array<{ name: string }>).map((c) => c.name)]));

/** The rows of these tables, in these columns; a later migration's new tables and columns are not the old rows. */
function rowsHash(db: Database.Database, columns: Map<string, string[]>): string {
  const h = crypto.createHash('sha256');
  for (const [name, cols] of columns) {
    h.update(name);
    // a table of then that is a view now (marks, since 0011) is compared by its rows in the order of its columns
    const isView = db.prepare("SELECT type FROM sqlite_schema WHERE name = ?").pluck().get(name) === 'view';
    const list = isView ? '*' : cols.map((c) => `"${c}"`).join(', ');
    const order = isView ? (db.prepare(`PRAGMA table_info("${name}")`).all() as unknown[]).map((_, i) => i + 1).join(', ') : 'rowid';
    for (const row of db.prepare(`SELECT ${list} FROM "${name}" ORDER BY ${order}`).iterate()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

describe('0009 on a register with history', () => {
  it('migrates forward with the data untouched; then only the entries the accepted full packet covers may be deleted', () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 8));
    expect(old.pragma('user_version', { simple: true })).toBe(8);
    const student = old.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, ?, 'Иван', 'x', '2010-01-01', 'М', 'now')");
    for (let i = 0; i < 30; i++) student.run(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, `Ученик${i}`);
    const put = old.prepare(`INSERT INTO packets (id, seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, '{}', ?, 0, 0, ?, ?)`);
    const acceptAs = (id: string) => {
      old.prepare("UPDATE packets SET state = 'signed', signature = x'30', signer = 'CN=x', signed_at = ? WHERE id = ?").run(NOW, id);
      old.prepare("UPDATE packets SET state = 'sending' WHERE id = ?").run(id);
      old.prepare("UPDATE packets SET state = 'accepted', receipt = '{}', accepted_at = ? WHERE id = ?").run(NOW, id);
    };
    put.run('aaaaaaaa-0000-4000-8000-000000000001', 1, 'full', null, H('a'), 20, NOW, NOW);
    acceptAs('aaaaaaaa-0000-4000-8000-000000000001');
    put.run('aaaaaaaa-0000-4000-8000-000000000002', 2, 'delta', H('a'), H('b'), 30, NOW, NOW);
    acceptAs('aaaaaaaa-0000-4000-8000-000000000002');
    const oldTables = columnsOf(old, tablesOf(old));
    const before = rowsHash(old, oldTables);
    old.close();

    const db = openRegister(file, { create: false });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latestVersion()); // 0009 and every later one
      expect(rowsHash(db, oldTables)).toBe(before);
      expect((db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM changes').get())).toEqual({ n: 30, lo: 1, hi: 30 });
      expect(() => db.prepare('DELETE FROM changes WHERE seq = 21').run()).toThrow(/only entries covered by an accepted full packet/);
      expect(db.prepare('DELETE FROM changes WHERE seq <= 20').run().changes).toBe(20);
      expect((db.prepare('SELECT min(seq) AS lo FROM changes').get() as { lo: number }).lo).toBe(21);
    } finally {
      db.close();
    }
  });
});
