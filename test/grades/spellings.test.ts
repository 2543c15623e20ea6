// One reading of a mark everywhere: the grid (grades.set) and a journal import (as the app commits it) take the same
// journal spellings to the same marks, and refuse the same cells — each with a Russian message that names the cell
// (the grid by student, subject and period; the import by sheet, row and column).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Student } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { expectError, removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';
import { writeBook } from '../workbooks/make.ts';
import { commitAsClerk, previewAsClerk } from '../workbooks/import-as-clerk.ts';

afterAll(removeScratchDirs);

/** A journal's spelling → the mark the register keeps. */
const SPELLINGS: Array<[string, string]> = [
  ['5', '5'], ['5.0', '5'], ['4,0', '4'], [' 3 ', '3'],
  ['з', 'зч'], ['Зачёт', 'зч'], ['зачтено', 'зч'], ['зач.', 'зч'],
  ['н/з', 'нз'], ['не зачтено', 'нз'], ['Незачёт', 'нз'],
  ['освобождена', 'осв'], ['Освобождён', 'осв'], ['осв.', 'осв'],
  ['Н/А', 'н/а'], ['н\\а', 'н/а'], ['не аттестована', 'н/а'], ['н.а.', 'н/а'], ['n/a', 'н/а'],
];
/** Not marks, or not allowed by this school ('1'). */
const REFUSED = ['6', '0', 'отл', '4,5', '5+', '1'];
const SURNAMES = ['Абрамов', 'Белов', 'Волков', 'Галкин', 'Дроздов', 'Ежов', 'Жуков', 'Зайцев', 'Ильин', 'Козлов', 'Лебедев',
  'Морозов', 'Новиков', 'Орлов', 'Попов', 'Рыбаков', 'Соколов', 'Тихонов', 'Уткин', 'Фёдоров', 'Харитонов', 'Цветков',
  'Чернов', 'Шубин', 'Щукин'];
const YEAR = '2025/2026';
const ru = (iso: string) => iso.split('-').reverse().join('.');

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
let q: number[];
let kids: Student[];
let dir: string;

beforeAll(async () => {
  dir = scratchDir('sr-spellings-');
  c = await adminClient(dir);
  s = await smallSchool(c);
  q = s.year.periods.filter((p) => p.kind === 'quarter').sort((x, y) => x.number - y.number).map((p) => p.id);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id] });
  kids = [];
  for (const last of SURNAMES.slice(0, Math.max(SPELLINGS.length, REFUSED.length))) {
    const st = await c.call('students.create', studentInput({ lastName: last }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
    kids.push(st);
  }
}, 180_000);
afterAll(() => c?.backend.close());

const gridMark = (st: Student, periodId: number) => c.backend.db.prepare(`SELECT mark FROM marks WHERE student_id = ? AND subject_id = ?
  AND period_id = ?`).pluck().get(st.id, s.math.id, periodId) as string | undefined;
/** A journal of 5А: ФИО, birth date, and one column of marks for the given quarter, a row per student. */
const journal = (name: string, quarter: number, marks: string[]) => writeBook(dir, name, { '5А': [
  ['ФИО', 'Дата рождения', `Математика ${quarter} четв.`],
  ...marks.map((m, i) => [`${kids[i].lastName} ${kids[i].firstName} ${kids[i].middleName}`, ru(kids[i].birthDate), m]),
] });

describe('the grid and the import read a mark the same way', () => {
  it('every journal spelling: the grid and the import keep the same mark', async () => {
    // the grid writes the 1st quarter, one cell per student; the import the 2nd, from a journal with the same spellings
    await c.call('grades.set', { classId: s.a.id, cells: SPELLINGS.map(([spelled], i) =>
      ({ studentId: kids[i].id, subjectId: s.math.id, slot: 'period' as const, periodId: q[0], mark: spelled })) });
    const file = await journal('spellings.xlsx', 2, SPELLINGS.map(([spelled]) => spelled));
    const done = await commitAsClerk(c.backend.db, file, { year: YEAR });
    expect(done).toMatchObject({ added: SPELLINGS.length, rejected: 0 });
    expect(SPELLINGS.map((_, i) => [gridMark(kids[i], q[0]), gridMark(kids[i], q[1])]))
      .toEqual(SPELLINGS.map(([, mark]) => [mark, mark]));
  });

  it('the same cells refused by both, each named in Russian; nothing of them written', async () => {
    const file = await journal('refused.xlsx', 3, REFUSED);
    const p = await previewAsClerk(c.backend.db, file, { year: YEAR });
    expect(p.rejected.map((x) => [x.sheet, x.row, x.column])).toEqual(REFUSED.map((_, i) => ['5А', i + 2, 'C']));
    for (const [i, bad] of REFUSED.entries()) {
      const r = await c.raw('grades.set', { classId: s.a.id, cells: [{ studentId: kids[i].id, subjectId: s.math.id, slot: 'period', periodId: q[2], mark: bad }] });
      const e = expectError(r, 'validation', 'cells.0');
      expect(e.fields!['cells.0']).toMatch(new RegExp(`^${kids[i].lastName} ${kids[i].firstName}, «Математика», 3 четверть: оценка «${bad.replace('+', '\\+')}» (недопустима|не разрешена)`));
      const why = p.rejected[i].reason;
      expect(why, bad).toMatch(bad === '1' ? /оценка «1» не разрешена настройками школы/ : new RegExp(`«${bad.replace('+', '\\+')}» — не оценка`));
    }
    const done = await commitAsClerk(c.backend.db, file, { year: YEAR, allowRejected: true });
    expect(done).toMatchObject({ added: 0, rejected: REFUSED.length, written: false });
    expect(kids.map((k) => gridMark(k, q[2]))).toEqual(kids.map(() => undefined));
  });
});
