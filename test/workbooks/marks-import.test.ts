// A marks import against a real register (the demo school): the preview counts mark cells, the commit (as the app
// makes it: import-api's commitImport) writes them in one transaction and they show in the grade grid, the same file again changes nothing, and every bad input is a
// rejected cell with sheet, row and column while nothing at all is written.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { classGrid, classInfo, classPeriods, setMarks } from '../../main/grades/grades.ts';
import { transfer } from '../../main/movement/orders.ts';
import { createClass, getClass, getCurriculum, setCurriculum } from '../../main/classes/classes.ts';
import { openBackend } from '../../main/host/backend.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { createStudent } from '../../main/students/students.ts';
import { applyMarksImport, previewMarksImport } from '../../main/workbooks/marks-import.ts';
import { commitAsClerk } from './import-as-clerk.ts';
import { tempDir } from '../helpers/register.ts';
import { count, openRaw } from '../helpers/db.ts';
import { bigJournalSurname, seedBigJournalSchool, writeBigJournal, writeBook, type CellSpec } from './make.ts';
import { cli } from '../helpers/cli.ts';

const YEAR = '2026/2027';
const TODAY = '2026-11-23'; // the demo's current year is then 2026/2027, whatever the clock says

type Kid = { id: string; fio: string; birth: string };

const marksHash = (db: DB) => crypto.createHash('sha256')
  .update(JSON.stringify(db.prepare('SELECT * FROM marks ORDER BY student_id, subject_id, year_id, slot, period_id').all())).digest('hex');

function kidsOf(db: DB, cls: string): { classId: number; kids: Kid[] } {
  const c = db.prepare(`SELECT c.id FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ? AND c.parallel || c.letter = ?`).get(YEAR, cls) as { id: number };
  const kids = db.prepare(`SELECT s.id, s.last_name || ' ' || s.first_name || coalesce(' ' || s.middle_name, '') AS fio, s.birth_date AS birth
    FROM class_memberships m JOIN students s ON s.id = m.student_id WHERE m.class_id = ? GROUP BY s.id ORDER BY fio`).all(c.id) as Kid[];
  return { classId: c.id, kids };
}

const ru = (iso: string) => iso.split('-').reverse().join('.');

async function demoRegister(dir = tempDir('sr-marks-')) {
  const file = path.join(dir, 'register.sqlite');
  const backend = openBackend({ dbPath: file });
  await generateDemo(backend.db, { students: 60, seed: 7, today: TODAY }, progressTo());
  const db = backend.db;
  const five = kidsOf(db, '5А');
  // a clean slate for 5А this year, so the counts below are the file's
  db.prepare('DELETE FROM marks WHERE class_id = ?').run(five.classId);
  return { dir, file, db, five, close: () => backend.close() };
}

