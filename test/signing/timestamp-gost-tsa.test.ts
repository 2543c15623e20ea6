// A TSA that signs its tokens with a GOST R 34.10-2012 key (as a Russian accredited TSA does): the reference TSA
// started with `keys: 'gost'` (openssl ts with the GOST engine). Our verifier checks such a token in-process (pkijs's
// WebCrypto has no GOST: algorithms.ts and chain.ts do it), agreeing with `openssl ts -verify` (GOST engine): a good
// token trusted by its CA, an untrusted TSA and a token whose signature was altered refused by name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGostTools } from '../../main/signing/openssl-gost.ts';
import { closeSigner, openPkcs12Signer } from '../../main/signing/select-signer.ts';
import { extractTimestampToken, timestampSignature, TimestampError, verifySignatureTimestamp } from '../../main/signing/timestamp.ts';
import { GOST_PASSWORD, gostVerify, makeGostPki, type GostPki } from '../helpers/gost-pki.ts';
import { startTsa, type ReferenceTsa } from '../tsa/server.ts';

const engine = findGostTools();
const d = 'missing' in engine ? describe.skip : describe; // stated: without the GOST engine neither the TSA nor the referee can sign GOST

let pki: GostPki;
let tsa: ReferenceTsa;
beforeAll(async () => {
  if ('missing' in engine) return;
  pki = makeGostPki();
  tsa = await startTsa({ keys: 'gost' });
}, 120_000);
afterAll(async () => {
  await tsa?.close();
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

async function gostSignature(data: Buffer): Promise<Buffer> {
  const signer = openPkcs12Signer(fs.readFileSync(pki.leaf[256].p12), GOST_PASSWORD);
  try {
    return await signer.sign(data, { signingTime: new Date() });
  } finally {
    await closeSigner(signer);
  }
}
const signatureValue = (cms: Buffer) => Buffer.from(new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(cms)).content })
  .signerInfos[0].signature.valueBlock.valueHexView);

/** `openssl ts -verify` (GOST engine) of the token a CMS carries, over Стрибог-256 of its signature value. */
function opensslTs(cms: Buffer, caFile: string) {
  const id = crypto.randomUUID();
  fs.writeFileSync(path.join(pki.dir, `${id}.tst`), extractTimestampToken(cms)!);
  fs.writeFileSync(path.join(pki.dir, `${id}.sigval`), signatureValue(cms));
  const digest = pki.openssl(['dgst', '-md_gost12_256', '-r', `${id}.sigval`]).stdout.split(' ')[0];
  return pki.openssl(['ts', '-verify', '-token_in', '-in', `${id}.tst`, '-digest', digest, '-CAfile', caFile]);
}

d('timestamps signed with a GOST key', () => {
  it('the token is GOST-signed; openssl ts accepts it; we read its time, trusted by the GOST TSA CA; the CMS still passes openssl cms', async () => {
    const data = Buffer.from('{"ведомость":"9А","штамп":"ГОСТ"}', 'utf8');
    const r = await timestampSignature(await gostSignature(data), { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    expect(r.tsa).toBe('Эталонная служба времени ГОСТ TSA');
    fs.writeFileSync(path.join(pki.dir, 'token.der'), extractTimestampToken(r.cms)!);
    expect(pki.openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'token.der']).stdout).toMatch(/algorithm: (GOST R 34\.10-2012 with 256 bit modulus|gost2012_256|1\.2\.643\.7\.1\.1\.1\.1)/);
    const ts = opensslTs(r.cms, tsa.caFile);
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
    expect(gostVerify(pki, r.cms, data).status).toBe(0);
    expect(await verifySignatureTimestamp(r.cms, [tsa.caPem])).toEqual({ timestamp: { time: r.time.toISOString(), tsa: 'Эталонная служба времени ГОСТ TSA', trusted: true }, problem: null });
    // without anchors: the signature is checked, the chain is not
    expect((await verifySignatureTimestamp(r.cms)).timestamp).toMatchObject({ trusted: false });
  }, 60_000);

  it('a GOST TSA nobody trusts is refused naming it; openssl agrees', async () => {
    await tsa.setFault('untrusted');
    try {
      const cms = await gostSignature(Buffer.from('x', 'utf8'));
      const e = await timestampSignature(cms, { url: tsa.url, trustedCertsPem: [tsa.caPem] }).catch((x) => x);
      expect(e).toBeInstanceOf(TimestampError);
      expect(e.message).toMatch(/штамп времени подписан сертификатом «Чужая служба времени ГОСТ TSA», которому нет доверия/);
      const ok = await timestampSignature(cms, { url: tsa.url, trustedCertsPem: [tsa.untrustedCaPem] });
      fs.writeFileSync(path.join(pki.dir, 'other-ca.pem'), tsa.caPem);
      expect(opensslTs(ok.cms, path.join(pki.dir, 'other-ca.pem')).status).not.toBe(0);
      expect((await verifySignatureTimestamp(ok.cms, [tsa.caPem])).problem).toMatch(/которому нет доверия/);
    } finally {
      await tsa.setFault(null);
    }
  }, 60_000);

  it('a token whose GOST signature was altered is refused as a wrong signature; openssl agrees', async () => {
    const r = await timestampSignature(await gostSignature(Buffer.from('y', 'utf8')), { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    const token = extractTimestampToken(r.cms)!;
    const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
    const sigBytes = Buffer.from(sd.signerInfos[0].signature.valueBlock.valueHexView);
    const at = r.cms.indexOf(sigBytes);
    expect(at).toBeGreaterThan(0);
    const forged = Buffer.from(r.cms);
    forged[at + 5] ^= 0x01;
    expect((await verifySignatureTimestamp(forged, [tsa.caPem])).problem).toMatch(/подпись штампа времени «Эталонная служба времени ГОСТ TSA» неверна/);
    expect(opensslTs(forged, tsa.caFile).status).not.toBe(0);
  }, 60_000);
});
