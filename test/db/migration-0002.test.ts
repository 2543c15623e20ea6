// 0002_marks on its own: the register alone — raw SQL, no backend — refuses marks off the scale, '1' without the
// setting, a student not in the class that year, a subject outside the curriculum, a period of another kind or
// year, an exam where there is none, and attendance with more valid absences than absences. The same cell twice is one row.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';

const open: Database.Database[] = [];
afterEach(() => { while (open.length) open.pop()!.close(); });

const S1 = '00000000-0000-4000-8000-000000000001';
const S2 = '00000000-0000-4000-8000-000000000002';

/** A register at version 1 with one year (quarters for 5, halves for 10), classes 5А, 5Б and 10А, and two students in 5А. */
function atVersion1() {
  const db = new Database(':memory:');
  open.push(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 1));
  db.exec(`
    INSERT INTO academic_years (id, name, start_date, end_date) VALUES (1, '2025/2026', '2025-09-01', '2026-08-31'), (2, '2026/2027', '2026-09-01', '2027-08-31');
    INSERT INTO year_grade_periods VALUES (1, 5, 'quarter'), (1, 10, 'half'), (2, 5, 'quarter');
    INSERT INTO periods (id, year_id, kind, number, start_date, end_date) VALUES
      (1, 1, 'quarter', 1, '2025-09-01', '2025-10-24'), (2, 1, 'quarter', 2, '2025-11-03', '2025-12-28'),
      (3, 1, 'half', 1, '2025-09-01', '2025-12-28'), (4, 2, 'quarter', 1, '2026-09-01', '2026-10-24');
    INSERT INTO subjects (id, name, short_name) VALUES (1, 'Математика', 'Мат.'), (2, 'Химия', 'Хим.'), (3, 'Физкультура', 'Физ-ра');
    INSERT INTO classes (id, year_id, parallel, letter, level) VALUES (1, 1, 5, 'А', 'ООО'), (2, 1, 5, 'Б', 'ООО'), (3, 1, 10, 'А', 'СОО'), (4, 2, 5, 'А', 'ООО');
    INSERT INTO curriculum VALUES (1, 1), (1, 3), (2, 1), (4, 1);
    INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES
      ('${S1}', 'Иванов', 'Пётр', 'иванов петр', '2014-03-01', 'М', 'now'), ('${S2}', 'Петрова', 'Анна', 'петрова анна', '2014-05-01', 'Ж', 'now');
    INSERT INTO orders (id, number, date, kind) VALUES (1, '1-у', '2025-09-01', 'enrolment');
    INSERT INTO movements (id, order_id, student_id, kind, date, to_class_id) VALUES (1, 1, '${S1}', 'enrolment', '2025-09-01', 1), (2, 1, '${S2}', 'enrolment', '2025-09-01', 1);
    INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES ('${S1}', 1, 1, '2025-09-01', 1), ('${S2}', 1, 1, '2025-09-01', 2);
  `);
  return db;
}

const mark = (db: Database.Database) => db.prepare(
  'INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)');

