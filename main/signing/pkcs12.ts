// The school's certificate and key from a PKCS#12 file (.p12/.pfx). node-forge reads the container; the layers
// OpenSSL 3 encrypts by default (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) are decrypted here with Node's crypto,
// because forge feeds PBKDF2 the password's UTF-16 code units instead of its UTF-8 bytes and so fails on a Cyrillic
// password. The MAC is checked here too, so a wrong password is told apart from a damaged or foreign file.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { asn1 } from './asn1-build.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { SigningError } from './errors.ts';
import { certificateInfo, certificateStructure, type CertificateInfo, type KeyUsage } from './x509.ts';

type Asn1 = forge.asn1.Asn1;

export type LoadedCertificate = CertificateInfo & {
  /** forge's view of the certificate (names in it are raw bytes: read them from the fields above); null for a key
   *  forge cannot read (EC, GOST) */
  forge: forge.pki.Certificate | null;
  pem: string;
  der: Buffer;
};

export type LoadedPkcs12 = {
  certificate: LoadedCertificate;
  /** For Node's crypto to sign with; the password that opened it is not kept. */
  privateKey: crypto.KeyObject;
  /** the other certificates in the file (issuers), in file order */
  chain: LoadedCertificate[];
};

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};
const MAC_DIGESTS: Record<string, { name: string; forge: () => forge.md.MessageDigest; size: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', forge: () => forge.md.sha1.create(), size: 20 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', forge: () => forge.md.sha256.create(), size: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', forge: () => forge.md.sha384.create(), size: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', forge: () => forge.md.sha512.create(), size: 64 },
};

const kids = (n: Asn1 | undefined): Asn1[] => (n && Array.isArray(n.value) ? n.value : []);
const oidOf = (n: Asn1 | undefined): string => (n && n.type === asn1.Type.OID && typeof n.value === 'string' ? asn1.derToOid(n.value) : '');
/** OCTET STRING contents, primitive or (BER) constructed. */
function octets(n: Asn1 | undefined): string {
  if (!n) return '';
  if (typeof n.value === 'string') return n.value;
  return n.value.map(octets).join('');
}
const toBuf = (s: string) => Buffer.from(s, 'binary');
const octetString = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const explicit0 = (inner: Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);

/** Opens the PKCS#12 file. Throws SigningError: not_pkcs12, wrong_password, no_private_key, no_certificate, key_mismatch, unsupported. */
export function loadPkcs12(bytes: Buffer, password: string): LoadedPkcs12 {
  let pfx: Asn1;
  try {
    pfx = asn1.fromDer(bytes.toString('binary'), { strict: false } as never);
  } catch {
    throw new SigningError('not_pkcs12');
  }
  const [version, authSafe, macData] = kids(pfx);
  if (!version || version.type !== asn1.Type.INTEGER || !authSafe || oidOf(kids(authSafe)[0]) !== OID.data) throw new SigningError('not_pkcs12');
  const authSafeBytes = octets(kids(kids(authSafe)[1])[0]);

  if (macData) checkMac(macData, authSafeBytes, password);

  // Decrypt the PBES2 layers here, hand forge a MAC-less container with only the layers it reads right.
  let contents: Asn1;
  try {
    contents = asn1.fromDer(authSafeBytes);
  } catch {
    throw new SigningError('not_pkcs12');
  }
  const rewritten = kids(contents).map((ci) => openContentInfo(ci, password));
  const plain = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    version,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.data).getBytes()),
      explicit0(octetString(asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, rewritten)).getBytes())),
    ]),
  ]);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(plain, false, password);
  } catch (e) {
    const msg = (e as Error).message ?? '';
    // Reached only without a MAC (which would have caught a wrong password): a legacy layer that does not decrypt.
    if (/decrypt/i.test(msg)) throw new SigningError('wrong_password');
    if (/unsupported|not supported|unknown oid|OID is not RSA/i.test(msg)) throw new SigningError('unsupported');
    throw new SigningError('not_pkcs12');
  }

  const keys: crypto.KeyObject[] = [];
  const certDers: Buffer[] = [];
  for (const bag of p12.safeContents.flatMap((sc) => sc.safeBags)) {
    if (bag.type === OID.keyBag || bag.type === OID.shroudedKeyBag) {
      // forge reads RSA keys; any other PrivateKeyInfo (EC) it leaves as ASN.1, for Node's crypto to read
      const pkcs8 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
      if (!pkcs8) throw new SigningError(bag.type === OID.shroudedKeyBag ? 'wrong_password' : 'unsupported');
      try {
        keys.push(crypto.createPrivateKey({ key: toBuf(asn1.toDer(pkcs8).getBytes()), format: 'der', type: 'pkcs8' }));
      } catch {
        throw new SigningError('unsupported', `ключ ${keyAlgorithmOf(pkcs8)}`);
      }
    } else if (bag.type === OID.certBag) {
      const raw = bag.cert ? asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes() : bag.asn1 ? asn1.toDer(bag.asn1).getBytes() : '';
      if (raw) certDers.push(toBuf(raw));
    }
  }
  if (keys.length === 0) throw new SigningError('no_private_key');
  if (certDers.length === 0) throw new SigningError('no_certificate');
  const privateKey = keys[0];
  const signerIndex = certDers.findIndex((der) => new crypto.X509Certificate(der).checkPrivateKey(privateKey));
  if (signerIndex < 0) throw new SigningError('key_mismatch');
  return {
    certificate: loadedCertificate(certDers[signerIndex]),
    privateKey,
    chain: certDers.filter((_, i) => i !== signerIndex).map(loadedCertificate),
  };
}

