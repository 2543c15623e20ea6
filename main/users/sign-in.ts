// Sign-in (and the check of one's own password before changing it), throttled by login and by client
// (main/users/throttle.ts). A try inside a delay or a lock is refused at once, before any hashing, saying when to try
// again; the password is checked off the event loop; every outcome is in the audit log — a failure in a transaction of
// its own before the call answers, a flood of early refusals as a few entries that count them.
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { formatDateTime, nowIso } from '../../preload/core/dates.ts';
import { appendAudit } from '../audit/log.ts';
import { anchorAudit } from '../audit/anchor.ts';
import { AppError } from '../shared/errors.ts';
import { verifyPassword } from './passwords.ts';
import { delayAfter, lockAfter, LOCK_AFTER, type SignInGuard } from './throttle.ts';
import { dummyHash, normalLogin, rowByLogin, toUser } from './users.ts';

const WRONG = 'Неверный логин или пароль';

/** How a refusal says when to try again: in seconds when soon, else the moment in this machine's time. */
function tryAgain(at: number, now: number): string {
  const s = Math.ceil((at - now) / 1000);
  return s <= 120 ? `повторите через ${s} с` : `повторите после ${formatDateTime(new Date(at).toISOString())}`;
}

/** When a login may try again (ms), or 0 when it may now. */
function loginRetryAt(s: { failures: number; lastFailedAt: number; lockedUntil: number }): number {
  return Math.max(s.lockedUntil, s.lastFailedAt ? s.lastFailedAt + delayAfter(s.failures) : 0);
}

/** What a written entry carries about the tries refused early since the last one (nothing when there were none). */
const refusedNote = (n: number) => (n ? { refusedBefore: n } : {});

/** Audit entries that must stay although the call fails: their own transaction, anchored now. */
function auditNow(db: DB, write: () => void): void {
  db.transaction(write).immediate();
  try {
    anchorAudit(db);
  } catch (e) {
    console.error(`[school-register] could not write the audit anchor: ${(e as Error).message}`);
  }
}

/** A login as the audit log may keep it: what someone typed in the login field could be a password. */
const typedLogin = (login: string) => (/^[a-z0-9._-]{1,50}$/.test(login) ? login : '(не похоже на логин)');

type Attempt = { db: DB; guard: SignInGuard; client: string; method: 'auth.signIn' | 'auth.changePassword' };

/**
 * Checks `password` for `login`, throttled; answers the user when it is right (and the account is neither locked nor
 * disabled), else throws the refusal. On success the failures are forgotten and the sign-in audited (`audit` false:
 * the caller audits what it does with it, a password change).
 */
export async function checkSignIn(at: Attempt, login: string, password: string, audit = true): Promise<User> {
  const { db, guard, client } = at;
  const key = normalLogin(login);
  const now = Date.now();
  const refuse = (until: number, message: string, reason: string): never => {
    // refusals of a client are counted by client (it may be trying many logins), the others by login
    const n = guard.refused(reason === 'client' ? `client:${client}` : key, now);
    if (n) auditNow(db, () => appendAudit(db, null, 'auth.signInRefused', { login: typedLogin(key), client, reason, refused: n, until: new Date(until).toISOString() }));
    throw new AppError('unauthenticated', message, { login: message });
  };
  const clientAt = guard.clientRetryAt(client, now);
  if (clientAt) refuse(clientAt, `Слишком много неудачных попыток входа с этого места: ${tryAgain(clientAt, now)}`, 'client');
  const before = rowByLogin(db, key);
  // a login that does not exist is delayed and locked as an account would be, with the same words: the refusal does
  // not tell whether the login exists
  const state = before
    ? { failures: before.failed_attempts, lastFailedAt: before.last_failed_at ? Date.parse(before.last_failed_at) : 0, lockedUntil: before.locked_until ? Date.parse(before.locked_until) : 0 }
    : guard.unknownLogin(key, now);
  const retry = loginRetryAt(state);
  if (retry > now) {
    const locked = state.lockedUntil > now;
    const shown = before?.login ?? key;
    refuse(retry, locked
      ? `Вход под «${shown}» заблокирован после ${state.failures} неудачных попыток: ${tryAgain(retry, now)} или попросите администратора снять блокировку`
      : `Слишком много неудачных попыток входа под «${shown}»: ${tryAgain(retry, now)}`, locked ? 'locked' : 'delay');
  }
  const release = guard.begin(key, client, now);
  if (!release) refuse(now + 1000, 'Предыдущая попытка входа ещё проверяется: повторите через 1 с', 'busy');
  let ok: boolean;
  try {
    // an unknown login is checked against a dummy hash: the answer takes as long and says the same
    ok = await verifyPassword(password, before?.password_hash ?? await dummyHash());
  } finally {
    release!();
  }
  if (!db.open) throw new AppError('conflict', 'Реестр заменён восстановлением из копии: войдите снова');
  const r = rowByLogin(db, key); // as it is now, after the wait
  const when = nowIso();
  if (!ok || !r || !before || r.id !== before.id) {
    guard.clientFailed(client, Date.now());
    auditNow(db, () => {
      if (!r) {
        guard.unknownLoginFailed(key, Date.parse(when));
        const u = guard.unknownLogin(key, Date.parse(when));
        appendAudit(db, null, 'auth.signInFailed', { login: typedLogin(key), known: false, client, failures: u.failures, ...refusedNote(guard.takeRefused(key)) });
        if (lockAfter(u.failures)) {
          appendAudit(db, null, 'auth.lockout', { login: typedLogin(key), known: false, client, failures: u.failures, lockedUntil: new Date(u.lockedUntil).toISOString(), afterFailures: LOCK_AFTER });
        }
        return;
      }
      const failures = r.failed_attempts + 1;
      const lockMs = lockAfter(failures);
      const lockedUntil = lockMs ? new Date(Date.parse(when) + lockMs).toISOString() : r.locked_until;
      db.prepare('UPDATE users SET failed_attempts = ?, last_failed_at = ?, locked_until = ? WHERE id = ?').run(failures, when, lockedUntil, r.id);
      appendAudit(db, r.login, 'auth.signInFailed', { login: r.login, client, failures, via: at.method, ...refusedNote(guard.takeRefused(key)) });
      if (lockMs) appendAudit(db, r.login, 'auth.lockout', { login: r.login, client, failures, lockedUntil, afterFailures: LOCK_AFTER });
    });
    throw new AppError('unauthenticated', at.method === 'auth.changePassword' ? 'Неверный текущий пароль' : WRONG,
      at.method === 'auth.changePassword' ? { oldPassword: 'Неверный текущий пароль' } : undefined);
  }
  if (r.disabled) {
    auditNow(db, () => appendAudit(db, r.login, 'auth.signInRefused', { login: r.login, client, reason: 'disabled' }));
    throw new AppError('forbidden', `Учётная запись «${r.login}» отключена администратором`);
  }
  guard.clientSucceeded(client);
  const refusedBefore = guard.takeRefused(key);
  if (audit || r.failed_attempts || r.locked_until) {
    db.transaction(() => {
      db.prepare('UPDATE users SET failed_attempts = 0, last_failed_at = NULL, locked_until = NULL WHERE id = ?').run(r.id);
      if (audit) appendAudit(db, r.login, 'auth.signIn', { login: r.login, client, ...(r.failed_attempts ? { failuresBefore: r.failed_attempts } : {}), ...refusedNote(refusedBefore) });
    }).immediate();
  }
  return toUser(r);
}
