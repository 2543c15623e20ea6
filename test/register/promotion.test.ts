// The turn of the year by the rules (issue 20) on a real register file through the contract: the promotion reviewed
// before it is signed (its date, its blockers named by pupil, class and subject), kept back only on a basis,
// conditional promotion with academic debts and their outcome by a further order, 9th and 11th graders released by a
// выпуск order only with final marks and an attestat (or a справка), the order printed class by class (pdftotext the
// referee), a duplicate order number refused. Rows are read back from the tables, not only from the replies.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarkCell } from '../../preload/contract.ts';
import { GRADUATION_REASON, GRADUATION_REASON_9 } from '../../main/movement/orders.ts';
import { findForm, nextRegNumber, yearOfIssue } from '../../main/printouts/attestats.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { SCHOOL, contentHash, count, expectError, removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
let next: { id: number };
let c9: number, c11: number;
const ids: Record<string, string> = {};
const annual = (who: string, subjectId: number, mark: string | null, slot: MarkCell['slot'] = 'annual'): MarkCell =>
  ({ studentId: ids[who], subjectId, slot, periodId: null, mark });
const review = (extra: Record<string, unknown> = {}) => c.call('orders.promotionReview', { fromYearId: s.year.id, ...extra });
const promoteRaw = (extra: Record<string, unknown> = {}) =>
  c.raw('orders.promote', { order: { number: '10-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-30', ...extra });
const decisions = {
  keptBack: [{ studentId: '', basis: 'council' as const, basisDate: '2026-05-25' }],
  conditional: [{ studentId: '', deadline: '2026-10-15' }, { studentId: '', deadline: '2026-10-20' }],
  leavingAfterNinth: [''],
};

beforeAll(async () => {
  c = await adminClient(scratchDir());
  s = await smallSchool(c);
  await c.call('school.update', SCHOOL);
  c9 = (await c.call('classes.create', { yearId: s.year.id, parallel: 9, letter: 'А' })).id;
  c11 = (await c.call('classes.create', { yearId: s.year.id, parallel: 11, letter: 'А' })).id;
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
  await c.call('curriculum.set', { classId: s.b.id, subjectIds: [s.math.id] });
  await c.call('curriculum.set', { classId: c9, subjectIds: [s.math.id] });
  await c.call('curriculum.set', { classId: c11, subjectIds: [s.math.id] });
  const plan: Array<[string, number, string]> = [
    ['Анохин', s.a.id, '2014-01-10'], ['Беляев', s.a.id, '2014-02-10'], ['Власов', s.a.id, '2014-03-10'], ['Гусев', s.a.id, '2014-04-10'],
    ['Дроздов', s.b.id, '2014-05-10'], ['Ершова', c9, '2010-01-10'], ['Жаров', c9, '2010-02-10'], ['Зуев', c11, '2008-01-10'], ['Ильин', c11, '2008-02-10'],
  ];
  for (const [lastName, classId, birthDate] of plan) {
    ids[lastName] = (await c.call('students.create', studentInput({ lastName, birthDate }))).id;
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: ids[lastName], classId, date: '2025-09-01' });
  }
  await c.call('grades.set', { classId: s.a.id, cells: [annual('Анохин', s.math.id, '5'), annual('Анохин', s.rus.id, '5'), annual('Беляев', s.math.id, '2'),
    annual('Беляев', s.rus.id, '3'), annual('Власов', s.math.id, '4'), annual('Гусев', s.math.id, 'н/а'), annual('Гусев', s.rus.id, '2')] });
  await c.call('grades.set', { classId: s.b.id, cells: [annual('Дроздов', s.math.id, '2')] });
  await c.call('grades.set', { classId: c9, cells: [annual('Ершова', s.math.id, '4'), annual('Ершова', s.math.id, '4', 'final'), annual('Жаров', s.math.id, '2')] });
  await c.call('grades.set', { classId: c11, cells: [annual('Зуев', s.math.id, '5'), annual('Зуев', s.math.id, '5', 'final')] });
  next = await c.call('years.create', { name: '2026/2027' });
  decisions.keptBack[0].studentId = ids.Гусев;
  decisions.conditional[0].studentId = ids.Беляев;
  decisions.conditional[1].studentId = ids.Дроздов;
  decisions.leavingAfterNinth[0] = ids.Жаров;
}, 120_000);
afterAll(() => c?.backend.close());

