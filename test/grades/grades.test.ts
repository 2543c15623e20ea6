// Marks over the real dispatcher on a real register: a batch is all or nothing with every refused cell named;
// the scale, the '1' setting, the class that year and the curriculum are checked; the grid and its statistics add up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarkCell, Student } from '../../preload/contract.ts';
import { columnStats } from '../../main/grades/grades.ts';
import { normalizeMark } from '../../preload/core/marks.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { contentHash, count, expectError, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
let q: number[]; // the quarters of 2025/2026
let a: Student[]; // three students of 5А
let other: Student; // a student of 5Б
let clerk = '', archivist = '';

beforeAll(async () => {
  c = await adminClient(scratchDir());
  s = await smallSchool(c);
  q = s.year.periods.filter((p) => p.kind === 'quarter').sort((x, y) => x.number - y.number).map((p) => p.id);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id] });
  await c.call('curriculum.set', { classId: s.b.id, subjectIds: [s.math.id, s.rus.id] });
  a = [];
  for (const [i, last] of ['Алексеев', 'Борисова', 'Васильев'].entries()) {
    const st = await c.call('students.create', studentInput({ lastName: last, sex: i === 1 ? 'Ж' : 'М', firstName: i === 1 ? 'Анна' : 'Алексей' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
    a.push(st);
  }
  other = await c.call('students.create', studentInput({ lastName: 'Григорьев' }));
  await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: other.id, classId: s.b.id, date: '2025-09-01' });
  for (const role of ['clerk', 'archivist'] as const) {
    await c.call('users.create', { login: role, fullName: `Пользователь ${role}`, role, password: 'password-123' });
    const r = await c.backend.call({ method: 'auth.signIn', args: { login: role, password: 'password-123' } }, 'http');
    if (!r.ok) throw new Error(r.error.message);
    if (role === 'clerk') clerk = (r.value as { session: string }).session; else archivist = (r.value as { session: string }).session;
  }
});
afterAll(() => c?.backend.close());

const cell = (st: Student, mark: string | null, over: Partial<MarkCell> = {}): MarkCell =>
  ({ studentId: st.id, subjectId: s.math.id, slot: 'period', periodId: q[0], mark, ...over });
const setAs = (session: string, classId: number, cells: MarkCell[]) => c.backend.call({ method: 'grades.set', args: { classId, cells }, session }, 'http');

/** Calls and asserts that the register (every table, the audit log included) did not change. */
async function refusedUnchanged(classId: number, cells: MarkCell[], session = clerk) {
  const before = contentHash(c.backend.db);
  const r = await setAs(session, classId, cells);
  expect(contentHash(c.backend.db)).toBe(before);
  return r;
}

