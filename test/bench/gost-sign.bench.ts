// Issue 14: detached CMS signatures per second by key algorithm and back-end, in one run, on the same payloads — RSA
// (Node's crypto), ECDSA P-256 (refused today: the row says so), GOST R 34.10-2012 256-bit through OpenSSL's GOST engine
// (the long-lived worker, and one `openssl cms` per document) and through the cryptcp adapter (its stand-in, which is
// one process per document like the real cryptcp) — and packets per second with GOST: built packets signed by
// signPackets (re-hash, schema check, sign, one transaction), the way `packets sign` does it. Upload is not in it: the
// reference receiver's GOST verification is another part of the issue.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { signPackets } from '../../main/packets/sign.ts';
import { closeSigner, openPkcs12Signer, openThumbprintSigner } from '../../main/signing/select-signer.ts';
import type { Signer } from '../../main/signing/cms.ts';
import { GOST_PASSWORD, makeGostPki } from '../helpers/gost-pki.ts';
import { tempDir } from '../helpers/register.ts';
import { makeFixtures, openssl, PASSWORD } from '../signing/openssl-fixtures.ts';
import { registerWithPackets } from './packets.bench.ts';

const STAND_IN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'cryptcp-stand-in.mjs');

type Row = { what: string; n: number; ms: number } | { what: string; refused: string };

async function rate(what: string, signer: Signer, payloads: Buffer[], concurrent = false): Promise<Row> {
  await signer.sign(payloads[0]); // start-up (the worker, a first process) is not timed
  const t = performance.now();
  if (concurrent) await Promise.all(payloads.map((p) => signer.sign(p)));
  else for (const p of payloads) await signer.sign(p);
  return { what, n: payloads.length, ms: performance.now() - t };
}

export async function benchGostSigning(a: { signatures?: number; perProcess?: number; packets?: number } = {}): Promise<string[]> {
  const n = a.signatures ?? 1000;
  const perProcess = a.perProcess ?? 100; // the one-process-per-document back-ends, on a sample
  const packets = a.packets ?? 1000;
  const pki = makeGostPki();
  const fx = makeFixtures();
  const dir = tempDir('sr-bench-gost-');
  const close: Array<() => unknown> = [];
  try {
    const payloads = Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ packet: i, uuid: crypto.randomUUID(), body: 'х'.repeat(2000) })));
    const rows: Row[] = [];
    const rsa = openPkcs12Signer(fs.readFileSync(fx.p12Default), PASSWORD);
    rows.push(await rate('RSA-2048, Node\'s crypto', rsa, payloads));

    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.pem', '-days', '30', '-subj', '/CN=EC'], dir);
    openssl(['pkcs12', '-export', '-in', 'ec.pem', '-inkey', 'ec.key', '-out', 'ec.p12', '-passout', `pass:${PASSWORD}`], dir);
    try {
      rows.push(await rate('ECDSA P-256', openPkcs12Signer(fs.readFileSync(path.join(dir, 'ec.p12')), PASSWORD), payloads));
    } catch (e) {
      rows.push({ what: 'ECDSA P-256', refused: (e as Error).message });
    }

    const gostP12 = fs.readFileSync(pki.leaf[256].p12);
    const worker = openPkcs12Signer(gostP12, GOST_PASSWORD, { gost: { mode: 'worker' } });
    close.push(() => closeSigner(worker));
    rows.push(await rate('ГОСТ 256, OpenSSL engine, one worker, one document at a time', worker, payloads));
    rows.push(await rate('ГОСТ 256, OpenSSL engine, one worker, all documents at once', worker, payloads, true));
    const perDoc = openPkcs12Signer(gostP12, GOST_PASSWORD, { gost: { mode: 'per-document' } });
    close.push(() => closeSigner(perDoc));
    rows.push(await rate('ГОСТ 256, OpenSSL engine, `openssl cms` per document', perDoc, payloads.slice(0, perProcess)));

    const store = path.join(dir, 'store');
    fs.mkdirSync(store);
    fs.copyFileSync(pki.leaf[256].certPem, path.join(store, `${pki.leaf[256].thumbprint}.pem`));
    fs.copyFileSync(pki.leaf[256].keyPem, path.join(store, `${pki.leaf[256].thumbprint}.key`));
    process.env.CRYPTCP_STAND_IN_STORE = store;
    process.env.CRYPTCP_STAND_IN_OPENSSL_CONF = pki.conf;
    const csp = await openThumbprintSigner({ thumbprint: pki.leaf[256].thumbprint, cryptcp: [process.execPath, STAND_IN] });
    close.push(() => closeSigner(csp));
    rows.push(await rate('ГОСТ 256, cryptcp adapter (stand-in: node + openssl per document)', csp, payloads.slice(0, Math.max(1, perProcess / 4))));

    // Packets per second with GOST: built packets, signed as `packets sign` signs them.
    const reg = await registerWithPackets(fs.mkdtempSync(path.join(dir, 'packets-')), packets);
    close.push(() => reg.backend.close());
    const bytes = (reg.db.prepare('SELECT avg(length(canonical_json)) AS b FROM packets').get() as { b: number }).b;
    const gost = openPkcs12Signer(gostP12, GOST_PASSWORD);
    close.push(() => closeSigner(gost));
    const pt = performance.now();
    const signed = await signPackets(reg.db, gost);
    const packetsMs = performance.now() - pt;
    if (signed.signed.length !== packets) throw new Error(`signed ${signed.signed.length} of ${packets}`);

    const perSec = (r: { n: number; ms: number }) => (r.n / (r.ms / 1000)).toFixed(0);
    return [
      `### GOST signing (issue 14): detached CMS by algorithm and back-end, ~4 KB payloads`,
      '',
      '| signer | signatures | per second | mean per signature |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => ('refused' in r ? `| ${r.what} | — | refused: ${r.refused} | — |` : `| ${r.what} | ${r.n} | ${perSec(r)} | ${(r.ms / r.n).toFixed(2)} ms |`)),
      '',
      `Packets with GOST (256-bit key, OpenSSL engine worker): ${packets} built packets (~${Math.round(bytes)} bytes of canonical JSON each) signed by signPackets in `
        + `${(packetsMs / 1000).toFixed(2)} s: ${perSec({ n: packets, ms: packetsMs })} packets/s (goal ≥ 100/s).`,
      '',
    ];
  } finally {
    for (const c of close.reverse()) await c();
    for (const d of [dir, pki.dir, fx.dir]) fs.rmSync(d, { recursive: true, force: true });
  }
}
