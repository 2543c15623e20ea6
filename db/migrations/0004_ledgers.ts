// Sealed yearly ledgers (issue 4). ledger_versions keeps every sealed version of a class's ledger: its canonical
// JSON (RFC 8785), the SHA-256 of it, the previous version's hash (a chain), the detached CMS signature, and the
// PDF and XLSX as printed. It is append-only, numbered 1, 2, 3… per class, each version after the first made by a
// correction (ledger_corrections: reason, order, who opened it) which the version closes.
// While a class's ledger is sealed and no correction is open, the database itself refuses any change of that
// class-year's marks, attendance, curriculum, exams and membership (a membership ended by promotion or graduation
// changes nothing the ledger shows, so the year can still be closed after it is sealed).
import { dateSql, nonEmpty } from '../sql-checks.ts';

const hex64 = (col: string) => `(length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*')`;

/** The class's ledger is sealed and no correction of it is open. */
const locked = (cls: string) => `(EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = ${cls})
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = ${cls} AND k.closed_by_version_id IS NULL))`;
/** Some class the student was in that year is locked: a student's marks of a year are in every ledger of theirs that year. */
const lockedStudentYear = (student: string, year: string) => `EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = ${student} AND cm.year_id = ${year} AND ${locked('cm.class_id')})`;
// Cheap when nothing is sealed yet (bulk imports and the demo run before any seal).
const anySealed = `EXISTS (SELECT 1 FROM ledger_versions)`;

const MESSAGE = 'ведомость класса за этот учебный год запечатана: изменить её можно только после открытия исправления';
const refuse = (name: string, when: string, op: string, table: string) => `
CREATE TRIGGER ${name} BEFORE ${op} ON ${table}
WHEN ${anySealed} AND (${when})
BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END;`;

const periodYear = (p: string) => `(SELECT year_id FROM periods WHERE id = ${p})`;

const locks = [
  refuse('marks_sealed_insert', lockedStudentYear('NEW.student_id', 'NEW.year_id') + ` OR ${locked('NEW.class_id')}`, 'INSERT', 'marks'),
  refuse('marks_sealed_update', [lockedStudentYear('NEW.student_id', 'NEW.year_id'), lockedStudentYear('OLD.student_id', 'OLD.year_id'),
    locked('NEW.class_id'), locked('OLD.class_id')].join(' OR '), 'UPDATE', 'marks'),
  refuse('marks_sealed_delete', lockedStudentYear('OLD.student_id', 'OLD.year_id') + ` OR ${locked('OLD.class_id')}`, 'DELETE', 'marks'),
  refuse('attendance_sealed_insert', lockedStudentYear('NEW.student_id', periodYear('NEW.period_id')) + ` OR ${locked('NEW.class_id')}`, 'INSERT', 'attendance'),
  refuse('attendance_sealed_update', [lockedStudentYear('NEW.student_id', periodYear('NEW.period_id')),
    lockedStudentYear('OLD.student_id', periodYear('OLD.period_id')), locked('NEW.class_id'), locked('OLD.class_id')].join(' OR '), 'UPDATE', 'attendance'),
  refuse('attendance_sealed_delete', lockedStudentYear('OLD.student_id', periodYear('OLD.period_id')) + ` OR ${locked('OLD.class_id')}`, 'DELETE', 'attendance'),
  ...['curriculum', 'class_exams'].flatMap((t) => [
    refuse(`${t}_sealed_insert`, locked('NEW.class_id'), 'INSERT', t),
    refuse(`${t}_sealed_update`, `${locked('NEW.class_id')} OR ${locked('OLD.class_id')}`, 'UPDATE', t),
    refuse(`${t}_sealed_delete`, locked('OLD.class_id'), 'DELETE', t),
  ]),
  refuse('memberships_sealed_insert', locked('NEW.class_id'), 'INSERT', 'class_memberships'),
  // Closing a membership by a promotion or a graduation leaves the ledger as it was; anything else is refused.
  refuse('memberships_sealed_update', `(${locked('NEW.class_id')} OR ${locked('OLD.class_id')}) AND NOT (
      OLD.end_movement_id IS NULL AND NEW.end_movement_id IS NOT NULL
      AND NEW.id IS OLD.id AND NEW.student_id IS OLD.student_id AND NEW.class_id IS OLD.class_id AND NEW.year_id IS OLD.year_id
      AND NEW.start_date IS OLD.start_date AND NEW.start_movement_id IS OLD.start_movement_id
      AND EXISTS (SELECT 1 FROM movements mv WHERE mv.id = NEW.end_movement_id
        AND (mv.kind = 'promotion' OR (mv.kind = 'departure' AND mv.reason LIKE 'Окончание обучения%'))))`, 'UPDATE', 'class_memberships'),
  refuse('memberships_sealed_delete', locked('OLD.class_id'), 'DELETE', 'class_memberships'),
].join('\n');

