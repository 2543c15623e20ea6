// Personal data (152-ФЗ) and working at once (issue 18).
// - Consents as facts with history: who consented (a guardian or the student), to which purposes, from which day; a
//   withdrawal is a new row beside the consent, never an edit of it. Neither table is ever updated or deleted from.
// - The read-access log: who read which student's card, list or printout, from which workplace. Appended like the
//   audit log (each entry carries the previous entry's hash; the students an entry concerns are hashed with it), never
//   updated; the oldest entries go only by a purge recorded first in read_log_purges (the retention the admin sets,
//   `settings.read_log_retention_days`), which keeps the hash the remaining chain starts from.
// - An optimistic version per student: every update of the row moves `version` on (a trigger, whoever writes), so a
//   clerk saving a card read at an older version is told instead of overwriting the other's change.
// - Change counters per area and class, moved by triggers on every write of marks, attendance and students whichever
//   connection makes it: an open grid polls its class's counter and says when the marks changed elsewhere.
const timestamp = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z' AND julianday(${col}) IS NOT NULL)`;
const isoDate = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date(${col}) = ${col})`;
const hash = (col: string) => `(length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*')`;

const bump = (area: string, scope: string) =>
  `INSERT INTO change_counters (area, scope, counter) VALUES ('${area}', ${scope}, 1) ON CONFLICT (area, scope) DO UPDATE SET counter = counter + 1;`;
const counted = (table: string, area: string, scope: (row: 'NEW' | 'OLD') => string) => `
CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} BEGIN ${bump(area, scope('NEW'))} END;
CREATE TRIGGER ${table}_count_update AFTER UPDATE ON ${table} BEGIN ${bump(area, scope('NEW'))} END;
CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} BEGIN ${bump(area, scope('OLD'))} END;`;

export default `
CREATE TABLE consents (
  id           INTEGER PRIMARY KEY,
  student_id   TEXT NOT NULL REFERENCES students(id),
  given_by     TEXT NOT NULL CHECK (given_by IN ('guardian', 'student')),
  given_by_name TEXT NOT NULL CHECK (length(trim(given_by_name)) > 0),
  -- a JSON array of purposes (preload/core/consents.ts), at least one, no repeats
  purposes     TEXT NOT NULL CHECK (json_valid(purposes) AND json_type(purposes) = 'array' AND json_array_length(purposes) > 0),
  from_date    TEXT NOT NULL CHECK ${isoDate('from_date')},
  recorded_at  TEXT NOT NULL CHECK ${timestamp('recorded_at')},
  recorded_by  TEXT NOT NULL CHECK (length(trim(recorded_by)) > 0)
) STRICT;
CREATE INDEX consents_student ON consents(student_id, id);
CREATE TRIGGER consents_not_future BEFORE INSERT ON consents WHEN NEW.from_date > date('now', '+1 day')
BEGIN SELECT RAISE(ABORT, 'согласие не может быть датировано будущим днём'); END;
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'согласие не изменяется: отзыв записывается отдельно, новое согласие — новой записью'); END;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'согласия не удаляются: отзыв записывается отдельно'); END;

CREATE TABLE consent_withdrawals (
  consent_id   INTEGER PRIMARY KEY REFERENCES consents(id),
  date         TEXT NOT NULL CHECK ${isoDate('date')},
  reason       TEXT,
  recorded_at  TEXT NOT NULL CHECK ${timestamp('recorded_at')},
  recorded_by  TEXT NOT NULL CHECK (length(trim(recorded_by)) > 0)
) STRICT;
CREATE TRIGGER consent_withdrawals_after_consent BEFORE INSERT ON consent_withdrawals
WHEN NEW.date < (SELECT from_date FROM consents WHERE id = NEW.consent_id)
BEGIN SELECT RAISE(ABORT, 'согласие нельзя отозвать раньше дня, с которого оно дано'); END;
CREATE TRIGGER consent_withdrawals_not_future BEFORE INSERT ON consent_withdrawals WHEN NEW.date > date('now', '+1 day')
BEGIN SELECT RAISE(ABORT, 'отзыв согласия не может быть датирован будущим днём'); END;
CREATE TRIGGER consent_withdrawals_no_update BEFORE UPDATE ON consent_withdrawals
BEGIN SELECT RAISE(ABORT, 'отзыв согласия не изменяется'); END;
CREATE TRIGGER consent_withdrawals_no_delete BEFORE DELETE ON consent_withdrawals
BEGIN SELECT RAISE(ABORT, 'отзыв согласия не удаляется'); END;

CREATE TABLE read_log (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL CHECK ${timestamp('at')},
  login      TEXT NOT NULL,
  workplace  TEXT NOT NULL CHECK (length(trim(workplace)) > 0),
  method     TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('card', 'list', 'printout')),
  -- the call's arguments (what was asked for), as JSON
  detail     TEXT NOT NULL CHECK (json_valid(detail)),
  prev_hash  TEXT NOT NULL CHECK ${hash('prev_hash')},
  hash       TEXT NOT NULL UNIQUE CHECK ${hash('hash')}
) STRICT;
CREATE INDEX read_log_login ON read_log(login, id);
CREATE INDEX read_log_at ON read_log(at);
-- which students an entry concerns (a card: one; a list: every row shown); hashed with the entry
CREATE TABLE read_log_students (
  entry_id   INTEGER NOT NULL REFERENCES read_log(id) ON DELETE CASCADE,
  student_id TEXT NOT NULL,
  PRIMARY KEY (student_id, entry_id)
) STRICT;
CREATE INDEX read_log_students_entry ON read_log_students(entry_id);
CREATE TABLE read_log_purges (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL CHECK ${timestamp('at')},
  login      TEXT NOT NULL,
  -- entries read before this day were removed: ids up to up_to_id; the remaining chain starts from last_hash
  before     TEXT NOT NULL CHECK ${isoDate('before')},
  up_to_id   INTEGER NOT NULL,
  last_hash  TEXT NOT NULL CHECK ${hash('last_hash')},
  removed    INTEGER NOT NULL CHECK (removed >= 0)
) STRICT;
CREATE TRIGGER read_log_no_update BEFORE UPDATE ON read_log
BEGIN SELECT RAISE(ABORT, 'журнал чтения персональных данных не изменяется'); END;
CREATE TRIGGER read_log_delete_only_purged BEFORE DELETE ON read_log
WHEN OLD.id > coalesce((SELECT max(up_to_id) FROM read_log_purges), 0)
BEGIN SELECT RAISE(ABORT, 'записи журнала чтения удаляются только очисткой по сроку хранения'); END;
CREATE TRIGGER read_log_students_no_update BEFORE UPDATE ON read_log_students
BEGIN SELECT RAISE(ABORT, 'журнал чтения персональных данных не изменяется'); END;
CREATE TRIGGER read_log_students_delete_only_purged BEFORE DELETE ON read_log_students
WHEN OLD.entry_id > coalesce((SELECT max(up_to_id) FROM read_log_purges), 0)
BEGIN SELECT RAISE(ABORT, 'записи журнала чтения удаляются только очисткой по сроку хранения'); END;
CREATE TRIGGER read_log_purges_no_update BEFORE UPDATE ON read_log_purges
BEGIN SELECT RAISE(ABORT, 'очистки журнала чтения не изменяются'); END;
CREATE TRIGGER read_log_purges_no_delete BEFORE DELETE ON read_log_purges
BEGIN SELECT RAISE(ABORT, 'очистки журнала чтения не удаляются'); END;

ALTER TABLE settings ADD COLUMN read_log_retention_days INTEGER NOT NULL DEFAULT 1095
  CHECK (read_log_retention_days BETWEEN 30 AND 3650);

ALTER TABLE students ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
CREATE TRIGGER students_version AFTER UPDATE ON students WHEN NEW.version = OLD.version
BEGIN UPDATE students SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER students_version_forward BEFORE UPDATE OF version ON students WHEN NEW.version < OLD.version
BEGIN SELECT RAISE(ABORT, 'версия карточки ученика только растёт'); END;

-- area 'marks': marks and attendance of a class (scope: the class's id); area 'students': cards and guardians (scope 0)
CREATE TABLE change_counters (
  area    TEXT NOT NULL CHECK (area IN ('marks', 'students')),
  scope   INTEGER NOT NULL,
  counter INTEGER NOT NULL CHECK (counter >= 1),
  PRIMARY KEY (area, scope)
) STRICT;
${counted('subject_marks', 'marks', (r) => `${r}.class_id`)}
${counted('attendance', 'marks', (r) => `${r}.class_id`)}
${counted('students', 'students', () => '0')}
${counted('guardians', 'students', () => '0')}
`;
