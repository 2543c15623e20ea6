// Accounts an administrator manages, through dispatch on a real register file: the password policy, one's own
// password, resets, disabling, roles and locks — each audited without the password, each refused to non-admins, each
// ending the sessions it must; the last active administrator kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Method, Result } from '../../preload/contract.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { count, expectError, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { openBackend } from '../../main/host/backend.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
beforeAll(async () => {
  c = await adminClient(scratchDir());
});
afterAll(() => c?.backend.close());

const as = (session: string | null, method: Method, args: unknown) => c.backend.call({ method, args, session }, 'ipc');
async function signedIn(login: string, password: string): Promise<string> {
  const r = (await c.backend.call({ method: 'auth.signIn', args: { login, password } }, 'ipc')) as Result<{ session: string }>;
  if (!r.ok) throw new Error(`${login}: ${r.error.message}`);
  return r.value.session;
}
const lastEntry = () => {
  const e = c.backend.db.prepare('SELECT login, method, detail FROM audit_log ORDER BY id DESC LIMIT 1').get() as { login: string; method: string; detail: string };
  return { ...e, detail: JSON.parse(e.detail) as unknown };
};
let n = 0;
async function newUser(role: 'clerk' | 'archivist' | 'admin', password = 'good password 1') {
  const login = `${role}${++n}`;
  await c.call('users.create', { login, fullName: `Сотрудник ${n}`, role, password });
  return { login, password, session: await signedIn(login, password) };
}

describe('the password policy, in Russian, wherever a password is set', () => {
  const weak: Array<[string, RegExp]> = [
    ['        ', /одних пробелов|одного повторённого символа/], ['\t \t \t \t ', /одних пробелов/], ['aaaaaaaa', /одного повторённого символа/],
    ['ЯЯЯЯЯЯЯЯЯЯ', /одного повторённого символа/], ['short1', /не короче 8 символов/], ['', /не короче 8 символов/],
  ];
  it('first admin setup', async () => {
    const fresh = openBackend({ dbPath: `${scratchDir()}/register.sqlite` });
    try {
      for (const [password, why] of weak) {
        const e = expectError(await fresh.call({ method: 'auth.setupAdmin', args: { login: 'admin', fullName: 'Админ', password } }, 'ipc'), 'validation', 'password');
        expect(e.message).toMatch(why);
      }
      expect(expectError(await fresh.call({ method: 'auth.setupAdmin', args: { login: 'director', fullName: 'Админ', password: 'Director' } }, 'ipc'), 'validation', 'password').message)
        .toBe('Пароль не может совпадать с логином');
      expect(count(fresh.db, 'users')).toBe(0);
      expect(count(fresh.db, 'audit_log')).toBe(0);
    } finally {
      fresh.close();
    }
  });
  it('a new user, a reset, one\'s own change', async () => {
    const u = await newUser('archivist'); // a login of 8 characters or more: refused as the login, not as too short
    const before = count(c.backend.db, 'audit_log');
    for (const [password, why] of weak) {
      expect(expectError(await c.raw('users.create', { login: 'weakling', fullName: 'Слабый', role: 'clerk', password }), 'validation', 'password').message).toMatch(why);
      expect(expectError(await c.raw('users.resetPassword', { login: u.login, password }), 'validation', 'password').message).toMatch(why);
      expect(expectError(await as(u.session, 'auth.changePassword', { oldPassword: u.password, password }), 'validation', 'password').message).toMatch(why);
    }
    expect(expectError(await c.raw('users.create', { login: 'weakling', fullName: 'Слабый', role: 'clerk', password: ' WEAKLING ' }), 'validation', 'password').message)
      .toBe('Пароль не может совпадать с логином');
    expect(expectError(await c.raw('users.resetPassword', { login: u.login, password: u.login.toUpperCase() }), 'validation', 'password').message)
      .toBe('Пароль не может совпадать с логином');
    expect(count(c.backend.db, 'users', "login = 'weakling'")).toBe(0);
    expect(count(c.backend.db, 'audit_log')).toBe(before);
    // the old password still opens the account
    await signedIn(u.login, u.password);
  });
});

