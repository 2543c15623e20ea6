// Marks and attendance. A mark belongs to student × subject × academic year × slot (a period of that year,
// the annual, the exam or the final mark); the class it was entered in is kept with it. Importing the same
// marks twice hits the same UNIQUE key. Which subjects have an exam in a class: class_exams (a class-level
// list, not a flag on curriculum, so the curriculum stays a plain list). Whether '1' is a mark at this school:
// the one-row settings table. The triggers refuse marks for a student not in that class that year, a subject
// outside the class's curriculum, a period of another year or another kind, an exam where there is none.

const SCALE = `('5', '4', '3', '2', '1', 'зч', 'нз', 'осв', 'н/а')`;

/** The checks of a mark, for INSERT and UPDATE: one trigger each (one trigger program per row, not six). */
const MARK_CHECKS: Array<[string, string]> = [
  [`NEW.mark = '1' AND (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1`, 'the mark 1 is not allowed by the school settings'],
  [`NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id)`, 'mark year must be the class year'],
  [`NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id)`, 'the student is not in this class that year'],
  [`NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id)`, 'the subject is not in this class curriculum'],
  [`NEW.period_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM periods p
      JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.id = NEW.period_id AND p.year_id = c.year_id AND p.kind = g.kind)`, 'the period is not one of this class periods'],
  [`NEW.slot = 'exam' AND NOT EXISTS (SELECT 1 FROM class_exams WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id)`, 'this subject has no exam in this class'],
];
const markGuards = ['INSERT', 'UPDATE'].map((op) => `
CREATE TRIGGER marks_checked_${op.toLowerCase()} BEFORE ${op} ON marks
BEGIN
${MARK_CHECKS.map(([when, message]) => `  SELECT RAISE(ABORT, '${message}') WHERE ${when};`).join('\n')}
END;`).join('\n');

const attendanceGuard = (name: string, when: string, message: string) => ['INSERT', 'UPDATE'].map((op) => `
CREATE TRIGGER ${name}_${op.toLowerCase()} BEFORE ${op} ON attendance
WHEN ${when}
BEGIN SELECT RAISE(ABORT, '${message}'); END;`).join('\n');

export default `
CREATE TABLE settings (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  allow_mark_one INTEGER NOT NULL DEFAULT 0 CHECK (allow_mark_one IN (0, 1))
) STRICT;
INSERT INTO settings (id) VALUES (1);
CREATE TRIGGER settings_no_delete BEFORE DELETE ON settings
BEGIN SELECT RAISE(ABORT, 'the settings row is never deleted'); END;

-- The subjects that have an exam in a class (they must be in its curriculum).
CREATE TABLE class_exams (
  class_id   INTEGER NOT NULL REFERENCES classes(id),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (class_id, subject_id)
) STRICT;
CREATE TRIGGER class_exams_in_curriculum BEFORE INSERT ON class_exams
WHEN NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id)
BEGIN SELECT RAISE(ABORT, 'an exam subject must be in the class curriculum'); END;

CREATE TABLE marks (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  year_id    INTEGER NOT NULL REFERENCES academic_years(id),
  class_id   INTEGER NOT NULL REFERENCES classes(id),
  slot       TEXT NOT NULL CHECK (slot IN ('period', 'annual', 'exam', 'final')),
  period_id  INTEGER REFERENCES periods(id),
  mark       TEXT NOT NULL CHECK (mark IN ${SCALE}),
  CHECK ((slot = 'period') = (period_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX marks_cell ON marks(student_id, subject_id, year_id, slot, coalesce(period_id, 0));
CREATE INDEX marks_class ON marks(class_id, subject_id);
${markGuards}

-- Marks of '1' already given keep the setting on.
CREATE TRIGGER settings_one_in_use BEFORE UPDATE OF allow_mark_one ON settings
WHEN NEW.allow_mark_one = 0 AND EXISTS (SELECT 1 FROM marks WHERE mark = '1')
BEGIN SELECT RAISE(ABORT, 'marks of 1 exist: the setting cannot be turned off'); END;

-- A subject with marks stays in the class curriculum; an exam with marks stays.
CREATE TRIGGER curriculum_keeps_marked BEFORE DELETE ON curriculum
WHEN EXISTS (SELECT 1 FROM marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id)
BEGIN SELECT RAISE(ABORT, 'the subject has marks in this class'); END;
CREATE TRIGGER class_exams_keeps_marked BEFORE DELETE ON class_exams
WHEN EXISTS (SELECT 1 FROM marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id AND slot = 'exam')
BEGIN SELECT RAISE(ABORT, 'the exam has marks in this class'); END;

-- Lessons missed per student per period, and of them for illness or another valid reason.
CREATE TABLE attendance (
  student_id   TEXT NOT NULL REFERENCES students(id),
  period_id    INTEGER NOT NULL REFERENCES periods(id),
  class_id     INTEGER NOT NULL REFERENCES classes(id),
  missed       INTEGER NOT NULL CHECK (missed >= 0),
  missed_valid INTEGER NOT NULL CHECK (missed_valid >= 0 AND missed_valid <= missed),
  PRIMARY KEY (student_id, period_id)
) STRICT;
CREATE INDEX attendance_class ON attendance(class_id);
${attendanceGuard('attendance_student_in_class', `NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id)`,
    'the student is not in this class that year')}
${attendanceGuard('attendance_period_of_class', `NOT EXISTS (SELECT 1 FROM periods p
      JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.id = NEW.period_id AND p.year_id = c.year_id AND p.kind = g.kind)`,
    'the period is not one of this class periods')}
`;
