// What migration 0012 must leave behind: users with their sign-in state (failures in a row, the last failure, a lock,
// when the password was set), each column checked; the register never without an active administrator.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  expect((db.prepare('PRAGMA table_info(users)').all() as Array<{ name: string; type: string; notnull: number; dflt_value: string | null }>)
    .map((c) => [c.name, c.type, c.notnull, c.dflt_value]).slice(-4)).toEqual([
    ['failed_attempts', 'INTEGER', 1, '0'], ['last_failed_at', 'TEXT', 0, null], ['locked_until', 'TEXT', 0, null], ['password_changed_at', 'TEXT', 0, null]]);
  const add = db.prepare("INSERT INTO users (login, full_name, role, password_hash, created_at) VALUES (?, 'Имя', ?, 'scrypt$x', '2026-01-01T00:00:00Z')");
  const admin = Number(add.run('admin', 'admin').lastInsertRowid);
  const clerk = Number(add.run('clerk', 'clerk').lastInsertRowid);
  expect(db.prepare('SELECT failed_attempts, last_failed_at, locked_until, password_changed_at FROM users WHERE id = ?').get(clerk))
    .toEqual({ failed_attempts: 0, last_failed_at: null, locked_until: null, password_changed_at: null });
  const set = (col: string, v: unknown) => db.prepare(`UPDATE users SET ${col} = ? WHERE id = ?`).run(v, clerk);
  expect(() => set('failed_attempts', -1)).toThrow(/CHECK constraint failed/);
  expect(() => set('failed_attempts', '3')).not.toThrow(); // STRICT: a text that is an integer is stored as one
  for (const col of ['last_failed_at', 'locked_until', 'password_changed_at']) {
    for (const bad of ['tomorrow', '2026-13-01T00:00:00Z', '2026-01-01 10:00:00', '2026-01-01']) expect(() => set(col, bad), `${col} ${bad}`).toThrow(/CHECK constraint failed/);
    set(col, '2026-12-04T21:55:00.000Z');
  }
  // the last active administrator is neither demoted nor disabled; with a second one, either may be
  expect(() => db.prepare("UPDATE users SET role = 'clerk' WHERE id = ?").run(admin)).toThrow(/последнего действующего администратора/);
  expect(() => db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(admin)).toThrow(/последнего действующего администратора/);
  db.prepare("UPDATE users SET role = 'admin' WHERE id = ?").run(clerk);
  db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(admin);
  expect(() => db.prepare("UPDATE users SET role = 'archivist' WHERE id = ?").run(clerk)).toThrow(/последнего действующего администратора/);
  db.prepare("UPDATE users SET role = 'archivist' WHERE id = ?").run(admin); // a disabled admin is not the one kept
}
