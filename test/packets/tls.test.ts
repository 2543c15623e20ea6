// The TLS client certificate chosen in the app (issue 6: "an optional TLS client certificate"), over the real
// dispatcher's HTTP transport, against the reference receiver serving HTTPS that demands a client certificate issued by
// a regional CA (https.createServer with requestCert + rejectUnauthorized). Certificates are made by openssl.
//
// The choice is kept in table packet_tls_client (migration 0010; its own invariants: test/db/checks/0010.ts).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { makeFixtures, openssl, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { judgeAnswer } from '../../main/packets/transport.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { tlsClientFromFile } from '../../main/packets/tls-client.ts';
import { packetSchool, waitJob } from './fixtures.ts';

const TLS_PASSWORD = 'тлс-пароль-Школы-1535';
const CLIENT_SUBJECT = 'C=RU, O=ГБОУ Школа № 1535, CN=Школа № 1535 — TLS-клиент';

let fx: Fixtures;
let dir: string;
const file = (f: string) => path.join(dir, f);
const b64 = (f: string) => fs.readFileSync(f).toString('base64');

beforeAll(() => {
  fx = makeFixtures();
  dir = tempDir('sr-mtls-');
  const run = (args: string[]) => {
    const r = openssl(args, dir);
    expect(r.status, r.stderr).toBe(0);
  };
  // The regional CA issues the receiver's server certificate and the school's TLS client certificate.
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-utf8',
    '-subj', '/C=RU/O=Региональный сегмент/CN=УЦ регионального сегмента', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'server.pem', '-extfile', 'server.ext']);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-utf8', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Школа № 1535 — TLS-клиент']);
  fs.writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  run(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'client.pem', '-extfile', 'client.ext']);
  run(['pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-certfile', 'ca.pem', '-out', 'client.p12', '-passout', `pass:${TLS_PASSWORD}`]);
  // The same certificate in the legacy format (RC2/3DES): Node's own PKCS#12 reader refuses it, ours reads it.
  run(['pkcs12', '-export', '-legacy', '-in', 'client.pem', '-inkey', 'client.key', '-out', 'client-legacy.p12', '-passout', `pass:${TLS_PASSWORD}`]);
});
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

type ApiErr = { code: string; message: string; fields?: Record<string, string> };
const err = (r: { ok: boolean }) => (r as { ok: false; error: ApiErr }).error;


