// The office network (issue 18) over real HTTPS on loopback: the admin's share, what the door refuses, trust on first
// use, and the faults — a wrong pinned certificate, a connection cut mid-save, a flood of sign-ins from one workplace.
// Referees from outside: openssl reads the certificate the server presents and the one kept beside the register;
// sqlite3 counts what was written.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, type Client } from '../helpers/register.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { connectToRegister, NetworkError, PinStore, type RegisterClient } from '../../main/network/client.ts';
import { makeCertificate } from '../../main/network/certificate.ts';
import { networkDir } from '../../main/network/settings.ts';
import { NetworkDoor } from '../../main/host/network.ts';
import type { NetworkStatus } from '../../preload/contract-network.ts';
import type { Envelope } from '../../preload/contract.ts';
import { cuttingProxy, freePort, rawHttps } from './helpers.ts';

afterAll(removeScratchDirs);

const CLERK = { login: 'clerk.net', password: 'сетевой пароль 1' };
let c: Client & { dbPath: string };
let shared: NetworkStatus;
let port: number;
const clients: RegisterClient[] = [];

/** What openssl sees the server present on the port: its SHA-256 fingerprint, as «AB:CD:…» (run aside: the server is in this process). */
async function presentedByOpenssl(p: number): Promise<string> {
  const pem = await new Promise<string>((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${p}`, '-servername', 'localhost'], (e, out) => (e ? reject(e) : resolve(out)));
    child.stdin!.end();
  });
  return execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem }).toString().trim().replace(/^.*Fingerprint=/i, '');
}
const sqlCount = (sql: string) => Number(execFileSync('sqlite3', [c.dbPath, sql]).toString().trim());
const env = (method: string, args: unknown = {}, session: string | null = null): string => JSON.stringify({ method, args, session } satisfies Envelope);

async function workplace(pinsFile: string, url = shared.url!, confirmWith = shared.fingerprint, more: { connections?: number; onNotice?: (m: string) => void } = {}) {
  const asked: string[] = [];
  const client = await connectToRegister({ url, pins: new PinStore(pinsFile), confirm: (fp) => {
    asked.push(fp);
    return fp === confirmWith; // the user compares with the fingerprint on the register computer's screen
  }, ...more });
  clients.push(client);
  return { client, asked };
}

beforeAll(async () => {
  c = await adminClient(scratchDir());
  await c.call('users.create', { login: CLERK.login, fullName: 'Сетевая Ольга Петровна', role: 'clerk', password: CLERK.password });
  port = await freePort();
  shared = await c.call('network.share', { address: '127.0.0.1', port, name: 'localhost' });
}, 180_000);
afterAll(async () => {
  for (const cl of clients) cl.close();
  await c?.backend.network.close();
  c?.backend.close();
});

describe('sharing', () => {
  it('is off until an admin shares; then it listens over HTTPS with its own certificate, kept private beside the register', async () => {
    expect(shared).toMatchObject({ shared: true, url: `https://127.0.0.1:${port}/`, address: '127.0.0.1', port, problem: null });
    expect(shared.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // what the server presents on the wire, and the certificate file beside the register, are what the admin sees
    expect(await presentedByOpenssl(port)).toBe(shared.fingerprint);
    const certFile = path.join(networkDir(c.dbPath), 'cert.pem');
    const onDisk = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).toString().trim().replace(/^.*Fingerprint=/i, '');
    expect(onDisk).toBe(shared.fingerprint);
    expect(execFileSync('openssl', ['pkey', '-in', path.join(networkDir(c.dbPath), 'key.pem'), '-noout', '-text']).toString()).toContain('P-256');
    for (const f of ['key.pem', 'cert.pem', 'settings.json']) expect(fs.statSync(path.join(networkDir(c.dbPath), f)).mode & 0o777, f).toBe(0o600);
    expect(fs.statSync(networkDir(c.dbPath)).mode & 0o777).toBe(0o700);
    // the register says who serves it and where, for the other programs on this computer
    expect(JSON.parse(fs.readFileSync(`${c.dbPath}-served.json`, 'utf8'))).toMatchObject({ pid: process.pid, url: shared.url, fingerprint: shared.fingerprint });
    expect(sqlCount("SELECT count(*) FROM audit_log WHERE method = 'network.share'")).toBe(1);
  });

  it('the state is every role\'s to see; who is connected and the addresses only the admin\'s', async () => {
    const status = await c.call('network.status', {});
    expect(status).toMatchObject({ shared: true, url: shared.url, fingerprint: shared.fingerprint });
    expect(status.addresses).toContain('127.0.0.1');
  });
});

