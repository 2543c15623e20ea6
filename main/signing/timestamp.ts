// Trusted time for a signature (CAdES-T): an RFC 3161 timestamp over the hash of the SignerInfo's signature value
// (SHA-256; Стрибог for a GOST signature), asked of a TSA over HTTP and kept in the CMS as the unsigned attribute
// id-aa-signatureTimeStampToken. The CMS is not
// re-signed, only re-framed: the token is spliced into the SignerInfo's bytes and the lengths above it rewritten, the
// rest kept byte for byte, so this works the same for RSA and GOST signatures. Verification is in-process (pkijs): the
// token's signature, its TSA certificate's chain to the configured TSA trust anchors, the timeStamping purpose, and
// the imprint against the signature value; it gives the time the TSA vouches the signature existed at.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import asn1js from 'asn1js';
import pkijs from 'pkijs';
import { AppError } from '../shared/errors.ts';
import { streebog256, streebog512 } from './gost/streebog.ts';
import { isGostAlgorithm, verifySignatureValue } from './algorithms.ts';
import { buildPath, pemCertificates } from './chain.ts';
import { certificateStructure } from './x509.ts';

export const SIGNATURE_TIMESTAMP_OID = '1.2.840.113549.1.9.16.2.14';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';
const TIME_STAMPING_EKU = '1.3.6.1.5.5.7.3.8';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const STREEBOG256_OID = '1.2.643.7.1.1.2.2';
const STREEBOG512_OID = '1.2.643.7.1.1.2.3';
const node = (name: string) => (b: Buffer) => crypto.createHash(name).update(b).digest();
/** The imprint hashes a token may use, by OID: SHA-2, and Стрибог (in-process: no GOST engine needed to verify). */
const HASHES: Record<string, (b: Buffer) => Buffer> = {
  [SHA256_OID]: node('sha256'), '2.16.840.1.101.3.4.2.2': node('sha384'), '2.16.840.1.101.3.4.2.3': node('sha512'),
  [STREEBOG256_OID]: (b) => Buffer.from(streebog256(b)), [STREEBOG512_OID]: (b) => Buffer.from(streebog512(b)),
};
/** The imprint's hash for a signature: Стрибог of the same size for a GOST signature (its digestAlgorithm is one),
 *  SHA-256 for any other. */
const imprintHashFor = (signerDigestOid: string) => (signerDigestOid === STREEBOG256_OID || signerDigestOid === STREEBOG512_OID ? signerDigestOid : SHA256_OID);

/** Where to ask for the time and whom to trust for it; the environment's SCHOOL_REGISTER_TSA_URL names a default. */
export type TsaOptions = { url: string; trustedCertsPem: string[]; timeoutMs?: number };
/** What the admin chose for a TSA that fails: refuse the seal, or seal without time (said so). */
export type TsaFailure = 'refuse' | 'without_time';

export type TimestampErrorCode = 'bad_url' | 'down' | 'timeout' | 'http' | 'garbage' | 'rejected' | 'imprint' | 'nonce' | 'untrusted' | 'no_trust';

/** The TSA could not give a usable timestamp; the message names the TSA's address. */
export class TimestampError extends AppError {
  constructor(readonly tsaCode: TimestampErrorCode, message: string) {
    super('validation', message, { tsa: message });
    this.name = 'TimestampError';
  }
}

const who = (url: string) => `Служба штампов времени ${url}`;

/** The TSA's answer to a query, or a TimestampError naming the URL: refused connection, timeout, an HTTP error. */
function post(url: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new TimestampError('bad_url', `Адрес службы штампов времени «${url}» — не адрес http:// или https://`));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new TimestampError('bad_url', `Адрес службы штампов времени «${url}» — не адрес http:// или https://`));
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: 'POST', agent: false, headers: { 'content-type': 'application/timestamp-query', 'content-length': body.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1_000_000) req.destroy(new TimestampError('garbage', `${who(url)} прислала ответ больше 1 МБ: это не штамп времени`));
        else chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new TimestampError('http', `${who(url)} ответила ошибкой HTTP ${res.statusCode}: штамп времени не получен`));
        resolve(Buffer.concat(chunks));
      });
      res.on('error', (e) => reject(e instanceof TimestampError ? e : new TimestampError('down', `${who(url)}: ответ оборван (${e.message})`)));
    });
    req.on('timeout', () => req.destroy(new TimestampError('timeout', `${who(url)} не ответила за ${Math.round(timeoutMs / 1000)} с: штамп времени не получен`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof TimestampError ? e
      : new TimestampError('down', `${who(url)} недоступна: ${e.code === 'ECONNREFUSED' ? 'соединение отклонено' : e.code === 'ENOTFOUND' ? 'адрес не найден' : e.message}`)));
    req.end(body);
  });
}

