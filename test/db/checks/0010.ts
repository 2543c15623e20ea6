// What migration 0010 must leave behind: packet_tls_client with one row, "none" at first; a file kept only as the
// chosen source and only with what it holds; the row never deleted.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  expect(db.prepare('SELECT id, source, p12 FROM packet_tls_client').all()).toEqual([{ id: 1, source: 'none', p12: null }]);
  expect(() => db.prepare('INSERT INTO packet_tls_client (id) VALUES (2)').run()).toThrow(/CHECK constraint failed/);
  const set = db.prepare('UPDATE packet_tls_client SET source = ?, p12 = ?, subject = ?, issuer = ?, not_before = ?, not_after = ? WHERE id = 1');
  const dates = ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'] as const;
  expect(() => set.run('any', null, null, null, null, null)).toThrow(/CHECK constraint failed/);
  expect(() => set.run('file', null, null, null, null, null)).toThrow(/CHECK constraint failed/); // a file source without the file
  expect(() => set.run('signing', Buffer.from([0x30]), 'CN=x', 'CN=x', ...dates)).toThrow(/CHECK constraint failed/); // a file kept but not chosen
  expect(() => set.run('file', Buffer.from([0x30]), null, 'CN=x', ...dates)).toThrow(/CHECK constraint failed/); // the file without its subject
  expect(() => set.run('file', Buffer.alloc(0), 'CN=x', 'CN=x', ...dates)).toThrow(/CHECK constraint failed/);
  expect(() => set.run('file', 'text', 'CN=x', 'CN=x', ...dates)).toThrow(/cannot store TEXT value in BLOB column/); // STRICT
  set.run('file', Buffer.from([0x30]), 'CN=x', 'CN=x', ...dates);
  set.run('signing', null, null, null, null, null);
  expect(() => db.prepare('DELETE FROM packet_tls_client').run()).toThrow(/never deleted/);
}
