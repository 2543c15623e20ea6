// The GOST R 34.10-2012 signer on OpenSSL 3 with the GOST engine (Debian/Astra `libengine-gost-openssl`, РЕД ОС).
//
// Reading the key: node-forge cannot open a GOST PKCS#12 (TC 26 PBE, GOST HMAC), so `openssl pkcs12` does, with an
// OPENSSL_CONF that loads the engine; the password goes in on its stdin, and the key comes out on its stdout re-encrypted
// (PKCS#8, AES-256) under a random passphrase that lives only in this process's memory. The key is never on disk
// unencrypted; the PKCS#12 itself (encrypted by its owner's password) sits for that one call in a 0700 folder.
//
// Signing, two ways, the first preferred:
// - 'worker': ONE long-lived signing process for all documents. OpenSSL 3.0 has no interactive mode any more (`openssl`
//   without arguments prints its help and exits: measured), and no CLI command signs a stream of inputs (`dgst -sign`
//   takes one file), so the long-lived process is a Node child on Node's own OpenSSL 3 with the same engine loaded by
//   crypto.setEngine: it gets the key once over a pipe and then hashes (Стрибог) and signs on request; the CAdES-BES
//   around it is laid out here (gost-cms.ts). Needs a Node built on OpenSSL 3 (not Electron's BoringSSL).
// - 'per-document': one `openssl cms -sign -cades` per document (≈ 15 ms each here), the encrypted key in a 0600 file
//   of a 0700 folder (in /dev/shm when there is one), its passphrase on the process's stdin. Used under Electron, or
//   when the worker cannot load the engine. OpenSSL writes its own signingTime (the moment of signing).
// The worker ends after a few idle seconds or when its signer is closed, and with this process (its stdin closes); the
// folder is removed on close and on exit.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SigningError } from './errors.ts';
import { gostLoadedCertificate, gostSignedData, GOST_KEYS, keyAlgorithmOf } from './gost-cms.ts';
import type { Signer, SignOptions } from './cms.ts';
import { assertValidAt, type LoadedCertificate } from './pkcs12.ts';

export type GostTools = { openssl: string; engine: string };

/** Where to look for the engine when `openssl version -e` does not say (Debian, Astra, РЕД ОС, ALT, a local build). */
const ENGINE_DIRS = ['/usr/lib/x86_64-linux-gnu/engines-3', '/usr/lib/aarch64-linux-gnu/engines-3', '/usr/lib64/engines-3', '/usr/lib/engines-3',
  '/usr/local/lib64/engines-3', '/usr/local/lib/engines-3'];

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(dir, name);
    if (dir && fs.existsSync(f)) return f;
  }
  return null;
}

const found = new Map<string, GostTools | { missing: string }>();

/**
 * The openssl program and the GOST engine (gost.so) on this computer, or what is missing (in Russian, for the message).
 * `engine` (or SCHOOL_REGISTER_GOST_ENGINE) names the engine file instead of looking for it.
 */
export function findGostTools(o: { engine?: string; openssl?: string } = {}): GostTools | { missing: string } {
  const wanted = o.engine ?? process.env.SCHOOL_REGISTER_GOST_ENGINE;
  const key = `${o.openssl ?? ''}\0${wanted ?? ''}`;
  const cached = found.get(key);
  if (cached) return cached;
  const result = ((): GostTools | { missing: string } => {
    const openssl = o.openssl ?? process.env.SCHOOL_REGISTER_OPENSSL ?? onPath(process.platform === 'win32' ? 'openssl.exe' : 'openssl');
    if (!openssl || !fs.existsSync(openssl)) return { missing: 'не найдена программа openssl (OpenSSL 3)' };
    if (wanted !== undefined) return fs.existsSync(wanted) ? { openssl, engine: wanted } : { missing: `нет модуля ГОСТ для OpenSSL: файла ${wanted}` };
    const v = spawnSync(openssl, ['version', '-e'], { encoding: 'utf8' });
    const dirs = [/ENGINESDIR: "([^"]+)"/.exec(v.stdout ?? '')?.[1], ...ENGINE_DIRS].filter((d): d is string => !!d);
    const engine = dirs.map((d) => path.join(d, 'gost.so')).find((f) => fs.existsSync(f));
    return engine ? { openssl, engine } : { missing: 'нет модуля ГОСТ для OpenSSL 3 (gost.so): установите пакет libengine-gost-openssl' };
  })();
  found.set(key, result);
  return result;
}

