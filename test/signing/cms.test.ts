import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForgeRsaSigner, createRsaSigner, verifyDetached } from '../../main/signing/cms.ts';
import { loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { forgeUtf8Name } from '../../main/signing/x509.ts';
import { makeFixtures, openssl, opensslVerify, PASSWORD, type Fixtures } from './openssl-fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => {
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(f);
const SUBJECT = 'C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна';

describe('RSA signer: detached CMS SignedData', () => {
  it('signs so that openssl cms -verify accepts it, Cyrillic subject included, with signingTime and messageDigest', async () => {
    const signer = createRsaSigner(loadPkcs12(read(fx.p12Default), PASSWORD));
    const data = Buffer.from(JSON.stringify({ ledger: '9А', year: '2025/2026', hash: 'ab'.repeat(32) }));
    const signingTime = new Date(); // the certificate was made a moment ago
    const sig = await signer.sign(data, { signingTime });
    const v = opensslVerify(fx.dir, sig, data, fx.certPem);
    expect(v.stderr).toContain('Verification successful');
    expect(v.status).toBe(0);

    fs.writeFileSync(path.join(fx.dir, 'print.sig'), sig);
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'print.sig'], fx.dir).stdout;
    expect(printed).toContain('signingTime');
    expect(printed).toContain('messageDigest');
    expect(printed).toContain('contentType');
    expect(printed).toMatch(/eContent: <ABSENT>/); // detached

    const ours = verifyDetached(sig, data, [fs.readFileSync(fx.certPem, 'utf8')]);
    expect(ours).toMatchObject({ ok: true, signerSubject: SUBJECT });
    if (ours.ok) expect(ours.signingTime?.getTime()).toBe(Math.floor(signingTime.getTime() / 1000) * 1000);
  });

  it('signs with keys from the -legacy file and from forge (RSA by forge) alike', async () => {
    const data = Buffer.from('пакет в региональный сегмент');
    for (const signer of [createRsaSigner(loadPkcs12(read(fx.p12Legacy), PASSWORD)), createForgeRsaSigner(loadPkcs12(read(fx.p12Ascii), 'secret'))]) {
      const sig = await signer.sign(data);
      const v = opensslVerify(fx.dir, sig, data, fx.certPem);
      expect(v.stderr).toContain('Verification successful');
      expect(v.status).toBe(0);
      expect(verifyDetached(sig, data, [fs.readFileSync(fx.certPem, 'utf8')]).ok).toBe(true);
    }
  });

  it('data altered after signing: openssl refuses and verifyDetached reports a digest mismatch', async () => {
    const signer = createRsaSigner(loadPkcs12(read(fx.p12Default), PASSWORD));
    const data = Buffer.from('{"mark":4}');
    const sig = await signer.sign(data);
    const altered = Buffer.from('{"mark":5}');
    const v = opensslVerify(fx.dir, sig, altered, fx.certPem);
    expect(v.status).not.toBe(0);
    expect(v.stderr).not.toContain('Verification successful');
    expect(v.stderr).toMatch(/verification failure/i);
    expect(verifyDetached(sig, altered, [fs.readFileSync(fx.certPem, 'utf8')])).toMatchObject({
      ok: false,
      reason: 'digest_mismatch',
      message: 'Данные изменены после подписания',
      signerSubject: SUBJECT,
    });
  });

  it('verifyDetached names a broken signature, an untrusted signer and garbage', async () => {
    const signer = createRsaSigner(loadPkcs12(read(fx.p12Default), PASSWORD));
    const data = Buffer.from('data');
    const sig = await signer.sign(data);
    const broken = Buffer.from(sig);
    broken[broken.length - 1] ^= 0x01; // the last byte belongs to the RSA signature value
    expect(opensslVerify(fx.dir, broken, data, fx.certPem).status).not.toBe(0);
    expect(verifyDetached(broken, data, [fs.readFileSync(fx.certPem, 'utf8')])).toMatchObject({ ok: false, reason: 'signature_invalid' });
    expect(verifyDetached(sig, data, [fs.readFileSync(fx.otherCertPem, 'utf8')])).toMatchObject({ ok: false, reason: 'untrusted_signer' });
    expect(opensslVerify(fx.dir, sig, data, fx.otherCertPem).status).not.toBe(0);
    expect(verifyDetached(Buffer.from('not a signature'), data, [])).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('an expired certificate loads (to be shown) but refuses to sign; a not-yet-valid one too', async () => {
    const p12 = loadPkcs12(read(fx.expiredP12), PASSWORD);
    expect(p12.certificate.subject).toBe('C=RU, O=ГБОУ Школа № 1535, CN=Старый Сертификат');
    expect(p12.certificate.notAfter.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    const signer = createRsaSigner(p12);
    await expect(signer.sign(Buffer.from('x'))).rejects.toMatchObject({ signingCode: 'certificate_expired' });
    await expect(signer.sign(Buffer.from('x'), { signingTime: new Date('2019-06-01T00:00:00Z') })).rejects.toMatchObject({
      signingCode: 'certificate_not_yet_valid',
    });
    // Signed while it was valid: still accepted, judged at its signingTime (an archived ledger years later).
    const old = await signer.sign(Buffer.from('x'), { signingTime: new Date('2020-06-01T00:00:00Z') });
    expect(verifyDetached(old, Buffer.from('x'), [fs.readFileSync(fx.expiredCertPem, 'utf8')])).toMatchObject({ ok: true });
  });

  it('verifyDetached reports a signature made outside the certificate validity as expired', async () => {
    // A signer that skips the check (a foreign or forged one) is caught on the receiving side.
    const p12 = loadPkcs12(read(fx.expiredP12), PASSWORD);
    const p12Lie = { ...p12, certificate: { ...p12.certificate, notAfter: new Date('2100-01-01') } };
    const sig = await createRsaSigner(p12Lie).sign(Buffer.from('x'), { signingTime: new Date('2024-01-01T00:00:00Z') });
    expect(verifyDetached(sig, Buffer.from('x'), [fs.readFileSync(fx.expiredCertPem, 'utf8')])).toMatchObject({ ok: false, reason: 'certificate_expired' });
  });
});

describe('a certificate issued by a CA', () => {
  it('loads with its chain; openssl and verifyDetached trust it through the CA alone', async () => {
    const p12 = loadPkcs12(read(fx.leafP12), PASSWORD);
    expect(p12.certificate.subject).toBe('C=RU, O=ГБОУ Школа № 1535, CN=Директор Иванов Иван Иванович');
    expect(p12.certificate.issuer).toBe('C=RU, O=Департамент образования, CN=Удостоверяющий центр');
    expect(p12.chain.map((c) => c.subject)).toEqual(['C=RU, O=Департамент образования, CN=Удостоверяющий центр']);
    const data = Buffer.from('ведомость');
    const sig = await createRsaSigner(p12).sign(data);
    const v = opensslVerify(fx.dir, sig, data, fx.caCertPem);
    expect(v.stderr).toContain('Verification successful');
    expect(v.status).toBe(0);
    expect(verifyDetached(sig, data, [fs.readFileSync(fx.caCertPem, 'utf8')])).toMatchObject({ ok: true, signerSubject: p12.certificate.subject });
    expect(verifyDetached(sig, data, [fs.readFileSync(fx.certPem, 'utf8')])).toMatchObject({ ok: false, reason: 'untrusted_signer' });
  });
});

describe('forge writes Cyrillic names as UTF8String', () => {
  it('a certificate made by forge with forgeUtf8Name reads back in Cyrillic in openssl and in loadPkcs12', async () => {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(Date.now() - 86_400_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    const name = forgeUtf8Name([
      { shortName: 'C', value: 'RU' },
      { shortName: 'O', value: 'ГБОУ Школа № 1535' },
      { shortName: 'CN', value: 'Смирнова Елена Викторовна' },
    ]);
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    const pem = forge.pki.certificateToPem(cert);
    fs.writeFileSync(path.join(fx.dir, 'forge.pem'), pem);
    expect(openssl(['x509', '-in', 'forge.pem', '-noout', '-subject', '-nameopt', 'utf8'], fx.dir).stdout.trim()).toBe(`subject=${SUBJECT}`);

    const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], 'secret', { algorithm: 'aes256' });
    const loaded = loadPkcs12(Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), 'secret');
    expect(loaded.certificate.subject).toBe(SUBJECT);
    const sig = await createRsaSigner(loaded).sign(Buffer.from('x'));
    expect(opensslVerify(fx.dir, sig, Buffer.from('x'), path.join(fx.dir, 'forge.pem')).status).toBe(0);
  });
});
