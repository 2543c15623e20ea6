// The reference time-stamping authority (RFC 3161 over HTTP) for tests and demos: `openssl ts -reply` answers each
// application/timestamp-query with an application/timestamp-reply. At start it makes, with openssl, its own CA and a
// TSA certificate under it (extendedKeyUsage critical timeStamping), and a second, untrusted CA + TSA pair for the
// `untrusted` fault. Faults (setFault, or --fault on the command line): down (nothing listens: connection refused),
// garbage (200 with random bytes), http500, untrusted (a valid reply signed by the untrusted TSA), wrong-imprint
// (a valid reply for another hash), slow (answers after `slowMs`). Imprints: SHA-256/384/512, and Стрибог where the
// GOST engine is installed (libengine-gost-openssl). With `keys: 'gost'` (`--keys gost`) both TSAs sign with GOST R
// 34.10-2012 keys (Стрибог-256), as a Russian accredited TSA does.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import { findGostTools, opensslGostConf } from '../../main/signing/openssl-gost.ts';

export const TSA_FAULTS = ['down', 'garbage', 'http500', 'untrusted', 'wrong-imprint', 'slow'] as const;
export type TsaFault = (typeof TSA_FAULTS)[number];

export type ReferenceTsa = {
  /** http://host:port/tsa */
  url: string;
  /** the folder with ca.pem (the trust anchor to configure), tsa.pem, untrusted-ca.pem */
  dir: string;
  caPem: string;
  caFile: string;
  tsaCertPem: string;
  untrustedCaPem: string;
  /** how many queries were answered (any way but `down`) */
  readonly answered: number;
  setFault(f: TsaFault | null): Promise<void>;
  /**
   * Signs the next replies with a new TSA certificate under the same CA, valid from a day ago until `notAfter` (a
   * short-lived one, to test renewal before and after it ends); null: back to the ten-year one. Returns its PEM file.
   * RSA keys only (made with `openssl ca`, which sets the end to the second).
   */
  useCert(o: { notAfter: Date; cn?: string } | null): string | null;
  close(): Promise<void>;
};

const OPENSSL = process.env.SCHOOL_REGISTER_OPENSSL ?? 'openssl';
const run = (dir: string, args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA and a TSA certificate under it, named by `prefix`: PREFIXca.pem/.key, PREFIXtsa.pem/.key. */
function makePki(dir: string, prefix: string, cn: string): void {
  fs.writeFileSync(path.join(dir, `${prefix}ext.cnf`), [
    '[ca]', 'basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', '',
    '[tsa]', 'basicConstraints = critical, CA:false', 'keyUsage = critical, digitalSignature, nonRepudiation',
    'extendedKeyUsage = critical, timeStamping', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
  ].join('\n'));
  run(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${prefix}ca.key`, '-out', `${prefix}ca.pem`, '-days', '3650',
    '-subj', `/CN=${cn} CA`, '-utf8', '-extensions', 'ca', '-config', `${prefix}ext.cnf`]);
  run(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${prefix}tsa.key`, '-out', `${prefix}tsa.csr`, '-subj', `/CN=${cn} TSA`, '-utf8',
    '-config', `${prefix}ext.cnf`]);
  run(dir, ['x509', '-req', '-in', `${prefix}tsa.csr`, '-CA', `${prefix}ca.pem`, '-CAkey', `${prefix}ca.key`, '-CAcreateserial', '-days', '3650',
    '-extfile', `${prefix}ext.cnf`, '-extensions', 'tsa', '-out', `${prefix}tsa.pem`]);
}

/**
 * The same with GOST R 34.10-2012 keys (256-bit, CryptoPro A), as a Russian accredited TSA signs: made by openssl with
 * the GOST engine (OPENSSL_CONF pointing at `engineConf`; the certificate extensions given on the command line, since
 * a second -config would load the engine twice).
 */
