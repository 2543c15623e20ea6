// The TLS client certificate the upload presents to a receiver that demands mutual TLS (main/packets/tls-client.ts):
// which one — none, the school's signing certificate (packet_settings.cert_p12), or a PKCS#12 of its own kept here as
// the file was (encrypted by its password; the password is never kept). A file is kept only while it is the chosen
// source, and only with its subject, issuer and validity. One row, never deleted. packet_settings (0006, frozen)
// gets no new column: SQLite's ADD COLUMN cannot carry a CHECK across columns.
export default `
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
