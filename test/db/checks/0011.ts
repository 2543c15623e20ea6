// What migration 0011 must leave behind: the marks table with its columns, foreign keys, indexes and every trigger
// that guards it (its own and those of settings, curriculum and class_exams), and CHECKs on the scale with no IN list
// in them — the reason for the migration. What the rebuilt table refuses is tested by migration-0002.test.ts (which
// runs every migration) and what it keeps by migration-0011.test.ts.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'marks'").pluck().get() as string);
  expect(sql).not.toMatch(/\bIN\s*\(/i);
  expect(sql).toMatch(/CHECK \(mark = '5' OR mark = '4' OR mark = '3' OR mark = '2' OR mark = '1'\s+OR mark = 'зч' OR mark = 'нз' OR mark = 'осв' OR mark = 'н\/а'\)/);
  expect(sql).toMatch(/CHECK \(slot = 'period' OR slot = 'annual' OR slot = 'exam' OR slot = 'final'\)/);
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%0011%'").all()).toEqual([]); // the scratch name is gone
  expect((db.prepare('PRAGMA table_info(marks)').all() as Array<{ name: string; type: string; notnull: number; pk: number }>)
    .map((c) => [c.name, c.type, c.notnull, c.pk])).toEqual([
    ['id', 'INTEGER', 0, 1], ['student_id', 'TEXT', 1, 0], ['subject_id', 'INTEGER', 1, 0], ['year_id', 'INTEGER', 1, 0],
    ['class_id', 'INTEGER', 1, 0], ['slot', 'TEXT', 1, 0], ['period_id', 'INTEGER', 0, 0], ['mark', 'TEXT', 1, 0]]);
  expect((db.prepare('PRAGMA foreign_key_list(marks)').all() as Array<{ table: string; from: string; to: string }>)
    .map((f) => `${f.from}→${f.table}.${f.to}`).sort()).toEqual(
    ['class_id→classes.id', 'period_id→periods.id', 'student_id→students.id', 'subject_id→subjects.id', 'year_id→academic_years.id']);
  const named = (type: string, table: string) => (db.prepare('SELECT name FROM sqlite_schema WHERE type = ? AND tbl_name = ? ORDER BY name')
    .pluck().all(type, table) as string[]);
  expect(named('index', 'marks')).toEqual(['marks_cell', 'marks_class']);
  expect(named('trigger', 'marks')).toEqual(['marks_checked_insert', 'marks_checked_update', 'marks_sealed_delete', 'marks_sealed_insert', 'marks_sealed_update']);
  expect(named('trigger', 'settings')).toContain('settings_one_in_use');
  expect(named('trigger', 'curriculum')).toContain('curriculum_keeps_marked');
  expect(named('trigger', 'class_exams')).toContain('class_exams_keeps_marked');
  expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
  expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
}