describe('grades.set refuses, naming the cell, and writes nothing', () => {
  it('a mark outside the scale', async () => {
    for (const bad of ['6', '0', '5+', 'отл', '4,5']) {
      const e = expectError(await refusedUnchanged(s.a.id, [cell(a[0], bad)]), 'validation', 'cells.0');
      expect(e.message).toContain(`оценка «${bad}» недопустима: 5, 4, 3, 2, зч, нз, осв, н/а`);
      expect(e.fields!['cells.0']).toMatch(/^Алексеев Алексей, «Математика», 1 четверть: /);
    }
  });

  it('a mark for a student not in that class that year', async () => {
    const e = expectError(await refusedUnchanged(s.a.id, [cell(other, '5')]), 'validation', 'cells.0');
    expect(e.message).toMatch(/Григорьев Алексей.*не учился в классе 5А в 2025\/2026 учебном году/);
  });

  it('a subject not in the class curriculum', async () => {
    const e = expectError(await refusedUnchanged(s.a.id, [cell(a[0], '5', { subjectId: s.rus.id })]), 'validation', 'cells.0');
    expect(e.message).toMatch(/«Русский язык».*нет в учебном плане класса 5А/);
  });

  it('a period of another year or kind, and an exam the class does not have', async () => {
    const half = s.year.periods.find((p) => p.kind === 'half')!.id;
    expect(expectError(await refusedUnchanged(s.a.id, [cell(a[0], '5', { periodId: half })]), 'validation', 'cells.0').message)
      .toMatch(/период не относится/);
    expect(expectError(await refusedUnchanged(s.a.id, [cell(a[0], '5', { slot: 'exam', periodId: null })]), 'validation', 'cells.0').message)
      .toMatch(/экзаменационная: по этому предмету в классе 5А нет экзамена/);
  });

  it('one bad cell in a batch: nothing written, the audit unchanged, every bad cell named', async () => {
    const audit = count(c.backend.db, 'audit_log');
    const r = await refusedUnchanged(s.a.id, [cell(a[0], '5'), cell(a[1], '4'), cell(a[2], '7'), cell(a[0], '9', { periodId: q[1] })]);
    const e = expectError(r, 'validation');
    expect(Object.keys(e.fields!).sort()).toEqual(['cells.2', 'cells.3']);
    expect(e.message).toMatch(/Ни одна оценка не записана: 2 из 4 ячеек отклонены/);
    expect(e.fields!['cells.3']).toMatch(/Алексеев Алексей, «Математика», 2 четверть: оценка «9» недопустима/);
    expect(count(c.backend.db, 'marks')).toBe(0);
    expect(count(c.backend.db, 'audit_log')).toBe(audit);
  });

  it("'1' until the administrator allows it; a clerk may not change the setting; it stays on while a '1' exists", async () => {
    const e = expectError(await refusedUnchanged(s.a.id, [cell(a[0], '1')]), 'validation', 'cells.0');
    expect(e.message).toMatch(/оценка «1» не разрешена настройками школы/);
    expectError(await c.backend.call({ method: 'settings.set', args: { allowMarkOne: true }, session: clerk }, 'http'), 'forbidden');
    expect(await c.call('settings.set', { allowMarkOne: true })).toEqual({ allowMarkOne: true, requireSealedBeforePromotion: false });
    expect(await c.call('grades.set', { classId: s.a.id, cells: [cell(a[0], '1', { subjectId: s.math.id, periodId: q[3] })] })).toEqual({ written: 1, cleared: 0 });
    expectError(await c.raw('settings.set', { allowMarkOne: false }), 'validation', 'allowMarkOne');
    await c.call('grades.set', { classId: s.a.id, cells: [cell(a[0], null, { periodId: q[3] })] });
    expect(await c.call('settings.set', { allowMarkOne: false })).toEqual({ allowMarkOne: false, requireSealedBeforePromotion: false });
    expect(count(c.backend.db, 'marks')).toBe(0);
  });

  it('an archivist reads the grid but may not write marks', async () => {
    expectError(await refusedUnchanged(s.a.id, [cell(a[0], '5')], archivist), 'forbidden');
    const r = await c.backend.call({ method: 'grades.grid', args: { classId: s.a.id }, session: archivist }, 'http');
    expect(r.ok).toBe(true);
  });
});

