// Where the register keeps the TLS client certificate for the receiver (table packet_tls_client, migration 0010):
// the only code that reads or writes it.
import type { DB } from '../../db/connection.ts';

export type TlsSource = 'none' | 'signing' | 'file';
export type StoredTlsClient = {
  source: TlsSource;
  /** the separate PKCS#12 (source 'file' only) and what it holds */
  file: { p12: Buffer; subject: string; issuer: string; notBefore: string; notAfter: string } | null;
};

export function readTlsClient(db: DB): StoredTlsClient {
  const r = db.prepare('SELECT source, p12, subject, issuer, not_before, not_after FROM packet_tls_client WHERE id = 1').get() as
    { source: TlsSource; p12: Buffer | null; subject: string | null; issuer: string | null; not_before: string | null; not_after: string | null } | undefined;
  if (!r) return { source: 'none', file: null };
  return { source: r.source,
    file: r.p12 ? { p12: r.p12, subject: r.subject!, issuer: r.issuer!, notBefore: r.not_before!, notAfter: r.not_after! } : null };
}

/** Writes the choice; the caller has checked it (a file opened with its password, the signing certificate present). */
export function writeTlsClient(db: DB, source: TlsSource, file: StoredTlsClient['file']): void {
  db.prepare('UPDATE packet_tls_client SET source = ?, p12 = ?, subject = ?, issuer = ?, not_before = ?, not_after = ? WHERE id = 1')
    .run(source, file?.p12 ?? null, file?.subject ?? null, file?.issuer ?? null, file?.notBefore ?? null, file?.notAfter ?? null);
}
