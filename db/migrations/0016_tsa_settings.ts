// The time-stamping service (RFC 3161) every signature of this register asks for trusted time (main/signing/tsa-store.ts):
// its address, the CA certificate(s) its tokens must chain to, and the administrator's choice when it fails — refuse
// (nothing sealed or signed) or sign without time (said so). No address: no timestamps unless a call names a TSA (the
// command line's --tsa). One row, never deleted. (Numbered 0016 on this branch; 0020 after the merge.)
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
`;
