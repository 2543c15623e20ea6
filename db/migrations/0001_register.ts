// The register: school, years and periods, staff, subjects, classes, curriculum, students and guardians,
// orders and movements, class membership, the алфавитная книга, users and the audit log.
import { dateSql, innSql, nonEmpty, ogrnSql, snillsSql } from '../sql-checks.ts';

export default `
CREATE TABLE school (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  full_name   TEXT NOT NULL CHECK ${nonEmpty('full_name')},
  short_name  TEXT NOT NULL CHECK ${nonEmpty('short_name')},
  inn         TEXT NOT NULL CHECK ${innSql('inn')},
  kpp         TEXT NOT NULL CHECK (kpp GLOB '[0-9][0-9][0-9][0-9][0-9A-Z][0-9A-Z][0-9][0-9][0-9]'),
  ogrn        TEXT NOT NULL CHECK ${ogrnSql('ogrn')},
  address     TEXT NOT NULL CHECK ${nonEmpty('address')},
  director    TEXT NOT NULL CHECK ${nonEmpty('director')},
  region_code TEXT NOT NULL CHECK (region_code GLOB '[0-9][0-9]')
) STRICT;

CREATE TABLE academic_years (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE CHECK (name GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9][0-9][0-9]'
               AND CAST(substr(name, 6, 4) AS INTEGER) = CAST(substr(name, 1, 4) AS INTEGER) + 1),
  start_date TEXT NOT NULL CHECK ${dateSql('start_date', false)},
  end_date   TEXT NOT NULL CHECK ${dateSql('end_date', false)},
  CHECK (start_date < end_date)
) STRICT;

-- Which kind of periods each grade level studies by in a year.
CREATE TABLE year_grade_periods (
  year_id INTEGER NOT NULL REFERENCES academic_years(id),
  grade   INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 11),
  kind    TEXT NOT NULL CHECK (kind IN ('quarter', 'half', 'trimester')),
  PRIMARY KEY (year_id, grade)
) STRICT;

CREATE TABLE periods (
  id         INTEGER PRIMARY KEY,
  year_id    INTEGER NOT NULL REFERENCES academic_years(id),
  kind       TEXT NOT NULL CHECK (kind IN ('quarter', 'half', 'trimester')),
  number     INTEGER NOT NULL CHECK (number >= 1 AND number <= CASE kind WHEN 'quarter' THEN 4 WHEN 'half' THEN 2 ELSE 3 END),
  start_date TEXT NOT NULL CHECK ${dateSql('start_date', false)},
  end_date   TEXT NOT NULL CHECK ${dateSql('end_date', false)},
  CHECK (start_date <= end_date),
  UNIQUE (year_id, kind, number)
) STRICT;

CREATE TABLE subjects (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE CHECK ${nonEmpty('name')},
  short_name       TEXT NOT NULL CHECK ${nonEmpty('short_name')},
  city_register_id TEXT UNIQUE CHECK (city_register_id IS NULL OR ${nonEmpty('city_register_id')}),
  federal_code     TEXT CHECK (federal_code IS NULL OR ${nonEmpty('federal_code')})
) STRICT;

CREATE TABLE staff (
  id          INTEGER PRIMARY KEY,
  last_name   TEXT NOT NULL CHECK ${nonEmpty('last_name')},
  first_name  TEXT NOT NULL CHECK ${nonEmpty('first_name')},
  middle_name TEXT,
  snils       TEXT UNIQUE CHECK ${snillsSql('snils')},
  position    TEXT NOT NULL CHECK ${nonEmpty('position')}
) STRICT;

CREATE TABLE staff_subjects (
  staff_id   INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (staff_id, subject_id)
) STRICT;

CREATE TABLE classes (
  id                  INTEGER PRIMARY KEY,
  year_id             INTEGER NOT NULL REFERENCES academic_years(id),
  parallel            INTEGER NOT NULL CHECK (parallel BETWEEN 1 AND 11),
  letter              TEXT NOT NULL CHECK (length(letter) = 1 AND letter GLOB '[А-ЯЁ]'),
  homeroom_teacher_id INTEGER REFERENCES staff(id),
  shift               INTEGER NOT NULL DEFAULT 1 CHECK (shift BETWEEN 1 AND 3),
  level               TEXT NOT NULL CHECK (level = CASE WHEN parallel <= 4 THEN 'НОО' WHEN parallel <= 9 THEN 'ООО' ELSE 'СОО' END),
  adapted             INTEGER NOT NULL DEFAULT 0 CHECK (adapted IN (0, 1)),
  UNIQUE (year_id, parallel, letter)
) STRICT;

CREATE TABLE curriculum (
  class_id   INTEGER NOT NULL REFERENCES classes(id),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (class_id, subject_id)
) STRICT;

CREATE TABLE students (
  id              TEXT PRIMARY KEY CHECK (length(id) = 36),
  last_name       TEXT NOT NULL CHECK ${nonEmpty('last_name')},
  first_name      TEXT NOT NULL CHECK ${nonEmpty('first_name')},
  middle_name     TEXT,
  search_key      TEXT NOT NULL,
  birth_date      TEXT NOT NULL CHECK ${dateSql('birth_date', false)},
  sex             TEXT NOT NULL CHECK (sex IN ('М', 'Ж')),
  snils           TEXT UNIQUE CHECK ${snillsSql('snils')},
  doc_kind        TEXT CHECK (doc_kind IS NULL OR doc_kind IN ('birth_certificate', 'passport')),
  doc_series      TEXT,
  doc_number      TEXT,
  doc_date        TEXT CHECK ${dateSql('doc_date')},
  doc_issuer      TEXT,
  address         TEXT,
  pd_consent_date TEXT CHECK ${dateSql('pd_consent_date')},
  created_at      TEXT NOT NULL,
  CHECK (doc_kind IS NOT NULL OR (doc_number IS NULL AND doc_series IS NULL)),
  CHECK (doc_date IS NULL OR doc_date >= birth_date)
) STRICT;
CREATE INDEX students_search ON students(search_key);

CREATE TABLE guardians (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK ${nonEmpty('kind')},
  full_name  TEXT NOT NULL CHECK ${nonEmpty('full_name')},
  phone      TEXT,
  email      TEXT CHECK (email IS NULL OR email LIKE '%_@_%')
) STRICT;
CREATE INDEX guardians_student ON guardians(student_id);

-- Книга приказов: one order may move many students.
CREATE TABLE orders (
  id     INTEGER PRIMARY KEY,
  number TEXT NOT NULL CHECK ${nonEmpty('number')},
  date   TEXT NOT NULL CHECK ${dateSql('date', false)},
  kind   TEXT NOT NULL CHECK (kind IN ('enrolment', 'transfer', 'promotion', 'departure')),
  UNIQUE (number, date)
) STRICT;

CREATE TABLE movements (
  id            INTEGER PRIMARY KEY,
  order_id      INTEGER NOT NULL REFERENCES orders(id),
  student_id    TEXT NOT NULL REFERENCES students(id),
  kind          TEXT NOT NULL CHECK (kind IN ('enrolment', 'transfer', 'promotion', 'departure')),
  date          TEXT NOT NULL CHECK ${dateSql('date', false)},
  from_class_id INTEGER REFERENCES classes(id),
  to_class_id   INTEGER REFERENCES classes(id),
  where_from    TEXT,
  where_to      TEXT,
  reason        TEXT,
  CHECK (CASE kind
    WHEN 'enrolment' THEN from_class_id IS NULL AND to_class_id IS NOT NULL
    WHEN 'transfer'  THEN from_class_id IS NOT NULL AND to_class_id IS NOT NULL AND from_class_id <> to_class_id
    WHEN 'promotion' THEN from_class_id IS NOT NULL AND to_class_id IS NOT NULL
    ELSE from_class_id IS NOT NULL AND to_class_id IS NULL AND reason IS NOT NULL AND ${nonEmpty('reason')} END)
) STRICT;
CREATE INDEX movements_student ON movements(student_id, date);
CREATE INDEX movements_order ON movements(order_id);

-- A movement is of its order's kind (promotion orders also carry the graduates' departures).
CREATE TRIGGER movements_kind_matches_order BEFORE INSERT ON movements
WHEN NEW.kind <> (SELECT kind FROM orders WHERE id = NEW.order_id)
  AND NOT (NEW.kind = 'departure' AND (SELECT kind FROM orders WHERE id = NEW.order_id) = 'promotion')
BEGIN SELECT RAISE(ABORT, 'movement kind does not match its order'); END;

-- birth < enrolment <= departure
CREATE TRIGGER movements_after_birth BEFORE INSERT ON movements
WHEN NEW.date <= (SELECT birth_date FROM students WHERE id = NEW.student_id)
BEGIN SELECT RAISE(ABORT, 'movement date must be after the birth date'); END;

CREATE TRIGGER movements_departure_after_enrolment BEFORE INSERT ON movements
WHEN NEW.kind = 'departure' AND NEW.date < (SELECT max(date) FROM movements
  WHERE student_id = NEW.student_id AND kind IN ('enrolment', 'transfer', 'promotion'))
BEGIN SELECT RAISE(ABORT, 'departure date must not be before enrolment'); END;

CREATE TRIGGER orders_append_only_update BEFORE UPDATE ON orders
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;
CREATE TRIGGER orders_append_only_delete BEFORE DELETE ON orders
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;

CREATE TRIGGER movements_append_only_update BEFORE UPDATE ON movements
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;
CREATE TRIGGER movements_append_only_delete BEFORE DELETE ON movements
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;

-- Who is in which class, when. A student is in at most one class per year at a time.
CREATE TABLE class_memberships (
  id                INTEGER PRIMARY KEY,
  student_id        TEXT NOT NULL REFERENCES students(id),
  class_id          INTEGER NOT NULL REFERENCES classes(id),
  year_id           INTEGER NOT NULL REFERENCES academic_years(id),
  start_date        TEXT NOT NULL CHECK ${dateSql('start_date', false)},
  end_date          TEXT CHECK ${dateSql('end_date')},
  start_movement_id INTEGER NOT NULL REFERENCES movements(id),
  end_movement_id   INTEGER REFERENCES movements(id),
  CHECK (end_date IS NULL OR end_date >= start_date),
  CHECK ((end_date IS NULL) = (end_movement_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX memberships_one_class_per_year ON class_memberships(student_id, year_id) WHERE end_date IS NULL;
CREATE INDEX memberships_class ON class_memberships(class_id) WHERE end_date IS NULL;
CREATE INDEX memberships_student ON class_memberships(student_id);

CREATE TRIGGER memberships_year_of_class BEFORE INSERT ON class_memberships
WHEN NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id)
BEGIN SELECT RAISE(ABORT, 'membership year must be the class year'); END;

-- Алфавитная книга: one entry per student, numbered within the first letter of the surname.
CREATE TABLE alphabet_book (
  student_id       TEXT PRIMARY KEY REFERENCES students(id),
  letter           TEXT NOT NULL CHECK (length(letter) = 1),
  number           INTEGER NOT NULL CHECK (number > 0),
  entered_on       TEXT NOT NULL CHECK ${dateSql('entered_on', false)},
  departed_on      TEXT CHECK ${dateSql('departed_on')},
  departure_reason TEXT,
  where_to         TEXT,
  CHECK ((departed_on IS NULL) = (departure_reason IS NULL)),
  CHECK (departed_on IS NULL OR departed_on >= entered_on),
  UNIQUE (letter, number)
) STRICT;

CREATE TRIGGER alphabet_book_no_delete BEFORE DELETE ON alphabet_book
BEGIN SELECT RAISE(ABORT, 'alphabet book entries are never deleted'); END;
CREATE TRIGGER alphabet_book_number_fixed BEFORE UPDATE OF letter, number, student_id ON alphabet_book
BEGIN SELECT RAISE(ABORT, 'an alphabet book number never changes'); END;

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE CHECK ${nonEmpty('login')},
  full_name     TEXT NOT NULL CHECK ${nonEmpty('full_name')},
  role          TEXT NOT NULL CHECK (role IN ('clerk', 'archivist', 'admin')),
  password_hash TEXT NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
  created_at    TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

-- Append-only audit log; each entry carries the hash of the previous one.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  login     TEXT,
  method    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;