/** Reads a certificate (DER or PEM) into the same shape the PKCS#12 loader gives. */
export function loadedCertificate(derOrPem: Buffer | string): LoadedCertificate {
  const der = typeof derOrPem === 'string' || derOrPem.subarray(0, 10).toString('latin1').startsWith('-----')
    ? Buffer.from(new crypto.X509Certificate(derOrPem).raw)
    : derOrPem;
  const certAsn1 = asn1.fromDer(der.toString('binary'));
  let forgeCert: forge.pki.Certificate | null;
  try {
    forgeCert = forge.pki.certificateFromAsn1(certAsn1);
  } catch {
    forgeCert = null; // forge reads RSA keys only; everything else here comes from the DER
  }
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return { ...certificateInfo(der), forge: forgeCert, der, pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
}

/** The algorithm OID of a PrivateKeyInfo, for the message that refuses it. */
function keyAlgorithmOf(pkcs8: Asn1): string {
  const oid = oidOf(kids(kids(pkcs8)[1])[0]);
  return oid.startsWith('1.2.643.') ? `ГОСТ (${oid}): для ключей ГОСТ нужен модуль ГОСТ` : oid || 'неизвестного типа';
}

/**
 * A certificate the school may sign documents with, now: keyUsage (when present) allows digitalSignature or
 * nonRepudiation, and it is valid at `now`. Called where a certificate is loaded to sign (a seal's --cert, the packets'
 * stored certificate), before anything is written. Throws SigningError: not_for_signing, certificate_expired,
 * certificate_not_yet_valid.
 */
export function assertCanSign(cert: LoadedCertificate, now: Date): void {
  const ku = certificateStructure(cert.der).keyUsage;
  if (ku && !ku.digitalSignature && !ku.nonRepudiation) {
    throw new SigningError('not_for_signing', `сертификат «${cert.commonName}» разрешает только ${describeKeyUsage(ku)}`);
  }
  assertValidAt(cert, now);
}

function describeKeyUsage(ku: KeyUsage): string {
  const words = [ku.keyCertSign && 'подпись сертификатов'].filter(Boolean);
  return words.length ? words.join(', ') : 'шифрование и согласование ключей';
}

/** Throws certificate_expired / certificate_not_yet_valid when the certificate is not valid at `now`. */
export function assertValidAt(cert: CertificateInfo, now: Date): void {
  if (now.getTime() > cert.notAfter.getTime()) throw new SigningError('certificate_expired', `действовал по ${formatDate(cert.notAfter.toISOString())}`);
  if (now.getTime() < cert.notBefore.getTime()) throw new SigningError('certificate_not_yet_valid', `действует с ${formatDate(cert.notBefore.toISOString())}`);
}

/** PKCS#12 MAC (RFC 7292 appendix B key derivation; forge encodes the password as BMPString, as the standard says). */
function checkMac(macData: Asn1, authSafeBytes: string, password: string) {
  const [digestInfo, saltNode, iterNode] = kids(macData);
  const [algId, digestNode] = kids(digestInfo);
  const md = MAC_DIGESTS[oidOf(kids(algId)[0])];
  if (!md) throw new SigningError('unsupported', 'алгоритм MAC');
  const iterations = iterNode ? asn1.derToInteger(iterNode.value as string) : 1;
  const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(octets(saltNode)), 3, iterations, md.size, md.forge());
  const mac = crypto.createHmac(md.name, toBuf(key.getBytes())).update(toBuf(authSafeBytes)).digest();
  const expected = toBuf(octets(digestNode));
  if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) throw new SigningError('wrong_password');
}

