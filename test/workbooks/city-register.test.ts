// The city-register workbook of a real register (the demo school): four sheets, subjects as their directory IDs, counts
// as in the register, real dates, the same values in LibreOffice; a subject without its ID writes nothing at all and
// names the subject, in the service and from the CLI.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../main/demo/generate.ts';
import { openBackend } from '../../main/host/backend.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { AppError } from '../../main/shared/errors.ts';
import { exportCityRegister, MissingCityRegisterIds } from '../../main/workbooks/city-register.ts';
import { tempDir } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { depart } from '../../main/movement/orders.ts';

const YEAR = '2026/2027';
const TODAY = '2026-11-23'; // the demo's current year is then 2026/2027, whatever the clock says


function soffice(): string | null {
  try {
    return execFileSync('which', ['soffice'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const text = (v: ExcelJS.CellValue) => (v == null ? '' : v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

describe('the city-register workbook', () => {
  const dir = tempDir('sr-city-');
  const dbFile = path.join(dir, 'register.sqlite');
  let backend: ReturnType<typeof openBackend>;
  const db = () => backend.db;
  const yearId = () => (db().prepare('SELECT id FROM academic_years WHERE name = ?').get(YEAR) as { id: number }).id;
  const n = (sql: string, ...p: unknown[]) => (db().prepare(sql).get(...p) as { n: number }).n;
  /** Takes a subject's city-register ID away for the length of `fn`. */
  async function withoutId<T>(names: string[], fn: () => Promise<T>): Promise<T> {
    const saved = names.map((name) => db().prepare('SELECT id, city_register_id FROM subjects WHERE name = ?').get(name) as { id: number; city_register_id: string });
    for (const s of saved) db().prepare('UPDATE subjects SET city_register_id = NULL WHERE id = ?').run(s.id);
    try {
      return await fn();
    } finally {
      for (const s of saved) db().prepare('UPDATE subjects SET city_register_id = ? WHERE id = ?').run(s.city_register_id, s.id);
    }
  }

  beforeAll(async () => {
    backend = openBackend({ dbPath: dbFile });
    await generateDemo(backend.db, { students: 40, seed: 11, today: TODAY }, progressTo());
  }, 60_000);
  afterAll(() => backend?.close());

  const out = path.join(dir, 'city.xlsx');
  let wb: ExcelJS.Workbook;

  it('has the four sheets; subjects as IDs; counts as in the register; dates as real dates', async () => {
    const s = await exportCityRegister(db(), { year: YEAR, out });
    wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Классы', 'Контингент', 'Сотрудники', 'Промежуточная аттестация']);

    const y = yearId();
    const students = n('SELECT count(DISTINCT student_id) AS n FROM class_memberships WHERE year_id = ?', y);
    const marks = n('SELECT count(*) AS n FROM marks WHERE year_id = ?', y);
    const classes = n('SELECT count(*) AS n FROM classes WHERE year_id = ?', y);
    expect(students).toBeGreaterThan(0);
    expect(marks).toBeGreaterThan(0);
    expect(s).toMatchObject({ year: YEAR, students, marks, classes, staff: n('SELECT count(*) AS n FROM staff') });

    const [cls, kids, staff, att] = wb.worksheets;
    expect(cls.rowCount).toBe(classes + 1);
    expect(cls.getRow(1).values).toEqual([undefined, 'Класс', 'Параллель', 'Литера', 'Уровень', 'Смена', 'АООП', 'Классный руководитель', 'Учеников']);
    let sum = 0;
    cls.eachRow((r, i) => { if (i > 1) sum += r.getCell(8).value as number; });
    expect(sum).toBe(n('SELECT count(*) AS n FROM class_memberships WHERE year_id = ? AND end_date IS NULL', y));

    expect(kids.rowCount).toBe(students + 1);
    expect(kids.getRow(1).values).toEqual([undefined, 'Идентификатор', 'ФИО', 'Дата рождения', 'Пол', 'СНИЛС', 'Класс', 'Дата выбытия', 'Выбыл из класса']);
    const kid = kids.getRow(2);
    const inDb = db().prepare('SELECT birth_date, sex FROM students WHERE id = ?').get(kid.getCell(1).value) as { birth_date: string; sex: string };
    expect(kid.getCell(3).value).toEqual(new Date(`${inDb.birth_date}T00:00:00Z`));
    expect(kid.getCell(3).numFmt).toBe('dd.mm.yyyy');
    expect(kid.getCell(4).value).toBe(inDb.sex);

    expect(staff.rowCount).toBe(n('SELECT count(*) AS n FROM staff') + 1);
    const taught = new Set<string>();
    staff.eachRow((r, i) => { if (i > 1) String(r.getCell(4).value ?? '').split(', ').filter(Boolean).forEach((x) => taught.add(x)); });
    expect(taught.size).toBeGreaterThan(0);
    for (const id of taught) expect(id).toMatch(/^MSK-SUBJ-\d{3}$/);

    expect(att.rowCount).toBe(marks + 1);
    expect(att.getRow(1).values).toEqual([undefined, 'Идентификатор ученика', 'Класс', 'Предмет (код реестра)', 'Период', 'Оценка']);
    const names = new Set((db().prepare('SELECT name FROM subjects').all() as Array<{ name: string }>).map((x) => x.name));
    const subjects = new Set<string>(), periods = new Set<string>();
    att.eachRow((r, i) => {
      if (i === 1) return;
      subjects.add(String(r.getCell(3).value));
      periods.add(String(r.getCell(4).value));
    });
    for (const sub of subjects) {
      expect(sub).toMatch(/^MSK-SUBJ-\d{3}$/);
      expect(names.has(sub)).toBe(false);
    }
    expect(subjects.has('MSK-SUBJ-005')).toBe(true); // Математика
    expect([...periods].some((p) => /^\d (четверть|полугодие|триместр)$/.test(p))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 30_000);

  const bin = soffice();
  it.skipIf(!bin)(`LibreOffice reads the attestation sheet with the same values${bin ? '' : ' (skipped: soffice is not installed on this machine)'}`, () => {
    const lo = tempDir('sr-city-lo-');
    // the 12th filter token picks the sheet to convert (1-based): the fourth, «Промежуточная аттестация»; a profile
    // of its own, so a LibreOffice started by another test file at the same time does not take the job over
    execFileSync(bin!, [`-env:UserInstallation=file://${path.join(lo, 'profile')}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,4', '--outdir', lo, out], { timeout: 60_000 });
    const csvFile = fs.readdirSync(lo).find((f) => f.endsWith('.csv'));
    expect(csvFile).toBeDefined();
    const csv = fs.readFileSync(path.join(lo, csvFile!), 'utf8').trim().split(/\r?\n/);
    const att = wb.worksheets[3];
    const expected: string[] = [];
    att.eachRow((r) => expected.push([1, 2, 3, 4, 5].map((c) => text(r.getCell(c).value)).join(',')));
    expect(csv).toEqual(expected);
  }, 60_000);

  it('a subject without its city-register ID: nothing is written and the error names every such subject', async () => {
    const target = path.join(tempDir('sr-city-missing-'), 'city.xlsx');
    const e = await withoutId(['Математика', 'Русский язык'], () => exportCityRegister(db(), { year: YEAR, out: target }).then(() => null, (x) => x));
    expect(e).toBeInstanceOf(MissingCityRegisterIds);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('validation');
    expect((e as MissingCityRegisterIds).missing.map((s) => s.name)).toEqual(['Математика', 'Русский язык']);
    expect((e as Error).message).toMatch(/«Математика».*«Русский язык»/);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]); // no file, no temp file
  });

  it('a subject only taught by staff counts too', async () => {
    const target = path.join(tempDir('sr-city-taught-'), 'city.xlsx');
    const staffId = (db().prepare('SELECT id FROM staff LIMIT 1').get() as { id: number }).id;
    const sub = Number(db().prepare("INSERT INTO subjects (name, short_name) VALUES ('Шахматы', 'Шахм.')").run().lastInsertRowid);
    db().prepare('INSERT INTO staff_subjects (staff_id, subject_id) VALUES (?, ?)').run(staffId, sub);
    try {
      await expect(exportCityRegister(db(), { year: YEAR, out: target })).rejects.toMatchObject({ missing: [{ id: sub, name: 'Шахматы' }] });
      expect(fs.existsSync(target)).toBe(false);
    } finally {
      db().prepare('DELETE FROM staff_subjects WHERE subject_id = ?').run(sub);
      db().prepare('DELETE FROM subjects WHERE id = ?').run(sub);
    }
  });

  it('CLI: exit 0 with a summary; a subject without its ID exits 1 naming it, and no file', async () => {
    const cliOut = path.join(tempDir('sr-city-cli-'), 'city.xlsx');
    const ok = await cli('export', 'city-register', '--year', YEAR, '--out', cliOut, '--json', '--db', dbFile);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ year: YEAR, marks: n('SELECT count(*) AS n FROM marks WHERE year_id = ?', yearId()) });
    expect(fs.existsSync(cliOut)).toBe(true);

    const text = await cli('export', 'city-register', '--year', YEAR, '--out', cliOut, '--db', dbFile);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/оценок \d+/);

    const failOut = path.join(tempDir('sr-city-cli-fail-'), 'city.xlsx');
    const bad = await withoutId(['Математика'], () => cli('export', 'city-register', '--year', YEAR, '--out', failOut, '--db', dbFile));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/«Математика»/);
    expect(fs.readdirSync(path.dirname(failOut))).toEqual([]);
  }, 60_000);

  it('students who left are listed with their departure date and the class they left, not under it: the sheets agree', async () => {
    const y = yearId();
    const nineA = db().prepare(`SELECT id FROM classes WHERE year_id = ? AND parallel = 9 AND letter = 'А'`).get(y) as { id: number };
    const leaving = (db().prepare('SELECT student_id FROM class_memberships WHERE class_id = ? AND end_date IS NULL ORDER BY student_id LIMIT 2')
      .all(nineA.id) as Array<{ student_id: string }>).map((r) => r.student_id);
    expect(leaving).toHaveLength(2);
    for (const id of leaving) depart(db(), { order: { number: '31-в', date: '2026-10-15' }, studentId: id, date: '2026-10-15', reason: 'Переезд в другой город' });
    const file = path.join(dir, 'city-departed.xlsx');
    await exportCityRegister(db(), { year: YEAR, out: file });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const [cls, kids] = book.worksheets;
    let listed = 0;
    cls.eachRow((r, i) => { if (i > 1 && r.getCell(1).value === '9А') listed = r.getCell(8).value as number; });
    const in9A: string[] = [];
    const left: Array<[unknown, unknown, unknown, string | undefined]> = [];
    kids.eachRow((r, i) => {
      if (i === 1) return;
      if (r.getCell(6).value === '9А') in9A.push(String(r.getCell(1).value));
      if (leaving.includes(String(r.getCell(1).value))) left.push([r.getCell(6).value, r.getCell(7).value, r.getCell(8).value, r.getCell(7).numFmt]);
    });
    expect(in9A.length).toBe(listed); // «Классы» and «Контингент» count 9А alike
    expect(listed).toBe(n('SELECT count(*) AS n FROM class_memberships WHERE class_id = ? AND end_date IS NULL', nineA.id));
    expect(in9A.some((id) => leaving.includes(id))).toBe(false);
    const left15Oct = new Date('2026-10-15T00:00:00Z');
    expect(left).toEqual([[null, left15Oct, '9А', 'dd.mm.yyyy'], [null, left15Oct, '9А', 'dd.mm.yyyy']]);
  }, 30_000);
});
