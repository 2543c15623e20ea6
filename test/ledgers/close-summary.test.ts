// Before the year is closed the admin sees what it would do (ledgers.closeYearSummary): each class with its students,
// its marks and what keeps it back; and an empty register shows its first-start checklist (register.checklist),
// each step done or not as the register says. Over the real dispatcher on a real register file.
import { afterAll, describe, expect, it } from 'vitest';
import { adminClient, smallSchool } from '../helpers/register.ts';
import { sealingSchool, SCHOOL, type SealingSchool } from './sealing-school.ts';

const open: Array<{ close(): unknown }> = [];
afterAll(() => { while (open.length) open.pop()!.close(); });

describe('ledgers.closeYearSummary', () => {
  let f: SealingSchool;
  it('lists every class with its students and marks; a complete year has nothing missing', async () => {
    f = await sealingSchool();
    open.push(f.c.backend);
    const sum = await f.c.call('ledgers.closeYearSummary', { yearId: f.s.year.id });
    expect(sum.year).toBe('2025/2026');
    // 5А: two students × (Математика 4 четв. + год + экзамен + итог, Русский язык 4 + год + итог); the one who moved is counted in 5Б
    // 5Б: two students × (Математика 4 + год + итог)
    expect(sum.classes).toEqual([
      { classId: f.s.a.id, className: '5А', state: 'open', students: 2, marks: 26, missing: 0, na: 0, gaps: null },
      { classId: f.s.b.id, className: '5Б', state: 'open', students: 2, marks: 12, missing: 0, na: 0, gaps: null },
    ]);
    expect(sum).toMatchObject({ marks: 38, missing: 0, na: 0 });
  });

  it('names what is missing, and a sealed class as sealed; refused to a clerk', async () => {
    const { ivanov } = f.students;
    const grid = await f.c.call('grades.grid', { classId: f.s.a.id });
    const rusFinal = grid.marks.find((m) => m.studentId === ivanov.id && m.subjectId === f.s.rus.id && m.column === 'final')!;
    expect(rusFinal).toBeTruthy();
    await f.c.call('grades.set', { classId: f.s.a.id, cells: [{ studentId: ivanov.id, subjectId: f.s.rus.id, slot: 'final', periodId: null, mark: null }] });
    await f.c.call('ledgers.seal', { classId: f.s.b.id });
    const sum = await f.c.call('ledgers.closeYearSummary', { yearId: f.s.year.id });
    expect(sum.classes[0]).toMatchObject({ className: '5А', state: 'open', marks: 25, missing: 1, na: 0, gaps: 'Иванов Пётр Сергеевич — Русский язык, итоговая' });
    expect(sum.classes[1]).toMatchObject({ className: '5Б', state: 'sealed', gaps: null });
    expect(sum).toMatchObject({ marks: 37, missing: 1 });
    await f.c.call('users.create', { login: 'clerk', fullName: 'Секретарь Анна', role: 'clerk', password: 'password-123' });
    const r = await f.c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'password-123' } }, 'http');
    const session = (r as { ok: true; value: { session: string } }).value.session;
    const refused = await f.c.backend.call({ method: 'ledgers.closeYearSummary', args: { yearId: f.s.year.id }, session }, 'http');
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await f.c.raw('ledgers.closeYearSummary', { yearId: 999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('register.checklist', () => {
  it('an empty register: nothing done; each step done as soon as the register has it', async () => {
    const c = await adminClient();
    open.push(c.backend);
    const keys = (x: { steps: Array<{ key: string; done: boolean }> }) => Object.fromEntries(x.steps.map((s) => [s.key, s.done]));
    const empty = await c.call('register.checklist', {});
    expect(empty.done).toBe(false);
    expect(keys(empty)).toEqual({ school: false, years: false, classes: false, staff: false, subjects: false, students: false });
    await smallSchool(c);
    expect(keys(await c.call('register.checklist', {}))).toEqual({ school: false, years: true, classes: true, staff: true, subjects: true, students: false });
    await c.call('school.update', SCHOOL);
    await c.call('students.create', { lastName: 'Орлова', firstName: 'Анна', middleName: 'Игоревна', birthDate: '2014-04-01', sex: 'Ж' });
    const all = await c.call('register.checklist', {});
    expect(all.done).toBe(true);
    expect(all.steps.find((s) => s.key === 'classes')).toEqual({ key: 'classes', done: true, count: 2 });
  });
});