function makeGostPki(dir: string, prefix: string, cn: string, openssl: string, engineConf: string): void {
  const env = { ...process.env, OPENSSL_CONF: engineConf };
  const gost = (args: string[]) => execFileSync(openssl, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  fs.writeFileSync(path.join(dir, `${prefix}tsa.ext`), ['basicConstraints = critical, CA:false', 'keyUsage = critical, digitalSignature, nonRepudiation',
    'extendedKeyUsage = critical, timeStamping', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', ''].join('\n'));
  gost(['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', `${prefix}ca.key`]);
  gost(['req', '-x509', '-new', '-key', `${prefix}ca.key`, '-md_gost12_256', '-days', '3650', '-utf8', '-out', `${prefix}ca.pem`, '-subj', `/CN=${cn} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  gost(['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', `${prefix}tsa.key`]);
  gost(['req', '-new', '-key', `${prefix}tsa.key`, '-md_gost12_256', '-utf8', '-out', `${prefix}tsa.csr`, '-subj', `/CN=${cn} TSA`]);
  gost(['x509', '-req', '-in', `${prefix}tsa.csr`, '-CA', `${prefix}ca.pem`, '-CAkey', `${prefix}ca.key`, '-CAcreateserial', '-md_gost12_256', '-days', '3650',
    '-extfile', `${prefix}tsa.ext`, '-out', `${prefix}tsa.pem`]);
}

/** The TSA's openssl configuration; with the GOST engine (where it exists) it also stamps Стрибог imprints, and with
 *  GOST keys (`gostKeys`) signs with Стрибог-256. */
const tsConfig = (gostEngine: string | null, gostKeys = false) => `${gostEngine ? `${opensslGostConf(gostEngine)}\n` : ''}[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_digest = ${gostKeys ? 'md_gost12_256' : 'sha256'}
default_policy = 1.2.643.999.1
digests = sha256, sha384, sha512${gostEngine ? ', md_gost12_256, md_gost12_512' : ''}
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

/** The query with its message imprint's hash changed (one bit): the reply stays well-formed, for another document. */
function otherImprint(query: Buffer): Buffer {
  const req = asn1js.fromBER(new Uint8Array(query)).result as asn1js.Sequence;
  const imprint = req.valueBlock.value[1] as asn1js.Sequence;
  const hash = Buffer.from((imprint.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView);
  const at = query.indexOf(hash);
  const out = Buffer.from(query);
  out[at] ^= 0x01;
  return out;
}

/** `keys: 'gost'`: the TSA (and the untrusted one) sign with GOST R 34.10-2012 keys — needs the GOST engine. */
export async function startTsa(o: { port?: number; host?: string; fault?: TsaFault | null; slowMs?: number; log?: (line: string) => void; keys?: 'rsa' | 'gost' } = {}): Promise<ReferenceTsa> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-tsa-'));
  const gost = findGostTools();
  if (o.keys === 'gost') {
    if ('missing' in gost) throw new Error(`reference TSA with GOST keys: ${gost.missing}`);
    const engineConf = path.join(dir, 'engine.cnf');
    fs.writeFileSync(engineConf, opensslGostConf(gost.engine));
    makeGostPki(dir, '', 'Эталонная служба времени ГОСТ', gost.openssl, engineConf);
    makeGostPki(dir, 'untrusted-', 'Чужая служба времени ГОСТ', gost.openssl, engineConf);
  } else {
    makePki(dir, '', 'Эталонная служба времени');
    makePki(dir, 'untrusted-', 'Чужая служба времени');
  }
  fs.writeFileSync(path.join(dir, 'tsa.cnf'), tsConfig('missing' in gost ? null : gost.engine, o.keys === 'gost'));
  fs.writeFileSync(path.join(dir, 'tsaserial'), '01\n');
  let fault: TsaFault | null = o.fault ?? null;
  let current = 'tsa'; // the TSA certificate and key the replies are signed with (useCert)
  let shortCerts = 0;
  let garbageAnswers = 0;
  let answered = 0;
  let queue: Promise<unknown> = Promise.resolve(); // openssl ts keeps its serial in a file: one reply at a time

  const reply = (query: Buffer, untrusted: boolean): Promise<Buffer> => {
    const next = queue.then(() => new Promise<Buffer>((resolve, reject) => {
      const id = crypto.randomBytes(6).toString('hex');
      const q = path.join(dir, `${id}.tsq`);
      const r = path.join(dir, `${id}.tsr`);
      fs.writeFileSync(q, query);
      const p = untrusted ? 'untrusted-' : '';
      const signer = untrusted ? 'untrusted-tsa' : current;
      const child = spawn(OPENSSL, ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-signer', `${signer}.pem`, '-inkey', `${signer}.key`,
        '-chain', `${p}ca.pem`, '-out', r], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => {
        try {
          if (code !== 0) return reject(new Error(`openssl ts -reply: ${err}`));
          resolve(fs.readFileSync(r));
        } finally {
          fs.rmSync(q, { force: true });
          fs.rmSync(r, { force: true });
        }
      });
    }));
    queue = next.catch(() => undefined);
    return next;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    answered++;
    o.log?.(`${req.method} ${req.url} ${body.length} bytes, fault ${fault ?? 'none'}`);
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
      res.writeHead(415, { 'content-type': 'text/plain' }).end('expected POST application/timestamp-query');
      return;
    }
    if (fault === 'http500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    // garbage, in turn: random bytes, then bytes that make a BER parser throw (a UniversalString 3 bytes long: asn1js
    // throws a RangeError on it) — a client must call both «not an RFC 3161 answer», never an internal error
    if (fault === 'garbage') {
      const trap = garbageAnswers++ % 2 === 1;
      return void res.writeHead(200, { 'content-type': 'application/timestamp-reply' })
        .end(trap ? Buffer.concat([Buffer.from([0x30, 0x05, 0x1c, 0x03, 0x41, 0x42, 0x43]), crypto.randomBytes(100)]) : crypto.randomBytes(200));
    }
    if (fault === 'slow') await new Promise((r) => setTimeout(r, o.slowMs ?? 30_000));
    try {
      const tsr = await reply(fault === 'wrong-imprint' ? otherImprint(body) : body, fault === 'untrusted');
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(tsr);
    } catch (e) {
      o.log?.(String(e));
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad query');
    }
  };

  const server = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = o.host ?? '127.0.0.1';
  let port = o.port ?? 0;
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve();
    });
  });
  const stop = () => new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  if (fault !== 'down') await listen();
  else {
    // a port of our own that nothing listens on while down
    await listen();
    await stop();
  }

  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    url: `http://${host}:${port}/tsa`,
    dir, caPem: read('ca.pem'), caFile: path.join(dir, 'ca.pem'), tsaCertPem: read('tsa.pem'), untrustedCaPem: read('untrusted-ca.pem'),
    get answered() { return answered; },
    useCert(c) {
      if (!c) {
        current = 'tsa';
        return null;
      }
      if (o.keys === 'gost') throw new Error('useCert: RSA keys only');
      const name = `short-${++shortCerts}-tsa`;
      const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
      fs.writeFileSync(path.join(dir, 'ca.cnf'), ['[ca]', 'default_ca = own', '[own]', 'database = ./ca-index.txt', 'new_certs_dir = ./newcerts',
        'serial = ./ca-serial', 'default_md = sha256', 'policy = any', 'unique_subject = no', 'utf8 = yes', 'string_mask = utf8only', '[any]', 'commonName = supplied', ''].join('\n'));
      if (!fs.existsSync(path.join(dir, 'ca-index.txt'))) {
        fs.writeFileSync(path.join(dir, 'ca-index.txt'), '');
        fs.writeFileSync(path.join(dir, 'ca-serial'), `${crypto.randomBytes(8).toString('hex').replace(/^./, '1')}\n`);
        fs.mkdirSync(path.join(dir, 'newcerts'));
      }
      run(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${c.cn ?? `Краткая служба времени TSA ${shortCerts}`}`, '-utf8',
        '-config', 'ext.cnf']);
      run(dir, ['ca', '-batch', '-config', 'ca.cnf', '-notext', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`,
        '-startdate', stamp(new Date(Date.now() - 86_400_000)), '-enddate', stamp(c.notAfter), '-extfile', 'ext.cnf', '-extensions', 'tsa']);
      current = name;
      return path.join(dir, `${name}.pem`);
    },
    async setFault(f) {
      fault = f;
      if (f === 'down') await stop();
      else if (!server.listening) await listen();
    },
    async close() {
      await stop();
      await queue;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