describe('grades.set writes, the grid shows, the statistics add up', () => {
  it('a clerk writes a block in one call; journal spellings are taken; the same block again changes nothing but the audit', async () => {
    const audits = () => count(c.backend.db, 'audit_log', "method = 'grades.set'");
    const audited = audits();
    const block = [cell(a[0], '5'), cell(a[1], ' зачтено '), cell(a[2], 'Н/А'), cell(a[0], '4', { slot: 'annual', periodId: null })];
    const r = await setAs(clerk, s.a.id, block);
    expect(r).toEqual({ ok: true, value: { written: 4, cleared: 0 } });
    const marks = () => c.backend.db.prepare('SELECT student_id, subject_id, slot, period_id, mark FROM marks ORDER BY student_id, slot, period_id').all() as
      Array<{ student_id: string; slot: string; mark: string }>;
    const first = marks();
    const markOf = (i: number, slot = 'period') => first.find((m) => m.student_id === a[i].id && m.slot === slot)?.mark;
    expect([markOf(0), markOf(1), markOf(2), markOf(0, 'annual'), first.length]).toEqual(['5', 'зч', 'н/а', '4', 4]);
    await setAs(clerk, s.a.id, block);
    expect(marks()).toEqual(first);
    expect(audits()).toBe(audited + 2);
  });

  it('null clears a cell', async () => {
    expect(await c.call('grades.set', { classId: s.a.id, cells: [cell(a[1], null), cell(a[2], '')] })).toEqual({ written: 0, cleared: 2 });
    expect(count(c.backend.db, 'marks')).toBe(2);
  });

  it('the grid: students × periods, annual, final; per-column counts, успеваемость and качество', async () => {
    // Q2: 5, 4, 2 → успеваемость 2/3, качество 2/3. Q3: 5, 3, н/а. Q4: осв, 4, 5 (освобождён is not counted).
    await c.call('grades.set', { classId: s.a.id, cells: [
      cell(a[0], '5', { periodId: q[1] }), cell(a[1], '4', { periodId: q[1] }), cell(a[2], '2', { periodId: q[1] }),
      cell(a[0], '5', { periodId: q[2] }), cell(a[1], '3', { periodId: q[2] }), cell(a[2], 'н/а', { periodId: q[2] }),
      cell(a[0], 'осв', { periodId: q[3] }), cell(a[1], '4', { periodId: q[3] }), cell(a[2], '5', { periodId: q[3] }),
    ] });
    const g = await c.call('grades.grid', { classId: s.a.id });
    expect(g.className).toBe('5А');
    expect(g.columns.map((x) => x.key)).toEqual([...q.map((id) => `p${id}`), 'annual', 'final']);
    expect(g.students.map((x) => x.fullName)).toEqual(['Алексеев Алексей Иванович', 'Борисова Анна Иванович', 'Васильев Алексей Иванович']);
    expect(g.subjects.map((x) => x.name)).toEqual(['Математика']);
    const st = g.subjects[0].stats;
    expect(st[`p${q[1]}`]).toEqual({ counts: { '5': 1, '4': 1, '3': 0, '2': 1, 'н/а': 0 }, graded: 3, progress: 66.7, quality: 66.7 });
    expect(st[`p${q[2]}`]).toEqual({ counts: { '5': 1, '4': 0, '3': 1, '2': 0, 'н/а': 1 }, graded: 3, progress: 66.7, quality: 33.3 });
    expect(st[`p${q[3]}`]).toEqual({ counts: { '5': 1, '4': 1, '3': 0, '2': 0, 'н/а': 0 }, graded: 2, progress: 100, quality: 100 });
    expect(st.final).toEqual({ counts: { '5': 0, '4': 0, '3': 0, '2': 0, 'н/а': 0 }, graded: 0, progress: null, quality: null });
    expect(g.marks.filter((m) => m.column === `p${q[0]}`)).toEqual([{ studentId: a[0].id, subjectId: s.math.id, column: `p${q[0]}`, mark: '5' }]);
  });

  it('exams: only for a subject of the curriculum; then the column appears and takes marks', async () => {
    expectError(await c.raw('exams.set', { classId: s.a.id, subjectIds: [s.rus.id] }), 'validation', 'subjectIds');
    await c.call('exams.set', { classId: s.a.id, subjectIds: [s.math.id] });
    await c.call('grades.set', { classId: s.a.id, cells: [cell(a[0], '5', { slot: 'exam', periodId: null })] });
    const g = await c.call('grades.grid', { classId: s.a.id, subjectId: s.math.id });
    expect(g.columns.map((x) => x.key)).toContain('exam');
    expect(g.subjects[0].stats.exam.counts['5']).toBe(1);
    expectError(await c.raw('curriculum.set', { classId: s.a.id, subjectIds: [] }), 'validation', 'subjectIds');
  });

  it('attendance: written per period, valid ≤ missed and the class that year checked, all or nothing', async () => {
    expect(await c.call('attendance.set', { classId: s.a.id, rows: [{ studentId: a[0].id, periodId: q[0], missed: 12, missedValid: 8 }] })).toEqual({ written: 1 });
    const before = contentHash(c.backend.db);
    const e = expectError(await c.raw('attendance.set', { classId: s.a.id, rows: [
      { studentId: a[1].id, periodId: q[0], missed: 3, missedValid: 0 },
      { studentId: a[0].id, periodId: q[1], missed: 2, missedValid: 5 },
      { studentId: other.id, periodId: q[0], missed: 1, missedValid: 0 },
    ] }), 'validation', 'rows.1');
    expect(e.fields!['rows.2']).toMatch(/не учился в классе 5А/);
    expect(contentHash(c.backend.db)).toBe(before);
    const g = await c.call('grades.grid', { classId: s.a.id });
    expect(g.attendance).toEqual([{ studentId: a[0].id, periodId: q[0], missed: 12, missedValid: 8 }]);
  });
});

