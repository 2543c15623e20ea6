// Issue 17, the last two pieces: elective courses (no final mark, «зачтено» on the appendix after the subjects, where the
// layout puts them) and printer calibrations kept per workstation (two computers with printers of the same name each
// print with their own offsets). Over the real dispatcher on a real register file; pdftotext -bbox is the referee for
// where the text lands, sqlite3 for what the register holds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHOOL } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { layoutFor } from '../../main/attestats/layouts.ts';
import type { Input, JobResult, Method, Output, Result } from '../../preload/contract.ts';

const PT = 25.4 / 72;
const PRINTER = 'HP LaserJet 400';
const OTHER_PC = '192.168.1.21';
let c: Client & { dbPath: string };
let dir = '';
let c9 = 0;
const subj: Record<string, number> = {};
const st: Record<string, string> = {};

type Word = { x0: number; y0: number; x1: number; y1: number; text: string };
function pdfWords(b64: string, name: string): Word[][] {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
  return html.split('<page ').slice(1).map((p) => [...p.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
    .map((m) => ({ x0: Number(m[1]) * PT, y0: Number(m[2]) * PT, x1: Number(m[3]) * PT, y1: Number(m[4]) * PT, text: m[5] })));
}
const sql = (q: string) => execFileSync('sqlite3', [c.dbPath, q], { encoding: 'utf8' }).trim();

/** The admin calling from another computer: a peer of the network transport. */
async function fromOtherPc<M extends Method>(method: M, args: Input<M>): Promise<Output<M>> {
  const r = await c.backend.call({ method, args, session: c.session }, 'http', OTHER_PC) as Result<Output<M>>;
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value;
}
type Call = <M extends Method>(method: M, args: Input<M>) => Promise<Output<M>>;
async function printBatch(call: Call, args: Input<'attestats.printClass'>) {
  const { jobId } = await call('attestats.printClass', args);
  for (let i = 0; i < 4800; i++) {
    const j = await call('jobs.status', { id: jobId });
    if (j.state !== 'running') {
      expect(j.state, j.message ?? '').toBe('done');
      return await call('jobs.result', { id: jobId }) as JobResult<'attestats.printClass'>;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the job did not finish');
}

beforeAll(async () => {
  dir = tempDir('sr-electives-');
  c = await adminClient(dir);
  await c.call('school.update', SCHOOL);
  const y = (await c.call('years.create', { name: '2025/2026' })).id;
  for (const [name, shortName] of [['Русский язык', 'Рус.'], ['Физика', 'Физ.'], ['Финансовая грамотность', 'Фин. гр.']]) {
    subj[name] = (await c.call('subjects.create', { name, shortName })).id;
  }
  c9 = (await c.call('classes.create', { yearId: y, parallel: 9, letter: 'В' })).id;
  await c.call('curriculum.set', { classId: c9, subjectIds: Object.values(subj) });
  for (const [last, first, sex] of [['Зайцев', 'Олег', 'М'], ['Ильина', 'Ольга', 'Ж']] as const) {
    const s = await c.call('students.create', { lastName: last, firstName: first, middleName: sex === 'М' ? 'Ильич' : 'Ильинична', birthDate: '2010-03-02', sex });
    await c.call('orders.enrol', { order: { number: `${last}-з9`, date: '2025-09-01' }, studentId: s.id, classId: c9, date: '2025-09-01' });
    st[last] = s.id;
  }
  // annual marks: Ильина has 5 in every subject and a 3 in the course that becomes an elective; Зайцев nothing in it
  const marks: Array<[string, string, string]> = [['Зайцев', 'Русский язык', '4'], ['Зайцев', 'Физика', '5'],
    ['Ильина', 'Русский язык', '5'], ['Ильина', 'Физика', '5'], ['Ильина', 'Финансовая грамотность', '3']];
  await c.call('grades.set', { classId: c9, cells: marks.map(([who, name, mark]) => ({ studentId: st[who], subjectId: subj[name], slot: 'annual' as const, periodId: null, mark })) });
  await c.call('attestats.receiveForms', { kind: 9, series: '50 ВГ', firstNumber: 1, lastNumber: 5, receivedOn: '2026-05-20', document: 'Накладная № 9' });
  // Ильина's attestat is «с отличием»: a blank of its own kind (migration 0022)
  await c.call('attestats.receiveForms', { kind: 9, honours: true, series: '50 ВО', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-20', document: 'Накладная № 10' });
}, 120_000);
afterAll(() => c.backend.close());

describe('elective courses', () => {
  it('as a plain subject the course counts in the finals: its missing annual mark is named', async () => {
    const r = await c.raw('attestats.computeFinals', { classId: c9 });
    expect(r.ok).toBe(false);
    expect((r as { ok: false; error: { message: string } }).error.message).toContain('Зайцев Олег Ильич, «Финансовая грамотность», годовая — нет годовой отметки');
  });

  it('an elective must be in the curriculum and cannot be an exam; flagged, it is left out of the finals and of «с отличием»', async () => {
    const notInPlan = await c.raw('curriculum.set', { classId: c9, subjectIds: [subj['Русский язык'], subj['Физика']], electiveSubjectIds: [subj['Финансовая грамотность']] });
    expect(notInPlan.ok).toBe(false);
    expect((notInPlan as { ok: false; error: { fields?: Record<string, string> } }).error.fields).toHaveProperty('electiveSubjectIds');
    await c.call('curriculum.set', { classId: c9, subjectIds: Object.values(subj), electiveSubjectIds: [subj['Финансовая грамотность']] });
    expect(await c.call('curriculum.electives', { classId: c9 })).toEqual([subj['Финансовая грамотность']]);
    // curriculum.set without electiveSubjectIds leaves the flags alone
    await c.call('curriculum.set', { classId: c9, subjectIds: Object.values(subj) });
    expect(sql(`SELECT group_concat(subject_id || ':' || elective, ' ') FROM (SELECT * FROM curriculum WHERE class_id = ${c9} ORDER BY subject_id)`))
      .toBe(`${subj['Русский язык']}:0 ${subj['Физика']}:0 ${subj['Финансовая грамотность']}:1`);
    const exam = await c.raw('grades.setExams', { classId: c9, subjectIds: [subj['Финансовая грамотность']] });
    expect(exam.ok).toBe(false);
    expect(sql('SELECT count(*) FROM class_exams')).toBe('0');

    const pv = await c.call('attestats.computeFinals', { classId: c9 });
    expect(pv.students.map((s) => [s.fullName, s.finals.map((f) => `${f.subject} ${f.final}`), s.honours.eligible])).toEqual([
      ['Зайцев Олег Ильич', ['Русский язык 4', 'Физика 5'], false],
      ['Ильина Ольга Ильинична', ['Русский язык 5', 'Физика 5'], true]]);
    expect(pv.notes.join('\n')).toContain('Элективные курсы без итоговой отметки (в приложении — «зачтено»): Финансовая грамотность');
    await c.call('attestats.applyFinals', { classId: c9, ruleSetId: pv.ruleSet.id });
    expect(sql(`SELECT count(*) FROM marks WHERE slot = 'final' AND subject_id = ${subj['Финансовая грамотность']}`)).toBe('0');
    expect(sql(`SELECT count(*) FROM marks WHERE slot = 'final' AND class_id = ${c9}`)).toBe('4');
  });
});

describe('calibration per workstation, and the elective on the appendix', () => {
  it('two computers keep their own offsets for a printer of the same name; each print uses its own', async () => {
    expect(await c.call('attestats.setCalibration', { printer: PRINTER, dxMm: 1.5, dyMm: -2, scale: 1 })).toMatchObject({ workstation: 'этот компьютер', dxMm: 1.5, dyMm: -2 });
    expect(await fromOtherPc('attestats.setCalibration', { printer: PRINTER, dxMm: -3, dyMm: 2.5, scale: 1 })).toMatchObject({ workstation: OTHER_PC, dxMm: -3, dyMm: 2.5 });
    expect(sql("SELECT group_concat(workstation || '|' || printer || '|' || dx_mm || ';' || dy_mm, ' / ') FROM (SELECT * FROM printer_calibrations ORDER BY workstation)"))
      .toBe(`${OTHER_PC}|${PRINTER}|-3.0;2.5 / этот компьютер|${PRINTER}|1.5;-2.0`);
    // each computer lists its own
    expect((await c.call('attestats.calibrations', {})).map((k) => [k.workstation, k.dxMm])).toEqual([['этот компьютер', 1.5]]);
    expect((await fromOtherPc('attestats.calibrations', {})).map((k) => [k.workstation, k.dxMm])).toEqual([[OTHER_PC, -3]]);

    const l = layoutFor('appendix', 9, '2025/2026')!;
    const t = l.subjects!;
    const here = await printBatch(c.call.bind(c) as Call, { classId: c9, issueDate: '2026-06-25', printer: PRINTER });
    const there = await printBatch(fromOtherPc as Call, { classId: c9, issueDate: '2026-06-25', printer: PRINTER });
    expect(here.calibration).toMatchObject({ workstation: 'этот компьютер', dxMm: 1.5, dyMm: -2 });
    expect(there.calibration).toMatchObject({ workstation: OTHER_PC, dxMm: -3, dyMm: 2.5 });
    expect(there.taken).toBe(0); // the same blanks, printed again on the other computer
    for (const [r, dx, dy, name] of [[here, 1.5, -2, 'here.pdf'], [there, -3, 2.5, 'there.pdf']] as const) {
      const pages = pdfWords(r.dataBase64, name);
      expect(pages).toHaveLength(4);
      for (const p of [pages[1], pages[3]]) { // each graduate's appendix
        // rows: the two subjects, the electives' heading, the course with «зачтено» — each at the layout's place, moved
        // by this computer's calibration (a word's box starts at the field's point plus the offset)
        const at = (text: string, x: number, row: number) => p.find((w) => w.text === text && Math.abs(w.x0 - (x + dx)) < 0.4
          && Math.abs(w.y0 - (t.y + row * t.step + dy)) < 0.4);
        expect(at('Русский', t.nameX, 0), `${name}: Русский язык`).toBeDefined();
        expect(at('Элективные', t.electives!.headingX, 2), `${name}: заголовок`).toBeDefined();
        expect(at('Финансовая', t.nameX, 3), `${name}: элективный курс`).toBeDefined();
        const mark = p.find((w) => w.text === 'зачтено' && Math.abs(w.y0 - (t.y + 3 * t.step + dy)) < 0.4);
        expect(mark, `${name}: «зачтено»`).toBeDefined();
        expect(Math.abs((mark!.x0 + mark!.x1) / 2 - (t.markX + dx + t.markWidth / 2)), `${name}: «зачтено» по центру`).toBeLessThan(0.5);
      }
    }
  });
});
