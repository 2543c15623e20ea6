// Sealing with the school's certificate: the detached CMS over the canonical JSON is accepted by `openssl cms
// -verify` (the certificate's subject in Cyrillic, the PKCS#12 made by OpenSSL 3 with its defaults and a Cyrillic
// password); a wrong password, an expired certificate and a PKCS#12 without a private key are refused by name with
// nothing written; the password and the PKCS#12 reach neither the audit log nor the stored version.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditableArgs } from '../../main/host/dispatch.ts';
import { count, expectError } from '../helpers/db.ts';
import { CYRILLIC_SUBJECT, makeFixtures, openssl, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { sealingSchool, type SealingSchool } from './sealing-school.ts';

let fx: Fixtures;
beforeAll(() => { fx = makeFixtures(); });
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));

const cert = (file: string, password = PASSWORD) => ({ p12Base64: fs.readFileSync(file).toString('base64'), password });

describe('sealing with a certificate', () => {
  let f: SealingSchool;
  beforeAll(async () => { f = await sealingSchool(); });
  afterAll(() => f.c.backend.close());

  it.each([
    ['a wrong password', () => cert(fx.p12Default, 'not-the-password'), /Неверный пароль сертификата/],
    ['an expired certificate', () => cert(fx.expiredP12), /Срок действия сертификата истёк/],
    ['a PKCS#12 without a private key', () => cert(fx.p12NoKey), /нет закрытого ключа/],
    ['a file that is not PKCS#12', () => ({ p12Base64: Buffer.from('not a certificate').toString('base64'), password: PASSWORD }), /не является контейнером PKCS#12/],
  ])('refuses %s by name and writes nothing', async (_what, certificate, message) => {
    const audit = count(f.c.backend.db, 'audit_log');
    const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: certificate() }), 'validation', 'certificate');
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(PASSWORD);
    const y = expectError(await f.c.raw('ledgers.closeYear', { yearId: f.s.year.id, certificate: certificate() }), 'validation', 'certificate');
    expect(y.message).toMatch(message);
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
    expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
  });

  it('signs the canonical JSON: openssl cms -verify accepts it, the signer is the Cyrillic subject; no secret is kept', async () => {
    const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: cert(fx.p12Default) });
    const row = f.c.backend.db.prepare('SELECT canonical_json, signature, signer FROM ledger_versions WHERE class_id = ?').get(f.s.a.id) as
      { canonical_json: string; signature: Buffer; signer: string };
    expect(row.signer).toBe('C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна');
    expect(CYRILLIC_SUBJECT).toContain('Смирнова Елена Викторовна');
    expect(v.signer).toBe(row.signer);
    // openssl cms -verify -binary -content canonical.json -inform DER -CAfile cert.pem
    const ok = opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json, 'utf8'), fx.certPem);
    expect(ok.stderr).toMatch(/Verification successful/);
    expect(ok.status).toBe(0);
    // The same signature over one changed byte of the JSON is refused by openssl.
    const bad = opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json.replace('"5"', '"4"'), 'utf8'), fx.certPem);
    expect(bad.status).not.toBe(0);
    // openssl's own view of the signer (its subject printed with -nameopt utf8) is the Cyrillic name.
    fs.writeFileSync(path.join(fx.dir, 'ledger.sig'), row.signature);
    fs.writeFileSync(path.join(fx.dir, 'canonical.json'), row.canonical_json);
    expect(openssl(['cms', '-verify', '-binary', '-content', 'canonical.json', '-inform', 'DER', '-in', 'ledger.sig', '-CAfile', fx.certPem,
      '-purpose', 'any', '-signer', 'signer.pem', '-out', '/dev/null'], fx.dir).status).toBe(0);
    const subject = openssl(['x509', '-in', 'signer.pem', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space'], fx.dir);
    expect(subject.stdout.trim()).toBe('subject=C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна');
    expect((await f.c.call('ledgers.verify', { code: v.code })).signatureValid).toBe(true);
    // Neither the password nor the PKCS#12 is anywhere in the register file's audit log.
    const audit = (f.c.backend.db.prepare('SELECT detail FROM audit_log').pluck().all() as string[]).join('\n');
    expect(audit).not.toContain(PASSWORD);
    expect(audit).not.toContain(fs.readFileSync(fx.p12Default).toString('base64').slice(0, 40));
    expect(audit).toContain(v.code);
  });

  it('dispatch would redact the certificate too, were a seal ever audited by it', () => {
    expect(auditableArgs({ classId: 1, certificate: { p12Base64: 'MIIK', password: PASSWORD } })).toEqual({ classId: 1, certificate: { p12Base64: '***', password: '***' } });
  });

  it('the year-end close signs every class with the one certificate, as a job', async () => {
    const { jobId } = await f.c.call('ledgers.closeYear', { yearId: f.s.year.id, certificate: cert(fx.p12Ascii, 'secret') });
    let job = await f.c.call('jobs.status', { id: jobId });
    for (let i = 0; job.state === 'running' && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = await f.c.call('jobs.status', { id: jobId });
    }
    expect(job.state).toBe('done');
    expect(job.result).toMatchObject({ year: '2025/2026', sealed: [{ className: '5Б', version: 1 }], alreadySealed: [{ className: '5А', version: 1 }], skipped: [] });
    expect(job).toMatchObject({ done: 2, total: 2 });
    const row = f.c.backend.db.prepare('SELECT canonical_json, signature FROM ledger_versions WHERE class_id = ?').get(f.s.b.id) as { canonical_json: string; signature: Buffer };
    expect(opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json, 'utf8'), fx.certPem).status).toBe(0);
  });
});
