// The share's own key and certificate: made once, on the first share, and kept beside the register (settings.ts). No
// CA signs it — a workplace trusts it by its SHA-256 fingerprint, which the admin's screen shows and the user compares
// on first connection (trust on first use, client.ts). ECDSA P-256: small, fast, accepted by every browser and by Node.
import crypto from 'node:crypto';
import os from 'node:os';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** «AB:CD:…» — the SHA-256 of the certificate's DER, in groups of two hex digits, as browsers and openssl show it. */
export function fingerprintOf(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** A certificate in PEM as DER. */
export function pemToDer(pem: string): Buffer {
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!b64) throw new Error('not a PEM certificate');
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64');
}

const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

const CERT_YEARS = 10;

/**
 * A new key and a self-signed certificate naming this computer and `addresses` (IPs) and `names` (DNS) as
 * subjectAltName, valid CERT_YEARS years: a certificate that expired mid-year would lock every workplace out.
 */
export async function makeCertificate(opts: { addresses: string[]; names: string[] }): Promise<{ keyPem: string; certPem: string; fingerprint: string }> {
  const webcrypto = crypto.webcrypto as unknown as Crypto;
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, and no leading zero byte (DER wants the shortest form)
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const cn = `Школьный реестр (${os.hostname()})`.slice(0, 64);
  for (const name of [cert.subject, cert.issuer]) {
    name.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) }));
  }
  const now = new Date();
  cert.notBefore.value = new Date(now.getTime() - 24 * 3600_000); // a workplace whose clock is a little behind
  cert.notAfter.value = new Date(now.getTime() + CERT_YEARS * 365 * 24 * 3600_000);
  const altNames = [
    ...[...new Set(opts.names)].map((n) => new pkijs.GeneralName({ type: 2, value: n })),
    ...[...new Set(opts.addresses)].filter((a) => a !== '0.0.0.0').map((a) => new pkijs.GeneralName({
      type: 7, value: new asn1js.OctetString({ valueHex: Uint8Array.from(a.split('.').map(Number)).buffer }),
    })),
  ];
  cert.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.17', critical: false, extnValue: new pkijs.GeneralNames({ names: altNames }).toSchema().toBER(false) }),
    new pkijs.Extension({ extnID: '2.5.29.37', critical: false, extnValue: new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.1'] }).toSchema().toBER(false) }),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
  await cert.sign(keys.privateKey, 'SHA-256', engine);
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keyPem: pem('PRIVATE KEY', pkcs8), certPem: pem('CERTIFICATE', der), fingerprint: fingerprintOf(der) };
}
