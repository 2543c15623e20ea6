// The administrator's users commands (main/cli/users.ts) on a real register: exit 0 when done, 1 when refused (a weak
// password, the last administrator, an unknown login, no password given), each change audited as the OS user.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { runCli } from '../../main/cli/index.ts';
import { cli } from '../helpers/cli.ts';
import { scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const dir = scratchDir('sr-users-cli-');
const db = path.join(dir, 'register.sqlite');

/** runCli in this process, with SCHOOL_REGISTER_NEW_PASSWORD set to `password` (or unset) for the run. */
async function run(args: string[], password?: string) {
  const out: string[] = [], err: string[] = [];
  const saved = process.env.SCHOOL_REGISTER_NEW_PASSWORD;
  if (password === undefined) delete process.env.SCHOOL_REGISTER_NEW_PASSWORD;
  else process.env.SCHOOL_REGISTER_NEW_PASSWORD = password;
  try {
    const code = await runCli([...args, '--db', db], { out: (s) => out.push(s) > 0, err: (s) => err.push(s) > 0 });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    if (saved === undefined) delete process.env.SCHOOL_REGISTER_NEW_PASSWORD;
    else process.env.SCHOOL_REGISTER_NEW_PASSWORD = saved;
  }
}
const audit = () => {
  const raw = openRegister(db, { create: false });
  try {
    return raw.prepare('SELECT login, method, detail FROM audit_log ORDER BY id').all() as Array<{ login: string; method: string; detail: string }>;
  } finally {
    raw.close();
  }
};

beforeAll(async () => {
  expect((await run(['init'])).code).toBe(0);
});

describe('school-register users …', () => {
  it('add: exit 0 with a good password, 1 with a weak one or none (stdin is not a terminal), the password never printed or audited', async () => {
    const ok = await run(['users', 'add', '--login', 'director', '--name', 'Сидорова Елена Ивановна', '--role', 'admin'], 'director pass 1');
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toBe('Создан пользователь director (Сидорова Елена Ивановна), администратор');
    const weak = await run(['users', 'add', '--login', 'clerk', '--name', 'Иванова Анна', '--role', 'clerk'], '        ');
    expect(weak).toMatchObject({ code: 1, stderr: 'Ошибка: Пароль не может состоять из одних пробелов' });
    const none = await run(['users', 'add', '--login', 'clerk', '--name', 'Иванова Анна', '--role', 'clerk']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/SCHOOL_REGISTER_NEW_PASSWORD/);
    expect(await run(['users', 'add', '--login', 'clerk', '--name', 'Иванова Анна', '--role', 'boss'], 'clerk pass 1')).toMatchObject({ code: 1 });
    expect(await run(['users', 'add', '--login', 'clerk', '--name', 'Иванова Анна', '--role', 'clerk'], 'clerk pass 1')).toMatchObject({ code: 0 });
    const entries = audit();
    expect(entries.map((e) => [e.login.startsWith('cli:'), e.method])).toEqual([[true, 'users.create'], [true, 'users.create']]);
    expect(JSON.stringify(entries)).not.toMatch(/director pass 1|clerk pass 1/);
  });

  it('list, set-role, disable, enable, unlock, reset-password: exit 0, each audited', async () => {
    const list = await run(['users', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ login: string; role: string; disabled: boolean }>).map((u) => [u.login, u.role, u.disabled]))
      .toEqual([['clerk', 'clerk', false], ['director', 'admin', false]]);
    expect(await run(['users', 'set-role', '--login', 'clerk', '--role', 'archivist'])).toMatchObject({ code: 0, stdout: 'clerk: роль — архивариус' });
    expect(await run(['users', 'disable', '--login', 'clerk'])).toMatchObject({ code: 0 });
    expect((await run(['users', 'list'])).stdout).toContain('clerk\tИванова Анна\tархивариус\tотключён');
    expect(await run(['users', 'enable', '--login', 'clerk'])).toMatchObject({ code: 0 });
    expect(await run(['users', 'unlock', '--login', 'clerk'])).toMatchObject({ code: 0 });
    expect(await run(['users', 'reset-password', '--login', 'clerk'], 'new clerk pass 2')).toMatchObject({ code: 0 });
    expect(audit().slice(-5).map((e) => e.method)).toEqual(['users.setRole', 'users.disable', 'users.enable', 'users.unlock', 'users.resetPassword']);
    expect(JSON.stringify(audit())).not.toContain('new clerk pass 2');
  });

  it('refusals exit 1 with one line: the last administrator, an unknown login, a missing flag, a weak reset', async () => {
    for (const [args, password, message] of [
      [['users', 'set-role', '--login', 'director', '--role', 'clerk'], undefined, /«director» — последний действующий администратор/],
      [['users', 'disable', '--login', 'director'], undefined, /последний действующий администратор/],
      [['users', 'unlock', '--login', 'nobody'], undefined, /«nobody» не найден/],
      [['users', 'disable'], undefined, /не указан параметр --login/],
      [['users', 'reset-password', '--login', 'clerk'], 'cccccccccc', /одного повторённого символа/],
      [['users', 'reset-password', '--login', 'clerk'], 'CLERK', /не короче 8 символов/],
    ] as Array<[string[], string | undefined, RegExp]>) {
      const r = await run(args, password);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('as a script runs it (a child process): the exit codes are the process\'s', async () => {
    const ok = await cli('users', 'list', '--db', db);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await cli('users', 'disable', '--login', 'director', '--db', db);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Ошибка: «director» — последний действующий администратор/);
  });
});
