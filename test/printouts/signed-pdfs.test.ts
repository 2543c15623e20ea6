// The PDFs themselves signed (issue 14): a ledger sealed with a certificate keeps a detached CMS over its PDF
// (ledgers.pdfSignature, `ledger print --version N` writes ФАЙЛ.pdf.p7s), and an admin signs a certified printout
// (printouts.sign, `print … --cert`), once. Referee: `openssl cms -verify -binary -content ФАЙЛ.pdf` against the CA
// (RSA through an intermediate; GOST R 34.10-2012 with the GOST engine, through its intermediate to the root).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGostTools } from '../../main/signing/openssl-gost.ts';
import { cli } from '../helpers/cli.ts';
import { expectError } from '../helpers/db.ts';
import { GOST_PASSWORD, gostVerify, makeGostPki, type GostPki } from '../helpers/gost-pki.ts';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';
import { makeFixtures, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
}, 120_000);
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
});

const leaf = () => ({ p12Base64: fs.readFileSync(fx.leafP12).toString('base64'), password: PASSWORD });
const b64 = (s: string) => Buffer.from(s, 'base64');

describe('signed PDFs, RSA through an intermediate', () => {
  it('a ledger sealed with a certificate: its PDF\'s signature passes openssl against the CA; an altered PDF does not; `ledger print --version` writes it beside the PDF', async () => {
    const f: SealingSchool = await sealingSchool();
    const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: leaf() });
    const pdf = b64((await f.c.call('ledgers.print', { classId: f.s.a.id, version: v.version, format: 'pdf' })).dataBase64);
    const sig = await f.c.call('ledgers.pdfSignature', { classId: f.s.a.id, version: v.version });
    expect(sig.fileName).toMatch(/\.pdf\.p7s$/);
    const ok = opensslVerify(fx.dir, b64(sig.dataBase64), pdf, fx.caCertPem);
    expect(ok.stderr).toMatch(/Verification successful/);
    const altered = Buffer.from(pdf);
    altered[Math.floor(altered.length / 2)] ^= 0x01;
    expect(opensslVerify(fx.dir, b64(sig.dataBase64), altered, fx.caCertPem).status).not.toBe(0);

    // from the command line, beside the PDF
    f.c.backend.close();
    const out = path.join(fx.dir, 'ledger-v1.pdf');
    const r = await cli('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--version', '1', '--out', out, '--db', f.c.dbPath);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${out}.p7s`);
    expect(opensslVerify(fx.dir, fs.readFileSync(`${out}.p7s`), fs.readFileSync(out), fx.caCertPem).status).toBe(0);
  }, 120_000);

  it('«Проверка документа» judges a .p7s brought with the PDF as openssl does: the pair, an altered PDF, another file\'s signature, not a signature', async () => {
    const f: SealingSchool = await sealingSchool();
    try {
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: leaf() });
      const pdf = (await f.c.call('ledgers.print', { classId: f.s.a.id, version: v.version, format: 'pdf' })).dataBase64;
      const sig = (await f.c.call('ledgers.pdfSignature', { classId: f.s.a.id, version: v.version })).dataBase64;
      const caPem = fs.readFileSync(fx.caCertPem, 'utf8');
      const trustedCertsPem = [caPem];
      const good = await f.c.call('ledgers.verify', { pdfBase64: pdf, signatureBase64: sig, trustedCertsPem });
      expect(opensslVerify(fx.dir, b64(sig), b64(pdf), fx.caCertPem).status).toBe(0);
      expect(good.sealed).toBe(true);
      expect(good.pdfSignature).toMatchObject({ intact: true, trusted: true, message: expect.stringMatching(/^Подпись верна/),
        signer: expect.objectContaining({ fullName: 'Директор Иванов Иван Иванович', organization: 'ГБОУ Школа № 1535' }), timestamp: null });
      expect(good.pdfSignature!.chain.length).toBeGreaterThanOrEqual(2);
      // without the .p7s, nothing is said about one
      expect((await f.c.call('ledgers.verify', { pdfBase64: pdf, trustedCertsPem })).pdfSignature).toBeUndefined();
      // an altered PDF: openssl refuses it, and so do we
      const altered = b64(pdf);
      altered[Math.floor(altered.length / 2)] ^= 0x01;
      expect(opensslVerify(fx.dir, b64(sig), altered, fx.caCertPem).status).not.toBe(0);
      expect((await f.c.call('ledgers.verify', { pdfBase64: altered.toString('base64'), signatureBase64: sig, trustedCertsPem })).pdfSignature)
        .toMatchObject({ intact: false });
      // the signature of another document (a справка signed by the same director) over this PDF
      const p = await f.c.call('printouts.certificateOfStudy', { studentId: f.students.ivanov.id });
      const other = (await f.c.call('printouts.sign', { code: p.code, certificate: leaf() })).dataBase64;
      expect(opensslVerify(fx.dir, b64(other), b64(pdf), fx.caCertPem).status).not.toBe(0);
      expect((await f.c.call('ledgers.verify', { pdfBase64: pdf, signatureBase64: other, trustedCertsPem })).pdfSignature).toMatchObject({ intact: false });
      // not a signature at all: said, not thrown
      const junk = await f.c.call('ledgers.verify', { pdfBase64: pdf, signatureBase64: Buffer.from('это не подпись').toString('base64'), trustedCertsPem });
      expect(junk.pdfSignature).toMatchObject({ intact: false, trusted: null, signer: null });
      expect(junk.pdfSignature!.message).toMatch(/[А-Яа-я]/);
      // the справка with its own .p7s through printouts.verify: the register's roots (none yet, then the CA)
      const untrusted = await f.c.call('printouts.verify', { pdfBase64: p.dataBase64, signatureBase64: other });
      expect(untrusted).toMatchObject({ registered: true, fileMatches: true, pdfSignature: { intact: true, trusted: null } });
      await f.c.call('signing.setTrustAnchors', { pem: caPem });
      expect((await f.c.call('printouts.verify', { pdfBase64: p.dataBase64, signatureBase64: other })).pdfSignature).toMatchObject({ intact: true, trusted: true });
      expect((await f.c.call('printouts.verify', { pdfBase64: p.dataBase64, signatureBase64: sig })).pdfSignature).toMatchObject({ intact: false });
      expectError(await f.c.raw('printouts.verify', { pdfBase64: p.dataBase64, signatureBase64: 'не base64!' }), 'validation');
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('a version sealed without a certificate has no PDF signature, and says so', async () => {
    const c = await sealingSchool();
    try {
      const v = await c.c.call('ledgers.seal', { classId: c.s.b.id });
      const e = expectError(await c.c.raw('ledgers.pdfSignature', { classId: c.s.b.id, version: v.version }), 'not_found');
      expect(e.message).toMatch(/запечатана без подписи файла PDF/);
    } finally {
      c.c.backend.close();
    }
  }, 120_000);

  it('an admin signs a справка once; openssl verifies it against the CA; it can be downloaded again; an unsigned one says so', async () => {
    const c = await sealingSchool();
    try {
      const p = await c.c.call('printouts.certificateOfStudy', { studentId: c.students.ivanov.id });
      const none = expectError(await c.c.raw('printouts.signature', { code: p.code }), 'not_found');
      expect(none.message).toMatch(/не подписан электронной подписью/);
      const s = await c.c.call('printouts.sign', { code: p.code, certificate: leaf() });
      expect(s).toMatchObject({ code: p.code, already: false, signer: expect.stringContaining('Директор Иванов Иван Иванович') });
      expect(s.fileName).toBe(`${p.fileName}.p7s`);
      expect(opensslVerify(fx.dir, b64(s.dataBase64), b64(p.dataBase64), fx.caCertPem).status).toBe(0);
      const again = await c.c.call('printouts.sign', { code: p.code.toLowerCase(), certificate: leaf() });
      expect(again).toMatchObject({ already: true, dataBase64: s.dataBase64 });
      expect((await c.c.call('printouts.signature', { code: p.code })).dataBase64).toBe(s.dataBase64);
      // a wrong password: refused, nothing written
      const p2 = await c.c.call('printouts.certificateOfStudy', { studentId: c.students.orlova.id });
      expectError(await c.c.raw('printouts.sign', { code: p2.code, certificate: { ...leaf(), password: 'не тот' } }), 'validation');
      expect(c.c.backend.db.prepare('SELECT count(*) FROM printout_signatures').pluck().get()).toBe(1);
      const audit = c.c.backend.db.prepare("SELECT detail FROM audit_log WHERE method = 'printouts.sign'").pluck().all() as string[];
      expect(audit).toHaveLength(1);
      expect(audit[0]).not.toContain(PASSWORD);
    } finally {
      c.c.backend.close();
    }
  }, 120_000);

  it('`print certificate-of-study --cert` writes the signature beside the PDF; openssl verifies it', async () => {
    const c = await sealingSchool();
    c.c.backend.close();
    const out = path.join(fx.dir, 'справка.pdf');
    const saved = process.env.SCHOOL_REGISTER_CERT_PASSWORD;
    process.env.SCHOOL_REGISTER_CERT_PASSWORD = PASSWORD;
    try {
      const r = await cli('print', 'certificate-of-study', '--student', 'Орлова Анна Игоревна', '--out', out, '--cert', fx.leafP12, '--db', c.c.dbPath);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/; подпись .*справка\.pdf\.p7s: .*Директор Иванов Иван Иванович/);
      expect(opensslVerify(fx.dir, fs.readFileSync(`${out}.p7s`), fs.readFileSync(out), fx.caCertPem).status).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.SCHOOL_REGISTER_CERT_PASSWORD;
      else process.env.SCHOOL_REGISTER_CERT_PASSWORD = saved;
    }
  }, 120_000);
});

const gost = findGostTools();
(('missing' in gost) ? describe.skip : describe)('signed PDFs, GOST R 34.10-2012 through an intermediate (openssl with the GOST engine as referee)', () => {
  let pki: GostPki;
  beforeAll(() => {
    pki = makeGostPki();
  }, 120_000);
  afterAll(() => {
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });
  const director = (bits: 256 | 512) => ({ p12Base64: fs.readFileSync(pki.leaf[bits].p12).toString('base64'), password: GOST_PASSWORD });

  it('a ledger sealed with a GOST key and a справка signed with one both pass openssl cms -verify against the root', async () => {
    const c = await sealingSchool();
    try {
      const v = await c.c.call('ledgers.seal', { classId: c.s.a.id, certificate: director(512) });
      const pdf = b64((await c.c.call('ledgers.print', { classId: c.s.a.id, version: v.version, format: 'pdf' })).dataBase64);
      const sig = b64((await c.c.call('ledgers.pdfSignature', { classId: c.s.a.id, version: v.version })).dataBase64);
      const ok = gostVerify(pki, sig, pdf);
      expect(ok.stderr).toMatch(/Verification successful/);
      expect(gostVerify(pki, sig, Buffer.concat([pdf, Buffer.from(' ')])).status).not.toBe(0);

      const p = await c.c.call('printouts.certificateOfStudy', { studentId: c.students.ivanov.id });
      const s = await c.c.call('printouts.sign', { code: p.code, certificate: director(256) });
      expect(s.signer).toContain('Петрова Ольга Ивановна');
      expect(gostVerify(pki, b64(s.dataBase64), b64(p.dataBase64)).status).toBe(0);
    } finally {
      c.c.backend.close();
    }
  }, 180_000);
});
