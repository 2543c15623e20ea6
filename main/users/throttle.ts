// How fast a password may be guessed. Two counters, each with a delay that grows with the failures behind it:
// - per login, kept in the register (users.failed_attempts, last_failed_at, locked_until): a few free tries, then a
//   delay that doubles with each failure; after LOCK_AFTER failures in a row the account is locked (an administrator
//   can lift it; it also ends by itself, each lock after the first twice as long);
// - per client (the HTTP peer's address, 'ipc', 'cli'), in memory: the same growth over every login it tries, so one
//   client cannot spread its guesses over many logins (or logins that do not exist).
// A try inside the delay is refused before any hashing, with the moment to try again: nothing sleeps, nothing waits.

export const FREE_TRIES = 3;
export const LOCK_AFTER = 10;
export const MAX_DELAY_MS = 5 * 60_000;
export const FIRST_LOCK_MS = 15 * 60_000;
export const MAX_LOCK_MS = 24 * 60 * 60_000;
export const CLIENT_FREE_TRIES = 10;
/** A client's failures are forgotten after this long without one. */
export const CLIENT_FORGET_MS = 60 * 60_000;

/** The wait before the next try after `failures` failed in a row (the first FREE_TRIES cost nothing). */
export function delayAfter(failures: number, free = FREE_TRIES): number {
  if (failures < free) return 0;
  return Math.min(1000 * 2 ** Math.min(failures - free, 30), MAX_DELAY_MS);
}

/** How long the account is locked after its `failures`-th failure in a row; 0 below LOCK_AFTER. */
export function lockAfter(failures: number): number {
  if (failures < LOCK_AFTER) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** Math.min(failures - LOCK_AFTER, 30), MAX_LOCK_MS);
}

type ClientState = { failures: number; last: number; busy: boolean; refused: number; refusedAuditedAt: number };

/**
 * The in-memory side of the throttle for one running backend: failures by client, and the sign-ins being checked now
 * (one at a time per login and per client: a burst of parallel guesses would all pass the check made before hashing).
 */
export class SignInGuard {
  private clients = new Map<string, ClientState>();
  private busyLogins = new Set<string>();
  private refusedByLogin = new Map<string, { n: number; auditedAt: number }>();
  /** Failures of logins that do not exist, counted as an account's would be: the delay and the lock look the same. */
  private unknownLogins = new Map<string, { failures: number; lastFailedAt: number; lockedUntil: number }>();

  private client(key: string, now: number): ClientState {
    let s = this.clients.get(key);
    if (s && now - s.last > CLIENT_FORGET_MS && !s.busy) {
      this.clients.delete(key);
      s = undefined;
    }
    if (!s) {
      if (this.clients.size > 10_000) this.forgetOld(now);
      s = { failures: 0, last: now, busy: false, refused: 0, refusedAuditedAt: 0 };
      this.clients.set(key, s);
    }
    return s;
  }

  private forgetOld(now: number): void {
    for (const [k, s] of this.clients) if (!s.busy && now - s.last > delayAfter(s.failures, CLIENT_FREE_TRIES)) this.clients.delete(k);
  }

  /** When `client` may try again (ms since the epoch), or 0 when it may now. */
  clientRetryAt(client: string, now: number): number {
    const s = this.client(client, now);
    const at = s.failures ? s.last + delayAfter(s.failures, CLIENT_FREE_TRIES) : 0;
    return at > now ? at : 0;
  }

  /** Whether a check for this login or client is under way; otherwise marks both as under way until `release`. */
  begin(login: string, client: string, now: number): (() => void) | null {
    const s = this.client(client, now);
    if (s.busy || this.busyLogins.has(login)) return null;
    s.busy = true;
    this.busyLogins.add(login);
    return () => {
      s.busy = false;
      this.busyLogins.delete(login);
    };
  }

  clientFailed(client: string, now: number): void {
    const s = this.client(client, now);
    s.failures++;
    s.last = now;
  }

  clientSucceeded(client: string): void {
    const s = this.clients.get(client);
    if (s) s.failures = 0;
  }

  /**
   * Counts a try refused early for `login`. Returns the number refused so far when it is time to write them to the audit
   * log (the first, then at most once a minute): a flood of refused tries writes a few entries, not one each.
   */
  refused(login: string, now: number): number | null {
    if (this.refusedByLogin.size > 10_000 && !this.refusedByLogin.has(login)) {
      // a flood of made-up logins: forget the counts already told, then (at worst) the rest — memory stays bounded
      for (const [k, r] of this.refusedByLogin) if (!r.n || now - r.auditedAt > 60_000) this.refusedByLogin.delete(k);
      if (this.refusedByLogin.size > 10_000) this.refusedByLogin.clear();
    }
    const r = this.refusedByLogin.get(login) ?? { n: 0, auditedAt: 0 };
    r.n++;
    this.refusedByLogin.set(login, r);
    if (now - r.auditedAt < 60_000) return null;
    const n = r.n;
    r.n = 0;
    r.auditedAt = now;
    return n;
  }

  /**
   * The failures in a row of a login that does not exist, shaped as an account's (users.failed_attempts, last_failed_at,
   * locked_until), so that its refusals — delay, then lock — say and time the same as a real account's would.
   */
  unknownLogin(login: string, now: number): { failures: number; lastFailedAt: number; lockedUntil: number } {
    const u = this.unknownLogins.get(login);
    if (u && now - Math.max(u.lastFailedAt, u.lockedUntil) > CLIENT_FORGET_MS + MAX_LOCK_MS) this.unknownLogins.delete(login);
    return this.unknownLogins.get(login) ?? { failures: 0, lastFailedAt: 0, lockedUntil: 0 };
  }

  unknownLoginFailed(login: string, now: number): void {
    if (this.unknownLogins.size > 10_000 && !this.unknownLogins.has(login)) {
      // a flood of made-up logins: the client's own counter still slows it; memory stays bounded
      for (const [k, u] of this.unknownLogins) if (u.lockedUntil < now && now - u.lastFailedAt > delayAfter(u.failures)) this.unknownLogins.delete(k);
      if (this.unknownLogins.size > 10_000) this.unknownLogins.clear();
    }
    const u = this.unknownLogin(login, now);
    const failures = u.failures + 1;
    const lockMs = lockAfter(failures);
    this.unknownLogins.set(login, { failures, lastFailedAt: now, lockedUntil: lockMs ? now + lockMs : u.lockedUntil });
  }

  /** The tries refused early for `login` not yet in the audit log (told with its next entry), now counted as told. */
  takeRefused(login: string): number {
    const r = this.refusedByLogin.get(login);
    if (!r) return 0;
    const n = r.n;
    r.n = 0;
    return n;
  }
}

/** One guard per backend: keyed by its session store, which lives as long as the backend does. */
const guards = new WeakMap<object, SignInGuard>();
export function guardOf(owner: object): SignInGuard {
  let g = guards.get(owner);
  if (!g) guards.set(owner, (g = new SignInGuard()));
  return g;
}
