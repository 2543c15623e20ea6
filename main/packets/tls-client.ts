// The TLS client certificate the upload presents to a receiver that demands mutual TLS: chosen by an admin (none, the
// school's signing certificate, or a PKCS#12 file of its own), opened only for one upload with the password given for
// it, which is never kept. The PKCS#12 is read with main/signing/pkcs12.ts (as the signing certificate is), so legacy
// files and Cyrillic passwords open the same way; the connection gets the key and the certificate chain as PEM.
// Where the choice is stored: main/packets/tls-store.ts.
import type { DB } from '../../db/connection.ts';
import type { CertificateSummary } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { SigningError } from '../signing/errors.ts';
import { assertValidAt, loadPkcs12, type LoadedPkcs12 } from '../signing/pkcs12.ts';
import { getPacketSettings } from './outbox.ts';
import { certificateSummary } from './sign.ts';
import type { ClientCertificate } from './transport.ts';
import { readTlsClient, writeTlsClient, type TlsSource } from './tls-store.ts';

export type TlsClientSettings = { source: TlsSource; certificate: CertificateSummary | null };

const summaryOf = (c: { subject: string; issuer: string; notBefore: string; notAfter: string }, now: Date) =>
  certificateSummary({ subject: c.subject, issuer: c.issuer, notBefore: new Date(c.notBefore), notAfter: new Date(c.notAfter) }, now);

/** What the settings show: the chosen source and the certificate it presents (subject, issuer, validity). */
export function tlsClientSettings(db: DB, now = new Date()): TlsClientSettings {
  const t = readTlsClient(db);
  const signing = getPacketSettings(db).certificate;
  const cert = t.source === 'file' && t.file ? t.file : t.source === 'signing' ? signing : null;
  return { source: t.source, certificate: cert ? summaryOf(cert, now) : null };
}

/** A SigningError of the TLS certificate, told as such (the signing certificate has the same messages). */
function asTlsError(e: unknown, field: string): never {
  if (!(e instanceof SigningError)) throw e;
  const message = e.signingCode === 'wrong_password' ? 'Неверный пароль TLS-сертификата клиента' : `TLS-сертификат клиента: ${e.message}`;
  throw new AppError('validation', message, { [field]: message });
}

function openTls(p12: Buffer, password: string, field: string, now: Date): LoadedPkcs12 {
  try {
    const loaded = loadPkcs12(p12, password);
    assertValidAt(loaded.certificate, now);
    return loaded;
  } catch (e) {
    return asTlsError(e, field);
  }
}

const signingP12 = (db: DB) => (db.prepare('SELECT cert_p12 FROM packet_settings WHERE id = 1').get() as { cert_p12: Buffer | null }).cert_p12;

/** The admin's choice. A separate file is opened with its password now (refused if wrong or expired) and kept without it. */
export function chooseTlsClient(db: DB, a: { source: TlsSource; p12Base64?: string; password?: string }, now = new Date()): TlsClientSettings {
  if (a.source === 'none') writeTlsClient(db, 'none', null);
  else if (a.source === 'signing') {
    if (!signingP12(db)) throw new AppError('validation', 'Сертификат школы не загружен: загрузите его выше, затем выберите его для TLS', { source: 'сертификат школы не загружен' });
    writeTlsClient(db, 'signing', null);
  } else {
    if (!a.p12Base64) throw new AppError('validation', 'Выберите файл TLS-сертификата клиента (.p12, .pfx)', { p12Base64: 'Выберите файл TLS-сертификата клиента (.p12, .pfx)' });
    const p12 = Buffer.from(a.p12Base64, 'base64');
    const { certificate: c } = openTls(p12, a.password ?? '', 'password', now);
    writeTlsClient(db, 'file', { p12, subject: c.subject, issuer: c.issuer, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() });
  }
  return tlsClientSettings(db, now);
}

/**
 * The chosen certificate opened with this upload's password, for this upload's connections only; null when none is
 * chosen. A wrong password, a missing certificate or an expired one is refused here, before anything is sent.
 */
export function tlsClientCertificate(db: DB, password: string | undefined, now = new Date()): ClientCertificate | null {
  const t = readTlsClient(db);
  if (t.source === 'none') return null;
  const p12 = t.source === 'file' ? t.file?.p12 : signingP12(db);
  if (!p12) {
    throw new AppError('validation', 'TLS-сертификат клиента — сертификат школы, но он не загружен: загрузите сертификат на экране «Пакеты»', { tlsPassword: 'сертификат не загружен' });
  }
  if (password === undefined) {
    throw new AppError('validation', 'Введите пароль TLS-сертификата клиента: приёмник требует его при соединении', { tlsPassword: 'Введите пароль TLS-сертификата клиента' });
  }
  return credentialsOf(openTls(p12, password, 'tlsPassword', now));
}

/** A PKCS#12 file given for one run (the CLI's --client-cert), opened and refused the same way. */
export function tlsClientFromFile(p12: Buffer, password: string, now = new Date()): ClientCertificate {
  return credentialsOf(openTls(p12, password, 'tlsPassword', now));
}

const credentialsOf = (loaded: LoadedPkcs12): ClientCertificate => ({
  key: loaded.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  cert: [loaded.certificate.pem, ...loaded.chain.map((c) => c.pem)].join('\n'),
});
