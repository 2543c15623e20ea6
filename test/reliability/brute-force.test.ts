// Brute force against sign-in, for the README's reliability table (row «brute-force»): each case is an attack; it
// counts as detected when the attack was stopped (the right password delayed or locked, the flood refused early) with
// every try in the audit log, and as lost when a guess got through or a try went unrecorded. Through dispatch over the
// HTTP transport's path, on a real register file; the clock is moved by fake timers where an attacker would wait.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../preload/contract.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { expectError, removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { LOCK_AFTER } from '../../main/users/throttle.ts';
import { recordFigures } from './crash.ts';

type C = Client & { dbPath: string };
const open: C[] = [];
afterAll(() => open.forEach((c) => c.backend.close()));
afterAll(removeScratchDirs);
afterEach(() => vi.useRealTimers());

const tally = { runs: 0, detected: 0, lost: 0, notes: [] as string[] };
afterAll(() => recordFigures('brute-force', {
  suite: 'brute-force', runs: tally.runs, detected: tally.detected, lost: tally.lost, failures: tally.runs - tally.detected,
  worst: tally.notes.join('; '),
}));
/** One attack: stopped (and every try audited) or not. */
function counted(stopped: boolean, lostTries = 0, note?: string): void {
  tally.runs++;
  if (stopped && !lostTries) tally.detected++;
  tally.lost += lostTries;
  if (note) tally.notes.push(note);
}

async function register(): Promise<C> {
  const c = await adminClient(scratchDir());
  open.push(c);
  await c.call('users.create', { login: 'clerk', fullName: 'Иванова Анна', role: 'clerk', password: 'clerk password 1' });
  return c;
}
const signIn = (c: C, login: string, password: string, client = 'http') =>
  c.backend.call({ method: 'auth.signIn', args: { login, password } }, 'http', client) as Promise<Result<{ session: string }>>;
type Entry = { method: string; login: string | null; d: Record<string, unknown> };
const audit = (c: C, after: number): Entry[] => (c.backend.db.prepare('SELECT method, login, detail FROM audit_log WHERE id > ? ORDER BY id').all(after) as
  Array<{ method: string; login: string | null; detail: string }>).map((e) => ({ method: e.method, login: e.login, d: JSON.parse(e.detail) }));
