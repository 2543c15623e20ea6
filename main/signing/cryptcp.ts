// The GOST signer on КриптоПро CSP: the key stays in its container or on its token (Rutoken, JaCarta), found by the
// SHA-1 thumbprint of its certificate in the user's «Личное» store, and `cryptcp` signs each document:
//   cryptcp -sign -thumbprint <отпечаток> -detached -der -cadesbes -cert -nochain -hashAlg <OID Стрибога> [-pin <PIN>] <file> <signature>
// It reports as its last line `[ErrorCode: 0x…]` (0x00000000 on success), which is read here before the exit status.
// cryptcp has no batch or server mode: one process per document. `-nochain`: the chain and key usage are checked by
// this program when the certificate is opened, and CSP would otherwise stop to ask about an untrusted root. Without
// `pin`, CSP asks for the PIN in its own window (or uses the one it remembers); `-pin` on the command line can be seen
// by other users of the computer in its process list, so it is for a computer of one user.
// Built to cryptcp's documented command line and tested against a stand-in (test/helpers/cryptcp-stand-in.mjs); it
// has not run against a real КриптоПро CSP.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import type { SignOptions } from './cms.ts';
import { SigningError } from './errors.ts';
import { gostLoadedCertificate, GOST_KEYS, keyAlgorithmName, keyAlgorithmOf } from './gost-cms.ts';
import { assertValidAt, type LoadedCertificate } from './pkcs12.ts';

export type CryptcpOptions = {
  /** SHA-1 of the certificate, 40 hex digits (spaces and colons as Windows shows them are allowed) */
  thumbprint: string;
  pin?: string;
  /** the cryptcp program, or a command with its first arguments (the tests' stand-in); else SCHOOL_REGISTER_CRYPTCP or where CSP installs it */
  cryptcp?: string | string[];
};

/** What cryptcp's error codes mean to the person signing; the code itself is kept in the message for support. */
const CODES: Record<number, { code: 'csp_certificate_not_found' | 'csp_cancelled' | 'csp_failed'; detail?: string }> = {
  0x2000012d: { code: 'csp_certificate_not_found' },
  0x20000066: { code: 'csp_cancelled' },
  0x8010006e: { code: 'csp_cancelled' },
  0x000004c7: { code: 'csp_cancelled' },
  0x8010006b: { code: 'csp_failed', detail: 'неверный PIN-код ключевого носителя' },
  0x8010006c: { code: 'csp_failed', detail: 'PIN-код заблокирован: исчерпаны попытки ввода' },
  0x20000135: { code: 'csp_failed', detail: 'не удалось ввести пароль ключевого контейнера' },
  0x20000136: { code: 'csp_failed', detail: 'нет связи с закрытым ключом: вставлен ли носитель?' },
  0x8010000c: { code: 'csp_failed', detail: 'ключевой носитель не вставлен' },
  0x80090016: { code: 'csp_failed', detail: 'ключевой контейнер не найден' },
  0x20000132: { code: 'csp_failed', detail: 'этот сертификат не может применяться для подписи' },
  0x20000133: { code: 'csp_failed', detail: 'цепочка сертификатов не проверена: сертификат отозван или просрочен' },
  0x20000134: { code: 'csp_failed', detail: 'не найден криптопровайдер для алгоритма ключа' },
  0x2000012e: { code: 'csp_failed', detail: 'найдено больше одного сертификата с этим отпечатком' },
  0x0000065b: { code: 'csp_failed', detail: 'нет лицензии КриптоПро CSP' },
  0x20000325: { code: 'csp_failed', detail: 'лицензия КриптоПро CSP просрочена' },
};

const hex8 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

/** The error a cryptcp run ended with, from its `[ErrorCode: 0x…]` line (or its exit status when there is none). */
export function cryptcpError(errorCode: number | null, exitStatus: number | null, thumbprint: string): SigningError | null {
  if (errorCode === 0 && exitStatus === 0) return null;
  if (errorCode === null || errorCode === 0) return new SigningError('csp_failed', `cryptcp завершился с кодом ${exitStatus ?? 'сигнала'}`);
  const known = CODES[errorCode];
  if (!known) return new SigningError('csp_failed', `код ошибки ${hex8(errorCode)}`);
  if (known.code === 'csp_certificate_not_found') return new SigningError(known.code, `${thumbprint} (${hex8(errorCode)})`);
  return new SigningError(known.code, known.detail ? `${known.detail} (${hex8(errorCode)})` : `(${hex8(errorCode)})`);
}

function defaultCryptcp(): string {
  if (process.env.SCHOOL_REGISTER_CRYPTCP) return process.env.SCHOOL_REGISTER_CRYPTCP;
  if (process.platform === 'win32') return path.join(process.env.ProgramFiles ?? 'C:\\Program Files', 'Crypto Pro', 'CSP', 'cryptcp.exe');
  const arch = { x64: 'amd64', ia32: 'ia32', arm64: 'aarch64' }[process.arch as string] ?? process.arch;
  return `/opt/cprocsp/bin/${arch}/cryptcp`;
}

type Run = { errorCode: number | null; status: number | null; output: string };

