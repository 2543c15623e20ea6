// Trusted time on a seal (CAdES-T), through the API against the reference TSA (test/tsa/server.ts): the stored CMS
// carries the TSA's token, `openssl cms -verify` still accepts it and `openssl ts -verify` accepts the token over the
// signature value; ledgers.verify reports the TSA's time. Each TSA failure — down, garbage, HTTP 500, a token signed
// by an untrusted TSA, a token for another imprint — with «refuse» seals nothing and writes nothing (the message names
// the TSA's address), and with «without_time» seals and says «без штампа времени» with the reason.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTimestampToken } from '../../main/signing/timestamp.ts';
import { count, expectError } from '../helpers/db.ts';
import { makeFixtures, openssl, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startTsa, type ReferenceTsa, type TsaFault } from '../tsa/server.ts';
import { sealingSchool, type SealingSchool } from './sealing-school.ts';

let fx: Fixtures;
let tsa: ReferenceTsa;
let f: SealingSchool;
beforeAll(async () => {
  fx = makeFixtures();
  tsa = await startTsa();
  f = await sealingSchool();
}, 120_000);
afterAll(async () => {
  f?.c.backend.close();
  await tsa?.close();
  fs.rmSync(fx.dir, { recursive: true, force: true });
});

const certificate = () => ({ p12Base64: fs.readFileSync(fx.p12Default).toString('base64'), password: PASSWORD });
const tsaInput = (onFailure: 'refuse' | 'without_time') => ({ url: tsa.url, trustedCertsPem: [tsa.caPem], onFailure });
const stored = (classId: number) => f.c.backend.db.prepare('SELECT version, sha256, canonical_json, signature FROM ledger_versions WHERE class_id = ? ORDER BY version DESC LIMIT 1')
  .get(classId) as { version: number; sha256: string; canonical_json: string; signature: Buffer };
const signatureValue = (cms: Buffer) => Buffer.from(new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(cms)).content })
  .signerInfos[0].signature.valueBlock.valueHexView);
const lastAudit = () => f.c.backend.db.prepare("SELECT detail FROM audit_log WHERE method = 'ledgers.seal' ORDER BY id DESC LIMIT 1").pluck().get() as string;
/** Reopens a sealed class (a correction by order), so that it can be sealed again. */
const reopen = (classId: number) => f.c.call('ledgers.correct', { classId, reason: 'проверка штампа времени', orderNumber: '9-к', orderDate: '2026-06-10' });