describe('0002_marks', () => {
  it('applies on top of 0001 with data in it, and adds its tables', () => {
    const db = atVersion1();
    expect(migrate(db, migrations.slice(0, 2))).toEqual([2]);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['attendance', 'class_exams', 'marks', 'settings']));
    expect(db.prepare('SELECT allow_mark_one FROM settings').all()).toEqual([{ allow_mark_one: 0 }]);
  });

  it('takes every mark of the scale in a period, the annual and the final', () => {
    const db = atVersion1();
    migrate(db);
    const ins = mark(db);
    for (const [i, m] of ['5', '4', '3', '2', 'зч', 'нз', 'осв', 'н/а'].entries()) {
      db.prepare('DELETE FROM marks').run();
      ins.run(S1, 1, 1, 1, 'period', 1 + (i % 2), m);
      ins.run(S1, 1, 1, 1, 'annual', null, m);
      ins.run(S1, 1, 1, 1, 'final', null, m);
    }
    expect(db.prepare('SELECT count(*) AS n FROM marks').get()).toEqual({ n: 3 });
  });

  it('refuses a mark off the scale', () => {
    const db = atVersion1();
    migrate(db);
    for (const m of ['6', '0', '5+', 'отл', '', ' 5', 'Н/А']) {
      expect(() => mark(db).run(S1, 1, 1, 1, 'period', 1, m), m).toThrow(/CHECK constraint failed/);
    }
    mark(db).run(S1, 1, 1, 1, 'period', 1, '4');
    expect(() => db.prepare("UPDATE marks SET mark = '7'").run()).toThrow(/CHECK constraint failed/);
  });

  it("refuses '1' until the school setting allows it, and keeps the setting on while a '1' exists", () => {
    const db = atVersion1();
    migrate(db);
    expect(() => mark(db).run(S1, 1, 1, 1, 'period', 1, '1')).toThrow(/mark 1 is not allowed/);
    mark(db).run(S1, 1, 1, 1, 'period', 1, '3');
    expect(() => db.prepare("UPDATE marks SET mark = '1'").run()).toThrow(/mark 1 is not allowed/);
    db.prepare('UPDATE settings SET allow_mark_one = 1').run();
    db.prepare("UPDATE marks SET mark = '1'").run();
    expect(() => db.prepare('UPDATE settings SET allow_mark_one = 0').run()).toThrow(/cannot be turned off/);
    expect(() => db.prepare('UPDATE settings SET allow_mark_one = 2').run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare('DELETE FROM settings').run()).toThrow(/never deleted/);
  });

  it('refuses a student who was not in that class that year, on insert and on update', () => {
    const db = atVersion1();
    migrate(db);
    expect(() => mark(db).run(S1, 1, 1, 2, 'period', 1, '5')).toThrow(/not in this class/); // 5Б
    expect(() => mark(db).run(S1, 1, 2, 4, 'period', 4, '5')).toThrow(/not in this class/); // next year's 5А
    expect(() => mark(db).run(S1, 1, 2, 1, 'period', 1, '5')).toThrow(/year must be the class year/);
    mark(db).run(S1, 1, 1, 1, 'period', 1, '5');
    expect(() => db.prepare('UPDATE marks SET class_id = 2').run()).toThrow(/not in this class/);
  });

  it('refuses a subject outside the class curriculum, and a subject with marks stays in it', () => {
    const db = atVersion1();
    migrate(db);
    expect(() => mark(db).run(S1, 2, 1, 1, 'period', 1, '5')).toThrow(/not in this class curriculum/);
    mark(db).run(S1, 1, 1, 1, 'period', 1, '5');
    expect(() => db.prepare('DELETE FROM curriculum WHERE class_id = 1 AND subject_id = 1').run()).toThrow(/has marks/);
    db.prepare('DELETE FROM curriculum WHERE class_id = 1 AND subject_id = 3').run();
  });

  it("refuses a period of another kind or year, a period on the annual mark, and an exam the class does not have", () => {
    const db = atVersion1();
    migrate(db);
    expect(() => mark(db).run(S1, 1, 1, 1, 'period', 3, '5')).toThrow(/not one of this class periods/); // a half, 5th grade has quarters
    expect(() => mark(db).run(S1, 1, 1, 1, 'period', 4, '5')).toThrow(/not one of this class periods/); // next year's quarter
    expect(() => mark(db).run(S1, 1, 1, 1, 'period', null, '5')).toThrow(/CHECK constraint failed/);
    expect(() => mark(db).run(S1, 1, 1, 1, 'annual', 1, '5')).toThrow(/CHECK constraint failed/);
    expect(() => mark(db).run(S1, 1, 1, 1, 'term', null, '5')).toThrow(/CHECK constraint failed/);
    expect(() => mark(db).run(S1, 1, 1, 1, 'exam', null, '5')).toThrow(/no exam/);
    expect(() => db.prepare('INSERT INTO class_exams VALUES (1, 2)').run()).toThrow(/must be in the class curriculum/);
    db.prepare('INSERT INTO class_exams VALUES (1, 1)').run();
    mark(db).run(S1, 1, 1, 1, 'exam', null, '4');
    expect(() => db.prepare('DELETE FROM class_exams').run()).toThrow(/exam has marks/);
  });

  it('one cell is one row: the same mark twice is refused by the key (an import upserts it)', () => {
    const db = atVersion1();
    migrate(db);
    mark(db).run(S1, 1, 1, 1, 'annual', null, '5');
    expect(() => mark(db).run(S1, 1, 1, 1, 'annual', null, '4')).toThrow(/UNIQUE constraint failed/);
    mark(db).run(S1, 1, 1, 1, 'period', 1, '5');
    expect(() => mark(db).run(S1, 1, 1, 1, 'period', 1, '5')).toThrow(/UNIQUE constraint failed/);
    mark(db).run(S1, 1, 1, 1, 'period', 2, '5');
    mark(db).run(S2, 1, 1, 1, 'annual', null, '5');
  });

  it('attendance: not negative, valid ≤ missed, one row per student and period, only in the class that year', () => {
    const db = atVersion1();
    migrate(db);
    const att = db.prepare('INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES (?, ?, ?, ?, ?)');
    expect(() => att.run(S1, 1, 1, -1, 0)).toThrow(/CHECK constraint failed/);
    expect(() => att.run(S1, 1, 1, 5, 6)).toThrow(/CHECK constraint failed/);
    expect(() => att.run(S1, 1, 1, 5, -1)).toThrow(/CHECK constraint failed/);
    expect(() => att.run(S1, 1, 2, 5, 1)).toThrow(/not in this class/);
    expect(() => att.run(S1, 3, 1, 5, 1)).toThrow(/not one of this class periods/);
    att.run(S1, 1, 1, 12, 10);
    expect(() => att.run(S1, 1, 1, 3, 0)).toThrow(/UNIQUE constraint failed|PRIMARY KEY/);
  });
});
