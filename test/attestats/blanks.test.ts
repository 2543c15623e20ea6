// Attestats on blank forms (issue 17) over the real dispatcher on a real register file: an 11th class built through the
// contract (its 10th year too), finals applied, the batch printed on received blanks, one blank spoiled and reprinted,
// the attestat issued, the книга учёта printed. Outside referees: pdftotext -bbox for where each field lands (points
// converted to millimetres against the layout plus the printer's calibration), pdfinfo for the sheet's size, sqlite3
// for what the register holds; bad input refused by name with nothing written.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHOOL } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import type { Input, Job, JobResult } from '../../preload/contract.ts';

const PT = 25.4 / 72; // one PDF point in millimetres
let c: Client & { dbPath: string };
let dir = '';
const subj: Record<string, number> = {};
const st: Record<string, string> = {};
let c11 = 0;
const codes: string[] = [];

type Word = { x0: number; y0: number; x1: number; y1: number; text: string };
/** pdftotext -bbox: the words of each page, in millimetres. */
function pdfWords(file: string): Word[][] {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
  return html.split('<page ').slice(1).map((p) => [...p.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
    .map((m) => ({ x0: Number(m[1]) * PT, y0: Number(m[2]) * PT, x1: Number(m[3]) * PT, y1: Number(m[4]) * PT, text: m[5].replace(/&quot;/g, '"').replace(/&amp;/g, '&') })));
}
const save = (name: string, b64: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.from(b64, 'base64'));
  return f;
};
const sql = (q: string) => execFileSync('sqlite3', [c.dbPath, q], { encoding: 'utf8' }).trim();
async function refusal(method: Parameters<Client['raw']>[0], args: Record<string, unknown>) {
  const r = await c.raw(method, args as never);
  expect(r.ok).toBe(false);
  return (r as { ok: false; error: { code: string; message: string; fields?: Record<string, string> } }).error;
}

