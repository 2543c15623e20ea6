// The register's server killed while a workplace is connected, and a second program that finds the register served
// (issue 18). The server is a real process (the browser shell's server, main/host/serve.ts) that shares the register
// again at start because the admin left it shared; the workplace is the HTTPS client with its pinned certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminClient } from '../helpers/register.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { cli, ROOT } from '../helpers/cli.ts';
import { openRegister, RegisterOpenError } from '../../db/connection.ts';
import { connectToRegister, NetworkError, PinStore, type RegisterClient } from '../../main/network/client.ts';
import { freePort } from './helpers.ts';

afterAll(removeScratchDirs);

const CLERK = { login: 'clerk.far', password: 'дальний пароль 1' };
let dbPath: string;
let url: string;
let fingerprint: string;
let server: ChildProcess | null = null;
let client: RegisterClient | null = null;

/** Starts the browser shell's server on the register; resolves once it says the register is shared again. */
function startServer(): Promise<ChildProcess> {
  // node itself with tsx's loader (not the tsx wrapper, which would outlive a SIGKILL in a child of its own)
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/host/serve.ts', '--db', dbPath], {
    cwd: ROOT, env: { ...process.env, SCHOOL_REGISTER_HTTP_TOKEN: 'loopback-token-of-the-test-000000000000' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes(`Реестр открыт для сети: ${url}`)) resolve(child);
    });
    child.stdout!.resume();
    child.on('exit', (code) => reject(new Error(`the server left (${code}): ${err}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

beforeAll(async () => {
  const c = await adminClient(scratchDir());
  dbPath = c.dbPath;
  await c.call('users.create', { login: CLERK.login, fullName: 'Дальняя Анна Ивановна', role: 'clerk', password: CLERK.password });
  const shared = await c.call('network.share', { address: '127.0.0.1', port: await freePort() });
  url = shared.url!;
  fingerprint = shared.fingerprint!;
  // the admin's program ends with the share on: the next program to open the register shares it again
  c.backend.close();
  server = await startServer();
}, 120_000);
afterAll(async () => {
  client?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await exited(server);
  }
});

it('a second program finds the register served by another: it says so, with the address to connect to, and opens nothing', async () => {
  let refused: unknown = null;
  try {
    openRegister(dbPath).close();
  } catch (e) {
    refused = e;
  }
  expect(refused).toBeInstanceOf(RegisterOpenError);
  expect((refused as RegisterOpenError).reason).toBe('served');
  expect((refused as Error).message).toContain(url);
  const run = await cli('students', 'list', '--db', dbPath);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('Реестр уже открыт другой программой и открыт для сети');
  expect(run.stderr).toContain(url);
  expect(run.stderr).toContain('подключитесь к реестру по этому адресу');
}, 120_000);

it('killed with a workplace connected: the workplace says the register is unreachable, and works again when it is back', async () => {
  const pins = new PinStore(path.join(scratchDir(), 'pins.json'));
  client = await connectToRegister({ url, pins, confirm: (fp) => fp === fingerprint });
  expect(await client.signIn(CLERK.login, CLERK.password)).toMatchObject({ ok: true });
  expect(await client.call('students.search', {})).toMatchObject({ ok: true });

  server!.kill('SIGKILL');
  await exited(server!);
  const e = await client.call('students.search', {}).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(NetworkError);
  expect((e as NetworkError).kind).toBe('unreachable');
  expect((e as Error).message).toContain(`Реестр недоступен по адресу ${new URL(url).origin}`);

  // back, with the same certificate (kept beside the register): the pin still holds; the sessions were in memory
  server = await startServer();
  expect(await client.call('students.search', {})).toMatchObject({ ok: false, error: { code: 'unauthenticated', message: 'Войдите в систему' } });
  expect(client.session).toBeNull();
  expect(await client.call('auth.status', {})).toMatchObject({ ok: true, value: { needsSetup: false, user: null } });
  expect(await client.signIn(CLERK.login, CLERK.password)).toMatchObject({ ok: true });
  expect(await client.call('students.search', {})).toMatchObject({ ok: true });
}, 120_000);
