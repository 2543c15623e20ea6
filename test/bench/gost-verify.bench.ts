// Issue 14: GOST signature verification in-process (main/signing/gost/, plain TypeScript, what a clerk's PC without
// OpenSSL runs) against one `openssl cms -verify` process per document (the GOST engine), on the same detached CMS
// signatures (CAdES-BES by `openssl cms -sign -cades`, ~4 KB documents). Ours does what that command's signature part
// does: parse the CMS (asn1js), compare messageDigest with our Стрибог of the document, verify the signature over the
// signed attributes and the (self-signed) certificate's own signature. Path building is another part's, not timed here.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gostDigestForOid, verifyGostSignatureValue } from '../../main/signing/gost/index.ts';
import { certificateParts, signerParts } from '../signing/gost-cms-parts.ts';
import { gostReferee, type GostOpenssl } from '../signing/gost-openssl.ts';

/** CPU time (ms) of the children this process has waited for, from /proc (Linux); null elsewhere. */
function childrenCpuMs(): number | null {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in USER_HZ = 100 ticks/s
  } catch {
    return null;
  }
}
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
const mean = (ms: number[]) => ms.reduce((a, b) => a + b, 0) / ms.length;

type Doc = { data: Buffer; cms: Uint8Array; dataFile: string; cmsFile: string };

function verifyInProcess(doc: Doc): boolean {
  const s = signerParts(doc.cms);
  const digest = gostDigestForOid(s.digestAlgorithm);
  if (!digest || !Buffer.from(digest.hash(doc.data)).equals(Buffer.from(s.messageDigest))) return false;
  const cert = s.certificates[0];
  return verifyGostSignatureValue(s.signatureAlgorithm, cert.spki, s.signedAttrs, s.signature) &&
    verifyGostSignatureValue(cert.signatureAlgorithm, cert.spki, cert.tbs, cert.signatureValue);
}

function makeDocs(o: GostOpenssl, alg: string, paramset: string, bits: 256 | 512, n: number): { docs: Doc[]; certFile: string } {
  const key = `bench-${bits}.key`;
  const certFile = `bench-${bits}.pem`;
  o.run(['genpkey', '-algorithm', alg, '-pkeyopt', `paramset:${paramset}`, '-out', key]);
  o.run(['req', '-x509', '-new', '-key', key, `-md_gost12_${bits}`, '-days', '30', '-utf8', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Петрова Ольга Ивановна', '-out', certFile]);
  const docs: Doc[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.from(JSON.stringify({ packet: i, uuid: crypto.randomUUID(), body: 'х'.repeat(2000) }));
    const dataFile = `doc-${bits}-${i}.json`;
    const cmsFile = `doc-${bits}-${i}.p7s`;
    fs.writeFileSync(o.file(dataFile), data);
    const cms = new Uint8Array(o.run(['cms', '-sign', '-binary', '-md', `md_gost12_${bits}`, '-cades', '-in', dataFile, '-signer', certFile, '-inkey', key, '-outform', 'DER']));
    fs.writeFileSync(o.file(cmsFile), cms);
    docs.push({ data, cms, dataFile, cmsFile });
  }
  return { docs, certFile };
}

export async function benchGostVerify(a: { documents?: number } = {}): Promise<string[]> {
  const n = a.documents ?? 200;
  const referee = gostReferee();
  if (referee.skip !== null) return [`### GOST verification: skipped (${referee.skip})`, ''];
  const o = referee.openssl;
  try {
    const rows: string[] = [];
    for (const [alg, paramset, bits] of [['gost2012_256', 'A', 256], ['gost2012_512', 'A', 512]] as const) {
      const { docs, certFile } = makeDocs(o, alg, paramset, bits, n);
      for (let i = 0; i < 30; i++) verifyInProcess(docs[i % docs.length]); // warm-up: the JIT, asn1js, the curve tables
      const oursMs: number[] = [];
      const cpu0 = process.cpuUsage();
      for (const d of docs) {
        const t = performance.now();
        if (!verifyInProcess(d)) throw new Error(`in-process verification refused ${d.cmsFile}`);
        oursMs.push(performance.now() - t);
      }
      const oursCpu = cpuMs(cpu0) / n;
      const opensslMs: number[] = [];
      const children0 = childrenCpuMs();
      for (const d of docs) {
        const t = performance.now();
        const r = o.spawn(['cms', '-verify', '-binary', '-inform', 'DER', '-in', d.cmsFile, '-content', d.dataFile, '-CAfile', certFile, '-purpose', 'any', '-out', '/dev/null']);
        opensslMs.push(performance.now() - t);
        if (!r.stderr.includes('Verification successful')) throw new Error(`openssl cms -verify refused ${d.cmsFile}: ${r.stderr}`);
      }
      const children1 = childrenCpuMs();
      const opensslCpu = children0 === null || children1 === null ? 'n/a' : `${((children1 - children0) / n).toFixed(2)} ms`;
      rows.push(
        `| GOST ${bits} (${bits === 256 ? 'CryptoPro A' : 'TC 26 512 A'}) | in-process (TypeScript, BigInt) | ${mean(oursMs).toFixed(2)} ms | ${median(oursMs).toFixed(2)} ms | ${oursCpu.toFixed(2)} ms | ${(1000 / mean(oursMs)).toFixed(0)} |`,
        `| GOST ${bits} | \`openssl cms -verify\`, one process per document | ${mean(opensslMs).toFixed(2)} ms | ${median(opensslMs).toFixed(2)} ms | ${opensslCpu} | ${(1000 / mean(opensslMs)).toFixed(0)} |`,
      );
    }
    return [
      `### GOST verification: ${n} detached CAdES-BES signatures per key size (~4 KB documents, made by openssl cms -sign -cades)`,
      '',
      '| key | verified by | mean per document | median | CPU per document | documents/s |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      'In-process: parse the CMS (asn1js), Стрибог of the document against messageDigest, the signature over the signed',
      'attributes and the certificate\'s own signature (two GOST R 34.10 verifications). openssl: the same plus its chain',
      'check against the certificate, and a process start. CPU: this process\'s for ours, the openssl children\'s for',
      'openssl (from /proc, 10 ms ticks summed over all documents) — the fairer figure on a loaded machine.',
      '',
    ];
  } finally {
    o.cleanup();
  }
}
