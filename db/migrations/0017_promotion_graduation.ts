// The turn of the year by the rules (issue 20):
//  - the book of orders gains two kinds: «О выпуске» (graduation: 9th and 11th graders released after the ГИА, no
//    longer inside «О переводе в следующий класс») and «Об итогах ликвидации академической задолженности»
//    (academic_debt: the outcome of a conditionally promoted pupil's debts). A graduation order carries departures; an
//    academic-debt order carries the transfers (kept back, another programme) and departures (family education) it
//    decides. SQLite cannot widen a CHECK in place, so `orders` is made again with every row and id kept (the foreign
//    keys of movements are deferred to the commit, by when each movement's order is back).
//  - promotion_decisions: why a pupil was kept back (parents' application or педсовет decision, with its date — the
//    schema refuses a kept-back pupil without one) or promoted conditionally, beside the promotion's movement.
//  - academic_debts: the subjects a conditionally promoted pupil owes (the annual mark that made the debt), the
//    deadline, up to two retakes, and the outcome recorded by a further order; an outcome, once recorded, stays.
//  - settings.require_sealed_before_promotion: the school's rule that every class's ledger is sealed before the
//    promotion (off by default, as before).
import { dateSql, nonEmpty, schoolYearSql, snilsNotZeroSql } from '../sql-checks.ts';

const KINDS = `('enrolment', 'transfer', 'promotion', 'departure', 'graduation', 'academic_debt')`;
const DUPLICATE_ORDER = 'приказ с этим номером и этого вида уже есть в этом учебном году';
const PASSED = `('3', '4', '5', 'зч')`;

