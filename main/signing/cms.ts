// Detached CMS SignedData (RFC 5652): forge builds and reads the ASN.1, Node's crypto does the RSA or ECDSA (forge's
// own RSA costs ~35 ms a signature; see test/bench/signing.bench.ts). `openssl cms -verify` accepts what is built here.
// The signature carries the signer's whole chain (as the PKCS#12 or a chain file gave it), so a verifier that trusts
// only the root can build the path. Verification: digest and signature value through algorithms.ts (keyed by OID, GOST
// included), the path to the trust anchors through chain.ts. pkijs is not used for either: its SignedData and
// CertificateChainValidationEngine check signatures through WebCrypto, which has no GOST, and report a failed path
// without saying which link failed; this reader and builder are small and checked against `openssl cms` in the tests.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { der, int, nul, octets, oid, seq, set, T, U, type Asn1, asn1 } from './asn1-build.ts';
import { algorithmName, digestOf, OIDS, signingFor, verifySignatureValue } from './algorithms.ts';
import { buildPath, pemCertificates } from './chain.ts';
import { SigningError } from './errors.ts';
import { assertValidAt, loadedCertificate, type LoadedCertificate, type LoadedPkcs12 } from './pkcs12.ts';
import { certificateStructure, tbsParts, type CertificateInfo } from './x509.ts';


export type SignOptions = {
  /** the signingTime attribute and the moment the certificate must be valid at; now by default */
  signingTime?: Date;
};

/** The school's signer. RSA and ECDSA P-256 here; a GOST signer (CryptoPro, OpenSSL's GOST engine) implements the same. */
export interface Signer {
  /** the signer's certificate, for the UI (subject, validity) and to give the receiver */
  readonly certificate: LoadedCertificate;
  /** Detached CMS SignedData over `data`, DER. Throws SigningError when the certificate is not valid at signingTime. */
  sign(data: Buffer, opts?: SignOptions): Promise<Buffer>;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

// BIT STRINGs left as bytes: a certificate inside is written back exactly as it came (an ECDSA signature value is DER too)
const fromDer = (b: Buffer) => asn1.fromDer(b.toString('binary'), { decodeBitStrings: false } as never);
const kids = (n: Asn1 | undefined): Asn1[] => (n && Array.isArray(n.value) ? n.value : []);
const oidOf = (n: Asn1 | undefined) => (n && n.type === T.OID && typeof n.value === 'string' ? asn1.derToOid(n.value) : '');

/** UTCTime through 2049, GeneralizedTime after, as RFC 5652 requires for signingTime. */
function time(d: Date): Asn1 {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

/** The signed attributes as the SET OF that is signed, in DER order (OpenSSL re-sorts them before verifying). */
function signedAttributes(digest: Buffer, signingTime: Date): Asn1[] {
  const attrs = [
    seq([oid(OID.contentType), set([oid(OID.data)])]),
    seq([oid(OID.signingTime), set([time(signingTime)])]),
    seq([oid(OID.messageDigest), set([octets(digest)])]),
  ];
  return attrs.map((a) => ({ a, d: der(a) })).sort((x, y) => Buffer.compare(x.d, y.d)).map((x) => x.a);
}

/** How a signature value is made: the digest and signatureAlgorithm it goes with and the raw signing. */
type RawSigning = { digestOid: string; signatureAlgOid: string; sign(signedAttrsDer: Buffer): Buffer };

/** The CMS around a raw signature over the DER of the signed attributes; `raw.sign` is the only part that differs. */
function cmsSigner(p12: LoadedPkcs12, raw: RawSigning): Signer {
  const cert = p12.certificate;
  const { serial, issuer } = tbsParts(fromDer(cert.der));
  // the signer's certificate first, then its issuers as the file gave them (a receiver trusting only the root needs them)
  const certs = [cert.der, ...p12.chain.map((c) => c.der).filter((d) => !d.equals(cert.der))];
  return {
    certificate: cert,
    async sign(data, opts = {}) {
      const signingTime = opts.signingTime ?? new Date();
      assertValidAt(cert, signingTime);
      const attrs = signedAttributes(digestOf(raw.digestOid, data), signingTime);
      return buildSignedData(certs, issuer, serial, attrs, raw, raw.sign(der(set(attrs))));
    },
  };
}

/** The signer for a loaded PKCS#12, picked by its key's algorithm (RSA, ECDSA P-256); SigningError('unsupported') else. */
export function createSigner(p12: LoadedPkcs12): Signer {
  const k = signingFor(p12.privateKey);
  return cmsSigner(p12, { digestOid: k.digestOid, signatureAlgOid: k.signatureAlgOid, sign: k.sign });
}

/** The algorithm a loaded key signs with, as the packets screen shows it ('RSA/SHA-256', 'ECDSA P-256/SHA-256'). */
export const signingAlgorithm = (p12: LoadedPkcs12) => signingFor(p12.privateKey).describe;

/** Signs with the RSA key of a loaded PKCS#12: forge lays out the SignedData, Node's crypto signs. */
export function createRsaSigner(p12: LoadedPkcs12): Signer {
  if (p12.privateKey.asymmetricKeyType !== 'rsa') throw new Error(`createRsaSigner: ${p12.privateKey.asymmetricKeyType} key`);
  return createSigner(p12);
}

/** The same CMS with forge's RSA doing the signature: only for the benchmark that compares the two. */
export function createForgeRsaSigner(p12: LoadedPkcs12): Signer {
  const key = forge.pki.privateKeyFromPem(p12.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  return cmsSigner(p12, { digestOid: OIDS.sha256, signatureAlgOid: OIDS.rsaEncryption, sign: (attrsDer) => {
    const md = forge.md.sha256.create();
    md.update(attrsDer.toString('binary'));
    return Buffer.from(key.sign(md), 'binary');
  } });
}

function buildSignedData(certs: Buffer[], issuer: Asn1, serial: Asn1, attrs: Asn1[], raw: RawSigning, signature: Buffer): Buffer {
  const digestAlg = seq([oid(raw.digestOid), nul()]);
  // RSA's AlgorithmIdentifier carries NULL parameters; ECDSA's carries none (RFC 5758)
  const sigAlg = raw.signatureAlgOid === OIDS.rsaEncryption ? seq([oid(raw.signatureAlgOid), nul()]) : seq([oid(raw.signatureAlgOid)]);
  const signerInfo = seq([
    int(1),
    seq([issuer, serial]), // IssuerAndSerialNumber, copied from the certificate's own bytes
    digestAlg,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attrs), // [0] IMPLICIT signedAttrs
    sigAlg,
    octets(signature),
  ]);
  const signedData = seq([
    int(1),
    set([digestAlg]),
    seq([oid(OID.data)]), // detached: no eContent
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, certs.map(fromDer)), // [0] IMPLICIT certificates
    set([signerInfo]),
  ]);
  return der(seq([oid(OID.signedData), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])]));
}