/** Follows a job until it ends (`onRunning` on each status while it runs). */
async function finish(jobId: string, onRunning?: (j: Job) => Promise<void>): Promise<Job> {
  for (let i = 0; i < 4800; i++) {
    const j = await c.call('jobs.status', { id: jobId });
    if (j.state !== 'running') return j;
    await onRunning?.(j);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the job did not finish');
}
/** The class's batch, a job: started, followed to its end, its result. */
async function printBatch(args: Input<'attestats.printClass'>): Promise<JobResult<'attestats.printClass'>> {
  const { jobId } = await c.call('attestats.printClass', args);
  const j = await finish(jobId);
  expect(j.state, j.message ?? '').toBe('done');
  // each graduate reported, then the file; the PDF is the starter's alone, not in the status anyone may poll
  expect(j).toMatchObject({ done: j.total, message: 'Готово' });
  expect(j.result).toBeUndefined();
  return await c.call('jobs.result', { id: jobId }) as JobResult<'attestats.printClass'>;
}
const count = (q: string) => Number(sql(`SELECT count(*) FROM ${q}`));

beforeAll(async () => {
  dir = tempDir('sr-blanks-');
  c = await adminClient(dir);
  await c.call('school.update', SCHOOL);
  const y25 = (await c.call('years.create', { name: '2024/2025' })).id;
  const y26 = (await c.call('years.create', { name: '2025/2026' })).id;
  for (const [name, shortName] of [['Физика', 'Физ.'], ['Русский язык', 'Рус.'], ['Алгебра', 'Алг.'], ['Математика (профильный уровень)', 'Мат. проф.']]) {
    subj[name] = (await c.call('subjects.create', { name, shortName })).id;
  }
  const c10 = (await c.call('classes.create', { yearId: y25, parallel: 10, letter: 'Б' })).id;
  c11 = (await c.call('classes.create', { yearId: y26, parallel: 11, letter: 'Б' })).id;
  const plan = ['Физика', 'Русский язык', 'Алгебра'].map((n) => subj[n]);
  await c.call('curriculum.set', { classId: c10, subjectIds: plan });
  await c.call('curriculum.set', { classId: c11, subjectIds: plan });
  for (const [last, first, sex] of [['Дмитриев', 'Глеб', 'М'], ['Ефимова', 'Вера', 'Ж'], ['Жукова', 'Нина', 'Ж']] as const) {
    const s = await c.call('students.create', { lastName: last, firstName: first, middleName: sex === 'М' ? 'Петрович' : 'Петровна', birthDate: '2008-04-06', sex });
    await c.call('orders.enrol', { order: { number: `${last}-з`, date: '2024-09-01' }, studentId: s.id, classId: c10, date: '2024-09-01' });
    st[last] = s.id;
  }
  // marks: subject → [h1, h2, annual] of the 10th, then of the 11th
  const marks10: Record<string, Record<string, string[]>> = {
    Дмитриев: { 'Русский язык': ['4', '5', '5'], Алгебра: ['3', '4', '4'], Физика: ['3', '3', '3'] },
    Ефимова: { 'Русский язык': ['5', '5', '5'], Алгебра: ['5', '5', '5'], Физика: ['5', '5', '5'] },
    Жукова: { 'Русский язык': ['5', '5', '4'], Алгебра: ['5', '5', '5'], Физика: ['4', '4', '4'] },
  };
  const marks11: typeof marks10 = {
    Дмитриев: { 'Русский язык': ['4', '4', '5'], Алгебра: ['4', '3', '4'], Физика: ['3', '3', '4'] },
    Ефимова: { 'Русский язык': ['5', '5', '5'], Алгебра: ['5', '5', '5'], Физика: ['5', '5', '5'] },
    Жукова: { 'Русский язык': ['5', '5', '5'], Алгебра: ['5', '5', '5'], Физика: ['4', '4', '4'] },
  };
  const write = async (classId: number, m: typeof marks10) => {
    const grid = await c.call('grades.grid', { classId });
    const period = (n: number) => grid.columns.find((k) => k.slot === 'period' && k.number === n)!.periodId;
    const cells = Object.entries(m).flatMap(([who, bySubject]) => Object.entries(bySubject).flatMap(([name, [h1, h2, annual]]) => [
      { studentId: st[who], subjectId: subj[name], slot: 'period' as const, periodId: period(1), mark: h1 },
      { studentId: st[who], subjectId: subj[name], slot: 'period' as const, periodId: period(2), mark: h2 },
      { studentId: st[who], subjectId: subj[name], slot: 'annual' as const, periodId: null, mark: annual },
    ]));
    await c.call('grades.set', { classId, cells });
  };
  await write(c10, marks10);
  await c.call('orders.promote', { order: { number: '90-п', date: '2025-06-30' }, fromYearId: y25, toYearId: y26 });
  await write(c11, marks11);
  await c.call('exams.addResult', { studentId: st['Ефимова'], kind: 'ЕГЭ', subjectId: subj['Русский язык'], year: 2026, score: 85 });
  await c.call('exams.addResult', { studentId: st['Ефимова'], kind: 'ЕГЭ', subjectId: subj['Математика (профильный уровень)'], year: 2026, score: 72 });
  // two blanks only, for now
  await c.call('attestats.receiveForms', { kind: 11, series: '77 АБ', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-20', document: 'Накладная № 15' });
}, 120_000);
afterAll(() => c.backend.close());

describe('attestats on blank forms: the June flow with its refusals', () => {
  it('before the finals are applied nothing is issued or printed, and the refusal says why', async () => {
    const e = await refusal('attestats.issue', { studentId: st['Дмитриев'], kind: 11, series: '77 АБ', number: 1, issueDate: '2026-06-25', recipient: 'Дмитриев Глеб Петрович' });
    expect(e.code).toBe('validation');
    expect(e.fields).toHaveProperty('studentId');
    expect(e.message).toMatch(/Дмитриев Глеб Петрович — итоговые отметки не внесены в ведомость/);
    const p = await refusal('attestats.printClass', { classId: c11, issueDate: '2026-06-25' });
    expect(p.message).toMatch(/нет выпускников, готовых к печати/);
    expect(sql('SELECT (SELECT count(*) FROM attestats) || (SELECT count(*) FROM attestat_prints) || (SELECT count(*) FROM attestat_forms WHERE state <> \'received\')')).toBe('000');
  });

  it('after the finals are applied: a series never received is refused by name; too few blanks is said before any is taken', async () => {
    const pv = await c.call('attestats.computeFinals', { classId: c11 });
    await c.call('attestats.applyFinals', { classId: c11, ruleSetId: pv.ruleSet.id });
    const cb = await c.call('attestats.classBlanks', { classId: c11 });
    expect(cb.students.map((s) => [s.fullName, s.blank, s.withHonours])).toEqual([
      ['Дмитриев Глеб Петрович', null, false], ['Ефимова Вера Петровна', null, true], ['Жукова Нина Петровна', null, false]]);
    const unknown = await refusal('attestats.issue', { studentId: st['Жукова'], kind: 11, series: '99 ЯЯ', number: 1, issueDate: '2026-06-25', recipient: 'Жукова Нина Петровна' });
    expect(unknown.fields).toHaveProperty('series');
    expect(unknown.message).toContain('Бланки серии «99 ЯЯ» не поступали');
    // Ефимова's attestat is «с отличием»: a blank of its own kind (migration 0022), none received yet
    const few = await refusal('attestats.printClass', { classId: c11, issueDate: '2026-06-25' });
    expect(few.code).toBe('conflict');
    expect(few.message).toContain('Бланков аттестата с отличием 11 класса не хватает: нужно 1, есть 0');
    expect(sql('SELECT count(*) FROM attestat_prints')).toBe('0');
    await c.call('attestats.receiveForms', { kind: 11, series: '77 АБ', firstNumber: 3, lastNumber: 10, receivedOn: '2026-05-21', document: 'Накладная № 16' });
    await c.call('attestats.receiveForms', { kind: 11, honours: true, series: '77 АО', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-21', document: 'Накладная № 17' });
  });

  it('a calibration offset beyond ±10 mm or a scale off 100 % by more than 5 % is refused by field, nothing stored', async () => {
    for (const [args, field] of [[{ dxMm: 12, dyMm: 0 }, 'dxMm'], [{ dxMm: 0, dyMm: -10.5 }, 'dyMm'], [{ dxMm: 0, dyMm: 0, scale: 1.2 }, 'scale']] as const) {
      const e = await refusal('attestats.setCalibration', { printer: 'Kyocera ECOSYS', ...args });
      expect(e.code).toBe('validation');
      expect(e.fields).toHaveProperty(field);
    }
    expect(sql('SELECT count(*) FROM printer_calibrations')).toBe('0');
    expect(await c.call('attestats.setCalibration', { printer: 'Kyocera ECOSYS', dxMm: 1.5, dyMm: -2, scale: 1 })).toMatchObject({ dxMm: 1.5, dyMm: -2, scale: 1 });
  });

  it('the batch is a job: progress per graduate, the register held meanwhile; cancelled, it leaves no blank taken and nothing registered', async () => {
    const before = { prints: count('attestat_prints'), printouts: count('printouts'), audit: count("audit_log WHERE method LIKE 'attestats.printClass%' OR method LIKE 'printouts.%'") };
    const { jobId } = await c.call('attestats.printClass', { classId: c11, issueDate: '2026-06-25', printer: 'Kyocera ECOSYS' });
    // while it renders, it holds the register: another write waits for it, refused by name
    const w = await c.raw('attestats.setCalibration', { printer: 'HP LaserJet', dxMm: 0, dyMm: 0 });
    expect(w.ok).toBe(false);
    expect((w as { ok: false; error: { message: string } }).error.message).toContain('Реестр занят: идёт «печать аттестатов»');
    await c.call('jobs.cancel', { id: jobId });
    const job = await finish(jobId);
    expect(job.state).toBe('cancelled');
    expect(job.message).toBe('Операция отменена');
    expect({ prints: count('attestat_prints'), printouts: count('printouts'), audit: count("audit_log WHERE method LIKE 'attestats.printClass%' OR method LIKE 'printouts.%'") })
      .toEqual(before);
    expect(sql("SELECT count(*) FROM attestat_forms WHERE state = 'received'")).toBe('12');
  });

  it('the batch takes a blank per graduate and places every field where the layout says, moved by the printer\'s calibration', async () => {
    const r = await printBatch({ classId: c11, issueDate: '2026-06-25', printer: 'Kyocera ECOSYS' });
    expect(r.taken).toBe(3);
    // each on a blank of his kind: Ефимова «с отличием» on the series received for it
    expect(r.printed.map((p) => [p.fullName, p.series, p.number, p.regNumber, p.withHonours])).toEqual([
      ['Дмитриев Глеб Петрович', '77 АБ', 1, 1, false], ['Ефимова Вера Петровна', '77 АО', 1, 2, true], ['Жукова Нина Петровна', '77 АБ', 2, 3, false]]);
    const file = save('batch.pdf', r.dataBase64);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+6/);
    expect(info).toMatch(/Page size:\s+841\.89 x 595\.27\d? pts/); // 297 × 210 mm
    const pages = pdfWords(file);
    let checked = 0;
    for (const [i, p] of r.printed.entries()) {
      const preview = await c.call('attestats.blankPreview', { classId: c11, studentId: p.studentId });
      expect(preview.blank).toMatchObject({ series: p.series, number: p.number, honours: p.withHonours, regNumber: p.regNumber, issueDate: '2026-06-25' });
      for (const [k, page] of preview.pages.entries()) {
        const words = pages[i * 2 + k];
        for (const item of page.items) {
          // the words of this field: on its line, inside its box (moved by the calibration)
          const x = item.x + 1.5, y = item.y - 2;
          const line = words.filter((w) => Math.abs(w.y0 - y) < 0.4 && w.x0 > x - 0.4 && w.x1 < x + item.width + 0.4);
          expect(line.map((w) => w.text).join(' '), `${page.layoutId} ${item.field}`).toBe(item.text);
          const x0 = Math.min(...line.map((w) => w.x0)), x1 = Math.max(...line.map((w) => w.x1));
          if (item.align === 'left') expect(Math.abs(x0 - x), `${item.field} x`).toBeLessThan(0.3);
          else expect(Math.abs((x0 + x1) / 2 - (x + item.width / 2)), `${item.field} centre`).toBeLessThan(0.3);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
    codes.push(...r.printed.map((p) => p.code));
    // the appendix: the finals in the curriculum's order, in figures and words (worked out by hand: Дмитриев —
    // Русский язык (4+5+5+4+4+5)/6 = 4,5 → 5; Алгебра 22/6 → 4; Физика 19/6 → 3), and its code
    const app = pages[1].map((w) => w.text).join(' ');
    expect(app).toContain('Русский язык 5 (отлично) Алгебра 4 (хорошо) Физика 3 (удовлетворительно)');
    expect(app).toContain(`Код проверки: ${r.printed[0].code}`);
    // the code as a QR code where the layout puts it (moved by the calibration +1,5; −2): zbarimg reads it from that
    // square alone, cut out of each appendix page rasterised at 200 dpi
    const preview = await c.call('attestats.blankPreview', { classId: c11, studentId: r.printed[0].studentId });
    const box = preview.pages[1].outline.find((o) => o.field === 'qr')!;
    expect(preview.pages[1].qr).toMatchObject({ x: box.x, y: box.y, size: box.width, text: r.printed[0].code });
    const px = (mm: number) => String(Math.round((mm / 25.4) * 200));
    for (const [i, p] of r.printed.entries()) {
      const png = path.join(dir, `qr-${i}`);
      execFileSync('pdftoppm', ['-r', '200', '-f', String(i * 2 + 2), '-l', String(i * 2 + 2), '-x', px(box.x + 1.5 - 3), '-y', px(box.y - 2 - 3),
        '-W', px(box.width + 6), '-H', px(box.height + 6), '-singlefile', '-png', file, png]);
      expect(execFileSync('zbarimg', ['--raw', '-q', `${png}.png`], { encoding: 'utf8' }).trim(), p.fullName).toBe(p.code);
    }
    expect(pages[0].map((w) => w.text).join(' ')).toContain('25 июня 2026 года');
    const v = await c.call('printouts.verify', { code: r.printed[0].code });
    expect(v).toMatchObject({ registered: true, kind: 'attestat_appendix', intact: true, current: true });
    // printing again takes no new blank
    const again = await printBatch({ classId: c11, issueDate: '2026-06-25' });
    expect(again.taken).toBe(0);
    expect(again.printed.map((p) => p.number)).toEqual([1, 1, 2]);
    expect(sql("SELECT group_concat(number || ':' || state, ' ') FROM (SELECT number, state FROM attestat_forms WHERE series = '77 АБ' ORDER BY number LIMIT 4)")).toBe('1:received 2:received 3:received 4:received');
  });

  it('the command line prints the same batch (no new blank) and the calibration page with its crosses where they belong', async () => {
    const out = path.join(dir, 'cli-batch.pdf');
    const r = await cli('print', 'attestat', '--class', '11Б', '--year', '2025/2026', '--out', out, '--printer', 'Kyocera ECOSYS', '--json', '--db', c.dbPath);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { taken: number; printed: Array<{ number: number }> };
    expect(j.taken).toBe(0);
    expect(j.printed.map((p) => p.number)).toEqual([1, 1, 2]);
    expect(pdfWords(out)).toHaveLength(6);
    const cal = path.join(dir, 'calibration.pdf');
    const k = await cli('print', 'calibration', '--out', cal, '--printer', 'Kyocera ECOSYS', '--db', c.dbPath);
    expect(k.code).toBe(0);
    const [page] = pdfWords(cal);
    // each cross's label «x; y» is printed 2 mm right of and below the cross, moved by the calibration (+1,5; −2)
    for (const [x, y] of [[30, 30], [267, 30], [148.5, 105], [30, 180], [267, 180]]) {
      const label = page.find((w) => w.text === `${String(x)};` && Math.abs(w.x0 - (x + 2 + 1.5)) < 0.3 && Math.abs(w.y0 - (y + 2 - 2)) < 0.3);
      expect(label, `крестик ${x}; ${y}`).toBeDefined();
    }
    const bad = await cli('print', 'calibration', '--printer', 'Kyocera ECOSYS', '--dx=12', '--db', c.dbPath);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Смещение по горизонтали — от −10 до +10 мм');
    expect(sql("SELECT dx_mm || ';' || dy_mm FROM printer_calibrations")).toBe('1.5;-2.0');
  });

  it('issuing: the printed blank and date are the ones; another number, another date or another «с отличием» is refused', async () => {
    const other = await refusal('attestats.issue', { studentId: st['Дмитриев'], kind: 11, series: '77 АБ', number: 2, recipient: 'Дмитриев Глеб Петрович' });
    expect(other.fields).toHaveProperty('number');
    expect(other.message).toContain('напечатан на бланке 77 АБ № 000001');
    const late = await refusal('attestats.issue', { studentId: st['Дмитриев'], kind: 11, issueDate: '2026-06-30', recipient: 'Дмитриев Глеб Петрович' });
    expect(late.fields).toHaveProperty('issueDate');
    const honours = await refusal('attestats.issue', { studentId: st['Ефимова'], kind: 11, recipient: 'Ефимова Вера Петровна', withHonours: false });
    expect(honours.fields).toHaveProperty('withHonours');
    expect(sql('SELECT count(*) FROM attestats')).toBe('0');
    const a = await c.call('attestats.issue', { studentId: st['Дмитриев'], kind: 11, recipient: 'Дмитриев Глеб Петрович' });
    expect(a).toMatchObject({ series: '77 АБ', number: 1, regNumber: 1, issueDate: '2026-06-25', withHonours: false });
    const e = await c.call('attestats.issue', { studentId: st['Ефимова'], kind: 11, recipient: 'Ефимова Вера Петровна' });
    expect(e).toMatchObject({ series: '77 АО', number: 1, regNumber: 2, withHonours: true });
    const twice = await refusal('attestats.issue', { studentId: st['Дмитриев'], kind: 11, recipient: 'Дмитриев Глеб Петрович' });
    expect(twice.code).toBe('conflict');
  });

  it('a spoiled blank: reprint needs a reason; the old blank is written off with it, the next taken with the same registration number', async () => {
    const none = await refusal('attestats.reprint', { classId: c11, studentId: st['Жукова'], reason: '   ' });
    expect(none.fields).toHaveProperty('reason');
    const issued = await refusal('attestats.reprint', { classId: c11, studentId: st['Дмитриев'], reason: 'замятие' });
    expect(issued.code).toBe('conflict');
    expect(sql("SELECT count(*) FROM attestat_forms WHERE state = 'spoiled'")).toBe('0');
    const r = await c.call('attestats.reprint', { classId: c11, studentId: st['Жукова'], reason: 'замятие бумаги', date: '2026-06-24', printer: 'Kyocera ECOSYS' });
    expect(r.spoiled).toEqual({ series: '77 АБ', number: 2, reason: 'замятие бумаги' });
    expect(r.printed).toMatchObject({ number: 3, regNumber: 3, issueDate: '2026-06-25' });
    expect(sql("SELECT state || '|' || spoiled_on || '|' || spoiled_reason FROM attestat_forms WHERE series = '77 АБ' AND number = 2")).toBe('spoiled|2026-06-24|испорчен при печати: замятие бумаги');
    expect(sql('SELECT replaces_id IS NOT NULL FROM attestat_prints ORDER BY id DESC LIMIT 1')).toBe('1');
    const words = pdfWords(save('reprint.pdf', r.dataBase64));
    expect(words).toHaveLength(2);
    expect(words[1].map((w) => w.text).join(' ')).toContain('77 АБ № 000003');
    const a = await c.call('attestats.issue', { studentId: st['Жукова'], kind: 11, recipient: 'Жукова Нина Петровна' });
    expect(a).toMatchObject({ number: 3, regNumber: 3 });
    // the spoiled blank's appendix no longer checks as current; the new one does
    expect(await c.call('printouts.verify', { code: codes[2] })).toMatchObject({ registered: true, intact: false });
    expect(await c.call('printouts.verify', { code: r.printed.code })).toMatchObject({ registered: true, intact: true, current: true });
  });

  it('the книга учёта lists the issued attestats and the spoiled blank with its reason, and the blanks add up', async () => {
    const b = await c.call('printouts.attestatBook', { year: '2025/2026' });
    const t = execFileSync('pdftotext', ['-layout', save('book.pdf', b.dataBase64), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(t).toMatch(/1 Дмитриев Глеб Петрович 06\.04\.2008 .*77 АБ № 000001 25\.06\.2026/);
    // the kind in words wraps in its cell: «аттестат о среднем общем | … | образовании с отличием»
    expect(t).toMatch(/2 Ефимова Вера Петровна 06\.04\.2008 аттестат о среднем общем 77 АО № 000001 25\.06\.2026 Ефимова Вера Петровна образовании с отличием/);
    expect(t).toMatch(/3 Жукова Нина Петровна 06\.04\.2008 .*77 АБ № 000003 25\.06\.2026/);
    // received, issued, spoiled, left: each kind on its own line
    expect(t).toMatch(/аттестат о среднем общем образовании \(11 класс\) 77 АБ 10 2 1 7/);
    expect(t).toMatch(/аттестат о среднем общем образовании с отличием \(11 класс\) 77 АО 2 1 0 1/);
    expect(t).toMatch(/77 АБ № 000002 24\.06\.2026 испорчен при печати: замятие бумаги; Жукова Нина Петровна — взамен напечатан бланк 77 АБ № 000003/);
  });

  it('with every attestat issued the command line has nothing to print and says so', async () => {
    const out = path.join(dir, 'cli-none.pdf');
    const r = await cli('print', 'attestat', '--class', '11Б', '--year', '2025/2026', '--out', out, '--db', c.dbPath);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('нет выпускников, готовых к печати аттестата (аттестаты уже выданы)');
    expect(fs.existsSync(out)).toBe(false);
  });
});