/** An authSafe ContentInfo with its PBES2 encryption (and its key bags' PBES2 encryption) removed. */
function openContentInfo(ci: Asn1, password: string): Asn1 {
  const type = oidOf(kids(ci)[0]);
  if (type === OID.encryptedData) {
    const encryptedData = kids(kids(ci)[1])[0];
    const [, eci] = kids(encryptedData);
    const [, algId, encrypted] = kids(eci);
    if (oidOf(kids(algId)[0]) !== OID.pbes2) return ci; // legacy PKCS#12 PBE: forge decrypts it, and its bags
    const safeContents = pbes2Decrypt(algId, octets(encrypted), password);
    return dataContentInfo(openSafeContents(safeContents, password));
  }
  if (type === OID.data) return dataContentInfo(openSafeContents(octets(kids(kids(ci)[1])[0]), password));
  return ci;
}

function dataContentInfo(safeContentsDer: string): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.data).getBytes()),
    explicit0(octetString(safeContentsDer)),
  ]);
}

/** SafeContents DER with PBES2-shrouded key bags turned into plain key bags. */
function openSafeContents(der: string, password: string): string {
  let sc: Asn1;
  try {
    sc = asn1.fromDer(der);
  } catch {
    throw new SigningError('not_pkcs12');
  }
  const bags = kids(sc).map((bag) => {
    const [bagId, bagValue, attributes] = kids(bag);
    if (oidOf(bagId) !== OID.shroudedKeyBag) return bag;
    const epki = kids(bagValue)[0];
    const [algId, encrypted] = kids(epki);
    if (oidOf(kids(algId)[0]) !== OID.pbes2) return bag;
    const privateKeyInfo = asn1.fromDer(pbes2Decrypt(algId, octets(encrypted), password));
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.keyBag).getBytes()),
      explicit0(privateKeyInfo),
      ...(attributes ? [attributes] : []),
    ]);
  });
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, bags)).getBytes();
}

/** PBES2 (RFC 8018) with PBKDF2 over the password's UTF-8 bytes, as OpenSSL does. */
function pbes2Decrypt(algId: Asn1, encrypted: string, password: string): string {
  const [kdf, scheme] = kids(kids(algId)[1]);
  if (oidOf(kids(kdf)[0]) !== OID.pbkdf2) throw new SigningError('unsupported', 'функция выработки ключа');
  const params = kids(kids(kdf)[1]);
  const salt = octets(params[0]);
  const iterations = asn1.derToInteger(params[1].value as string);
  let keyLength: number | undefined;
  let prf = 'sha1'; // the DEFAULT of PBKDF2-params
  for (const p of params.slice(2)) {
    if (p.type === asn1.Type.INTEGER) keyLength = asn1.derToInteger(p.value as string);
    else if (p.type === asn1.Type.SEQUENCE) prf = PRF[oidOf(kids(p)[0])] ?? '';
  }
  const cipher = CIPHERS[oidOf(kids(scheme)[0])];
  if (!cipher || !prf) throw new SigningError('unsupported', 'алгоритм шифрования');
  const iv = toBuf(octets(kids(scheme)[1]));
  const key = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), toBuf(salt), iterations, keyLength ?? cipher.keyLength, prf);
  try {
    const decipher = crypto.createDecipheriv(cipher.name, key, iv);
    return Buffer.concat([decipher.update(toBuf(encrypted)), decipher.final()]).toString('binary');
  } catch {
    throw new SigningError('wrong_password'); // bad padding: the only sign of a wrong password without a MAC
  }
}