export type VerifyFailure =
  | 'malformed' // not a CMS SignedData this verifier reads
  | 'signer_certificate_missing' // the signer's certificate is not in the signature
  | 'digest_mismatch' // the data were changed after signing
  | 'signature_invalid' // the signed attributes were changed, or signed by another key
  | 'untrusted_signer' // the path from the signer does not reach a trust anchor (the message names the missing link)
  | 'certificate_expired' // a certificate of the path was not valid at the signing time (the message names which)
  | 'chain_invalid' // a link of the path does not hold: an issuer's signature, an issuer that is not a CA
  | 'unsupported_algorithm'; // a digest or signature algorithm this verifier cannot check (named in the message)

const FAILURE_MESSAGES: Record<VerifyFailure, string> = {
  malformed: 'Подпись повреждена или имеет неизвестный формат',
  signer_certificate_missing: 'В подписи нет сертификата подписавшего',
  digest_mismatch: 'Данные изменены после подписания',
  signature_invalid: 'Подпись недействительна',
  untrusted_signer: 'Сертификат подписавшего не входит в число доверенных',
  certificate_expired: 'Сертификат подписавшего не действовал в момент подписания',
  chain_invalid: 'Цепочка сертификатов подписавшего недействительна',
  unsupported_algorithm: 'Алгоритм подписи не поддерживается',
};

export type VerifyResult =
  | { ok: true; signerSubject: string; signingTime: Date | null; signer: LoadedCertificate;
    /** the certification path, the signer first, the trust anchor last */
    chain: CertificateInfo[] }
  | { ok: false; reason: VerifyFailure; message: string; signerSubject?: string; signingTime?: Date | null;
    /** present once the signer's certificate was found: who signed, for the screen, even when the check failed */
    signer?: LoadedCertificate;
    /** as far as the path was built */
    chain?: CertificateInfo[] };

/**
 * Checks a detached CMS signature over `data`: digest, signature value (algorithms.ts, by OID), and the path from the
 * signer through the certificates in the signature to one of `trustedCertsPem` (PEMs or bundles; the signer itself
 * may be one), every certificate of it valid at signingTime (or `at` when the signature carries none). A failure
 * of the path names the link: `message` is then that sentence.
 */
