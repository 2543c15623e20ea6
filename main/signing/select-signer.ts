// Which signer a school's key gets, decided by the key's algorithm, with the same `--cert FILE.p12` and password:
// RSA → Node's crypto (cms.ts); GOST R 34.10-2012 → OpenSSL's GOST engine (openssl-gost.ts) where it exists, else a
// refusal that names the file; a key in КриптоПро CSP (a container or a token) chosen by its certificate's thumbprint →
// cryptcp (cryptcp.ts); anything else → a message naming the algorithm.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { asn1 } from './asn1-build.ts';
import { createSigner, signingAlgorithm, type Signer } from './cms.ts';
import { openCryptcpSigner, type CryptcpOptions } from './cryptcp.ts';
import { SigningError } from './errors.ts';
import { GOST_KEYS, keyAlgorithmName, keyAlgorithmOf } from './gost-cms.ts';
import { findGostTools, GostOpensslSigner, openPkcs12WithOpenssl, type GostOpensslOptions } from './openssl-gost.ts';
import { assertCanSign, loadPkcs12, type LoadedCertificate } from './pkcs12.ts';


/** A signer and the name of its algorithm, as the packets screen and the receiver see it. */
export type SchoolSigner = Signer & { readonly algorithm: string };

export type Pkcs12SignerOptions = {
  /** the file's name, for messages («… файл school.p12 …») */
  fileName?: string;
  /** issuers to carry in the signature besides those in the container (a chain file given with it) */
  chain?: LoadedCertificate[];
  /** the moment the certificate must be valid at (key usage and validity are checked when it is opened) */
  now?: Date;
  /** where the GOST engine is (tests point it at nothing to play a computer without one), and how to sign */
  gost?: { engine?: string; openssl?: string; mode?: GostOpensslOptions['mode']; idleMs?: number };
};

/**
 * Whether the container is protected the GOST way (TC 26 PBE, GOST HMAC): any algorithm under 1.2.643 among those it
 * shows before the password (the MAC, the encryption of its parts). Encrypted parts are opaque and not looked into.
 */
export function pkcs12UsesGost(bytes: Buffer): boolean {
  const oids: string[] = [];
  const walk = (n: forge.asn1.Asn1, depth: number) => {
    if (depth > 12) return;
    if (n.type === asn1.Type.OID && n.tagClass === asn1.Class.UNIVERSAL && typeof n.value === 'string') oids.push(asn1.derToOid(n.value));
    else if (Array.isArray(n.value)) for (const k of n.value) walk(k, depth + 1);
    else if (n.type === asn1.Type.OCTETSTRING && n.tagClass === asn1.Class.UNIVERSAL && typeof n.value === 'string' && n.value.charCodeAt(0) === 0x30) {
      try {
        walk(asn1.fromDer(n.value), depth + 1); // the authSafe and a SafeContents travel as OCTET STRINGs of DER
      } catch {
        /* not DER: encrypted bytes */
      }
    }
  };
  try {
    walk(asn1.fromDer(bytes.toString('binary'), { strict: false } as never), 0);
  } catch {
    return false;
  }
  return oids.some((o) => o.startsWith('1.2.643.'));
}

/** The keys this program signs with, as a refusal names them. */
const SIGNING_KEYS = 'подписывать можно ключом RSA, ECDSA P-256 или ГОСТ Р 34.10-2012';
const KEY_TYPE_NAMES: Record<string, string> = { ed25519: 'Ed25519', ed448: 'Ed448', dsa: 'DSA', x25519: 'X25519', x448: 'X448', dh: 'DH' };

/** « (файл school.p12)» when the file's name is known */
const ofFile = (o: Pkcs12SignerOptions) => (o.fileName ? ` (файл ${o.fileName})` : '');

