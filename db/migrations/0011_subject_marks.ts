// Marks stored as the ledger shows them: one row per student × subject × academic year × class, with the marks of the
// periods (p1…p4: the class's quarters, halves or trimesters by number), the annual, the exam and the final mark as
// columns. Until now (0002) every mark was a row of its own; a journal of 5,000 students × 5 subjects × 4 quarters was
// 100,000 rows, each checked by five foreign keys and two triggers and stored in two indexes — the import of such a
// journal spent 0.4 s in SQLite alone, more than reading the workbook (issue 3's benchmark, test/bench/RESULTS.md).
// As rows of a subject the same journal is 25,000 rows, each checked once.
//
// Nothing else changes for the program's readers: `marks` is now a view with the same columns as the old table (less
// its surrogate id), one row per mark, and writing to it (INSERT, UPDATE, DELETE) is done by INSTEAD OF triggers that
// keep the old table's rules and messages: the same cell twice is refused as a UNIQUE conflict, a change of class moves
// the cell. Bulk writers (the journal import, the demo) write subject_marks directly.
//
// The rules the database keeps, as before: the scale (CHECK, as equality chains — SQLite checks an IN list of more than
// two values by building a temporary table of it for every row); '1' only when the school allows it; the class's own
// year; the student in that class that year; the subject in its curriculum; a period column only for a period the class
// has (its kind by year_grade_periods, its number in periods); an exam mark only where the class has the exam; a mark of
// a student × subject × year × slot in one class only (a student who moved mid-year has a row in each class, each with
// its own periods); a row is never empty. The sealed-ledger locks of 0004 hold for subject_marks as they held for marks.
// What the old foreign key from marks to periods kept (no period with marks deleted) is now a trigger on periods, and
// the kind of periods a grade studies by cannot change under its marks.
//
// Every existing mark moves into its row in this migration's transaction; the old table, its indexes and triggers go.
/** The scale as 0002 wrote it (frozen here: a later change of the scale is a migration of its own). */
const MARKS_SCALE = ['5', '4', '3', '2', '1', 'зч', 'нз', 'осв', 'н/а'];

const COLUMNS = ['p1', 'p2', 'p3', 'p4', 'annual', 'exam', 'final'] as const;
const onScale = (c: string) => `(${MARKS_SCALE.map((m) => `${c} = '${m}'`).join(' OR ')})`;
const set = (row: string) => COLUMNS.map((c) => `(${row}.${c} IS NOT NULL)`).join(' + ');

// The sealed-ledger locks of 0004, as they were for marks
const locked = (cls: string) => `(EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = ${cls})
    AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = ${cls} AND k.closed_by_version_id IS NULL))`;
const lockedStudentYear = (student: string, year: string) => `EXISTS (SELECT 1 FROM class_memberships cm
    WHERE cm.student_id = ${student} AND cm.year_id = ${year} AND ${locked('cm.class_id')})`;
const SEALED = 'ведомость класса за этот учебный год запечатана: изменить её можно только после открытия исправления';
const seal = (name: string, op: string, when: string) => `
CREATE TRIGGER ${name} BEFORE ${op} ON subject_marks
WHEN EXISTS (SELECT 1 FROM ledger_versions) AND (${when})
BEGIN SELECT RAISE(ABORT, '${SEALED}'); END;`;

/** The periods of NEW's class (its year, the kind its grade studies by) by number: how many of NEW's period columns have one. */
const periodsOfClass = `(SELECT count(*) FROM periods p JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.year_id = c.year_id AND p.kind = g.kind AND ((p.number = 1 AND NEW.p1 IS NOT NULL) OR (p.number = 2 AND NEW.p2 IS NOT NULL)
        OR (p.number = 3 AND NEW.p3 IS NOT NULL) OR (p.number = 4 AND NEW.p4 IS NOT NULL)))`;
