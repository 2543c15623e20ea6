// The marks table again, with the same columns, keys, rows, indexes and triggers; only its two CHECKs on the scale are
// spelled as equality chains: `mark = '5' OR mark = '4' OR …` instead of `mark IN ('5', '4', …)`. Same meaning, but SQLite
// evaluates a CHECK with an IN list of more than two values by building a temporary table of the list for every row it
// checks (about 1 µs each): on the import of 100,000 marks the two lists cost 0.09 s of a 0.5 s write (issue 3's
// benchmark, test/bench/RESULTS.md). The rows keep their ids; sealed classes stay sealed (the sealed-class triggers are
// recreated in the same transaction, before anything else can write).
//
// The table is rebuilt the way SQLite's documentation prescribes for a change ALTER TABLE cannot make: new table, copy,
// drop, rename. The three triggers of other tables that read marks (settings, curriculum, class_exams) are dropped first
// so that the rename does not trip on them, and recreated unchanged.
export default `
-- the triggers of other tables that read marks: dropped while marks is rebuilt, recreated as they were
DROP TRIGGER settings_one_in_use;
DROP TRIGGER curriculum_keeps_marked;
DROP TRIGGER class_exams_keeps_marked;
CREATE TABLE marks_0011 (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  year_id    INTEGER NOT NULL REFERENCES academic_years(id),
  class_id   INTEGER NOT NULL REFERENCES classes(id),
  slot       TEXT NOT NULL CHECK (slot = 'period' OR slot = 'annual' OR slot = 'exam' OR slot = 'final'),
  period_id  INTEGER REFERENCES periods(id),
  mark       TEXT NOT NULL CHECK (mark = '5' OR mark = '4' OR mark = '3' OR mark = '2' OR mark = '1'
                               OR mark = 'зч' OR mark = 'нз' OR mark = 'осв' OR mark = 'н/а'),
  CHECK ((slot = 'period') = (period_id IS NOT NULL))
) STRICT;
INSERT INTO marks_0011 (id, student_id, subject_id, year_id, class_id, slot, period_id, mark)
  SELECT id, student_id, subject_id, year_id, class_id, slot, period_id, mark FROM marks ORDER BY id;
DROP TABLE marks;
ALTER TABLE marks_0011 RENAME TO marks;
-- its indexes and triggers, as 0002 and 0004 made them
CREATE UNIQUE INDEX marks_cell ON marks(student_id, subject_id, year_id, slot, coalesce(period_id, 0));
CREATE INDEX marks_class ON marks(class_id, subject_id);
CREATE TRIGGER marks_checked_insert BEFORE INSERT ON marks
BEGIN
  SELECT RAISE(ABORT, 'the mark 1 is not allowed by the school settings') WHERE NEW.mark = '1' AND (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1;
  SELECT RAISE(ABORT, 'mark year must be the class year') WHERE NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id);
  SELECT RAISE(ABORT, 'the student is not in this class that year') WHERE NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id);
  SELECT RAISE(ABORT, 'the subject is not in this class curriculum') WHERE NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
  SELECT RAISE(ABORT, 'the period is not one of this class periods') WHERE NEW.period_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM periods p
      JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.id = NEW.period_id AND p.year_id = c.year_id AND p.kind = g.kind);
  SELECT RAISE(ABORT, 'this subject has no exam in this class') WHERE NEW.slot = 'exam' AND NOT EXISTS (SELECT 1 FROM class_exams WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
END;
CREATE TRIGGER marks_checked_update BEFORE UPDATE ON marks
BEGIN
  SELECT RAISE(ABORT, 'the mark 1 is not allowed by the school settings') WHERE NEW.mark = '1' AND (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1;
  SELECT RAISE(ABORT, 'mark year must be the class year') WHERE NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id);
  SELECT RAISE(ABORT, 'the student is not in this class that year') WHERE NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id);
  SELECT RAISE(ABORT, 'the subject is not in this class curriculum') WHERE NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
  SELECT RAISE(ABORT, 'the period is not one of this class periods') WHERE NEW.period_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM periods p
      JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.id = NEW.period_id AND p.year_id = c.year_id AND p.kind = g.kind);
  SELECT RAISE(ABORT, 'this subject has no exam in this class') WHERE NEW.slot = 'exam' AND NOT EXISTS (SELECT 1 FROM class_exams WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
END;
CREATE TRIGGER marks_sealed_insert BEFORE INSERT ON marks
WHEN EXISTS (SELECT 1 FROM ledger_versions) AND (EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = NEW.student_id AND cm.year_id = NEW.year_id AND (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = cm.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = cm.class_id AND k.closed_by_version_id IS NULL))) OR (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = NEW.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = NEW.class_id AND k.closed_by_version_id IS NULL)))
BEGIN SELECT RAISE(ABORT, 'ведомость класса за этот учебный год запечатана: изменить её можно только после открытия исправления'); END;
CREATE TRIGGER marks_sealed_update BEFORE UPDATE ON marks
WHEN EXISTS (SELECT 1 FROM ledger_versions) AND (EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = NEW.student_id AND cm.year_id = NEW.year_id AND (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = cm.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = cm.class_id AND k.closed_by_version_id IS NULL))) OR EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = OLD.student_id AND cm.year_id = OLD.year_id AND (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = cm.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = cm.class_id AND k.closed_by_version_id IS NULL))) OR (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = NEW.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = NEW.class_id AND k.closed_by_version_id IS NULL)) OR (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = OLD.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = OLD.class_id AND k.closed_by_version_id IS NULL)))
BEGIN SELECT RAISE(ABORT, 'ведомость класса за этот учебный год запечатана: изменить её можно только после открытия исправления'); END;
CREATE TRIGGER marks_sealed_delete BEFORE DELETE ON marks
WHEN EXISTS (SELECT 1 FROM ledger_versions) AND (EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = OLD.student_id AND cm.year_id = OLD.year_id AND (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = cm.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = cm.class_id AND k.closed_by_version_id IS NULL))) OR (EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = OLD.class_id)
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = OLD.class_id AND k.closed_by_version_id IS NULL)))
BEGIN SELECT RAISE(ABORT, 'ведомость класса за этот учебный год запечатана: изменить её можно только после открытия исправления'); END;
CREATE TRIGGER settings_one_in_use BEFORE UPDATE OF allow_mark_one ON settings
WHEN NEW.allow_mark_one = 0 AND EXISTS (SELECT 1 FROM marks WHERE mark = '1')
BEGIN SELECT RAISE(ABORT, 'marks of 1 exist: the setting cannot be turned off'); END;
CREATE TRIGGER curriculum_keeps_marked BEFORE DELETE ON curriculum
WHEN EXISTS (SELECT 1 FROM marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id)
BEGIN SELECT RAISE(ABORT, 'the subject has marks in this class'); END;
CREATE TRIGGER class_exams_keeps_marked BEFORE DELETE ON class_exams
WHEN EXISTS (SELECT 1 FROM marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id AND slot = 'exam')
BEGIN SELECT RAISE(ABORT, 'the exam has marks in this class'); END;
`;