function runCryptcp(command: string[], args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // LANG: CSP answers in the locale's encoding; UTF-8 keeps the messages readable in a log
    const child = spawn(command[0], [...command.slice(1), ...args], { cwd, env: { ...process.env, LANG: 'ru_RU.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new SigningError('gost_unavailable', `(не найдена программа КриптоПро CSP cryptcp: ${command[0]})`) : e));
    child.on('close', (status) => {
      const m = [...output.matchAll(/\[ErrorCode:\s*(0x[0-9a-f]+)\]/gi)].pop();
      resolve({ errorCode: m ? Number.parseInt(m[1], 16) : null, status, output });
    });
  });
}

/** The certificates a DER SignedData carries. */
function certificatesIn(cms: Buffer): Buffer[] {
  const asn1 = forge.asn1;
  const ci = asn1.fromDer(cms.toString('binary'));
  const sd = ((ci.value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0];
  const certs = (sd.value as forge.asn1.Asn1[]).find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 0);
  return ((certs?.value as forge.asn1.Asn1[]) ?? []).map((c) => Buffer.from(asn1.toDer(c).getBytes(), 'binary'));
}

const sha1 = (der: Buffer) => crypto.createHash('sha1').update(der).digest('hex').toUpperCase();

/** One cryptcp run over `data` in `dir`: the DER detached signature, or the SigningError its code means. */
async function cryptcpSign(k: { command: string[]; thumbprint: string; pin?: string }, dir: string, name: string, data: Buffer, hashAlg?: string): Promise<Buffer> {
  const [inFile, outFile] = [path.join(dir, `${name}.bin`), path.join(dir, `${name}.sig`)];
  fs.writeFileSync(inFile, data, { mode: 0o600 });
  try {
    const r = await runCryptcp(k.command, ['-sign', '-thumbprint', k.thumbprint, '-detached', '-der', '-cadesbes', '-cert', '-nochain',
      ...(hashAlg ? ['-hashAlg', hashAlg] : []), ...(k.pin !== undefined ? ['-pin', k.pin] : []), inFile, outFile], dir);
    const err = cryptcpError(r.errorCode, r.status, k.thumbprint);
    if (err) throw err;
    if (!fs.existsSync(outFile)) throw new SigningError('csp_failed', 'cryptcp не записал файл подписи');
    return fs.readFileSync(outFile);
  } finally {
    fs.rmSync(inFile, { force: true });
    fs.rmSync(outFile, { force: true });
  }
}

export class CryptcpSigner {
  readonly algorithm: string;
  private readonly digestOid: string;
  private seq = 0;
  private dir: string | null = null;

  constructor(
    readonly certificate: LoadedCertificate,
    private readonly key: { command: string[]; thumbprint: string; pin?: string },
  ) {
    const gost = GOST_KEYS[keyAlgorithmOf(certificate.der)];
    this.algorithm = `ГОСТ Р 34.10-2012 (${gost.bits} бит)/ГОСТ Р 34.11-2012, КриптоПро CSP`;
    this.digestOid = gost.digestOid;
  }

  async sign(data: Buffer, opts: SignOptions = {}): Promise<Buffer> {
    assertValidAt(this.certificate, opts.signingTime ?? new Date()); // CSP writes its own signingTime: the moment it signs
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'sr-cryptcp-'));
    live.add(this);
    return cryptcpSign(this.key, this.dir, `d${++this.seq}`, data, this.digestOid);
  }

  /** Removes the folder of documents in flight (no key material is ever in it). */
  async close(): Promise<void> {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    live.delete(this);
  }
}

const live = new Set<CryptcpSigner>();
process.once('exit', () => {
  for (const s of live) void s.close();
});

/**
 * Opens the key by thumbprint: one signature of a short probe, which asks CSP for the PIN now (a wrong or cancelled
 * PIN is the caller's error before any document is touched) and gives the certificate as CSP holds it.
 */
export async function openCryptcpSigner(o: CryptcpOptions): Promise<CryptcpSigner> {
  const thumbprint = o.thumbprint.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(thumbprint)) throw new SigningError('csp_certificate_not_found', `отпечаток должен состоять из 40 шестнадцатеричных цифр, а не «${o.thumbprint}»`);
  const command = o.cryptcp === undefined ? [defaultCryptcp()] : typeof o.cryptcp === 'string' ? [o.cryptcp] : o.cryptcp;
  const key = { command, thumbprint, pin: o.pin };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-cryptcp-'));
  try {
    const cms = await cryptcpSign(key, dir, 'probe', Buffer.from('School Register: проверка ключа', 'utf8'));
    const der = certificatesIn(cms).find((c) => sha1(c) === thumbprint);
    if (!der) throw new SigningError('csp_failed', 'в подписи КриптоПро нет сертификата с этим отпечатком');
    const alg = keyAlgorithmOf(der);
    if (!GOST_KEYS[alg]) throw new SigningError('unknown_algorithm', `${keyAlgorithmName(alg)} (сертификат ${thumbprint} в КриптоПро CSP)`);
    return new CryptcpSigner(gostLoadedCertificate(der), key);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
