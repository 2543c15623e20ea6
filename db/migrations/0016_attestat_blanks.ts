// Printing attestats on blank forms (issue 17).
//  - attestat_prints: a blank form printed for a graduate. Printing takes a received form; the print reserves the
//    registration number and the date of issue printed on it. A print is never changed or deleted: a reprint spoils
//    the old form (its state and reason in attestat_forms) and is a new row naming the print it replaces. The
//    graduate's print in force is the latest whose form is not spoiled; issuing the attestat uses that form.
//  - printer_calibrations: per printer (its name as the system gives it), the offset and scale applied to every blank
//    print, within ±10 mm and ±5 % (a larger error is a wrong paper feed, not a calibration).
//  - printouts: the appendix (приложение к аттестату) becomes a kind of certified printout, so its verification code
//    is checked on «Проверка документа» like the others. A CHECK cannot be altered in SQLite: the table is rebuilt
//    with its rows, indexes and triggers (the implicit delete of DROP TABLE fires no trigger).
import { dateSql, nonEmpty } from '../sql-checks.ts';

const hex64 = (col: string) => `(length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*')`;
const timestamp = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z' AND julianday(${col}) IS NOT NULL)`;

export default `
CREATE TABLE attestat_prints (
  id              INTEGER PRIMARY KEY,
  form_id         INTEGER NOT NULL UNIQUE REFERENCES attestat_forms(id),
  student_id      TEXT NOT NULL REFERENCES students(id),
  class_id        INTEGER NOT NULL REFERENCES classes(id),
  reg_number      INTEGER NOT NULL CHECK (reg_number >= 1),
  issue_date      TEXT NOT NULL CHECK ${dateSql('issue_date', false)},
  layout          TEXT NOT NULL CHECK ${nonEmpty('layout')},
  replaces_id     INTEGER REFERENCES attestat_prints(id),
  printed_at      TEXT NOT NULL CHECK ${timestamp('printed_at')},
  printed_by      TEXT NOT NULL CHECK ${nonEmpty('printed_by')}
) STRICT;
CREATE INDEX attestat_prints_student ON attestat_prints(student_id, id);
CREATE INDEX attestat_prints_class ON attestat_prints(class_id, student_id);
CREATE TRIGGER attestat_prints_on_free_form BEFORE INSERT ON attestat_prints
WHEN NOT EXISTS (SELECT 1 FROM attestat_forms f JOIN classes c ON c.id = NEW.class_id
  WHERE f.id = NEW.form_id AND f.state = 'received' AND f.kind = c.parallel)
BEGIN SELECT RAISE(ABORT, 'бланк для печати — полученный и неиспользованный, того же вида, что класс выпускника'); END;
CREATE TRIGGER attestat_prints_replace_spoiled BEFORE INSERT ON attestat_prints
WHEN NEW.replaces_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM attestat_prints p JOIN attestat_forms f ON f.id = p.form_id
  WHERE p.id = NEW.replaces_id AND p.student_id = NEW.student_id AND f.state = 'spoiled')
BEGIN SELECT RAISE(ABORT, 'перепечатка заменяет испорченный бланк того же выпускника'); END;
CREATE TRIGGER attestat_prints_no_update BEFORE UPDATE ON attestat_prints
BEGIN SELECT RAISE(ABORT, 'напечатанные бланки не изменяются: испорченный бланк списывается, печатается новый'); END;
CREATE TRIGGER attestat_prints_no_delete BEFORE DELETE ON attestat_prints
BEGIN SELECT RAISE(ABORT, 'напечатанные бланки не удаляются'); END;

CREATE TABLE printer_calibrations (
  printer     TEXT PRIMARY KEY CHECK (${nonEmpty('printer')} AND length(printer) <= 200),
  dx_mm       REAL NOT NULL CHECK (dx_mm BETWEEN -10 AND 10),
  dy_mm       REAL NOT NULL CHECK (dy_mm BETWEEN -10 AND 10),
  scale       REAL NOT NULL CHECK (scale BETWEEN 0.95 AND 1.05),
  updated_at  TEXT NOT NULL CHECK ${timestamp('updated_at')},
  updated_by  TEXT NOT NULL CHECK ${nonEmpty('updated_by')}
) STRICT;

CREATE TABLE printouts_0016 (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('certificate_of_study', 'alphabet_book', 'attestat_book', 'attestat_appendix')),
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
INSERT INTO printouts_0016 SELECT id, kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at, created_by,
  created_by_login FROM printouts;
DROP TABLE printouts;
ALTER TABLE printouts_0016 RENAME TO printouts;
CREATE TRIGGER printouts_in_order BEFORE INSERT ON printouts
WHEN NEW.version <> 1 + coalesce((SELECT max(version) FROM printouts WHERE kind = NEW.kind AND subject_ref = NEW.subject_ref), 0)
BEGIN SELECT RAISE(ABORT, 'printout versions are numbered 1, 2, 3… per document'); END;
CREATE TRIGGER printouts_no_update BEFORE UPDATE ON printouts
BEGIN SELECT RAISE(ABORT, 'the register of certified printouts is append-only'); END;
CREATE TRIGGER printouts_no_delete BEFORE DELETE ON printouts
BEGIN SELECT RAISE(ABORT, 'the register of certified printouts is append-only'); END;
`;
