// Final marks for attestats (issue 17) over the real dispatcher on a real register file: a 9th and an 11th grade built
// through the contract, their finals compared with values worked out BY HAND below (the mean of the marks, rounded half
// up — never by the code under test), every rounding boundary (2,5 → 3; 3,5 → 4; 4,5 → 5) and the 10th–11th mean among
// them; «с отличием» explained; bad input refused by name with nothing written; the command line, with sqlite3 as the
// referee of what landed in the file.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../helpers/register.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';

type Marks = Record<string, string>; // column → mark: 'annual', 'exam', 'final', 'h1', 'h2'

let c: Client & { dbPath: string };
const subj: Record<string, number> = {};
const st: Record<string, string> = {};
let y25 = 0, y26 = 0, c9 = 0, c10 = 0, c11 = 0;

async function student(lastName: string, firstName: string, birthDate: string, classId: number, date: string) {
  const s = await c.call('students.create', { lastName, firstName, middleName: 'Тестович', birthDate, sex: firstName.endsWith('а') ? 'Ж' : 'М' });
  await c.call('orders.enrol', { order: { number: `${lastName}-з`, date }, studentId: s.id, classId, date });
  st[lastName] = s.id;
  return s.id;
}

/** Writes a student's marks: subject → { annual, exam, h1, h2, final }. */
async function marks(classId: number, studentId: string, bySubject: Record<string, Marks>) {
  const grid = await c.call('grades.grid', { classId });
  const period = (key: string) => grid.columns.find((k) => k.slot === 'period' && k.number === Number(key.slice(1)))!.periodId;
  const cells = Object.entries(bySubject).flatMap(([name, m]) => Object.entries(m).map(([col, mark]) => ({
    studentId, subjectId: subj[name], slot: (col.startsWith('h') ? 'period' : col) as 'period' | 'annual' | 'exam' | 'final',
    periodId: col.startsWith('h') ? period(col) : null, mark })));
  await c.call('grades.set', { classId, cells });
}

/** Three marks of a year: 1st half, 2nd half, annual. */
const year = (h1: string, h2: string, annual: string): Marks => ({ h1, h2, annual });

