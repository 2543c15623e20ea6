// Attestats «с отличием» on their own blank forms (issue 17, migration 0022) over the real dispatcher on a real register
// file: an 11th class of one graduate «с отличием» (Ефимова: all finals 5 and the ЕГЭ conditions) and two ordinary ones.
// Blanks are received by kind; the batch takes for each graduate a blank of his kind and says a kind that is short before
// anything is taken; issuing on the other kind is refused both ways; a decision on «с отличием» changed after printing
// makes that print one to spoil and reprint, named. Outside referees: pdftotext for the printed blank numbers and the
// book, sqlite3 for what the register holds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHOOL } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import type { Input, Job, JobResult } from '../../preload/contract.ts';

let c: Client & { dbPath: string };
let dir = '';
let c11 = 0;
const subj: Record<string, number> = {};
const st: Record<string, string> = {};
const NAME: Record<string, string> = { Дмитриев: 'Дмитриев Глеб Петрович', Ефимова: 'Ефимова Вера Петровна', Жукова: 'Жукова Нина Петровна' };

const sql = (q: string) => execFileSync('sqlite3', [c.dbPath, q], { encoding: 'utf8' }).trim();
const pdfPages = (b64: string, name: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.from(b64, 'base64'));
  return execFileSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim()).map((p) => p.replace(/\s+/g, ' '));
};
async function refusal(method: Parameters<Client['raw']>[0], args: Record<string, unknown>) {
  const r = await c.raw(method, args as never);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  return (r as { ok: false; error: { code: string; message: string; fields?: Record<string, string> } }).error;
}
async function printBatch(args: Input<'attestats.printClass'>): Promise<JobResult<'attestats.printClass'>> {
  const { jobId } = await c.call('attestats.printClass', args);
  let j: Job = await c.call('jobs.status', { id: jobId });
  for (let i = 0; i < 4800 && j.state === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    j = await c.call('jobs.status', { id: jobId });
  }
  expect(j.state, j.message ?? '').toBe('done');
  return await c.call('jobs.result', { id: jobId }) as JobResult<'attestats.printClass'>;
}
/** What nothing refused may change: prints, forms' states, the book, printouts, the audit entries of printing. */
const state = () => sql(`SELECT (SELECT count(*) FROM attestat_prints) || '|' || (SELECT group_concat(state, ',') FROM (SELECT state FROM attestat_forms ORDER BY id))
  || '|' || (SELECT count(*) FROM attestats) || '|' || (SELECT count(*) FROM printouts) || '|' || (SELECT count(*) FROM audit_log WHERE method LIKE 'attestats.print%' OR method LIKE 'attestats.reprint%')`);

beforeAll(async () => {
  dir = tempDir('sr-honours-');
  c = await adminClient(dir);
  await c.call('school.update', SCHOOL);
  const y25 = (await c.call('years.create', { name: '2024/2025' })).id;
  const y26 = (await c.call('years.create', { name: '2025/2026' })).id;
  for (const [name, shortName] of [['Физика', 'Физ.'], ['Русский язык', 'Рус.'], ['Алгебра', 'Алг.'], ['Математика (профильный уровень)', 'Мат. проф.']]) {
    subj[name] = (await c.call('subjects.create', { name, shortName })).id;
  }
  const c10 = (await c.call('classes.create', { yearId: y25, parallel: 10, letter: 'В' })).id;
  c11 = (await c.call('classes.create', { yearId: y26, parallel: 11, letter: 'В' })).id;
  const plan = ['Физика', 'Русский язык', 'Алгебра'].map((n) => subj[n]);
  await c.call('curriculum.set', { classId: c10, subjectIds: plan });
  await c.call('curriculum.set', { classId: c11, subjectIds: plan });
  for (const last of ['Дмитриев', 'Ефимова', 'Жукова']) {
    const [, first, middle] = NAME[last].split(' ');
    const s = await c.call('students.create', { lastName: last, firstName: first, middleName: middle, birthDate: '2008-04-06', sex: last === 'Дмитриев' ? 'М' : 'Ж' });
    await c.call('orders.enrol', { order: { number: `${last}-з`, date: '2024-09-01' }, studentId: s.id, classId: c10, date: '2024-09-01' });
    st[last] = s.id;
  }
  // every half-year and annual mark of both years: Ефимова 5, Дмитриев 4, Жукова 3
  const mark: Record<string, string> = { Дмитриев: '4', Ефимова: '5', Жукова: '3' };
  const write = async (classId: number) => {
    const grid = await c.call('grades.grid', { classId });
    const cols = grid.columns.filter((k) => k.slot === 'period' || k.slot === 'annual');
    await c.call('grades.set', { classId, cells: Object.keys(mark).flatMap((who) => plan.flatMap((subjectId) => cols.map((k) => ({
      studentId: st[who], subjectId, slot: k.slot as 'period' | 'annual', periodId: k.periodId, mark: mark[who] })))) });
  };
  await write(c10);
  await c.call('orders.promote', { order: { number: '90-п', date: '2025-06-30' }, fromYearId: y25, toYearId: y26 });
  await write(c11);
  await c.call('exams.addResult', { studentId: st['Ефимова'], kind: 'ЕГЭ', subjectId: subj['Русский язык'], year: 2026, score: 85 });
  await c.call('exams.addResult', { studentId: st['Ефимова'], kind: 'ЕГЭ', subjectId: subj['Математика (профильный уровень)'], year: 2026, score: 72 });
  const pv = await c.call('attestats.computeFinals', { classId: c11 });
  expect(pv.students.map((s) => [s.fullName, s.honours.withHonours])).toEqual([[NAME['Дмитриев'], false], [NAME['Ефимова'], true], [NAME['Жукова'], false]]);
  await c.call('attestats.applyFinals', { classId: c11, ruleSetId: pv.ruleSet.id });
  // ordinary blanks only, for now
  await c.call('attestats.receiveForms', { kind: 11, series: '50 АБ', firstNumber: 1, lastNumber: 5, receivedOn: '2026-05-20', document: 'Накладная № 21' });
}, 120_000);
afterAll(() => c.backend.close());

