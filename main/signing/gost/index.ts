// In-process verification of GOST R 34.10-2012 signatures with Стрибог digests (issue 14): the packaged app runs on
// Electron's BoringSSL, which has no GOST, and a clerk's Windows PC has no OpenSSL. Nothing here signs.
//
// Byte orders, as checked against OpenSSL's GOST engine (test/signing/gost-verify.test.ts):
// - a digest is Стрибог's output bytes as `openssl dgst -md_gost12_256` prints them; GOST R 34.10 reads it as an
//   integer least significant byte first;
// - a public key (SubjectPublicKeyInfo) is an OCTET STRING inside the BIT STRING: X then Y, each little-endian, each
//   32 or 64 bytes; the AlgorithmIdentifier's parameters name the curve (publicKeyParamSet) and the digest;
// - a signature value is s then r, each big-endian and as long as a coordinate (64 or 128 bytes in all). That is the
//   same in `openssl dgst -sign` output, in a CMS SignerInfo.signature (OCTET STRING) and in an X.509 certificate's
//   signatureValue (BIT STRING, no unused bits): RFC 4491 §2.2.2 and RFC 4490 §3.2 say so and OpenSSL does so. It is
//   NOT "r||s" as in ECDSA's raw form, and not the little-endian order in which CryptoAPI's CryptSignHash (КриптоПро
//   CSP) hands out a bare signature: RFC 4490/4491 put s||r big-endian into CMS and certificates whoever made them
//   (not checked here against a real КриптоПро, which cannot be installed on this machine).
// - what differs between CMS and X.509 is the algorithm OID: a certificate names the signature algorithm
//   (1.2.643.7.1.1.3.2 / .3.3, "GOST R 34.10-2012 with GOST R 34.11-2012"), while OpenSSL's CMS
//   SignerInfo.signatureAlgorithm names the key algorithm (1.2.643.7.1.1.1.1 / .1.1.2) with the digest in
//   digestAlgorithm. Other signers may write either; verifyGostSignatureValue() accepts both.
import * as asn1js from 'asn1js';
import { GOST_CURVES, type GostCurve } from './curves.ts';
import { GostError } from './errors.ts';
import { bigEndianToBigint, littleEndianToBigint, verifyDigestSignature } from './gost3410.ts';
import { Streebog, streebog256, streebog512 } from './streebog.ts';

export { GostError } from './errors.ts';
export { Streebog, streebog256, streebog512 } from './streebog.ts';
export { GOST_CURVES, type GostCurve } from './curves.ts';

export const GOST_OIDS = {
  publicKey256: '1.2.643.7.1.1.1.1',
  publicKey512: '1.2.643.7.1.1.1.2',
  streebog256: '1.2.643.7.1.1.2.2',
  streebog512: '1.2.643.7.1.1.2.3',
  signWithDigest256: '1.2.643.7.1.1.3.2',
  signWithDigest512: '1.2.643.7.1.1.3.3',
} as const;

export type GostDigest = {
  name: 'streebog256' | 'streebog512';
  /** the digest algorithm's OID (as in CMS digestAlgorithm) */
  oid: string;
  /** digest length in bytes */
  size: 32 | 64;
  hash(data: Uint8Array): Uint8Array;
  /** a fresh streaming hash, for data read in chunks */
  create(): Streebog;
};

const DIGEST_256: GostDigest = { name: 'streebog256', oid: GOST_OIDS.streebog256, size: 32, hash: streebog256, create: () => new Streebog(256) };
const DIGEST_512: GostDigest = { name: 'streebog512', oid: GOST_OIDS.streebog512, size: 64, hash: streebog512, create: () => new Streebog(512) };

/**
 * The Стрибог that an OID calls for: a digest OID (CMS digestAlgorithm), a signature OID (X.509 signatureAlgorithm) or
 * a GOST R 34.10-2012 key OID (CMS signatureAlgorithm as OpenSSL and КриптоПро write it). Undefined for anything else,
 * so callers can ask "is this GOST?" with it.
 */
export function gostDigestForOid(oid: string): GostDigest | undefined {
  switch (oid) {
    case GOST_OIDS.streebog256:
    case GOST_OIDS.signWithDigest256:
    case GOST_OIDS.publicKey256:
      return DIGEST_256;
    case GOST_OIDS.streebog512:
    case GOST_OIDS.signWithDigest512:
    case GOST_OIDS.publicKey512:
      return DIGEST_512;
    default:
      return undefined;
  }
}

export type GostPublicKey = {
  /** 1.2.643.7.1.1.1.1 (256) or 1.2.643.7.1.1.1.2 (512) */
  keyOid: string;
  /** publicKeyParamSet */
  curveOid: string;
  curve: GostCurve;
  /** digestParamSet when the key names one (512-bit and TC 26 256-bit keys may leave it out) */
  digestOid?: string;
  x: bigint;
  y: bigint;
};

const oidOf = (node: unknown): string | undefined =>
  node instanceof asn1js.ObjectIdentifier ? node.valueBlock.toString() : undefined;