/** The OPENSSL_CONF that loads the engine (only ever given to our own `openssl` processes). */
export function opensslGostConf(engine: string): string {
  return ['openssl_conf = openssl_def', '[openssl_def]', 'engines = engine_section', '[engine_section]', 'gost = gost_section', '[gost_section]',
    'engine_id = gost', `dynamic_path = ${engine}`, 'default_algorithms = ALL', ''].join('\n');
}

/** A 0700 folder for key material, in memory (/dev/shm) where the system has one. */
function privateDir(): string {
  const base = process.platform === 'linux' && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  try {
    return fs.mkdtempSync(path.join(base, 'sr-gost-'));
  } catch {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'sr-gost-'));
  } // mkdtemp makes it 0700
}

export type OpenedGostPkcs12 = {
  certificate: LoadedCertificate;
  chain: LoadedCertificate[];
  /** PKCS#8 PEM, AES-256 under `passphrase` */
  encryptedKeyPem: string;
  passphrase: string;
};

/**
 * Opens a PKCS#12 with `openssl pkcs12` and the engine. Throws SigningError: wrong_password, gost_unavailable (the
 * engine does not load), not_pkcs12, no_private_key, no_certificate, key_mismatch.
 */
export function openPkcs12WithOpenssl(p12: Buffer, password: string, tools: GostTools, fileName?: string): OpenedGostPkcs12 {
  const dir = privateDir();
  try {
    fs.writeFileSync(path.join(dir, 'in.p12'), p12, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'openssl.cnf'), opensslGostConf(tools.engine), { mode: 0o600 });
    const passphrase = crypto.randomBytes(24).toString('base64url');
    // both passwords on stdin, a line each: the file's, then the one the key is re-encrypted under
    const r = spawnSync(tools.openssl, ['pkcs12', '-in', 'in.p12', '-passin', 'stdin', '-passout', 'stdin', '-aes256'], {
      cwd: dir, env: { ...process.env, OPENSSL_CONF: path.join(dir, 'openssl.cnf') }, input: `${password}\n${passphrase}\n`, encoding: 'utf8', maxBuffer: 16 << 20,
    });
    if (r.status !== 0) {
      const err = r.stderr ?? '';
      if (/invalid password|mac verify (error|failure)|bad decrypt/i.test(err)) throw new SigningError('wrong_password');
      if (/configuring OpenSSL modules|engine|DSO|init failed/i.test(err)) throw new SigningError('gost_unavailable', `(${fileName ? `файл ${fileName}: ` : ''}модуль ${tools.engine} не загружается)`);
      if (/unsupported|unknown (algorithm|cipher)/i.test(err)) throw new SigningError('unsupported');
      throw new SigningError('not_pkcs12');
    }
    return parsePkcs12Output(r.stdout, passphrase);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl pkcs12` output: bags, each with its attributes (localKeyID ties the key to its certificate) and PEM. */
function parsePkcs12Output(out: string, passphrase: string): OpenedGostPkcs12 {
  const certs: Array<{ id: string; pem: string }> = [];
  let key: { id: string; pem: string } | null = null;
  for (const m of out.matchAll(/(Bag Attributes[\s\S]*?)?(-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \3-----)/g)) {
    const id = /localKeyID:\s*([0-9A-F ]+)/i.exec(m[1] ?? '')?.[1].trim() ?? '';
    if (m[3] === 'CERTIFICATE') certs.push({ id, pem: m[2] + '\n' });
    else if (m[3] === 'ENCRYPTED PRIVATE KEY') key ??= { id, pem: m[2] + '\n' };
  }
  if (!key) throw new SigningError('no_private_key');
  if (!certs.length) throw new SigningError('no_certificate');
  const own = key.id ? certs.find((c) => c.id === key!.id) : certs.length === 1 ? certs[0] : undefined;
  if (!own) throw new SigningError('key_mismatch');
  return {
    certificate: gostLoadedCertificate(own.pem),
    chain: certs.filter((c) => c !== own).map((c) => gostLoadedCertificate(c.pem)),
    encryptedKeyPem: key.pem,
    passphrase,
  };
}

// The long-lived signing process: line-delimited JSON in and out, the key given once in `init`. Plain CommonJS for
// `node -e`, so it needs no file of its own in a bundle.
const WORKER = `
const crypto = require('node:crypto');
const rl = require('node:readline').createInterface({ input: process.stdin });
let key = null;
const reply = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
rl.on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  try {
    if (m.op === 'init') { crypto.setEngine(m.engine); key = crypto.createPrivateKey({ key: m.key, passphrase: m.passphrase }); reply({ id: m.id, ok: true }); return; }
    const data = Buffer.from(m.data, 'base64');
    if (m.op === 'digest') reply({ id: m.id, ok: true, out: crypto.createHash(m.md).update(data).digest('base64') });
    else if (m.op === 'sign') reply({ id: m.id, ok: true, out: crypto.sign(null, data, key).toString('base64') });
    else reply({ id: m.id, ok: false, error: 'unknown op' });
  } catch (e) { reply({ id: m.id, ok: false, error: String((e && e.message) || e) }); }
});
rl.on('close', () => process.exit(0));
`;

/** Whether this runtime can host the worker: Node on OpenSSL 3 (Electron's Node is BoringSSL, without engines). */
export const workerRuntimeAvailable = () => !process.versions.electron && /^3\./.test(process.versions.openssl ?? '');

class Worker {
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private next = 1;
  private idle: NodeJS.Timeout | null = null;
  private ready: Promise<void> | null = null;

  constructor(private readonly init: { engine: string; key: string; passphrase: string }, private readonly idleMs: number) {}

  private start(): Promise<void> {
    const child = spawn(process.execPath, ['-e', WORKER], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    this.child = child;
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let m: { id: number; ok: boolean; out?: string; error?: string };
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(Buffer.from(m.out ?? '', 'base64'));
        else p.reject(new Error(m.error ?? 'worker error'));
        this.armIdle();
      }
    });
    child.stderr.resume();
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = null;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    child.on('exit', (code) => gone(`процесс подписи ГОСТ завершился (код ${code})`));
    child.on('error', (e) => gone(e.message));
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    return this.request({ op: 'init', engine: this.init.engine, key: this.init.key, passphrase: this.init.passphrase }).then(() => undefined);
  }

  private request(m: Record<string, unknown>): Promise<Buffer> {
    const child = this.child;
    if (!child) return Promise.reject(new Error('процесс подписи ГОСТ не запущен'));
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.hold(child, true);
    const id = this.next++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.stdin.write(JSON.stringify({ ...m, id }) + '\n');
    });
  }

  async call(op: 'digest' | 'sign', data: Buffer, md?: string): Promise<Buffer> {
    if (!this.ready) this.ready = this.start();
    await this.ready;
    return this.request({ op, md, data: data.toString('base64') });
  }

  /** Keeps this process alive while a document is being signed, and only then (an idle worker never holds up exit). */
  private hold(child: ChildProcessWithoutNullStreams, on: boolean) {
    const streams = [child.stdin, child.stdout] as unknown as Array<{ ref?: () => void; unref?: () => void }>;
    if (on) {
      child.ref();
      for (const s of streams) s.ref?.();
    } else {
      child.unref();
      for (const s of streams) s.unref?.();
    }
  }

  private armIdle() {
    if (this.pending.size || this.idle) return;
    if (this.child) this.hold(this.child, false);
    this.idle = setTimeout(() => this.stop(), this.idleMs);
    this.idle.unref();
  }

  stop() {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const child = this.child;
    if (child) {
      child.stdin.end();
      child.kill();
    }
  }
}

/** Folders and workers still alive, removed and stopped when this process exits. */
const live = new Set<GostOpensslSigner>();
let exitHook = false;

export type GostOpensslOptions = {
  tools: GostTools;
  /** 'worker' where the runtime allows it, else 'per-document' */
  mode?: 'worker' | 'per-document';
  /** how long the worker waits for the next document before it ends (it restarts on demand) */
  idleMs?: number;
};

/** A Signer on OpenSSL's GOST engine; `close()` ends its process and removes its folder (both also happen on exit). */
export class GostOpensslSigner implements Signer {
  readonly certificate: LoadedCertificate;
  readonly chain: LoadedCertificate[];
  readonly algorithm: string;
  mode: 'worker' | 'per-document';
  private readonly key: (typeof GOST_KEYS)[string];
  private worker: Worker | null = null;
  private dir: string | null = null;
  private certificateHash: Buffer | null = null;
  private seq = 0;
  private busy = 0;
  private idle: NodeJS.Timeout | null = null;

  constructor(private readonly opened: OpenedGostPkcs12, private readonly o: GostOpensslOptions) {
    const key = GOST_KEYS[keyAlgorithmOf(opened.certificate.der)];
    if (!key) throw new Error('GostOpensslSigner: not a GOST R 34.10-2012 certificate');
    this.key = key;
    this.certificate = opened.certificate;
    this.chain = opened.chain;
    this.algorithm = `ГОСТ Р 34.10-2012 (${key.bits} бит)/ГОСТ Р 34.11-2012`;
    this.mode = o.mode ?? (workerRuntimeAvailable() ? 'worker' : 'per-document');
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const s of live) s.closeNow();
      });
    }
  }

  async sign(data: Buffer, opts: SignOptions = {}): Promise<Buffer> {
    const signingTime = opts.signingTime ?? new Date();
    assertValidAt(this.certificate, signingTime);
    if (this.idle) clearTimeout(this.idle);
    this.busy++;
    try {
      return await this.signNow(data, signingTime);
    } finally {
      // a signer nobody closes still lets its process and folder go a few seconds after its last document
      if (--this.busy === 0) {
        this.idle = setTimeout(() => this.closeNow(), this.o.idleMs ?? 5000);
        this.idle.unref();
      }
    }
  }

  private async signNow(data: Buffer, signingTime: Date): Promise<Buffer> {
    if (this.mode === 'worker') {
      try {
        return await this.signInWorker(data, signingTime);
      } catch (e) {
        // The engine does not load into this Node (a different OpenSSL build): sign the other way from now on.
        if (!/setEngine|engine|ENGINE|DSO|unsupported|decoder/i.test((e as Error).message)) throw e;
        this.worker?.stop();
        this.worker = null;
        this.mode = 'per-document';
      }
    }
    return this.signWithOpensslCms(data);
  }

  private async signInWorker(data: Buffer, signingTime: Date): Promise<Buffer> {
    live.add(this);
    this.worker ??= new Worker({ engine: this.o.tools.engine, key: this.opened.encryptedKeyPem, passphrase: this.opened.passphrase }, this.o.idleMs ?? 5000);
    const w = this.worker;
    this.certificateHash ??= await w.call('digest', this.certificate.der, this.key.md);
    return gostSignedData({
      certificate: this.certificate,
      chain: this.chain,
      messageDigest: await w.call('digest', data, this.key.md),
      certificateHash: this.certificateHash,
      signingTime,
      sign: (attrs) => w.call('sign', attrs),
    });
  }

  /** The folder with the encrypted key, while the per-document way has one (null otherwise): for tests. */
  get keyFolder(): string | null {
    return this.dir;
  }

  private folder(): string {
    if (this.dir) return this.dir;
    live.add(this);
    const dir = privateDir();
    fs.writeFileSync(path.join(dir, 'key.pem'), this.opened.encryptedKeyPem, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'signer.pem'), this.certificate.pem, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'chain.pem'), this.chain.map((c) => c.pem).join(''), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'openssl.cnf'), opensslGostConf(this.o.tools.engine), { mode: 0o600 });
    return (this.dir = dir);
  }

  private signWithOpensslCms(data: Buffer): Promise<Buffer> {
    const dir = this.folder();
    const n = ++this.seq;
    const [inFile, outFile] = [`d${n}.bin`, `s${n}.der`];
    fs.writeFileSync(path.join(dir, inFile), data, { mode: 0o600 });
    const args = ['cms', '-sign', '-binary', '-cades', '-nosmimecap', '-md', this.key.md, '-in', inFile, '-signer', 'signer.pem', '-inkey', 'key.pem',
      '-passin', 'stdin', '-outform', 'DER', '-out', outFile, ...(this.chain.length ? ['-certfile', 'chain.pem'] : [])];
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(this.o.tools.openssl, args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: path.join(dir, 'openssl.cnf') } });
      let err = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => (err += s));
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', (code) => {
        try {
          if (code !== 0) throw new SigningError('gost_unavailable', `(openssl cms: ${err.split('\n')[0].slice(0, 200)})`);
          resolve(fs.readFileSync(path.join(dir, outFile)));
        } catch (e) {
          reject(e);
        } finally {
          fs.rmSync(path.join(dir, inFile), { force: true });
          fs.rmSync(path.join(dir, outFile), { force: true });
        }
      });
      child.stdin.end(`${this.opened.passphrase}\n`);
    });
  }

  private closeNow() {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.worker?.stop();
    this.worker = null;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    live.delete(this);
  }

  /** Ends the signing process and removes the key's folder. The signer can still sign: it starts them again. */
  async close(): Promise<void> {
    this.closeNow();
  }
}

/** Opens a GOST PKCS#12 and the signer on it. Throws SigningError as openPkcs12WithOpenssl does. */
export function openGostPkcs12Signer(p12: Buffer, password: string, o: GostOpensslOptions & { fileName?: string }): GostOpensslSigner {
  return new GostOpensslSigner(openPkcs12WithOpenssl(p12, password, o.tools, o.fileName), o);
}
