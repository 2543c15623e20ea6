// archive verify says until when the archive's signatures can be checked: the earliest over its signatures of — for a
// signature with a valid timestamp — the TSA certificate's end of validity, else the earliest end of validity in the
// signer's chain (the school's certificate and its CA). Referee: `openssl x509 -enddate` on the certificates.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDate } from '../../preload/core/dates.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { openssl, PASSWORD } from '../signing/openssl-fixtures.ts';
import { fixturesWithTsa } from '../signing/with-tsa.ts';

const pki = fixturesWithTsa();

/** The certificate's notAfter as openssl reads it, ISO. */
function endOf(pemFile: string): string {
  const r = openssl(['x509', '-noout', '-enddate', '-dateopt', 'iso_8601', '-in', pemFile], pki.fx.dir);
  expect(r.status).toBe(0);
  return new Date(r.stdout.trim().replace(/^notAfter=/, '').replace(' ', 'T')).toISOString();
}
const leaf = () => ({ p12Base64: fs.readFileSync(pki.fx.leafP12).toString('base64'), password: PASSWORD });

describe('archive verify: until when the signatures can be checked', () => {
  it('without a timestamp: the earliest end of validity in the signer\'s chain; a timestamped seal beside it does not move it later, the archive\'s evidence chain does', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: leaf() });
      const trust = [fs.readFileSync(pki.fx.caCertPem, 'utf8')];
      const ends = [{ cn: 'Директор Иванов Иван Иванович', at: endOf(path.join(pki.fx.dir, 'leaf.pem')) }, { cn: 'Удостоверяющий центр', at: endOf(pki.fx.caCertPem) }];
      const first = ends.reduce((a, b) => (b.at < a.at ? b : a));
      const r = await f.c.call('archive.verify', { trustedCertsPem: trust });
      expect(r.ok).toBe(true);
      expect(r.verifiableUntil).toMatchObject({ until: first.at, entry: 1, basis: 'certificate', certificate: first.cn });
      expect(r.verifiableUntil!.message).toBe(`Подпись проверяема до ${formatDate(first.at.slice(0, 10))} (запись 1: до конца срока сертификата «${first.cn}» — штампа времени нет)`);

      // a later seal with a timestamp (its TSA certificate lasts ten years): its own stamp does not move the first
      // signature later, but the archive's evidence chain, which stamps the head (entry 1 with it) while the first
      // signature's chain is still valid, carries it to the chain's end (issue 14: test/archive/evidence-chain.test.ts)
      await f.c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'refuse' });
      await f.c.call('ledgers.seal', { classId: f.s.b.id, certificate: leaf() });
      const again = await f.c.call('archive.verify', { trustedCertsPem: trust });
      expect(again.signatures).toBe(2);
      expect(again.verifiableUntil).toMatchObject({ until: endOf(path.join(pki.tsa.dir, 'tsa.pem')), entry: 1, basis: 'evidence' });
    } finally {
      f.c.backend.close();
    }
  }, 120_000);

  it('with a timestamp on every signature: the TSA certificate\'s end of validity, past the school\'s certificate', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('signing.setTsa', { url: pki.tsa.url, caPem: pki.tsa.caPem, onFailure: 'refuse' });
      await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: leaf() });
      const tsaEnd = endOf(path.join(pki.tsa.dir, 'tsa.pem'));
      expect(tsaEnd > endOf(path.join(pki.fx.dir, 'leaf.pem'))).toBe(true);
      const r = await f.c.call('archive.verify', { trustedCertsPem: [fs.readFileSync(pki.fx.caCertPem, 'utf8')] });
      expect(r.verifiableUntil).toMatchObject({ until: tsaEnd, entry: 1, basis: 'timestamp', certificate: 'Эталонная служба времени TSA' });
      expect(r.verifiableUntil!.message).toBe(`Подпись проверяема до ${formatDate(tsaEnd.slice(0, 10))} (запись 1: по штампу времени, до конца срока сертификата службы «Эталонная служба времени TSA»)`);
    } finally {
      f.c.backend.close();
    }
  }, 120_000);
});
