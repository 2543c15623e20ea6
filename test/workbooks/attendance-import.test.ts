// Attendance from a journal workbook, imported like marks: «Пропущено уроков» and, of them, «по болезни» and «по
// уважительной причине» per period, in the two layouts journals use (the period in each header, or one period header
// merged over its columns); the preview counts student × period rows, the commit writes them with the marks in one
// transaction, the same file again changes nothing, and a bad count is a rejected cell with sheet, row and column.
import crypto from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { classGrid } from '../../main/grades/grades.ts';
import { openBackend } from '../../main/host/backend.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { detectAttendance, normalizeHeader } from '../../main/workbooks/read.ts';
import { detectLayouts } from './journal.ts';
import { describeChanges, previewMarksImport, type MarkChange } from '../../main/workbooks/marks-import.ts';
import { commitImport } from '../../main/workbooks/import-api.ts';
import { Jobs } from '../../main/shared/jobs.ts';
import { dispatch } from '../../main/host/dispatch.ts';
import { Sessions } from '../../main/users/users.ts';
import { commitAsClerk, importArgs, previewAsClerk } from './import-as-clerk.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBook, type CellSpec } from './make.ts';

const YEAR = '2026/2027';
const TODAY = '2026-11-23';
type Kid = { id: string; fio: string; birth: string };
const ru = (iso: string) => iso.split('-').reverse().join('.');
const tableHash = (db: DB, table: string) => crypto.createHash('sha256').update(JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all())).digest('hex');

describe('attendance columns: found by their names', () => {
  it('the words journals use, with the period in the header, above it, or in the sheet name', () => {
    const part = (h: string, above = '') => detectAttendance(normalizeHeader(h), normalizeHeader(above));
    expect(part('Пропущено уроков')).toBe('missed');
    expect(part('Пропущено уроков, из них по болезни')).toBe('ill');
    expect(part('из них по болезни')).toBe('ill');
    expect(part('по уважительной причине')).toBe('valid');
    expect(part('Пропуски по уваж. причине')).toBe('valid');
    expect(part('без уважительной причины')).toBe('unexcused');
    expect(part('всего', 'Пропущено уроков')).toBe('missed');
    expect(part('', 'Пропущено уроков')).toBe('missed'); // a bare «1 четв.» under a merged «Пропущено уроков»
    expect(part('Математика')).toBeNull();
    expect(part('всего')).toBeNull();
    expect(part('Класс')).toBeNull();
  });

  it('both layouts map to the same fields; a sheet named for its period gives the period', async () => {
    const dir = tempDir('sr-att-read-');
    const inHeaders = await writeBook(dir, 'a.xlsx', { 'Лист1': [
      ['ФИО', 'Дата рождения', 'Пропущено уроков 1 четв.', 'из них по болезни 1 четв.', 'по уважительной причине 1 четв.', 'Математика 1 четв.'],
      ['Иванов Иван', '01.01.2015', 10, 4, 2, 5],
    ] });
    const merged = await writeBook(dir, 'b.xlsx', { 'Лист1': [
      [null, null, '1 четверть', null, null, '2 четверть'],
      ['ФИО', 'Дата рождения', 'Пропущено уроков', 'из них по болезни', 'по уважительной причине', 'Пропущено уроков'],
      ['Иванов Иван', '01.01.2015', 10, 4, 2, 3],
    ] }, (wb) => { wb.worksheets[0].mergeCells('C1:E1'); });
    const bySheet = await writeBook(dir, 'c.xlsx', { '2 четверть': [['ФИО', 'Дата рождения', 'Пропущено уроков', 'по болезни'], ['Иванов Иван', '01.01.2015', 7, 7]] });

    const a = (await detectLayouts(inHeaders)).layouts[0];
    expect(a.mapping).toMatchObject({ 'att:missed|q1': 'C', 'att:ill|q1': 'D', 'att:valid|q1': 'E', 'mark:Математика|q1': 'F' });
    const b = (await detectLayouts(merged)).layouts[0];
    expect(b.headerRow).toBe(2);
    expect(b.mapping).toMatchObject({ 'att:missed|q1': 'C', 'att:ill|q1': 'D', 'att:valid|q1': 'E', 'att:missed|q2': 'F' });
    expect((await detectLayouts(bySheet)).layouts[0].mapping).toMatchObject({ 'att:missed|q2': 'C', 'att:ill|q2': 'D' });
  });
});