const periodColumns = `(NEW.p1 IS NOT NULL) + (NEW.p2 IS NOT NULL) + (NEW.p3 IS NOT NULL) + (NEW.p4 IS NOT NULL)`;
/** Another class's row of the same student × subject × year holds a mark in a slot NEW holds too. */
const sameSlotElsewhere = `EXISTS (SELECT 1 FROM subject_marks o WHERE o.student_id = NEW.student_id AND o.subject_id = NEW.subject_id
      AND o.year_id = NEW.year_id AND o.class_id <> NEW.class_id AND (${COLUMNS.map((c) => `(o.${c} IS NOT NULL AND NEW.${c} IS NOT NULL)`).join(' OR ')}))`;

const CHECKS: Array<[string, string]> = [
  // (an OR chain: an IN list of the seven columns costs SQLite a temporary table per row, a seventh of the import's write)
  [`(${COLUMNS.map((c) => `NEW.${c} = '1'`).join(' OR ')}) AND (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1`, 'the mark 1 is not allowed by the school settings'],
  [`NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id)`, 'mark year must be the class year'],
  [`NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id)`, 'the student is not in this class that year'],
  [`NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id)`, 'the subject is not in this class curriculum'],
  [`${periodColumns} > 0 AND ${periodsOfClass} < ${periodColumns}`, 'the period is not one of this class periods'],
  [`NEW.exam IS NOT NULL AND NOT EXISTS (SELECT 1 FROM class_exams WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id)`, 'this subject has no exam in this class'],
  [sameSlotElsewhere, 'the mark is already given in another class'],
];
const checked = (op: string) => `
CREATE TRIGGER subject_marks_checked_${op.toLowerCase()} BEFORE ${op} ON subject_marks
BEGIN
${CHECKS.map(([when, message]) => `  SELECT RAISE(ABORT, '${message}') WHERE ${when};`).join('\n')}
END;`;

/** The column of a mark cell of the view: slot and period → p1…p4, annual, exam, final. */
const numberOf = (period: string) => `(SELECT number FROM periods WHERE id = ${period})`;
const cellIs = (row: string, col: (typeof COLUMNS)[number]) => col.startsWith('p')
  ? `(${row}.slot = 'period' AND ${numberOf(`${row}.period_id`)} = ${col.slice(1)})` : `${row}.slot = '${col}'`;
const keyOf = (row: string) => `student_id = ${row}.student_id AND subject_id = ${row}.subject_id AND year_id = ${row}.year_id AND class_id = ${row}.class_id`;
/** Writes NEW's cell into its row: a new row, or the column of an existing one. */
const putNew = `
  INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')})
    VALUES (NEW.student_id, NEW.subject_id, NEW.year_id, NEW.class_id, ${COLUMNS.map((c) => `CASE WHEN ${cellIs('NEW', c)} THEN NEW.mark END`).join(', ')})
    ON CONFLICT (student_id, subject_id, year_id, class_id) DO UPDATE SET
    ${COLUMNS.map((c) => `${c} = coalesce(excluded.${c}, ${c})`).join(', ')};`;
/** Takes OLD's cell out of its row, and the row when that was its last mark. */
const takeOld = `
  DELETE FROM subject_marks WHERE ${keyOf('OLD')}
    AND ${COLUMNS.map((c) => `(${c} IS NULL OR ${cellIs('OLD', c)})`).join(' AND ')};
  UPDATE subject_marks SET ${COLUMNS.map((c) => `${c} = CASE WHEN ${cellIs('OLD', c)} THEN NULL ELSE ${c} END`).join(', ')}
    WHERE ${keyOf('OLD')};`;