const gostSigner = (p12: Buffer, password: string, o: Pkcs12SignerOptions): SchoolSigner => {
  const tools = findGostTools(o.gost ?? {});
  if ('missing' in tools) throw new SigningError('gost_unavailable', `(${o.fileName ? `файл ${o.fileName}: ` : ''}${tools.missing})`);
  const opened = openPkcs12WithOpenssl(p12, password, tools, o.fileName);
  const alg = keyAlgorithmOf(opened.certificate.der);
  if (!GOST_KEYS[alg]) throw new SigningError('unknown_algorithm', `${keyAlgorithmName(alg)} в контейнере ГОСТ${ofFile(o)}`);
  assertCanSign(opened.certificate, o.now ?? new Date());
  return new GostOpensslSigner(o.chain?.length ? { ...opened, chain: [...opened.chain, ...o.chain] } : opened, { tools, mode: o.gost?.mode, idleMs: o.gost?.idleMs });
};

/**
 * The key algorithm of the certificate in a PKCS#12 that Node's loader could not use, read by plain `openssl pkcs12
 * -nokeys` (no engine needed for a container on OpenSSL's defaults); null when there is no openssl to ask.
 */
function certificateAlgorithmByOpenssl(p12: Buffer, password: string, opensslPath?: string): string | null {
  const openssl = opensslPath ?? process.env.SCHOOL_REGISTER_OPENSSL ?? 'openssl';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-p12-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.p12'), p12, { mode: 0o600 });
    const r = spawnSync(openssl, ['pkcs12', '-in', 'in.p12', '-nokeys', '-clcerts', '-passin', 'stdin'], { cwd: dir, input: `${password}\n`, encoding: 'utf8' });
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(r.stdout ?? '')?.[0];
    return r.status === 0 && pem ? keyAlgorithmOf(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')) : null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Opens the school's PKCS#12 with the signer its key needs. Throws SigningError: the loaders' codes (wrong_password …),
 * gost_unavailable (a GOST key on a computer without the GOST engine; the file is named), unknown_algorithm.
 */
export function openPkcs12Signer(p12: Buffer, password: string, o: Pkcs12SignerOptions = {}): SchoolSigner {
  if (pkcs12UsesGost(p12)) return gostSigner(p12, password, o);
  let loaded: ReturnType<typeof loadPkcs12>;
  try {
    loaded = loadPkcs12(p12, password);
  } catch (e) {
    if (!(e instanceof SigningError && e.signingCode === 'unsupported')) throw e;
    // A key forge cannot read inside a container on OpenSSL's defaults: a GOST key, or an algorithm we do not sign with.
    const alg = certificateAlgorithmByOpenssl(p12, password, o.gost?.openssl);
    if (!alg) throw e;
    if (GOST_KEYS[alg]) return gostSigner(p12, password, o);
    throw new SigningError('unknown_algorithm', `${keyAlgorithmName(alg)}${ofFile(o)}; ${SIGNING_KEYS}`);
  }
  assertCanSign(loaded.certificate, o.now ?? new Date());
  const type = loaded.privateKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw new SigningError('unknown_algorithm', `${KEY_TYPE_NAMES[type ?? ''] ?? type ?? 'неизвестный'}${ofFile(o)}; ${SIGNING_KEYS}`);
  const withChain = o.chain?.length ? { ...loaded, chain: [...loaded.chain, ...o.chain] } : loaded;
  return Object.assign(createSigner(withChain), { algorithm: signingAlgorithm(withChain) });
}

/** The signer on a key in КриптоПро CSP, chosen by its certificate's SHA-1 thumbprint (the «отпечаток» in the settings). */
export function openThumbprintSigner(o: CryptcpOptions): Promise<SchoolSigner> {
  return openCryptcpSigner(o);
}

/** openThumbprintSigner, refused (and its process ended) when the certificate may not sign documents or is not valid
 *  at `now` — as a PKCS#12's is when opened. */
export async function openCheckedThumbprintSigner(o: CryptcpOptions, now = new Date()): Promise<SchoolSigner> {
  const signer = await openCryptcpSigner(o);
  try {
    assertCanSign(signer.certificate, now);
  } catch (e) {
    await closeSigner(signer);
    throw e;
  }
  return signer;
}

/** Ends a signer's helper process and removes its files, when it has any (the GOST back-ends). */
export async function closeSigner(s: Signer | undefined): Promise<void> {
  await (s as { close?: () => Promise<void> } | undefined)?.close?.();
}
