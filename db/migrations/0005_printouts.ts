// Certified printouts, attestats and their blank forms (issue 4).
// Blank attestat forms are accountable: they arrive in receipts (a series and a range of numbers, by a document),
// each form is one row that is received, then either issued (by exactly one attestat) or spoiled (with a reason),
// and never anything else. The книга учёта выданных аттестатов is the attestats table: one row per attestat
// issued, with its registration number in the year, the form it was printed on, date and recipient; append-only.
// printouts registers every certified printout (справка об обучении, pages of the алфавитная книга, the книга
// учёта аттестатов): its canonical data (RFC 8785) and hash, the verification code printed on it, and the PDF as
// given out, so a code read off a paper can be checked against the register years later. Append-only.
import { dateSql, nonEmpty } from '../sql-checks.ts';

const hex64 = (col: string) => `(length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*')`;
const appendOnly = (table: string, what: string) => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;`;

export default `
-- A delivery of blank forms: series and a range of numbers, by a document (накладная, акт приёма-передачи).
CREATE TABLE attestat_form_receipts (
  id           INTEGER PRIMARY KEY,
  kind         INTEGER NOT NULL CHECK (kind IN (9, 11)),
  series       TEXT NOT NULL CHECK (${nonEmpty('series')} AND length(series) <= 20),
  first_number INTEGER NOT NULL CHECK (first_number >= 1),
  last_number  INTEGER NOT NULL CHECK (last_number >= first_number AND last_number - first_number < 10000),
  received_on  TEXT NOT NULL CHECK ${dateSql('received_on', false)},
  document     TEXT NOT NULL CHECK ${nonEmpty('document')},
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL
) STRICT;
${appendOnly('attestat_form_receipts', 'the register of received blank forms')}

-- One row per blank form. A (series, number) exists once; a form's identity never changes; its state moves only
-- from received to issued or spoiled, once.
CREATE TABLE attestat_forms (
  id             INTEGER PRIMARY KEY,
  receipt_id     INTEGER NOT NULL REFERENCES attestat_form_receipts(id),
  kind           INTEGER NOT NULL CHECK (kind IN (9, 11)),
  series         TEXT NOT NULL,
  number         INTEGER NOT NULL CHECK (number >= 1),
  state          TEXT NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'issued', 'spoiled')),
  spoiled_on     TEXT CHECK ${dateSql('spoiled_on')},
  spoiled_reason TEXT,
  CHECK ((state = 'spoiled') = (spoiled_on IS NOT NULL)),
  CHECK ((spoiled_on IS NULL) = (spoiled_reason IS NULL)),
  CHECK (spoiled_reason IS NULL OR ${nonEmpty('spoiled_reason')}),
  UNIQUE (series, number)
) STRICT;
CREATE TRIGGER attestat_forms_of_receipt BEFORE INSERT ON attestat_forms
WHEN NOT EXISTS (SELECT 1 FROM attestat_form_receipts r WHERE r.id = NEW.receipt_id AND r.kind = NEW.kind
  AND r.series = NEW.series AND NEW.number BETWEEN r.first_number AND r.last_number)
BEGIN SELECT RAISE(ABORT, 'a blank form must be within its receipt (kind, series, numbers)'); END;
CREATE TRIGGER attestat_forms_received_first BEFORE INSERT ON attestat_forms
WHEN NEW.state <> 'received'
BEGIN SELECT RAISE(ABORT, 'a blank form is entered as received'); END;
CREATE TRIGGER attestat_forms_identity BEFORE UPDATE OF id, receipt_id, kind, series, number ON attestat_forms
BEGIN SELECT RAISE(ABORT, 'a blank form keeps its series and number'); END;
CREATE TRIGGER attestat_forms_state_once BEFORE UPDATE OF state, spoiled_on, spoiled_reason ON attestat_forms
WHEN OLD.state <> 'received' OR NEW.state = 'received'
BEGIN SELECT RAISE(ABORT, 'a blank form is used once: it is already issued or spoiled'); END;
CREATE TRIGGER attestat_forms_issued_by_attestat BEFORE UPDATE OF state ON attestat_forms
WHEN NEW.state = 'issued' AND NOT EXISTS (SELECT 1 FROM attestats a WHERE a.form_id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'a blank form is issued only by an attestat'); END;
CREATE TRIGGER attestat_forms_no_delete BEFORE DELETE ON attestat_forms
BEGIN SELECT RAISE(ABORT, 'blank forms are never deleted'); END;

