// The register's time-stamping service (table tsa_settings): the only code that reads or writes it, and the one rule
// for which TSA a signature asks — the call's own (the command line's --tsa, SCHOOL_REGISTER_TSA_URL) if it names one,
// else the stored one, else none — and which TSA certificates a verifier trusts a stamp by.
import type { DB } from '../../db/connection.ts';
import { formatDate } from '../../preload/core/dates.ts';
import type { TsaSettings, User } from '../../preload/contract.ts';
import { appendAudit } from '../audit/log.ts';
import { fieldError } from '../shared/errors.ts';
import { pemCertificates } from './chain.ts';
import type { TsaChoice, TsaFailure } from './timestamp.ts';
import { describeAnchors } from './trust.ts';

type Row = { url: string | null; ca_pem: string | null; on_failure: TsaFailure };

function row(db: DB): Row {
  return (db.prepare('SELECT url, ca_pem, on_failure FROM tsa_settings WHERE id = 1').get() as Row | undefined) ?? { url: null, ca_pem: null, on_failure: 'refuse' };
}

/** The stored TSA with the admin's failure choice, or null. */
export function storedTsa(db: DB): TsaChoice | null {
  const r = row(db);
  return r.url && r.ca_pem ? { url: r.url, trustedCertsPem: [r.ca_pem], onFailure: r.on_failure } : null;
}

/** The TSA a signature made in this call asks: the call's own, else the stored one — only when the call signs. */
export function tsaForSigning(db: DB, given: TsaChoice | undefined, signing: boolean): TsaChoice | undefined {
  if (given) return given;
  return signing ? storedTsa(db) ?? undefined : undefined;
}

/** The TSA certificates a verifier trusts a stamp by: the check's own (--tsa-ca), else the stored TSA's CA. */
export function tsaTrustForVerifying(db: DB | null, given: string[] | undefined): string[] | undefined {
  if (given?.length) return given;
  const stored = db ? row(db).ca_pem : null;
  return stored ? [stored] : given;
}

export function tsaSettings(db: DB): TsaSettings {
  const r = row(db);
  return { url: r.url, onFailure: r.on_failure, ca: r.ca_pem ? describeAnchors(pemCertificates([r.ca_pem])) : [] };
}

/**
 * Stores the TSA (or none, `url` null), checked first: an http(s) address without a login, a CA bundle of readable,
 * unexpired certificates (left out for the address already stored: its CA stays). Audited with the address, the choice and the CA's
 * fingerprints (not the PEM text); nothing written when refused.
 */
export function setTsa(db: DB, user: User, a: { url: string | null; caPem?: string; onFailure: TsaFailure }, now = new Date()): TsaSettings {
  let url: string | null = null;
  let caPem: string | null = null;
  if (a.url) {
    let u: URL;
    try {
      u = new URL(a.url.trim());
    } catch {
      throw fieldError('url', `«${a.url}» — не адрес службы штампов времени: нужен адрес вида http://… или https://…`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw fieldError('url', `«${a.url}» — не адрес службы штампов времени: нужен адрес вида http://… или https://…`);
    if (u.username || u.password) throw fieldError('url', 'Адрес службы штампов времени не должен содержать логин и пароль');
    url = u.toString();
    // the CA may be left out only to keep the one stored for the same address (a changed choice on failure)
    const stored = row(db);
    const pem = a.caPem?.trim() ? a.caPem : stored.url === url ? stored.ca_pem : null;
    if (!pem) throw fieldError('caPem', 'Укажите сертификат удостоверяющего центра службы штампов времени (PEM): без него штампу нельзя доверять');
    const ders = pemCertificates([pem]);
    if (!ders.length) throw fieldError('caPem', 'В файле нет сертификатов PEM (-----BEGIN CERTIFICATE-----)');
    let anchors;
    try {
      anchors = describeAnchors(ders);
    } catch {
      throw fieldError('caPem', 'Сертификат службы штампов времени в файле не читается');
    }
    for (const c of anchors) {
      if (now > new Date(c.notAfter)) throw fieldError('caPem', `Сертификат «${c.commonName}» истёк ${formatDate(c.notAfter)}: ему нельзя доверять`);
    }
    caPem = ders.map((d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`).join('');
  } else if (a.caPem?.trim()) {
    throw fieldError('url', 'Укажите адрес службы штампов времени для этого сертификата');
  }
  db.transaction(() => {
    db.prepare('UPDATE tsa_settings SET url = ?, ca_pem = ?, on_failure = ? WHERE id = 1').run(url, caPem, a.onFailure);
    const s = tsaSettings(db);
    appendAudit(db, user.login, 'signing.setTsa', { url, onFailure: a.onFailure, ca: s.ca.map((c) => ({ subject: c.subject, sha256: c.sha256Fingerprint })) });
  }).immediate();
  return tsaSettings(db);
}
