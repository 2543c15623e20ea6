// The app in «подключиться к реестру» mode (issue 18), without Electron: the backend its IPC gate calls
// (main/network/remote-backend.ts) against a register really shared over HTTPS on loopback. The window's envelope — its
// session and all — goes to the register computer; a fault of the network comes back as a refusal the screen shows.
// Referees from outside: sqlite3 counts what the register file holds; stat reads the pins file's mode.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, type Client } from '../helpers/register.ts';
import { removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';
import { NetworkError } from '../../main/network/client.ts';
import { PinStore } from '../../main/network/client.ts';
import { connectUrlFrom, openRemoteBackend, type RemoteBackend } from '../../main/network/remote-backend.ts';
import type { NetworkStatus } from '../../preload/contract-network.ts';
import type { Envelope, Result } from '../../preload/contract.ts';
import { freePort } from './helpers.ts';

afterAll(removeScratchDirs);

const CLERK = { login: 'clerk.remote', password: 'удалённый пароль 7' };
let c: Client & { dbPath: string };
let shared: NetworkStatus;
let remote: RemoteBackend | null = null;
const asked: string[] = [];
let pinsFile: string;

const call = (method: string, args: unknown, session: string | null) => remote!.call({ method, args, session } as Envelope, 'ipc');
const sqlCount = (sql: string) => Number(execFileSync('sqlite3', [c.dbPath, sql]).toString().trim());

beforeAll(async () => {
  c = await adminClient(scratchDir());
  await c.call('users.create', { login: CLERK.login, fullName: 'Удалённая Анна Петровна', role: 'clerk', password: CLERK.password });
  shared = await c.call('network.share', { address: '127.0.0.1', port: await freePort(), name: 'localhost' });
  pinsFile = path.join(scratchDir(), 'register-pins.json');
}, 180_000);
afterAll(async () => {
  remote?.close();
  await c?.backend.network.close();
  c?.backend.close();
});

describe('the app connected to a register another computer serves', () => {
  it('a fingerprint the user does not confirm: nothing pinned, nothing sent', async () => {
    const e = await openRemoteBackend({ url: shared.url!, pins: new PinStore(pinsFile), confirm: () => false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).kind).toBe('not_trusted');
    expect(fs.existsSync(pinsFile)).toBe(false);
  });

  it('connects after the user compared the fingerprint the register\'s screen shows; the pin is the user\'s own file', async () => {
    remote = await openRemoteBackend({ url: shared.url!, pins: new PinStore(pinsFile), outcomeWaitMs: 2000, confirm: (fp) => {
      asked.push(fp);
      return fp === shared.fingerprint;
    } });
    expect(asked).toEqual([shared.fingerprint]);
    expect(remote.fingerprint).toBe(shared.fingerprint);
    expect(fs.statSync(pinsFile).mode & 0o777).toBe(0o600);
  });

  it('signs in with the window\'s own session, reads and writes on the register computer; the admin sees the workplace', async () => {
    expect(await call('students.search', { query: '' }, null)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const signIn = await call('auth.signIn', CLERK, null) as Result<{ session: string }>;
    expect(signIn.ok).toBe(true);
    const session = (signIn as { ok: true; value: { session: string } }).value.session;
    const created = await call('students.create', studentInput({ lastName: 'Удалёнкина', firstName: 'Вера', sex: 'Ж' }), session);
    expect(created).toMatchObject({ ok: true, value: { lastName: 'Удалёнкина' } });
    expect(sqlCount("SELECT count(*) FROM students WHERE last_name = 'Удалёнкина'")).toBe(1);
    expect(await call('students.search', { query: 'Удалёнкина' }, session)).toMatchObject({ ok: true, value: { rows: [expect.objectContaining({ fullName: expect.stringMatching(/^Удалёнкина Вера/) })] } });
    // the clerk's rights are the register's: an admin's method refused there
    expect(await call('users.list', {}, session)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const status = await c.call('network.status', {});
    expect(status.workplaces?.map((w) => w.login)).toContain(CLERK.login);
    // a made-up session is the register's to refuse, as any other
    expect(await call('students.search', { query: '' }, 'not-a-session')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('the register stops sharing: the window is told so (a refusal it shows, not a crash), and nothing is written', async () => {
    const before = sqlCount('SELECT count(*) FROM students');
    await c.call('network.stop', {});
    expect(await call('students.search', { query: '' }, 'whatever')).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('Реестр недоступен') } });
    // a command that went out on a connection the register closed: the client cannot know it never arrived, and says so
    const r = await call('students.create', studentInput({ lastName: 'Несохранённый', firstName: 'Пётр', sex: 'М' }), 'whatever');
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/Реестр недоступен|неизвестно, записано ли/) } });
    expect(sqlCount('SELECT count(*) FROM students')).toBe(before);
  });
});

describe('the address to connect to (--connect, SCHOOL_REGISTER_CONNECT)', () => {
  it.each([
    [['--connect=https://192.168.1.10:8443'], {}, 'https://192.168.1.10:8443/'],
    [['--connect', 'https://reg.school.local:8443/path'], {}, 'https://reg.school.local:8443/'],
    [[], { SCHOOL_REGISTER_CONNECT: 'https://10.0.0.5:9000' }, 'https://10.0.0.5:9000/'],
    [[], { SCHOOL_REGISTER_CONNECT: '' }, null],
    [['--db', 'x.sqlite'], {}, null],
  ])('%j %j → %s', (argv, env, want) => expect(connectUrlFrom(argv, env)).toBe(want));

  it.each([['http://192.168.1.10:8443', 'только по https'], ['ftp://192.168.1.10', 'только по https'], ['192.168.1.10:8443', 'нужен вида https://'], ['не адрес', 'не похож на адрес']])('%s is refused: %s', (url, says) => {
    expect(() => connectUrlFrom([`--connect=${url}`], {})).toThrow(says);
  });
});
