// Every signature value and digest in the project is checked or computed here, keyed by the algorithm's OID: the CMS
// verifier (signed attributes) and the path builder (each certificate's TBS) call the same function. RSA (PKCS#1 v1.5
// and PSS) and ECDSA go to Node's crypto; GOST R 34.10-2012 / 34.11-2012 go to main/signing/gost/ (pure TS, so a clerk's PC
// needs no OpenSSL). An OID nobody handles throws
// SigningError('unsupported'): never "invalid", so a signature we cannot check is not called forged.
import { gostDigestForOid, GostError, verifyGostSignatureValue } from './gost/index.ts';
import crypto from 'node:crypto';
import { children, contentOf, oidText, readTlv, TAG } from './der.ts';
import { SigningError } from './errors.ts';

export const OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  rsaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // GOST R 34.10-2012 keys (256, 512), signatures with GOST R 34.11-2012 (256, 512), the digests (Стрибог 256, 512)
  gost2012Key256: '1.2.643.7.1.1.1.1',
  gost2012Key512: '1.2.643.7.1.1.1.2',
  gost2012Sig256: '1.2.643.7.1.1.3.2',
  gost2012Sig512: '1.2.643.7.1.1.3.3',
  streebog256: '1.2.643.7.1.1.2.2',
  streebog512: '1.2.643.7.1.1.2.3',
} as const;

const NODE_DIGESTS: Record<string, string> = {
  [OIDS.sha1]: 'sha1', [OIDS.sha256]: 'sha256', [OIDS.sha384]: 'sha384', [OIDS.sha512]: 'sha512',
};
const RSA_WITH: Record<string, string> = {
  [OIDS.sha1WithRSA]: 'sha1', [OIDS.sha256WithRSA]: 'sha256', [OIDS.sha384WithRSA]: 'sha384', [OIDS.sha512WithRSA]: 'sha512',
};
const ECDSA_WITH: Record<string, string> = { [OIDS.ecdsaSha256]: 'sha256', [OIDS.ecdsaSha384]: 'sha384', [OIDS.ecdsaSha512]: 'sha512' };
const GOST_SIGNATURES = new Set<string>([OIDS.gost2012Key256, OIDS.gost2012Key512, OIDS.gost2012Sig256, OIDS.gost2012Sig512]);
const GOST_DIGESTS = new Set<string>([OIDS.streebog256, OIDS.streebog512]);

/** How an algorithm is called to a clerk, for messages («алгоритм … не поддерживается»). */
export function algorithmName(oid: string): string {
  if (GOST_SIGNATURES.has(oid) || GOST_DIGESTS.has(oid)) return `ГОСТ Р 34.10-2012 / 34.11-2012 (${oid})`;
  if (RSA_WITH[oid] || oid === OIDS.rsaEncryption || oid === OIDS.rsaPss) return `RSA (${oid})`;
  if (ECDSA_WITH[oid] || oid === OIDS.ecPublicKey) return `ECDSA (${oid})`;
  return oid;
}

export const isGostAlgorithm = (oid: string) => GOST_SIGNATURES.has(oid) || GOST_DIGESTS.has(oid);

// ---------- the GOST slot ----------
// Both are main/signing/gost/ (pure TypeScript: no OpenSSL, so they run in Electron and on a clerk's PC too).

/**
 * GOST R 34.10-2012 signature check. `algOid`: a key OID (1.2.643.7.1.1.1.1/.1.2, as CMS signerInfos often name it)
 * or a signature OID (1.2.643.7.1.1.3.2/.3.3). `spkiDer`: the whole SubjectPublicKeyInfo (the curve is in its
 * parameters). `data`: the signed bytes themselves (the TBS, or the DER SET of signed attributes) — hashing them with
 * Стрибог of the key's size is the verifier's part. `signature`: the value as carried (the BIT STRING's contents without
 * the unused-bits octet for a certificate, the OCTET STRING's contents for CMS), in the byte order OpenSSL writes.
 * Returns true/false; throws SigningError('unsupported') when it cannot judge.
 */
export function verifyGostSignature(algOid: string, spkiDer: Buffer, data: Buffer, signature: Buffer): boolean {
  try {
    return verifyGostSignatureValue(algOid, spkiDer, data, signature);
  } catch (e) {
    if (e instanceof GostError) throw new SigningError('unsupported', `${algorithmName(algOid)}: ${e.message}`);
    throw e;
  }
}

/** GOST R 34.11-2012 (Стрибог) digest of `data`: 32 bytes for 1.2.643.7.1.1.2.2, 64 for 1.2.643.7.1.1.2.3. */
export function streebogDigest(digestOid: string, data: Buffer): Buffer {
  const d = gostDigestForOid(digestOid);
  if (!d) throw new SigningError('unsupported', `хеш ${algorithmName(digestOid)}`);
  return Buffer.from(d.hash(data));
}

