// What migration 0009_changes_compaction must leave behind (see test/db/migrations.test.ts): the change log refuses
// every deletion except of entries at or below the changes_to of a full packet in state 'accepted'; entries are still
// never updated; the trigger's lookup is an index probe.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

const H = (c: string) => c.repeat(64);
const NOW = '2026-11-23T10:00:00.000Z';
const SID = '11111111-1111-4111-8111-111111111111';

export default function check(db: Database.Database): void {
  const triggers = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'changes'").all() as Array<{ name: string }>).map((r) => r.name).sort();
  expect(triggers).toEqual(['changes_no_delete', 'changes_no_update']);

  // ten entries: a student inserted, then nine changes of a sent field
  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Орлова', 'Мария', 'орлова мария', '2008-03-04', 'М', 'now')").run(SID);
  for (let i = 1; i <= 9; i++) db.prepare('UPDATE students SET first_name = ? WHERE id = ?').run(`Мария${i}`, SID);
  const seqs = () => (db.prepare('SELECT seq FROM changes ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
  expect(seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const del = (seq: number) => db.prepare('DELETE FROM changes WHERE seq = ?').run(seq);

  // no packet at all: every deletion refused, as before
  expect(() => del(1)).toThrow(/append-only/);
  expect(() => db.prepare('DELETE FROM changes').run()).toThrow(/append-only/);

  const put = db.prepare(`INSERT INTO packets (id, seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, '{}', ?, 0, 0, ?, ?)`);
  const state = (id: string, sql: string, ...args: unknown[]) => db.prepare(`UPDATE packets SET ${sql} WHERE id = ?`).run(...args, id);
  const sendOut = (id: string) => {
    state(id, "state = 'signed', signature = x'3082', signer = 'CN=Школа', signed_at = ?", NOW);
    state(id, "state = 'sending'");
  };
  const accept = (id: string) => state(id, "state = 'accepted', receipt = '{\"receiptId\":\"r\"}', accepted_at = ?", NOW);

  // a full packet covering 1..4, on its way but not accepted: still refused
  const full = 'aaaaaaaa-0000-4000-8000-000000000001';
  put.run(full, 1, 'full', null, H('a'), 4, NOW, NOW);
  sendOut(full);
  expect(() => del(1)).toThrow(/append-only/);
  // a delta accepted after it, covering up to 8: a delta never allows a deletion
  accept(full);
  const delta = 'aaaaaaaa-0000-4000-8000-000000000002';
  put.run(delta, 2, 'delta', H('a'), H('b'), 8, NOW, NOW);
  sendOut(delta);
  accept(delta);
  // a full packet rejected, covering up to 10: nor does a rejected one
  const rejected = 'aaaaaaaa-0000-4000-8000-000000000003';
  put.run(rejected, 3, 'full', H('b'), H('c'), 10, NOW, NOW);
  sendOut(rejected);
  state(rejected, "state = 'rejected', reasons = '[{\"code\":\"untrusted_signer\"}]'");

  // the accepted full packet covers 1..4: those may go, in any order; 5 and above may not, alone or in a batch
  expect(() => del(5)).toThrow(/only entries covered by an accepted full packet may be removed/);
  expect(() => db.prepare('DELETE FROM changes WHERE seq <= 5').run()).toThrow(/append-only/);
  expect(seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // the refused statement removed nothing
  expect(del(3).changes).toBe(1);
  expect(db.prepare('DELETE FROM changes WHERE seq <= 4').run().changes).toBe(3);
  expect(seqs()).toEqual([5, 6, 7, 8, 9, 10]);
  // entries are still never rewritten, removable or not
  expect(() => db.prepare("UPDATE changes SET op = 'delete' WHERE seq = 10").run()).toThrow(/append-only/);

  // the trigger's question is answered by a range of the partial index, not by a scan of the accepted packets (the
  // planner alone would take packets_state and read every accepted delta for each deleted entry)
  const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'changes_no_delete'").get() as { sql: string }).sql;
  const lookup = /\((SELECT 1 FROM packets INDEXED BY packets_accepted_full [^)]*OLD\.seq)\)/.exec(sql)?.[1];
  expect(lookup).toBeDefined();
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${lookup!.replace('OLD.seq', '?')}`).all(5) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
  expect(plan).toMatch(/USING COVERING INDEX packets_accepted_full \(changes_to>\?\)/);
}
