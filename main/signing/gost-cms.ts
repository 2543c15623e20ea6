// GOST R 34.10-2012 pieces shared by the GOST signer back-ends: the algorithms by OID, certificates forge cannot read
// (it knows RSA keys only), and a detached CAdES-BES SignedData laid out in JS around a signature made elsewhere
// (OpenSSL's GOST engine), with the same attributes `openssl cms -sign -cades` writes.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { ctx, der, int, nul, octets, oid, seq, set, T, U, type Asn1, asn1 } from './asn1-build.ts';
import type { LoadedCertificate } from './pkcs12.ts';
import { certificateInfo, tbsParts } from './x509.ts';


/** The GOST R 34.10-2012 public key algorithms, with the GOST R 34.11-2012 (Стрибог) digest that goes with each. */
export const GOST_KEYS: Record<string, { bits: 256 | 512; digestOid: string; md: 'md_gost12_256' | 'md_gost12_512'; name: string }> = {
  '1.2.643.7.1.1.1.1': { bits: 256, digestOid: '1.2.643.7.1.1.2.2', md: 'md_gost12_256', name: 'ГОСТ Р 34.10-2012 (256 бит)' },
  '1.2.643.7.1.1.1.2': { bits: 512, digestOid: '1.2.643.7.1.1.2.3', md: 'md_gost12_512', name: 'ГОСТ Р 34.10-2012 (512 бит)' },
};

/** Names for the key algorithms a message may mention; anything else is shown by its OID. */
export const KEY_ALGORITHM_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.10045.2.1': 'ECDSA',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.643.2.2.19': 'ГОСТ Р 34.10-2001',
  '1.2.643.7.1.1.1.1': GOST_KEYS['1.2.643.7.1.1.1.1'].name,
  '1.2.643.7.1.1.1.2': GOST_KEYS['1.2.643.7.1.1.1.2'].name,
};

const fromDer = (b: Buffer) => asn1.fromDer(b.toString('binary'));

/** The OID of a certificate's public key algorithm, straight from its DER. */
export function keyAlgorithmOf(certDer: Buffer): string {
  const tbs = (fromDer(certDer).value as Asn1[])[0].value as Asn1[];
  const off = tbs[0].tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const spki = tbs[off + 5].value as Asn1[];
  return asn1.derToOid((spki[0].value as Asn1[])[0].value as string);
}

export const keyAlgorithmName = (o: string) => KEY_ALGORITHM_NAMES[o] ?? `OID ${o}`;

/** A certificate in the shape the signers give, for any key algorithm: forge's view is not there for a GOST key. */
export function gostLoadedCertificate(derOrPem: Buffer | string): LoadedCertificate {
  const der = Buffer.from(new crypto.X509Certificate(derOrPem).raw);
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const cert = { ...certificateInfo(der), der, pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
  return Object.defineProperty(cert, 'forge', {
    enumerable: false,
    get() {
      throw new Error('node-forge не читает сертификаты ГОСТ: используйте поля сертификата');
    },
  }) as LoadedCertificate;
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5652 signingTime). */
function time(d: Date): Asn1 {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d)) : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

export type GostSignedDataInput = {
  certificate: LoadedCertificate;
  /** issuers to carry with the signature (not the signer's own certificate) */
  chain: LoadedCertificate[];
  /** the Стрибог digest of the data and of the signer's certificate, by the key's digest */
  messageDigest: Buffer;
  certificateHash: Buffer;
  signingTime: Date;
  /** GOST R 34.10-2012 signature over the DER of the signed attributes (as OpenSSL's engine writes it into CMS) */
  sign: (signedAttrsDer: Buffer) => Promise<Buffer>;
};

/**
 * Detached CAdES-BES SignedData: contentType, signingTime, messageDigest and signingCertificateV2 (ESSCertIDv2 with
 * the GOST digest of the signer's certificate and its issuer and serial), the whole chain in `certificates`.
 */
export async function gostSignedData(i: GostSignedDataInput): Promise<Buffer> {
  const keyOid = keyAlgorithmOf(i.certificate.der);
  const key = GOST_KEYS[keyOid];
  if (!key) throw new Error(`gostSignedData: ${keyOid} is not a GOST R 34.10-2012 key`);
  const certAsn1 = fromDer(i.certificate.der);
  const { serial, issuer } = tbsParts(certAsn1);
  const digestAlg = seq([oid(key.digestOid), nul()]);
  const essCertIdV2 = seq([digestAlg, octets(i.certificateHash), seq([seq([ctx(4, [issuer])]), serial])]);
  const attrs = [
    seq([oid('1.2.840.113549.1.9.3'), set([oid('1.2.840.113549.1.7.1')])]), // contentType: data
    seq([oid('1.2.840.113549.1.9.5'), set([time(i.signingTime)])]), // signingTime
    seq([oid('1.2.840.113549.1.9.4'), set([octets(i.messageDigest)])]), // messageDigest
    seq([oid('1.2.840.113549.1.9.16.2.47'), set([seq([seq([essCertIdV2])])])]), // signingCertificateV2
  ].map((a) => ({ a, d: der(a) })).sort((x, y) => Buffer.compare(x.d, y.d)).map((x) => x.a); // DER order of a SET OF
  const signature = await i.sign(der(set(attrs)));
  const signerInfo = seq([int(1), seq([issuer, serial]), digestAlg, ctx(0, attrs), seq([oid(keyOid), nul()]), octets(signature)]);
  const signedData = seq([
    int(1),
    set([digestAlg]),
    seq([oid('1.2.840.113549.1.7.1')]), // detached: no eContent
    ctx(0, [certAsn1, ...i.chain.map((c) => fromDer(c.der))]),
    set([signerInfo]),
  ]);
  return der(seq([oid('1.2.840.113549.1.7.2'), ctx(0, [signedData])]));
}
