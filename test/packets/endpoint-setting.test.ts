// A wrong receiver address is a setting to fix, not the packet's fault (issue 16): over real HTTP against the reference
// receiver, an address without its path (HTTP 404 from the receiver, or from a web server in front of it) and an address
// nobody answers at leave the packet waiting, and the summary says first that nothing was accepted and why, naming the
// «Адрес приёмника» setting and the address. Fixing the address sends it.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../main/packets/build.ts';
import { listOutbox } from '../../main/packets/outbox.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { judgeAnswer } from '../../main/packets/transport.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { packetSchool, waitJob } from './fixtures.ts';
import { cli } from '../helpers/cli.ts';

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

async function signedPacket(): Promise<{ c: Client & { dbPath: string }; db: Client['backend']['db'] }> {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  await packetSchool(c);
  const db = c.backend.db;
  db.transaction(() => buildPacket(db))();
  await signPackets(db, pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD));
  return { c, db };
}
async function receiver(faults?: string): Promise<Receiver> {
  const r = await startReceiver({ port: 0, dataDir: tempDir('sr-receiver-'), trustPem: [certPem], faults });
  open.push(r);
  return r;
}
const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(port));
  });
});
const fast = { baseDelayMs: 5, maxDelayMs: 20 };

describe('the receiver address as a setting', () => {
  it('an address without its path (the receiver answers 404): the packet waits, the run stops at once and says which setting', async () => {
    const { db } = await signedPacket();
    const r = await receiver();
    const root = r.url.replace(/\/packets$/, '/');
    const sum = await uploadPending(db, { endpoint: root }, fast);
    expect(sum).toMatchObject({ accepted: [], rejected: [], pending: 1, attempts: 1 });
    expect(sum.reason).toMatch(/^пакет ждёт отправки: по этому адресу приёмника пакетов нет \(HTTP 404\)/);
    expect(sum.reason).toContain(`«Адрес приёмника» на экране «Пакеты» (сейчас ${root})`);
    expect(listOutbox(db)[0]).toMatchObject({ state: 'retry', reasons: null });
    expect(r.acceptances().size).toBe(0);
    // the address fixed, the same packet goes
    const again = await uploadPending(db, { endpoint: r.url }, fast);
    expect(again.accepted).toHaveLength(1);
    expect(again.reason).toBeUndefined();
    expect(listOutbox(db)[0].state).toBe('accepted');
  });

  it('a web server in front without the path (its own HTML 404 page, the receiver\'s 404 fault): the same', async () => {
    const { db } = await signedPacket();
    const r = await receiver('404');
    const sum = await uploadPending(db, { endpoint: r.url }, fast);
    expect(sum).toMatchObject({ accepted: [], rejected: [], pending: 1 });
    expect(sum.stopped).toContain('HTTP 404');
    expect(listOutbox(db)[0].state).toBe('retry');
    expect((await uploadPending(db, { endpoint: r.url }, fast)).accepted).toHaveLength(1);
  });

  it('nobody answers at the address: retried, then waiting, with the setting and the address named first', async () => {
    const { db } = await signedPacket();
    const endpoint = `http://127.0.0.1:${await freePort()}/packets`;
    const sum = await uploadPending(db, { endpoint }, { ...fast, maxAttempts: 2 });
    expect(sum).toMatchObject({ accepted: [], rejected: [], pending: 1, attempts: 2 });
    expect(sum.reason).toBe(`пакет ждёт отправки: приёмник недоступен (соединение отклонено): проверьте настройку «Адрес приёмника» на экране «Пакеты» (сейчас ${endpoint})`);
    expect(listOutbox(db)[0].state).toBe('retry');
  });

  it('a packet the receiver refuses on its merits is still rejected, and the summary says so first', async () => {
    const { db } = await signedPacket();
    const other = await startReceiver({ port: 0, dataDir: tempDir('sr-receiver-'), trustPem: [fs.readFileSync(fx.caCertPem, 'utf8')] });
    open.push(other);
    const sum = await uploadPending(db, { endpoint: other.url }, fast);
    expect(sum.rejected).toHaveLength(1);
    expect(sum.reason).toMatch(/^пакет № 1 отклонён приёмником: Цепочка не доходит до доверенного корня: корневой сертификат "Смирнова Елена Викторовна" не входит в число доверенных/);
  });

  it('405 and 410 read the same as 404; 400 and 422 stay rejections', () => {
    for (const status of [404, 405, 410]) expect(judgeAnswer(status, Buffer.from(''), 'https://r.example/'), String(status)).toMatchObject({ kind: 'retry', giveUp: true, endpoint: true });
    expect(judgeAnswer(422, Buffer.from(JSON.stringify({ status: 'rejected', reasons: [{ code: 'schema_invalid', message: 'x' }] })))).toMatchObject({ kind: 'rejected' });
  });

  it('the upload job over dispatch: nothing to send is refused before any job, as «Нет пакетов к отправке»', async () => {
    const { c } = await signedPacket();
    const r = await receiver();
    await c.call('packets.setEndpoint', { endpoint: r.url.replace(/\/packets$/, '/') });
    const started = await c.call('packets.upload', { scope: 'all' });
    const job = await waitJob(c, started.jobId);
    expect(job).toMatchObject({ state: 'done', result: { accepted: [], pending: 1 } });
    expect((job.result as { reason: string }).reason).toContain('«Адрес приёмника»');
    await c.call('packets.setEndpoint', { endpoint: r.url });
    const sent = await waitJob(c, (await c.call('packets.upload', { scope: 'all' })).jobId);
    expect(sent).toMatchObject({ state: 'done', result: { accepted: [{ seq: 1 }] } });
    const nothing = await c.raw('packets.upload', { scope: 'all' });
    expect(nothing).toMatchObject({ ok: false, error: { code: 'validation', message: 'Нет пакетов к отправке: соберите и подпишите пакет' } });
  });

  it('the command line says first that nothing was accepted and why, and exits 1; fixed, it sends', async () => {
    const { c } = await signedPacket();
    const file = c.dbPath;
    c.backend.close();
    const r = await receiver();
    const root = r.url.replace(/\/packets$/, '/');
    const up = await cli('packets', 'upload', '--db', file, '--endpoint', root);
    expect(up.code).toBe(1);
    expect(up.stdout.split('\n')[0]).toBe(`Ничего не принято: пакет ждёт отправки: по этому адресу приёмника пакетов нет (HTTP 404): проверьте настройку «Адрес приёмника» на экране «Пакеты» (сейчас ${root})`);
    expect(up.stdout).toContain('Принято: 0, отклонено: 0, ждут повтора: 1');
    const ok = await cli('packets', 'upload', '--db', file, '--endpoint', r.url);
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toContain('Ничего не принято');
  }, 120_000);
});
