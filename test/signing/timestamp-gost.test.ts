// Trusted time on a GOST R 34.10-2012 signature (CAdES-BES → CAdES-T): the token is spliced into the CMS without
// re-signing, so `openssl cms -verify` with the GOST engine still accepts it, and `openssl ts -verify` accepts the
// token over the Стрибог (256 or 512, as the signature's) of the GOST signature value; our verifier reads the TSA's
// time back, with Стрибог computed in-process.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSigner, openPkcs12Signer } from '../../main/signing/select-signer.ts';
import { extractTimestampToken, timestampSignature, verifySignatureTimestamp } from '../../main/signing/timestamp.ts';
import { GOST_PASSWORD, gostVerify, makeGostPki, type GostPki } from '../helpers/gost-pki.ts';
import { startTsa, type ReferenceTsa } from '../tsa/server.ts';

let pki: GostPki;
let tsa: ReferenceTsa;
beforeAll(async () => {
  pki = makeGostPki();
  tsa = await startTsa();
}, 120_000);
afterAll(async () => {
  await tsa?.close();
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

describe.each([256, 512] as const)('a GOST %i-bit signature with a timestamp', (bits) => {
  it('still verifies with openssl cms (GOST engine); the token verifies with openssl ts; our verifier reads the time', async () => {
    const data = Buffer.from('{"ведомость":"5А","подпись":"ГОСТ"}', 'utf8');
    const signer = openPkcs12Signer(fs.readFileSync(pki.leaf[bits].p12), GOST_PASSWORD);
    let cms: Buffer;
    try {
      cms = await signer.sign(data, { signingTime: new Date() });
    } finally {
      await closeSigner(signer);
    }
    const r = await timestampSignature(cms, { url: tsa.url, trustedCertsPem: [tsa.caPem] });
    const v = gostVerify(pki, r.cms, data);
    expect(v.stderr).toMatch(/Verification successful/);
    expect(v.status).toBe(0);
    expect(gostVerify(pki, r.cms, Buffer.from('другие данные', 'utf8')).status).not.toBe(0);

    const signature = Buffer.from(new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(r.cms)).content })
      .signerInfos[0].signature.valueBlock.valueHexView);
    const token = path.join(pki.dir, `token-${bits}.der`);
    fs.writeFileSync(token, extractTimestampToken(r.cms)!);
    // the imprint is the Стрибог of the signature value, of the signature's own size — computed by openssl here
    const sigFile = path.join(pki.dir, `signature-${bits}.bin`);
    fs.writeFileSync(sigFile, signature);
    const streebog = pki.openssl(['dgst', `-md_gost12_${bits}`, '-r', sigFile]).stdout.split(' ')[0];
    expect(streebog).toMatch(bits === 256 ? /^[0-9a-f]{64}$/ : /^[0-9a-f]{128}$/);
    expect(pki.openssl(['ts', '-reply', '-in', token, '-token_in', '-text']).stdout).toContain(`Hash Algorithm: GOST R 34.11-2012 with ${bits} bit hash`);
    const ts = pki.openssl(['ts', '-verify', '-token_in', '-in', token, '-digest', streebog, '-CAfile', tsa.caFile]);
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
    expect(ts.status).toBe(0);
    const sha = pki.openssl(['ts', '-verify', '-token_in', '-in', token, '-digest', crypto.createHash('sha256').update(signature).digest('hex'), '-CAfile', tsa.caFile]);
    expect(sha.status).not.toBe(0);
    expect(await verifySignatureTimestamp(r.cms, [tsa.caPem])).toEqual({ timestamp: { time: r.time.toISOString(), tsa: 'Эталонная служба времени TSA', trusted: true }, problem: null });
  }, 60_000);
});