describe('every management method is the administrator\'s', () => {
  it('refused to a clerk and an archivist, nothing written', async () => {
    const victim = await newUser('clerk');
    for (const role of ['clerk', 'archivist'] as const) {
      const u = await newUser(role);
      const before = { audit: count(c.backend.db, 'audit_log'), users: JSON.stringify(c.backend.db.prepare('SELECT * FROM users').all()) };
      const calls: Array<[Method, unknown]> = [
        ['users.list', {}], ['users.create', { login: 'intruder', fullName: 'Чужой', role: 'admin', password: 'good password 2' }],
        ['users.resetPassword', { login: victim.login, password: 'good password 3' }], ['users.disable', { login: victim.login }],
        ['users.enable', { login: victim.login }], ['users.setRole', { login: u.login, role: 'admin' }], ['users.unlock', { login: victim.login }],
      ];
      for (const [method, args] of calls) {
        const e = expectError(await as(u.session, method, args), 'forbidden');
        expect(e.message, method).toMatch(/^Недостаточно прав/);
      }
      expect(count(c.backend.db, 'audit_log')).toBe(before.audit);
      expect(JSON.stringify(c.backend.db.prepare('SELECT * FROM users').all())).toBe(before.users);
    }
  });
});

describe('changes to an account end its sessions', () => {
  it('a disabled user is signed out and cannot sign in; enabled again, can', async () => {
    const u = await newUser('clerk');
    const other = await signedIn(u.login, u.password);
    expect((await as(u.session, 'students.search', {})).ok).toBe(true);
    const d = await c.call('users.disable', { login: u.login });
    expect(d).toMatchObject({ login: u.login, disabled: true });
    expect(lastEntry()).toMatchObject({ login: 'admin', method: 'users.disable', detail: { args: { login: u.login } } });
    for (const s of [u.session, other]) {
      expect(expectError(await as(s, 'students.search', {}), 'unauthenticated').message).toBe('Учётная запись отключена администратором');
    }
    expect(expectError(await c.backend.call({ method: 'auth.signIn', args: { login: u.login, password: u.password } }, 'ipc'), 'forbidden').message)
      .toBe(`Учётная запись «${u.login}» отключена администратором`);
    // a disabled user with a wrong password learns nothing more than anyone
    expect(expectError(await c.backend.call({ method: 'auth.signIn', args: { login: u.login, password: 'not the one' } }, 'ipc'), 'unauthenticated').message)
      .toBe('Неверный логин или пароль');
    expect((await c.call('users.list', {})).find((x) => x.login === u.login)).toMatchObject({ disabled: true });
    await c.call('users.enable', { login: u.login });
    expect(lastEntry()).toMatchObject({ login: 'admin', method: 'users.enable' });
    await c.call('users.unlock', { login: u.login }); // the wrong try above counted
    expect((await as(await signedIn(u.login, u.password), 'students.search', {})).ok).toBe(true);
  });

  it('a demoted (or promoted) user is signed out, and signs in again with the new role', async () => {
    const u = await newUser('archivist');
    expect((await as(u.session, 'media.list', {})).ok).toBe(true);
    const r = await c.call('users.setRole', { login: u.login, role: 'clerk' });
    expect(r.role).toBe('clerk');
    expect(lastEntry()).toMatchObject({ login: 'admin', method: 'users.setRole', detail: { args: { login: u.login, role: 'clerk' }, result: { from: 'archivist', to: 'clerk' } } });
    expect(expectError(await as(u.session, 'students.search', {}), 'unauthenticated').message).toMatch(/изменил вашу роль/);
    const again = await signedIn(u.login, u.password);
    expectError(await as(again, 'media.list', {}), 'forbidden');
    expect((await as(again, 'students.search', {})).ok).toBe(true);
    // the same role again changes nothing and ends nothing
    const entries = count(c.backend.db, 'audit_log');
    await c.call('users.setRole', { login: u.login, role: 'clerk' });
    expect(count(c.backend.db, 'audit_log')).toBe(entries);
    expect((await as(again, 'students.search', {})).ok).toBe(true);
  });

  it('one\'s own password: the current one is needed; the other sessions end, this one goes on', async () => {
    const u = await newUser('clerk');
    const other = await signedIn(u.login, u.password);
    expect(expectError(await as(u.session, 'auth.changePassword', { oldPassword: 'not my password', password: 'brand new pass 1' }), 'unauthenticated', 'oldPassword').message)
      .toBe('Неверный текущий пароль');
    expect(lastEntry()).toMatchObject({ login: u.login, method: 'auth.signInFailed', detail: { via: 'auth.changePassword' } });
    expectError(await as(u.session, 'auth.changePassword', { oldPassword: u.password, password: u.password }), 'validation', 'password');
    expect(await as(u.session, 'auth.changePassword', { oldPassword: u.password, password: 'brand new pass 1' })).toEqual({ ok: true, value: { ok: true } });
    expect(lastEntry()).toMatchObject({ login: u.login, method: 'auth.changePassword', detail: { args: { login: u.login, password: '***' } } });
    expect((await as(u.session, 'students.search', {})).ok).toBe(true);
    expect(expectError(await as(other, 'students.search', {}), 'unauthenticated').message).toBe('Пароль изменён: войдите с новым паролем');
    expectError(await c.backend.call({ method: 'auth.signIn', args: { login: u.login, password: u.password } }, 'ipc'), 'unauthenticated');
    await signedIn(u.login, 'brand new pass 1');
  });

  it('an administrator\'s reset: every session of the user ends, the lock goes, the new password works', async () => {
    const u = await newUser('clerk');
    const r = await c.call('users.resetPassword', { login: u.login, password: 'reset by admin 1' });
    expect(r).toMatchObject({ login: u.login, failedAttempts: 0, lockedUntil: null });
    expect(r.passwordChangedAt).not.toBeNull();
    expect(lastEntry()).toMatchObject({ login: 'admin', method: 'users.resetPassword', detail: { args: { login: u.login, password: '***' } } });
    expect(expectError(await as(u.session, 'students.search', {}), 'unauthenticated').message).toMatch(/Пароль изменён администратором/);
    await signedIn(u.login, 'reset by admin 1');
    expectError(await c.raw('users.resetPassword', { login: 'nobody', password: 'reset by admin 1' }), 'not_found');
  });

  it('no password, old or new, anywhere in the audit log', () => {
    const text = JSON.stringify(c.backend.db.prepare('SELECT * FROM audit_log').all());
    for (const p of ['good password 1', 'brand new pass 1', 'reset by admin 1', 'not my password', 'correct horse 1']) expect(text).not.toContain(p);
  });
});

describe('the register keeps an active administrator', () => {
  it('the last one can be neither demoted nor disabled; with a second one, can', async () => {
    const before = count(c.backend.db, 'audit_log');
    for (const [method, args] of [['users.setRole', { login: 'admin', role: 'clerk' }], ['users.disable', { login: 'admin' }]] as const) {
      expect(expectError(await c.raw(method, args), 'conflict').message).toMatch(/«admin» — последний действующий администратор/);
    }
    expect(count(c.backend.db, 'audit_log')).toBe(before);
    // a disabled administrator does not count as the one kept
    const second = await newUser('admin');
    await c.call('users.disable', { login: second.login });
    expectError(await c.raw('users.setRole', { login: 'admin', role: 'archivist' }), 'conflict');
    await c.call('users.enable', { login: second.login });
    await c.call('users.setRole', { login: 'admin', role: 'archivist' });
    // the admin demoted themselves: their session ended; the second admin goes on
    expectError(await c.raw('users.list', {}), 'unauthenticated');
    expectError(await as(await signedIn(second.login, second.password), 'users.setRole', { login: second.login, role: 'clerk' }), 'conflict');
  });
});
