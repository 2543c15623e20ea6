// Certificates read from their DER: names decoded by their ASN.1 string type (forge hands UTF8String values back as raw
// UTF-8 bytes, which reads as Latin-1 mojibake for Cyrillic), dates, serial and fingerprint from Node's X509Certificate.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { asn1 } from './asn1-build.ts';
import { bytesOf, children, contentOf, oidText, readTlv, TAG } from './der.ts';


/** Short names for the attributes of Russian qualified certificates besides the usual X.500 ones. */
const NAME_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.643.3.131.1.1': 'ИНН',
  '1.2.643.100.1': 'ОГРН',
  '1.2.643.100.3': 'СНИЛС',
  '1.2.643.100.4': 'ИННЮЛ',
  '1.2.643.100.5': 'ОГРНИП',
};

export type NameAttribute = { oid: string; name: string; value: string };

/** The text of an ASN.1 string value, by its tag. */
export function decodeAsn1String(node: forge.asn1.Asn1): string {
  const raw = typeof node.value === 'string' ? node.value : '';
  const bytes = Buffer.from(raw, 'binary');
  switch (node.type as number) {
    case asn1.Type.UTF8:
      return bytes.toString('utf8');
    case asn1.Type.BMPSTRING: {
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
      return s;
    }
    case 28 /* UniversalString */: {
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(bytes.readUInt32BE(i));
      return s;
    }
    default: // PrintableString, IA5String, NumericString; TeletexString read as Latin-1
      return bytes.toString('latin1');
  }
}

/** A Name (SEQUENCE OF RDN) as attributes in their order in the certificate. */
export function readNameAttributes(name: forge.asn1.Asn1): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of name.value as forge.asn1.Asn1[]) {
    for (const atv of rdn.value as forge.asn1.Asn1[]) {
      const [type, value] = atv.value as forge.asn1.Asn1[];
      const oid = asn1.derToOid(type.value as string);
      out.push({ oid, name: NAME_OIDS[oid] ?? oid, value: decodeAsn1String(value) });
    }
  }
  return out;
}

/** "C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна": the order OpenSSL prints with -nameopt utf8. */
export const formatName = (attrs: NameAttribute[]) => attrs.map((a) => `${a.name}=${a.value}`).join(', ');

export type CertificateInfo = {
  /** readable, Cyrillic decoded */
  subject: string;
  issuer: string;
  subjectAttributes: NameAttribute[];
  issuerAttributes: NameAttribute[];
  /** the CN, the name a clerk knows the certificate by */
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** hex, upper case, as OpenSSL prints it */
  serial: string;
  /** SHA-256 of the DER, hex upper case with colons, as `openssl x509 -fingerprint -sha256` prints it */
  sha256Fingerprint: string;
};

/** The parts of a certificate's TBS that a CMS SignerIdentifier and a name reader need, straight from its DER. */
export function tbsParts(certAsn1: forge.asn1.Asn1) {
  const tbs = (certAsn1.value as forge.asn1.Asn1[])[0];
  const f = tbs.value as forge.asn1.Asn1[];
  const off = f[0].tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0; // [0] EXPLICIT version
  return { serial: f[off], issuer: f[off + 2], subject: f[off + 4] };
}

export function certificateInfo(der: Buffer): CertificateInfo {
  const x = new crypto.X509Certificate(der);
  const parts = tbsParts(asn1.fromDer(der.toString('binary')));
  const subjectAttributes = readNameAttributes(parts.subject);
  const issuerAttributes = readNameAttributes(parts.issuer);
  return {
    subject: formatName(subjectAttributes),
    issuer: formatName(issuerAttributes),
    subjectAttributes,
    issuerAttributes,
    commonName: subjectAttributes.filter((a) => a.name === 'CN').map((a) => a.value).join(' ') || formatName(subjectAttributes),
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    serial: x.serialNumber.toUpperCase(),
    sha256Fingerprint: x.fingerprint256,
  };
}

/**
 * A forge subject/issuer attribute list that writes Cyrillic correctly: forge writes PrintableString unless told
 * UTF8String, and encodes to UTF-8 only then. For certificates made with forge (test fixtures, self-signed demos).
 */
