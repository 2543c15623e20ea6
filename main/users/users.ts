// Users and sign-in. The first run creates the admin; roles are checked by the dispatcher on every call.
// Every change of an account (and every sign-in, failed or not) is written with its audit entry in one transaction.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { Role, User, UserAccount } from '../../preload/contract.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { cleanName } from '../../preload/core/names.ts';
import { nowIso } from '../../preload/core/dates.ts';
import { passwordProblem } from '../../preload/core/passwords.ts';
import { appendAudit } from '../audit/log.ts';
import { hashPassword } from './passwords.ts';

export type Row = {
  id: number; login: string; full_name: string; role: Role; password_hash: string; disabled: number;
  failed_attempts: number; last_failed_at: string | null; locked_until: string | null; password_changed_at: string | null;
};
export const toUser = (r: Row): User => ({ id: r.id, login: r.login, fullName: r.full_name, role: r.role });
const toAccount = (r: Row): UserAccount => ({
  ...toUser(r), disabled: r.disabled === 1, failedAttempts: r.failed_attempts,
  lockedUntil: r.locked_until && Date.parse(r.locked_until) > Date.now() ? r.locked_until : null, passwordChangedAt: r.password_changed_at,
});

export const normalLogin = (login: string) => login.trim().toLowerCase();

export function needsSetup(db: DB): boolean {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n === 0;
}

/** The password policy (preload/core/passwords.ts) as a refusal of the `password` field. */
export function checkPassword(password: string, login: string, field = 'password'): void {
  const problem = passwordProblem(password, login);
  if (problem) throw fieldError(field, problem);
}

type NewUser = { login: string; fullName: string; role: Role; password: string };

/** Checks a new account (login free and well-formed, password by the policy) before its password is hashed. */
function checkNewUser(db: DB, a: NewUser): string {
  const login = normalLogin(a.login);
  if (!/^[a-z0-9._-]{1,50}$/.test(login)) throw fieldError('login', 'Логин: латинские буквы, цифры, точка, дефис');
  if (db.prepare('SELECT 1 FROM users WHERE login = ?').get(login)) throw fieldError('login', `Логин «${login}» уже занят`);
  checkPassword(a.password, login);
  return login;
}

/**
 * Creates an account and audits it as `method` by `actor`. The password is hashed off the event loop, then the row and
 * its entry are written together (checked again: another call may have taken the login meanwhile).
 */
export async function createUser(db: DB, a: NewUser, actor: string | null, method: string, opts: { firstAdmin?: boolean } = {}): Promise<User> {
  checkNewUser(db, a);
  const hash = await hashPassword(a.password);
  return db.transaction(() => {
    if (opts.firstAdmin && !needsSetup(db)) throw new AppError('forbidden', 'Администратор уже создан: войдите под своей учётной записью');
    const login = checkNewUser(db, a);
    const now = nowIso();
    const info = db.prepare('INSERT INTO users (login, full_name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(login, cleanName(a.fullName), a.role, hash, now, now);
    const user = toUser(rowById(db, Number(info.lastInsertRowid))!);
    appendAudit(db, actor ?? login, method, { args: { login, fullName: user.fullName, role: a.role, password: '***' },
      result: opts.firstAdmin ? { user: login } : { id: user.id } });
    return user;
  }).immediate();
}

export async function setupAdmin(db: DB, a: { login: string; fullName: string; password: string }): Promise<User> {
  if (!needsSetup(db)) throw new AppError('forbidden', 'Администратор уже создан: войдите под своей учётной записью');
  return createUser(db, { ...a, role: 'admin' }, null, 'auth.setupAdmin', { firstAdmin: true });
}

const rowById = (db: DB, id: number) => db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
export const rowByLogin = (db: DB, login: string) => db.prepare('SELECT * FROM users WHERE login = ?').get(normalLogin(login)) as Row | undefined;

/** A signed-in user as they are now: null once disabled. */
export function getUser(db: DB, id: number): User | null {
  const r = rowById(db, id);
  return r && r.disabled === 0 ? toUser(r) : null;
}

export function listUsers(db: DB): UserAccount[] {
  return (db.prepare('SELECT * FROM users ORDER BY login').all() as Row[]).map(toAccount);
}

/** The account an administrator names by login, or not_found. */
export function accountNamed(db: DB, login: string): Row {
  const r = rowByLogin(db, login);
  if (!r) throw notFound(`Пользователь «${normalLogin(login)}»`);
  return r;
}

/** The register keeps an active administrator: the last one is neither demoted nor disabled (the schema says so too). */
function keepAnAdmin(db: DB, r: Row, what: string): void {
  if (r.role !== 'admin' || r.disabled === 1) return;
  const others = (db.prepare("SELECT count(*) AS n FROM users WHERE id <> ? AND role = 'admin' AND disabled = 0").get(r.id) as { n: number }).n;
  if (!others) throw new AppError('conflict', `«${r.login}» — последний действующий администратор: ${what} нельзя. Сначала назначьте другого администратора.`);
}

type Actor = { login: string };

export function setRole(db: DB, actor: Actor, login: string, role: Role): UserAccount {
  return db.transaction(() => {
    const r = accountNamed(db, login);
    if (r.role === role) return toAccount(r);
    if (role !== 'admin') keepAnAdmin(db, r, 'лишить его роли администратора');
    db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, r.id);
    appendAudit(db, actor.login, 'users.setRole', { args: { login: r.login, role }, result: { id: r.id, from: r.role, to: role } });
    return toAccount(rowById(db, r.id)!);
  }).immediate();
}

