// The curriculum a grade studies (issue 20): the subjects each class of that grade is given when the next year is
// opened (main/years/next-year.ts). The clerk edits it; a grade without one is seeded from a year's classes of that grade.
import type { DB } from '../../db/connection.ts';
import type { Subject } from '../../preload/contract.ts';
import { fieldError } from '../shared/errors.ts';
import { requireSubjects, toSubject } from '../subjects/subjects.ts';

export type GradeTemplate = { grade: number; subjects: Subject[] };

export function templateOf(db: DB, grade: number): number[] {
  return (db.prepare('SELECT subject_id FROM curriculum_templates WHERE grade = ? ORDER BY subject_id').all(grade) as Array<{ subject_id: number }>).map((r) => r.subject_id);
}

export function listTemplates(db: DB): GradeTemplate[] {
  const rows = db.prepare('SELECT t.grade, s.* FROM curriculum_templates t JOIN subjects s ON s.id = t.subject_id ORDER BY t.grade, s.name').all() as
    Array<Parameters<typeof toSubject>[0] & { grade: number }>;
  return Array.from({ length: 11 }, (_, i) => ({ grade: i + 1, subjects: rows.filter((r) => r.grade === i + 1).map(toSubject) }));
}

export function setTemplate(db: DB, grade: number, subjectIds: number[]): GradeTemplate {
  if (!Number.isInteger(grade) || grade < 1 || grade > 11) throw fieldError('grade', 'Параллель — от 1 до 11');
  requireSubjects(db, subjectIds, 'subjectIds');
  db.prepare('DELETE FROM curriculum_templates WHERE grade = ?').run(grade);
  const ins = db.prepare('INSERT OR IGNORE INTO curriculum_templates (grade, subject_id) VALUES (?, ?)');
  for (const s of subjectIds) ins.run(grade, s);
  return listTemplates(db)[grade - 1];
}

/** What a year's classes of a grade study: every subject in the curriculum of any of them. */
export function studiedInYear(db: DB, yearId: number, grade: number): number[] {
  return (db.prepare(`SELECT DISTINCT cu.subject_id FROM curriculum cu JOIN classes c ON c.id = cu.class_id
    WHERE c.year_id = ? AND c.parallel = ? ORDER BY cu.subject_id`).all(yearId, grade) as Array<{ subject_id: number }>).map((r) => r.subject_id);
}

/** Seeds the grades that have no template from the year's classes; returns the grades seeded. */
export function seedTemplates(db: DB, yearId: number): number[] {
  if (!db.prepare('SELECT 1 FROM academic_years WHERE id = ?').get(yearId)) throw fieldError('yearId', 'Учебный год не найден');
  const seeded: number[] = [];
  for (let g = 1; g <= 11; g++) {
    if (templateOf(db, g).length) continue;
    const subjects = studiedInYear(db, yearId, g);
    if (!subjects.length) continue;
    const ins = db.prepare('INSERT INTO curriculum_templates (grade, subject_id) VALUES (?, ?)');
    for (const s of subjects) ins.run(g, s);
    seeded.push(g);
  }
  return seeded;
}