/**
 * Reads a GOST R 34.10-2012 public key from a SubjectPublicKeyInfo (DER). Throws GostError for anything that is not
 * one, or names a curve we do not know; the point itself is checked when verifying (not on the curve → false).
 */
export function parseGostPublicKey(spkiDer: Uint8Array): GostPublicKey {
  const bad = (why: string) => new GostError(`Открытый ключ ГОСТ Р 34.10-2012 не прочитан: ${why}`);
  const parsed = asn1js.fromBER(spkiDer);
  if (parsed.offset === -1 || parsed.offset !== spkiDer.length) throw bad('повреждённая структура SubjectPublicKeyInfo');
  const spki = parsed.result;
  if (!(spki instanceof asn1js.Sequence) || spki.valueBlock.value.length !== 2) throw bad('это не SubjectPublicKeyInfo');
  const [algorithm, bits] = spki.valueBlock.value;
  if (!(algorithm instanceof asn1js.Sequence) || !(bits instanceof asn1js.BitString)) throw bad('это не SubjectPublicKeyInfo');
  const keyOid = oidOf(algorithm.valueBlock.value[0]);
  if (keyOid !== GOST_OIDS.publicKey256 && keyOid !== GOST_OIDS.publicKey512) {
    throw new GostError(`Алгоритм открытого ключа ${keyOid ?? '(без OID)'} — не ГОСТ Р 34.10-2012`);
  }
  const params = algorithm.valueBlock.value[1];
  if (!(params instanceof asn1js.Sequence)) throw bad('нет параметров ключа (набора параметров кривой)');
  const curveOid = oidOf(params.valueBlock.value[0]);
  const curve = curveOid ? GOST_CURVES[curveOid] : undefined;
  if (!curveOid || !curve) throw new GostError(`Набор параметров ключа ГОСТ ${curveOid ?? '(без OID)'} не поддерживается`);
  const size = keyOid === GOST_OIDS.publicKey256 ? 32 : 64;
  if (curve.size !== size) throw bad(`кривая ${curve.name} не подходит к ключу длиной ${size * 8} бит`);
  const digestOid = oidOf(params.valueBlock.value[1]);
  if (bits.valueBlock.unusedBits !== 0) throw bad('неполные байты в BIT STRING');
  const inner = asn1js.fromBER(bits.valueBlock.valueHexView);
  if (inner.offset === -1 || inner.offset !== bits.valueBlock.valueHexView.length || !(inner.result instanceof asn1js.OctetString)) {
    throw bad('ключ не записан как OCTET STRING');
  }
  const point = inner.result.valueBlock.valueHexView;
  if (point.length !== 2 * size) throw bad(`длина ключа ${point.length} байт вместо ${2 * size}`);
  return {
    keyOid,
    curveOid,
    curve,
    ...(digestOid ? { digestOid } : {}),
    x: littleEndianToBigint(point.subarray(0, size)),
    y: littleEndianToBigint(point.subarray(size)),
  };
}

/**
 * Whether `signature` (s||r, big-endian: as in CMS and X.509, see the top of this file) is a GOST R 34.10-2012
 * signature of `digest` (Стрибог output bytes of the key's length) under the key in `spkiDer`. False for a wrong
 * signature, digest or a point not on the curve; throws GostError for a key it cannot read.
 */
export function verifyGost2012(spkiDer: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  return verifyWithKey(parseGostPublicKey(spkiDer), digest, signature);
}

function verifyWithKey(key: GostPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  const n = key.curve.size;
  if (signature.length !== 2 * n || digest.length !== n) return false;
  const s = bigEndianToBigint(signature.subarray(0, n));
  const r = bigEndianToBigint(signature.subarray(n));
  return verifyDigestSignature(key.curve, key.x, key.y, digest, r, s);
}

/**
 * Verifies a signature value over `data` (the DER of CMS signed attributes, or a certificate's tbsCertificate): hashes
 * it with the Стрибог that `sigAlgOid` and the key call for. `sigAlgOid` is a certificate's signature algorithm
 * (1.2.643.7.1.1.3.2/.3) or a CMS SignerInfo.signatureAlgorithm (the key's OID, 1.2.643.7.1.1.1.1/.1.2, or the
 * same signature OIDs). Throws GostError when the OID is not GOST R 34.10-2012 or does not fit the key's length.
 */
export function verifyGostSignatureValue(sigAlgOid: string, spkiDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const digest = gostDigestForOid(sigAlgOid);
  if (!digest || digest.oid === sigAlgOid) throw new GostError(`Алгоритм подписи ${sigAlgOid} — не ГОСТ Р 34.10-2012`);
  const key = parseGostPublicKey(spkiDer);
  if (digest.size !== key.curve.size) {
    throw new GostError(`Алгоритм подписи ${sigAlgOid} не подходит к ключу ГОСТ длиной ${key.curve.size * 8} бит`);
  }
  return verifyWithKey(key, digest.hash(data), signature);
}
