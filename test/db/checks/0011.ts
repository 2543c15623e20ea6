// What migration 0011 must leave behind: marks kept in subject_marks (a row per student × subject × year × class, the
// period, annual, exam and final marks as columns) with its keys, checks and locks; `marks` a view with the old table's
// columns whose writes go through INSTEAD OF triggers; the triggers of other tables that guard marks pointed at the new
// table, and new ones keeping periods with marks. What the view and table refuse is tested by migration-0002.test.ts
// (which runs every migration) and what the migration keeps by migration-0011.test.ts.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'subject_marks'").pluck().get() as string);
  expect(sql).not.toMatch(/\bIN\s*\(/i); // an IN list in a CHECK builds a temporary table per row checked
  expect((db.prepare('PRAGMA table_info(subject_marks)').all() as Array<{ name: string; type: string; notnull: number }>)
    .map((c) => [c.name, c.type, c.notnull])).toEqual([
    ['id', 'INTEGER', 0], ['student_id', 'TEXT', 1], ['subject_id', 'INTEGER', 1], ['year_id', 'INTEGER', 1], ['class_id', 'INTEGER', 1],
    ['p1', 'TEXT', 0], ['p2', 'TEXT', 0], ['p3', 'TEXT', 0], ['p4', 'TEXT', 0], ['annual', 'TEXT', 0], ['exam', 'TEXT', 0], ['final', 'TEXT', 0]]);
  expect((db.prepare('PRAGMA foreign_key_list(subject_marks)').all() as Array<{ table: string; from: string; to: string }>)
    .map((f) => `${f.from}→${f.table}.${f.to}`).sort()).toEqual(
    ['class_id→classes.id', 'student_id→students.id', 'subject_id→subjects.id', 'year_id→academic_years.id']);
  expect(db.prepare("SELECT type FROM sqlite_schema WHERE name = 'marks'").pluck().get()).toBe('view');
  expect((db.prepare('PRAGMA table_info(marks)').all() as Array<{ name: string }>).map((c) => c.name))
    .toEqual(['student_id', 'subject_id', 'year_id', 'class_id', 'slot', 'period_id', 'mark']);
  const named = (type: string, table: string) => (db.prepare('SELECT name FROM sqlite_schema WHERE type = ? AND tbl_name = ? ORDER BY name')
    .pluck().all(type, table) as string[]);
  expect(named('index', 'subject_marks')).toEqual(['sqlite_autoindex_subject_marks_1', 'subject_marks_class']);
  expect(named('trigger', 'subject_marks')).toEqual(['subject_marks_checked_insert', 'subject_marks_checked_update',
    'subject_marks_sealed_delete', 'subject_marks_sealed_insert', 'subject_marks_sealed_update']);
  expect(named('trigger', 'marks')).toEqual(['marks_delete', 'marks_insert', 'marks_update']);
  expect(named('trigger', 'settings')).toContain('settings_one_in_use');
  expect(named('trigger', 'curriculum')).toContain('curriculum_keeps_marked');
  expect(named('trigger', 'class_exams')).toContain('class_exams_keeps_marked');
  expect(named('trigger', 'periods')).toEqual(['periods_keep_marked_delete', 'periods_keep_marked_update']);
  expect(named('trigger', 'year_grade_periods')).toEqual(['year_grade_periods_keep_marked_delete', 'year_grade_periods_keep_marked_update']);
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'marks_cell' OR name LIKE 'marks_class' OR name LIKE 'marks_checked_%' OR name LIKE 'marks_sealed_%'").all()).toEqual([]);
  // an empty row is no row
  expect(() => db.prepare("INSERT INTO subject_marks (student_id, subject_id, year_id, class_id) VALUES ('x', 1, 1, 1)").run()).toThrow();
  expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
  expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
}
