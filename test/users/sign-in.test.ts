// Sign-in under attack, through dispatch on a real register file: a burst of wrong passwords is refused early and
// audited; with the clock moving, the delay grows into a lock an administrator lifts; a flood of sign-ins does not
// slow another user's calls (hashing is off the event loop).
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../preload/contract.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { expectError, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { LOCK_AFTER } from '../../main/users/throttle.ts';

afterAll(removeScratchDirs);
afterEach(() => vi.useRealTimers());

type C = Client & { dbPath: string };
const open: C[] = [];
afterAll(() => open.forEach((c) => c.backend.close()));
async function register(): Promise<C> {
  const c = await adminClient(scratchDir());
  open.push(c);
  return c;
}
const signIn = (c: C, login: string, password: string, client?: string) =>
  c.backend.call({ method: 'auth.signIn', args: { login, password } }, 'http', client) as Promise<Result<{ session: string }>>;
type Entry = { id: number; login: string | null; method: string; detail: string };
const audit = (c: C, after = 0) => (c.backend.db.prepare('SELECT id, login, method, detail FROM audit_log WHERE id > ? ORDER BY id').all(after) as Entry[])
  .map((e) => ({ ...e, d: JSON.parse(e.detail) as Record<string, unknown> }));
const head = (c: C) => c.backend.db.prepare('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get() as number;

describe('300 wrong passwords, then the right one', () => {
  it('in a burst: after three tries each is refused at once, saying when to try again; the right one too; all of them audited', async () => {
    const c = await register();
    await c.call('users.create', { login: 'clerk', fullName: 'Иванова Анна', role: 'clerk', password: 'clerk password 1' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    const messages: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await signIn(c, 'clerk', `wrong password ${i}`);
      messages.push(expectError(r, 'unauthenticated').message);
    }
    expect(messages.slice(0, 3)).toEqual(Array(3).fill('Неверный логин или пароль'));
    for (const m of messages.slice(3)) expect(m).toMatch(/^Слишком много неудачных попыток входа под «clerk»: повторите через \d+ с$/);
    const right = expectError(await signIn(c, 'clerk', 'clerk password 1'), 'unauthenticated');
    expect(right.message).toMatch(/повторите через \d+ с/);

    let entries = audit(c, from);
    expect(entries.filter((e) => e.method === 'auth.signInFailed').map((e) => e.d)).toEqual([1, 2, 3].map((failures) =>
      ({ login: 'clerk', client: 'http', failures, via: 'auth.signIn' })));
    // the refusals: the first written at once, the rest counted (a flood writes a few entries, not one each)
    expect(entries.filter((e) => e.method === 'auth.signInRefused').map((e) => e.d)).toEqual([
      expect.objectContaining({ login: 'clerk', reason: 'delay', refused: 1 })]);
    // once the delay is over the right password signs in, and its entry counts the tries refused before it
    vi.setSystemTime(Date.now() + 5000);
    const ok = await signIn(c, 'clerk', 'clerk password 1');
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    entries = audit(c, from);
    const last = entries.at(-1)!;
    expect(last).toMatchObject({ login: 'clerk', method: 'auth.signIn' });
    expect(last.d).toEqual({ login: 'clerk', client: 'http', failuresBefore: 3, refusedBefore: 297 });
    // every one of the 302 tries (300 wrong, the right one refused, then signed in) is accounted for: 3 failures,
    // 1 + 297 refusals, the sign-in
    const refused = entries.reduce((n, e) => n + (Number(e.d.refused) || 0) + (Number(e.d.refusedBefore) || 0), 0);
    expect(entries.filter((e) => e.method === 'auth.signInFailed').length + refused + 1).toBe(302);
    expect(JSON.stringify(entries)).not.toContain('wrong password');
    expect(JSON.stringify(entries)).not.toContain('clerk password 1');
    expect((await c.call('audit.verify', {})).ok).toBe(true);
  });

  it('with the clock moving on: the delay grows into a lockout, audited; the right password is refused until an admin unlocks', async () => {
    const c = await register();
    await c.call('users.create', { login: 'arch', fullName: 'Полякова Нина', role: 'archivist', password: 'archive pass 1' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    const outcomes: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await signIn(c, 'arch', `guess ${i}`, 'http:192.0.2.7');
      outcomes.push(expectError(r, 'unauthenticated').message);
      vi.setSystemTime(Date.now() + 61_000); // a patient guesser: one try a minute, five hours in all
    }
    const failed = outcomes.filter((m) => m === 'Неверный логин или пароль').length;
    expect(failed).toBeGreaterThanOrEqual(LOCK_AFTER);
    expect(failed).toBeLessThan(25); // not 300: the locks grow (15 min, 30 min, 1 h …)
    expect(outcomes.some((m) => /^Вход под «arch» заблокирован после \d+ неудачных попыток: повторите после .+ или попросите администратора снять блокировку$/.test(m))).toBe(true);
    const right = expectError(await signIn(c, 'arch', 'archive pass 1', 'http:192.0.2.7'), 'unauthenticated');
    expect(right.message).toMatch(/заблокирован после/);
    // the right password from another place is refused just the same: the lock is the account's
    expect(expectError(await signIn(c, 'arch', 'archive pass 1', 'http:198.51.100.1'), 'unauthenticated').message).toMatch(/заблокирован после/);

    const entries = audit(c, from);
    expect(entries.filter((e) => e.method === 'auth.signInFailed')).toHaveLength(failed);
    const lockouts = entries.filter((e) => e.method === 'auth.lockout');
    expect(lockouts.length).toBeGreaterThanOrEqual(1);
    expect(lockouts[0]).toMatchObject({ login: 'arch', d: { login: 'arch', failures: LOCK_AFTER, client: 'http:192.0.2.7' } });
    expect(entries.some((e) => e.method === 'auth.signInRefused' && e.d.reason === 'locked')).toBe(true);

    // five hours on: the admin signs in afresh, sees the lock, lifts it
    const admin = await signIn(c, 'admin', 'correct horse 1');
    expect(admin.ok).toBe(true);
    c.session = admin.ok ? admin.value.session : null;
    const listed = (await c.call('users.list', {})).find((u) => u.login === 'arch')!;
    expect(listed.lockedUntil).not.toBeNull();
    expect(listed.failedAttempts).toBe(failed);
    const unlocked = await c.call('users.unlock', { login: 'arch' });
    expect(unlocked).toMatchObject({ login: 'arch', lockedUntil: null, failedAttempts: 0 });
    expect(audit(c, from).at(-1)).toMatchObject({ login: 'admin', method: 'users.unlock' });
    const ok = await signIn(c, 'arch', 'archive pass 1', 'http:192.0.2.7');
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
  });

  it('parallel guesses for one login are not all checked at once: one at a time, the rest refused before hashing', async () => {
    const c = await register();
    const from = head(c);
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => signIn(c, 'admin', `parallel ${i}`, `http:203.0.113.${i}`)));
    const wrong = rs.filter((r) => !r.ok && r.error.message === 'Неверный логин или пароль').length;
    expect(wrong).toBe(1);
    expect(rs.every((r) => !r.ok)).toBe(true);
    expect(audit(c, from).filter((e) => e.method === 'auth.signInFailed')).toHaveLength(1);
  });
});

describe('a lockout does not tell whether the login exists', () => {
  it('a login that does not exist is delayed and locked with the same words, at the same tries, as a real account', async () => {
    const c = await register();
    await c.call('users.create', { login: 'arch', fullName: 'Полякова Нина', role: 'archivist', password: 'archive pass 1' });
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    const real: string[] = [], ghost: string[] = [];
    const burst = async () => {
      real.push(expectError(await signIn(c, 'arch', `guess ${real.length}`, 'http:192.0.2.10'), 'unauthenticated').message);
      ghost.push(expectError(await signIn(c, 'ghost', `guess ${ghost.length}`, 'http:192.0.2.11'), 'unauthenticated').message);
    };
    for (let i = 0; i < 20; i++) await burst(); // a burst: the delays
    for (let i = 0; i < 60; i++) {
      await burst(); // then a patient guesser: the lock
      vi.setSystemTime(Date.now() + 61_000);
    }
    expect(ghost).toEqual(real.map((m) => m.replaceAll('«arch»', '«ghost»')));
    expect(real.some((m) => m.startsWith('Слишком много неудачных попыток входа под «arch»'))).toBe(true);
    expect(ghost.some((m) => /^Вход под «ghost» заблокирован после 10 неудачных попыток: повторите после .+ или попросите администратора снять блокировку$/.test(m))).toBe(true);
    // the right password of the real account is refused while the lock holds, as any other would be
    expect(expectError(await signIn(c, 'arch', 'archive pass 1', 'http:192.0.2.12'), 'unauthenticated').message).toMatch(/^Вход под «arch» заблокирован после/);
    expect(expectError(await signIn(c, 'ghost', 'archive pass 1', 'http:192.0.2.13'), 'unauthenticated').message).toMatch(/^Вход под «ghost» заблокирован после/);
    // the audit log tells them apart (an administrator may know): the made-up login's failures and lockout are there too
    const entries = audit(c, from);
    const failedGhost = entries.filter((e) => e.method === 'auth.signInFailed' && e.d.login === 'ghost');
    expect(failedGhost.length).toBe(entries.filter((e) => e.method === 'auth.signInFailed' && e.d.login === 'arch').length);
    expect(failedGhost.every((e) => e.d.known === false)).toBe(true);
    expect(entries.some((e) => e.method === 'auth.lockout' && e.d.login === 'ghost' && e.d.failures === LOCK_AFTER)).toBe(true);
  });
});

describe('one client guessing over many logins', () => {
  it('is slowed down as a client: after ten failures its tries are refused, whatever the login; others sign in', async () => {
    const c = await register();
    const from = head(c);
    const messages: string[] = [];
    for (let i = 0; i < 40; i++) messages.push(expectError(await signIn(c, `user${i}`, `guess ${i}`, 'http:192.0.2.99'), 'unauthenticated').message);
    expect(messages.slice(0, 10)).toEqual(Array(10).fill('Неверный логин или пароль'));
    for (const m of messages.slice(10)) expect(m).toMatch(/^Слишком много неудачных попыток входа с этого места: повторите через \d+ с$/);
    // the right password from there waits too; from elsewhere it signs in
    expect(expectError(await signIn(c, 'admin', 'correct horse 1', 'http:192.0.2.99'), 'unauthenticated').message).toMatch(/с этого места/);
    expect((await signIn(c, 'admin', 'correct horse 1', 'http:198.51.100.2')).ok).toBe(true);
    const entries = audit(c, from);
    expect(entries.filter((e) => e.method === 'auth.signInFailed').map((e) => e.d)).toHaveLength(10);
    expect(entries.filter((e) => e.method === 'auth.signInFailed').every((e) => e.d.known === false && e.login === null)).toBe(true);
    expect(entries.filter((e) => e.method === 'auth.signInRefused').map((e) => e.d)).toEqual([
      expect.objectContaining({ reason: 'client', client: 'http:192.0.2.99', refused: 1 })]);
  });
});

describe('a flood of wrong sign-ins', () => {
  it("does not make another signed-in user's calls slow", async () => {
    const c = await register();
    for (let i = 0; i < 20; i++) await c.call('subjects.create', { name: `Предмет ${i}`, shortName: `П${i}`, cityRegisterId: `X-${i}`, federalCode: String(10 + i) });
    await c.call('users.create', { login: 'clerk', fullName: 'Иванова Анна', role: 'clerk', password: 'clerk password 1' });
    const s = await signIn(c, 'clerk', 'clerk password 1');
    const clerk = s.ok ? s.value.session : '';
    const clerkCall = async () => {
      const t = performance.now();
      const r = await c.backend.call({ method: 'subjects.list', args: {}, session: clerk }, 'http');
      expect(r.ok).toBe(true);
      return performance.now() - t;
    };
    const quiet = await clerkCall();
    // 300 sign-ins at once, each from its own address and for its own login, so that none is refused early: each is hashed
    let flooding = true;
    const flood = Promise.all(Array.from({ length: 300 }, (_, i) =>
      signIn(c, i % 3 ? `ghost${i}` : 'clerk', `flood ${i}`, `http:10.0.${i >> 8}.${i & 255}`))).finally(() => (flooding = false));
    const during: number[] = [];
    while (flooding) {
      during.push(await clerkCall());
      await new Promise((r) => setTimeout(r, 20));
    }
    const results = await flood;
    expect(results.every((r) => !r.ok)).toBe(true);
    // the flood took a while (it was hashed), and the clerk's calls went on during it, each quickly
    expect(during.length).toBeGreaterThanOrEqual(3);
    console.log(`subjects.list: quiet ${quiet.toFixed(1)} ms; during the flood (${during.length} calls) max ${Math.max(...during).toFixed(1)} ms`);
    expect(Math.max(...during), `quiet ${quiet.toFixed(1)} ms; during the flood ${during.map((d) => d.toFixed(0)).join(', ')} ms`).toBeLessThan(1500);
  });
});
