// «С отличием» overridden by an administrator (issue 17). The register computes whether a graduate qualifies for an
// attestat «с отличием» by the rule set of the year (main/attestats/rules.ts) and explains it; an administrator may
// decide otherwise (a retake the register does not know of, a decision of the pedagogical council), always with a
// reason. Each decision is a row here, never changed or deleted: the latest row of a student × class is the one in
// force (with_honours NULL: back to what the rules give), the earlier ones are its history. Each also keeps what the
// rules gave at the time and the rule set's id, so a later reader sees what was overridden. The call that writes a row
// is audited by dispatch too.
//
const timestamp = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z' AND julianday(${col}) IS NOT NULL)`;

export default `
CREATE TABLE attestat_honours_decisions (
  id           INTEGER PRIMARY KEY,
  student_id   TEXT NOT NULL REFERENCES students(id),
  class_id     INTEGER NOT NULL REFERENCES classes(id),
  with_honours INTEGER CHECK (with_honours IS NULL OR with_honours IN (0, 1)),
  computed     INTEGER NOT NULL CHECK (computed IN (0, 1)),
  rule_set     TEXT NOT NULL CHECK (length(trim(rule_set)) > 0),
  reason       TEXT NOT NULL CHECK (length(trim(reason)) >= 5),
  created_at   TEXT NOT NULL CHECK ${timestamp('created_at')},
  created_by   TEXT NOT NULL CHECK (length(trim(created_by)) > 0)
) STRICT;
CREATE INDEX attestat_honours_decisions_class ON attestat_honours_decisions(class_id, student_id, id);

CREATE TRIGGER attestat_honours_decisions_graduate BEFORE INSERT ON attestat_honours_decisions
WHEN NOT EXISTS (SELECT 1 FROM class_memberships m JOIN classes c ON c.id = m.class_id
  WHERE m.student_id = NEW.student_id AND m.class_id = NEW.class_id AND c.parallel IN (9, 11))
BEGIN SELECT RAISE(ABORT, 'решение об аттестате с отличием — только для ученика 9 или 11 класса, в котором он учится'); END;
CREATE TRIGGER attestat_honours_decisions_no_update BEFORE UPDATE ON attestat_honours_decisions
BEGIN SELECT RAISE(ABORT, 'решения об аттестате с отличием не изменяются: запишите новое с причиной'); END;
CREATE TRIGGER attestat_honours_decisions_no_delete BEFORE DELETE ON attestat_honours_decisions
BEGIN SELECT RAISE(ABORT, 'решения об аттестате с отличием не удаляются: запишите новое с причиной'); END;
`;
