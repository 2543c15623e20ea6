// 0012_user_sign_in on a register at version 11 with users made by the program before it: opening it migrates the
// users table, and every user keeps their id, login, role and password hash — each signs in with the same password.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { openBackend } from '../../main/host/backend.ts';
import { hashPassword } from '../../main/users/passwords.ts';
import type { Result } from '../../preload/contract.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const PEOPLE = [
  { login: 'admin', role: 'admin', password: 'correct horse 1', disabled: 0 },
  { login: 'clerk', role: 'clerk', password: 'Секретарь-2025', disabled: 0 },
  { login: 'arch', role: 'archivist', password: 'archive pass 9', disabled: 0 },
  { login: 'gone', role: 'clerk', password: 'left in 2024!', disabled: 1 },
] as const;

describe('0012 on a register with users', () => {
  it('keeps every user and password; a disabled one stays disabled', async () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 11));
    const put = old.prepare('INSERT INTO users (login, full_name, role, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of PEOPLE) put.run(p.login, `Пользователь ${p.login}`, p.role, await hashPassword(p.password), '2025-09-01T08:00:00.000Z', p.disabled);
    const before = old.prepare('SELECT id, login, full_name, role, password_hash, created_at, disabled FROM users ORDER BY id').all();
    old.close();

    const backend = openBackend({ dbPath: file });
    try {
      expect(backend.db.pragma('user_version', { simple: true })).toBe(latestVersion());
      expect(backend.db.prepare('SELECT id, login, full_name, role, password_hash, created_at, disabled FROM users ORDER BY id').all()).toEqual(before);
      expect(backend.db.prepare('SELECT DISTINCT failed_attempts, last_failed_at, locked_until, password_changed_at FROM users').all())
        .toEqual([{ failed_attempts: 0, last_failed_at: null, locked_until: null, password_changed_at: null }]);
      for (const p of PEOPLE) {
        const r = (await backend.call({ method: 'auth.signIn', args: { login: p.login, password: p.password } }, 'ipc')) as Result<{ user: { role: string } }>;
        if (p.disabled) expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        else expect(r, p.login).toMatchObject({ ok: true, value: { user: { role: p.role } } });
      }
    } finally {
      backend.close();
    }
  });
});