type Node = asn1js.AsnType & { valueBeforeDecodeView: Uint8Array; idBlock: { blockLength: number }; lenBlock: { blockLength: number; isIndefiniteForm: boolean } };
const kids = (n: asn1js.AsnType): Node[] => ((n as asn1js.Constructed).valueBlock?.value ?? []) as unknown as Node[];
const isTag = (n: asn1js.AsnType, tagClass: number, tagNumber: number) => n.idBlock.tagClass === tagClass && n.idBlock.tagNumber === tagNumber;

/** The path ContentInfo → [0] → SignedData → signerInfos → the first SignerInfo, and that SignerInfo's signature value. */
function locateSignerInfo(cms: Buffer): { path: Node[]; signature: Buffer; digestOid: string } {
  const parsed = asn1js.fromBER(new Uint8Array(cms));
  const fail = () => new AppError('validation', 'Подпись не является CMS SignedData: штамп времени к ней не добавить');
  if (parsed.offset === -1) throw fail();
  const root = parsed.result as Node;
  const [oid, explicit] = kids(root);
  if (!(oid instanceof asn1js.ObjectIdentifier) || oid.valueBlock.toString() !== '1.2.840.113549.1.7.2' || !explicit) throw fail();
  const signedData = kids(explicit)[0];
  const signerInfos = signedData && kids(signedData).at(-1);
  const signerInfo = signerInfos && isTag(signerInfos, 1, 17) ? kids(signerInfos)[0] : undefined;
  const sig = signerInfo && kids(signerInfo).find((k) => isTag(k, 1, 4)) as asn1js.OctetString | undefined;
  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, … }
  const digestOid = signerInfo && kids(kids(signerInfo)[2] ?? signerInfo)[0];
  if (!signerInfo || !sig || !(digestOid instanceof asn1js.ObjectIdentifier)) throw fail();
  return { path: [root, explicit, signedData!, signerInfos!, signerInfo], signature: Buffer.from(sig.valueBlock.valueHexView), digestOid: digestOid.valueBlock.toString() };
}

const derLength = (n: number) => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

/** `node`'s bytes with its content from `from` to `to` (offsets in the whole buffer) replaced, the length rewritten. */
function reframe(cms: Buffer, node: Node, from: number, to: number, insert: Buffer): Buffer {
  const start = node.valueBeforeDecodeView.byteOffset;
  const end = start + node.valueBeforeDecodeView.byteLength;
  const header = node.idBlock.blockLength + node.lenBlock.blockLength;
  const content = Buffer.concat([cms.subarray(start + header, from), insert, cms.subarray(to, end)]);
  const tag = cms.subarray(start, start + node.idBlock.blockLength);
  // an indefinite length (BER) stays indefinite: its end-of-contents octets are part of the content kept
  return node.lenBlock.isIndefiniteForm ? Buffer.concat([tag, Buffer.from([0x80]), content]) : Buffer.concat([tag, derLength(content.length), content]);
}

