// `demo --students N`: a realistic school that keeps every invariant of the register — valid СНИЛС, eleven
// parallels, subjects with their codes, a curriculum, one alphabet-book entry per student, an intact audit chain.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { generateDemo, currentYearStart, type DemoSummary } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import { listSubjects } from '../../main/subjects/subjects.ts';
import { snilsCheck, innCheck, ogrnCheck } from '../../preload/core/identifiers.ts';
import { AppError } from '../../main/shared/errors.ts';
import { contentHash, count, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

describe('demo --students 500', () => {
  let db: DB;
  let summary: DemoSummary;
  const reports: Array<[number, number]> = [];
  const Y = currentYearStart();
  const currentYear = `${Y}/${Y + 1}`;

  beforeAll(async () => {
    db = openRegister(path.join(scratchDir(), 'demo.sqlite'));
    summary = await generateDemo(db, { students: 500, by: 'cli:test' }, progressTo((d, t) => reports.push([d, t])));
  });
  afterAll(() => db?.close());

  it('writes 500 students and says so', () => {
    expect(summary.students).toBe(500);
    expect(count(db, 'students')).toBe(500);
    expect(reports[reports.length - 1]).toEqual([1000, 1000]); // students count twice: cards, then marks
  });

  it('every СНИЛС (students and staff) passes the checksum, and most students have one', () => {
    const snils = (db.prepare('SELECT snils FROM students WHERE snils IS NOT NULL UNION ALL SELECT snils FROM staff WHERE snils IS NOT NULL').all() as Array<{ snils: string }>).map((r) => r.snils);
    expect(snils.length).toBeGreaterThan(450 + summary.staff * 0.9);
    expect(snils.filter((s) => !snilsCheck(s))).toEqual([]);
    expect(new Set(snils).size).toBe(snils.length);
    // Most numbers are above 001-001-998, where the check number really counts.
    expect(snils.filter((s) => Number(s.slice(0, 9)) > 1001998).length).toBe(snils.length);
  });

  it('the school has valid requisites', () => {
    const school = db.prepare('SELECT inn, ogrn FROM school').get() as { inn: string; ogrn: string };
    expect(innCheck(school.inn)).toBe(true);
    expect(ogrnCheck(school.ogrn)).toBe(true);
  });

  it(`the current year ${currentYear} has all 11 parallels, each class with a homeroom teacher and a curriculum`, () => {
    const parallels = (db.prepare(`SELECT DISTINCT c.parallel FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ? ORDER BY 1`)
      .all(currentYear) as Array<{ parallel: number }>).map((r) => r.parallel);
    expect(parallels).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(count(db, 'classes', 'homeroom_teacher_id IS NULL')).toBe(0);
    expect(count(db, 'curriculum')).toBeGreaterThan(0);
    expect(count(db, 'classes', 'id NOT IN (SELECT class_id FROM curriculum)')).toBe(0);
  });

  it('every subject has both directory codes', () => {
    const subjects = listSubjects(db);
    expect(subjects.length).toBe(summary.subjects);
    expect(subjects.length).toBeGreaterThan(10);
    expect(subjects.filter((s) => s.missingCodes.length > 0)).toEqual([]);
  });

  it('the alphabet book has exactly one entry per student, numbered 1..n within each letter', () => {
    expect(count(db, 'alphabet_book')).toBe(500);
    expect(count(db, 'students', 'id NOT IN (SELECT student_id FROM alphabet_book)')).toBe(0);
    const letters = db.prepare('SELECT letter, count(*) AS n, min(number) AS lo, max(number) AS hi FROM alphabet_book GROUP BY letter').all() as
      Array<{ letter: string; n: number; lo: number; hi: number }>;
    for (const l of letters) expect([l.letter, l.lo, l.hi]).toEqual([l.letter, 1, l.n]);
    // the letter is the surname's first letter
    expect(count(db, 'alphabet_book b JOIN students s ON s.id = b.student_id', 'substr(s.last_name, 1, 1) <> b.letter')).toBe(0);
  });

  it('every student still at school is in exactly one class of the current year; the departed are in the book as departed', () => {
    const studying = count(db, 'class_memberships m JOIN academic_years y ON y.id = m.year_id', `m.end_date IS NULL AND y.name = '${currentYear}'`);
    const departed = count(db, 'alphabet_book', 'departed_on IS NOT NULL');
    expect(studying + departed).toBe(500);
    expect(count(db, 'class_memberships', 'end_date IS NULL')).toBe(studying);
    expect(summary.movements).toBe(count(db, 'movements'));
    expect(summary.orders).toBe(count(db, 'orders'));
  });

  it('marks: every current class has them for every period, subject and student in it; annual = rounded mean; final = annual', () => {
    const cy = `(SELECT id FROM academic_years WHERE name = '${currentYear}')`;
    expect(count(db, 'classes', `year_id = ${cy} AND id NOT IN (SELECT class_id FROM marks)`)).toBe(0);
    expect(summary.marks).toBe(count(db, 'marks'));
    // one period mark per period, subject and student still in the class
    const expected = (db.prepare(`SELECT sum(np * ns * nm) AS n FROM (SELECT c.id,
        (SELECT count(*) FROM periods p JOIN year_grade_periods g ON g.year_id = p.year_id AND g.kind = p.kind WHERE p.year_id = c.year_id AND g.grade = c.parallel) AS np,
        (SELECT count(*) FROM curriculum WHERE class_id = c.id) AS ns,
        (SELECT count(*) FROM class_memberships WHERE class_id = c.id AND end_date IS NULL) AS nm
      FROM classes c WHERE c.year_id = ${cy})`).get() as { n: number }).n;
    expect(count(db, 'marks', `slot = 'period' AND year_id = ${cy}`)).toBe(expected);
    expect(count(db, "marks f JOIN marks a ON a.student_id = f.student_id AND a.subject_id = f.subject_id AND a.year_id = f.year_id AND a.slot = 'annual'",
      "f.slot = 'final' AND f.mark <> a.mark")).toBe(0);
    const means = db.prepare(`SELECT a.mark, avg(CAST(p.mark AS INTEGER)) AS mean FROM marks a JOIN marks p ON p.student_id = a.student_id
      AND p.subject_id = a.subject_id AND p.year_id = a.year_id AND p.slot = 'period' AND p.mark GLOB '[2-5]'
      WHERE a.slot = 'annual' AND a.mark GLOB '[2-5]' GROUP BY a.student_id, a.subject_id, a.year_id, a.class_id`).all() as Array<{ mark: string; mean: number }>;
    expect(means.length).toBeGreaterThan(1000);
    expect(means.filter((m) => Number(m.mark) !== Math.round(m.mean))).toEqual([]);
    for (const m of ['5', '4', '3', '2', 'н/а', 'осв']) expect(count(db, 'marks', `mark = '${m}'`), m).toBeGreaterThan(0);
    expect(count(db, 'marks m JOIN subjects s ON s.id = m.subject_id', "m.mark = 'осв' AND s.name <> 'Физическая культура'")).toBe(0);
    expect(count(db, 'attendance', 'missed_valid > missed')).toBe(0);
    expect(count(db, 'attendance')).toBeGreaterThan(0);
  });

  it('the audit chain verifies and records the demo', () => {
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, brokenAt: null });
    expect(db.prepare('SELECT login, method FROM audit_log').all()).toEqual([{ login: 'cli:test', method: 'demo.generate' }]);
  });

  it('a second demo on the now non-empty register is refused, and nothing changes', async () => {
    const before = contentHash(db);
    const err = await generateDemo(db, { students: 10 }, progressTo()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
    expect((err as AppError).message).toMatch(/только в пустом реестре/);
    expect(contentHash(db)).toBe(before);
    expect(db.inTransaction).toBe(false);
  });
});

describe('demo larger than one school year', () => {
  it('spreads the rest over past years, where every one of them has left', async () => {
    const db = openRegister(path.join(scratchDir(), 'big.sqlite'));
    try {
      const perYear = 11 * 27 * 27; // parallels × letters × places in a class
      const s = await generateDemo(db, { students: perYear + 100 }, progressTo());
      expect(s.students).toBe(perYear + 100);
      expect(s.years).toBe(3);
      const Y = currentYearStart();
      const old = `${Y - 2}/${Y - 1}`;
      const inOld = count(db, 'class_memberships m JOIN academic_years y ON y.id = m.year_id', `y.name = '${old}'`);
      expect(inOld).toBe(100);
      expect(count(db, 'class_memberships m JOIN academic_years y ON y.id = m.year_id', `y.name = '${old}' AND m.end_date IS NULL`)).toBe(0);
      expect(count(db, 'alphabet_book')).toBe(perYear + 100);
      expect(verifyAuditChain(db).ok).toBe(true);
    } finally {
      db.close();
    }
  }, 240_000);
});
