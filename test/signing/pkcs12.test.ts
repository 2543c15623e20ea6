import fs from 'node:fs';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningError } from '../../main/signing/errors.ts';
import { loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { makeFixtures, openssl, PASSWORD, type Fixtures } from './openssl-fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => {
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(f);
const SUBJECT = 'C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна';

function signingError(fn: () => unknown): SigningError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SigningError);
    return e as SigningError;
  }
  throw new Error('no error thrown');
}

describe('loadPkcs12', () => {
  it('loads a PKCS#12 made with OpenSSL 3 defaults (PBES2, AES-256-CBC, SHA-256 MAC), Cyrillic password and subject', () => {
    expect(openssl(['pkcs12', '-info', '-noout', '-in', fx.p12Default, '-passin', `pass:${PASSWORD}`], fx.dir).stderr).toMatch(/PBES2.*AES-256-CBC/);
    const p12 = loadPkcs12(read(fx.p12Default), PASSWORD);
    expect(p12.certificate.subject).toBe(SUBJECT);
    expect(p12.certificate.issuer).toBe(SUBJECT);
    expect(p12.certificate.commonName).toBe('Смирнова Елена Викторовна');
    expect(p12.privateKey.type).toBe('private');
    expect(p12.privateKey.asymmetricKeyType).toBe('rsa');
    expect(p12.chain).toEqual([]);
    // The same certificate, byte for byte, as openssl has it.
    const fp = openssl(['x509', '-in', fx.certPem, '-noout', '-fingerprint', '-sha256', '-serial', '-enddate'], fx.dir).stdout;
    expect(fp).toContain(p12.certificate.sha256Fingerprint);
    expect(fp).toContain(`serial=${p12.certificate.serial}`);
    expect(p12.certificate.pem.replace(/\s/g, '')).toBe(fs.readFileSync(fx.certPem, 'utf8').replace(/\s/g, ''));
    expect(p12.certificate.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    expect(p12.certificate.forge!.serialNumber.toUpperCase().replace(/^0+/, '')).toBe(p12.certificate.serial.replace(/^0+/, ''));
  });

  it('loads one made with ASCII password and one made with -legacy', () => {
    expect(loadPkcs12(read(fx.p12Ascii), 'secret').certificate.subject).toBe(SUBJECT);
    const legacy = loadPkcs12(read(fx.p12Legacy), PASSWORD);
    expect(legacy.certificate.subject).toBe(SUBJECT);
    expect(legacy.certificate.sha256Fingerprint).toBe(loadPkcs12(read(fx.p12Default), PASSWORD).certificate.sha256Fingerprint);
  });

  it('tells a wrong password, a file that is not PKCS#12, and a PKCS#12 without a key apart', () => {
    for (const f of [fx.p12Default, fx.p12Legacy, fx.p12Ascii]) {
      const e = signingError(() => loadPkcs12(read(f), 'wrong'));
      expect(e.signingCode).toBe('wrong_password');
      expect(e.message).toBe('Неверный пароль сертификата');
      expect(e.message).not.toContain('wrong');
    }
    expect(signingError(() => loadPkcs12(read(fx.certPem), PASSWORD)).signingCode).toBe('not_pkcs12');
    expect(signingError(() => loadPkcs12(Buffer.from('PK\u0003\u0004 a zip, not a certificate'), PASSWORD)).signingCode).toBe('not_pkcs12');
    expect(signingError(() => loadPkcs12(Buffer.alloc(0), PASSWORD)).signingCode).toBe('not_pkcs12');
    const noKey = signingError(() => loadPkcs12(read(fx.p12NoKey), PASSWORD));
    expect(noKey.signingCode).toBe('no_private_key');
    expect(noKey.code).toBe('validation');
  });

  it('refuses a key that does not match the certificate', () => {
    // openssl refuses to export such a file, forge does not check.
    const key = forge.pki.privateKeyFromPem(fs.readFileSync(fx.otherKeyPem, 'utf8'));
    const cert = forge.pki.certificateFromPem(fs.readFileSync(fx.certPem, 'utf8'));
    const asn = forge.pkcs12.toPkcs12Asn1(key, [cert], 'secret', { algorithm: '3des' });
    const bytes = Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
    expect(signingError(() => loadPkcs12(bytes, 'secret')).signingCode).toBe('key_mismatch');
  });
});
