// Issue 14's remaining storage.
// tsa_settings: the time-stamping service (RFC 3161) every signature of this register asks for trusted time
// (main/signing/tsa-store.ts): its address, the CA certificate(s) its tokens must chain to, and the administrator's
// choice when it fails — refuse (nothing sealed or signed) or sign without time (said so). No address: no timestamps
// unless a call names a TSA (the command line's --tsa). One row, never deleted.
// ledger_pdf_signatures, printout_signatures: a detached CMS over the PDF as given out (a sealed ledger's, a certified
// printout's) when it was sealed or printed with the school's certificate, so the file itself can be checked with
// `openssl cms -verify` (ledger_versions' own signature is over the canonical JSON). Append-only, one per PDF.
export default `
CREATE TABLE tsa_settings (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  url         TEXT CHECK (url IS NULL OR ((url LIKE 'http://_%' OR url LIKE 'https://_%') AND length(url) <= 2000)),
  ca_pem      TEXT CHECK (ca_pem IS NULL OR instr(ca_pem, '-----BEGIN CERTIFICATE-----') > 0),
  on_failure  TEXT NOT NULL DEFAULT 'refuse' CHECK (on_failure IN ('refuse', 'without_time')),
  CHECK ((url IS NULL) = (ca_pem IS NULL))
) STRICT;
INSERT INTO tsa_settings (id) VALUES (1);
CREATE TRIGGER tsa_settings_no_delete BEFORE DELETE ON tsa_settings
BEGIN SELECT RAISE(ABORT, 'the TSA settings row is never deleted'); END;

CREATE TABLE ledger_pdf_signatures (
  ledger_version_id INTEGER PRIMARY KEY REFERENCES ledger_versions(id),
  signature         BLOB NOT NULL CHECK (length(signature) > 0),
  signer            TEXT NOT NULL CHECK (length(signer) > 0)
) STRICT;
CREATE TRIGGER ledger_pdf_signatures_no_update BEFORE UPDATE ON ledger_pdf_signatures
BEGIN SELECT RAISE(ABORT, 'the signatures of sealed ledgers'' PDFs are append-only'); END;
CREATE TRIGGER ledger_pdf_signatures_no_delete BEFORE DELETE ON ledger_pdf_signatures
BEGIN SELECT RAISE(ABORT, 'the signatures of sealed ledgers'' PDFs are append-only'); END;

CREATE TABLE printout_signatures (
  printout_id INTEGER PRIMARY KEY REFERENCES printouts(id),
  signature   BLOB NOT NULL CHECK (length(signature) > 0),
  signer      TEXT NOT NULL CHECK (length(signer) > 0),
  signed_at   TEXT NOT NULL,
  signed_by   TEXT NOT NULL CHECK (length(signed_by) > 0)
) STRICT;
CREATE TRIGGER printout_signatures_no_update BEFORE UPDATE ON printout_signatures
BEGIN SELECT RAISE(ABORT, 'the signatures of certified printouts are append-only'); END;
CREATE TRIGGER printout_signatures_no_delete BEFORE DELETE ON printout_signatures
BEGIN SELECT RAISE(ABORT, 'the signatures of certified printouts are append-only'); END;
`;
