// The administrator's commands for accounts: list, add, reset a password, disable/enable, change a role, lift a lock.
// Each is flags → a contract method through dispatch (local-call.ts) → print, audited as the OS user (cli:<name>).
// A new password comes from SCHOOL_REGISTER_NEW_PASSWORD or is asked twice on the terminal, never from a flag (a
// flag stays in the shell's history and in the process list).
import type { DB } from '../../db/connection.ts';
import { ROLES, type Role, type UserAccount } from '../../preload/contract.ts';
import { formatDateTime } from '../../preload/core/dates.ts';
import { localCaller } from './local-call.ts';
import { promptHidden } from './prompt.ts';
import { UsageError } from './usage.ts';

export const USERS_COMMANDS = new Set(['users list', 'users add', 'users reset-password', 'users disable', 'users enable', 'users set-role', 'users unlock']);

export const ROLE_NAMES: Record<Role, string> = { clerk: 'делопроизводитель', archivist: 'архивариус', admin: 'администратор' };

type Io = { out: (s: string) => void; err: (s: string) => void };
type F = Record<string, unknown>;

function need(f: F, name: string): string {
  const v = f[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`не указан параметр --${name}`);
  return v.trim();
}

function role(f: F): Role {
  const r = need(f, 'role');
  if (!(ROLES as readonly string[]).includes(r)) throw new UsageError(`--role: «${r}» — не роль (${ROLES.join(', ')})`);
  return r as Role;
}

/** The new password: SCHOOL_REGISTER_NEW_PASSWORD, else typed twice without echo. */
async function newPassword(login: string): Promise<string> {
  const fromEnv = process.env.SCHOOL_REGISTER_NEW_PASSWORD;
  if (fromEnv != null && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError('новый пароль: задайте SCHOOL_REGISTER_NEW_PASSWORD (ввод с клавиатуры возможен только в терминале)');
  const first = await promptHidden(`Новый пароль для ${login}: `);
  const again = await promptHidden('Ещё раз: ');
  if (first !== again) throw new UsageError('пароли не совпали');
  return first;
}

export function accountState(u: UserAccount): string {
  if (u.disabled) return 'отключён';
  if (u.lockedUntil) return `заблокирован до ${formatDateTime(u.lockedUntil)}`;
  return 'действует';
}

const line = (u: UserAccount) => [u.login, u.fullName, ROLE_NAMES[u.role], accountState(u)].join('\t');

export async function runUsersCommand(cmd: string, f: F, db: DB, io: Io, json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const { call } = localCaller(db);
  switch (cmd) {
    case 'users list': {
      const r = await call('users.list', {});
      print(r, () => r.map(line).join('\n'));
      return 0;
    }
    case 'users add': {
      const login = need(f, 'login');
      const args = { login, fullName: need(f, 'name'), role: role(f) };
      const u = await call('users.create', { ...args, password: await newPassword(login) });
      print(u, () => `Создан пользователь ${u.login} (${u.fullName}), ${ROLE_NAMES[u.role]}`);
      return 0;
    }
    case 'users reset-password': {
      const login = need(f, 'login');
      const u = await call('users.resetPassword', { login, password: await newPassword(login) });
      print(u, () => `${u.login}: пароль изменён; сеансы пользователя завершены, блокировка снята`);
      return 0;
    }
    case 'users disable':
    case 'users enable': {
      const u = await call(cmd === 'users disable' ? 'users.disable' : 'users.enable', { login: need(f, 'login') });
      print(u, () => `${u.login}: ${u.disabled ? 'отключён, его сеансы завершены' : 'снова может входить'}`);
      return 0;
    }
    case 'users set-role': {
      const u = await call('users.setRole', { login: need(f, 'login'), role: role(f) });
      print(u, () => `${u.login}: роль — ${ROLE_NAMES[u.role]}`);
      return 0;
    }
    case 'users unlock': {
      const u = await call('users.unlock', { login: need(f, 'login') });
      print(u, () => `${u.login}: блокировка снята, счётчик неудачных попыток входа обнулён`);
      return 0;
    }
    default:
      throw new UsageError(`неизвестная команда «${cmd}». Справка: school-register --help`);
  }
}