describe('the door', () => {
  it('nothing but sign-in answers without a session; a session issued elsewhere (loopback, IPC) is refused on the network', async () => {
    const noSession = await rawHttps(port, { body: env('students.search', {}) });
    expect(noSession.status).toBe(401);
    expect(noSession.json).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const loopbackSession = await rawHttps(port, { body: env('students.search', {}, c.session) });
    expect(loopbackSession.status).toBe(401);
    const status = await rawHttps(port, { body: env('auth.status') });
    expect(status.json).toMatchObject({ ok: true, value: { needsSetup: false, user: null } });
    // setting up an admin, and opening or closing the share, are decided on the register's own computer
    for (const m of ['auth.setupAdmin', 'network.stop', 'network.share']) {
      const r = await rawHttps(port, { body: env(m, {}) });
      expect(r.status, m).toBe(403);
    }
    expect((await c.call('network.status', {})).shared).toBe(true);
  });

  it('a session is bound to the workplace that signed in: the same token from another address is refused', async () => {
    const signIn = await rawHttps(port, { body: env('auth.signIn', CLERK), from: '127.0.0.1' });
    const session = (signIn.json as { value: { session: string } }).value.session;
    const here = await rawHttps(port, { body: env('students.search', {}, session), from: '127.0.0.1' });
    expect(here.json).toMatchObject({ ok: true });
    const elsewhere = await rawHttps(port, { body: env('students.search', {}, session), from: '127.0.0.2' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json).toMatchObject({ ok: false, error: { code: 'unauthenticated', message: expect.stringContaining('другому рабочему месту') } });
    const admin = await c.call('network.status', {});
    expect(admin.workplaces).toContainEqual(expect.objectContaining({ address: '127.0.0.1', login: CLERK.login }));
  });

  it('a foreign Host (DNS rebinding) → 421, a foreign Origin (CSRF) → 403, a body that is not declared JSON → 415', async () => {
    const body = env('auth.signIn', CLERK);
    expect((await rawHttps(port, { body, headers: { Host: `evil.example:${port}` } })).status).toBe(421);
    expect((await rawHttps(port, { body, headers: { Host: `127.0.0.1:${port + 1}` } })).status).toBe(421);
    expect((await rawHttps(port, { body, headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await rawHttps(port, { body, headers: { Origin: `http://127.0.0.1:${port}` } })).status).toBe(403);
    expect((await rawHttps(port, { body, headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    // the chosen name is ours as well as the address; our own Origin passes
    expect((await rawHttps(port, { body: env('auth.status'), headers: { Host: `localhost:${port}`, Origin: `https://localhost:${port}` } })).status).toBe(200);
  });

  it('a flood of sign-ins from one workplace is throttled there; another workplace still signs in', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 14; i++) {
      const r = await rawHttps(port, { body: env('auth.signIn', { login: `guess${i}`, password: 'не тот пароль' }), from: '127.0.0.3' });
      answers.push((r.json as { error: { message: string } }).error.message);
    }
    expect(answers.slice(0, 10).every((m) => m === 'Неверный логин или пароль')).toBe(true);
    expect(answers.at(-1)).toMatch(/Слишком много неудачных попыток входа с этого места/);
    const other = await rawHttps(port, { body: env('auth.signIn', CLERK), from: '127.0.0.4' });
    expect(other.json).toMatchObject({ ok: true, value: { user: { login: CLERK.login } } });
  }, 120_000);
});

describe('trust on first use', () => {
  it('the first connection asks the user to compare the fingerprint, pins it (private), and the next one does not ask', async () => {
    const pins = path.join(scratchDir(), 'profile', 'pins.json');
    const first = await workplace(pins);
    expect(first.asked).toEqual([shared.fingerprint]);
    expect(fs.statSync(pins).mode & 0o777).toBe(0o600);
    expect(await first.client.signIn(CLERK.login, CLERK.password)).toMatchObject({ ok: true });
    expect(await first.client.call('students.search', {})).toMatchObject({ ok: true });
    const again = await workplace(pins);
    expect(again.asked).toEqual([]);
    expect(await again.client.call('auth.status', {})).toMatchObject({ ok: true });
  });

  it('a fingerprint the user does not confirm: nothing pinned, nothing sent', async () => {
    const pins = path.join(scratchDir(), 'pins.json');
    await expect(workplace(pins, shared.url!, 'AA:BB')).rejects.toMatchObject({ kind: 'not_trusted' });
    expect(fs.existsSync(pins)).toBe(false);
  });

  it('a changed certificate (a wrong pin) is refused loudly with both fingerprints, and not even the sign-in is sent', async () => {
    const pins = path.join(scratchDir(), 'pins.json');
    const other = await makeCertificate({ addresses: ['127.0.0.1'], names: ['localhost'] });
    new PinStore(pins).set(new URL(shared.url!).origin, { fingerprint: other.fingerprint, certPem: other.certPem, pinnedAt: new Date().toISOString() });
    const { client, asked } = await workplace(pins);
    expect(asked).toEqual([]);
    const signInsBefore = sqlCount("SELECT count(*) FROM audit_log WHERE method LIKE 'auth.signIn%'");
    const e = await client.signIn(CLERK.login, CLERK.password).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).kind).toBe('certificate_changed');
    expect((e as Error).message).toContain('Сертификат реестра изменился');
    expect((e as Error).message).toContain(other.fingerprint);
    expect((e as Error).message).toContain(shared.fingerprint!);
    expect(sqlCount("SELECT count(*) FROM audit_log WHERE method LIKE 'auth.signIn%'")).toBe(signInsBefore);
  });
});

describe('a connection cut mid-save', () => {
  // a door of its own, whose backend the test watches: the cut comes when the save has reached the server
  let door: NetworkDoor;
  let proxy: Awaited<ReturnType<typeof cuttingProxy>>;
  let cutOnArrival: string | null = null;
  let url: string;
  beforeAll(async () => {
    const p = await freePort();
    door = new NetworkDoor({ register: () => c.dbPath, backend: { call: (e, t, cl) => {
      if (cutOnArrival && e.method === 'subjects.create' && (e.args as { name?: string }).name === cutOnArrival) proxy.cutAll();
      return c.backend.call(e, t, cl);
    } } });
    // the workplace reaches the server through the proxy at 127.0.0.2 (the name the admin gave), the server at 127.0.0.1
    const st = await door.share({ address: '127.0.0.1', port: p, name: '127.0.0.2' }, 'test');
    proxy = await cuttingProxy(p, { host: '127.0.0.2', port: p });
    url = `https://127.0.0.2:${p}/`;
    expect(st.fingerprint).toBe(shared.fingerprint); // the register's one certificate
  });
  afterAll(async () => {
    await proxy?.close();
    await door?.close();
  });

  const subject = (name: string) => ({ name, shortName: name.slice(0, 10), cityRegisterId: null, federalCode: null });
  const subjects = (name: string) => sqlCount(`SELECT count(*) FROM subjects WHERE name = '${name}'`);

  it('cut after the server got it: the client asks, and says the save was written whole; sent again, it is not written twice', async () => {
    const notices: string[] = [];
    const { client } = await workplace(path.join(scratchDir(), 'pins.json'), url, shared.fingerprint, { connections: 1, onNotice: (m) => notices.push(m) });
    expect(await client.signIn(CLERK.login, CLERK.password)).toMatchObject({ ok: true });
    cutOnArrival = 'Сетевая астрономия';
    const key = 'cut-after-arrival-0001';
    const r = await client.call('subjects.create', subject('Сетевая астрономия'), { key });
    expect(r).toMatchObject({ ok: true, value: { name: 'Сетевая астрономия' } });
    expect(notices.join('\n')).toContain('записано целиком');
    expect(subjects('Сетевая астрономия')).toBe(1);
    cutOnArrival = null;
    const again = await client.call('subjects.create', subject('Сетевая астрономия'), { key });
    expect(again).toEqual(r);
    expect(subjects('Сетевая астрономия')).toBe(1);
    expect(sqlCount("SELECT count(*) FROM audit_log WHERE method = 'subjects.create' AND detail LIKE '%Сетевая астрономия%'")).toBe(1);
    // the key belongs to that command: another one sent with it runs not
    const other = await client.call('staff.create', { lastName: 'Ключевой', firstName: 'Пётр', position: 'Учитель', subjectIds: [] }, { key });
    expect(other).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(sqlCount("SELECT count(*) FROM staff WHERE last_name = 'Ключевой'")).toBe(0);
  });

  it('cut before the server got it: the client says nothing was written; that command never runs later, a new one does', async () => {
    const { client } = await workplace(path.join(scratchDir(), 'pins.json'), url, shared.fingerprint, { connections: 1 });
    expect(await client.signIn(CLERK.login, CLERK.password)).toMatchObject({ ok: true });
    expect(await client.call('auth.status', {})).toMatchObject({ ok: true });
    await expect.poll(() => proxy.open()).toBeGreaterThan(0);
    proxy.holdOpen();
    const key = 'cut-before-arrival-0001';
    const e = await client.call('subjects.create', subject('Сетевая геодезия'), { key }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).kind).toBe('not_saved');
    expect((e as Error).message).toContain('ничего не записано');
    expect(subjects('Сетевая геодезия')).toBe(0);
    // the same command (its key) arriving late is refused; sent anew it is written once
    const late = await client.call('subjects.create', subject('Сетевая геодезия'), { key });
    expect(late).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(subjects('Сетевая геодезия')).toBe(0);
    expect(await client.call('subjects.create', subject('Сетевая геодезия'))).toMatchObject({ ok: true });
    expect(subjects('Сетевая геодезия')).toBe(1);
  });
});