/** The CMS with `attribute` (a DER Attribute) added to its SignerInfo's unsigned attributes; nothing else changes. */
function withUnsignedAttribute(cms: Buffer, attribute: Buffer): Buffer {
  const { path } = locateSignerInfo(cms);
  const offset = (n: Node) => n.valueBeforeDecodeView.byteOffset;
  const signerInfo = path.at(-1)!;
  const unsigned = kids(signerInfo).find((k) => isTag(k, 3, 1));
  let bytes: Buffer;
  let from: number;
  let to: number;
  if (unsigned) {
    bytes = reframe(cms, unsigned, offset(unsigned) + unsigned.valueBeforeDecodeView.byteLength, offset(unsigned) + unsigned.valueBeforeDecodeView.byteLength, attribute);
    from = offset(unsigned);
    to = from + unsigned.valueBeforeDecodeView.byteLength;
  } else {
    bytes = Buffer.concat([Buffer.from([0xa1]), derLength(attribute.length), attribute]);
    from = to = offset(signerInfo) + signerInfo.valueBeforeDecodeView.byteLength;
    if (signerInfo.lenBlock.isIndefiniteForm) throw new AppError('validation', 'Подпись в кодировке BER с неопределённой длиной: штамп времени к ней не добавить');
  }
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    const next = reframe(cms, n, from, to, bytes);
    from = offset(n);
    to = from + n.valueBeforeDecodeView.byteLength;
    bytes = next;
  }
  return Buffer.concat([cms.subarray(0, from), bytes, cms.subarray(to)]);
}

const certsFromPem = (pems: string[]): pkijs.Certificate[] => pems.flatMap((pem) =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => pkijs.Certificate.fromBER(new Uint8Array(Buffer.from(m[1].replace(/\s/g, ''), 'base64')))));

const commonName = (c: pkijs.Certificate) => {
  const names = c.subject.typesAndValues;
  const cn = names.find((t) => t.type === '2.5.4.3') ?? names.at(-1);
  return String(cn?.value.valueBlock.value ?? '');
};

/** What a token vouches for, once its signature and, when anchors are given, its chain are checked. */
type CheckedToken = { time: Date; tsa: string; tstInfo: pkijs.TSTInfo; trusted: boolean;
  /** the TSA certificate's end of validity: until then the stamp can be checked */
  tsaNotAfter: Date };

/**
 * Checks a TimeStampToken (ContentInfo, DER) over `signatureValue`: the imprint, the TSA certificate's timeStamping
 * purpose, the token's signature, and the chain to `trustedCertsPem` (none: the chain is not checked, `trusted` false).
 * Throws TimestampError with `source` naming where the token came from.
 */
async function checkToken(token: Buffer, signatureValue: Buffer, trustedCertsPem: string[], source: string): Promise<CheckedToken> {
  let signedData: pkijs.SignedData;
  let tstInfo: pkijs.TSTInfo;
  try {
    const ci = pkijs.ContentInfo.fromBER(new Uint8Array(token));
    signedData = new pkijs.SignedData({ schema: ci.content });
    if (signedData.encapContentInfo.eContentType !== TST_INFO_OID || !signedData.encapContentInfo.eContent) throw new Error('not TSTInfo');
    tstInfo = pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent.getValue());
  } catch {
    throw new TimestampError('garbage', `${source}: штамп времени повреждён или не является штампом RFC 3161`);
  }
  const hash = HASHES[tstInfo.messageImprint.hashAlgorithm.algorithmId];
  const imprint = Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!hash || !hash(signatureValue).equals(imprint)) {
    throw new TimestampError('imprint', `${source}: штамп времени выдан для другого документа — хеш подписи не совпадает`);
  }
  const trusted = certsFromPem(trustedCertsPem);
  let signer: pkijs.Certificate | null | undefined;
  const signerInfo = signedData.signerInfos[0];
  if (signerInfo && isGostAlgorithm(signerInfo.signatureAlgorithm.algorithmId)) {
    // a GOST-signed token (a Russian accredited TSA): pkijs's WebCrypto has no GOST, so it is checked by the code every
    // other GOST signature here is — algorithms.ts for the values, chain.ts for the path
    signer = checkGostToken(signedData, signerInfo, tstInfo, trustedCertsPem, source);
  } else {
    try {
      // The imprint is checked above (pkijs would hash it again with WebCrypto, which has no Стрибог): the token is
      // verified as the signed data it is — its messageDigest over the TSTInfo, its signature, the chain at the TSA's time.
      signedData.encapContentInfo.eContentType = '1.2.840.113549.1.7.1';
      const r = await signedData.verify({ signer: 0, checkChain: trusted.length > 0, trustedCerts: trusted, checkDate: tstInfo.genTime, extendedMode: true });
      signer = r.signerCertificate;
      if (!r.signatureVerified) throw new Error(r.message);
      if (trusted.length && !r.signerCertificateVerified) throw new Error(r.message);
    } catch (e) {
      const r = e as { signerCertificate?: pkijs.Certificate | null; signatureVerified?: boolean | null; message?: string };
      const name = r.signerCertificate ? `«${commonName(r.signerCertificate)}»` : 'неизвестной службы';
      if (r.signatureVerified === false) throw new TimestampError('untrusted', `${source}: подпись штампа времени ${name} неверна`);
      throw new TimestampError('untrusted', `${source}: штамп времени подписан сертификатом ${name}, которому нет доверия (его цепочка не доходит до доверенных сертификатов службы времени)`);
    }
  }
  const eku = signer?.extensions?.find((x) => x.extnID === '2.5.29.37')?.parsedValue as pkijs.ExtKeyUsage | undefined;
  if (!signer || !eku?.keyPurposes.includes(TIME_STAMPING_EKU)) {
    throw new TimestampError('untrusted', `${source}: сертификат «${signer ? commonName(signer) : '?'}» не предназначен для штампов времени (нет назначения timeStamping)`);
  }
  return { time: tstInfo.genTime, tsa: commonName(signer), tstInfo, trusted: trusted.length > 0, tsaNotAfter: signer.notAfter.value };
}

