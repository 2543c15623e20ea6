// Rules a clerk's books kept only by good intentions (issue 16), now kept by the register itself:
//  - the book of orders numbers its orders per school year and kind: a second «№ 17-в» of departures in 2026/2027 is
//    refused (the same number may still serve another kind, and one order still moves many students);
//  - no period mark for a student in a class for a period that began after he left that class (a transfer or a
//    departure: an order), in subject_marks and so through the marks view, whoever writes it;
//  - a СНИЛС of nine zeros (000-000-000 00, 000-000-000 01 …) is no number: the checksum does not apply below
//    001-001-998, so 0001's CHECK let it through;
//  - a consent to personal data processing is not dated in the future;
//  - a surname, name or patronymic holds no line break, tab or other control character.
//
// Triggers, not CHECK or UNIQUE: the tables keep their rows and their ids (no rebuild), and a real register that already
// holds a row these rules refuse still opens — such rows are kept as they are and listed, never deleted or changed by
// a migration: the marks after a departure in the view `marks_after_departure` (the grid flags them for the clerk);
// orders numbered twice, zero СНИЛС and future consents in `register_rule_breaches`. Only new writes are refused.
//
// The school year of an order is reckoned as the program reckons the current one (preload/core/dates.ts,
// currentYearStart): a date from August on belongs to the year starting that autumn.
import { schoolYearSql, snilsNotZeroSql } from '../sql-checks.ts';

const CONTROL = `'*[' || char(1) || '-' || char(31) || char(127) || ']*'`;
const controlIn = (col: string) => `(NEW.${col} GLOB ${CONTROL})`;

/** The date a student left class `cls` (a transfer or a departure), NULL while he is in it or moved on by promotion. */
const leftOn = (student: string, cls: string) => `(SELECT CASE WHEN EXISTS (SELECT 1 FROM class_memberships o
      LEFT JOIN movements om ON om.id = o.end_movement_id
      WHERE o.student_id = ${student} AND o.class_id = ${cls} AND (o.end_date IS NULL OR om.kind = 'promotion')) THEN NULL
    ELSE (SELECT max(cm.end_date) FROM class_memberships cm WHERE cm.student_id = ${student} AND cm.class_id = ${cls}) END)`;

/** The first day of period number n of class `cls` (its year, the kind its grade studies by). */
const periodStart = (cls: string, n: number) => `(SELECT p.start_date FROM periods p JOIN classes c ON c.id = ${cls}
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE p.year_id = c.year_id AND p.kind = g.kind AND p.number = ${n})`;

const AFTER_LEFT = 'ученик выбыл из класса до начала этого периода: оценки за периоды после выбытия не ставятся';
/** A period column of NEW (changed, on UPDATE) for a period that began after the student left the class. The first probe
 *  (an ended stay in the class) is all a journal's row of a student still in it costs. */
const markAfterLeft = (update: boolean) => `EXISTS (SELECT 1 FROM class_memberships e WHERE e.student_id = NEW.student_id
    AND e.class_id = NEW.class_id AND e.end_date IS NOT NULL)
  AND EXISTS (SELECT 1 FROM (SELECT ${leftOn('NEW.student_id', 'NEW.class_id')} AS d) l
    WHERE l.d IS NOT NULL AND (${[1, 2, 3, 4].map((n) => `(NEW.p${n} IS NOT NULL${update
      ? ` AND (NEW.p${n} IS NOT OLD.p${n} OR NEW.class_id IS NOT OLD.class_id OR NEW.student_id IS NOT OLD.student_id)` : ''}
      AND ${periodStart('NEW.class_id', n)} > l.d)`).join(' OR ')}))`;

const DUPLICATE_ORDER = 'приказ с этим номером и этого вида уже есть в этом учебном году';

export default `
CREATE INDEX orders_number ON orders(number);

CREATE TRIGGER orders_number_once_a_year BEFORE INSERT ON orders
WHEN EXISTS (SELECT 1 FROM orders o WHERE o.number = NEW.number AND o.kind = NEW.kind
  AND ${schoolYearSql('o.date')} = ${schoolYearSql('NEW.date')})
BEGIN SELECT RAISE(ABORT, '${DUPLICATE_ORDER}'); END;

CREATE TRIGGER subject_marks_after_departure_insert BEFORE INSERT ON subject_marks
WHEN ${markAfterLeft(false)}
BEGIN SELECT RAISE(ABORT, '${AFTER_LEFT}'); END;
CREATE TRIGGER subject_marks_after_departure_update BEFORE UPDATE ON subject_marks
WHEN ${markAfterLeft(true)}
BEGIN SELECT RAISE(ABORT, '${AFTER_LEFT}'); END;

-- Marks the rule above refuses that a register held before it: kept, and shown to the clerk.
CREATE VIEW marks_after_departure (student_id, subject_id, year_id, class_id, period_id, mark, left_on) AS
  SELECT k.student_id, k.subject_id, k.year_id, k.class_id, k.period_id, k.mark, ${leftOn('k.student_id', 'k.class_id')}
  FROM marks k JOIN periods p ON p.id = k.period_id
  WHERE k.slot = 'period' AND p.start_date > ${leftOn('k.student_id', 'k.class_id')};

${['students', 'staff'].map((t) => ['INSERT', 'UPDATE OF snils'].map((op) => `
CREATE TRIGGER ${t}_snils_not_zero_${op === 'INSERT' ? 'insert' : 'update'} BEFORE ${op} ON ${t}
WHEN NOT ${snilsNotZeroSql('NEW.snils')}
BEGIN SELECT RAISE(ABORT, 'СНИЛС из одних нулей недействителен'); END;`).join('')).join('')}

${['INSERT', 'UPDATE OF pd_consent_date'].map((op) => `
CREATE TRIGGER students_consent_not_future_${op === 'INSERT' ? 'insert' : 'update'} BEFORE ${op} ON students
WHEN NEW.pd_consent_date > date('now', 'localtime')
BEGIN SELECT RAISE(ABORT, 'дата согласия на обработку персональных данных в будущем'); END;`).join('')}

${['INSERT', 'UPDATE OF last_name, first_name, middle_name'].map((op) => `
CREATE TRIGGER students_name_no_control_${op === 'INSERT' ? 'insert' : 'update'} BEFORE ${op} ON students
WHEN ${controlIn('last_name')} OR ${controlIn('first_name')} OR ${controlIn('middle_name')}
BEGIN SELECT RAISE(ABORT, 'в фамилии, имени или отчестве — перевод строки, табуляция или другой управляющий символ'); END;`).join('')}

-- What a register held before these rules and they would now refuse: kept, listed for the clerk.
CREATE VIEW register_rule_breaches (rule, item, detail) AS
  SELECT 'order_number_twice', o.id, o.number || ' ' || o.kind || ' ' || o.date FROM orders o
    WHERE EXISTS (SELECT 1 FROM orders x WHERE x.id <> o.id AND x.number = o.number AND x.kind = o.kind
      AND ${schoolYearSql('x.date')} = ${schoolYearSql('o.date')})
  UNION ALL SELECT 'snils_zero', s.id, s.snils FROM students s WHERE NOT ${snilsNotZeroSql('s.snils')}
  UNION ALL SELECT 'consent_future', s.id, s.pd_consent_date FROM students s WHERE s.pd_consent_date > date('now', 'localtime')
  UNION ALL SELECT 'mark_after_departure', m.student_id, m.class_id || ' ' || m.period_id || ' ' || m.left_on FROM marks_after_departure m;
`;
