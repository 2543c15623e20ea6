// Detached CMS SignedData (RFC 5652): forge builds and reads the ASN.1, Node's crypto does the RSA (forge's own RSA
// costs ~35 ms a signature; see test/bench/signing.bench.ts). `openssl cms -verify` accepts what is built here.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { assertValidAt, loadedCertificate, type LoadedCertificate, type LoadedPkcs12 } from './pkcs12.ts';
import { tbsParts } from './x509.ts';

const asn1 = forge.asn1;
type Asn1 = forge.asn1.Asn1;

export type SignOptions = {
  /** the signingTime attribute and the moment the certificate must be valid at; now by default */
  signingTime?: Date;
};

/** The school's signer. RSA now; a GOST signer (CryptoPro, OpenSSL's GOST engine) implements the same. */
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

const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
const seq = (v: Asn1[]) => asn1.create(U, T.SEQUENCE, true, v);
const set = (v: Asn1[]) => asn1.create(U, T.SET, true, v);
const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const octets = (b: Buffer) => asn1.create(U, T.OCTETSTRING, false, b.toString('binary'));
const nul = () => asn1.create(U, T.NULL, false, '');
const der = (n: Asn1) => Buffer.from(asn1.toDer(n).getBytes(), 'binary');
const fromDer = (b: Buffer) => asn1.fromDer(b.toString('binary'));
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

/** The CMS around a raw signature over the DER of the signed attributes; `rawSign` is the only part that differs. */
function cmsSigner(p12: LoadedPkcs12, rawSign: (signedAttrsDer: Buffer) => Buffer): Signer {
  const cert = p12.certificate;
  const { serial, issuer } = tbsParts(fromDer(cert.der));
  return {
    certificate: cert,
    async sign(data, opts = {}) {
      const signingTime = opts.signingTime ?? new Date();
      assertValidAt(cert, signingTime);
      const attrs = signedAttributes(crypto.createHash('sha256').update(data).digest(), signingTime);
      return buildSignedData(cert, issuer, serial, attrs, rawSign(der(set(attrs))));
    },
  };
}

/** Signs with the RSA key of a loaded PKCS#12: forge lays out the SignedData, Node's crypto signs. */
export function createRsaSigner(p12: LoadedPkcs12): Signer {
  if (p12.privateKey.asymmetricKeyType !== 'rsa') throw new Error(`createRsaSigner: ${p12.privateKey.asymmetricKeyType} key`);
  return cmsSigner(p12, (attrsDer) => crypto.sign('sha256', attrsDer, p12.privateKey));
}

/** The same CMS with forge's RSA doing the signature: only for the benchmark that compares the two. */
export function createForgeRsaSigner(p12: LoadedPkcs12): Signer {
  const key = forge.pki.privateKeyFromPem(p12.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  return cmsSigner(p12, (attrsDer) => {
    const md = forge.md.sha256.create();
    md.update(attrsDer.toString('binary'));
    return Buffer.from(key.sign(md), 'binary');
  });
}

function buildSignedData(cert: LoadedCertificate, issuer: Asn1, serial: Asn1, attrs: Asn1[], signature: Buffer): Buffer {
  const sha256 = seq([oid(OID.sha256), nul()]);
  const signerInfo = seq([
    int(1),
    seq([issuer, serial]), // IssuerAndSerialNumber, copied from the certificate's own bytes
    sha256,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attrs), // [0] IMPLICIT signedAttrs
    seq([oid(OID.rsaEncryption), nul()]),
    octets(signature),
  ]);
  const signedData = seq([
    int(1),
    set([sha256]),
    seq([oid(OID.data)]), // detached: no eContent
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [fromDer(cert.der)]), // [0] IMPLICIT certificates
    set([signerInfo]),
  ]);
  return der(seq([oid(OID.signedData), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])]));
}

export type VerifyFailure =
  | 'malformed' // not a CMS SignedData this verifier reads
  | 'signer_certificate_missing' // the signer's certificate is not in the signature
  | 'digest_mismatch' // the data were changed after signing
  | 'signature_invalid' // the signed attributes were changed, or signed by another key
  | 'untrusted_signer' // a certificate the verifier does not trust
  | 'certificate_expired'; // the certificate was not valid at the signing time

const FAILURE_MESSAGES: Record<VerifyFailure, string> = {
  malformed: 'Подпись повреждена или имеет неизвестный формат',
  signer_certificate_missing: 'В подписи нет сертификата подписавшего',
  digest_mismatch: 'Данные изменены после подписания',
  signature_invalid: 'Подпись недействительна',
  untrusted_signer: 'Сертификат подписавшего не входит в число доверенных',
  certificate_expired: 'Сертификат подписавшего не действовал в момент подписания',
};