describe('arithmetic', () => {
  it('columnStats', () => {
    expect(columnStats([])).toMatchObject({ graded: 0, progress: null, quality: null });
    expect(columnStats(['5', '5', '4', '3'])).toMatchObject({ graded: 4, progress: 100, quality: 75 });
    expect(columnStats(['5', '2', '2'])).toMatchObject({ graded: 3, progress: 33.3, quality: 33.3 });
    expect(columnStats(['зч', 'зч', 'нз', 'осв'])).toMatchObject({ graded: 3, progress: 66.7, quality: null });
    expect(columnStats(['осв', 'осв'])).toMatchObject({ graded: 0, progress: null, quality: null });
    expect(columnStats(['5', 'н/а', '4', '1'])).toMatchObject({ counts: { '5': 1, '4': 1, '3': 0, '2': 0, 'н/а': 1 }, graded: 4, progress: 50, quality: 50 });
  });

  it('normalizeMark', () => {
    expect(['5', ' 4 ', 'ЗЧ', 'зачтено', 'Не зачтено', 'освобождён', 'Н/А', 'на', 'н\\а'].map(normalizeMark))
      .toEqual(['5', '4', 'зч', 'зч', 'нз', 'осв', 'н/а', 'н/а', 'н/а']);
    expect(normalizeMark('6')).toBeUndefined(); // no mark: the check names the cell
  });
});

describe('a student who moves to another class mid-year', () => {
  it('keeps the first class\'s marks there, gets the next in the new class, and a mark of one period is in one class only', async () => {
    const st = await c.call('students.create', studentInput({ lastName: 'Дмитриев' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
    const mark = (classId: number, periodId: number, m: string | null) => c.call('grades.set', { classId, cells: [
      { studentId: st.id, subjectId: s.math.id, slot: 'period', periodId, mark: m }] });
    await mark(s.a.id, q[0], '4');
    await c.call('orders.transfer', { order: { number: '5-п', date: '2026-01-12' }, studentId: st.id, toClassId: s.b.id, date: '2026-01-12' });
    await mark(s.b.id, q[2], '5');
    const db = c.backend.db;
    const cells = () => db.prepare(`SELECT class_id AS classId, period_id AS periodId, mark FROM marks WHERE student_id = ? ORDER BY period_id`).all(st.id);
    expect(cells()).toEqual([{ classId: s.a.id, periodId: q[0], mark: '4' }, { classId: s.b.id, periodId: q[2], mark: '5' }]);
    // stored as a row per class (migration 0011), each with its own quarters
    expect(db.prepare('SELECT class_id AS classId, p1, p2, p3, p4 FROM subject_marks WHERE student_id = ? ORDER BY class_id').all(st.id)).toEqual([
      { classId: s.a.id, p1: '4', p2: null, p3: null, p4: null }, { classId: s.b.id, p1: null, p2: null, p3: '5', p4: null }]);
    // the database itself refuses the third quarter in the old class too, whoever writes it
    expect(() => db.prepare("UPDATE subject_marks SET p3 = '3' WHERE student_id = ? AND class_id = ?").run(st.id, s.a.id)).toThrow(/already given in another class/);
    expect(() => db.prepare(`INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, 'period', ?, '3')`)
      .run(st.id, s.math.id, s.year.id, s.a.id, q[2])).toThrow(/UNIQUE constraint failed/);
    // the new class's grid writes the first quarter: the mark moves into the new class's row, the old row goes
    await mark(s.b.id, q[0], '3');
    expect(cells()).toEqual([{ classId: s.b.id, periodId: q[0], mark: '3' }, { classId: s.b.id, periodId: q[2], mark: '5' }]);
    expect(db.prepare('SELECT count(*) FROM subject_marks WHERE student_id = ?').pluck().get(st.id)).toBe(1);
    // clearing the last mark of a row takes the row
    await mark(s.b.id, q[0], null);
    await mark(s.b.id, q[2], null);
    expect(cells()).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM subject_marks WHERE student_id = ?').pluck().get(st.id)).toBe(0);
  });

  it('the same mark written again in the new class\'s grid moves there', async () => {
    const st = await c.call('students.create', studentInput({ lastName: 'Ершов' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
    const cell = { studentId: st.id, subjectId: s.math.id, slot: 'period' as const, periodId: q[0], mark: '4' };
    await c.call('grades.set', { classId: s.a.id, cells: [cell] });
    await c.call('orders.transfer', { order: { number: '6-п', date: '2026-01-12' }, studentId: st.id, toClassId: s.b.id, date: '2026-01-12' });
    expect(await c.call('grades.set', { classId: s.b.id, cells: [{ ...cell, mark: ' 4.0 ' }] })).toEqual({ written: 1, cleared: 0 });
    expect(c.backend.db.prepare('SELECT class_id AS classId, mark FROM marks WHERE student_id = ?').all(st.id)).toEqual([{ classId: s.b.id, mark: '4' }]);
  });
});