export default `
CREATE TABLE ledger_corrections (
  id                   INTEGER PRIMARY KEY,
  class_id             INTEGER NOT NULL REFERENCES classes(id),
  reason               TEXT NOT NULL CHECK ${nonEmpty('reason')},
  order_number         TEXT NOT NULL CHECK ${nonEmpty('order_number')},
  order_date           TEXT NOT NULL CHECK ${dateSql('order_date', false)},
  -- the user who opened it (NULL from the command line, which acts as the OS user); opened_by_login names either
  opened_by            INTEGER REFERENCES users(id),
  opened_at            TEXT NOT NULL,
  -- the version sealed by this correction; NULL while the correction is open
  closed_by_version_id INTEGER REFERENCES ledger_versions(id),
  opened_by_login      TEXT NOT NULL CHECK ${nonEmpty('opened_by_login')}
) STRICT;
-- One open correction per class at a time.
CREATE UNIQUE INDEX ledger_corrections_one_open ON ledger_corrections(class_id) WHERE closed_by_version_id IS NULL;

CREATE TABLE ledger_versions (
  id             INTEGER PRIMARY KEY,
  class_id       INTEGER NOT NULL REFERENCES classes(id),
  version        INTEGER NOT NULL CHECK (version >= 1),
  sha256         TEXT NOT NULL CHECK ${hex64('sha256')},
  prev_sha256    TEXT CHECK (prev_sha256 IS NULL OR ${hex64('prev_sha256')}),
  canonical_json TEXT NOT NULL CHECK (length(canonical_json) > 1),
  signature      BLOB,
  signer         TEXT,
  pdf            BLOB NOT NULL,
  pdf_sha256     TEXT NOT NULL CHECK ${hex64('pdf_sha256')},
  xlsx           BLOB NOT NULL,
  xlsx_sha256    TEXT NOT NULL CHECK ${hex64('xlsx_sha256')},
  sealed_at      TEXT NOT NULL,
  sealed_by      INTEGER REFERENCES users(id),
  correction_id  INTEGER REFERENCES ledger_corrections(id),
  -- who sealed it: the user's login, or cli:<OS user> from the command line (then sealed_by is NULL)
  sealed_by_login TEXT NOT NULL CHECK ${nonEmpty('sealed_by_login')},
  CHECK (sealed_by IS NOT NULL OR sealed_by_login LIKE 'cli:%'),
  UNIQUE (class_id, version),
  CHECK ((signature IS NULL) = (signer IS NULL)),
  CHECK ((version = 1) = (prev_sha256 IS NULL)),
  CHECK ((version = 1) = (correction_id IS NULL))
) STRICT;
CREATE INDEX ledger_versions_pdf ON ledger_versions(pdf_sha256);
CREATE INDEX ledger_versions_code ON ledger_versions(substr(sha256, 1, 8), version);

-- Versions come one after another, each chained to the one before, each after the first by the open correction.
CREATE TRIGGER ledger_versions_in_order BEFORE INSERT ON ledger_versions
WHEN NEW.version IS NOT (SELECT coalesce(max(version), 0) + 1 FROM ledger_versions WHERE class_id = NEW.class_id)
BEGIN SELECT RAISE(ABORT, 'ledger versions are numbered 1, 2, 3... per class'); END;
CREATE TRIGGER ledger_versions_chained BEFORE INSERT ON ledger_versions
WHEN NEW.version > 1 AND NEW.prev_sha256 IS NOT (SELECT sha256 FROM ledger_versions WHERE class_id = NEW.class_id AND version = NEW.version - 1)
BEGIN SELECT RAISE(ABORT, 'prev_sha256 must be the previous version''s sha256'); END;
CREATE TRIGGER ledger_versions_by_correction BEFORE INSERT ON ledger_versions
WHEN NEW.version > 1 AND NOT EXISTS (SELECT 1 FROM ledger_corrections
  WHERE id = NEW.correction_id AND class_id = NEW.class_id AND closed_by_version_id IS NULL)
BEGIN SELECT RAISE(ABORT, 'a new version of a sealed ledger needs an open correction of that class'); END;
-- The version closes its correction: the class is locked again.
CREATE TRIGGER ledger_versions_close_correction AFTER INSERT ON ledger_versions
WHEN NEW.correction_id IS NOT NULL
BEGIN UPDATE ledger_corrections SET closed_by_version_id = NEW.id WHERE id = NEW.correction_id; END;
CREATE TRIGGER ledger_versions_no_update BEFORE UPDATE ON ledger_versions
BEGIN SELECT RAISE(ABORT, 'sealed ledger versions are append-only'); END;
CREATE TRIGGER ledger_versions_no_delete BEFORE DELETE ON ledger_versions
BEGIN SELECT RAISE(ABORT, 'sealed ledger versions are append-only'); END;

-- A correction is opened for a sealed ledger, and is only ever closed (once, by a version of its class).
CREATE TRIGGER ledger_corrections_of_sealed BEFORE INSERT ON ledger_corrections
WHEN NEW.closed_by_version_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM ledger_versions WHERE class_id = NEW.class_id)
BEGIN SELECT RAISE(ABORT, 'a correction is opened open, for a class whose ledger is sealed'); END;
CREATE TRIGGER ledger_corrections_only_closed BEFORE UPDATE ON ledger_corrections
WHEN OLD.closed_by_version_id IS NOT NULL OR NEW.closed_by_version_id IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.class_id IS NOT OLD.class_id OR NEW.reason IS NOT OLD.reason
  OR NEW.order_number IS NOT OLD.order_number OR NEW.order_date IS NOT OLD.order_date
  OR NEW.opened_by IS NOT OLD.opened_by OR NEW.opened_at IS NOT OLD.opened_at OR NEW.opened_by_login IS NOT OLD.opened_by_login
  OR NOT EXISTS (SELECT 1 FROM ledger_versions WHERE id = NEW.closed_by_version_id AND class_id = OLD.class_id AND correction_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'a correction is only closed, once, by the version sealed for it'); END;
CREATE TRIGGER ledger_corrections_no_delete BEFORE DELETE ON ledger_corrections
BEGIN SELECT RAISE(ABORT, 'ledger corrections are kept'); END;
${locks}
`;