beforeAll(async () => {
  c = await adminClient(tempDir('sr-attestats-'));
  y25 = (await c.call('years.create', { name: '2024/2025' })).id;
  y26 = (await c.call('years.create', { name: '2025/2026' })).id;
  for (const [name, shortName] of [['Русский язык', 'Рус.'], ['Алгебра', 'Алг.'], ['Физика', 'Физ.'], ['Химия', 'Хим.'], ['История', 'Ист.'],
    ['Музыка', 'Муз.'], ['Физическая культура', 'Физ-ра'], ['Информатика', 'Инф.'], ['Биология', 'Биол.'], ['Астрономия', 'Астр.'],
    ['Математика (профильный уровень)', 'Мат. проф.'], ['Математика (базовый уровень)', 'Мат. баз.']]) {
    subj[name] = (await c.call('subjects.create', { name, shortName })).id;
  }
  // ---- 9А, 2025/2026: exams in Russian and algebra (required) and four subjects by choice
  c9 = (await c.call('classes.create', { yearId: y26, parallel: 9, letter: 'А' })).id;
  const plan9 = ['Русский язык', 'Алгебра', 'Физика', 'Химия', 'История', 'Музыка', 'Физическая культура', 'Информатика', 'Биология'];
  await c.call('curriculum.set', { classId: c9, subjectIds: plan9.map((n) => subj[n]) });
  await c.call('exams.set', { classId: c9, subjectIds: ['Русский язык', 'Алгебра', 'Физика', 'Химия', 'Информатика', 'Биология'].map((n) => subj[n]) });
  await student('Андреев', 'Павел', '2010-03-01', c9, '2025-09-01');
  await student('Борисова', 'Анна', '2010-05-02', c9, '2025-09-01');
  await student('Волков', 'Илья', '2010-07-03', c9, '2025-09-01');
  await student('Гусев', 'Олег', '2010-01-04', c9, '2025-09-01');
  await marks(c9, st['Андреев'], {
    'Русский язык': { annual: '4', exam: '5' }, 'Алгебра': { annual: '3', exam: '4' }, 'Физика': { annual: '2', exam: '3' },
    'Химия': { annual: '5', exam: '4' }, 'История': { annual: '4' }, 'Музыка': { annual: 'зч' }, 'Физическая культура': { annual: '5' },
    'Информатика': { annual: '5' }, 'Биология': { annual: '3' },
  });
  await marks(c9, st['Борисова'], {
    'Русский язык': { annual: '5', exam: '5' }, 'Алгебра': { annual: '5', exam: '5' }, 'Физика': { annual: '5' }, 'Химия': { annual: '5' },
    'История': { annual: '5' }, 'Музыка': { annual: 'зч' }, 'Физическая культура': { annual: 'осв' },
    'Информатика': { annual: '5', exam: '5' }, 'Биология': { annual: '5', exam: '5' },
  });
  await marks(c9, st['Волков'], {
    'Русский язык': { annual: '5', exam: '4' }, 'Алгебра': { annual: '4', exam: '4' }, 'Физика': { annual: '5', final: '4' },
    'Химия': { annual: '4', final: '4' }, 'История': { annual: '5' }, 'Музыка': { annual: 'зч' }, 'Физическая культура': { annual: '4' },
    'Информатика': { annual: '3', exam: '5' }, 'Биология': { annual: '4', exam: '3' },
  });
  // Гусев leaves in February: his marks so far stay, he gets no finals
  await marks(c9, st['Гусев'], { 'Русский язык': { annual: '3' } });
  await c.call('orders.depart', { order: { number: '15-в', date: '2026-02-10' }, studentId: st['Гусев'], date: '2026-02-10',
    reason: 'Перевод в другую образовательную организацию', whereTo: 'ГБОУ Школа № 2' });

  // ---- 10А in 2024/2025, promoted to 11А in 2025/2026 (halves in both years: the default for 10–11)
  c10 = (await c.call('classes.create', { yearId: y25, parallel: 10, letter: 'А' })).id;
  c11 = (await c.call('classes.create', { yearId: y26, parallel: 11, letter: 'А' })).id;
  await c.call('curriculum.set', { classId: c10, subjectIds: ['Русский язык', 'Алгебра', 'Физика', 'История'].map((n) => subj[n]) });
  await c.call('curriculum.set', { classId: c11, subjectIds: ['Русский язык', 'Алгебра', 'Физика', 'История', 'Астрономия'].map((n) => subj[n]) });
  await student('Дмитриев', 'Глеб', '2008-02-05', c10, '2024-09-01');
  await student('Ефимова', 'Вера', '2008-04-06', c10, '2024-09-01');
  await student('Жукова', 'Нина', '2008-06-07', c10, '2024-09-01');
  await marks(c10, st['Дмитриев'], { 'Русский язык': year('4', '5', '5'), 'Алгебра': year('3', '4', '4'), 'Физика': year('3', '3', '4'), 'История': year('3', '3', '3') });
  await marks(c10, st['Ефимова'], { 'Русский язык': year('5', '5', '5'), 'Алгебра': year('5', '5', '5'), 'Физика': year('5', '5', '5'), 'История': year('5', '4', '5') });
  await marks(c10, st['Жукова'], { 'Русский язык': year('5', '5', '4'), 'Алгебра': year('5', '5', '5'), 'Физика': year('5', '5', '5'), 'История': year('5', '5', '5') });
  await c.call('orders.promote', { order: { number: '90-п', date: '2025-06-30' }, fromYearId: y25, toYearId: y26, date: '2025-06-30' });
  await marks(c11, st['Дмитриев'], { 'Русский язык': year('4', '4', '5'), 'Алгебра': year('4', '3', '4'), 'Физика': year('4', '3', '4'),
    'История': year('2', '2', '2'), 'Астрономия': year('4', '5', '5') });
  await marks(c11, st['Ефимова'], { 'Русский язык': year('5', '5', '5'), 'Алгебра': year('5', '5', '5'), 'Физика': year('4', '4', '4'),
    'История': year('5', '5', '5'), 'Астрономия': year('5', '5', '5') });
  await marks(c11, st['Жукова'], { 'Русский язык': year('5', '5', '5'), 'Алгебра': year('5', '5', '5'), 'Физика': year('5', '5', '5'),
    'История': year('5', '5', '5'), 'Астрономия': year('5', '5', '5') });
  for (const [who, subject, score] of [['Ефимова', 'Русский язык', 85], ['Ефимова', 'Математика (профильный уровень)', 72],
    ['Жукова', 'Русский язык', 65], ['Жукова', 'Математика (базовый уровень)', 5]] as const) {
    await c.call('exams.addResult', { studentId: st[who], kind: 'ЕГЭ', subjectId: subj[subject], year: 2026, score });
  }
}, 120_000);
afterAll(() => c.backend.close());

