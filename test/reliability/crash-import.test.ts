// Crash suite: a marks import killed with SIGKILL at 50 seeded moments (issue 7). After each kill the register passes
// integrity_check and the audit chain, holds either none or all of the file's marks (never a part), and rerunning the
// import completes it with exactly one audit entry.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { writeBook } from '../workbooks/make.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { recordFigures, runCrashSuite } from './crash.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 50);
const YEAR = '2026/2027';
const TODAY = '2026-11-23';

afterAll(() => { if (!process.env.KEEP) removeScratchDirs(); });

let template: string;
let workbook: string;
let expected: number;

const marksOf = (db: DB) => (db.prepare(`SELECT count(*) AS n FROM marks`).get() as { n: number }).n;
const importEntries = (db: DB) => (db.prepare(`SELECT count(*) AS n FROM audit_log WHERE method = 'import.marks'`).get() as { n: number }).n;

beforeAll(async () => {
  const dir = scratchDir();
  template = path.join(dir, 'template.sqlite');
  const db = openRegister(template, { create: true });
  await generateDemo(db, { students: 600, seed: 11, today: TODAY }, progressTo());
  db.exec('DELETE FROM marks'); // the journal brings them all
  // every student of the year's classes, every curriculum subject, four quarters: a journal the size of a school's
  const rows = db.prepare(`SELECT s.last_name || ' ' || s.first_name || coalesce(' ' || s.middle_name, '') AS fio, s.birth_date AS birth,
      c.parallel || c.letter AS cls
    FROM class_memberships m JOIN students s ON s.id = m.student_id JOIN classes c ON c.id = m.class_id JOIN academic_years y ON y.id = c.year_id
    WHERE y.name = ? AND c.parallel BETWEEN 5 AND 6 AND m.end_date IS NULL ORDER BY cls, fio`).all(YEAR) as Array<{ fio: string; birth: string; cls: string }>;
  const subjects = ['Русский язык', 'Математика'];
  const head = ['ФИО', 'Дата рождения', 'Класс', ...subjects.flatMap((s) => [1, 2, 3, 4].map((q) => `${s} ${q} четв.`))];
  const marks = ['5', '4', '3', '2'];
  await writeBook(dir, 'journal.xlsx', { Журнал: [head, ...rows.map((r, i) => [r.fio, r.birth.split('-').reverse().join('.'), r.cls, ...head.slice(3).map((_, k) => marks[(i + k) % 4])])] });
  workbook = path.join(dir, 'journal.xlsx');
  expected = rows.length * 8;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});

describe(`crash: a marks import killed at ${RUNS} seeded moments`, () => {
  it('never leaves a part of the import, never loses a commit, and the rerun completes it', async () => {
    expect(expected).toBeGreaterThan(400);
    const work = scratchDir();
    const figures = await runCrashSuite({
      name: 'import', runs: RUNS, seed: 7001,
      prepare: (dir) => {
        const file = path.join(dir, 'register.sqlite');
        fs.copyFileSync(template, file);
        return { file };
      },
      argv: (c) => ['import', 'marks', workbook, '--year', YEAR, '--db', c.file],
      classify: (db) => {
        const n = marksOf(db);
        if (n === 0 && importEntries(db) === 0) return 'before';
        if (n === expected && importEntries(db) === 1) return 'after';
        return `${n} of ${expected} marks, ${importEntries(db)} audit entries`;
      },
      completed: (db) => {
        const n = marksOf(db);
        if (n !== expected) throw new Error(`after the rerun ${n} of ${expected} marks`);
        if (importEntries(db) !== 1) throw new Error(`${importEntries(db)} import audit entries, expected 1`);
      },
    }, work);
    recordFigures('crash-import', figures);
    console.log(JSON.stringify(figures));
    expect(figures.failuresDetail).toEqual([]);
    expect(figures.runs).toBe(RUNS);
    expect(figures.rerunsCompleted).toBe(RUNS);
  }, 900_000);
});
