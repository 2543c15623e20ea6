// The TSA stored in the register (signing.setTsa, table tsa_settings): checked before it is kept (nothing written when
// refused), audited, and then asked by every signature made with a certificate — a seal, a year close's classes,
// packets — without the call naming it; «Проверка документа» trusts a stamp by its CA. The admin's failure choice is
// kept with it. Referees: `openssl ts -verify` for the token, `openssl cms -verify` for the signature.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTimestampToken } from '../../main/signing/timestamp.ts';
import { cli } from '../helpers/cli.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { openssl, opensslVerify, PASSWORD } from './openssl-fixtures.ts';
import { packetSchool } from '../packets/fixtures.ts';
import { fixturesWithTsa, signatureValue } from './with-tsa.ts';

const pki = fixturesWithTsa();

const p12 = () => ({ p12Base64: fs.readFileSync(pki.fx.p12Default).toString('base64'), password: PASSWORD });

/** `openssl ts -verify` of the token a CMS carries, over SHA-256 of its signature value, against the TSA's CA. */
function opensslTokenCheck(cms: Buffer): number {
  const token = extractTimestampToken(cms);
  if (!token) return -1;
  const file = path.join(pki.fx.dir, `token-${crypto.randomUUID()}.der`);
  fs.writeFileSync(file, token);
  const digest = crypto.createHash('sha256').update(signatureValue(cms)).digest('hex');
  return openssl(['ts', '-verify', '-token_in', '-in', file, '-digest', digest, '-CAfile', pki.tsa.caFile], pki.fx.dir).status;
}