/** The receiver over HTTPS, admitting only clients with a certificate issued by the regional CA (or `alsoTrust`). */
async function mtlsReceiver(alsoTrust: string[] = []): Promise<Receiver> {
  const r = await startReceiver({
    port: 0, dataDir: tempDir('sr-mtls-rcv-'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')],
    tls: { certPem: fs.readFileSync(file('server.pem'), 'utf8'), keyPem: fs.readFileSync(file('server.key'), 'utf8'),
      clientCaPem: [fs.readFileSync(file('ca.pem'), 'utf8'), ...alsoTrust].join('\n') },
  });
  open.push(r);
  return r;
}

/** A register with its certificate loaded, the receiver's address and CA set, and one full packet signed. */
async function setup(receiver: Receiver) {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  await packetSchool(c);
  await c.call('packets.loadCertificate', { p12Base64: b64(fx.p12Default), password: PASSWORD });
  await c.call('packets.setEndpoint', { endpoint: receiver.url, caPem: fs.readFileSync(file('ca.pem'), 'utf8'), timeoutMs: 5000 });
  await c.call('packets.build', {});
  await c.call('packets.sign', { password: PASSWORD });
  return c;
}

describe('the TLS client certificate for a receiver that demands mutual TLS', () => {
  it('a separate PKCS#12 with a Cyrillic subject: chosen with its password (subject and validity shown), upload with the right password accepted', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    expect((await c.call('packets.settings', {})).tls).toEqual({ source: 'none', certificate: null });

    expect(err(await c.raw('packets.setTlsCertificate', { source: 'file' }))).toMatchObject({ code: 'validation', fields: { p12Base64: 'Выберите файл TLS-сертификата клиента (.p12, .pfx)' } });
    expect(err(await c.raw('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: 'не тот' })))
      .toMatchObject({ code: 'validation', message: 'Неверный пароль TLS-сертификата клиента', fields: { password: 'Неверный пароль TLS-сертификата клиента' } });
    expect(err(await c.raw('packets.setTlsCertificate', { source: 'file', p12Base64: Buffer.from('не сертификат').toString('base64'), password: TLS_PASSWORD })).message)
      .toBe('TLS-сертификат клиента: Файл не является контейнером PKCS#12 (.p12, .pfx)');
    expect(err(await c.raw('packets.setTlsCertificate', { source: 'file', p12Base64: b64(fx.expiredP12), password: PASSWORD })).message)
      .toBe('TLS-сертификат клиента: Срок действия сертификата истёк: действовал по 01.01.2021');
    expect((await c.call('packets.settings', {})).tls.source).toBe('none'); // nothing kept of the refused ones

    const tls = await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD });
    expect(tls).toMatchObject({ source: 'file', certificate: { subject: CLIENT_SUBJECT, issuer: 'C=RU, O=Региональный сегмент, CN=УЦ регионального сегмента', expired: false } });
    expect(tls.certificate!.daysLeft).toBeGreaterThanOrEqual(29);
    expect((await c.call('packets.settings', {})).tls).toEqual(tls);

    // Kept in the register as the file was (encrypted by its password), beside the signing certificate.
    const db = new Database(c.dbPath, { readonly: true });
    const row = db.prepare('SELECT source, p12, subject FROM packet_tls_client').get() as { source: string; p12: Buffer; subject: string };
    db.close();
    expect(row).toMatchObject({ source: 'file', subject: CLIENT_SUBJECT });
    expect(row.p12.equals(fs.readFileSync(file('client.p12')))).toBe(true);

    const { jobId } = await c.call('packets.upload', { tlsPassword: TLS_PASSWORD });
    const job = await waitJob(c, jobId);
    expect(job).toMatchObject({ state: 'done', result: { pending: 0 } });
    expect((job.result as { accepted: unknown[]; stopped?: string }).accepted).toHaveLength(1);
    expect((job.result as { stopped?: string }).stopped).toBeUndefined();
    expect([...receiver.acceptances().values()]).toEqual([1]);
    expect(receiver.seen()).toMatchObject({ tlsRefused: 0, requests: 1 });
  });

  it('a wrong TLS password is refused before the job starts, naming the TLS certificate; the receiver sees nothing', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD });

    expect(err(await c.raw('packets.upload', { tlsPassword: 'не тот пароль' })))
      .toEqual({ code: 'validation', message: 'Неверный пароль TLS-сертификата клиента', fields: { tlsPassword: 'Неверный пароль TLS-сертификата клиента' } });
    expect(err(await c.raw('packets.upload', {})))
      .toMatchObject({ code: 'validation', fields: { tlsPassword: 'Введите пароль TLS-сертификата клиента' } });
    expect(receiver.seen()).toEqual({ connections: 0, tlsRefused: 0, requests: 0 });
    const list = await c.call('packets.list', {});
    expect(list.rows.map((r) => [r.state, r.attempts])).toEqual([['signed', 0]]);
    // and the right one still goes through afterwards
    const job = await waitJob(c, (await c.call('packets.upload', { tlsPassword: TLS_PASSWORD })).jobId);
    expect((job.result as { accepted: unknown[] }).accepted).toHaveLength(1);
  });

  it('no TLS certificate chosen: the receiver refuses the handshake; the run stops at once with the reason, the packet waits', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    const job = await waitJob(c, (await c.call('packets.upload', {})).jobId);
    const reason = 'приёмник требует TLS-сертификат клиента: выберите его в разделе «TLS-сертификат клиента» на экране «Пакеты»';
    // one round only: retrying with the same settings cannot help, so no backoff of minutes
    expect(job).toMatchObject({ state: 'done', result: { accepted: [], rejected: [], pending: 1, attempts: 1, stopped: reason } });
    expect(receiver.seen()).toMatchObject({ tlsRefused: 1, requests: 0 });
    const [row] = (await c.call('packets.list', {})).rows;
    expect(row).toMatchObject({ state: 'retry', lastError: reason, receipt: null });
    expect(receiver.acceptances().size).toBe(0);
    const audit = await c.call('audit.list', { limit: 1 });
    expect(audit[0].method).toBe('packets.upload');
    expect(JSON.parse(audit[0].detail)).toMatchObject({ args: { tls: 'none' }, result: { pending: 1, stopped: reason } });

    // With the certificate chosen, the waiting packet goes on the next run (same UUID, accepted once).
    await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD });
    const again = await waitJob(c, (await c.call('packets.upload', { tlsPassword: TLS_PASSWORD })).jobId);
    expect((again.result as { accepted: unknown[] }).accepted).toHaveLength(1);
    expect([...receiver.acceptances().values()]).toEqual([1]);
  });

  it("the school's signing certificate as the TLS certificate: its subject shown, its password opens it, accepted", async () => {
    const receiver = await mtlsReceiver([fs.readFileSync(fx.certPem, 'utf8')]);
    const c = await setup(receiver);
    const signing = (await c.call('packets.settings', {})).certificate!;
    const tls = await c.call('packets.setTlsCertificate', { source: 'signing' });
    expect(tls).toEqual({ source: 'signing', certificate: signing });
    expect(tls.certificate!.subject).toBe('C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна');
    expect(err(await c.raw('packets.upload', { tlsPassword: TLS_PASSWORD })).message).toBe('Неверный пароль TLS-сертификата клиента');
    const job = await waitJob(c, (await c.call('packets.upload', { tlsPassword: PASSWORD })).jobId);
    expect((job.result as { accepted: unknown[] }).accepted).toHaveLength(1);
    expect([...receiver.acceptances().values()]).toEqual([1]);
  });

  it('a legacy PKCS#12 (which Node itself cannot read) works as the TLS certificate', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client-legacy.p12')), password: TLS_PASSWORD });
    const job = await waitJob(c, (await c.call('packets.upload', { tlsPassword: TLS_PASSWORD })).jobId);
    expect((job.result as { accepted: unknown[] }).accepted).toHaveLength(1);
  });

  it('batch upload with the signing certificate as TLS: the signing password opens both', async () => {
    const receiver = await mtlsReceiver([fs.readFileSync(fx.certPem, 'utf8')]);
    const c = await setup(receiver);
    const other = await adminClient(tempDir());
    await packetSchool(other);
    other.backend.close();
    await c.call('packets.setTlsCertificate', { source: 'signing' });
    const job = await waitJob(c, (await c.call('packets.upload', { registers: [other.dbPath], password: PASSWORD })).jobId);
    expect(job.result).toMatchObject({ accepted: 1, failed: 0 });
  });

  it('a clerk may not see or change the TLS setting; the backend refuses, the setting stays', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD });
    await c.call('users.create', { login: 'clerk', fullName: 'Секретарь Анна', role: 'clerk', password: 'password-123' });
    const r = await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'password-123' } }, 'http');
    const session = (r as { ok: true; value: { session: string } }).value.session;
    const clerk = (method: string, args: unknown) => c.backend.call({ method, args, session }, 'http');
    for (const args of [{ source: 'none' }, { source: 'signing' }, { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD }]) {
      expect(err(await clerk('packets.setTlsCertificate', args)).code).toBe('forbidden');
    }
    expect(err(await clerk('packets.upload', { tlsPassword: TLS_PASSWORD })).code).toBe('forbidden');
    expect(err(await clerk('packets.settings', {})).code).toBe('forbidden');
    expect((await c.call('packets.settings', {})).tls).toMatchObject({ source: 'file', certificate: { subject: CLIENT_SUBJECT } });
  });

  it('the TLS password is in neither the audit log nor the register file (nor its WAL); switching away drops the file', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    await c.call('packets.setTlsCertificate', { source: 'file', p12Base64: b64(file('client.p12')), password: TLS_PASSWORD });
    expect(err(await c.raw('packets.upload', { tlsPassword: `${TLS_PASSWORD}-не тот` })).code).toBe('validation');
    await waitJob(c, (await c.call('packets.upload', { tlsPassword: TLS_PASSWORD })).jobId);

    const audit = await c.call('audit.list', { limit: 50 });
    const set = audit.find((e) => e.method === 'packets.setTlsCertificate')!;
    expect(JSON.parse(set.detail)).toMatchObject({ args: { source: 'file', password: '***', p12Base64: '***' }, result: { source: 'file', certificate: { subject: CLIENT_SUBJECT } } });
    const upload = audit.find((e) => e.method === 'packets.upload')!;
    expect(JSON.parse(upload.detail)).toMatchObject({ args: { scope: 'all', tls: 'file' }, result: { accepted: [1] } });
    const secrets = [TLS_PASSWORD, PASSWORD].flatMap((p) => [Buffer.from(p, 'utf8'), Buffer.from(p, 'utf16le')]);
    for (const e of audit) for (const s of [TLS_PASSWORD, PASSWORD]) expect(e.detail).not.toContain(s);
    const db = new Database(c.dbPath, { readonly: true });
    const details = (db.prepare('SELECT detail FROM audit_log').pluck().all() as string[]).join('\n');
    db.close();
    expect(details).not.toContain(TLS_PASSWORD);
    expect(details).not.toContain(b64(file('client.p12')).slice(0, 60));
    for (const f of [c.dbPath, `${c.dbPath}-wal`].filter((f) => fs.existsSync(f))) {
      const bytes = fs.readFileSync(f);
      for (const s of secrets) expect(bytes.includes(s), `${path.basename(f)} holds a password`).toBe(false);
    }

    await c.call('packets.setTlsCertificate', { source: 'none' });
    const db2 = new Database(c.dbPath, { readonly: true });
    expect(db2.prepare('SELECT source, p12 FROM packet_tls_client').get()).toEqual({ source: 'none', p12: null });
    db2.close();
  });

  it('the CLI: --client-cert opened as in the app (a wrong SCHOOL_REGISTER_TLS_PASSWORD refused, nothing sent); without it the run stops with the reason', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    c.backend.close();
    const upload = async (password: string | null, ...extra: string[]) => {
      if (password === null) delete process.env.SCHOOL_REGISTER_TLS_PASSWORD;
      else process.env.SCHOOL_REGISTER_TLS_PASSWORD = password;
      try {
        return await cli('packets', 'upload', '--db', c.dbPath, '--endpoint', receiver.url, '--ca', file('ca.pem'), '--all', ...extra);
      } finally {
        delete process.env.SCHOOL_REGISTER_TLS_PASSWORD;
      }
    };
    const wrong = await upload('не тот', '--client-cert', file('client.p12'));
    expect(wrong).toMatchObject({ code: 1, stderr: 'Ошибка: Неверный пароль TLS-сертификата клиента\n' });
    expect(receiver.seen()).toEqual({ connections: 0, tlsRefused: 0, requests: 0 });
    const none = await upload(null);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('Отправка остановлена: приёмник требует TLS-сертификат клиента');
    const ok = await upload(TLS_PASSWORD, '--client-cert', file('client-legacy.p12'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Принято: 1, отклонено: 0, ждут повтора: 0');
    expect(ok.stderr + ok.stdout).not.toContain(TLS_PASSWORD);
    expect([...receiver.acceptances().values()]).toEqual([1]);
  });

  it('a client certificate the receiver does not trust: Node drops the connection after the handshake; the packet waits, with a hint', async () => {
    const receiver = await mtlsReceiver();
    const c = await setup(receiver);
    // the school's signing certificate: self-signed, not issued by the regional CA
    const clientCert = tlsClientFromFile(fs.readFileSync(fx.p12Default), PASSWORD);
    const sum = await uploadPending(c.backend.db, { endpoint: receiver.url, caPem: fs.readFileSync(file('ca.pem'), 'utf8'), clientCert, timeoutMs: 3000 },
      { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 });
    expect(sum).toMatchObject({ accepted: [], rejected: [], pending: 1 });
    expect(receiver.seen()).toMatchObject({ requests: 0 });
    expect(receiver.seen().tlsRefused).toBeGreaterThanOrEqual(1);
    const [row] = (await c.call('packets.list', {})).rows;
    expect(row).toMatchObject({ state: 'retry', lastError: 'соединение разорвано до ответа (если так при каждой попытке — возможно, приёмник не принял TLS-сертификат клиента)' });
  });

  it("a TLS front's 400 page about the client certificate (nginx) stops the run instead of rejecting the packet", () => {
    const page = (text: string) => Buffer.from(`<html><head><title>400 ${text}</title></head><body><center><h1>400 Bad Request</h1></center><center>${text}</center><hr><center>nginx</center></body></html>`);
    for (const text of ['No required SSL certificate was sent', 'The SSL certificate error']) {
      expect(judgeAnswer(400, page(text))).toMatchObject({ kind: 'retry', giveUp: true, error: expect.stringContaining('приёмник не принял TLS-сертификат клиента') });
    }
    // any other 400 page is still the receiver refusing the packet
    expect(judgeAnswer(400, page('Bad Request'))).toMatchObject({ kind: 'rejected', reasons: [{ code: 'http_400' }] });
  });

});