describe('blanks «с отличием»: their own kind, received, printed and issued apart', () => {
  it('a delivery says its kind; a kind that is not yes or no is refused, nothing received', async () => {
    const before = state();
    const bad = await refusal('attestats.receiveForms', { kind: 11, honours: 'да', series: '50 АО', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-21', document: 'Накладная № 22' });
    expect(bad.code).toBe('validation');
    expect(bad.fields).toHaveProperty('honours');
    expect(state()).toBe(before);
    expect(sql('SELECT count(*) FROM attestat_form_receipts')).toBe('1');
    expect((await c.call('attestats.forms', {})).every((f) => !f.honours)).toBe(true);
  });

  it('no blanks «с отличием»: the batch is refused naming that kind and the counts, before any blank is taken; the command line says the same', async () => {
    const before = state();
    const e = await refusal('attestats.printClass', { classId: c11, issueDate: '2026-06-25' });
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('Бланков аттестата с отличием 11 класса не хватает: нужно 1, есть 0');
    expect(e.message).not.toContain('аттестата 11 класса не хватает'); // the ordinary ones are enough: not said
    expect(e.message).toContain('ни один бланк не взят');
    expect(state()).toBe(before);
    const out = path.join(dir, 'short.pdf');
    const r = await cli('print', 'attestat', '--class', '11В', '--year', '2025/2026', '--issue-date', '25.06.2026', '--out', out, '--db', c.dbPath);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Бланков аттестата с отличием 11 класса не хватает: нужно 1, есть 0');
    expect(fs.existsSync(out)).toBe(false);
    expect(state()).toBe(before);
  });

  it('received «с отличием», the batch prints each graduate on a blank of his kind, each print with its layout', async () => {
    const got = await c.call('attestats.receiveForms', { kind: 11, honours: true, series: '50 АО', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-21',
      document: 'Накладная № 22' });
    expect(got).toMatchObject({ forms: 2, kindName: 'аттестат о среднем общем образовании с отличием' });
    const r = await printBatch({ classId: c11, issueDate: '2026-06-25' });
    expect(r.printed.map((p) => [p.fullName, `${p.series} ${p.number}`, p.regNumber, p.withHonours])).toEqual([
      [NAME['Дмитриев'], '50 АБ 1', 1, false], [NAME['Ефимова'], '50 АО 1', 2, true], [NAME['Жукова'], '50 АБ 2', 3, false]]);
    // the PDF read back: each graduate's title, then his appendix with his blank's series and number
    const pages = pdfPages(r.dataBase64, 'batch.pdf');
    expect(pages).toHaveLength(6);
    for (const [i, [who, blank]] of [['Дмитриев', '50 АБ № 000001'], ['Ефимова', '50 АО № 000001'], ['Жукова', '50 АБ № 000002']].entries()) {
      expect(pages[i * 2], `титул: ${who}`).toContain(who);
      expect(pages[i * 2 + 1], `приложение: ${who}`).toContain(blank);
    }
    // each print keeps the layout it used: the title «с отличием» its own
    expect(sql('SELECT group_concat(f.series || f.number || \'=\' || p.layout, \' \') FROM attestat_prints p JOIN attestat_forms f ON f.id = p.form_id ORDER BY p.id'))
      .toBe('50 АБ1=attestat-11-2020+appendix-11-2020 50 АО1=attestat-11-honours-2020+appendix-11-2020 50 АБ2=attestat-11-2020+appendix-11-2020');
    const preview = await c.call('attestats.blankPreview', { classId: c11, studentId: st['Ефимова'] });
    expect(preview.blank).toMatchObject({ series: '50 АО', number: 1, honours: true });
    expect(preview.pages.map((p) => p.layoutId)).toEqual(['attestat-11-honours-2020', 'appendix-11-2020']);
    const a = await c.call('attestats.issue', { studentId: st['Дмитриев'], kind: 11, recipient: NAME['Дмитриев'] });
    expect(a).toMatchObject({ series: '50 АБ', number: 1, regNumber: 1, withHonours: false });
  });
});

describe('issuing on the other kind, and a decision changed after printing', () => {
  it('an attestat «с отличием» on an ordinary blank and the reverse are refused by the blank, nothing written', async () => {
    // someone with no class in the register (an attestat entered from the paper book): the clerk gives blank and «с отличием»
    const s = await c.call('students.create', { lastName: 'Зимин', firstName: 'Олег', middleName: 'Петрович', birthDate: '2007-02-02', sex: 'М' });
    const before = state();
    const onPlain = await refusal('attestats.issue', { studentId: s.id, kind: 11, series: '50 АБ', number: 5, issueDate: '2026-06-26', recipient: 'Зимин Олег Петрович', withHonours: true });
    expect(onPlain.fields).toHaveProperty('number');
    expect(onPlain.message).toBe('Бланк 50 АБ № 000005 — бланк аттестата о среднем общем образовании, а выдаётся аттестат о среднем общем образовании с отличием ' +
      '(Зимин Олег Петрович): аттестат с отличием выдаётся на своём бланке (оприходуйте такие бланки поступлением «с отличием»)');
    const onHonours = await refusal('attestats.issue', { studentId: s.id, kind: 11, series: '50 АО', number: 2, issueDate: '2026-06-26', recipient: 'Зимин Олег Петрович' });
    expect(onHonours.fields).toHaveProperty('number');
    expect(onHonours.message).toContain('на бланке аттестата с отличием выдаётся только аттестат с отличием');
    expect(state()).toBe(before);
  });

  it('a decision on «с отличием» changed after printing: issuing and the batch name the graduate and say to spoil and reprint; nothing is taken', async () => {
    await c.call('attestats.decideHonours', { classId: c11, studentId: st['Ефимова'], withHonours: false, reason: 'Решение педагогического совета № 14 от 24.06.2026' });
    const cb = await c.call('attestats.classBlanks', { classId: c11 });
    expect(cb.students.find((x) => x.fullName === NAME['Ефимова'])).toMatchObject({ withHonours: false, blank: { series: '50 АО', number: 1, honours: true } });
    const before = state();
    const issue = await refusal('attestats.issue', { studentId: st['Ефимова'], kind: 11, recipient: NAME['Ефимова'] });
    expect(issue.code).toBe('conflict');
    expect(issue.fields).toHaveProperty('number');
    expect(issue.message).toContain('Ефимова Вера Петровна: аттестат напечатан на бланке аттестата о среднем общем образовании с отличием 50 АО № 000001, ' +
      'а положен аттестат о среднем общем образовании (решение администратора). Этот бланк нужно списать как испорченный и перепечатать аттестат');
    expect(issue.message).toContain('возьмётся следующий бланк аттестата 11 класса');
    // the reverse for Жукова: decided «с отличием», printed on an ordinary blank
    await c.call('attestats.decideHonours', { classId: c11, studentId: st['Жукова'], withHonours: true, reason: 'Решение педагогического совета № 15 от 24.06.2026' });
    const batch = await refusal('attestats.printClass', { classId: c11, issueDate: '2026-06-25' });
    expect(batch.code).toBe('conflict');
    expect(batch.message).toContain('Ефимова Вера Петровна: аттестат напечатан на бланке аттестата о среднем общем образовании с отличием 50 АО № 000001');
    expect(batch.message).toContain('Жукова Нина Петровна: аттестат напечатан на бланке аттестата о среднем общем образовании 50 АБ № 000002, ' +
      'а положен аттестат о среднем общем образовании с отличием (решение администратора)');
    expect(batch.message).toContain('Ничего не напечатано, ни один бланк не взят');
    const one = await refusal('attestats.printClass', { classId: c11, studentId: st['Жукова'], issueDate: '2026-06-25' });
    expect(one.message).toMatch(/^Жукова Нина Петровна: аттестат напечатан на бланке аттестата о среднем общем образовании 50 АБ № 000002/);
    expect(state()).toBe(before);
    // the schema itself refuses a print for Жукова on an ordinary blank while the decision «с отличием» is in force
    const id = sql("SELECT id FROM attestat_forms WHERE series = '50 АБ' AND number = 4");
    let raw = '';
    try {
      execFileSync('sqlite3', [c.dbPath, `INSERT INTO attestat_prints (form_id, student_id, class_id, reg_number, issue_date, layout, printed_at, printed_by)
        VALUES (${id}, '${st['Жукова']}', ${c11}, 9, '2026-06-25', 'attestat-11-2020+appendix-11-2020', '2026-06-25T10:00:00.000Z', 'sqlite3')`], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      raw = String((e as { stderr?: string }).stderr);
    }
    expect(raw).toContain('бланк не того вида: по решению администратора');
    expect(state()).toBe(before);
  });

  it('the reprint spoils the blank of the wrong kind and takes the next of the kind due, with the same registration number; none left of it — refused, nothing spoiled', async () => {
    const e = await c.call('attestats.reprint', { classId: c11, studentId: st['Ефимова'], reason: 'решение о «с отличием» изменено', date: '2026-06-24' });
    expect(e.spoiled).toEqual({ series: '50 АО', number: 1, reason: 'решение о «с отличием» изменено' });
    expect(e.printed).toMatchObject({ series: '50 АБ', number: 3, regNumber: 2, withHonours: false });
    expect(pdfPages(e.dataBase64, 'reprint-e.pdf')[1]).toContain('50 АБ № 000003');
    const z = await c.call('attestats.reprint', { classId: c11, studentId: st['Жукова'], reason: 'решение о «с отличием» изменено', date: '2026-06-24' });
    expect(z.printed).toMatchObject({ series: '50 АО', number: 2, regNumber: 3, withHonours: true });
    expect(sql("SELECT group_concat(f.series || f.number || '=' || p.layout, ' ') FROM attestat_prints p JOIN attestat_forms f ON f.id = p.form_id WHERE p.replaces_id IS NOT NULL ORDER BY p.id"))
      .toBe('50 АБ3=attestat-11-2020+appendix-11-2020 50 АО2=attestat-11-honours-2020+appendix-11-2020');
    // back to the rules for Ефимова («с отличием» again): no blank «с отличием» is left, so her ordinary one stays as it is
    await c.call('attestats.decideHonours', { classId: c11, studentId: st['Ефимова'], withHonours: null, reason: 'Решение № 14 отменено решением № 16' });
    const before = state();
    const none = await refusal('attestats.reprint', { classId: c11, studentId: st['Ефимова'], reason: 'решение о «с отличием» изменено', date: '2026-06-24' });
    expect(none.code).toBe('conflict');
    expect(none.message).toBe('Не осталось бланков аттестата с отличием 11 класса: оприходуйте новые — бланк 50 АБ № 000003 не списан');
    expect(state()).toBe(before);
    await c.call('attestats.decideHonours', { classId: c11, studentId: st['Ефимова'], withHonours: false, reason: 'Решение педагогического совета № 17 от 25.06.2026' });
  });

  it('issued on the blanks of their kinds: the blank register and the книга учёта agree, the spoiled blanks with what replaced them', async () => {
    expect(await c.call('attestats.issue', { studentId: st['Ефимова'], kind: 11, recipient: NAME['Ефимова'] })).toMatchObject({ series: '50 АБ', number: 3, withHonours: false });
    expect(await c.call('attestats.issue', { studentId: st['Жукова'], kind: 11, recipient: NAME['Жукова'] })).toMatchObject({ series: '50 АО', number: 2, withHonours: true });
    const forms = await c.call('attestats.forms', {});
    const tally = (honours: boolean) => {
      const f = forms.filter((x) => x.honours === honours);
      return [f.length, f.filter((x) => x.state === 'issued').length, f.filter((x) => x.state === 'spoiled').length, f.filter((x) => x.state === 'received').length].join(' ');
    };
    // received, issued, spoiled, left: 50 АБ 1, 3 issued, 2 spoiled; 50 АО 2 issued, 1 spoiled
    expect([tally(false), tally(true)]).toEqual(['5 2 1 2', '2 1 1 0']);
    const book = pdfPages((await c.call('printouts.attestatBook', { year: '2025/2026' })).dataBase64, 'book.pdf').join(' ');
    expect(book).toContain(`аттестат о среднем общем образовании (11 класс) 50 АБ ${tally(false)}`);
    expect(book).toContain(`аттестат о среднем общем образовании с отличием (11 класс) 50 АО ${tally(true)}`);
    expect(book).toMatch(/3 Жукова Нина Петровна 06\.04\.2008 аттестат о среднем общем 50 АО № 000002 .*образовании с отличием/);
    expect(book).toContain('50 АБ № 000002 24.06.2026 испорчен при печати: решение о «с отличием» изменено; Жукова Нина Петровна — взамен напечатан бланк 50 АО № 000002');
    expect(book).toContain('50 АО № 000001 24.06.2026 испорчен при печати: решение о «с отличием» изменено; Ефимова Вера Петровна — взамен напечатан бланк 50 АБ № 000003');
  });
});