describe('the stored TSA (signing.setTsa)', () => {
  it('is refused with a message naming the field when it cannot work, nothing written; kept and audited when it can', async () => {
    const c = await adminClient(tempDir());
    try {
      expect(await c.call('signing.tsa', {})).toEqual({ url: null, onFailure: 'refuse', ca: [] });
      const refused = async (args: Parameters<typeof c.call<'signing.setTsa'>>[1], field: string, message: RegExp) => {
        const r = await c.raw('signing.setTsa', args);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.message).toMatch(message);
          expect(r.error.fields).toHaveProperty(field);
        }
        expect(await c.call('signing.tsa', {})).toEqual({ url: null, onFailure: 'refuse', ca: [] });
      };
      await refused({ url: 'ftp://pki.tsa.example/', caPem: pki.tsa.caPem, onFailure: 'refuse' }, 'url', /не адрес службы штампов времени/);
      await refused({ url: 'http://user:pw@pki.tsa.example/', caPem: pki.tsa.caPem, onFailure: 'refuse' }, 'url', /не должен содержать логин и пароль/);
      await refused({ url: pki.tsa.url, onFailure: 'refuse' }, 'caPem', /Укажите сертификат удостоверяющего центра службы штампов времени/);
      await refused({ url: pki.tsa.url, caPem: 'не сертификат', onFailure: 'refuse' }, 'caPem', /нет сертификатов PEM/);
      await refused({ url: pki.tsa.url, caPem: fs.readFileSync(pki.fx.expiredCertPem, 'utf8'), onFailure: 'refuse' }, 'caPem', /истёк .*: ему нельзя доверять/);
      await refused({ url: null, caPem: pki.tsa.caPem, onFailure: 'refuse' }, 'url', /Укажите адрес службы штампов времени/);

      const s = await c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'without_time' });
      expect(s).toMatchObject({ url: pki.tsa.url, onFailure: 'without_time', ca: [{ commonName: 'Эталонная служба времени CA', isCa: true }] });
      // the failure choice changed alone keeps the CA
      expect(await c.call('signing.setTsa', { url: pki.tsa.url, onFailure: 'refuse' })).toMatchObject({ onFailure: 'refuse', ca: [{ commonName: 'Эталонная служба времени CA' }] });
      // another address without its CA: refused (the stored CA is that of the other service), nothing changed
      await expect(c.call('signing.setTsa', { url: 'http://127.0.0.1:1/other-tsa', onFailure: 'refuse' })).rejects.toMatchObject({ api: { fields: { caPem: expect.any(String) } } });
      expect(await c.call('signing.tsa', {})).toMatchObject({ url: pki.tsa.url });
      const audit = (await c.call('audit.list', { limit: 20 })).filter((e) => e.method === 'signing.setTsa');
      expect(audit).toHaveLength(2); // the refusals wrote nothing
      expect(JSON.stringify(audit)).toContain(s.ca[0].sha256Fingerprint);
      expect(JSON.stringify(audit)).not.toContain('BEGIN CERTIFICATE');
      expect(await c.call('signing.setTsa', { url: null, onFailure: 'refuse' })).toEqual({ url: null, onFailure: 'refuse', ca: [] });
    } finally {
      c.backend.close();
    }
  }, 60_000);

  it('stamps a seal made with a certificate without the call naming a TSA; «Проверка документа» trusts the stamp by the stored CA; a seal without a certificate is not refused for it', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'refuse' });
      const before = pki.tsa.answered;
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: p12() });
      expect(v.timestamp).toMatchObject({ tsa: 'Эталонная служба времени TSA', trusted: true });
      // asked three times: the version's signature, the PDF's own signature (.p7s), and the archive's new head (its
      // evidence chain, issue 14)
      expect(pki.tsa.answered).toBe(before + 3);
      // the PDF's .p7s carries its own token: openssl finds it and still verifies the file under it
      const { pdf, pdfSig } = f.c.backend.db.prepare(`SELECT v.pdf, s.signature AS pdfSig FROM ledger_versions v
        JOIN ledger_pdf_signatures s ON s.ledger_version_id = v.id WHERE v.class_id = ?`).get(f.s.a.id) as { pdf: Buffer; pdfSig: Buffer };
      expect(opensslTokenCheck(pdfSig)).toBe(0);
      expect(opensslVerify(pki.fx.dir, pdfSig, pdf, pki.fx.certPem).status).toBe(0);
      const { signature, canonical_json: json } = f.c.backend.db.prepare('SELECT signature, canonical_json FROM ledger_versions WHERE class_id = ?').get(f.s.a.id) as { signature: Buffer; canonical_json: string };
      expect(opensslTokenCheck(signature)).toBe(0);
      expect(opensslVerify(pki.fx.dir, signature, Buffer.from(json, 'utf8'), pki.fx.certPem).status).toBe(0);
      const checked = await f.c.call('ledgers.verify', { code: v.code });
      expect(checked.timestamp).toMatchObject({ tsa: 'Эталонная служба времени TSA', trusted: true });
      // no certificate: sealed without a signature, and the stored TSA is asked only for the archive's new head
      const plain = await f.c.call('ledgers.seal', { classId: f.s.b.id });
      expect(plain.signer).toBeNull();
      expect(plain.timestamp ?? null).toBeNull();
      expect(pki.tsa.answered).toBe(before + 4);
    } finally {
      f.c.backend.close();
    }
  }, 120_000);

  it('keeps the admin\'s choice: a stored «refuse» TSA that is down leaves the class unsealed; «without_time» seals and says so', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'refuse' });
      await pki.tsa.setFault('down');
      const r = await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: p12() });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/недоступна: соединение отклонено\. Ведомость класса 5А не запечатана/);
      expect((await f.c.call('ledgers.get', { classId: f.s.a.id })).versions).toHaveLength(0);
      await f.c.call('signing.setTsa', { url: pki.tsa.url, onFailure: 'without_time' });
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: p12() });
      expect(v.timestamp).toBeNull();
      expect(v.timestampFailure).toMatch(/недоступна: соединение отклонено/);
    } finally {
      await pki.tsa.setFault(null);
      f.c.backend.close();
    }
  }, 120_000);

  it('stamps packets signed without the call naming a TSA', async () => {
    const c = await adminClient(tempDir());
    try {
      await packetSchool(c);
      await c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'refuse' });
      await c.call('packets.build', {});
      const s = await c.call('packets.sign', p12());
      expect(s).toMatchObject({ timestamped: 1 });
      const p = c.backend.db.prepare('SELECT canonical_json, signature FROM packets').get() as { canonical_json: string; signature: Buffer };
      expect(opensslTokenCheck(p.signature)).toBe(0);
      expect(opensslVerify(pki.fx.dir, p.signature, Buffer.from(p.canonical_json, 'utf8'), pki.fx.certPem).status).toBe(0);
    } finally {
      c.backend.close();
    }
  }, 120_000);

  it('tsa set / show / clear from the command line: the same setting and checks', async () => {
    const c = await adminClient(tempDir());
    c.backend.close();
    const db = c.dbPath;
    const noCa = await cli('tsa', 'set', pki.tsa.url, '--db', db);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/Укажите сертификат удостоверяющего центра службы штампов времени/);
    const set = await cli('tsa', 'set', pki.tsa.url, '--tsa-ca', pki.tsa.caFile, '--tsa-failure', 'without-time', '--db', db);
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain(`Служба штампов времени: ${pki.tsa.url}; при сбое — подписать без штампа времени`);
    expect(set.stdout).toMatch(/УЦ службы: Эталонная служба времени CA, действует по \d\d\.\d\d\.\d{4}/);
    expect((await cli('tsa', 'show', '--db', db)).stdout).toContain(`Служба штампов времени: ${pki.tsa.url}`);
    const cleared = await cli('tsa', 'clear', '--db', db);
    expect(cleared.stdout).toContain('Служба штампов времени не задана');
  }, 120_000);
});