// ---------- the one entry for digests and signature values ----------

/** The digest a CMS messageDigest is compared with. Throws SigningError('unsupported') for an unknown OID. */
export function digestOf(digestOid: string, data: Buffer): Buffer {
  const name = NODE_DIGESTS[digestOid];
  if (name) return crypto.createHash(name).update(data).digest();
  if (GOST_DIGESTS.has(digestOid)) return streebogDigest(digestOid, data);
  throw new SigningError('unsupported', `хеш ${digestOid}`);
}

export type SignatureParams = {
  /** the CMS signerInfo's digestAlgorithm, for algorithm OIDs that name only the key (rsaEncryption, ecPublicKey) */
  digestOid?: string;
  /** the AlgorithmIdentifier's parameters (DER), for RSASSA-PSS */
  paramsDer?: Buffer | null;
};

/**
 * Is `signature` a signature of `data` by the key in `spkiDer` under `algOid`? False when it is not (or the key does
 * not fit the algorithm); throws SigningError('unsupported') when the algorithm is none we can check.
 */
export function verifySignatureValue(algOid: string, spkiDer: Buffer, data: Buffer, signature: Buffer, params: SignatureParams = {}): boolean {
  if (GOST_SIGNATURES.has(algOid)) return verifyGostSignature(algOid, spkiDer, data, signature);
  const key = () => crypto.createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  const digestFromParams = () => {
    const d = params.digestOid ? NODE_DIGESTS[params.digestOid] : undefined;
    if (!d) throw new SigningError('unsupported', `хеш ${params.digestOid ?? '—'} для ${algorithmName(algOid)}`);
    return d;
  };
  let hash: string;
  let pss: { saltLength: number } | null = null;
  if (RSA_WITH[algOid]) hash = RSA_WITH[algOid];
  else if (ECDSA_WITH[algOid]) hash = ECDSA_WITH[algOid];
  else if (algOid === OIDS.rsaEncryption || algOid === OIDS.ecPublicKey) hash = digestFromParams();
  else if (algOid === OIDS.rsaPss) ({ hash, pss } = pssParams(params.paramsDer ?? null));
  else throw new SigningError('unsupported', `алгоритм подписи ${algorithmName(algOid)}`);
  try {
    const k = key();
    if (pss) return crypto.verify(hash, data, { key: k, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
    return crypto.verify(hash, data, k, signature);
  } catch {
    return false; // a key of another type, a malformed signature value: not a valid signature
  }
}

/** RSASSA-PSS-params (RFC 4055): hash [0] (default SHA-1), MGF1 with the same hash assumed, saltLength [2] (default 20). */
function pssParams(der: Buffer | null): { hash: string; pss: { saltLength: number } } {
  let hash = 'sha1';
  let saltLength = 20;
  if (der && der.length) {
    const seq = readTlv(der);
    for (const f of children(der, seq)) {
      if (f.tag === 0xa0) {
        const algId = children(der, f)[0];
        const oid = children(der, algId)[0];
        hash = NODE_DIGESTS[oidText(contentOf(der, oid))] ?? '';
      } else if (f.tag === 0xa2) {
        const n = children(der, f)[0];
        if (n.tag === TAG.INTEGER) saltLength = contentOf(der, n).reduce((v, b) => v * 256 + b, 0);
      }
    }
  }
  if (!hash) throw new SigningError('unsupported', 'хеш RSASSA-PSS');
  return { hash, pss: { saltLength } };
}

/** How our own signers sign with a key: the digest, the signerInfo's signatureAlgorithm and the signing itself. */
export type KeySigning = { digestOid: string; signatureAlgOid: string; sign(data: Buffer): Buffer; describe: string };

/**
 * The signing picked by the key's algorithm: RSA → SHA-256 + PKCS#1 v1.5 (rsaEncryption, as OpenSSL writes it),
 * EC P-256 → ECDSA with SHA-256. Anything else throws SigningError('unsupported') naming the key.
 */
export function signingFor(key: crypto.KeyObject): KeySigning {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    return { digestOid: OIDS.sha256, signatureAlgOid: OIDS.rsaEncryption, describe: 'RSA/SHA-256', sign: (d) => crypto.sign('sha256', d, key) };
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new SigningError('unsupported', `ключ ECDSA на кривой ${curve ?? 'неизвестной'}: поддерживается P-256`);
    return { digestOid: OIDS.sha256, signatureAlgOid: OIDS.ecdsaSha256, describe: 'ECDSA P-256/SHA-256', sign: (d) => crypto.sign('sha256', d, key) };
  }
  throw new SigningError('unsupported', `ключ ${type ?? 'неизвестного типа'}`);
}
