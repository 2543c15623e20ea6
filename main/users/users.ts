// Users and sign-in. The first run creates the admin; roles are checked by the dispatcher on every call.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { Role, User } from '../../preload/contract.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { cleanName } from '../../preload/core/names.ts';
import { nowIso } from '../../preload/core/dates.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

type Row = { id: number; login: string; full_name: string; role: Role; password_hash: string; disabled: number };
const toUser = (r: Row): User => ({ id: r.id, login: r.login, fullName: r.full_name, role: r.role });

export function needsSetup(db: DB): boolean {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n === 0;
}

export function createUser(db: DB, a: { login: string; fullName: string; role: Role; password: string }): User {
  const login = a.login.trim().toLowerCase();
  if (!/^[a-z0-9._-]{1,50}$/.test(login)) throw fieldError('login', 'Логин: латинские буквы, цифры, точка, дефис');
  if (db.prepare('SELECT 1 FROM users WHERE login = ?').get(login)) throw fieldError('login', `Логин «${login}» уже занят`);
  const info = db.prepare('INSERT INTO users (login, full_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(login, cleanName(a.fullName), a.role, hashPassword(a.password), nowIso());
  return getUser(db, Number(info.lastInsertRowid))!;
}

export function setupAdmin(db: DB, a: { login: string; fullName: string; password: string }): User {
  if (!needsSetup(db)) throw new AppError('forbidden', 'Администратор уже создан: войдите под своей учётной записью');
  return createUser(db, { ...a, role: 'admin' });
}

export function getUser(db: DB, id: number): User | null {
  const r = db.prepare('SELECT * FROM users WHERE id = ? AND disabled = 0').get(id) as Row | undefined;
  return r ? toUser(r) : null;
}

export function listUsers(db: DB): User[] {
  return (db.prepare('SELECT * FROM users ORDER BY login').all() as Row[]).map(toUser);
}

export function checkCredentials(db: DB, login: string, password: string): User {
  const r = db.prepare('SELECT * FROM users WHERE login = ? AND disabled = 0').get(login.trim().toLowerCase()) as Row | undefined;
  // Hash even for an unknown login, so timing does not tell which logins exist.
  const ok = r ? verifyPassword(password, r.password_hash) : (verifyPassword(password, dummy()), false);
  if (!r || !ok) throw new AppError('unauthenticated', 'Неверный логин или пароль');
  return toUser(r);
}
// made on first need, not when the module loads (every CLI command loads it; few sign in)
let DUMMY: string | null = null;
const dummy = () => (DUMMY ??= hashPassword(crypto.randomBytes(8).toString('hex')));

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

  /** Why the sessions ended together (the register was replaced), kept so their holders are told why. */
  private endedWhy = new Map<string, string>();

  /** Ends every session at once: the users and their passwords now come from another register file. */
  endAll(reason: string): void {
    for (const token of this.byToken.keys()) this.endedWhy.set(token, reason);
    this.byToken.clear();
  }

  /** Why `token` was ended by endAll, or null (never issued, signed out, expired). */
  endedReason(token: string | null | undefined): string | null {
    return (token && this.endedWhy.get(token)) || null;
  }
}