-- Книга учёта выданных аттестатов.
CREATE TABLE attestats (
  id            INTEGER PRIMARY KEY,
  year_id       INTEGER NOT NULL REFERENCES academic_years(id),
  reg_number    INTEGER NOT NULL CHECK (reg_number >= 1),
  student_id    TEXT NOT NULL REFERENCES students(id),
  kind          INTEGER NOT NULL CHECK (kind IN (9, 11)),
  form_id       INTEGER NOT NULL UNIQUE REFERENCES attestat_forms(id),
  issue_date    TEXT NOT NULL CHECK ${dateSql('issue_date', false)},
  recipient     TEXT NOT NULL CHECK ${nonEmpty('recipient')},
  with_honours  INTEGER NOT NULL DEFAULT 0 CHECK (with_honours IN (0, 1)),
  created_at    TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  UNIQUE (year_id, reg_number),
  UNIQUE (student_id, kind)
) STRICT;
CREATE TRIGGER attestats_form_free BEFORE INSERT ON attestats
WHEN NOT EXISTS (SELECT 1 FROM attestat_forms f WHERE f.id = NEW.form_id AND f.state = 'received')
BEGIN SELECT RAISE(ABORT, 'the blank form is already issued or spoiled'); END;
CREATE TRIGGER attestats_form_kind BEFORE INSERT ON attestats
WHEN NOT EXISTS (SELECT 1 FROM attestat_forms f WHERE f.id = NEW.form_id AND f.kind = NEW.kind)
BEGIN SELECT RAISE(ABORT, 'the blank form is of another kind of attestat'); END;
CREATE TRIGGER attestats_issue_in_year BEFORE INSERT ON attestats
WHEN NOT EXISTS (SELECT 1 FROM academic_years y WHERE y.id = NEW.year_id AND NEW.issue_date BETWEEN y.start_date AND date(y.end_date, '+6 months'))
BEGIN SELECT RAISE(ABORT, 'the issue date is outside the academic year'); END;
CREATE TRIGGER attestats_use_form AFTER INSERT ON attestats
BEGIN UPDATE attestat_forms SET state = 'issued' WHERE id = NEW.form_id; END;
${appendOnly('attestats', 'the book of issued attestats')}

-- Every certified printout given out.
CREATE TABLE printouts (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('certificate_of_study', 'alphabet_book', 'attestat_book')),
  subject_ref      TEXT NOT NULL CHECK ${nonEmpty('subject_ref')},
  version          INTEGER NOT NULL CHECK (version >= 1),
  sha256           TEXT NOT NULL CHECK ${hex64('sha256')},
  canonical_json   TEXT NOT NULL CHECK (json_valid(canonical_json)),
  code             TEXT NOT NULL UNIQUE CHECK (code GLOB '[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]-v[1-9]*'
                     AND code = upper(substr(sha256, 1, 8)) || '-v' || version),
  pdf              BLOB NOT NULL CHECK (length(pdf) > 0),
  pdf_sha256       TEXT NOT NULL CHECK ${hex64('pdf_sha256')},
  created_at       TEXT NOT NULL,
  created_by       INTEGER REFERENCES users(id),
  created_by_login TEXT NOT NULL CHECK ${nonEmpty('created_by_login')},
  UNIQUE (kind, subject_ref, version),
  UNIQUE (kind, subject_ref, sha256)
) STRICT;
CREATE TRIGGER printouts_in_order BEFORE INSERT ON printouts
WHEN NEW.version <> 1 + coalesce((SELECT max(version) FROM printouts WHERE kind = NEW.kind AND subject_ref = NEW.subject_ref), 0)
BEGIN SELECT RAISE(ABORT, 'printout versions are numbered 1, 2, 3… per document'); END;
${appendOnly('printouts', 'the register of certified printouts')}
`;
