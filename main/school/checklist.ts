// The first-start checklist: what an empty register still needs, each step done or not as the register says
// (the school's details, a year, classes, staff, subjects, students — typed in or imported).
import type { DB } from '../../db/connection.ts';
import type { StartChecklist } from '../../preload/contract.ts';

const COUNTS = {
  years: 'SELECT count(*) FROM academic_years',
  classes: 'SELECT count(*) FROM classes',
  staff: 'SELECT count(*) FROM staff',
  subjects: 'SELECT count(*) FROM subjects',
  students: 'SELECT count(*) FROM students',
} as const;

export function startChecklist(db: DB): StartChecklist {
  const n = (sql: string) => db.prepare(sql).pluck().get() as number;
  const school = !!db.prepare('SELECT 1 FROM school WHERE id = 1').get();
  const steps: StartChecklist['steps'] = [{ key: 'school', done: school, count: school ? 1 : 0 }];
  for (const [key, sql] of Object.entries(COUNTS) as Array<[keyof typeof COUNTS, string]>) {
    const count = n(sql);
    steps.push({ key, done: count > 0, count });
  }
  return { steps, done: steps.every((s) => s.done) };
}
