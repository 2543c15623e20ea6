// What migration 0013 must leave behind: the book of orders numbers each kind once a school year (August is the new
// year's), a СНИЛС of nine zeros is refused in staff and students, and the views that list what a register held before
// the rules (marks after a departure; orders numbered twice, zero СНИЛС, future consents). The marks rule, the consent
// and the names are tested on a whole register in test/register/books-rules.test.ts.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const order = db.prepare('INSERT INTO orders (number, date, kind) VALUES (?, ?, ?)');
  order.run('17-в', '2026-10-15', 'departure');
  expect(() => order.run('17-в', '2027-07-31', 'departure')).toThrow('приказ с этим номером и этого вида уже есть в этом учебном году');
  order.run('17-в', '2026-10-16', 'enrolment'); // another kind
  order.run('17-в', '2027-08-01', 'departure'); // the next school year
  order.run('17-В', '2026-11-01', 'departure'); // another number (the case is the clerk's own)
  expect(() => db.prepare("INSERT INTO staff (last_name, first_name, snils, position) VALUES ('А', 'Б', '00000000000', 'Учитель')").run())
    .toThrow('СНИЛС из одних нулей недействителен');
  expect(db.prepare("SELECT name FROM pragma_table_info('marks_after_departure')").pluck().all())
    .toEqual(['student_id', 'subject_id', 'year_id', 'class_id', 'period_id', 'mark', 'left_on']);
  expect(db.prepare('SELECT * FROM register_rule_breaches').all()).toEqual([]);
}
