// The trust anchors every verifier builds a signer's path to, chosen in one place: the roots given for this check (the
// command line's --trust ФАЙЛ.pem, the reference receiver's --trust) if any, else the register's own: the PEM bundle
// `<register>.trust.pem` beside the register file (the root of the school's CA — e.g. Минцифры's head CA — and any
// other root the region names), else none, and then a signature is checked for integrity only and said to be so.
// The same rule for ledger verify, archive verify and restore; the check itself is check.ts.
import fs from 'node:fs';
import type { DB } from '../../db/connection.ts';
import { formatDate } from '../../preload/core/dates.ts';
import type { TrustAnchor, User } from '../../preload/contract.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_FILE } from '../shared/private-files.ts';
import { pemCertificates } from './chain.ts';
import { certificateInfo, certificateStructure } from './x509.ts';

export type TrustAnchors = { pems: string[]; source: 'given' | 'register' | 'none' };

/** `<register>.trust.pem`, or null for an in-memory register. */
export function trustFilePath(db: DB | null): string | null {
  return db && db.name && db.name !== ':memory:' && !db.memory ? `${db.name}.trust.pem` : null;
}

/** The anchors for one check: `given` (non-empty) wins, then the register's file, then none. */
export function trustAnchors(given: string[] | undefined, db: DB | null): TrustAnchors {
  if (given?.length) return { pems: given, source: 'given' };
  const file = trustFilePath(db);
  if (file && fs.existsSync(file)) {
    const pem = fs.readFileSync(file, 'utf8');
    if (!pemCertificates([pem]).length) throw new AppError('validation', `Файл доверенных корневых сертификатов ${file} не содержит сертификатов PEM`);
    return { pems: [pem], source: 'register' };
  }
  return { pems: [], source: 'none' };
}

/** The register's trust anchors as the settings screen and `trust show` list them. */
export function listTrustAnchors(db: DB): TrustAnchor[] {
  const t = trustAnchors(undefined, db);
  return t.source === 'register' ? describeAnchors(pemCertificates(t.pems)) : [];
}

export function describeAnchors(ders: Buffer[]): TrustAnchor[] {
  return ders.map((der) => {
    const i = certificateInfo(der);
    return { commonName: i.commonName, subject: i.subject, notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(),
      sha256Fingerprint: i.sha256Fingerprint, isCa: certificateStructure(der).isCa === true };
  });
}

/**
 * Replaces the register's trust anchors with the certificates of `pem` (empty: none), written beside the register
 * whole or not at all (temporary name, flushed, renamed), and audited with their names and fingerprints. A PEM
 * without certificates, a certificate that does not read or has expired is refused by name, nothing written.
 */
export function setTrustAnchors(db: DB, user: User, pem: string, now = new Date()): TrustAnchor[] {
  const file = trustFilePath(db);
  if (!file) throw new AppError('validation', 'Реестр в памяти: доверенные корневые сертификаты хранятся в файле рядом с реестром');
  const ders = pemCertificates([pem]);
  if (pem.trim() && !ders.length) throw fieldError('pem', 'В файле нет сертификатов PEM (-----BEGIN CERTIFICATE-----)');
  let anchors: TrustAnchor[];
  try {
    anchors = describeAnchors(ders);
  } catch {
    throw fieldError('pem', 'Сертификат в файле не читается');
  }
  for (const a of anchors) {
    if (now > new Date(a.notAfter)) throw fieldError('pem', `Сертификат «${a.commonName}» истёк ${formatDate(a.notAfter)}: ему нельзя доверять`);
  }
  if (ders.length) {
    const text = ders.map((d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`).join('');
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', PRIVATE_FILE);
    makePrivate(tmp); // the register's user's alone, as every file beside the register (over a stale temporary one too)
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } else {
    fs.rmSync(file, { force: true });
  }
  db.transaction(() => appendAudit(db, user.login, 'signing.setTrustAnchors', {
    anchors: anchors.map((a) => ({ subject: a.subject, sha256: a.sha256Fingerprint })) }))();
  return anchors;
}