/** The finals of a preview as { student: { subject: final } }. */
function finalsOf(p: { students: Array<{ fullName: string; finals: Array<{ subject: string; final: string }> }> }) {
  return Object.fromEntries(p.students.map((s) => [s.fullName.split(' ')[0], Object.fromEntries(s.finals.map((f) => [f.subject, f.final]))]));
}
/** The final column of a class as the grid shows it: { student: { subject: final } } (students with any final). */
async function gridFinals(classId: number) {
  const g = await c.call('grades.grid', { classId });
  const out: Record<string, Record<string, string>> = {};
  for (const m of g.marks.filter((x) => x.column === 'final')) {
    const who = g.students.find((s) => s.id === m.studentId)!.fullName.split(' ')[0];
    (out[who] ??= {})[g.subjects.find((s) => s.id === m.subjectId)!.name] = m.mark;
  }
  return out;
}
async function refusal(method: 'attestats.computeFinals' | 'attestats.applyFinals' | 'attestats.decideHonours', args: Record<string, unknown>) {
  const r = await c.raw(method, args);
  expect(r.ok).toBe(false);
  return (r as { ok: false; error: { code: string; message: string; rows?: Array<Record<string, string>> } }).error;
}

describe('final marks, 9th grade', () => {
  it('is the mean of annual and exam for the exam subjects, the annual for the others, rounded half up (hand-computed)', async () => {
    const p = await c.call('attestats.computeFinals', { classId: c9 });
    expect(p.ruleSet.id).toBe('minpros-546-2020');
    expect(p.grade).toBe(9);
    expect(finalsOf(p)).toEqual({
      Андреев: {
        'Русский язык': '5', // (4 + 5) / 2 = 4,5 → 5
        'Алгебра': '4', // (3 + 4) / 2 = 3,5 → 4
        'Физика': '3', // (2 + 3) / 2 = 2,5 → 3
        'Химия': '5', // (5 + 4) / 2 = 4,5 → 5
        'История': '4', // annual
        'Музыка': 'зч', // зачёт
        'Физическая культура': '5', // annual
        'Информатика': '5', // annual: no exam taken by him
        'Биология': '3', // annual
      },
      Борисова: {
        'Русский язык': '5', 'Алгебра': '5', 'Физика': '5', 'Химия': '5', 'История': '5', 'Музыка': 'зч',
        'Физическая культура': 'осв', // exempted
        'Информатика': '5', // (5 + 5) / 2
        'Биология': '5',
      },
      Волков: {
        'Русский язык': '5', // (5 + 4) / 2 = 4,5 → 5
        'Алгебра': '4', // (4 + 4) / 2
        'Физика': '5', // annual, over the 4 written earlier
        'Химия': '4', // annual, the same as written
        'История': '5', 'Музыка': 'зч', 'Физическая культура': '4',
        'Информатика': '4', // (3 + 5) / 2 = 4
        'Биология': '4', // (4 + 3) / 2 = 3,5 → 4
      },
    });
    const andreev = p.students.find((s) => s.fullName.startsWith('Андреев'))!;
    expect(andreev.finals.find((f) => f.subject === 'Физика')!.mean).toBe('2,5');
    expect(andreev.finals.find((f) => f.subject === 'Физика')!.inputs).toEqual([{ label: 'годовая', mark: '2' }, { label: 'экзаменационная', mark: '3' }]);
    // what differs from the register now: everything is new except Волков's Химия (4 there, 4 computed)
    const volkov = p.students.find((s) => s.fullName.startsWith('Волков'))!;
    expect(volkov.finals.find((f) => f.subject === 'Физика')).toMatchObject({ current: '4', final: '5', differs: true });
    expect(volkov.finals.find((f) => f.subject === 'Химия')).toMatchObject({ current: '4', final: '4', differs: false });
    expect(p.changes).toBe(9 + 9 + 8);
  });

  it('explains «с отличием» either way', async () => {
    const p = await c.call('attestats.computeFinals', { classId: c9 });
    const h = Object.fromEntries(p.students.map((s) => [s.fullName.split(' ')[0], s.honours]));
    expect(h['Борисова']).toEqual({ eligible: true, reasons: ['все итоговые отметки 5', 'экзамены ГИА сданы'], withHonours: true, override: null });
    expect(h['Андреев'].eligible).toBe(false);
    expect(h['Андреев'].reasons).toEqual(['не все итоговые 5: Алгебра — 4, Биология — 3, История — 4, Физика — 3']);
    expect(h['Волков'].reasons).toEqual(['не все итоговые 5: Алгебра — 4, Биология — 4, Информатика — 4, Физическая культура — 4, Химия — 4']);
  });

  it('excludes a student who left before the end of the year, and says so', async () => {
    const p = await c.call('attestats.computeFinals', { classId: c9 });
    expect(p.students.map((s) => s.fullName.split(' ')[0])).not.toContain('Гусев');
    expect(p.excluded).toHaveLength(1);
    expect(p.excluded[0].fullName).toBe('Гусев Олег Тестович');
    expect(p.excluded[0].reason).toContain('выбыл(а) из класса 10.02.2026');
    expect(p.excluded[0].reason).toContain('итоговые отметки не выставляются');
  });
});

