// The boundary (main/host/dispatch.ts): whatever arrives — wrong types, unknown methods, junk envelopes, extra
// keys, no session, the wrong role — the caller gets a Result, never a throw, and the register is untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, Result } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { SCHOOL, contentHash, count, expectError, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
const sessions: Record<'clerk' | 'archivist', string> = { clerk: '', archivist: '' };

beforeAll(async () => {
  c = await adminClient(scratchDir());
  s = await smallSchool(c);
  for (const role of ['clerk', 'archivist'] as const) {
    await c.call('users.create', { login: role, fullName: `Пользователь ${role}`, role, password: `${role}-password-1` });
    const r = (await c.backend.call({ method: 'auth.signIn', args: { login: role, password: `${role}-password-1` } }, 'ipc')) as Result<{ session: string }>;
    if (!r.ok) throw new Error(r.error.message);
    sessions[role] = r.value.session;
  }
});
afterAll(() => c?.backend.close());

/** Calls the backend with any envelope at all; asserts it resolves (never rejects) and that nothing was written. */
async function callUnchanged(env: unknown): Promise<Result<unknown>> {
  const db = c.backend.db;
  const before = contentHash(db);
  let r: Result<unknown> | undefined;
  await expect((async () => {
    r = await c.backend.call(env as Envelope, 'ipc');
  })()).resolves.toBeUndefined();
  expect(r).toBeDefined();
  expect(contentHash(db)).toBe(before);
  return r!;
}

describe('malformed calls are validation errors, never throws, never writes', () => {
  it('students.create with birthDate: 5 names birthDate', async () => {
    const e = expectError(await callUnchanged({ method: 'students.create', args: { ...studentInput(), birthDate: 5 }, session: c.session }), 'validation', 'birthDate');
    expect(e.message).toMatch(/birthDate/);
  });

  it('other wrong types name their field (nested paths too)', async () => {
    const bad: Array<[string, unknown, string]> = [
      ['students.create', { ...studentInput(), sex: 'X' }, 'sex'],
      ['students.create', { ...studentInput(), lastName: 42 }, 'lastName'],
      ['students.create', { ...studentInput(), guardians: [{ kind: 'мать', fullName: 7 }] }, 'guardians.0.fullName'],
      ['students.create', { ...studentInput(), birthDate: '15.03.2014' }, 'birthDate'],
      ['orders.enrol', { order: { number: '1', date: '2025-09-01' }, studentId: 'not-a-uuid', classId: s.a.id, date: '2025-09-01' }, 'studentId'],
      ['orders.enrol', { order: { number: '', date: '2025-09-01' }, studentId: crypto.randomUUID(), classId: s.a.id, date: '2025-09-01' }, 'order.number'],
      ['classes.create', { yearId: '1', parallel: 5, letter: 'В' }, 'yearId'],
      ['years.create', { name: '2025-2026' }, 'name'],
      ['students.search', { limit: 0 }, 'limit'],
      ['students.search', { limit: 1.5 }, 'limit'],
    ];
    for (const [method, args, field] of bad) {
      expectError(await callUnchanged({ method, args, session: c.session }), 'validation', field);
    }
  });

  it('missing args are validated as {} (required fields named)', async () => {
    expectError(await callUnchanged({ method: 'students.create', session: c.session }), 'validation', 'lastName');
    expectError(await callUnchanged({ method: 'students.create', args: null, session: c.session }), 'validation', 'birthDate');
  });

  it('args that are not an object are refused as a whole', async () => {
    for (const args of ['lastName=Иванов', 42, [studentInput()], true]) {
      const e = expectError(await callUnchanged({ method: 'students.create', args, session: c.session }), 'validation', '_');
      expect(e.message).toMatch(/^Неверный запрос/);
    }
  });

  it('extra keys in args are refused, by name', async () => {
    const e = expectError(await callUnchanged({ method: 'students.create', args: { ...studentInput(), isAdmin: true }, session: c.session }), 'validation', '_');
    expect(e.fields!._).toMatch(/isAdmin/);
    const nested = expectError(await callUnchanged({ method: 'orders.enrol',
      args: { order: { number: '1', date: '2025-09-01', kind: 'departure' }, studentId: crypto.randomUUID(), classId: s.a.id, date: '2025-09-01' }, session: c.session }), 'validation', 'order');
    expect(nested.fields!.order).toMatch(/kind/);
    // a JSON "__proto__" key arrives as an own property: still an extra key
    const proto = JSON.parse(`{"method":"years.create","args":{"name":"2031/2032","__proto__":{"role":"admin"}}}`) as Envelope;
    expectError(await callUnchanged({ ...proto, session: c.session }), 'validation');
    expect(count(c.backend.db, 'academic_years', "name = '2031/2032'")).toBe(0);
  });

  it('unknown methods, including names of Object.prototype members', async () => {
    for (const method of ['students.delete', 'toString', 'constructor', '__proto__', 'hasOwnProperty', '', 'x'.repeat(10_000)]) {
      const e = expectError(await callUnchanged({ method, args: {}, session: c.session }), 'validation');
      expect(e.message).toMatch(/Неизвестный метод/);
      expect(e.message.length).toBeLessThan(200); // an echo of a huge name is cut
    }
  });

  it('envelopes that are not objects, or have no method name', async () => {
    for (const env of [null, undefined, 42, 'students.create', true, [], ['students.create', {}], { args: {} }, { method: 5 }, { method: null }]) {
      const e = expectError(await callUnchanged(env), 'validation');
      expect(e.message).toMatch(/нет имени метода|Неизвестный метод/);
    }
  });

  it('a session that is not a string is treated as no session', async () => {
    expectError(await callUnchanged({ method: 'years.create', args: { name: '2032/2033' }, session: { token: c.session } }), 'unauthenticated');
    expectError(await callUnchanged({ method: 'years.create', args: { name: '2032/2033' }, session: 12345 }), 'unauthenticated');
  });
});