export type VerifyResult =
  | { ok: true; signerSubject: string; signingTime: Date | null; signer: LoadedCertificate }
  | { ok: false; reason: VerifyFailure; message: string; signerSubject?: string; signingTime?: Date | null };

/**
 * Checks a detached CMS signature over `data` with Node's crypto: digest, signature, trust (the signer is one of
 * `trustedCertsPem` or issued by one, directly or through certificates in the signature), and validity at signingTime
 * (or `at` when the signature carries no signingTime).
 */
export function verifyDetached(signature: Buffer, data: Buffer, trustedCertsPem: string[], at: Date = new Date()): VerifyResult {
  const fail = (reason: VerifyFailure, extra: { signerSubject?: string; signingTime?: Date | null } = {}): VerifyResult => ({
    ok: false,
    reason,
    message: FAILURE_MESSAGES[reason],
    ...extra,
  });
  let parsed: ReturnType<typeof readSignedData>;
  try {
    parsed = readSignedData(signature);
  } catch {
    return fail('malformed');
  }
  const { certs, sidDer, digestName, signedAttrsDer, signedAttrs, sigAlg, signatureBytes } = parsed;
  const signerDer = certs.find((c) => {
    const { issuer, serial } = tbsParts(fromDer(c));
    return der(seq([issuer, serial])).equals(sidDer);
  });
  if (!signerDer) return fail('signer_certificate_missing');
  const signer = loadedCertificate(signerDer);
  const signingTimeNode = signedAttrs.get(OID.signingTime);
  const signingTime = signingTimeNode
    ? signingTimeNode.type === T.UTCTIME
      ? asn1.utcTimeToDate(signingTimeNode.value as string)
      : asn1.generalizedTimeToDate(signingTimeNode.value as string)
    : null;
  const who = { signerSubject: signer.subject, signingTime };

  const messageDigest = signedAttrs.get(OID.messageDigest);
  if (!messageDigest || oidOf(signedAttrs.get(OID.contentType)) !== OID.data) return fail('malformed', who);
  const digest = crypto.createHash(digestName).update(data).digest();
  if (!digest.equals(Buffer.from(messageDigest.value as string, 'binary'))) return fail('digest_mismatch', who);

  const x509 = new crypto.X509Certificate(signerDer);
  let valid = false;
  try {
    valid = crypto.verify(sigAlg === OID.rsaEncryption || sigAlg === OID.sha256WithRSA ? digestName : null, signedAttrsDer, x509.publicKey, signatureBytes);
  } catch {
    valid = false;
  }
  if (!valid) return fail('signature_invalid', who);

  if (!isTrusted(x509, certs.map((c) => new crypto.X509Certificate(c)), trustedCertsPem.map((p) => new crypto.X509Certificate(p)))) {
    return fail('untrusted_signer', who);
  }
  const when = signingTime ?? at;
  if (when < signer.notBefore || when > signer.notAfter) return fail('certificate_expired', who);
  return { ok: true, signerSubject: signer.subject, signingTime, signer };
}

function isTrusted(cert: crypto.X509Certificate, pool: crypto.X509Certificate[], trusted: crypto.X509Certificate[], depth = 0): boolean {
  if (trusted.some((t) => t.raw.equals(cert.raw))) return true;
  if (depth > 8) return false;
  if (trusted.some((t) => cert.checkIssued(t) && cert.verify(t.publicKey))) return true;
  return pool.some((p) => !p.raw.equals(cert.raw) && cert.checkIssued(p) && cert.verify(p.publicKey) && isTrusted(p, pool, trusted, depth + 1));
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
  const digestName = DIGESTS[oidOf(kids(digestAlg)[0])];
  if (!digestName) throw new Error('digest');
  const signedAttrs = new Map<string, Asn1>();
  for (const a of kids(attrsNode)) signedAttrs.set(oidOf(kids(a)[0]), kids(kids(a)[1])[0]);
  // The signature covers the attributes as a SET (tag 0x31), not as the [0] IMPLICIT they travel in.
  const signedAttrsDer = der(attrsNode);
  signedAttrsDer[0] = 0x31;
  return {
    certs,
    sidDer: der(sid),
    digestName,
    signedAttrs,
    signedAttrsDer,
    sigAlg: oidOf(kids(afterAttrs[0])[0]),
    signatureBytes: Buffer.from(afterAttrs[1].value as string, 'binary'),
  };
}