const bytes = (v: { valueBlock: { valueHexView: Uint8Array } }) => Buffer.from(v.valueBlock.valueHexView);

/**
 * A GOST-signed token's signature and chain (its imprint is checked by the caller): the signer's certificate found by
 * issuer and serial, messageDigest = Стрибог of the TSTInfo, the GOST R 34.10 signature over the signed attributes,
 * and, when anchors are given, the path to them at the TSA's time. Returns the signer's certificate; throws
 * TimestampError naming the service.
 */
function checkGostToken(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo, tstInfo: pkijs.TSTInfo, trustedCertsPem: string[], source: string): pkijs.Certificate {
  const certs = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const sid = signerInfo.sid;
  const signer = sid instanceof pkijs.IssuerAndSerialNumber
    ? certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber))
    : certs.find((c) => {
      const ski = c.extensions?.find((x) => x.extnID === '2.5.29.14')?.parsedValue as asn1js.OctetString | undefined;
      return ski && bytes(ski).equals(bytes(sid as asn1js.OctetString));
    });
  if (!signer) throw new TimestampError('untrusted', `${source}: в штампе времени нет сертификата службы, которая его подписала`);
  const name = `«${commonName(signer)}»`;
  const invalid = () => new TimestampError('untrusted', `${source}: подпись штампа времени ${name} неверна`);
  const attrs = signerInfo.signedAttrs;
  const md = attrs?.attributes.find((x) => x.type === '1.2.840.113549.1.9.4')?.values[0] as asn1js.OctetString | undefined;
  const digestOid = signerInfo.digestAlgorithm.algorithmId;
  const eContent = signedData.encapContentInfo.eContent;
  if (!attrs || !md || !HASHES[digestOid] || !eContent || !HASHES[digestOid](Buffer.from(eContent.getValue())).equals(bytes(md))) throw invalid();
  // the signature covers the attributes as a SET (0x31), not as the [0] they travel in
  const signedAttrsDer = Buffer.from(attrs.encodedValue.byteLength ? new Uint8Array(attrs.encodedValue) : new Uint8Array(attrs.toSchema().toBER()));
  signedAttrsDer[0] = 0x31;
  const der = (c: pkijs.Certificate) => Buffer.from(c.toSchema().toBER());
  let valid: boolean;
  try {
    valid = verifySignatureValue(signerInfo.signatureAlgorithm.algorithmId, certificateStructure(der(signer)).spki, signedAttrsDer, bytes(signerInfo.signature),
      { digestOid });
  } catch {
    valid = false;
  }
  if (!valid) throw invalid();
  const anchors = pemCertificates(trustedCertsPem);
  if (anchors.length) {
    const path = buildPath(der(signer), certs.map(der), anchors, tstInfo.genTime);
    if (!path.ok) {
      throw new TimestampError('untrusted', `${source}: штамп времени подписан сертификатом ${name}, которому нет доверия (его цепочка не доходит до доверенных сертификатов службы времени: ${path.message})`);
    }
  }
  return signer;
}