describe('roles and sessions', () => {
  it('a clerk calling admin-only methods is forbidden, and nothing is written', async () => {
    const admin: Array<[string, unknown]> = [
      ['users.create', { login: 'evil', fullName: 'Злоумышленник', role: 'admin', password: 'password-123' }],
      ['audit.verify', {}],
      ['audit.list', {}],
      ['users.list', {}],
      ['school.update', SCHOOL],
      ['demo.generate', { students: 10 }],
    ];
    for (const [method, args] of admin) {
      const e = expectError(await callUnchanged({ method, args, session: sessions.clerk }), 'forbidden');
      expect(e.message).toContain(method);
    }
    expect(count(c.backend.db, 'users', "login = 'evil'")).toBe(0);
    expect(count(c.backend.db, 'school')).toBe(0);
  });

  it('an archivist may read but not create students', async () => {
    const e = expectError(await callUnchanged({ method: 'students.create', args: studentInput(), session: sessions.archivist }), 'forbidden');
    expect(e.message).toMatch(/students\.create/);
    const read = await c.backend.call({ method: 'students.search', args: {}, session: sessions.archivist }, 'ipc');
    expect(read.ok).toBe(true);
    expectError(await callUnchanged({ method: 'orders.enrol', args: { order: { number: '1', date: '2025-09-01' }, studentId: crypto.randomUUID(), classId: s.a.id, date: '2025-09-01' }, session: sessions.archivist }), 'forbidden');
  });

  it('a clerk may do clerk work', async () => {
    const r = await c.backend.call({ method: 'students.create', args: studentInput({ lastName: 'Клеркова', sex: 'Ж', firstName: 'Анна' }), session: sessions.clerk }, 'ipc');
    expect(r.ok).toBe(true);
    expect(count(c.backend.db, 'students', "last_name = 'Клеркова'")).toBe(1);
    const last = c.backend.db.prepare('SELECT login, method FROM audit_log ORDER BY id DESC LIMIT 1').get();
    expect(last).toEqual({ login: 'clerk', method: 'students.create' });
  });

  it('no session, an unknown session, or a signed-out session is unauthenticated — also for reads', async () => {
    for (const session of [undefined, null, '', 'no-such-session']) {
      expectError(await callUnchanged({ method: 'students.create', args: studentInput(), session }), 'unauthenticated');
      expectError(await callUnchanged({ method: 'students.search', args: {}, session }), 'unauthenticated');
      expectError(await callUnchanged({ method: 'users.create', args: { login: 'x', fullName: 'X', role: 'admin', password: 'password-123' }, session }), 'unauthenticated');
    }
    const r = (await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'clerk-password-1' } }, 'ipc')) as Result<{ session: string }>;
    const session = r.ok ? r.value.session : '';
    expect((await c.backend.call({ method: 'students.search', args: {}, session }, 'ipc')).ok).toBe(true);
    expect((await c.backend.call({ method: 'auth.signOut', args: {}, session }, 'ipc')).ok).toBe(true);
    expectError(await callUnchanged({ method: 'students.search', args: {}, session }), 'unauthenticated');
  });

  it('a wrong password does not sign in (only its failure is recorded), and the first-admin setup cannot be repeated', async () => {
    // a failed sign-in writes its audit entry and the account's count of failures, nothing else
    const db = c.backend.db;
    const others = () => contentHash(db, ['audit_log', 'users']) + JSON.stringify(db.prepare('SELECT id, login, full_name, role, password_hash, disabled, locked_until FROM users ORDER BY id').all());
    const before = { others: others(), audit: count(db, 'audit_log') };
    expectError(await c.backend.call({ method: 'auth.signIn', args: { login: 'admin', password: 'wrong password' } }, 'ipc'), 'unauthenticated');
    expectError(await c.backend.call({ method: 'auth.signIn', args: { login: 'nobody', password: 'wrong password' } }, 'ipc'), 'unauthenticated');
    expect(others()).toBe(before.others);
    expect(db.prepare('SELECT method FROM audit_log WHERE id > ? ORDER BY id').pluck().all(before.audit)).toEqual(['auth.signInFailed', 'auth.signInFailed']);
    expect(db.prepare("SELECT failed_attempts FROM users WHERE login = 'admin'").pluck().get()).toBe(1);
    expectError(await callUnchanged({ method: 'auth.setupAdmin', args: { login: 'second', fullName: 'Второй', password: 'password-123' } }), 'forbidden');
    expect(count(c.backend.db, 'users', "login = 'second'")).toBe(0);
  });

  it('auth.status is public and tells who is signed in', async () => {
    const anon = await c.backend.call({ method: 'auth.status', args: {} }, 'ipc');
    expect(anon).toEqual({ ok: true, value: { needsSetup: false, user: null } });
    const clerk = await c.backend.call({ method: 'auth.status', args: {}, session: sessions.clerk }, 'ipc');
    expect(clerk.ok && (clerk.value as { user: { login: string; role: string } }).user).toMatchObject({ login: 'clerk', role: 'clerk' });
  });
});