describe('final marks, 11th grade', () => {
  it('is the mean of the half-year and annual marks of the 10th and 11th year (hand-computed)', async () => {
    const p = await c.call('attestats.computeFinals', { classId: c11 });
    expect(p.grade).toBe(11);
    expect(finalsOf(p)).toEqual({
      Дмитриев: {
        'Русский язык': '5', // 4 5 5 | 4 4 5 = 27 / 6 = 4,5 → 5
        'Алгебра': '4', // 3 4 4 | 4 3 4 = 22 / 6 = 3,67 → 4
        'Физика': '4', // 3 3 4 | 4 3 4 = 21 / 6 = 3,5 → 4
        'История': '3', // 3 3 3 | 2 2 2 = 15 / 6 = 2,5 → 3
        'Астрономия': '5', // 11th only: 4 5 5 = 14 / 3 = 4,67 → 5
      },
      Ефимова: {
        'Русский язык': '5', 'Алгебра': '5',
        'Физика': '5', // 5 5 5 | 4 4 4 = 27 / 6 = 4,5 → 5
        'История': '5', // 5 4 5 | 5 5 5 = 29 / 6 = 4,83 → 5
        'Астрономия': '5',
      },
      Жукова: {
        'Русский язык': '5', // 5 5 4 | 5 5 5 = 29 / 6 → 5
        'Алгебра': '5', 'Физика': '5', 'История': '5', 'Астрономия': '5',
      },
    });
    const dm = p.students.find((s) => s.fullName.startsWith('Дмитриев'))!;
    expect(dm.finals.find((f) => f.subject === 'Физика')!.mean).toBe('3,5');
    expect(dm.finals.find((f) => f.subject === 'Физика')!.inputs.map((i) => i.mark)).toEqual(['3', '3', '4', '4', '3', '4']);
    expect(dm.finals.find((f) => f.subject === 'Алгебра')!.mean).toBe('3,67');
  });

  it('«с отличием» in 11th: all finals 5 and the ЕГЭ conditions, each unmet one named', async () => {
    const p = await c.call('attestats.computeFinals', { classId: c11 });
    const h = Object.fromEntries(p.students.map((s) => [s.fullName.split(' ')[0], s.honours]));
    expect(h['Ефимова']).toEqual({ eligible: true, reasons: ['все итоговые отметки 5', 'ЕГЭ по русскому языку не меньше 70 баллов',
      'ЕГЭ по математике профильного уровня не меньше 70 баллов'], withHonours: true, override: null });
    expect(h['Жукова'].eligible).toBe(false);
    expect(h['Жукова'].reasons).toHaveLength(1);
    expect(h['Жукова'].reasons[0]).toContain('русский язык: ЕГЭ «Русский язык» — 65 балл.');
    expect(h['Дмитриев'].reasons[0]).toBe('не все итоговые 5: Алгебра — 4, История — 3, Физика — 4');
    expect(h['Дмитриев'].reasons[1]).toContain('русский язык: нет результата ГИА 2026 года');
  });
});