/** Asks the TSA for a timestamp over `signatureValue` and checks the reply; returns the token (ContentInfo, DER). */
export async function requestTimestamp(signatureValue: Buffer, o: TsaOptions, hashOid = SHA256_OID): Promise<{ token: Buffer; time: Date; tsa: string }> {
  if (!o.trustedCertsPem.some((p) => p.includes('BEGIN CERTIFICATE'))) {
    throw new TimestampError('no_trust', `Для службы штампов времени ${o.url} не задан доверенный сертификат (--tsa-ca ФАЙЛ или SCHOOL_REGISTER_TSA_CA): штампу нельзя доверять`);
  }
  const nonceBytes = crypto.randomBytes(8);
  nonceBytes[0] = (nonceBytes[0] & 0x7f) | 0x01; // positive, and no leading zero to normalise away
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      // SHA-2 takes NULL parameters; Стрибог none (as TC 26 writes it)
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: hashOid, ...(hashOid.startsWith('2.16.840.1.101.3.4.2.') ? { algorithmParams: new asn1js.Null() } : {}) }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(HASHES[hashOid](signatureValue)) }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonceBytes }),
    certReq: true,
  });
  const answer = await post(o.url, Buffer.from(request.toSchema().toBER()), o.timeoutMs ?? 20_000);
  const garbage = () => new TimestampError('garbage', `${who(o.url)} прислала не ответ RFC 3161: штамп времени не получен`);
  // Any answer is read as untrusted bytes: whatever the parsers throw on it (asn1js throws RangeErrors on some random
  // bytes) is «not an RFC 3161 answer», never an internal error — the admin's choice (refuse / without time) applies.
  let response: pkijs.TimeStampResp;
  let token: Buffer;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(answer));
    if (parsed.offset === -1 || parsed.offset !== answer.length) throw garbage();
    response = new pkijs.TimeStampResp({ schema: parsed.result });
    const status = response.status.status;
    if ((status !== 0 && status !== 1) || !response.timeStampToken) {
      const text = response.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
      throw new TimestampError('rejected', `${who(o.url)} отказала в штампе времени (статус ${status}${text ? `: ${text}` : ''})`);
    }
    // the token exactly as the TSA encoded it (pkijs would re-encode it)
    token = Buffer.from((kids(parsed.result)[1] as Node).valueBeforeDecodeView);
  } catch (e) {
    if (e instanceof TimestampError) throw e;
    throw garbage();
  }
  const checked = await checkToken(token, signatureValue, o.trustedCertsPem, who(o.url));
  const nonce = checked.tstInfo.nonce ? Buffer.from(checked.tstInfo.nonce.valueBlock.valueHexView) : null;
  if (!nonce || !nonce.equals(nonceBytes)) throw new TimestampError('nonce', `${who(o.url)} прислала штамп времени на другой запрос (nonce не совпадает)`);
  return { token, time: checked.time, tsa: checked.tsa };
}

/** The CMS (DER) with a timestamp from the TSA over its signature; the signature itself is untouched. */
export async function timestampSignature(cms: Buffer, o: TsaOptions): Promise<{ cms: Buffer; time: Date; tsa: string }> {
  const { signature, digestOid } = locateSignerInfo(cms);
  const { token, time, tsa } = await requestTimestamp(signature, o, imprintHashFor(digestOid));
  // Attribute ::= SEQUENCE { OID, SET { token } }, with the token's bytes as they came, not re-encoded
  const oid = Buffer.from(new asn1js.ObjectIdentifier({ value: SIGNATURE_TIMESTAMP_OID }).toBER());
  const set = Buffer.concat([Buffer.from([0x31]), derLength(token.length), token]);
  const attr = Buffer.concat([Buffer.from([0x30]), derLength(oid.length + set.length), oid, set]);
  return { cms: withUnsignedAttribute(cms, attr), time, tsa };
}

/** The timestamp token a CMS carries over its signature (DER), or null. */
export function extractTimestampToken(cms: Buffer): Buffer | null {
  const { path } = locateSignerInfo(cms);
  const unsigned = kids(path.at(-1)!).find((k) => isTag(k, 3, 1));
  for (const attr of unsigned ? kids(unsigned) : []) {
    const [oid, values] = kids(attr);
    if (oid instanceof asn1js.ObjectIdentifier && oid.valueBlock.toString() === SIGNATURE_TIMESTAMP_OID && values && kids(values)[0]) {
      return Buffer.from(kids(values)[0].valueBeforeDecodeView);
    }
  }
  return null;
}