export function setDisabled(db: DB, actor: Actor, login: string, disabled: boolean): UserAccount {
  return db.transaction(() => {
    const r = accountNamed(db, login);
    if ((r.disabled === 1) === disabled) return toAccount(r);
    if (disabled) keepAnAdmin(db, r, 'отключить его');
    db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, r.id);
    appendAudit(db, actor.login, disabled ? 'users.disable' : 'users.enable', { args: { login: r.login }, result: { id: r.id } });
    return toAccount(rowById(db, r.id)!);
  }).immediate();
}

/** Lifts a lock and forgets the failures behind it (the delay starts afresh). */
export function unlock(db: DB, actor: Actor, login: string): UserAccount {
  return db.transaction(() => {
    const r = accountNamed(db, login);
    db.prepare('UPDATE users SET failed_attempts = 0, last_failed_at = NULL, locked_until = NULL WHERE id = ?').run(r.id);
    appendAudit(db, actor.login, 'users.unlock', { args: { login: r.login },
      result: { id: r.id, failedAttempts: r.failed_attempts, lockedUntil: r.locked_until } });
    return toAccount(rowById(db, r.id)!);
  }).immediate();
}

/**
 * Sets a new password (already checked by the policy and hashed) and audits it as `method`: a change of one's own
 * or an administrator's reset. The failures and any lock are forgotten: the old password no longer opens anything.
 */
export function storePassword(db: DB, actor: Actor, r: Row, hash: string, method: 'auth.changePassword' | 'users.resetPassword'): UserAccount {
  return db.transaction(() => {
    const now = nowIso();
    const changed = db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ?, failed_attempts = 0, last_failed_at = NULL, locked_until = NULL WHERE id = ? AND password_hash = ?')
      .run(hash, now, r.id, r.password_hash).changes;
    if (!changed) throw new AppError('conflict', `Пароль «${r.login}» только что изменён другим вызовом: повторите`);
    appendAudit(db, actor.login, method, { args: { login: r.login, password: '***' }, result: { id: r.id } });
    return toAccount(rowById(db, r.id)!);
  }).immediate();
}

// made on first need, not when the module loads (every CLI command loads it; few sign in)
let DUMMY: Promise<string> | null = null;
/** A hash to check an unknown login's password against, so timing does not tell which logins exist. */
export const dummyHash = () => (DUMMY ??= hashPassword(crypto.randomBytes(8).toString('hex')));

/** Idle and absolute session limits: a school day with its breaks, not a week. */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;

/**
 * Signed-in sessions, in memory only (a restart signs everyone out). A session ends after `idleMs` without a call
 * (a clerk who walked away from an unlocked screen) and in any case `maxMs` after sign-in.
 */
export class Sessions {
  private byToken = new Map<string, { userId: number; at: number; last: number }>();
  constructor(private readonly opts: { idleMs?: number; maxMs?: number; now?: () => number } = {}) {}
  private get now() { return (this.opts.now ?? Date.now)(); }
  open(user: User): string {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.now;
    this.byToken.set(token, { userId: user.id, at: now, last: now });
    return token;
  }
  userId(token: string | null | undefined): number | null {
    if (!token) return null;
    const s = this.byToken.get(token);
    if (!s) return null;
    const now = this.now;
    if (now - s.last > (this.opts.idleMs ?? SESSION_IDLE_MS) || now - s.at > (this.opts.maxMs ?? SESSION_MAX_MS)) {
      this.byToken.delete(token);
      return null;
    }
    s.last = now;
    return s.userId;
  }
  close(token: string | null | undefined): void {
    if (token) this.byToken.delete(token);
  }

  /** Why sessions ended before their time (the register was replaced, the account changed), kept so their holders are told why. */
  private endedWhy = new Map<string, string>();

  /** Ends every session at once: the users and their passwords now come from another register file. */
  endAll(reason: string): void {
    for (const token of this.byToken.keys()) this.endedWhy.set(token, reason);
    this.byToken.clear();
  }

  /** Ends the sessions of one user (disabled, demoted, password changed or reset), except `keep` (the caller's own). */
  endUser(userId: number, reason: string, keep?: string | null): void {
    for (const [token, s] of this.byToken) {
      if (s.userId !== userId || token === keep) continue;
      this.endedWhy.set(token, reason);
      this.byToken.delete(token);
    }
  }

  /** Why `token` was ended by endAll or endUser, or null (never issued, signed out, expired). */
  endedReason(token: string | null | undefined): string | null {
    return (token && this.endedWhy.get(token)) || null;
  }
}