describe('bad input: named, nothing computed, nothing written', () => {
  async function withMarks(classId: number, who: string, change: Record<string, Marks>, restore: Record<string, Marks>, check: () => Promise<void>) {
    const clear = async (m: Record<string, Marks>) => marks(classId, st[who], m);
    await clear(change);
    try {
      await check();
    } finally {
      await clear(restore);
    }
  }
  const nothingWritten = async () => {
    expect(await gridFinals(c9)).toEqual({ Волков: { 'Физика': '4', 'Химия': '4' } });
  };

  it('a missing annual mark: the student, subject and which mark', async () => {
    await withMarks(c9, 'Андреев', { 'История': { annual: null as unknown as string } }, { 'История': { annual: '4' } }, async () => {
      const e = await refusal('attestats.computeFinals', { classId: c9 });
      expect(e.code).toBe('validation');
      expect(e.message).toBe('Итоговые отметки 9А за 2025/2026 не вычислены: отметки класса неполны (1). Первое: Андреев Павел Тестович, «История», годовая — нет годовой отметки');
      expect(e.rows).toEqual([{ student: 'Андреев Павел Тестович', subject: 'История', mark: 'годовая', reason: 'нет годовой отметки' }]);
      const a = await refusal('attestats.applyFinals', { classId: c9, ruleSetId: 'minpros-546-2020' });
      expect(a.message).toBe(e.message);
      await nothingWritten();
    });
  });

  it('a required exam without an exam mark', async () => {
    await withMarks(c9, 'Андреев', { 'Алгебра': { exam: null as unknown as string } }, { 'Алгебра': { exam: '4' } }, async () => {
      const e = await refusal('attestats.computeFinals', { classId: c9 });
      expect(e.message).toContain('Андреев Павел Тестович, «Алгебра», экзаменационная — нет экзаменационной отметки (обязательный экзамен ГИА)');
      await nothingWritten();
    });
  });

  it('an exam by choice not taken: fewer exam marks by choice than the rules ask', async () => {
    await withMarks(c9, 'Андреев', { 'Химия': { exam: null as unknown as string } }, { 'Химия': { exam: '4' } }, async () => {
      const e = await refusal('attestats.computeFinals', { classId: c9 });
      expect(e.rows).toEqual([{ student: 'Андреев Павел Тестович', subject: 'Биология, Информатика, Физика, Химия', mark: 'экзаменационная',
        reason: 'экзаменационных отметок по предметам по выбору 1 из 2' }]);
      await nothingWritten();
    });
  });

  it('a student with «н/а»', async () => {
    await withMarks(c9, 'Волков', { 'Физика': { annual: 'н/а' } }, { 'Физика': { annual: '5' } }, async () => {
      const e = await refusal('attestats.computeFinals', { classId: c9 });
      expect(e.message).toContain('Волков Илья Тестович, «Физика», годовая — не аттестован(а) («н/а»)');
      await nothingWritten();
    });
  });

  it('11th grade: a missing half-year mark of the 10th year', async () => {
    await withMarks(c10, 'Жукова', { 'Физика': { h2: null as unknown as string } }, { 'Физика': { h2: '5' } }, async () => {
      const e = await refusal('attestats.computeFinals', { classId: c11 });
      expect(e.rows).toEqual([{ student: 'Жукова Нина Тестович', subject: 'Физика', mark: '2 полугодие, 10 класс', reason: 'нет отметки «2 полугодие» за 10 класс' }]);
    });
  });

  it('a class that gets no attestat, and a rule set not of the year', async () => {
    expect((await refusal('attestats.computeFinals', { classId: c10 })).message).toBe('Итоговые отметки для аттестата выставляются в 9 и 11 классах, а 10А — 10 класс');
    const e = await refusal('attestats.applyFinals', { classId: c9, ruleSetId: 'old-rules' });
    expect(e.code).toBe('conflict');
    await nothingWritten();
  });
});