describe('a seal with trusted time', () => {
  it('carries the TSA token: openssl accepts the CMS and the token; ledgers.verify reports the TSA time', async () => {
    const before = Date.now();
    const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: certificate(), tsa: tsaInput('refuse') });
    expect(v.timestamp).toMatchObject({ tsa: 'Эталонная служба времени TSA', trusted: true });
    expect(Math.abs(Date.parse(v.timestamp!.time) - before)).toBeLessThan(120_000);
    expect(v.timestampFailure).toBeUndefined();
    const row = stored(f.s.a.id);
    const cms = opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json, 'utf8'), fx.certPem);
    expect(cms.stderr).toMatch(/Verification successful/);
    expect(cms.status).toBe(0);
    fs.writeFileSync(path.join(fx.dir, 'seal-token.der'), extractTimestampToken(row.signature)!);
    const digest = crypto.createHash('sha256').update(signatureValue(row.signature)).digest('hex');
    const ts = openssl(['ts', '-verify', '-token_in', '-in', 'seal-token.der', '-digest', digest, '-CAfile', tsa.caFile], fx.dir);
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
    expect(ts.status).toBe(0);
    expect(JSON.parse(lastAudit()).timestamp).toEqual(v.timestamp);

    const code = v.code;
    const r = await f.c.call('ledgers.verify', { code, tsaTrustedCertsPem: [tsa.caPem] });
    expect(r).toMatchObject({ sealed: true, signatureValid: true, timestamp: v.timestamp, timestampProblem: null });
    // without the TSA's CA the time is shown as not checked for trust; under another TSA's CA it is refused by name
    expect((await f.c.call('ledgers.verify', { code })).timestamp).toMatchObject({ time: v.timestamp!.time, trusted: false });
    const other = await f.c.call('ledgers.verify', { code, tsaTrustedCertsPem: [tsa.untrustedCaPem] });
    expect(other.timestamp).toBeNull();
    expect(other.timestampProblem).toMatch(/нет доверия/);
  }, 60_000);

  it('a seal without a TSA verifies as «без штампа времени»: timestamp null, no problem', async () => {
    const v = await f.c.call('ledgers.seal', { classId: f.s.b.id, certificate: certificate() });
    expect(v.timestamp).toBeUndefined();
    const r = await f.c.call('ledgers.verify', { code: v.code, tsaTrustedCertsPem: [tsa.caPem] });
    expect(r).toMatchObject({ sealed: true, signatureValid: true, timestamp: null, timestampProblem: null });
    await reopen(f.s.b.id);
  }, 60_000);

  it('a TSA without a certificate to sign with is refused, nothing written', async () => {
    const versions = count(f.c.backend.db, 'ledger_versions');
    const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.b.id, tsa: tsaInput('refuse') }), 'validation', 'tsa');
    expect(e.message).toMatch(/укажите сертификат школы/);
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(versions);
  });

  const FAULTS: Array<[TsaFault, RegExp]> = [
    ['down', /недоступна: соединение отклонено/],
    ['garbage', /не ответ RFC 3161/],
    ['http500', /ошибкой HTTP 500/],
    ['untrusted', /«Чужая служба времени TSA», которому нет доверия/],
    ['wrong-imprint', /для другого документа/],
  ];

  it.each(FAULTS)('a TSA that is %s, with «refuse»: nothing sealed, nothing written, the TSA named', async (fault, message) => {
    const versions = count(f.c.backend.db, 'ledger_versions');
    const audit = count(f.c.backend.db, 'audit_log');
    await tsa.setFault(fault);
    try {
      const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.b.id, certificate: certificate(), tsa: tsaInput('refuse') }), 'validation', 'tsa');
      expect(e.message).toContain(tsa.url);
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/\. Ведомость класса 5Б не запечатана$/);
    } finally {
      await tsa.setFault(null);
    }
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(versions);
    expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
  }, 60_000);

  it.each(FAULTS)('a TSA that is %s, with «without_time»: sealed, and it says «без штампа времени» and why', async (fault, message) => {
    const before = stored(f.s.b.id).version;
    await tsa.setFault(fault);
    let v;
    try {
      v = await f.c.call('ledgers.seal', { classId: f.s.b.id, certificate: certificate(), tsa: tsaInput('without_time') });
    } finally {
      await tsa.setFault(null);
    }
    expect(v.version).toBe(before + 1);
    expect(v.timestamp).toBeNull();
    expect(v.timestampFailure).toContain(tsa.url);
    expect(v.timestampFailure).toMatch(message);
    const detail = JSON.parse(lastAudit());
    expect(detail.timestamp).toBeNull();
    expect(detail.timestampFailure).toBe(v.timestampFailure);
    const row = stored(f.s.b.id);
    expect(extractTimestampToken(row.signature)).toBeNull();
    expect(opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json, 'utf8'), fx.certPem).status).toBe(0);
    const r = await f.c.call('ledgers.verify', { code: v.code, tsaTrustedCertsPem: [tsa.caPem] });
    expect(r).toMatchObject({ sealed: true, signatureValid: true, timestamp: null, timestampProblem: null });
    await reopen(f.s.b.id);
  }, 60_000);

  it('the year-end close stamps each class it seals; a failing TSA with «refuse» fails the job and seals nothing more', async () => {
    const waitJob = async (id: string) => {
      for (;;) {
        const j = await f.c.call('jobs.status', { id });
        if (j.state !== 'running') return j;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const versions = count(f.c.backend.db, 'ledger_versions');
    await tsa.setFault('untrusted');
    try {
      const failed = await waitJob((await f.c.call('ledgers.closeYear', { yearId: f.s.year.id, certificate: certificate(), tsa: tsaInput('refuse') })).jobId);
      expect(failed.state).toBe('failed');
      expect(failed.message).toMatch(/нет доверия.*\. Ведомость класса 5Б не запечатана/);
    } finally {
      await tsa.setFault(null);
    }
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(versions);
    const done = await waitJob((await f.c.call('ledgers.closeYear', { yearId: f.s.year.id, certificate: certificate(), tsa: tsaInput('refuse') })).jobId);
    expect(done.state).toBe('done');
    expect((done.result as { sealed: Array<{ className: string }> }).sealed.map((x) => x.className)).toEqual(['5Б']);
    expect(extractTimestampToken(stored(f.s.b.id).signature)).not.toBeNull();
    expect(JSON.parse(lastAudit()).timestamp).toMatchObject({ tsa: 'Эталонная служба времени TSA', trusted: true });
  }, 60_000);
});