export function forgeUtf8Name(attrs: Array<{ shortName: string; value: string }>): forge.pki.CertificateField[] {
  return attrs.map((a) => ({
    shortName: a.shortName,
    value: a.value,
    valueTagClass: (a.shortName === 'C' ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8) as unknown as forge.asn1.Class,
  }));
}

// ---------- the structure a path builder needs, sliced from the DER (exact bytes, any key algorithm) ----------

/** The key usage bits a signer and a CA need (RFC 5280 4.2.1.3). */
export type KeyUsage = { digitalSignature: boolean; nonRepudiation: boolean; keyCertSign: boolean };

export type CertificateStructure = {
  der: Buffer;
  /** the signed part, as in the file */
  tbs: Buffer;
  signatureAlgOid: string;
  /** the signature AlgorithmIdentifier's parameters (DER), null when absent */
  signatureParams: Buffer | null;
  /** the BIT STRING's contents without the unused-bits octet */
  signatureValue: Buffer;
  /** SubjectPublicKeyInfo, DER */
  spki: Buffer;
  keyAlgOid: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  /** null when the certificate has no keyUsage extension */
  keyUsage: KeyUsage | null;
  /** basicConstraints cA; null when the extension is absent */
  isCa: boolean | null;
};

const EXT_KEY_USAGE = '2.5.29.15';
const EXT_BASIC_CONSTRAINTS = '2.5.29.19';

export function certificateStructure(der: Buffer): CertificateStructure {
  const cert = readTlv(der);
  const [tbsT, algT, sigT] = children(der, cert);
  if (!tbsT || !algT || !sigT || sigT.tag !== TAG.BIT_STRING) throw new Error('not a certificate');
  const f = children(der, tbsT);
  const off = f[0].tag === 0xa0 ? 1 : 0;
  const issuerT = f[off + 2];
  const subjectT = f[off + 4];
  const spkiT = f[off + 5];
  const [alg, params] = children(der, algT);
  const keyAlg = children(der, children(der, spkiT)[0])[0];
  let keyUsage: KeyUsage | null = null;
  let isCa: boolean | null = null;
  const extsT = f.slice(off + 6).find((t) => t.tag === 0xa3);
  if (extsT) {
    for (const ext of children(der, children(der, extsT)[0])) {
      const parts = children(der, ext);
      const oid = oidText(contentOf(der, parts[0]));
      const value = parts[parts.length - 1];
      const inner = contentOf(der, value);
      if (oid === EXT_KEY_USAGE) {
        const bits = contentOf(inner, readTlv(inner));
        const b0 = bits[1] ?? 0;
        keyUsage = { digitalSignature: !!(b0 & 0x80), nonRepudiation: !!(b0 & 0x40), keyCertSign: !!(b0 & 0x04) };
      } else if (oid === EXT_BASIC_CONSTRAINTS) {
        const first = children(inner, readTlv(inner))[0];
        isCa = !!first && first.tag === TAG.BOOLEAN && inner[first.contentStart] !== 0;
      }
    }
  }
  return {
    der,
    tbs: bytesOf(der, tbsT),
    signatureAlgOid: oidText(contentOf(der, alg)),
    signatureParams: params && params.tag !== 0x05 ? bytesOf(der, params) : null,
    signatureValue: contentOf(der, sigT).subarray(1),
    spki: bytesOf(der, spkiT),
    keyAlgOid: oidText(contentOf(der, keyAlg)),
    issuerDer: bytesOf(der, issuerT),
    subjectDer: bytesOf(der, subjectT),
    keyUsage,
    isCa,
  };
}

/** The signer as a person, in the words of a Russian qualified certificate (the contract's SignerPerson). */
export function signerPerson(info: CertificateInfo) {
  const first = (name: string) => info.subjectAttributes.find((a) => a.name === name)?.value ?? null;
  const sn = first('SN');
  const gn = first('GN');
  const issuerCn = info.issuerAttributes.find((a) => a.name === 'CN')?.value;
  return {
    fullName: sn || gn ? [sn, gn].filter(Boolean).join(' ') : info.commonName,
    title: first('title'),
    organization: first('O'),
    inn: first('ИНН') ?? first('ИННЮЛ'),
    ogrn: first('ОГРН') ?? first('ОГРНИП'),
    snils: first('СНИЛС'),
    subject: info.subject,
    issuer: issuerCn ?? info.issuer,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    serial: info.serial,
  };
}
