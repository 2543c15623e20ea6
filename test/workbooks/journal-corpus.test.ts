// Journals as LibreOffice makes them (test/fixtures/journals.ts): every layout of the same journal — one header row,
// a subject merged or repeated over its periods on a second header row, a title above — stores the same marks, by the
// app's dispatcher and by the CLI alike; and each bad input of issue 16 is refused in Russian, naming what is wrong.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Input, Job } from '../../preload/contract.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { createStudent } from '../../main/students/students.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { JOURNAL_LAYOUTS, fodsXml, journalCorpus, makeWithLibreOffice, type FodsCell, type Journal } from '../fixtures/journals.ts';

const YEAR = '2026/2027';
const TODAY = '2026-11-23'; // the demo's current year is then 2026/2027, whatever the clock says
const PERIODS = ['1 четв.', '2 четв.', 'Год'];

let c: Client & { dbPath: string };
let dir: string;
let classId: number;
let kids: Array<{ id: string; fio: string; birth: string }>;
let files: Record<string, string>;
let journal: Journal;

const marksOf5A = () => JSON.stringify(c.backend.db.prepare(`SELECT student_id, subject_id, slot, period_id, mark FROM marks WHERE class_id = ?
  ORDER BY student_id, subject_id, slot, period_id`).all(classId));
const clear5A = () => c.backend.db.prepare('DELETE FROM marks WHERE class_id = ?').run(classId);
const args = (file: string, more: Partial<Input<'import.preview'>> = {}): Input<'import.preview'> =>
  ({ kind: 'marks', fileName: path.basename(file), dataBase64: fs.readFileSync(file).toString('base64'), year: YEAR, ...more });