describe('the promotion reviewed before it is signed', () => {
  it('a date before the last period ends, or outside the year, is refused — in the review and in the order — and nothing is written', async () => {
    const before = contentHash(c.backend.db);
    const early = expectError(await c.raw('orders.promotionReview', { fromYearId: s.year.id, date: '2026-05-20' }), 'validation', 'date');
    expect(early.message).toContain('после окончания последнего учебного периода 2025/2026 (26.05.2026)');
    expectError(await promoteRaw({ date: '2026-05-20', ...decisions }), 'validation', 'date');
    expectError(await promoteRaw({ date: '2026-09-02', ...decisions }), 'validation', 'date');
    expect(contentHash(c.backend.db)).toBe(before);
  });

  it('lists per class who goes where, by default on the last period\'s end, with the blockers named by pupil, class and subject', async () => {
    const r = await review();
    expect(r).toMatchObject({ yearName: '2025/2026', date: '2026-05-26', lastPeriodEnd: '2026-05-26', nextYear: { id: next.id, name: '2026/2027' }, requireSealed: false });
    const byName = Object.fromEntries(r.classes.map((k) => [k.className, k]));
    expect(byName['5А'].promoted.map((p) => p.name)).toEqual(['Анохин Алексей Иванович']);
    expect(byName['5Б']).toMatchObject({ toClass: '6Б', promoted: [] });
    expect(byName['9А'].promoted.map((p) => p.name)).toEqual(['Ершова Алексей Иванович']);
    expect(byName['11А']).toMatchObject({ toClass: null, promoted: [], awaitingGraduation: [{ name: 'Зуев Алексей Иванович' }, { name: 'Ильин Алексей Иванович' }] });
    expect(r.blockers.map((b) => [b.kind, b.className, b.studentName, b.subjects.map((x) => `${x.subject}${x.mark ? ` ${x.mark}` : ''}`)])).toEqual([
      ['debt_undecided', '5А', 'Беляев Алексей Иванович', ['Математика 2']],
      ['no_annual_mark', '5А', 'Власов Алексей Иванович', ['Русский язык']],
      ['debt_undecided', '5А', 'Гусев Алексей Иванович', ['Математика н/а', 'Русский язык 2']],
      ['debt_undecided', '5Б', 'Дроздов Алексей Иванович', ['Математика 2']],
      ['debt_undecided', '9А', 'Жаров Алексей Иванович', ['Математика 2']],
    ]);
  });

  it('the order is refused while blockers remain, each named; nothing is written', async () => {
    const before = contentHash(c.backend.db);
    const e = expectError(await promoteRaw(), 'validation');
    expect(e.message).toMatch(/Перевод не оформлен: 5 препятствий .*; и ещё 2/);
    expect(e.message).toContain('Власов Алексей Иванович (5А): нет годовой отметки — «Русский язык»');
    expect(e.rows?.map((x) => [x.class, x.student, x.subjects])).toEqual([['5А', 'Беляев Алексей Иванович', 'Математика'],
      ['5А', 'Власов Алексей Иванович', 'Русский язык'], ['5А', 'Гусев Алексей Иванович', 'Математика, Русский язык'],
      ['5Б', 'Дроздов Алексей Иванович', 'Математика'], ['9А', 'Жаров Алексей Иванович', 'Математика']]);
    expect(contentHash(c.backend.db)).toBe(before);
  });

  it('a pupil kept back without a basis is refused by name (a bare id, or a basis without its date)', async () => {
    const bare = expectError(await promoteRaw({ keptBack: [ids.Гусев] }), 'validation', 'keptBack.0.basis');
    expect(bare.message).toContain('Гусев Алексей Иванович (5А): оставить на повторное обучение можно только по заявлению');
    expectError(await promoteRaw({ keptBack: [{ studentId: ids.Гусев, basis: 'application' }] }), 'validation', 'keptBack.0.basis');
    expectError(await c.raw('orders.promotionReview', { fromYearId: s.year.id, keptBack: [{ studentId: ids.Гусев }] }), 'validation', 'keptBack.0.basis');
    expect(count(c.backend.db, 'orders', "kind = 'promotion'")).toBe(0);
  });

  it('with the school\'s rule «seal first», each unsealed class the promotion moves blocks it', async () => {
    await c.call('settings.set', { allowMarkOne: false, requireSealedBeforePromotion: true });
    try {
      await c.call('grades.set', { classId: s.a.id, cells: [annual('Власов', s.rus.id, '4')] });
      const r = await review(decisions);
      expect(r.requireSealed).toBe(true);
      expect(r.blockers.map((b) => [b.kind, b.className])).toEqual([['unsealed', '5А'], ['unsealed', '5Б'], ['unsealed', '9А']]);
      const e = expectError(await promoteRaw(decisions), 'validation');
      expect(e.message).toContain('5А: ведомость за 2025/2026 не запечатана');
      expect(count(c.backend.db, 'orders', "kind = 'promotion'")).toBe(0);
    } finally {
      await c.call('settings.set', { allowMarkOne: false, requireSealedBeforePromotion: false });
    }
  });

  it('confirmed with its decisions: kept back on the педсовет decision, conditional with a debt, a 9th grader left for the выпуск', async () => {
    const r = await review(decisions);
    expect(r.blockers).toEqual([]);
    const a5 = r.classes.find((k) => k.className === '5А')!;
    expect(a5.keptBack).toEqual([{ studentId: ids.Гусев, name: 'Гусев Алексей Иванович', basis: 'council', basisDate: '2026-05-25' }]);
    expect(a5.conditional).toEqual([{ studentId: ids.Беляев, name: 'Беляев Алексей Иванович', deadline: '2026-10-15',
      debts: [{ subjectId: s.math.id, subject: 'Математика', mark: '2' }] }]);
    const result = await c.call('orders.promote', { order: { number: '10-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-30', ...decisions });
    expect(result).toEqual({ promoted: 3, keptBack: 1, conditional: 2, leftForGraduation: 3, classesCreated: 4 });
    const now = async (who: string) => (await c.call('students.get', { id: ids[who] })).currentClass?.name;
    expect([await now('Беляев'), await now('Гусев'), await now('Ершова'), await now('Жаров'), await now('Зуев')]).toEqual(['6А', '5А', '10А', '9А', '11А']);
    const db = c.backend.db;
    expect(db.prepare(`SELECT d.decision, d.basis, d.basis_date, mv.student_id FROM promotion_decisions d JOIN movements mv ON mv.id = d.movement_id ORDER BY d.decision, mv.id`).all())
      .toEqual([{ decision: 'conditional', basis: null, basis_date: null, student_id: ids.Беляев },
        { decision: 'conditional', basis: null, basis_date: null, student_id: ids.Дроздов }, { decision: 'kept_back', basis: 'council', basis_date: '2026-05-25', student_id: ids.Гусев }]);
    expect(db.prepare('SELECT student_id, subject_id, annual_mark, deadline, outcome FROM academic_debts ORDER BY id').all())
      .toEqual([{ student_id: ids.Беляев, subject_id: s.math.id, annual_mark: '2', deadline: '2026-10-15', outcome: null },
        { student_id: ids.Дроздов, subject_id: s.math.id, annual_mark: '2', deadline: '2026-10-20', outcome: null }]);
    // the promotion order holds promotions only: no «окончание обучения» inside «О переводе в следующий класс»
    expect(db.prepare(`SELECT DISTINCT mv.kind FROM movements mv JOIN orders o ON o.id = mv.order_id WHERE o.number = '10-п'`).all()).toEqual([{ kind: 'promotion' }]);
  });

  it('the classes the promotion makes in the next year have their curriculum: the grade\'s as studied this year, else the class\'s own', async () => {
    const rows = c.backend.db.prepare(`SELECT c.parallel || c.letter AS class, group_concat(s.name, ', ') AS subjects FROM classes c
      LEFT JOIN (SELECT cu.class_id, su.name FROM curriculum cu JOIN subjects su ON su.id = cu.subject_id ORDER BY su.name) s ON s.class_id = c.id
      WHERE c.year_id = ? GROUP BY c.id ORDER BY c.parallel, c.letter`).all(next.id);
    // 5А (Гусев kept back): what the 5th grades studied (5А's and 5Б's); 6А, 6Б, 10А: no 6th or 10th grade this year — their classes' own
    expect(rows).toEqual([{ class: '5А', subjects: 'Математика, Русский язык' }, { class: '6А', subjects: 'Математика, Русский язык' },
      { class: '6Б', subjects: 'Математика' }, { class: '10А', subjects: 'Математика' }]);
  });

  it('a class of the closed year lists, as of the year\'s end, the pupils who finished it there; now, only those still in it', async () => {
    const names = async (classId: number, asOfYearEnd?: boolean) =>
      (await c.call('classes.students', { classId, ...(asOfYearEnd ? { asOfYearEnd } : {}) })).map((p) => p.fullName.split(' ')[0]);
    expect(await names(s.a.id)).toEqual([]);
    expect(await names(s.a.id, true)).toEqual(['Анохин', 'Беляев', 'Власов', 'Гусев']);
    expect(await names(c9)).toEqual(['Жаров']);
    expect(await names(c9, true)).toEqual(['Ершова', 'Жаров']);
    // the new year's class: the same either way while the year runs
    const sixA = (await c.call('classes.list', { yearId: next.id })).find((k) => k.name === '6А')!;
    expect(await names(sixA.id, true)).toEqual(await names(sixA.id));
  });

  it('the order prints class by class with each decision (pdftotext reads it)', async () => {
    const order = (await c.call('orders.list', { query: '10-п' })).find((o) => o.number === '10-п')!;
    const r = await c.call('orders.print', { orderId: order.id });
    const file = path.join(scratchDir(), 'promotion.pdf');
    fs.writeFileSync(file, Buffer.from(r.dataBase64, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
    expect(text).toContain('О переводе в следующий класс');
    expect(text).toContain('№ 10-п');
    for (const heading of ['5А класс (4)', '5Б класс (1)', '9А класс (1)']) expect(text).toContain(heading);
    expect(text.indexOf('5А класс')).toBeLessThan(text.indexOf('9А класс'));
    // (the basis column wraps: each line of it checked)
    expect(text).toContain('Гусев Алексей Иванович 10.04.2014 5А 5А 30.05.2026 Оставлен(а) на повторное обучение: решение');
    expect(text).toContain('педагогического совета от 25.05.2026');
    expect(text).toContain('Беляев Алексей Иванович 10.02.2014 5А 6А 30.05.2026 Переведён(а) условно; академическая');
    expect(text).toContain('задолженность: Математика (2); срок');
    expect(text).toContain('ликвидации — до 15.10.2026');
    expect(text).not.toContain('Окончание обучения');
  });
});

describe('академическая задолженность: retakes and the outcome by a further order', () => {
  it('is not cleared without a passing retake; two retakes, then cleared by an order «Об итогах ликвидации академической задолженности»', async () => {
    const [debt] = await c.call('debts.list', { open: true });
    expect(debt).toMatchObject({ studentName: 'Беляев Алексей Иванович', className: '5А', currentClass: '6А', subject: 'Математика', annualMark: '2', retakes: [], outcome: null });
    const order = { number: '3-аз', date: '2026-10-12' };
    expectError(await c.raw('debts.decide', { order, studentId: ids.Беляев, outcome: 'cleared', date: '2026-10-12' }), 'validation', 'outcome');
    expectError(await c.raw('debts.recordRetake', { debtId: debt.id, date: '2026-09-20', mark: 'семь' }), 'validation', 'mark');
    await c.call('debts.recordRetake', { debtId: debt.id, date: '2026-09-20', mark: '2' });
    expectError(await c.raw('debts.recordRetake', { debtId: debt.id, date: '2026-09-19', mark: '3' }), 'validation', 'date');
    expect(await c.call('debts.recordRetake', { debtId: debt.id, date: '2026-10-10', mark: '3' })).toMatchObject({
      retakes: [{ date: '2026-09-20', mark: '2' }, { date: '2026-10-10', mark: '3' }] });
    const decided = await c.call('debts.decide', { order: { ...order, confirmFuture: true }, studentId: ids.Беляев, outcome: 'cleared', date: '2026-10-12' });
    expect(decided).toMatchObject([{ outcome: 'cleared', outcomeOrder: { number: '3-аз', date: '2026-10-12' } }]);
    expect((await c.call('orders.list', { query: '3-аз' }))[0]).toMatchObject({ kind: 'academic_debt', title: 'Об итогах ликвидации академической задолженности' });
    expectError(await c.raw('debts.decide', { order: { number: '4-аз', date: '2026-10-13', confirmFuture: true }, studentId: ids.Беляев, outcome: 'cleared', date: '2026-10-13' }), 'validation', 'studentId');
    expect(c.backend.db.prepare('SELECT outcome, outcome_date FROM academic_debts WHERE student_id = ?').all(ids.Беляев)).toEqual([{ outcome: 'cleared', outcome_date: '2026-10-12' }]);
  });

  it('kept back by the outcome: moved back to the grade of the debt this year, by the same kind of order; the outcome stays', async () => {
    const order = { number: '5-аз', date: '2026-10-21', confirmFuture: true };
    const classes = await c.call('classes.list', { yearId: next.id });
    const sixB = classes.find((k) => k.name === '6Б')!;
    const sixA = classes.find((k) => k.name === '6А')!;
    expectError(await c.raw('debts.decide', { order, studentId: ids.Дроздов, outcome: 'kept_back', date: '2026-10-21' }), 'validation', 'toClassId');
    const wrong = expectError(await c.raw('debts.decide', { order, studentId: ids.Дроздов, outcome: 'kept_back', date: '2026-10-21', toClassId: sixA.id }), 'validation', 'toClassId');
    expect(wrong.message).toContain('в 5 класс');
    const fiveB = await c.call('classes.create', { yearId: next.id, parallel: 5, letter: 'Б' });
    expect(await c.call('debts.decide', { order, studentId: ids.Дроздов, outcome: 'kept_back', date: '2026-10-21', toClassId: fiveB.id }))
      .toMatchObject([{ outcome: 'kept_back', currentClass: '5Б', outcomeOrder: { number: '5-аз' } }]);
    const h = await c.call('students.history', { id: ids.Дроздов });
    expect(h.map((m) => [m.kind, m.fromClass, m.toClass, m.orderNumber])).toEqual([['enrolment', null, '5Б', '1-у'], ['promotion', '5Б', '6Б', '10-п'], ['transfer', '6Б', '5Б', '5-аз']]);
    expect(sixB.id).not.toBe(fiveB.id);
    // each order on debts prints the pupils it decided, moved or not
    const text = async (number: string) => {
      const o = (await c.call('orders.list', { query: number })).find((x) => x.number === number)!;
      const file = path.join(scratchDir(), `${number}.pdf`);
      fs.writeFileSync(file, Buffer.from((await c.call('orders.print', { orderId: o.id })).dataBase64, 'base64'));
      return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    };
    expect(await text('3-аз')).toContain('Беляев Алексей Иванович 10.02.2014 6А 6А 12.10.2026 задолженность ликвидирована (Математика)');
    expect(await text('5-аз')).toContain('Дроздов Алексей Иванович 10.05.2014 6Б 5Б 21.10.2026 оставлен(а) на повторное обучение (Математика); Оставлен(а)');
    expect(() => c.backend.db.prepare("UPDATE academic_debts SET outcome = 'cleared' WHERE student_id = ?").run(ids.Дроздов)).toThrow(/не изменяется/);
  });
});

describe('выпуск after the ГИА', () => {
  it('refuses a graduate without final marks, and one without an issued attestat, naming them', async () => {
    const noFinals = expectError(await c.raw('orders.graduate', { order: { number: '7-вып', date: '2026-06-25' }, date: '2026-06-25',
      students: [{ studentId: ids.Ильин }] }), 'validation', 'students.0');
    expect(noFinals.message).toContain('Ильин Алексей Иванович (11А): нет итоговых отметок — «Математика»');
    const noAttestat = expectError(await c.raw('orders.graduate', { order: { number: '7-вып', date: '2026-06-25' }, date: '2026-06-25',
      students: [{ studentId: ids.Зуев }] }), 'validation', 'students.0');
    expect(noAttestat.message).toContain('аттестат о среднем общем образовании не выдан');
    expectError(await c.raw('orders.graduate', { order: { number: '7-вып', date: '2026-05-20' }, date: '2026-05-20',
      students: [{ studentId: ids.Ильин, withoutAttestat: true }] }), 'validation', 'date');
    expect(count(c.backend.db, 'orders', "kind = 'graduation'")).toBe(0);
  });

  it('releases 11th graders with the attestat or the справка, and a 9th grader already in the 10th from September is released in June from her 9А', async () => {
    await c.call('attestats.receiveForms', { kind: 11, series: '77 АБ', firstNumber: 1, lastNumber: 5, receivedOn: '2026-05-21', document: 'Акт № 3 от 21.05.2026' });
    await c.call('attestats.receiveForms', { kind: 9, series: '077', firstNumber: 101, lastNumber: 110, receivedOn: '2026-05-20', document: 'Накладная № 15 от 20.05.2026' });
    // The attestats as the book of issued attestats holds them. Issuing one to a graduate of a class in the register
    // takes his finals computed from two years of marks and a printed blank (test/attestats/blanks.test.ts); what the
    // выпуск order asks is only that the book has it.
    const inBook = (who: string, kind: 9 | 11, series: string, number: number) => {
      const db = c.backend.db;
      db.prepare(`INSERT INTO attestats (year_id, reg_number, student_id, kind, form_id, issue_date, recipient, with_honours, created_at, created_by)
        VALUES (?, ?, ?, ?, ?, '2026-06-24', ?, 0, '2026-06-24T10:00:00Z', 'admin')`)
        .run(yearOfIssue(db, '2026-06-24').id, nextRegNumber(db, '2026-06-24'), ids[who], kind, findForm(db, series, number).id, `${who} Алексей Иванович`);
    };
    inBook('Зуев', 11, '77 АБ', 1);
    inBook('Ершова', 9, '077', 101);
    expect(await c.call('orders.graduate', { order: { number: '7-вып', date: '2026-06-25' }, date: '2026-06-25', students: [
      { studentId: ids.Зуев }, { studentId: ids.Ильин, withoutAttestat: true }, { studentId: ids.Ершова }, { studentId: ids.Жаров, withoutAttestat: true },
    ] })).toEqual({ released: 4, withAttestat: 2, withCertificate: 2 });
    const book = (who: string) => c.backend.db.prepare('SELECT departed_on, departure_reason FROM alphabet_book WHERE student_id = ?').get(ids[who]);
    expect(book('Зуев')).toEqual({ departed_on: '2026-06-25', departure_reason: GRADUATION_REASON });
    expect(book('Ильин')).toEqual({ departed_on: '2026-06-25', departure_reason: 'Окончание обучения без аттестата: выдана справка об обучении (11 класс)' });
    expect(book('Ершова')).toEqual({ departed_on: '2026-06-25', departure_reason: GRADUATION_REASON_9 });
    expect(book('Жаров')).toEqual({ departed_on: '2026-06-25', departure_reason: 'Окончание обучения без аттестата: выдана справка об обучении (9 класс)' });
    // Ершова: promoted to 10А from 01.09, released from 9А on 25.06 — the 10А place she never took up is withdrawn
    const ms = c.backend.db.prepare(`SELECT c.parallel || c.letter AS cls, m.start_date, m.end_date FROM class_memberships m JOIN classes c ON c.id = m.class_id
      WHERE m.student_id = ? ORDER BY m.id`).all(ids.Ершова);
    expect(ms).toEqual([{ cls: '9А', start_date: '2025-09-01', end_date: '2026-05-30' }]);
    expect((await c.call('students.history', { id: ids.Ершова })).map((h) => [h.kind, h.fromClass, h.toClass, h.orderNumber, h.date])).toEqual([
      ['enrolment', null, '9А', '1-у', '2025-09-01'], ['promotion', '9А', '10А', '10-п', '2026-05-30'], ['departure', '9А', null, '7-вып', '2026-06-25']]);
    for (const who of ['Зуев', 'Ильин', 'Ершова', 'Жаров']) expect((await c.call('students.get', { id: ids[who] })).status, who).toBe('departed');
    // the выпуск order printed class by class, each graduate with his attestat or the справка
    const order = (await c.call('orders.list', { query: '7-вып' })).find((o) => o.number === '7-вып')!;
    const file = path.join(scratchDir(), 'graduation.pdf');
    fs.writeFileSync(file, Buffer.from((await c.call('orders.print', { orderId: order.id })).dataBase64, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
    expect(text).toContain('О выпуске (окончании обучения)');
    expect(text).toContain('Отчислить в связи с окончанием обучения (выпуск) следующих обучающихся (4):');
    expect(text.indexOf('9А класс (2)')).toBeGreaterThan(0);
    expect(text.indexOf('11А класс (2)')).toBeGreaterThan(text.indexOf('9А класс (2)'));
    const flat = text.replace(/\s+/g, ' '); // the basis column wraps; its continuation lines hold nothing else
    expect(flat).toContain('Зуев Алексей Иванович 10.01.2008 11А — 25.06.2026 Окончание обучения (получен аттестат о среднем общем образовании); аттестат 77 АБ № 1, рег. № 1');
    expect(flat).toContain('Ершова Алексей Иванович 10.01.2010 9А — 25.06.2026 Окончание обучения (получен аттестат об основном общем образовании); аттестат 077 № 101, рег. № 2');
    expect(flat).toContain('Жаров Алексей Иванович 10.02.2010 9А — 25.06.2026 Окончание обучения без аттестата: выдана справка об обучении (9 класс)');
  });

  it('a duplicate order number in the school year is refused, naming the order it clashes with', async () => {
    const other = (await c.call('students.create', studentInput({ lastName: 'Поздний', birthDate: '2008-03-03' }))).id;
    await c.call('orders.enrol', { order: { number: '2-у', date: '2025-10-01' }, studentId: other, classId: c11, date: '2025-10-01' });
    const e = expectError(await c.raw('orders.graduate', { order: { number: '7-вып', date: '2026-06-28' }, date: '2026-06-28',
      students: [{ studentId: other, withoutAttestat: true }] }), 'validation', 'order.number');
    expect(e.message).toContain('Приказ № 7-вып («О выпуске (окончании обучения)») уже есть в 2025/2026 учебном году — от 25.06.2026');
    expect((await c.call('students.get', { id: other })).status).toBe('studying');
  });
});

describe('the other outcomes of a debt: another programme, family education (each by an order on academic debts)', () => {
  let d: Client & { dbPath: string };
  let y: Awaited<ReturnType<typeof smallSchool>>;
  let to: { id: number };
  const who: Record<string, string> = {};
  const order = (number: string, date: string) => ({ number, date, confirmFuture: true });

  beforeAll(async () => {
    d = await adminClient(scratchDir());
    y = await smallSchool(d);
    await d.call('curriculum.set', { classId: y.a.id, subjectIds: [y.math.id] });
    for (const [lastName, birthDate] of [['Карпов', '2014-05-05'], ['Лебедева', '2014-06-06']]) {
      who[lastName] = (await d.call('students.create', studentInput({ lastName, birthDate, sex: lastName === 'Лебедева' ? 'Ж' : 'М' }))).id;
      await d.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: who[lastName], classId: y.a.id, date: '2025-09-01' });
    }
    await d.call('grades.set', { classId: y.a.id, cells: Object.values(who).map((studentId) => ({ studentId, subjectId: y.math.id, slot: 'annual' as const, periodId: null, mark: '2' })) });
    to = await d.call('years.create', { name: '2026/2027' });
    await d.call('orders.promote', { order: { number: '10-п', date: '2026-05-30' }, fromYearId: y.year.id, toYearId: to.id, date: '2026-05-30',
      conditional: Object.values(who).map((studentId) => ({ studentId, deadline: '2026-10-15' })) });
  }, 120_000);
  afterAll(() => d?.backend.close());

  it('another programme: the debts closed; with a class named, the pupil transferred into it that year (another year\'s class refused)', async () => {
    const other = await d.call('classes.create', { yearId: to.id, parallel: 6, letter: 'К', adapted: true });
    const before = contentHash(d.backend.db);
    const wrong = expectError(await d.raw('debts.decide', { order: order('6-аз', '2026-10-16'), studentId: who.Карпов, outcome: 'other_programme', date: '2026-10-16', toClassId: y.b.id }),
      'validation', 'toClassId');
    expect(wrong.message).toContain('другого учебного года');
    expect(contentHash(d.backend.db)).toBe(before);
    expect(await d.call('debts.decide', { order: order('6-аз', '2026-10-16'), studentId: who.Карпов, outcome: 'other_programme', date: '2026-10-16', toClassId: other.id }))
      .toMatchObject([{ subject: 'Математика', outcome: 'other_programme', currentClass: '6К', outcomeOrder: { number: '6-аз', date: '2026-10-16' } }]);
    const h = await d.call('students.history', { id: who.Карпов });
    expect(h.map((m) => [m.kind, m.fromClass, m.toClass, m.orderNumber, m.reason])).toEqual([['enrolment', null, '5А', '1-у', null],
      ['promotion', '5А', '6А', '10-п', 'Переведён(а) условно'], ['transfer', '6А', '6К', '6-аз', 'Перевод на обучение по другой программе (академическая задолженность)']]);
    expect(d.backend.db.prepare('SELECT outcome, outcome_date FROM academic_debts WHERE student_id = ?').all(who.Карпов)).toEqual([{ outcome: 'other_programme', outcome_date: '2026-10-16' }]);
  });

  it('family education: the pupil leaves the school by the order, the алфавитная книга dated with the reason; a date before her class began is refused', async () => {
    const early = expectError(await d.raw('debts.decide', { order: order('7-аз', '2026-08-20'), studentId: who.Лебедева, outcome: 'family_education', date: '2026-08-20' }), 'validation', 'date');
    expect(early.message).toContain('01.09.2026');
    expect(await d.call('debts.decide', { order: order('7-аз', '2026-10-17'), studentId: who.Лебедева, outcome: 'family_education', date: '2026-10-17' }))
      .toMatchObject([{ outcome: 'family_education', outcomeOrder: { number: '7-аз' } }]);
    expect((await d.call('students.get', { id: who.Лебедева })).currentClass).toBeNull();
    const db = d.backend.db;
    expect(db.prepare('SELECT end_date FROM class_memberships WHERE student_id = ? ORDER BY start_date').all(who.Лебедева)).toEqual([{ end_date: '2026-05-30' }, { end_date: '2026-10-17' }]);
    const [entry] = (await d.call('alphabetBook.list', { query: 'Лебедева' })).rows;
    expect(entry).toMatchObject({ departedOn: '2026-10-17', departureReason: 'Переход на семейное образование (академическая задолженность не ликвидирована)',
      departureOrder: { number: '7-аз', date: '2026-10-17' } });
    expect(db.prepare('SELECT outcome FROM academic_debts WHERE student_id = ?').all(who.Лебедева)).toEqual([{ outcome: 'family_education' }]);
  });
});