const viewChecks = `
  SELECT RAISE(ABORT, 'CHECK constraint failed: slot = ''period'' OR slot = ''annual'' OR slot = ''exam'' OR slot = ''final''')
    WHERE NOT (NEW.slot = 'period' OR NEW.slot = 'annual' OR NEW.slot = 'exam' OR NEW.slot = 'final') OR NEW.slot IS NULL;
  SELECT RAISE(ABORT, 'CHECK constraint failed: (slot = ''period'') = (period_id IS NOT NULL)') WHERE (NEW.slot = 'period') IS NOT (NEW.period_id IS NOT NULL);
  SELECT RAISE(ABORT, 'NOT NULL constraint failed: marks.mark') WHERE NEW.mark IS NULL;
  SELECT RAISE(ABORT, 'CHECK constraint failed: ${onScale('mark').replace(/'/g, "''")}') WHERE NOT ${onScale('NEW.mark')};
  SELECT RAISE(ABORT, 'the period is not one of this class periods') WHERE NEW.period_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM periods p
      JOIN classes c ON c.id = NEW.class_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.id = NEW.period_id AND p.year_id = c.year_id AND p.kind = g.kind);`;
const sameCell = (row: string) => `m.student_id = ${row}.student_id AND m.subject_id = ${row}.subject_id AND m.year_id = ${row}.year_id
      AND m.slot = ${row}.slot AND m.period_id IS ${row}.period_id`;

/** The marks of one column of the row, as rows of the view. */
const viewBranch = (col: (typeof COLUMNS)[number]) => col.startsWith('p')
  ? `SELECT r.student_id, r.subject_id, r.year_id, r.class_id, 'period', p.id, r.${col}
    FROM subject_marks r JOIN classes c ON c.id = r.class_id
    JOIN year_grade_periods g ON g.year_id = r.year_id AND g.grade = c.parallel
    JOIN periods p ON p.year_id = r.year_id AND p.kind = g.kind AND p.number = ${col.slice(1)}
    WHERE r.${col} IS NOT NULL`
  : `SELECT r.student_id, r.subject_id, r.year_id, r.class_id, '${col}', NULL, r.${col} FROM subject_marks r WHERE r.${col} IS NOT NULL`;

/** A period's marks, as the rows of the classes that study by its kind hold them. */
const periodMarked = (p: string) => `EXISTS (SELECT 1 FROM subject_marks r JOIN classes c ON c.id = r.class_id
    JOIN year_grade_periods g ON g.year_id = r.year_id AND g.grade = c.parallel
    WHERE r.year_id = ${p}.year_id AND g.kind = ${p}.kind AND CASE ${p}.number WHEN 1 THEN r.p1 WHEN 2 THEN r.p2 WHEN 3 THEN r.p3 WHEN 4 THEN r.p4 END IS NOT NULL)`;
const gradeMarked = (g: string) => `EXISTS (SELECT 1 FROM subject_marks r JOIN classes c ON c.id = r.class_id
    WHERE r.year_id = ${g}.year_id AND c.parallel = ${g}.grade AND coalesce(r.p1, r.p2, r.p3, r.p4) IS NOT NULL)`;

