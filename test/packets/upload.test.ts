// Uploading over real HTTP(S) to the reference receiver (test/regional-segment/server.ts), one test per fault of issue 6:
// wrong password, expired and untrusted certificates, the receiver down, a 500 then success, a timeout or a dropped
// connection after the receiver stored the packet (exactly one acceptance), a packet altered after signing, a gap in the
// sequence, a crash mid-send. The receiver's stored signatures are checked with `openssl cms -verify`.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../main/packets/build.ts';
import { listOutbox, markSending, pendingPackets } from '../../main/packets/outbox.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { backoffMs, sendPacket } from '../../main/packets/transport.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { SigningError } from '../../main/signing/errors.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, openssl, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { packetSchool } from './fixtures.ts';

let fx: Fixtures;
let certPem: string;
beforeAll(() => {
  fx = makeFixtures();
  certPem = fs.readFileSync(fx.certPem, 'utf8');
});
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

type DBT = Client['backend']['db'];
const SURNAMES = ['Новиков', 'Захаров', 'Соколов', 'Морозов', 'Волков', 'Лебедев', 'Козлов', 'Павлов', 'Семёнов', 'Голубев'];
async function registerWithPackets(n = 1) {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  const s = await packetSchool(c);
  const db = c.backend.db;
  db.transaction(() => buildPacket(db))();
  for (let i = 1; i < n; i++) {
    const st = await c.call('students.create', { lastName: SURNAMES[i % SURNAMES.length], firstName: 'Илья', birthDate: '2014-04-04', sex: 'М', docKind: 'passport', docNumber: `10000${i}` });
    await c.call('orders.enrol', { order: { number: `${30 + i}-у`, date: '2025-10-01' }, studentId: st.id, classId: s.a.id, date: '2025-10-02' });
    db.transaction(() => buildPacket(db))();
  }
  return { c, db, ...s };
}
const sign = (db: DBT, p12 = fx.p12Default, password = PASSWORD) => signPackets(db, pkcs12PacketSigner(fs.readFileSync(p12), password));

async function receiver(opts: { trust?: string[]; faults?: string; port?: number } = {}): Promise<Receiver & { dir: string }> {
  const dir = tempDir('sr-receiver-');
  const r = await startReceiver({ port: opts.port ?? 0, dataDir: dir, trustPem: opts.trust ?? [certPem], faults: opts.faults });
  open.push(r);
  return Object.assign(r, { dir });
}
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const lines: string[] = [];
const log = (l: string) => lines.push(l);

describe('signing', () => {
  it('a wrong certificate password is refused by name and nothing is signed', async () => {
    const { db } = await registerWithPackets();
    let err: unknown;
    try {
      await sign(db, fx.p12Default, 'неверный пароль');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SigningError);
    expect((err as SigningError).signingCode).toBe('wrong_password');
    expect((err as Error).message).toBe('Неверный пароль сертификата');
    expect(listOutbox(db)[0]).toMatchObject({ state: 'built', signer: null });
  });

  it('an expired certificate is refused before signing and nothing is signed', async () => {
    const { db } = await registerWithPackets();
    // refused when the certificate is loaded (pkcs12PacketSigner), before any packet is looked at
    await expect(Promise.resolve().then(() => sign(db, fx.expiredP12))).rejects.toThrow(/Срок действия сертификата истёк: действовал по 01.01.2021/);
    expect(listOutbox(db)[0].state).toBe('built');
  });
});

