// Issue 19: the grid reads a class's marks from subject_marks directly (marksOfClassMembers) instead of through the
// `marks` view. The view stays the definition of what a stored row means: for every class of a demo register the
// direct read gives exactly the view's cells — including students who changed class during the year and a class whose
// grade is taught by other periods than the class the mark was stored under.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { openBackend, type Backend } from '../../main/host/backend.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { marksOfClassMembers } from '../../main/grades/grades.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

let backend: Backend;
let db: DB;
beforeAll(async () => {
  backend = openBackend({ dbPath: path.join(scratchDir('sr-marks-'), 'register.sqlite') });
  db = backend.db;
  await generateDemo(db, { students: 600, by: 'test', seed: 11 }, progressTo());
}, 300_000);
afterAll(() => {
  backend?.close();
  removeScratchDirs();
});

// the class a mark is kept in too: the grid names another class's marks (a pupil's before his transfer) by it
const viaView = (yearId: number, classId: number) => db.prepare(`SELECT k.student_id, k.subject_id, k.class_id, k.slot, k.period_id, k.mark FROM marks k
  WHERE k.year_id = ? AND k.student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`).all(yearId, classId);
const key = (r: unknown) => JSON.stringify(r);
const sorted = (rows: unknown[]) => rows.map(key).sort();

describe('marksOfClassMembers', () => {
  it('gives the view\'s cells for every class that has marks', () => {
    const classes = db.prepare('SELECT DISTINCT c.id, c.year_id FROM classes c JOIN subject_marks r ON r.class_id = c.id').all() as Array<{ id: number; year_id: number }>;
    expect(classes.length).toBeGreaterThan(10);
    let cells = 0;
    for (const c of classes) {
      const direct = marksOfClassMembers(db, c.year_id, c.id);
      expect(sorted(direct), `class ${c.id}`).toEqual(sorted(viaView(c.year_id, c.id)));
      cells += direct.length;
    }
    expect(cells).toBeGreaterThan(1000);
  });

  it('a mark stored under another class of the year (a pupil who moved, even to another grade\'s periods) is read the view\'s way', async () => {
    const y = db.prepare('SELECT max(year_id) AS year_id FROM subject_marks').get() as { year_id: number }; // the current year: a pupil is moved now
    // one class taught by quarters, one by halves in the same year (the demo's 10th–11th grades use halves)
    const kinds = db.prepare(`SELECT c.id, c.parallel, g.kind FROM classes c JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE c.year_id = ? ORDER BY c.parallel`).all(y.year_id) as Array<{ id: number; parallel: number; kind: string }>;
    const from = kinds.find((k) => k.kind === 'quarter')!;
    const to = kinds.find((k) => k.kind !== from.kind);
    expect(to, 'the demo year has classes on two kinds of periods').toBeDefined();
    const pupil = db.prepare('SELECT student_id FROM class_memberships WHERE class_id = ? AND end_date IS NULL LIMIT 1').get(from.id) as { student_id: string };
    const signed = await backend.call({ method: 'auth.setupAdmin', args: { login: 'admin', fullName: 'Администратор Иван Петрович', password: 'correct horse 1' } }, 'ipc');
    if (!signed.ok) throw new Error(signed.error.message);
    const start = (db.prepare('SELECT start_date FROM academic_years WHERE id = ?').get(y.year_id) as { start_date: string }).start_date;
    const moved = await backend.call({ method: 'orders.transfer', session: (signed.value as { session: string }).session, args: {
      order: { number: '99-п', date: start.replace(/-09-01$/, '-10-01') }, studentId: pupil.student_id, toClassId: to!.id, date: start.replace(/-09-01$/, '-10-01') } }, 'ipc');
    if (!moved.ok) throw new Error(moved.error.message);
    const subject = db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ? LIMIT 1').get(to!.id) as { subject_id: number };
    db.prepare('DELETE FROM subject_marks WHERE student_id = ? AND subject_id = ? AND year_id = ?').run(pupil.student_id, subject.subject_id, y.year_id);
    db.prepare("INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, p1, p2, p3, annual) VALUES (?, ?, ?, ?, '5', '4', NULL, '4')")
      .run(pupil.student_id, subject.subject_id, y.year_id, to!.id);
    const direct = marksOfClassMembers(db, y.year_id, from.id);
    expect(sorted(direct)).toEqual(sorted(viaView(y.year_id, from.id)));
    // the period marks are the periods of the class they were stored under (its grade's kind), as in the view
    const mine = direct.filter((m) => m.student_id === pupil.student_id && m.subject_id === subject.subject_id);
    const halfOne = db.prepare('SELECT id FROM periods WHERE year_id = ? AND kind = ? AND number = 1').get(y.year_id, to!.kind) as { id: number };
    expect(mine).toContainEqual({ student_id: pupil.student_id, subject_id: subject.subject_id, class_id: to!.id, slot: 'period', period_id: halfOne.id, mark: '5' });
    expect(mine.map((m) => m.mark).sort()).toEqual(['4', '4', '5']);
  });
});
