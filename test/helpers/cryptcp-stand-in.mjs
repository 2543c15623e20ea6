#!/usr/bin/env node
// A stand-in for КриптоПро CSP's `cryptcp -sign`, for the adapter's tests (main/signing/cryptcp.ts): it takes the same
// command line, prints what cryptcp prints with its last line `[ErrorCode: 0x…]`, and signs with OpenSSL's GOST engine.
// The «Личное» store is a folder (CRYPTCP_STAND_IN_STORE) of <THUMBPRINT>.pem + <THUMBPRINT>.key, with an optional
// <THUMBPRINT>.pin holding the token's PIN; CRYPTCP_STAND_IN_OPENSSL_CONF loads the engine. A key with a PIN signed
// without `-pin` plays the user closing CSP's PIN window (there is no window here): 0x8010006E.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const out = [];
const say = (s) => out.push(s);
function end(code) {
  say(`[ErrorCode: 0x${code.toString(16).padStart(8, '0')}]`);
  process.stdout.write(out.join('\n') + '\n');
  process.exit(code === 0 ? 0 : 1);
}

say('CryptCP 5.0 (c) "Crypto-Pro", 2002-2024.');
say('Command prompt Utility for file signature and encryption.');
const args = process.argv.slice(2);
const flags = new Set();
const values = {};
const files = [];
const WITH_VALUE = new Set(['-thumbprint', '-pin', '-hashAlg', '-dn', '-dir']);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (WITH_VALUE.has(a)) values[a] = args[++i];
  else if (a.startsWith('-')) flags.add(a);
  else files.push(a);
}
const KNOWN = new Set(['-sign', '-detached', '-der', '-cadesbes', '-cert', '-nochain', '-norev']);
for (const f of flags) if (!KNOWN.has(f)) { say(`Unknown option: ${f}`); end(0x200000c9); }
if (!flags.has('-sign')) end(0x200000cc);
if (files.length !== 2) end(files.length ? 0x200000d1 : 0x200000d0);

const store = process.env.CRYPTCP_STAND_IN_STORE ?? '';
const tp = (values['-thumbprint'] ?? '').toUpperCase();
const cert = path.join(store, `${tp}.pem`);
if (!tp || !fs.existsSync(cert)) {
  say('Certificates are not found.');
  end(0x2000012d);
}
const pinFile = path.join(store, `${tp}.pin`);
if (fs.existsSync(pinFile)) {
  const pin = fs.readFileSync(pinFile, 'utf8').trim();
  if (values['-pin'] === undefined) { say('The operation was canceled by the user.'); end(0x8010006e); }
  if (values['-pin'] !== pin) { say('Wrong PIN.'); end(0x8010006b); }
}
const env = { ...process.env, OPENSSL_CONF: process.env.CRYPTCP_STAND_IN_OPENSSL_CONF };
// without -hashAlg, cryptcp takes the digest that goes with the key
const text = spawnSync('openssl', ['x509', '-in', cert, '-noout', '-text'], { env, encoding: 'utf8' }).stdout;
const keyHash = /GOST R 34\.10-2012 with 512 bit modulus/.test(text) ? '1.2.643.7.1.1.2.3' : '1.2.643.7.1.1.2.2';
const md = { '1.2.643.7.1.1.2.2': 'md_gost12_256', '1.2.643.7.1.1.2.3': 'md_gost12_512' }[values['-hashAlg'] ?? keyHash];
if (!md) end(0x200001f6);
say(`Folder '${path.dirname(files[0])}':`);
say(`${path.basename(files[0])}... Signing the data...`);
const r = spawnSync('openssl', ['cms', '-sign', '-binary', '-cades', '-nosmimecap', '-md', md, '-in', files[0], '-signer', cert, '-inkey', path.join(store, `${tp}.key`),
  ...(flags.has('-detached') ? [] : ['-nodetach']), '-outform', flags.has('-der') ? 'DER' : 'PEM', '-out', files[1]],
  { env, encoding: 'utf8' });
if (r.status !== 0) { say(r.stderr); end(0x20000136); }
say('Signed message is created.');
end(0);