async function settle(jobId: string): Promise<Job> {
  for (;;) {
    const s = await c.call('jobs.status', { id: jobId });
    if (s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = tempDir('sr-corpus-');
  c = await adminClient(dir);
  await generateDemo(c.backend.db, { students: 60, seed: 7, today: TODAY }, progressTo());
  const db = c.backend.db;
  classId = (db.prepare(`SELECT c.id FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ? AND c.parallel || c.letter = '5А'`).get(YEAR) as { id: number }).id;
  kids = (db.prepare(`SELECT s.id, s.last_name || ' ' || s.first_name || coalesce(' ' || s.middle_name, '') AS fio, s.birth_date AS birth
    FROM class_memberships m JOIN students s ON s.id = m.student_id WHERE m.class_id = ? GROUP BY s.id ORDER BY fio`).all(classId) as typeof kids).slice(0, 5);
  expect(kids.length).toBe(5);
  clear5A();
  const students = kids.map((k) => ({ fio: k.fio, birth: k.birth }));
  const subjects = [{ name: 'Русский язык', periods: PERIODS }, { name: 'Математика', periods: PERIODS }];
  journal = { className: '5А', students, subjects, mark: (i, s, p) => (i === 4 && s === 1 ? null : String(5 - ((i + s + p) % 3))) };
  const one = JOURNAL_LAYOUTS['one-row'];
  const merged = JOURNAL_LAYOUTS['two-row-merged'];
  // register students with ё, for a students journal that writes them without it
  createStudent(db, { lastName: 'Семёнова', firstName: 'Алёна', middleName: 'Фёдоровна', birthDate: '2014-02-03', sex: 'Ж' });
  createStudent(db, { lastName: 'Ковалёв', firstName: 'Семён', middleName: 'Петрович', birthDate: '2014-04-05', sex: 'М' });
  const ru = (iso: string) => iso.split('-').reverse().join('.');
  const [good, bad] = await Promise.all([
    journalCorpus(path.join(dir, 'good'), journal),
    makeWithLibreOffice(path.join(dir, 'bad'), {
      // «1 четв.» twice under «Русский язык»: which column is the quarter's is the clerk's to say
      'two-row-twice': merged({ ...journal, subjects: [{ name: 'Русский язык', periods: ['1 четв.', '1 четв.', 'Год'] }] }),
      'error-cells': merged({ ...journal, mark: (i, s, p): FodsCell => (i === 1 && p === 1 ? { formula: s ? 'NA()' : '1/0' } : journal.mark(i, s, p)) }),
      'unknown-student': one({ ...journal, students: [...students, { fio: 'Незнакомов Пётр Ильич', birth: '2014-05-06' }] }),
      'forbidden-one': one({ ...journal, mark: (i, s, p) => (i === 0 && s === 0 && p === 0 ? 1 : i === 0 && s === 0 && p === 1 ? 7 : journal.mark(i, s, p)) }),
      'yo-students': [{ name: 'Список', rows: [['ФИО', 'Дата рождения', 'Пол'],
        ['Семенова Алена Федоровна', ru('2014-02-03'), 'Ж'], ['Ковалев Семен Петрович', ru('2014-04-05'), 'М']] }],
    }),
  ]);
  files = { ...good, ...bad };
}, 300_000);

afterAll(() => c?.backend.close());

describe('journal layouts made by LibreOffice', () => {
  it('the corpus is LibreOffice\'s: merged cells as spans, error cells as formulas', () => {
    expect(fodsXml(JOURNAL_LAYOUTS['two-row-merged'](journal))).toMatch(/table:number-columns-spanned="3"/);
    for (const f of Object.values(files)) expect(fs.readFileSync(f).subarray(0, 2).toString()).toBe('PK');
  }, 120_000);

  it('every layout stores the same marks, by the dispatcher and by the CLI, cell for cell', async () => {
    const stored: Record<string, string> = {};
    for (const layout of Object.keys(JOURNAL_LAYOUTS)) {
      clear5A();
      const p = await c.call('import.preview', args(files[layout]));
      expect(p.rejected, layout).toEqual([]);
      expect(p.counts, layout).toEqual({ added: 5 * 6 - 3, changed: 0, unchanged: 0 });
      const r = await c.call('import.commit', { ...args(files[layout]), token: p.token });
      expect(r.written).toBe(true);
      stored[layout] = marksOf5A();
      // the CLI on the same file: the same cells
      clear5A();
      const run = await cli('import', 'marks', files[layout], '--year', YEAR, '--db', c.dbPath, '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(marksOf5A(), `${layout}: CLI`).toBe(stored[layout]);
    }
    const one = stored['one-row'];
    for (const [layout, marks] of Object.entries(stored)) expect(marks, layout).toBe(one);
    // and the marks are the journal's: the first student's Russian, 2nd quarter
    const rus = (c.backend.db.prepare(`SELECT id FROM subjects WHERE name = 'Русский язык'`).get() as { id: number }).id;
    const q2 = c.backend.db.prepare(`SELECT m.mark FROM marks m JOIN periods p ON p.id = m.period_id WHERE m.student_id = ? AND m.subject_id = ? AND p.number = 2 AND m.class_id = ?`)
      .get(kids[0].id, rus, classId) as { mark: string };
    expect(q2.mark).toBe(journal.mark(0, 0, 1));
  }, 300_000);

  it('a two-row header naming one period twice under a subject is refused, both columns named; a mapping picks one', async () => {
    await expect(c.call('import.preview', args(files['two-row-twice']))).rejects.toMatchObject({
      api: { message: expect.stringMatching(/two-row-twice\.xlsx.*столбцы D и E оба означают «Русский язык, 1 четверть»: укажите в сопоставлении, какой из них брать/) } });
    // and the mapping says which: the second column is dropped
    const p = await c.call('import.preview', args(files['two-row-twice'], { mapping: { 'mark:Русский язык|q1': 'D' } }));
    expect(p.rejected).toEqual([]);
    // and a mapping file on the command line says the same
    const mapping = path.join(dir, 'two-row-twice.json');
    fs.writeFileSync(mapping, JSON.stringify({ columns: { 'mark:Русский язык|q1': 'D' } }));
    const run = await cli('import', 'marks', files['two-row-twice'], '--dry-run', '--year', YEAR, '--mapping', mapping, '--db', c.dbPath);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/отклонено ячеек 0/);
  }, 120_000);

  it('error cells are refused with their address and student; the CLI exits 1 and writes nothing', async () => {
    clear5A();
    const p = await c.call('import.preview', args(files['error-cells']));
    const who = kids[1].fio;
    expect(p.rejected).toEqual([
      { sheet: '5А', row: 4, column: 'E', reason: `ячейка E4 (${who}, Русский язык, 2 четверть): ошибка формулы «#DIV/0!» вместо оценки` },
      { sheet: '5А', row: 4, column: 'H', reason: `ячейка H4 (${who}, Математика, 2 четверть): ошибка формулы «#N/A» вместо оценки` },
    ]);
    const run = await cli('import', 'marks', files['error-cells'], '--year', YEAR, '--db', c.dbPath);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/отклонено ячеек: 2; ничего не записано/);
    expect(run.stderr).toContain(`ячейка E4 (${who}, Русский язык, 2 четверть): ошибка формулы «#DIV/0!» вместо оценки`);
    expect(marksOf5A()).toBe('[]');
  }, 120_000);

  it('a student not in the register is refused by row, ФИО and class, never added', async () => {
    const before = (c.backend.db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n;
    const p = await c.call('import.preview', args(files['unknown-student']));
    expect(p.rejected).toEqual([{ sheet: '5А', row: 7, column: 'A',
      reason: 'ученик «Незнакомов Пётр Ильич» (06.05.2014, класс 5А) не найден в реестре: строка не импортирована — сначала зачислите ученика приказом' }]);
    await c.call('import.commit', { ...args(files['unknown-student']), token: p.token, allowRejected: true });
    expect((c.backend.db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n).toBe(before);
  }, 120_000);

  it('a mark the school forbids («1») and one off the scale are refused, the scale listed without «1»', async () => {
    expect((await c.call('settings.get', {})).allowMarkOne).toBe(false);
    const p = await c.call('import.preview', args(files['forbidden-one']));
    expect(p.rejected.map((r) => [r.row, r.column, r.reason])).toEqual([
      [2, 'D', `${kids[0].fio.split(' ').slice(0, 2).join(' ')}, «Русский язык», 1 четверть: оценка «1» не разрешена настройками школы: 5, 4, 3, 2, зч, нз, осв, н/а`],
      [2, 'E', 'Оценка 7 вне шкалы (5, 4, 3, 2, зч, нз, осв, н/а)'],
    ]);
  }, 120_000);

  it('a students journal without ё keeps the register\'s «Фёдоровна», «Семён», and the preview says so', async () => {
    const a = { ...args(files['yo-students']), kind: 'students' as const, year: undefined };
    const p = await c.call('import.preview', a);
    expect(p.counts).toEqual({ added: 0, changed: 0, unchanged: 2 });
    expect(p.notes).toEqual([
      { sheet: 'Список', row: 2, message: 'Семёнова Алёна Фёдоровна: в реестре оставлено написание с ё — «Семёнова» (в файле «Семенова»), «Алёна» (в файле «Алена»), «Фёдоровна» (в файле «Федоровна»)' },
      { sheet: 'Список', row: 3, message: 'Ковалёв Семён Петрович: в реестре оставлено написание с ё — «Ковалёв» (в файле «Ковалев»), «Семён» (в файле «Семен»)' },
    ]);
    const dry = await cli('import', 'students', files['yo-students'], '--dry-run', '--db', c.dbPath);
    expect(dry.stdout).toContain('в реестре оставлено написание с ё — «Ковалёв» (в файле «Ковалев»), «Семён» (в файле «Семен»)');
    const run = await cli('import', 'students', files['yo-students'], '--db', c.dbPath);
    expect(run.code, run.stderr).toBe(0);
    expect(c.backend.db.prepare(`SELECT last_name, first_name, middle_name FROM students WHERE birth_date IN ('2014-02-03', '2014-04-05') ORDER BY birth_date`).all())
      .toEqual([{ last_name: 'Семёнова', first_name: 'Алёна', middle_name: 'Фёдоровна' }, { last_name: 'Ковалёв', first_name: 'Семён', middle_name: 'Петрович' }]);
  }, 120_000);

  it('the preview lists each change «было → станет», paged and filtered, saved as xlsx; an excluded row is not written', async () => {
    const file = files['two-row-merged'];
    clear5A();
    await c.call('import.commit', { ...args(file), token: (await c.call('import.preview', args(file))).token });
    // the register now differs from the journal in two cells: one changed mark, one mark removed (the journal adds it)
    const rus = (c.backend.db.prepare(`SELECT id FROM subjects WHERE name = 'Русский язык'`).get() as { id: number }).id;
    c.backend.db.prepare(`DELETE FROM marks WHERE class_id = ? AND student_id = ? AND subject_id = ? AND slot = 'annual'`).run(classId, kids[2].id, rus);
    const q1Period = `(SELECT id FROM periods WHERE year_id = (SELECT year_id FROM classes WHERE id = ${classId}) AND kind = 'quarter' AND number = 1)`;
    c.backend.db.prepare(`UPDATE marks SET mark = '2' WHERE class_id = ? AND student_id = ? AND subject_id = ? AND period_id = ${q1Period}`).run(classId, kids[3].id, rus);
    const q1 = () => (c.backend.db.prepare(`SELECT mark FROM marks WHERE class_id = ? AND student_id = ? AND subject_id = ? AND period_id = ${q1Period}`)
      .get(classId, kids[3].id, rus) as { mark: string }).mark;
    expect(q1()).toBe('2');
    const before = marksOf5A();

    const { jobId } = await c.call('import.previewStart', args(file));
    expect((await settle(jobId)).state).toBe('done');
    const p = await c.call('import.previewResult', { jobId });
    expect(p.changeCount).toBe(2);
    expect(JSON.stringify(await c.call('jobs.result', { id: jobId }))).not.toContain(kids[2].fio); // the list is paged, not sent whole
    const all = await c.call('import.previewChanges', { jobId });
    expect(all.total).toBe(2);
    expect(all.subjects).toEqual(['Русский язык']);
    const line = (x: (typeof all.rows)[number]) => `${x.student} — ${x.subject}, ${x.period}: ${x.from ?? '—'} → ${x.to}`;
    expect(all.rows.map(line)).toEqual([
      `${kids[2].fio} — Русский язык, год: — → ${journal.mark(2, 0, 2)}`,
      `${kids[3].fio} — Русский язык, 1 четверть: 2 → ${journal.mark(3, 0, 0)}`,
    ]);
    expect(all.rows.map((x) => x.id)).toEqual(['5А!F5', '5А!D6']);
    const page2 = await c.call('import.previewChanges', { jobId, offset: 1, limit: 1 });
    expect(page2.rows.map((x) => x.id)).toEqual(['5А!D6']);
    expect((await c.call('import.previewChanges', { jobId, kind: 'changed' })).rows.map((x) => x.id)).toEqual(['5А!D6']);
    const yo = kids[3].fio.replace(/ё/g, 'е').split(' ')[0].toUpperCase();
    expect((await c.call('import.previewChanges', { jobId, student: yo })).rows.map((x) => x.id)).toEqual(['5А!D6']);
    expect((await c.call('import.previewChanges', { jobId, subject: 'Математика' })).matching).toBe(0);

    // the list as a workbook, read back by LibreOffice
    const x = await c.call('import.previewChangesXlsx', { jobId, kind: 'changed' });
    expect(x.rows).toBe(1);
    const xlsx = path.join(dir, 'changes.xlsx');
    fs.writeFileSync(xlsx, Buffer.from(x.dataBase64, 'base64'));
    await promisify(execFile)('soffice', [`-env:UserInstallation=${pathToFileURL(path.join(dir, 'lo-csv')).href}`, '--headless', '--norestore',
      '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, xlsx], { timeout: 240_000 });
    const csv = fs.readFileSync(path.join(dir, 'changes.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('Лист,Ячейка,ФИО,Класс,Предмет,Период,Что,Было,Станет');
    expect(csv.slice(1)).toEqual([`5А,D6,${kids[3].fio},5А,Русский язык,1 четверть,изменить,2,${journal.mark(3, 0, 0)}`]);

    // the clerk excludes the change of a mark: the commit writes exactly the rest, and the audit counts the exclusion
    const { jobId: commitJob } = await c.call('import.commitStart', { ...args(file), token: p.token, exclude: ['5А!D6'] });
    expect((await settle(commitJob)).state).toBe('done');
    const r = await c.call('import.commitResult', { jobId: commitJob });
    expect(r).toMatchObject({ added: 1, changed: 0, excluded: 1, written: true });
    expect(q1()).toBe('2'); // the excluded mark is as it was
    const after = JSON.parse(marksOf5A()) as unknown[];
    expect(after.length).toBe((JSON.parse(before) as unknown[]).length + 1); // the annual mark added, nothing else
    const audit = (await c.call('audit.list', { limit: 1000 })).filter((e) => e.method === 'import.marks').sort((a, b) => b.id - a.id)[0];
    expect(JSON.parse(audit.detail)).toMatchObject({ args: { excluded: 1 }, result: { added: 1, changed: 0, excluded: 1 } });
    // an exclusion the preview does not have is refused
    const stale = await c.call('import.commitStart', { ...args(file), exclude: ['5А!Z99'] });
    await settle(stale.jobId);
    await expect(c.call('import.commitResult', { jobId: stale.jobId })).rejects.toMatchObject({ api: { message: expect.stringMatching(/нет изменения «5А!Z99»/) } });
  }, 120_000);
});
