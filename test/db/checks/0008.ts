// What migration 0008_audit_anchor must leave behind (see test/db/migrations.test.ts): one row saying when the audit
// chain was first anchored, written once, never changed or removed.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const ins = db.prepare('INSERT INTO audit_anchor_state (id, first_anchored_at) VALUES (?, ?)');
  expect(() => ins.run(2, '2026-11-23T10:00:00.000Z')).toThrow(/CHECK constraint failed/); // one row only
  expect(() => ins.run(1, '23.11.2026')).toThrow(/CHECK constraint failed/);
  ins.run(1, '2026-11-23T10:00:00.000Z');
  expect(() => ins.run(1, '2026-11-24T10:00:00.000Z')).toThrow(/UNIQUE constraint failed|PRIMARY KEY/);
  expect(() => db.prepare("UPDATE audit_anchor_state SET first_anchored_at = '2026-11-24T10:00:00.000Z'").run()).toThrow(/written once/);
  expect(() => db.prepare('DELETE FROM audit_anchor_state').run()).toThrow(/written once/);
}