export default `
CREATE TABLE subject_marks (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  year_id    INTEGER NOT NULL REFERENCES academic_years(id),
  class_id   INTEGER NOT NULL REFERENCES classes(id),
${COLUMNS.map((c) => `  ${c.padEnd(10)} TEXT CHECK ${onScale(c)},`).join('\n')}
  CHECK (coalesce(${COLUMNS.join(', ')}) IS NOT NULL),
  UNIQUE (student_id, subject_id, year_id, class_id)
) STRICT;
CREATE INDEX subject_marks_class ON subject_marks(class_id, subject_id);

-- every mark into its row (the old table's rules held for each, and its key made each cell one mark)
INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')})
  SELECT m.student_id, m.subject_id, m.year_id, m.class_id,
    ${COLUMNS.map((c) => `max(CASE WHEN ${c.startsWith('p') ? `m.slot = 'period' AND p.number = ${c.slice(1)}` : `m.slot = '${c}'`} THEN m.mark END)`).join(',\n    ')}
  FROM marks m LEFT JOIN periods p ON p.id = m.period_id
  GROUP BY m.student_id, m.subject_id, m.year_id, m.class_id;

DROP TRIGGER settings_one_in_use;
DROP TRIGGER curriculum_keeps_marked;
DROP TRIGGER class_exams_keeps_marked;
DROP TABLE marks;

${checked('INSERT')}
${checked('UPDATE')}
${seal('subject_marks_sealed_insert', 'INSERT', `${lockedStudentYear('NEW.student_id', 'NEW.year_id')} OR ${locked('NEW.class_id')}`)}
${seal('subject_marks_sealed_update', 'UPDATE', [lockedStudentYear('NEW.student_id', 'NEW.year_id'), lockedStudentYear('OLD.student_id', 'OLD.year_id'),
  locked('NEW.class_id'), locked('OLD.class_id')].join(' OR '))}
${seal('subject_marks_sealed_delete', 'DELETE', `${lockedStudentYear('OLD.student_id', 'OLD.year_id')} OR ${locked('OLD.class_id')}`)}

CREATE VIEW marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) AS
  ${COLUMNS.map(viewBranch).join('\n  UNION ALL\n  ')};

CREATE TRIGGER marks_insert INSTEAD OF INSERT ON marks
BEGIN${viewChecks}
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: marks.student_id, marks.subject_id, marks.year_id, marks.slot, marks.period_id')
    WHERE EXISTS (SELECT 1 FROM marks m WHERE ${sameCell('NEW')});${putNew}
END;
CREATE TRIGGER marks_update INSTEAD OF UPDATE ON marks
BEGIN${viewChecks}
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: marks.student_id, marks.subject_id, marks.year_id, marks.slot, marks.period_id')
    WHERE NOT (NEW.student_id IS OLD.student_id AND NEW.subject_id IS OLD.subject_id AND NEW.year_id IS OLD.year_id AND NEW.slot IS OLD.slot
      AND NEW.period_id IS OLD.period_id) AND EXISTS (SELECT 1 FROM marks m WHERE ${sameCell('NEW')});${takeOld}${putNew}
END;
CREATE TRIGGER marks_delete INSTEAD OF DELETE ON marks
BEGIN${takeOld}
END;

CREATE TRIGGER settings_one_in_use BEFORE UPDATE OF allow_mark_one ON settings
WHEN NEW.allow_mark_one = 0 AND EXISTS (SELECT 1 FROM subject_marks WHERE ${COLUMNS.map((c) => `${c} = '1'`).join(' OR ')})
BEGIN SELECT RAISE(ABORT, 'marks of 1 exist: the setting cannot be turned off'); END;
CREATE TRIGGER curriculum_keeps_marked BEFORE DELETE ON curriculum
WHEN EXISTS (SELECT 1 FROM subject_marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id)
BEGIN SELECT RAISE(ABORT, 'the subject has marks in this class'); END;
CREATE TRIGGER class_exams_keeps_marked BEFORE DELETE ON class_exams
WHEN EXISTS (SELECT 1 FROM subject_marks WHERE class_id = OLD.class_id AND subject_id = OLD.subject_id AND exam IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'the exam has marks in this class'); END;
CREATE TRIGGER periods_keep_marked_delete BEFORE DELETE ON periods
WHEN ${periodMarked('OLD')}
BEGIN SELECT RAISE(ABORT, 'the period has marks'); END;
CREATE TRIGGER periods_keep_marked_update BEFORE UPDATE OF year_id, kind, number ON periods
WHEN ${periodMarked('OLD')}
BEGIN SELECT RAISE(ABORT, 'the period has marks'); END;
CREATE TRIGGER year_grade_periods_keep_marked_delete BEFORE DELETE ON year_grade_periods
WHEN ${gradeMarked('OLD')}
BEGIN SELECT RAISE(ABORT, 'the grade has period marks: the kind of its periods cannot change'); END;
CREATE TRIGGER year_grade_periods_keep_marked_update BEFORE UPDATE ON year_grade_periods
WHEN ${gradeMarked('OLD')}
BEGIN SELECT RAISE(ABORT, 'the grade has period marks: the kind of its periods cannot change'); END;
`;
