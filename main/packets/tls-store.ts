// Where the register keeps the TLS client certificate for the receiver: the only code that reads or writes it.
//
// packet_settings (migration 0006, frozen) has no place for it, and this branch may not add a migration, so the setting
// lives in a one-row table of its own, `packet_tls_client`, whose DDL is PACKET_TLS_CLIENT_SQL below: the integrator
// copies it into the next free migration (db/migrations/00NN_packet_tls_client.ts). Until that migration exists the
// register has no such table: the setting reads as "none" with `stored: false`, and choosing a certificate is refused
// with a message saying so. Nothing else in the program needs to change when the migration lands.
import type { DB } from '../../db/connection.ts';

/**
 * The schema the integrator's migration adds, verbatim. `source` says which PKCS#12 the TLS connection presents:
 * none, the school's signing certificate (packet_settings.cert_p12), or a file of its own kept here (encrypted by its
 * password, as the file was; the password is never kept). A file is kept only while it is the chosen source.
 */
export const PACKET_TLS_CLIENT_SQL = `
CREATE TABLE packet_tls_client (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  source      TEXT NOT NULL DEFAULT 'none' CHECK (source IN ('none', 'signing', 'file')),
  p12         BLOB CHECK (p12 IS NULL OR length(p12) > 0),
  subject     TEXT,
  issuer      TEXT,
  not_before  TEXT,
  not_after   TEXT,
  CHECK ((p12 IS NULL) = (subject IS NULL) AND (p12 IS NULL) = (issuer IS NULL)
     AND (p12 IS NULL) = (not_before IS NULL) AND (p12 IS NULL) = (not_after IS NULL)),
  CHECK ((source = 'file') = (p12 IS NOT NULL))
) STRICT;
INSERT INTO packet_tls_client (id) VALUES (1);
CREATE TRIGGER packet_tls_client_no_delete BEFORE DELETE ON packet_tls_client
BEGIN SELECT RAISE(ABORT, 'the packet TLS client row is never deleted'); END;
`;

export type TlsSource = 'none' | 'signing' | 'file';
export type StoredTlsClient = {
  /** false until the migration with PACKET_TLS_CLIENT_SQL has run on this register */
  stored: boolean;
  source: TlsSource;
  /** the separate PKCS#12 (source 'file' only) and what it holds */
  file: { p12: Buffer; subject: string; issuer: string; notBefore: string; notAfter: string } | null;
};

export function tlsClientStorageReady(db: DB): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'packet_tls_client'").get();
}

export function readTlsClient(db: DB): StoredTlsClient {
  if (!tlsClientStorageReady(db)) return { stored: false, source: 'none', file: null };
  const r = db.prepare('SELECT source, p12, subject, issuer, not_before, not_after FROM packet_tls_client WHERE id = 1').get() as
    { source: TlsSource; p12: Buffer | null; subject: string | null; issuer: string | null; not_before: string | null; not_after: string | null } | undefined;
  if (!r) return { stored: true, source: 'none', file: null };
  return { stored: true, source: r.source,
    file: r.p12 ? { p12: r.p12, subject: r.subject!, issuer: r.issuer!, notBefore: r.not_before!, notAfter: r.not_after! } : null };
}

/** Writes the choice; the caller has checked it (a file opened with its password, the signing certificate present). */
export function writeTlsClient(db: DB, source: TlsSource, file: StoredTlsClient['file']): void {
  db.prepare('UPDATE packet_tls_client SET source = ?, p12 = ?, subject = ?, issuer = ?, not_before = ?, not_after = ? WHERE id = 1')
    .run(source, file?.p12 ?? null, file?.subject ?? null, file?.issuer ?? null, file?.notBefore ?? null, file?.notAfter ?? null);
}