/** What a verifier says of a signature's time: the TSA's time (trusted: its chain reached an anchor), or why not. */
export type SignatureTime = { timestamp: { time: string; tsa: string; trusted: boolean } | null; problem: string | null };

/** Finds and checks the timestamp in a CMS (none: timestamp null, problem null — «без штампа времени»). */
export async function verifySignatureTimestamp(cms: Buffer, trustedCertsPem: string[] = []): Promise<SignatureTime> {
  const { timestamp, problem } = await checkSignatureTimestamp(cms, trustedCertsPem);
  return { timestamp, problem };
}

/** verifySignatureTimestamp, with the end of the TSA certificate's validity when the stamp is valid (else null). */
export async function checkSignatureTimestamp(cms: Buffer, trustedCertsPem: string[] = []): Promise<SignatureTime & { tsaNotAfter: Date | null }> {
  let token: Buffer | null;
  let signature: Buffer;
  try {
    token = extractTimestampToken(cms);
    signature = locateSignerInfo(cms).signature;
  } catch (e) {
    return { timestamp: null, problem: (e as Error).message, tsaNotAfter: null };
  }
  if (!token) return { timestamp: null, problem: null, tsaNotAfter: null };
  try {
    const t = await checkToken(token, signature, trustedCertsPem, 'Штамп времени в подписи');
    return { timestamp: { time: t.time.toISOString(), tsa: t.tsa, trusted: t.trusted }, problem: null, tsaNotAfter: t.tsaNotAfter };
  } catch (e) {
    return { timestamp: null, problem: (e as Error).message, tsaNotAfter: null };
  }
}

/** The OIDs of the imprint hashes a stamp over other data may ask for (the archive's evidence chain). */
export const IMPRINT_HASH_OIDS = { sha256: SHA256_OID, sha512: '2.16.840.1.101.3.4.2.3' } as const;

/**
 * Checks a TimeStampToken over `data` (its imprint is HASH(data), HASH the token's own imprint algorithm): as a
 * signature's stamp is checked. For the archive's evidence chain; throws TimestampError naming `source`.
 */
export async function checkTimestampToken(token: Buffer, data: Buffer, trustedCertsPem: string[], source: string):
  Promise<{ time: Date; tsa: string; tsaNotAfter: Date; trusted: boolean; hashOid: string }> {
  const t = await checkToken(token, data, trustedCertsPem, source);
  return { time: t.time, tsa: t.tsa, tsaNotAfter: t.tsaNotAfter, trusted: t.trusted, hashOid: t.tstInfo.messageImprint.hashAlgorithm.algorithmId };
}

/** A TSA with the admin's choice for when it fails. */
export type TsaChoice = TsaOptions & { onFailure: TsaFailure };
/** A signature with its time, or without it and why (the admin chose to sign without time when the TSA fails). */
export type TimedSignature = { cms: Buffer; timestamp: { time: string; tsa: string; trusted: boolean } | null; failure: string | null };

/**
 * Timestamps a signature as the admin chose: with `refuse`, a failing TSA is the call's error (its message ends with
 * `notDone`: «… Ведомость класса 5А не запечатана»); with `without_time`, the signature is kept without time and the reason
 * returned, to be said. A TSA address or trust anchor that cannot work is refused either way: that is a setting to fix.
 */
export async function timestampAsChosen(cms: Buffer, tsa: TsaChoice, notDone: string): Promise<TimedSignature> {
  try {
    const r = await timestampSignature(cms, tsa);
    return { cms: r.cms, timestamp: { time: r.time.toISOString(), tsa: r.tsa, trusted: true }, failure: null };
  } catch (e) {
    if (!(e instanceof TimestampError)) throw e;
    if (tsa.onFailure === 'refuse' || e.tsaCode === 'bad_url' || e.tsaCode === 'no_trust') throw new TimestampError(e.tsaCode, `${e.message}. ${notDone[0].toUpperCase()}${notDone.slice(1)}`);
    return { cms, timestamp: null, failure: e.message };
  }
}