describe('attendance import', () => {
  let db: DB;
  let dir: string;
  let kids: Kid[];
  let classId: number;
  beforeAll(async () => {
    dir = tempDir('sr-att-');
    const backend = openBackend({ dbPath: path.join(dir, 'register.sqlite') });
    db = backend.db;
    await generateDemo(db, { students: 60, seed: 11, today: TODAY }, progressTo());
    classId = (db.prepare(`SELECT c.id FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ? AND c.parallel || c.letter = '5А'`).get(YEAR) as { id: number }).id;
    kids = db.prepare(`SELECT s.id, s.last_name || ' ' || s.first_name || coalesce(' ' || s.middle_name, '') AS fio, s.birth_date AS birth
      FROM class_memberships m JOIN students s ON s.id = m.student_id WHERE m.class_id = ? GROUP BY s.id ORDER BY fio`).all(classId) as Kid[];
    // a clean slate for 5А, so the counts below are the file's
    db.prepare('DELETE FROM attendance WHERE class_id = ?').run(classId);
    db.prepare('DELETE FROM marks WHERE class_id = ?').run(classId);
    expect(kids.length).toBeGreaterThanOrEqual(3);
  });

  const periodId = (n: number) => (db.prepare(`SELECT p.id FROM periods p JOIN academic_years y ON y.id = p.year_id WHERE y.name = ? AND p.kind = 'quarter' AND p.number = ?`).get(YEAR, n) as { id: number }).id;

  it('preview, commit with the marks, the grid shows it, the same file again changes nothing, an edit is one change', async () => {
    const [a, b, c] = kids;
    const rows: CellSpec[][] = [
      [null, null, '1 четверть', null, null, '2 четверть', null, null],
      ['ФИО', 'Дата рождения', 'Пропущено уроков', 'из них по болезни', 'по уважительной причине', 'Пропущено уроков', 'из них по болезни', 'Математика 1 четв.'],
      [a.fio, ru(a.birth), 12, 8, 2, 0, null, 5],
      [b.fio, ru(b.birth), '3', null, '3', 4, 4, 4],
      [c.fio, ru(c.birth), null, null, null, 6, null, null], // only the 2nd quarter, no marks: still a row to import
    ];
    const setup = (wb: import('exceljs').Workbook) => { wb.worksheets[0].mergeCells('C1:E1'); wb.worksheets[0].mergeCells('F1:G1'); };
    const file = await writeBook(dir, 'attendance.xlsx', { '5А': rows }, setup);

    const p = await previewMarksImport(db, file, { year: YEAR });
    expect(p.rejected).toEqual([]);
    expect(p.attendance && { added: p.attendance.added, changed: p.attendance.changed, unchanged: p.attendance.unchanged }).toEqual({ added: 5, changed: 0, unchanged: 0 });
    expect(p.added).toBe(2); // the two marks
    const res = await commitAsClerk(db, file, { year: YEAR, token: p.token });
    expect(res).toMatchObject({ added: 2, attendance: { added: 5, changed: 0, unchanged: 0 } });

    const grid = classGrid(db, classId);
    const att = (k: Kid, q: number) => grid.attendance.find((x) => x.studentId === k.id && x.periodId === periodId(q));
    expect(att(a, 1)).toMatchObject({ missed: 12, missedValid: 10 }); // by illness 8 + another valid reason 2
    expect(att(a, 2)).toMatchObject({ missed: 0, missedValid: 0 });
    expect(att(b, 1)).toMatchObject({ missed: 3, missedValid: 3 });
    expect(att(b, 2)).toMatchObject({ missed: 4, missedValid: 4 });
    expect(att(c, 1)).toBeUndefined(); // empty cells are left alone
    expect(att(c, 2)).toMatchObject({ missed: 6, missedValid: 0 });

    const before = [tableHash(db, 'attendance'), tableHash(db, 'marks')];
    const again = await commitAsClerk(db, file, { year: YEAR });
    expect(again).toMatchObject({ added: 0, changed: 0, attendance: { added: 0, changed: 0, unchanged: 5 } });
    expect([tableHash(db, 'attendance'), tableHash(db, 'marks')]).toEqual(before);

    rows[2][2] = 14;
    const edited = await writeBook(dir, 'attendance-edited.xlsx', { '5А': rows }, setup);
    const p2 = await previewMarksImport(db, edited, { year: YEAR });
    expect(p2.attendance).toMatchObject({ added: 0, changed: 1, unchanged: 4 });
    await commitAsClerk(db, edited, { year: YEAR, token: p2.token });
    expect(classGrid(db, classId).attendance.find((x) => x.studentId === a.id && x.periodId === periodId(1))).toMatchObject({ missed: 14, missedValid: 10 });
  });

  it('the preview lists attendance changes «было → станет» beside the marks, and an excluded one is not written', async () => {
    const [a, b] = kids;
    db.prepare('DELETE FROM attendance WHERE class_id = ?').run(classId);
    db.prepare('DELETE FROM marks WHERE class_id = ?').run(classId);
    db.prepare('INSERT INTO attendance (student_id, class_id, period_id, missed, missed_valid) VALUES (?, ?, ?, 10, 4)').run(a.id, classId, periodId(3));
    const file = await writeBook(dir, 'attendance-changes.xlsx', { '5А': [
      ['ФИО', 'Дата рождения', 'Пропущено уроков 3 четв.', 'по уважительной причине 3 четв.', 'Математика 3 четв.'],
      [a.fio, ru(a.birth), 12, 6, 5], // 2: attendance changed, a mark added
      [b.fio, ru(b.birth), 3, null, null], // 3: attendance added
    ] });
    const p = await previewMarksImport(db, file, { year: YEAR });
    expect(p.rejected).toEqual([]);
    const line = (x: MarkChange) => `${x.id} ${x.student} — ${x.subject}, ${x.period}: ${x.from ?? '—'} → ${x.to}`;
    expect(describeChanges(db, p).map(line)).toEqual([
      `5А!C2 ${a.fio} — Пропуски уроков, 3 четверть: 10 (по уважительной 4) → 12 (по уважительной 6)`,
      `5А!E2 ${a.fio} — Математика, 3 четверть: — → 5`,
      `5А!C3 ${b.fio} — Пропуски уроков, 3 четверть: — → 3 (по уважительной 0)`,
    ]);
    expect(describeChanges(db, p).map((x) => [x.kind, x.what ?? 'mark'])).toEqual([['changed', 'attendance'], ['added', 'mark'], ['added', 'attendance']]);
    expect((await previewAsClerk(db, file, { year: YEAR })).changeCount).toBe(3);
    // the screen's list says how many of them are attendance
    const jobs = new Jobs();
    const base = { db, sessions: new Sessions(), jobs, session: null, asUser: { id: 0, login: 'cli:test', fullName: 'Тест', role: 'admin' as const }, client: 'cli' };
    const started = await dispatch(base, { method: 'import.previewStart', args: importArgs(file, { year: YEAR }) });
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    await jobs.wait(jobId);
    const listed = await dispatch(base, { method: 'import.previewChanges', args: { jobId } });
    expect(listed.ok && listed.value).toMatchObject({ total: 3, attendance: 2 });

    // the clerk leaves out the change of a's attendance: the rest is written, a's 10 (4) stays
    const r = await commitImport(db, new Jobs(), { id: 1, login: 'admin', fullName: 'Администратор', role: 'admin' },
      { ...importArgs(file, { year: YEAR }), token: p.token, allowRejected: false, exclude: ['5А!C2'] });
    expect(r).toMatchObject({ added: 1, changed: 0, excluded: 1, written: true, attendance: { added: 1, changed: 0 } });
    const att = (k: Kid) => db.prepare('SELECT missed, missed_valid FROM attendance WHERE student_id = ? AND class_id = ? AND period_id = ?').get(k.id, classId, periodId(3));
    expect(att(a)).toEqual({ missed: 10, missed_valid: 4 });
    expect(att(b)).toEqual({ missed: 3, missed_valid: 0 });
  });

  it('bad counts are rejected cells with sheet, row and column; nothing is written', async () => {
    const [a, b, c, d] = kids;
    const file = await writeBook(dir, 'bad-attendance.xlsx', { 'Пропуски': [
      ['ФИО', 'Дата рождения', 'Пропущено уроков 3 четв.', 'из них по болезни 3 четв.', 'по уважительной причине 3 четв.', 'Пропущено уроков за год'],
      [a.fio, ru(a.birth), 2, 3, null, null], // 2: more by illness than in all (C)
      [b.fio, ru(b.birth), 'много', null, null, null], // 3: not a number (C)
      [c.fio, ru(c.birth), null, 2, null, null], // 4: a part without the total (D)
      [d.fio, ru(d.birth), null, null, null, 40], // 5: a year total: attendance is kept per period (F)
      [a.fio, ru(a.birth), -1, null, null, null], // 6: the same student again
    ] });
    const before = tableHash(db, 'attendance');
    const p = await previewMarksImport(db, file, { year: YEAR });
    expect(p.rejected.map((x) => [x.sheet, x.row, x.column, x.reason])).toEqual([
      ['Пропуски', 2, 'C', 'пропущено по болезни и по уважительной причине (3) больше, чем всего (2)'],
      ['Пропуски', 3, 'C', expect.stringMatching(/«много» — не число пропущенных уроков/)],
      ['Пропуски', 4, 'D', expect.stringMatching(/нет числа «Пропущено уроков»/)],
      ['Пропуски', 5, 'F', expect.stringMatching(/пропуски записываются по периодам/)],
      ['Пропуски', 6, 'A', expect.stringMatching(/тот же ученик уже в строке 2/)],
    ]);
    await expect(commitAsClerk(db, file, { year: YEAR })).rejects.toThrow(/Отклонено ячеек: 5; ничего не записано/);
    expect(tableHash(db, 'attendance')).toBe(before);
  });
});