const head = (c: C) => c.backend.db.prepare('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get() as number;
/** Every try an audit log accounts for: failures one each, refusals by their counts, sign-ins one each. */
const accounted = (entries: Entry[]) => entries.reduce((n, e) => n + (e.method === 'auth.signInFailed' || e.method === 'auth.signIn' ? 1 : 0)
  + (Number(e.d.refused) || 0) + (Number(e.d.refusedBefore) || 0), 0);

describe('brute force against sign-in', () => {
  it('300 wrong passwords in a burst, then the right one: delayed, every try in the audit log', async () => {
    const c = await register();
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    for (let i = 0; i < 300; i++) expectError(await signIn(c, 'clerk', `wrong ${i}`), 'unauthenticated');
    const right = await signIn(c, 'clerk', 'clerk password 1');
    expect(right.ok).toBe(false);
    expect(expectError(right, 'unauthenticated').message).toMatch(/^Слишком много неудачных попыток входа под «clerk»: повторите через \d+ с$/);
    vi.setSystemTime(Date.now() + 10_000);
    expect((await signIn(c, 'clerk', 'clerk password 1')).ok).toBe(true);
    const tries = accounted(audit(c, from));
    expect(tries).toBe(302);
    expect((await c.call('audit.verify', {})).ok).toBe(true);
    counted(!right.ok, 302 - tries);
  });

  it('300 wrong passwords, one a minute, then the right one: locked, audited; an admin lifts the lock', async () => {
    const c = await register();
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    for (let i = 0; i < 300; i++) {
      expectError(await signIn(c, 'clerk', `guess ${i}`, 'http:192.0.2.7'), 'unauthenticated');
      vi.setSystemTime(Date.now() + 61_000);
    }
    const right = await signIn(c, 'clerk', 'clerk password 1', 'http:198.51.100.1');
    expect(expectError(right, 'unauthenticated').message).toMatch(/^Вход под «clerk» заблокирован после \d+ неудачных попыток/);
    const entries = audit(c, from);
    expect(entries.some((e) => e.method === 'auth.lockout' && e.d.failures === LOCK_AFTER)).toBe(true);
    const tries = accounted(entries);
    expect(tries).toBe(301);
    // five hours on: the admin signs in afresh (the old session has expired) and lifts the lock
    const admin = await signIn(c, 'admin', 'correct horse 1', 'http:203.0.113.5');
    c.session = admin.ok ? admin.value.session : null;
    await c.call('users.unlock', { login: 'clerk' });
    expect(audit(c, from).at(-1)).toMatchObject({ method: 'users.unlock', login: 'admin' });
    expect((await signIn(c, 'clerk', 'clerk password 1', 'http:198.51.100.1')).ok).toBe(true);
    counted(!right.ok, 301 - tries);
  });

  it("one client's flood of 300 parallel guesses over many logins is refused early, while another user's sign-in stays fast", async () => {
    const c = await register();
    const t0 = performance.now();
    expect((await signIn(c, 'clerk', 'clerk password 1', 'http:198.51.100.9')).ok).toBe(true);
    const quiet = performance.now() - t0;
    const from = head(c);
    const flood = Promise.all(Array.from({ length: 300 }, (_, i) => signIn(c, i % 2 ? `user${i}` : 'admin', `flood ${i}`, 'http:192.0.2.66')));
    const t1 = performance.now();
    const other = await signIn(c, 'clerk', 'clerk password 1', 'http:198.51.100.10');
    const during = performance.now() - t1;
    const results = await flood;
    expect(other.ok).toBe(true);
    expect(results.every((r) => !r.ok)).toBe(true);
    const hashed = results.filter((r) => !r.ok && r.error.message === 'Неверный логин или пароль').length;
    expect(hashed).toBeLessThanOrEqual(2); // one at a time per client: the rest refused before any hashing
    // the same place guessing on, one login after another: after ten failures it is refused as a client
    const seq: string[] = [];
    for (let i = 0; i < 15; i++) seq.push(expectError(await signIn(c, `seq${i}`, `guess ${i}`, 'http:192.0.2.66'), 'unauthenticated').message);
    expect(seq.at(-1)).toMatch(/^Слишком много неудачных попыток входа с этого места: повторите через \d+ с$/);
    expect(during, `quiet ${quiet.toFixed(0)} ms`).toBeLessThan(Math.max(3000, quiet * 4));
    // every guess that was checked is a failure in the audit log; the ones refused unchecked are counted there in batches
    const entries = audit(c, from);
    const failures = entries.filter((e) => e.method === 'auth.signInFailed').length;
    const checked = hashed + seq.filter((m) => m === 'Неверный логин или пароль').length;
    expect(failures).toBe(checked);
    expect(entries.some((e) => e.method === 'auth.signInRefused' && e.d.reason === 'busy')).toBe(true);
    expect(entries.some((e) => e.method === 'auth.signInRefused' && e.d.reason === 'client')).toBe(true);
    counted(hashed <= 2 && /с этого места/.test(seq.at(-1)!), checked - failures,
      `another user's sign-in during a 300-try flood: ${during.toFixed(0)} ms (quiet ${quiet.toFixed(0)} ms)`);
  });

  it('a made-up login is delayed and locked with the same words as a real one: the lockout does not reveal the login exists', async () => {
    const c = await register();
    vi.useFakeTimers({ toFake: ['Date'] });
    const from = head(c);
    const real: string[] = [], ghost: string[] = [];
    for (let i = 0; i < 40; i++) {
      real.push(expectError(await signIn(c, 'clerk', `x ${i}`, 'http:192.0.2.20'), 'unauthenticated').message);
      ghost.push(expectError(await signIn(c, 'nobody', `x ${i}`, 'http:192.0.2.21'), 'unauthenticated').message);
      vi.setSystemTime(Date.now() + 61_000);
    }
    expect(ghost).toEqual(real.map((m) => m.replaceAll('«clerk»', '«nobody»')));
    expect(ghost.some((m) => m.startsWith('Вход под «nobody» заблокирован'))).toBe(true);
    const tries = accounted(audit(c, from));
    expect(tries).toBe(80);
    counted(ghost.some((m) => m.includes('заблокирован')), 80 - tries);
  });
});