describe('upload to the reference receiver over HTTP', () => {
  it('accepts a full packet and a delta, stores receipts; every stored signature passes openssl cms -verify (Cyrillic subject)', async () => {
    const { db } = await registerWithPackets(2);
    await sign(db);
    const r = await receiver();
    const sum = await uploadPending(db, { endpoint: r.url }, { ...fast, log });
    expect(sum.accepted.map((a) => a.seq)).toEqual([1, 2]);
    const rows = listOutbox(db);
    expect(rows.map((p) => p.state)).toEqual(['accepted', 'accepted']);
    for (const p of rows) {
      expect(p.receipt).toMatchObject({ packetId: p.id, seq: p.seq, sha256: p.sha256, signer: 'C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна' });
      const sig = fs.readFileSync(path.join(r.dir, 'packets', `${p.id}.p7s`));
      const data = fs.readFileSync(path.join(r.dir, 'packets', `${p.id}.json`));
      const v = opensslVerify(fx.dir, sig, data, fx.certPem);
      expect(v.stderr).toContain('Verification successful');
      expect(v.status).toBe(0);
    }
    expect([...r.acceptances().values()]).toEqual([1, 1]);
  });

  it('a certificate the receiver does not trust: rejected, and the reason with the signer is kept in the outbox', async () => {
    const { db } = await registerWithPackets();
    await sign(db, fx.leafP12); // issued by the regional CA; this receiver trusts only another school's certificate
    const r = await receiver();
    const sum = await uploadPending(db, { endpoint: r.url }, fast);
    expect(sum.rejected).toHaveLength(1);
    const row = listOutbox(db)[0];
    expect(row.state).toBe('rejected');
    // the signature carries the CA's certificate from the PKCS#12; the receiver names the link that fails: that root
    expect(row.reasons).toEqual([{ code: 'untrusted_signer', message: 'Цепочка не доходит до доверенного корня: корневой сертификат "Удостоверяющий центр" не входит в число доверенных: C=RU, O=ГБОУ Школа № 1535, CN=Директор Иванов Иван Иванович' }]);
    expect(row.lastError).toContain('не входит в число доверенных');
    expect(r.acceptances().size).toBe(0);
    // the same certificate is accepted by a receiver that trusts its CA: the chain is checked, not just the leaf
    const { db: db2 } = await registerWithPackets();
    await sign(db2, fx.leafP12);
    const trusting = await receiver({ trust: [fs.readFileSync(fx.caCertPem, 'utf8')] });
    expect((await uploadPending(db2, { endpoint: trusting.url }, fast)).accepted).toHaveLength(1);
  });

  it('the receiver down: the packet waits to retry with the reason and a next attempt; it goes once the receiver is up', async () => {
    const { db } = await registerWithPackets();
    await sign(db);
    const port = await freePort();
    const sum = await uploadPending(db, { endpoint: `http://127.0.0.1:${port}/packets` }, { ...fast, maxAttempts: 3, log });
    expect(sum).toMatchObject({ accepted: [], rejected: [], pending: 1, attempts: 3 });
    const waiting = listOutbox(db)[0];
    expect(waiting).toMatchObject({ state: 'retry', attempts: 3, lastError: 'приёмник недоступен (соединение отклонено)' });
    expect(Date.parse(waiting.nextAttemptAt!)).toBeGreaterThan(Date.parse(waiting.createdAt));
    const r = await receiver({ port });
    const again = await uploadPending(db, { endpoint: r.url }, fast);
    expect(again.accepted).toHaveLength(1);
    expect(listOutbox(db)[0]).toMatchObject({ state: 'accepted', attempts: 4, lastError: null });
  });

  it('a 500 and then success: retried with backoff, accepted once', async () => {
    const { db } = await registerWithPackets();
    await sign(db);
    const r = await receiver({ faults: '500:2' });
    const sum = await uploadPending(db, { endpoint: r.url }, { ...fast, log });
    expect(sum).toMatchObject({ attempts: 3, pending: 0 });
    expect(sum.accepted).toHaveLength(1);
    expect(listOutbox(db)[0]).toMatchObject({ state: 'accepted', attempts: 3 });
    expect([...r.acceptances().values()]).toEqual([1]);
  });

  it('a timeout after the receiver stored the packet: resent with the same Idempotency-Key, exactly one acceptance', async () => {
    const { db } = await registerWithPackets(2);
    await sign(db);
    const r = await receiver({ faults: 'timeout-after-store,drop-after-store' });
    const sum = await uploadPending(db, { endpoint: r.url, timeoutMs: 400 }, { ...fast, log, window: 1 });
    // packet 1: stored, no answer (timeout) → resent: connection dropped after the (already stored) packet → resent:
    // the stored receipt. Packet 2 goes through at once.
    expect(sum.accepted.map((a) => [a.seq, a.duplicate])).toEqual([[1, true], [2, false]]);
    expect(sum.attempts).toBe(4);
    expect(listOutbox(db).find((p) => p.seq === 1)).toMatchObject({ attempts: 3 });
    expect(lines.some((l) => l.includes('приёмник не ответил вовремя'))).toBe(true);
    expect(lines.some((l) => l.includes('соединение разорвано до ответа'))).toBe(true);
    const acc = r.acceptances();
    expect(acc.size).toBe(2);
    expect([...acc.values()]).toEqual([1, 1]);
    for (const p of listOutbox(db)) expect(p.state).toBe('accepted');
  });

  it('pipelined (several packets in flight on one connection) through a 500, a timeout and a drop after storing: all accepted once, in order', async () => {
    const { db } = await registerWithPackets(6);
    await sign(db);
    // round 1: packet 1 gets a 500 (2–4 are refused as a gap); round 2: packet 1 is stored but never answered, 2 and 3
    // go through, 4 is stored and the connection dropped; round 3: 1–4 again, answered with their receipts; then 5, 6
    const r = await receiver({ faults: '500,pass:3,timeout-after-store,pass:2,drop-after-store' });
    const sum = await uploadPending(db, { endpoint: r.url, timeoutMs: 500 }, { ...fast, log, window: 4 });
    expect(sum.rejected).toEqual([]);
    expect(sum.pending).toBe(0);
    expect(sum.accepted.map((a) => [a.seq, a.duplicate])).toEqual([[1, true], [2, true], [3, true], [4, true], [5, false], [6, false]]);
    expect(sum.attempts).toBe(4 + 4 + 4 + 2);
    expect(listOutbox(db).every((p) => p.state === 'accepted' && p.receipt !== null)).toBe(true);
    // behind the 500, the receiver refused packet 2 as a gap: that waited for packet 1 instead of being rejected
    expect(lines.some((l) => l.includes('ждёт пакет перед ним'))).toBe(true);
    const acc = r.acceptances();
    expect(acc.size).toBe(6);
    expect([...acc.values()].every((n) => n === 1)).toBe(true);
    const seqs = fs.readFileSync(path.join(r.dir, 'accepted.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a packet altered after signing is rejected by the receiver (digest mismatch) and not stored', async () => {
    const { db } = await registerWithPackets();
    await sign(db);
    const r = await receiver();
    const p = pendingPackets(db)[0];
    const altered = { ...p, canonicalJson: p.canonicalJson.replace('"Орлова"', '"Орлов"') };
    expect(altered.canonicalJson).not.toBe(p.canonicalJson);
    const out = await sendPacket({ endpoint: r.url }, altered);
    expect(out).toMatchObject({ kind: 'rejected', status: 422, reasons: [{ code: 'digest_mismatch', message: expect.stringContaining('Данные изменены после подписания') }] });
    expect(fs.existsSync(path.join(r.dir, 'packets', `${p.id}.json`))).toBe(false);
    // the packet as signed still goes through
    expect((await sendPacket({ endpoint: r.url }, p)).kind).toBe('accepted');
  });

  it('the receiver enforces the sequence: a gap is rejected with its reason', async () => {
    const { db } = await registerWithPackets(2);
    await sign(db);
    const r = await receiver();
    const [, second] = pendingPackets(db);
    const out = await sendPacket({ endpoint: r.url }, second);
    expect(out).toMatchObject({ kind: 'rejected', reasons: [{ code: 'sequence_gap', message: 'Пропуск в последовательности: ожидался пакет № 1, пришёл № 2' }] });
  });

  it('after a crash mid-send the packet resumes: sent again with its UUID, accepted exactly once', async () => {
    const { db } = await registerWithPackets();
    await sign(db);
    const r = await receiver();
    const p = pendingPackets(db)[0];
    // the receiver got and stored it, then the program died before writing the answer down
    markSending(db, p.id, new Date());
    expect((await sendPacket({ endpoint: r.url }, p)).kind).toBe('accepted');
    expect(listOutbox(db)[0].state).toBe('sending');
    const sum = await uploadPending(db, { endpoint: r.url }, fast);
    expect(sum.accepted).toEqual([expect.objectContaining({ id: p.id, duplicate: true })]);
    expect(listOutbox(db)[0]).toMatchObject({ state: 'accepted', attempts: 2 });
    expect([...r.acceptances().values()]).toEqual([1]);
  });

  it('a timeout before storing and a dropped connection: retried, accepted once', async () => {
    const { db } = await registerWithPackets();
    await sign(db);
    const r = await receiver({ faults: 'timeout,drop' });
    const sum = await uploadPending(db, { endpoint: r.url, timeoutMs: 300 }, { ...fast, log });
    expect(sum).toMatchObject({ attempts: 3, pending: 0 });
    expect(sum.accepted).toEqual([expect.objectContaining({ duplicate: false })]);
    expect([...r.acceptances().values()]).toEqual([1]);
  });

  it('the receiver validates too: a signed packet its schema refuses is rejected with the JSON pointer', async () => {
    const { db } = await registerWithPackets();
    const r = await receiver();
    const p = JSON.parse((db.prepare('SELECT canonical_json FROM packets').get() as { canonical_json: string }).canonical_json);
    p.students[0].sex = 'X';
    const json = canonicalJson(p);
    const signature = await pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD).sign(Buffer.from(json));
    const out = await sendPacket({ endpoint: r.url }, { id: p.header.id, canonicalJson: json, signature });
    expect(out).toMatchObject({ kind: 'rejected', reasons: [{ code: 'schema_invalid', message: expect.stringMatching(/^\/students\/0\/sex: значение не из списка/) }] });
  });

  it('cancelled mid-upload: stops at the next packet, nothing half-done; the next run sends the rest once', async () => {
    const { db } = await registerWithPackets(4);
    await sign(db);
    const r = await receiver({ faults: 'slow=150' });
    const abort = new AbortController();
    const run = uploadPending(db, { endpoint: r.url }, { ...fast, window: 1 }, progressTo((done) => {
      if (done === 1) abort.abort();
    }, abort.signal));
    await expect(run).rejects.toThrow('Операция отменена');
    const after = listOutbox(db).map((p) => p.state);
    expect(after.filter((s) => s === 'accepted')).toHaveLength(1);
    expect(after.filter((s) => s === 'signed')).toHaveLength(3);
    const rest = await uploadPending(db, { endpoint: r.url }, fast);
    expect(rest.accepted.map((a) => a.seq)).toEqual([2, 3, 4]);
    expect([...r.acceptances().values()]).toEqual([1, 1, 1, 1]);
  });

  it('a restarted receiver still knows what it accepted (its log holds the packets): a resend gets the receipt, the chain goes on', async () => {
    const { db } = await registerWithPackets(2);
    await sign(db);
    const [p1, p2] = pendingPackets(db);
    const dataDir = tempDir('sr-receiver-');
    const first = await startReceiver({ port: 0, dataDir, trustPem: [certPem] });
    const receipt = await sendPacket({ endpoint: first.url }, p1);
    await first.close();
    const line = JSON.parse(fs.readFileSync(path.join(dataDir, 'accepted.jsonl'), 'utf8').trim());
    expect(line).toMatchObject({ packetId: p1.id, packet: p1.canonicalJson, signature: p1.signature.toString('base64') });
    const again = await startReceiver({ port: 0, dataDir, trustPem: [certPem] });
    open.push(again);
    const resent = await sendPacket({ endpoint: again.url }, p1);
    expect(resent).toMatchObject({ kind: 'accepted', receipt: { duplicate: true, receiptId: (receipt as { receipt: { receiptId: string } }).receipt.receiptId } });
    expect(await sendPacket({ endpoint: again.url }, p2)).toMatchObject({ kind: 'accepted', receipt: { seq: 2 } });
    expect([...again.acceptances().values()]).toEqual([1, 1]);
  });

  it('logs name packets by number and UUID only: no personal data, no password, no signature bytes', () => {
    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('\n');
    for (const secret of ['Орлова', 'Ёлкин', '11223344595', PASSWORD, 'MII']) expect(all).not.toContain(secret);
  });

  it('backoff doubles per attempt, with jitter between half and all of the step, capped', () => {
    const lo = () => 0;
    const hi = () => 1;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, { baseMs: 1000, maxMs: 60_000 }, lo))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((a) => backoffMs(a, { baseMs: 1000, maxMs: 60_000 }, hi))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30, { baseMs: 1000, maxMs: 60_000 }, hi)).toBe(60_000);
  });
});

