// Trusted time (CAdES-T) against the reference TSA (test/tsa/server.ts, `openssl ts -reply`): the token put into a
// signature is accepted by `openssl ts -verify` over the signature value's SHA-256 against the TSA's CA, the
// timestamped CMS still passes `openssl cms -verify`, and our verifier reads the TSA's time back; each TSA fault is
// refused with a Russian message naming the TSA's address.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPkcs12Signer } from '../../main/signing/select-signer.ts';
import { extractTimestampToken, timestampSignature, TimestampError, verifySignatureTimestamp } from '../../main/signing/timestamp.ts';
import { startTsa, type ReferenceTsa, type TsaFault } from '../tsa/server.ts';
import { makeFixtures, openssl, opensslVerify, PASSWORD, type Fixtures } from './openssl-fixtures.ts';

let fx: Fixtures;
let tsa: ReferenceTsa;
beforeAll(async () => {
  fx = makeFixtures();
  tsa = await startTsa({ slowMs: 5_000 });
}, 180_000);
afterAll(async () => {
  await tsa?.close();
  fs.rmSync(fx.dir, { recursive: true, force: true });
});

const data = Buffer.from('{"ведомость":"9А"}', 'utf8');
const sign = (what = data) => openPkcs12Signer(fs.readFileSync(fx.p12Default), PASSWORD).sign(what, { signingTime: new Date() });
/** The SignerInfo's signature value, read by pkijs here (not by the code under test). */
const signatureValue = (cms: Buffer) => {
  const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(cms)).content });
  return Buffer.from(sd.signerInfos[0].signature.valueBlock.valueHexView);
};

describe('a signature timestamp from the reference TSA', () => {
  it('is put in the CMS as signatureTimeStampToken: openssl ts -verify accepts the token, openssl cms -verify the CMS', async () => {
    const cms = await sign();
    const before = Date.now();
    const r = await timestampSignature(cms, { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    expect(r.tsa).toBe('Эталонная служба времени TSA');
    expect(Math.abs(r.time.getTime() - before)).toBeLessThan(120_000);
    // the signature is the same; only the unsigned attribute is new
    expect(signatureValue(r.cms).equals(signatureValue(cms))).toBe(true);
    const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(r.cms)).content });
    expect(sd.signerInfos[0].unsignedAttrs?.attributes.map((a) => a.type)).toEqual(['1.2.840.113549.1.9.16.2.14']);

    const ok = opensslVerify(fx.dir, r.cms, data, fx.certPem);
    expect(ok.stderr).toMatch(/Verification successful/);
    expect(ok.status).toBe(0);

    fs.writeFileSync(path.join(fx.dir, 'token.der'), extractTimestampToken(r.cms)!);
    const digest = crypto.createHash('sha256').update(signatureValue(r.cms)).digest('hex');
    const ts = openssl(['ts', '-verify', '-token_in', '-in', 'token.der', '-digest', digest, '-CAfile', tsa.caFile], fx.dir);
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
    expect(ts.status).toBe(0);
    // the referee refuses the same token for another signature and under another CA
    const other = openssl(['ts', '-verify', '-token_in', '-in', 'token.der', '-digest', crypto.createHash('sha256').update('x').digest('hex'), '-CAfile', tsa.caFile], fx.dir);
    expect(other.status).not.toBe(0);

    const v = await verifySignatureTimestamp(r.cms, [tsa.caPem]);
    expect(v).toEqual({ timestamp: { time: r.time.toISOString(), tsa: 'Эталонная служба времени TSA', trusted: true }, problem: null });
    // without anchors: the token's signature and imprint still checked, the chain not (said by trusted: false)
    expect((await verifySignatureTimestamp(r.cms)).timestamp?.trusted).toBe(false);
    // under another TSA's CA: named as not trusted
    const u = await verifySignatureTimestamp(r.cms, [tsa.untrustedCaPem]);
    expect(u.timestamp).toBeNull();
    expect(u.problem).toMatch(/нет доверия/);
    // a token moved onto another signature (over other data: RSA signs the same bytes the same way): the imprint differs
    const moved = await timestampSignature(await sign(Buffer.from('другая ведомость')), { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    const mine = extractTimestampToken(moved.cms)!;
    const at = moved.cms.indexOf(mine);
    const theirs = extractTimestampToken(r.cms)!;
    expect(theirs.length).toBe(mine.length); // the same TSA, the same sizes: a swap in place keeps the CMS well-formed
    const swapped = Buffer.concat([moved.cms.subarray(0, at), theirs, moved.cms.subarray(at + mine.length)]);
    expect((await verifySignatureTimestamp(swapped, [tsa.caPem])).problem).toMatch(/другого документа/);
  }, 60_000);

  it('an unstamped signature says so: no timestamp, no problem', async () => {
    expect(await verifySignatureTimestamp(await sign(), [tsa.caPem])).toEqual({ timestamp: null, problem: null });
  });

  it('a second timestamp is added beside the first (an existing unsignedAttrs is extended)', async () => {
    const once = await timestampSignature(await sign(), { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    const twice = await timestampSignature(once.cms, { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(twice.cms)).content });
    expect(sd.signerInfos[0].unsignedAttrs?.attributes).toHaveLength(2);
    expect(opensslVerify(fx.dir, twice.cms, data, fx.certPem).status).toBe(0);
  }, 60_000);

  it.each<[TsaFault, RegExp]>([
    ['down', /недоступна: соединение отклонено/],
    ['garbage', /не ответ RFC 3161/],
    ['http500', /ошибкой HTTP 500/],
    ['untrusted', /«Чужая служба времени TSA», которому нет доверия/],
    ['wrong-imprint', /для другого документа/],
    ['slow', /не ответила за 1 с/],
  ])('refuses a TSA that is %s, naming its address', async (fault, message) => {
    const cms = await sign();
    await tsa.setFault(fault);
    try {
      const e = await timestampSignature(cms, { url: tsa.url, trustedCertsPem: [tsa.caPem], timeoutMs: 1_000 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TimestampError);
      expect((e as Error).message).toContain(tsa.url);
      expect((e as Error).message).toMatch(message);
    } finally {
      await tsa.setFault(null);
    }
  }, 60_000);

  it('refuses to ask without a trust anchor for the TSA', async () => {
    await expect(timestampSignature(await sign(), { url: tsa.url, trustedCertsPem: [] })).rejects.toThrow(/не задан доверенный сертификат/);
  });
});
