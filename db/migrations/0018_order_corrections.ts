// Issue 20: orders that correct orders, the алфавитная книга's history, and a curriculum per grade.
//  - An order may cancel («Об отмене приказа № … от …») or amend («О внесении изменений в приказ № …») an earlier one:
//    it is an order of the book like any other (its number in the series of the kind it corrects, so the per-year
//    numbering rule of 0013 holds for it too), named in `order_corrections`; it moves no one itself. The movements it
//    undoes are named in `movement_cancellations` — the movements stay in the book (append-only), the memberships they
//    made are undone by the program in the same transaction.
//  - The алфавитная книга's entry changes (a departure, a return, a cancelled order) and each earlier state is kept in
//    `alphabet_book_history` by a trigger, so no date or reason of leaving is ever erased; `alphabet_book.movement_id`
//    is the movement that set the entry's current state (NULL before this migration, or when a cancellation set it).
//  - `curriculum_templates`: the subjects a grade studies, which the next year's classes are given; the clerk edits it.
import { dateSql } from '../sql-checks.ts';

const appendOnly = (table: string, what: string) => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} не изменяются'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} не удаляются'); END;`;

export default `
CREATE TABLE order_corrections (
  order_id          INTEGER PRIMARY KEY REFERENCES orders(id),
  corrects_order_id INTEGER NOT NULL REFERENCES orders(id),
  kind              TEXT NOT NULL CHECK (kind IN ('cancel', 'amend')),
  CHECK (order_id <> corrects_order_id)
) STRICT;
CREATE INDEX order_corrections_corrects ON order_corrections(corrects_order_id);

CREATE TRIGGER order_corrections_same_kind BEFORE INSERT ON order_corrections
WHEN (SELECT kind FROM orders WHERE id = NEW.order_id) IS NOT (SELECT kind FROM orders WHERE id = NEW.corrects_order_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене (изменении) — того же вида, что и исправляемый приказ'); END;
CREATE TRIGGER order_corrections_not_earlier BEFORE INSERT ON order_corrections
WHEN (SELECT date FROM orders WHERE id = NEW.order_id) < (SELECT date FROM orders WHERE id = NEW.corrects_order_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене (изменении) датирован раньше исправляемого приказа'); END;
CREATE TRIGGER order_corrections_not_of_correction BEFORE INSERT ON order_corrections
WHEN EXISTS (SELECT 1 FROM order_corrections c WHERE c.order_id = NEW.corrects_order_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене (изменении) другого приказа сам не отменяется'); END;
CREATE TRIGGER order_corrections_no_movements BEFORE INSERT ON order_corrections
WHEN EXISTS (SELECT 1 FROM movements m WHERE m.order_id = NEW.order_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене (изменении) другого приказа не содержит движений учеников'); END;
CREATE TRIGGER movements_not_under_correction BEFORE INSERT ON movements
WHEN EXISTS (SELECT 1 FROM order_corrections c WHERE c.order_id = NEW.order_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене (изменении) другого приказа не содержит движений учеников'); END;
${appendOnly('order_corrections', 'приказы об отмене (изменении)')}

CREATE TABLE movement_cancellations (
  movement_id INTEGER PRIMARY KEY REFERENCES movements(id),
  order_id    INTEGER NOT NULL REFERENCES order_corrections(order_id)
) STRICT;
CREATE INDEX movement_cancellations_order ON movement_cancellations(order_id);
-- a movement is cancelled by an order dated no earlier than the movement's own order
CREATE TRIGGER movement_cancellations_not_earlier BEFORE INSERT ON movement_cancellations
WHEN (SELECT date FROM orders WHERE id = NEW.order_id) <
  (SELECT o.date FROM movements m JOIN orders o ON o.id = m.order_id WHERE m.id = NEW.movement_id)
BEGIN SELECT RAISE(ABORT, 'приказ об отмене датирован раньше приказа, движение по которому он отменяет'); END;
${appendOnly('movement_cancellations', 'отмены движений')}

-- 0001's «birth < enrolment <= departure» reckoned the cancelled movements too: a pupil whose wrong transfer of
-- 10.10 was cancelled could not leave on 05.10. A cancelled movement did not happen; any movement out of the school
-- (to no class) is a leaving.
DROP TRIGGER movements_departure_after_enrolment;
CREATE TRIGGER movements_departure_after_enrolment BEFORE INSERT ON movements
WHEN NEW.to_class_id IS NULL AND NEW.kind <> 'enrolment' AND NEW.date < (SELECT max(m.date) FROM movements m
  WHERE m.student_id = NEW.student_id AND m.to_class_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM movement_cancellations x WHERE x.movement_id = m.id))
BEGIN SELECT RAISE(ABORT, 'departure date must not be before enrolment'); END;

ALTER TABLE alphabet_book ADD COLUMN movement_id INTEGER REFERENCES movements(id);

CREATE TABLE alphabet_book_history (
  id                      INTEGER PRIMARY KEY,
  student_id              TEXT NOT NULL REFERENCES alphabet_book(student_id),
  entered_on              TEXT NOT NULL CHECK ${dateSql('entered_on', false)},
  departed_on             TEXT CHECK ${dateSql('departed_on')},
  departure_reason        TEXT,
  where_to                TEXT,
  movement_id             INTEGER REFERENCES movements(id),
  replaced_by_movement_id INTEGER REFERENCES movements(id),
  replaced_at             TEXT NOT NULL
) STRICT;
CREATE INDEX alphabet_book_history_student ON alphabet_book_history(student_id, id);
CREATE INDEX alphabet_book_history_replaced ON alphabet_book_history(replaced_by_movement_id);
CREATE TRIGGER alphabet_book_keep_history AFTER UPDATE ON alphabet_book
WHEN OLD.entered_on IS NOT NEW.entered_on OR OLD.departed_on IS NOT NEW.departed_on
  OR OLD.departure_reason IS NOT NEW.departure_reason OR OLD.where_to IS NOT NEW.where_to
BEGIN
  INSERT INTO alphabet_book_history (student_id, entered_on, departed_on, departure_reason, where_to, movement_id, replaced_by_movement_id, replaced_at)
  VALUES (OLD.student_id, OLD.entered_on, OLD.departed_on, OLD.departure_reason, OLD.where_to, OLD.movement_id, NEW.movement_id,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
${appendOnly('alphabet_book_history', 'записи истории алфавитной книги')}

CREATE TABLE curriculum_templates (
  grade      INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 11),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (grade, subject_id)
) STRICT;
`;