describe('HTTPS', () => {
  it('trusts the given CA and presents a TLS client certificate; without the CA the server is not trusted', async () => {
    const dir = tempDir('sr-tls-');
    open.push({ close: () => fs.rmSync(dir, { recursive: true, force: true }) });
    const run = (args: string[]) => expect(openssl(args, dir).status).toBe(0);
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.pem', '-days', '30', '-subj', '/CN=Региональный сегмент', '-utf8', '-addext', 'subjectAltName=IP:127.0.0.1']);
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.pem', '-days', '30', '-subj', '/CN=Школа 1535 TLS', '-utf8']);
    run(['pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-out', 'client.p12', '-passout', 'pass:tls-пароль']);
    const serverPem = fs.readFileSync(path.join(dir, 'server.pem'), 'utf8');
    const r = await startReceiver({ port: 0, dataDir: path.join(dir, 'data'), trustPem: [certPem],
      tls: { certPem: serverPem, keyPem: fs.readFileSync(path.join(dir, 'server.key'), 'utf8'), clientCaPem: fs.readFileSync(path.join(dir, 'client.pem'), 'utf8') } });
    open.push(r);
    expect(r.url).toMatch(/^https:/);
    const { db } = await registerWithPackets();
    await sign(db);
    const p = pendingPackets(db)[0];
    const clientCert = { pfx: fs.readFileSync(path.join(dir, 'client.p12')), passphrase: 'tls-пароль' };
    expect(await sendPacket({ endpoint: r.url, clientCert }, p)).toMatchObject({ kind: 'retry', error: expect.stringContaining('сертификат сервера приёмника не доверен') });
    expect(await sendPacket({ endpoint: r.url, caPem: serverPem }, p)).toMatchObject({ kind: 'retry' }); // no client certificate: the handshake fails
    const sum = await uploadPending(db, { endpoint: r.url, caPem: serverPem, clientCert }, fast);
    expect(sum.accepted).toHaveLength(1);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