describe('marks import', () => {
  let r: Awaited<ReturnType<typeof demoRegister>>;
  beforeAll(async () => {
    r = await demoRegister();
    const plan = (r.db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ?').all(r.five.classId) as Array<{ subject_id: number }>).map((x) => x.subject_id);
    expect(plan).toEqual(expect.arrayContaining([1, 5])); // Русский язык, Математика
    expect(r.five.kids.length).toBeGreaterThanOrEqual(4);
  });

  const header = ['ФИО', 'Дата рождения', 'Математика 1 четв.', 'Матем. 2 четв.', 'Русский язык, годовая'];

  it('imports a journal into the grid; the same file again changes nothing; a changed mark is one change', async () => {
    const rows: CellSpec[][] = r.five.kids.map((k, i) => [k.fio, ru(k.birth), 5 - (i % 3), String(4 - (i % 2)), i === 0 ? null : 'зачет']);
    const file = await writeBook(r.dir, 'journal-5a.xlsx', { '5А': [['Журнал 5А'], header, ...rows] });
    const n = r.five.kids.length;

    const p = await previewMarksImport(r.db, file, { year: YEAR });
    expect(p.rejected).toEqual([]);
    expect({ added: p.added, changed: p.changed, unchanged: p.unchanged }).toEqual({ added: 3 * n - 1, changed: 0, unchanged: 0 });
    const res = await commitAsClerk(r.db, file, { year: YEAR, token: p.token });
    expect(res).toMatchObject({ added: 3 * n - 1, changed: 0 });

    const grid = classGrid(r.db, r.five.classId);
    const q1 = grid.columns.find((c) => c.kind === 'quarter' && c.number === 1)!.key;
    const of = (k: Kid, subject: number, column: string) => grid.marks.find((m) => m.studentId === k.id && m.subjectId === subject && m.column === column)?.mark;
    expect(of(r.five.kids[0], 5, q1)).toBe('5');
    expect(of(r.five.kids[1], 5, q1)).toBe('4');
    expect(of(r.five.kids[1], 1, 'annual')).toBe('зч');
    expect(of(r.five.kids[0], 1, 'annual')).toBeUndefined(); // an empty cell is left alone

    const before = marksHash(r.db);
    const again = await commitAsClerk(r.db, file, { year: YEAR });
    expect(again).toMatchObject({ added: 0, changed: 0, unchanged: 3 * n - 1 });
    expect(marksHash(r.db)).toBe(before);

    rows[0][2] = 3;
    const edited = await writeBook(r.dir, 'journal-5a-edited.xlsx', { '5А': [['Журнал 5А'], header, ...rows] });
    const p2 = await previewMarksImport(r.db, edited); // the current year by default
    expect(p2.year.name).toBe(YEAR);
    expect({ added: p2.added, changed: p2.changed, unchanged: p2.unchanged }).toEqual({ added: 0, changed: 1, unchanged: 3 * n - 2 });
    await expect(commitAsClerk(r.db, edited, { token: p.token })).rejects.toThrow(/изменились после предпросмотра/);
    expect(marksHash(r.db)).toBe(before);
    await commitAsClerk(r.db, edited, { token: p2.token });
    expect(of(r.five.kids[0], 5, q1)).toBe('5'); // the old grid object
    expect(classGrid(r.db, r.five.classId).marks.find((m) => m.studentId === r.five.kids[0].id && m.subjectId === 5 && m.column === q1)?.mark).toBe('3');
  });

  it('rejects each bad input with sheet, row and column, and writes nothing', async () => {
    const [a, b, c, d] = r.five.kids;
    for (let i = 0; i < 2; i++) createStudent(r.db, { lastName: 'Двойнов', firstName: 'Иван', middleName: 'Иванович', birthDate: '2015-07-07', sex: 'М' });
    const file = await writeBook(r.dir, 'bad.xlsx', {
      'Оценки': [
        ['ФИО', 'Дата рождения', 'Класс', 'Математика 3 четв.', 'Астрономия 1 четв.', 'Русский язык 4 четв.'],
        ['Несуществующий Пётр Ильич', '01.01.2015', '5А', 5, null, null], // 2: unknown student
        ['Двойнов Иван Иванович', '07.07.2015', '5А', 5, null, null], // 3: ambiguous student
        [a.fio, ru(a.birth), '5А', 4, 5, null], // 4: unknown subject (E)
        [b.fio, ru(b.birth), '5А', 6, null, '1'], // 5: 6 is off the scale (D); «1» is not allowed by the school (F)
        [c.fio, ru(c.birth), '6А', 4, null, null], // 6: not in 6А this year (D)
        [d.fio, ru(d.birth), '5А', 5, null, 'н/а'], // 7: good
      ],
    });
    const before = marksHash(r.db);
    const p = await previewMarksImport(r.db, file, { year: YEAR });
    const rej = p.rejected.map((x) => [x.sheet, x.row, x.column, x.reason]);
    expect(rej).toEqual([
      ['Оценки', 2, 'A', expect.stringMatching(/«Несуществующий Пётр Ильич» \(01\.01\.2015, класс 5А\) не найден в реестре: строка не импортирована/)],
      ['Оценки', 3, 'A', expect.stringMatching(/в реестре 2 ученика с ФИО «Двойнов Иван Иванович».*укажите СНИЛС/)],
      ['Оценки', 4, 'E', expect.stringMatching(/предмет «Астрономия» не найден в реестре/)],
      ['Оценки', 5, 'D', expect.stringMatching(/Оценка 6 вне шкалы/)],
      ['Оценки', 5, 'F', expect.stringMatching(/оценка «1» не разрешена/)],
      ['Оценки', 6, 'D', expect.stringMatching(/не учился в классе 6А в 2026\/2027/)],
    ]);
    expect({ added: p.added, unchanged: p.unchanged }).toEqual({ added: 3, unchanged: 0 }); // 4D, 7D, 7F
    // the token a commit compares across runs of the program: SHA-256 over the year, the rejected cells in the order
    // shown, then each write as a line (student, subject, slot, period, mark before, mark after)
    expect(p.writes.map((w) => [w.row, w.column])).toEqual([[4, 'D'], [7, 'D'], [7, 'F']]);
    const lines = p.writes.map((w) => `${w.studentId}\t${w.subjectId}\t${w.slot}\t${w.periodId}\t${w.from}\t${w.mark}\n`).join('');
    expect(p.token).toBe(crypto.createHash('sha256').update(JSON.stringify([p.year.id, p.rejected.map((x) => [x.sheet, x.row, x.column, x.reason])]))
      .update(lines).digest('hex'));
    await expect(commitAsClerk(r.db, file, { year: YEAR })).rejects.toThrow(/Отклонено ячеек: 6; ничего не записано. Первая: лист «Оценки», строка 2, столбец A/);
    expect(marksHash(r.db)).toBe(before);

    // the clerk saw the rejects and writes the good cells anyway
    const ok = await commitAsClerk(r.db, file, { year: YEAR, allowRejected: true, token: p.token });
    expect(ok).toMatchObject({ added: 3, rejected: 6 });
    expect(marksHash(r.db)).not.toBe(before);
  });

  it('a period the class does not study by is a rejected cell with the reason', async () => {
    const ten = kidsOf(r.db, '10А');
    const subj = (r.db.prepare(`SELECT s.name FROM curriculum cu JOIN subjects s ON s.id = cu.subject_id WHERE cu.class_id = ? ORDER BY s.id LIMIT 1`).get(ten.classId) as { name: string }).name;
    const k = ten.kids[0];
    const file = await writeBook(r.dir, 'halves.xlsx', { '10А': [['ФИО', 'Дата рождения', `${subj} 3 четв.`], [k.fio, ru(k.birth), 5]] });
    const before = marksHash(r.db);
    const p = await previewMarksImport(r.db, file, { year: YEAR });
    expect(p.rejected).toEqual([{ sheet: '10А', row: 2, column: 'C', field: `mark:${subj}|q3`, reason: `класс 10А в ${YEAR} году учится по полугодиям: столбца «${subj}, 3 четверть» у него нет` }]);
    await expect(commitAsClerk(r.db, file, { year: YEAR })).rejects.toThrow(/ничего не записано/);
    expect(marksHash(r.db)).toBe(before);
  });

  it('a subject mapping fixes a subject name the register does not know', async () => {
    const k = r.five.kids[2];
    const file = await writeBook(r.dir, 'mapped.xlsx', { 'Лист1': [['ФИО', 'Дата рождения', 'Матеша 4 четв.'], [k.fio, ru(k.birth), 'осв']] });
    const p = await previewMarksImport(r.db, file, { year: YEAR });
    expect(p.rejected).toEqual([{ sheet: 'Лист1', row: 2, column: 'C', field: 'mark:Матеша|q4', reason: expect.stringMatching(/«Матеша» не найден/) }]);
    const fixed = await previewMarksImport(r.db, file, { year: YEAR, subjectMapping: { 'матеша': 5 } });
    expect(fixed.rejected).toEqual([]);
    expect(fixed.added).toBe(1);
    await commitAsClerk(r.db, file, { year: YEAR, subjectMapping: { 'матеша': 5 }, token: fixed.token });
    // of the journal's year (the demo has marks of the year before too)
    const q4 = r.db.prepare(`SELECT k.mark FROM marks k JOIN periods p ON p.id = k.period_id JOIN academic_years y ON y.id = k.year_id
      WHERE k.student_id = ? AND k.subject_id = 5 AND p.kind = 'quarter' AND p.number = 4 AND y.name = ?`).get(k.id, YEAR);
    expect(q4).toEqual({ mark: 'осв' });
  });

  it('a register changed between preview and commit refuses the whole commit, naming the cell; nothing is written', async () => {
    const kids = r.five.kids.slice(0, 3);
    const rows: CellSpec[][] = kids.map((k) => [k.fio, ru(k.birth), 4, 4, null]);
    const file = await writeBook(r.dir, 'journal-5a-race.xlsx', { '5А': [['Журнал 5А'], header, ...rows] });
    r.db.prepare('DELETE FROM marks WHERE class_id = ?').run(r.five.classId);
    const changedUnder = async (change: () => void, why: RegExp) => {
      const p = await previewMarksImport(r.db, file, { year: YEAR });
      expect(p.rejected).toEqual([]);
      expect(p.added).toBe(6);
      change(); // as another clerk would, after this preview
      const before = marksHash(r.db);
      expect(() => applyMarksImport(r.db, p)).toThrow(why);
      expect(marksHash(r.db)).toBe(before);
    };
    const q2 = (r.db.prepare(`SELECT p.id FROM periods p JOIN classes c ON c.year_id = p.year_id WHERE c.id = ? AND p.kind = 'quarter' AND p.number = 2`).get(r.five.classId) as { id: number }).id;
    // a mark entered meanwhile in a cell the preview saw empty
    await changedUnder(() => r.db.prepare(`INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark)
      SELECT ?, 5, year_id, id, 'period', ?, '3' FROM classes WHERE id = ?`).run(kids[2].id, q2, r.five.classId),
    /лист «5А», строка 5, столбец D — реестр изменился после предпросмотра \(оценка появилась в реестре после предпросмотра\)/);
    // that mark changed again: the preview planned to overwrite '3' with '4'
    const p = await previewMarksImport(r.db, file, { year: YEAR });
    expect([p.added, p.changed]).toEqual([5, 1]);
    r.db.prepare(`UPDATE marks SET mark = '2' WHERE student_id = ? AND period_id = ? AND subject_id = 5`).run(kids[2].id, q2);
    const before = marksHash(r.db);
    expect(() => applyMarksImport(r.db, p)).toThrow(/строка 5, столбец D — .*оценка в реестре уже не та, что была в предпросмотре/);
    expect(marksHash(r.db)).toBe(before);
    r.db.prepare(`DELETE FROM marks WHERE class_id = ?`).run(r.five.classId);
    // a subject taken out of the class's curriculum: the schema's own check, in the clerk's words
    const plan = (r.db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ?').all(r.five.classId) as Array<{ subject_id: number }>).map((x) => x.subject_id);
    await changedUnder(() => r.db.prepare('DELETE FROM curriculum WHERE class_id = ? AND subject_id = 5').run(r.five.classId),
      /лист «5А», строка 3, столбец C — реестр изменился после предпросмотра \(предмета больше нет в учебном плане класса\)/);
    const ins = r.db.prepare('INSERT INTO curriculum (class_id, subject_id) VALUES (?, ?)');
    for (const s of plan) if (!r.db.prepare('SELECT 1 FROM curriculum WHERE class_id = ? AND subject_id = ?').get(r.five.classId, s)) ins.run(r.five.classId, s);
  });

  it('two columns of one register cell: the second is refused in each row where the first gave it, naming the first', async () => {
    const [a, b, c] = r.five.kids;
    const file = await writeBook(r.dir, 'twice.xlsx', { 'Лист1': [
      ['ФИО', 'Дата рождения', 'Математика 1 четв.', 'Матем. 1 четв.', 'Математика 2 четв.'],
      [a.fio, ru(a.birth), 5, 4, 3],
      [b.fio, ru(b.birth), null, 4, 3], // the first column empty: the second gives the cell
      [c.fio, ru(c.birth), 5, 5, null],
    ] });
    const p = await previewMarksImport(r.db, file, { year: YEAR });
    const twice = 'столбец C уже даёт эту оценку: оставьте в сопоставлении один из них';
    expect(p.rejected.map((x) => [x.row, x.column, x.reason])).toEqual([[2, 'D', twice], [4, 'D', twice]]);
    expect(p.writes.map((w) => [w.row, w.column, w.mark])).toEqual([[2, 'C', '5'], [2, 'E', '3'], [3, 'D', '4'], [3, 'E', '3'], [4, 'C', '5']]);
  });
});

describe('a student who moved to another class mid-year', () => {
  it('a changed mark of the old class moves to the class the journal names; a new one goes there too; the old row goes', async () => {
    const r = await demoRegister();
    try {
      const kid = r.five.kids[0];
      const five = getClass(r.db, r.five.classId);
      const made = createClass(r.db, { yearId: five.yearId, parallel: 5, letter: 'Я' });
      setCurriculum(r.db, made.id, getCurriculum(r.db, five.id).map((x) => x.id));
      const other = { id: made.id, name: '5Я' };
      const [q1, q2] = classPeriods(r.db, classInfo(r.db, r.five.classId)).map((x) => x.id);
      setMarks(r.db, r.five.classId, [{ studentId: kid.id, subjectId: 5, slot: 'period', periodId: q1, mark: '3' }]);
      transfer(r.db, { order: { number: '12-п', date: '2026-11-20' }, studentId: kid.id, toClassId: other.id, date: '2026-11-20' });
      const file = await writeBook(r.dir, 'moved.xlsx', { [other.name]: [
        ['ФИО', 'Дата рождения', 'Класс', 'Математика 1 четв.', 'Математика 2 четв.'],
        [kid.fio, ru(kid.birth), other.name, '5', '4']] });
      const p = await previewMarksImport(r.db, file, { year: YEAR });
      expect(p.rejected).toEqual([]);
      expect({ added: p.added, changed: p.changed, unchanged: p.unchanged }).toEqual({ added: 1, changed: 1, unchanged: 0 });
      await commitAsClerk(r.db, file, { year: YEAR, token: p.token });
      const yearId = five.yearId; // the journal's year (the demo has marks of the year before too)
      expect(r.db.prepare(`SELECT class_id AS classId, period_id AS periodId, mark FROM marks WHERE student_id = ? AND subject_id = 5 AND slot = 'period'
        AND year_id = ? ORDER BY period_id`).all(kid.id, yearId)).toEqual([{ classId: other.id, periodId: q1, mark: '5' }, { classId: other.id, periodId: q2, mark: '4' }]);
      // stored as one row of the new class (migration 0011); the old class's row held only that mark and is gone
      expect(r.db.prepare('SELECT class_id AS classId, p1, p2 FROM subject_marks WHERE student_id = ? AND subject_id = 5 AND year_id = ?').all(kid.id, yearId))
        .toEqual([{ classId: other.id, p1: '5', p2: '4' }]);
      const again = await commitAsClerk(r.db, file, { year: YEAR });
      expect(again).toMatchObject({ added: 0, changed: 0, unchanged: 2 });
    } finally {
      r.close();
    }
  });
});

describe('a long journal', () => {
  it('past the first 256 students, an ambiguous or unknown student is refused as in the first rows; marks before are compared', async () => {
    const dir = tempDir('sr-marks-long-');
    const backend = openBackend({ dbPath: path.join(dir, 'register.sqlite') });
    const db = backend.db;
    try {
      const rows = 400;
      seedBigJournalSchool(db, rows, ['Математика'], YEAR);
      const file = await writeBigJournal(path.join(dir, 'long.xlsx'), rows, ['Математика'], ['1 четв.', '2 четв.']);
      const student = (i: number) => db.prepare('SELECT id, last_name, first_name, middle_name, birth_date FROM students WHERE last_name = ?')
        .get(bigJournalSurname(i)) as { id: string; last_name: string; first_name: string; middle_name: string; birth_date: string };
      // row 3 (the 2nd student) and row 352 (the 351st) name a student the register has twice; rows 4 and 353 one it does not have
      for (const i of [1, 350]) {
        const s = student(i);
        createStudent(db, { lastName: s.last_name, firstName: s.first_name, middleName: s.middle_name, birthDate: s.birth_date, sex: 'М' });
      }
      for (const i of [2, 351]) db.prepare('UPDATE students SET birth_date = ? WHERE id = ?').run('2011-01-01', student(i).id);
      const first = await previewMarksImport(db, file, { year: YEAR });
      expect(first.rejected.map((x) => [x.row, x.column, x.reason.replace(/«.*»/, '«…»')])).toEqual([
        [3, 'A', expect.stringMatching(/^в реестре 2 ученика с ФИО «…» и датой рождения 02\.02\.2012: укажите СНИЛС/)],
        [4, 'A', expect.stringMatching(/^ученик «…» \(03\.03\.2012, класс 7А\) не найден в реестре: строка не импортирована — сначала зачислите ученика приказом$/)],
        [352, 'A', expect.stringMatching(/^в реестре 2 ученика с ФИО «…» и датой рождения 15\.09\.2012: укажите СНИЛС/)],
        [353, 'A', expect.stringMatching(/^ученик «…» \(16\.01\.2012, класс 6А\) не найден в реестре: строка не импортирована — сначала зачислите ученика приказом$/)],
      ]);
      expect({ added: first.added, changed: first.changed, unchanged: first.unchanged }).toEqual({ added: 2 * (rows - 4), changed: 0, unchanged: 0 });
      await commitAsClerk(db, file, { year: YEAR, token: first.token, allowRejected: true });
      // a mark changed in the register since: one change, the rest unchanged
      const s = student(300);
      db.prepare(`UPDATE marks SET mark = CASE mark WHEN '5' THEN '4' ELSE '5' END WHERE student_id = ? AND period_id =
        (SELECT id FROM periods WHERE kind = 'quarter' AND number = 1)`).run(s.id);
      const again = await previewMarksImport(db, file, { year: YEAR });
      expect({ added: again.added, changed: again.changed, unchanged: again.unchanged }).toEqual({ added: 0, changed: 1, unchanged: 2 * (rows - 4) - 1 });
      expect(again.writes.map((w) => [w.row, w.column, w.studentId])).toEqual([[302, 'D', s.id]]);
    } finally {
      backend.close();
    }
  }, 60_000);
});



describe('school-register import marks', () => {
  it('dry run, a refused commit that writes nothing, a commit with its audit entry, and a rerun that writes nothing', async () => {
    const r = await demoRegister();
    const [a, b] = r.five.kids;
    r.close();
    const good = await writeBook(r.dir, 'good.xlsx', { '5А': [['ФИО', 'Дата рождения', 'Матеша 1 четв.', 'Русский язык 1 четв.'],
      [a.fio, ru(a.birth), 5, 4], [b.fio, ru(b.birth), 3, 'н/а']] });
    const mapping = path.join(r.dir, 'mapping.json');
    fs.writeFileSync(mapping, JSON.stringify({ subjects: { 'Матеша': 5 } }));
    const marks = () => { const raw = openRaw(r.file); const n = count(raw, 'marks'); const h = marksHash(raw as unknown as DB); raw.close(); return { n, h }; };
    const start = marks();

    const noMap = await cli('import', 'marks', good, '--dry-run', '--year', YEAR, '--db', r.file);
    expect(noMap.code).toBe(1);
    expect(noMap.stdout).toMatch(/лист «5А», строка 2, столбец C: предмет «Матеша» не найден/);

    const dry = await cli('import', 'marks', good, '--dry-run', '--json', '--year', YEAR, '--mapping', mapping, '--db', r.file);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ year: YEAR, added: 4, changed: 0, unchanged: 0, rejected: [] });
    expect(marks()).toEqual(start);

    const refused = await cli('import', 'marks', good, '--year', YEAR, '--db', r.file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/отклонено ячеек: 2; ничего не записано/);
    expect(marks()).toEqual(start);

    const run = await cli('import', 'marks', good, '--json', '--year', YEAR, '--mapping', mapping, '--db', r.file);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ added: 4, changed: 0, unchanged: 0, rejectedCells: 0 });
    const after = marks();
    expect(after.n).toBe(start.n + 4);

    const again = await cli('import', 'marks', good, '--json', '--year', YEAR, '--mapping', mapping, '--db', r.file);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, changed: 0, unchanged: 4 });
    expect(marks()).toEqual(after);
    const raw = openRaw(r.file);
    expect(count(raw, 'audit_log', "method = 'import.marks'")).toBe(1);
    raw.close();
  }, 120_000);
});
