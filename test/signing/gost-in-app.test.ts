// The GOST verifier must run where the app runs: Electron's main process (BoringSSL, no GOST, no engines) and a
// clerk's PC without OpenSSL. So: it imports no Node crypto and no child processes, and bundled as the Electron main
// is (esbuild, CommonJS) it verifies signatures in a plain `node` that has no GOST engine. These run without OpenSSL:
// the known answers below were made once by OpenSSL's GOST engine (`openssl genpkey -algorithm gost2012_256
// -pkeyopt paramset:A`, resp. gost2012_512 paramset:A; `openssl dgst -md_gost12_256|512 -sign`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { streebog256, streebog512, verifyGost2012, verifyGostSignatureValue } from '../../main/signing/gost/index.ts';
import { scanImports } from '../architecture/imports.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = path.join(root, 'main/signing/gost');
const hexBytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

const DOCUMENT = Buffer.from('Ведомость 9А, 2025/2026: подписано директором');
const KNOWN = [
  {
    name: 'GOST 2012-256, CryptoPro A',
    sigAlg: '1.2.643.7.1.1.3.2',
    spki: '3066301f06082a85030701010101301306072a85030202230106082a8503070101020203430004409355a7374fc30164205aec20b691240ccb64684cf36548ebfa574c98a282c77aea182f72f4398c862779e95976cf656f9c47ee8f9958f46bb2a48e2f5642dd6d',
    signature: '706f479dd609350beea3dba5c548a51035e34d273e9ae6f4727825c43af4b397c0a81504524bd27623fa14dcd8c499de08ad3f204bb5108c4381fdce266bb0c0',
  },
  {
    name: 'GOST 2012-512, TC 26 512 A',
    sigAlg: '1.2.643.7.1.1.1.2',
    spki: '3081aa302106082a85030701010102301506092a850307010201020106082a85030701010203038184000481806aa54a44fe84be3834521a613ca60d373f4db82c73ddcfecb94b757814ea40a9ebc2cc1edc0e5b82024b7ed7dfba18a035ab60c54b778dca3c8051b9de0a872a1aea53af6324a8bab591f68158e7870c54a56742e057c873912ca9092adf39925f68805da3fbfd0e9fa7c171311cf0feed2dec2f4ffd1c0ae4896f25c720332c',
    signature: '864b0b1a94f0f0b85e7d6598a74ee2364f63a6de667c7e67f34822eb409df33be14efa47bb3066d79461708493f4899fa9bc0daed0d33cc65ceadf83d7a3aaa1c814e5913182d383c584820d1b422665094fe5b8454e4e8766df9d86c2899ec6c3e8e79da450ae8a82520990bab7f128df15a29c599f0ce30116e49205da91fd',
  },
];

describe('GOST verification in the app, without OpenSSL', () => {
  it('imports nothing but asn1js, its own files and the app error type: no node:crypto, no engine, no process', () => {
    const outside = fs.readdirSync(folder).filter((f) => f.endsWith('.ts')).flatMap((f) =>
      scanImports(fs.readFileSync(path.join(folder, f), 'utf8'))
        .filter((i) => !i.typeOnly && !/^\.\/[\w-]+\.ts$/.test(i.specifier))
        .map((i) => `${f}: ${i.specifier}`));
    expect(outside.sort()).toEqual(['errors.ts: ../../shared/errors.ts', 'index.ts: asn1js']);
  });

  it('verifies the known answers made by OpenSSL, and refuses them changed', () => {
    for (const k of KNOWN) {
      const spki = hexBytes(k.spki);
      const sig = hexBytes(k.signature);
      const digest = sig.length === 64 ? streebog256(DOCUMENT) : streebog512(DOCUMENT);
      expect(verifyGost2012(spki, digest, sig), k.name).toBe(true);
      expect(verifyGostSignatureValue(k.sigAlg, spki, DOCUMENT, sig), k.name).toBe(true);
      expect(verifyGostSignatureValue(k.sigAlg, spki, Buffer.concat([DOCUMENT, Buffer.from(' ')]), sig), k.name).toBe(false);
    }
  });

  it('bundled like the Electron main (esbuild, CommonJS), it verifies in a plain node process with no GOST engine', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-gost-bundle-'));
    try {
      await build({
        absWorkingDir: root,
        entryPoints: ['main/signing/gost/index.ts'],
        bundle: true,
        format: 'cjs',
        platform: 'node',
        outfile: path.join(dir, 'gost.cjs'),
        logLevel: 'silent',
      });
      const script = [
        "const g = require('./gost.cjs');",
        'const cases = JSON.parse(process.argv[2]);',
        "const doc = Buffer.from(cases.document, 'hex');",
        "console.log(JSON.stringify(cases.known.map((k) => g.verifyGostSignatureValue(k.sigAlg, Buffer.from(k.spki, 'hex'), doc, Buffer.from(k.signature, 'hex')))));",
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'run.cjs'), script);
      const empty = path.join(dir, 'empty.cnf');
      fs.writeFileSync(empty, '');
      const r = spawnSync(process.execPath, ['run.cjs', JSON.stringify({ document: DOCUMENT.toString('hex'), known: KNOWN })], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', OPENSSL_CONF: empty }, // no engine configured for this process
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual([true, true]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