describe('«с отличием» decided by an administrator', () => {
  it('overrides what the rules give, with a reason kept and audited; back to the rules with a reason too', async () => {
    const r = await c.call('attestats.decideHonours', { classId: c9, studentId: st['Андреев'], withHonours: true,
      reason: 'Решение педагогического совета № 12 от 20.06.2026' });
    expect(r).toEqual({ studentId: st['Андреев'], eligible: false, withHonours: true });
    let h = (await c.call('attestats.computeFinals', { classId: c9 })).students.find((s) => s.studentId === st['Андреев'])!.honours;
    expect(h).toMatchObject({ eligible: false, withHonours: true, override: { withHonours: true, reason: 'Решение педагогического совета № 12 от 20.06.2026', by: 'admin' } });
    expect(h.reasons[0]).toMatch(/^не все итоговые 5: /); // the rules' explanation stays beside the decision
    const audit = await c.call('audit.list', { limit: 5 });
    expect(audit.find((a) => a.method === 'attestats.decideHonours')!.detail).toContain('Решение педагогического совета № 12');
    // no reason, a student who left: refused, nothing kept
    const noReason = await c.raw('attestats.decideHonours', { classId: c9, studentId: st['Андреев'], withHonours: false, reason: ' ' });
    expect(noReason.ok).toBe(false);
    expect((noReason as { error: { message: string } }).error.message).toContain('укажите причину');
    const left = await refusal('attestats.decideHonours', { classId: c9, studentId: st['Гусев'], withHonours: true, reason: 'по просьбе родителей' });
    expect(left.message).toContain('Гусев Олег Тестович: выбыл(а) из класса 10.02.2026');
    await c.call('attestats.decideHonours', { classId: c9, studentId: st['Андреев'], withHonours: null, reason: 'Решение № 12 отменено решением № 13' });
    h = (await c.call('attestats.computeFinals', { classId: c9 })).students.find((s) => s.studentId === st['Андреев'])!.honours;
    expect(h).toMatchObject({ eligible: false, withHonours: false, override: null });
    const rows = execFileSync('sqlite3', [c.dbPath, 'SELECT with_honours, computed, rule_set FROM attestat_honours_decisions ORDER BY id'], { encoding: 'utf8' }).trim();
    expect(rows).toBe('1|0|minpros-546-2020\n|0|minpros-546-2020');
  });
});

describe('applying the finals', () => {
  it('writes the previewed finals into the final slot, audited with the rule set; again: nothing to write', async () => {
    const r = await c.call('attestats.applyFinals', { classId: c9, ruleSetId: 'minpros-546-2020' });
    expect(r).toEqual({ ruleSetId: 'minpros-546-2020', written: 26, unchanged: 1 });
    const p = await c.call('attestats.computeFinals', { classId: c9 });
    expect(await gridFinals(c9)).toEqual(finalsOf(p));
    expect(p.changes).toBe(0);
    expect((await gridFinals(c9))['Андреев']['Физика']).toBe('3');
    const audit = await c.call('audit.list', { limit: 5 });
    const entry = audit.find((a) => a.method === 'attestats.applyFinals')!;
    expect(entry.detail).toContain('minpros-546-2020');
    expect(await c.call('attestats.applyFinals', { classId: c9, ruleSetId: 'minpros-546-2020' })).toEqual({ ruleSetId: 'minpros-546-2020', written: 0, unchanged: 27 });
  });
});

describe('command line', () => {
  it('attestats compute prints the preview; --apply writes it (sqlite3 the referee)', async () => {
    c.backend.close();
    const preview = await cli('attestats', 'compute', '--class', '11А', '--year', '2025/2026', '--json', '--db', c.dbPath);
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.stdout);
    expect(p.applied).toBeNull();
    expect(finalsOf(p).Дмитриев['История']).toBe('3');
    const text = await cli('attestats', 'compute', '--class', '11А', '--year', '2025/2026', '--db', c.dbPath);
    expect(text.stdout).toContain('Дмитриев Глеб Тестович: с отличием — нет (не все итоговые 5: Алгебра — 4, История — 3, Физика — 4;');
    expect(text.stdout).toContain('  Физика: 3 3 4 4 3 4 → 3,5 → 4 (новая)');
    const sql = `SELECT s.last_name || ':' || su.name || ':' || m.final FROM subject_marks m JOIN students s ON s.id = m.student_id
      JOIN subjects su ON su.id = m.subject_id WHERE m.class_id = ${c11} AND m.final IS NOT NULL ORDER BY 1`;
    expect(execFileSync('sqlite3', [c.dbPath, sql], { encoding: 'utf8' }).trim()).toBe('');
    const applied = await cli('attestats', 'compute', '--class', '11А', '--year', '2025/2026', '--apply', '--db', c.dbPath);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Записано итоговых отметок: 15, без изменений: 0');
    const rows = execFileSync('sqlite3', [c.dbPath, sql], { encoding: 'utf8' }).trim().split('\n');
    expect(rows).toHaveLength(15);
    expect(rows).toContain('Дмитриев:История:3');
    expect(rows).toContain('Дмитриев:Физика:4');
    expect(rows).toContain('Ефимова:Физика:5');
    const bad = await cli('attestats', 'compute', '--class', '10А', '--year', '2024/2025', '--db', c.dbPath);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Итоговые отметки для аттестата выставляются в 9 и 11 классах, а 10А — 10 класс');
  });
});
