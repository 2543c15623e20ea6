// The grid of a class shows a pupil's marks from the class he was transferred from, as that class's: each names the
// class it is kept in and whether that class's ledger is sealed. Once 5А is sealed, Яковлев's 5А quarters in 5Б's
// grid are its sealed marks: the grid says so, and a write over them from 5Б is refused with 5А's marks unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';

describe('the grid knows the seal of every class a pupil was in', () => {
  let f: SealingSchool;
  beforeAll(async () => { f = await sealingSchool(); }, 120_000);
  afterAll(() => f?.c.backend.close());

  const marksIn5A = () => f.c.backend.db.prepare(`SELECT p1, p2 FROM subject_marks WHERE student_id = ? AND class_id = ? AND subject_id = ?`)
    .get(f.students.yakovlev.id, f.s.a.id, f.s.math.id);

  it('his marks from 5А are 5А\'s in 5Б\'s grid: not sealed, then sealed; a write over a sealed one is refused', async () => {
    const { yakovlev, belova } = f.students;
    const [q1, q2] = f.periods;
    const before = await f.c.call('grades.grid', { classId: f.s.b.id });
    expect(before.sealed).toBeNull();
    expect(before.elsewhere).toEqual([
      { studentId: yakovlev.id, subjectId: f.s.math.id, column: `p${q1}`, classId: f.s.a.id, className: '5А', sealed: false },
      { studentId: yakovlev.id, subjectId: f.s.math.id, column: `p${q2}`, classId: f.s.a.id, className: '5А', sealed: false },
    ]);
    expect(before.marks.filter((m) => m.studentId === yakovlev.id && [`p${q1}`, `p${q2}`].includes(m.column)).map((m) => m.mark)).toEqual(['3', '3']);

    await f.c.call('ledgers.seal', { classId: f.s.a.id });
    const after = await f.c.call('grades.grid', { classId: f.s.b.id });
    expect(after.sealed).toBeNull(); // 5Б itself is open
    expect(after.elsewhere?.map((m) => [m.column, m.className, m.sealed])).toEqual([[`p${q1}`, '5А', true], [`p${q2}`, '5А', true]]);
    // and the other way: 5А's grid shows his later marks as 5Б's, whose ledger is open
    const [, , q3, q4] = f.periods;
    expect((await f.c.call('grades.grid', { classId: f.s.a.id })).elsewhere?.map((m) => [m.studentId, m.column, m.className, m.sealed]))
      .toEqual([`p${q3}`, `p${q4}`, 'annual', 'final'].map((col) => [yakovlev.id, col, '5Б', false]));

    expect(marksIn5A()).toEqual({ p1: '3', p2: '3' });
    const r = await f.c.raw('grades.set', { classId: f.s.b.id, cells: [{ studentId: yakovlev.id, subjectId: f.s.math.id, slot: 'period', periodId: q1, mark: '5' }] });
    expect(r.ok).toBe(false);
    expect(marksIn5A()).toEqual({ p1: '3', p2: '3' });
    // the rest of 5Б is as writable as before
    const ok = await f.c.raw('grades.set', { classId: f.s.b.id, cells: [{ studentId: belova.id, subjectId: f.s.math.id, slot: 'annual', periodId: null, mark: '4' }] });
    expect(ok.ok).toBe(true);
  }, 120_000);
});
