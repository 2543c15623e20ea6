// The pieces of a CMS SignedData and of a certificate that a signature check needs, cut out with asn1js from the bytes
// OpenSSL wrote (the original encodings, never re-encoded): for the GOST verification tests and benchmark. Full CMS
// verification is main/signing's business; this only feeds ours the same bytes OpenSSL checks.
import * as asn1js from 'asn1js';

const children = (b: asn1js.AsnType): asn1js.AsnType[] => {
  const v = (b as asn1js.Constructed).valueBlock?.value;
  if (!Array.isArray(v)) throw new Error('expected a constructed ASN.1 value');
  return v;
};
const original = (b: asn1js.AsnType) => new Uint8Array(b.valueBeforeDecodeView);
const oid = (b: asn1js.AsnType) => (b as asn1js.ObjectIdentifier).valueBlock.toString();

function decode(der: Uint8Array): asn1js.AsnType {
  const r = asn1js.fromBER(der);
  if (r.offset === -1) throw new Error(`not DER: ${r.result.error}`);
  return r.result;
}

export type CertificateParts = {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: string;
  signatureValue: Uint8Array;
  spki: Uint8Array;
};

export function certificateParts(der: Uint8Array): CertificateParts {
  const [tbs, alg, sig] = children(decode(der));
  const tbsFields = children(tbs);
  // tbsCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
  const offset = tbsFields[0].idBlock.tagClass === 3 ? 1 : 0;
  return {
    der,
    tbs: original(tbs),
    signatureAlgorithm: oid(children(alg)[0]),
    signatureValue: new Uint8Array((sig as asn1js.BitString).valueBlock.valueHexView),
    spki: original(tbsFields[offset + 5]),
  };
}

export type SignerParts = {
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** the signed attributes as they are signed: DER with the SET OF tag (0x31) in place of [0] */
  signedAttrs: Uint8Array;
  /** the messageDigest attribute's value */
  messageDigest: Uint8Array;
  signature: Uint8Array;
  certificates: CertificateParts[];
};

/** The first SignerInfo of a DER ContentInfo(SignedData), with the certificates the CMS carries. */
export function signerParts(cmsDer: Uint8Array): SignerParts {
  const [, content] = children(decode(cmsDer));
  const signedData = children(content)[0];
  const fields = children(signedData);
  const certificates = fields
    .filter((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0)
    .flatMap((f) => children(f).map((c) => certificateParts(original(c))));
  const signerInfos = fields[fields.length - 1];
  const si = children(children(signerInfos)[0]);
  // SignerInfo: version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs
  const attrsIndex = si.findIndex((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0);
  if (attrsIndex !== 3) throw new Error('the SignerInfo has no signed attributes');
  const signedAttrs = original(si[3]).slice();
  signedAttrs[0] = 0x31; // RFC 5652 §5.4: the signature covers the attributes encoded as a SET OF
  const md = children(si[3]).find((a) => oid(children(a)[0]) === '1.2.840.113549.1.9.4');
  if (!md) throw new Error('no messageDigest attribute');
  return {
    digestAlgorithm: oid(children(si[2])[0]),
    signatureAlgorithm: oid(children(si[4])[0]),
    signedAttrs,
    messageDigest: new Uint8Array((children(children(md)[1])[0] as asn1js.OctetString).valueBlock.valueHexView),
    signature: new Uint8Array((si[5] as asn1js.OctetString).valueBlock.valueHexView),
    certificates,
  };
}
