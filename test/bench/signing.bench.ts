// Issues 4 and 6: the cost of one detached CMS signature with forge's RSA against Node's, in the same run, on the same
// key (RSA-2048 from a PKCS#12 made by openssl with its defaults) and the same 1,000 payloads.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createForgeRsaSigner, createRsaSigner, type Signer } from '../../main/signing/cms.ts';
import { loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { makeFixtures, PASSWORD } from '../signing/openssl-fixtures.ts';

async function timeSigner(signer: Signer, payloads: Buffer[]): Promise<number[]> {
  const ms: number[] = [];
  for (const p of payloads) {
    const t = performance.now();
    await signer.sign(p);
    ms.push(performance.now() - t);
  }
  return ms;
}

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
const mean = (ms: number[]) => ms.reduce((a, b) => a + b, 0) / ms.length;

export async function benchSigning(a: { payloads?: number } = {}): Promise<string[]> {
  const n = a.payloads ?? 1000;
  const fx = makeFixtures();
  try {
    const p12 = loadPkcs12(fs.readFileSync(fx.p12Default), PASSWORD);
    const payloads = Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ packet: i, uuid: crypto.randomUUID(), body: 'х'.repeat(2000) })));
    const node = createRsaSigner(p12);
    const viaForge = createForgeRsaSigner(p12);
    await timeSigner(node, payloads.slice(0, 20)); // warm-up
    await timeSigner(viaForge, payloads.slice(0, 5));
    const nodeMs = await timeSigner(node, payloads);
    const forgeMs = await timeSigner(viaForge, payloads);
    const ratio = mean(forgeMs) / mean(nodeMs);
    return [
      `### Signing: ${n} detached CMS signatures (SHA-256, RSA-2048, ~4 KB payloads)`,
      '',
      '| RSA by | mean per signature | median | total |',
      '| --- | --- | --- | --- |',
      `| Node's crypto (createRsaSigner) | ${mean(nodeMs).toFixed(2)} ms | ${median(nodeMs).toFixed(2)} ms | ${(nodeMs.reduce((x, y) => x + y, 0) / 1000).toFixed(2)} s |`,
      `| node-forge (createForgeRsaSigner) | ${mean(forgeMs).toFixed(2)} ms | ${median(forgeMs).toFixed(2)} ms | ${(forgeMs.reduce((x, y) => x + y, 0) / 1000).toFixed(2)} s |`,
      '',
      `forge / Node: ${ratio.toFixed(1)}× per signature.`,
      '',
    ];
  } finally {
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
}