export default `
PRAGMA defer_foreign_keys = ON;
DROP VIEW register_rule_breaches;
DROP TRIGGER movements_kind_matches_order;
-- the rows aside, the table made again under its own name, the rows back: each movement's order reappears before commit
CREATE TEMP TABLE orders_0016 AS SELECT id, number, date, kind FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
  id     INTEGER PRIMARY KEY,
  number TEXT NOT NULL CHECK ${nonEmpty('number')},
  date   TEXT NOT NULL CHECK ${dateSql('date', false)},
  kind   TEXT NOT NULL CHECK (kind IN ${KINDS}),
  UNIQUE (number, date)
) STRICT;
INSERT INTO orders (id, number, date, kind) SELECT id, number, date, kind FROM temp.orders_0016 ORDER BY id;
DROP TABLE temp.orders_0016;
CREATE INDEX orders_number ON orders(number);
CREATE TRIGGER orders_number_once_a_year BEFORE INSERT ON orders
WHEN EXISTS (SELECT 1 FROM orders o WHERE o.number = NEW.number AND o.kind = NEW.kind
  AND ${schoolYearSql('o.date')} = ${schoolYearSql('NEW.date')})
BEGIN SELECT RAISE(ABORT, '${DUPLICATE_ORDER}'); END;
CREATE TRIGGER orders_append_only_update BEFORE UPDATE ON orders
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;
CREATE TRIGGER orders_append_only_delete BEFORE DELETE ON orders
BEGIN SELECT RAISE(ABORT, 'the book of orders is append-only'); END;

CREATE VIEW register_rule_breaches (rule, item, detail) AS
  SELECT 'order_number_twice', o.id, o.number || ' ' || o.kind || ' ' || o.date FROM orders o
    WHERE EXISTS (SELECT 1 FROM orders x WHERE x.id <> o.id AND x.number = o.number AND x.kind = o.kind
      AND ${schoolYearSql('x.date')} = ${schoolYearSql('o.date')})
  UNION ALL SELECT 'snils_zero', s.id, s.snils FROM students s WHERE NOT ${snilsNotZeroSql('s.snils')}
  UNION ALL SELECT 'consent_future', s.id, s.pd_consent_date FROM students s WHERE s.pd_consent_date > date('now', 'localtime')
  UNION ALL SELECT 'mark_after_departure', m.student_id, m.class_id || ' ' || m.period_id || ' ' || m.left_on FROM marks_after_departure m;

-- A movement is of its order's kind; a promotion order no longer takes new graduates' departures (they have their own
-- order), a graduation order holds departures, an academic-debt order transfers and departures.
CREATE TRIGGER movements_kind_matches_order BEFORE INSERT ON movements
WHEN NEW.kind <> (SELECT kind FROM orders WHERE id = NEW.order_id)
  AND NOT (NEW.kind = 'departure' AND (SELECT kind FROM orders WHERE id = NEW.order_id) = 'graduation')
  AND NOT (NEW.kind IN ('transfer', 'departure') AND (SELECT kind FROM orders WHERE id = NEW.order_id) = 'academic_debt')
BEGIN SELECT RAISE(ABORT, 'movement kind does not match its order'); END;

CREATE TABLE promotion_decisions (
  movement_id INTEGER PRIMARY KEY REFERENCES movements(id),
  decision    TEXT NOT NULL CHECK (decision IN ('kept_back', 'conditional')),
  basis       TEXT CHECK (basis IS NULL OR basis IN ('application', 'council')),
  basis_date  TEXT CHECK ${dateSql('basis_date')},
  CHECK (decision <> 'kept_back' OR (basis IS NOT NULL AND basis_date IS NOT NULL)),
  CHECK ((basis IS NULL) = (basis_date IS NULL))
) STRICT;
CREATE TRIGGER promotion_decisions_of_promotion BEFORE INSERT ON promotion_decisions
WHEN NOT EXISTS (SELECT 1 FROM movements mv WHERE mv.id = NEW.movement_id AND mv.kind = 'promotion')
BEGIN SELECT RAISE(ABORT, 'решение о переводе — только к движению приказа о переводе'); END;
CREATE TRIGGER promotion_decisions_no_update BEFORE UPDATE ON promotion_decisions
BEGIN SELECT RAISE(ABORT, 'решения о переводе не изменяются'); END;
CREATE TRIGGER promotion_decisions_no_delete BEFORE DELETE ON promotion_decisions
BEGIN SELECT RAISE(ABORT, 'решения о переводе не удаляются'); END;

CREATE TABLE academic_debts (
  id                    INTEGER PRIMARY KEY,
  student_id            TEXT NOT NULL REFERENCES students(id),
  year_id               INTEGER NOT NULL REFERENCES academic_years(id),
  class_id              INTEGER NOT NULL REFERENCES classes(id),
  subject_id            INTEGER NOT NULL REFERENCES subjects(id),
  annual_mark           TEXT NOT NULL CHECK (annual_mark IN ('2', '1', 'нз', 'н/а')),
  promotion_movement_id INTEGER NOT NULL REFERENCES movements(id),
  deadline              TEXT NOT NULL CHECK ${dateSql('deadline', false)},
  retake1_date          TEXT CHECK ${dateSql('retake1_date')},
  retake1_mark          TEXT CHECK (retake1_mark IS NULL OR retake1_mark IN ('2', '3', '4', '5', 'зч', 'нз', 'н/а')),
  retake2_date          TEXT CHECK ${dateSql('retake2_date')},
  retake2_mark          TEXT CHECK (retake2_mark IS NULL OR retake2_mark IN ('2', '3', '4', '5', 'зч', 'нз', 'н/а')),
  outcome               TEXT CHECK (outcome IS NULL OR outcome IN ('cleared', 'kept_back', 'other_programme', 'family_education')),
  outcome_order_id      INTEGER REFERENCES orders(id),
  outcome_date          TEXT CHECK ${dateSql('outcome_date')},
  CHECK ((retake1_date IS NULL) = (retake1_mark IS NULL) AND (retake2_date IS NULL) = (retake2_mark IS NULL)),
  CHECK (retake2_date IS NULL OR (retake1_date IS NOT NULL AND retake2_date > retake1_date)),
  CHECK ((outcome IS NULL) = (outcome_order_id IS NULL) AND (outcome IS NULL) = (outcome_date IS NULL)),
  CHECK (outcome IS NOT 'cleared' OR coalesce(retake1_mark, '') IN ${PASSED} OR coalesce(retake2_mark, '') IN ${PASSED}),
  UNIQUE (student_id, year_id, subject_id)
) STRICT;
CREATE INDEX academic_debts_open ON academic_debts(student_id) WHERE outcome IS NULL;
CREATE TRIGGER academic_debts_conditional BEFORE INSERT ON academic_debts
WHEN NOT EXISTS (SELECT 1 FROM promotion_decisions d WHERE d.movement_id = NEW.promotion_movement_id AND d.decision = 'conditional')
BEGIN SELECT RAISE(ABORT, 'академическая задолженность — только у переведённого условно'); END;
CREATE TRIGGER academic_debts_outcome_kept BEFORE UPDATE ON academic_debts
WHEN OLD.outcome IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'итог по академической задолженности уже записан приказом и не изменяется'); END;
CREATE TRIGGER academic_debts_outcome_order BEFORE UPDATE OF outcome_order_id ON academic_debts
WHEN NEW.outcome_order_id IS NOT NULL AND (SELECT kind FROM orders WHERE id = NEW.outcome_order_id) IS NOT 'academic_debt'
BEGIN SELECT RAISE(ABORT, 'итог по академической задолженности записывается приказом об итогах её ликвидации'); END;
CREATE TRIGGER academic_debts_no_delete BEFORE DELETE ON academic_debts
BEGIN SELECT RAISE(ABORT, 'академическая задолженность не удаляется: её итог записывается приказом'); END;

ALTER TABLE settings ADD COLUMN require_sealed_before_promotion INTEGER NOT NULL DEFAULT 0 CHECK (require_sealed_before_promotion IN (0, 1));
`;
