// Signing packets: a detached CMS SignedData (SHA-256, signingTime, messageDigest) over the canonical JSON bytes.
// The packets code talks to a PacketSigner only; RSA from a PKCS#12 file is the one implementation today, a GOST signer
// (CryptoPro, OpenSSL's GOST engine) is another implementation of the same interface. The password opens the file for
// this call and is not kept anywhere.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { createForgeRsaSigner, signingAlgorithm, type Signer } from '../signing/cms.ts';
import { assertCanSign, assertValidAt, loadPkcs12, type LoadedCertificate } from '../signing/pkcs12.ts';
import { openPkcs12Signer } from '../signing/select-signer.ts';
import { timestampAsChosen, type TsaChoice } from '../signing/timestamp.ts';
import { AppError } from '../shared/errors.ts';
import { assertValidPacket } from './validate.ts';

export interface PacketSigner {
  /** e.g. 'RSA/SHA-256'; a GOST signer says 'ГОСТ Р 34.10-2012/34.11-2012' */
  readonly algorithm: string;
  /** the certificate the receiver will see in the signature */
  readonly certificate: LoadedCertificate;
  /** Detached CMS over `data`, DER. Throws SigningError when the certificate is not valid at signingTime. */
  sign(data: Buffer, opts?: { signingTime?: Date }): Promise<Buffer>;
}

/**
 * The signer of a PKCS#12 file, picked by its key (RSA, ECDSA P-256, or GOST through select-signer.ts); refused at once
 * when the certificate may not sign documents or is not valid now. `engine: 'forge'` does an RSA key's signature in
 * forge (for the benchmark only).
 */
export function pkcs12PacketSigner(p12: Buffer, password: string, engine: 'node' | 'forge' = 'node', now = new Date()): PacketSigner {
  if (engine === 'node') return openPkcs12Signer(p12, password, { now });
  const loaded = loadPkcs12(p12, password);
  assertCanSign(loaded.certificate, now);
  const inner: Signer = createForgeRsaSigner(loaded);
  return { algorithm: signingAlgorithm(loaded), certificate: inner.certificate, sign: (data, opts) => inner.sign(data, opts) };
}

export type CertificateSummary = { subject: string; issuer: string; notBefore: string; notAfter: string; daysLeft: number; expiresSoon: boolean; expired: boolean };

/** What the certificate screen shows; a warning 30 days before the end of validity. */
export function certificateSummary(cert: { subject: string; issuer: string; notBefore: Date; notAfter: Date }, now = new Date()): CertificateSummary {
  const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000);
  return {
    subject: cert.subject, issuer: cert.issuer, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(),
    daysLeft, expired: now > cert.notAfter, expiresSoon: now <= cert.notAfter && daysLeft < 30,
  };
}

/** Opens the certificate the school stored (packets.loadCertificate) with this call's password. */
export function storedSigner(db: DB, password: string): PacketSigner {
  const row = db.prepare('SELECT cert_p12 FROM packet_settings WHERE id = 1').get() as { cert_p12: Buffer | null };
  if (!row.cert_p12) throw new AppError('validation', 'Сертификат школы не загружен: загрузите файл .p12 на экране «Сертификат»', { certificate: 'не загружен' });
  return pkcs12PacketSigner(row.cert_p12, password);
}

/** Keeps the school's PKCS#12 (encrypted by its password, as the file was) and shows what it holds; the password is not kept. */
export function storeCertificate(db: DB, p12: Buffer, password: string, now = new Date()): CertificateSummary {
  const { certificate } = openPkcs12Signer(p12, password, { now }); // opens the file only: no signing process starts
  // one that may not sign documents, is expired or not yet valid, or has a key no signer handles: refused there, not
  // kept to fail at signing
  db.prepare(`UPDATE packet_settings SET cert_p12 = ?, cert_subject = ?, cert_issuer = ?, cert_not_before = ?, cert_not_after = ? WHERE id = 1`)
    .run(p12, certificate.subject, certificate.issuer, certificate.notBefore.toISOString(), certificate.notAfter.toISOString());
  return certificateSummary(certificate, now);
}

type Unsigned = { id: string; seq: number; sha256: string; canonical_json: string };
export type SignedSummary = { signed: Array<{ id: string; seq: number }>; signer: string;
  /** with a TSA: how many signatures carry its time; why the others do not (the admin chose to sign without time) */
  timestamped?: number; timestampFailure?: string };

/**
 * Signs every built packet, in chain order: each is re-hashed and re-validated against the schema first (a packet
 * changed in the file, or one the schema refuses, is not signed), then all signatures are written in one transaction.
 */
export async function signPackets(db: DB, signer: PacketSigner, opts: { now?: Date; audit?: (summary: SignedSummary) => void; tsa?: TsaChoice } = {}): Promise<SignedSummary> {
  const now = opts.now ?? new Date();
  assertValidAt(signer.certificate, now);
  const todo = db.prepare("SELECT id, seq, sha256, canonical_json FROM packets WHERE state = 'built' ORDER BY seq").all() as Unsigned[];
  if (!todo.length) throw new AppError('validation', 'Нет собранных неподписанных пакетов: сначала соберите пакет', { packets: 'нет' });
  const signatures: Array<{ id: string; seq: number; signature: Buffer }> = [];
  let timestamped = 0;
  let timestampFailure: string | undefined;
  for (const p of todo) {
    const hash = crypto.createHash('sha256').update(p.canonical_json, 'utf8').digest('hex');
    if (hash !== p.sha256) throw new AppError('conflict', `Пакет № ${p.seq} (${p.id}) изменён после сборки: хеш не совпадает. Пакет не подписан.`);
    assertValidPacket(JSON.parse(p.canonical_json), `Пакет № ${p.seq}`);
    let signature = await signer.sign(Buffer.from(p.canonical_json, 'utf8'), { signingTime: now });
    if (opts.tsa) {
      // trusted time on each signature; a failing TSA refuses them all (nothing is written yet) or is said in the result
      const t = await timestampAsChosen(signature, opts.tsa, 'пакеты не подписаны');
      signature = t.cms;
      if (t.timestamp) timestamped++;
      else timestampFailure ??= t.failure ?? undefined;
    }
    signatures.push({ id: p.id, seq: p.seq, signature });
  }
  const summary: SignedSummary = { signed: signatures.map(({ id, seq }) => ({ id, seq })), signer: signer.certificate.subject,
    ...(opts.tsa ? { timestamped, ...(timestampFailure ? { timestampFailure } : {}) } : {}) };
  db.transaction(() => {
    const put = db.prepare("UPDATE packets SET state = 'signed', signature = ?, signer = ?, signed_at = ?, updated_at = ? WHERE id = ? AND state = 'built'");
    for (const s of signatures) {
      if (put.run(s.signature, signer.certificate.subject, now.toISOString(), now.toISOString(), s.id).changes !== 1) {
        throw new AppError('conflict', `Пакет № ${s.seq} подписан или удалён другим пользователем, пока шла подпись`);
      }
    }
    opts.audit?.(summary);
  }).immediate();
  return summary;
}