export function verifyDetached(signature: Buffer, data: Buffer, trustedCertsPem: string[], at: Date = new Date()): VerifyResult {
  const fail = (reason: VerifyFailure, extra: { signerSubject?: string; signingTime?: Date | null; signer?: LoadedCertificate; chain?: CertificateInfo[] } = {},
    message = FAILURE_MESSAGES[reason]): VerifyResult => ({ ok: false, reason, message, ...extra });
  let parsed: ReturnType<typeof readSignedData>;
  try {
    parsed = readSignedData(signature);
  } catch {
    return fail('malformed');
  }
  const { certs, sidDer, digestOid, signedAttrsDer, signedAttrs, sigAlg, sigParams, signatureBytes } = parsed;
  const signerDer = certs.find((c) => {
    try {
      const { issuer, serial } = tbsParts(fromDer(c));
      return der(seq([issuer, serial])).equals(sidDer);
    } catch {
      return false;
    }
  });
  if (!signerDer) return fail('signer_certificate_missing');
  let signer: LoadedCertificate;
  try {
    signer = loadedCertificate(signerDer);
  } catch {
    return fail('malformed');
  }
  const signingTimeNode = signedAttrs.get(OID.signingTime);
  const signingTime = signingTimeNode
    ? signingTimeNode.type === T.UTCTIME
      ? asn1.utcTimeToDate(signingTimeNode.value as string)
      : asn1.generalizedTimeToDate(signingTimeNode.value as string)
    : null;
  const who = { signerSubject: signer.subject, signingTime, signer };
  const unsupported = (oid: string) => fail('unsupported_algorithm', who, `${FAILURE_MESSAGES.unsupported_algorithm}: ${algorithmName(oid)}`);

  const messageDigest = signedAttrs.get(OID.messageDigest);
  if (!messageDigest || oidOf(signedAttrs.get(OID.contentType)) !== OID.data) return fail('malformed', who);
  let digest: Buffer;
  try {
    digest = digestOf(digestOid, data);
  } catch (e) {
    if (e instanceof SigningError) return unsupported(digestOid);
    throw e;
  }
  if (!digest.equals(Buffer.from(messageDigest.value as string, 'binary'))) return fail('digest_mismatch', who);

  let valid: boolean;
  try {
    valid = verifySignatureValue(sigAlg, certificateStructure(signerDer).spki, signedAttrsDer, signatureBytes, { digestOid, paramsDer: sigParams });
  } catch (e) {
    if (e instanceof SigningError) return unsupported(sigAlg);
    valid = false;
  }
  if (!valid) return fail('signature_invalid', who);

  const path = buildPath(signerDer, certs, pemCertificates(trustedCertsPem), signingTime ?? at);
  if (!path.ok) return fail(path.reason, { ...who, chain: path.path }, path.message);
  return { ok: true, signerSubject: signer.subject, signingTime, signer, chain: path.path };
}

/** The certificates a PEM chain file holds (issuers to put in the signature beside the PKCS#12's own). */
export function chainFromPem(pem: string): LoadedCertificate[] {
  return pemCertificates([pem]).map((d) => loadedCertificate(d));
}

function readSignedData(signature: Buffer) {
  const ci = fromDer(signature);
  if (oidOf(kids(ci)[0]) !== OID.signedData) throw new Error('not SignedData');
  const sd = kids(kids(ci)[1])[0];
  const fields = kids(sd);
  const certsNode = fields.find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 0);
  const certs = kids(certsNode).filter((c) => c.tagClass === U && c.type === T.SEQUENCE).map(der);
  const signerInfos = fields[fields.length - 1];
  const si = kids(signerInfos)[0];
  const [, sid, digestAlg, ...rest] = kids(si);
  const attrsNode = rest.find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 0);
  if (!attrsNode) throw new Error('no signed attributes');
  const afterAttrs = rest.slice(rest.indexOf(attrsNode) + 1);
  const digestOid = oidOf(kids(digestAlg)[0]);
  if (!digestOid) throw new Error('digest');
  const signedAttrs = new Map<string, Asn1>();
  for (const a of kids(attrsNode)) signedAttrs.set(oidOf(kids(a)[0]), kids(kids(a)[1])[0]);
  // The signature covers the attributes as a SET (tag 0x31), not as the [0] IMPLICIT they travel in.
  const signedAttrsDer = der(attrsNode);
  signedAttrsDer[0] = 0x31;
  const sigParamsNode = kids(afterAttrs[0])[1];
  return {
    certs,
    sidDer: der(sid),
    digestOid,
    signedAttrs,
    signedAttrsDer,
    sigAlg: oidOf(kids(afterAttrs[0])[0]),
    sigParams: sigParamsNode && sigParamsNode.type !== T.NULL ? der(sigParamsNode) : null,
    signatureBytes: Buffer.from(afterAttrs[1].value as string, 'binary'),
  };
}
