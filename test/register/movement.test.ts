// Movement by order: enrolment files the student in the алфавитная книга, a transfer closes one membership and
// opens another, a departure goes on the book entry, and the promotion order moves the whole school a year on.
// Assertions read the rows themselves (class_memberships, alphabet_book, movements), not only the API replies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Student } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { count, expectError, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

type Membership = { class_id: number; year_id: number; start_date: string; end_date: string | null; start_movement_id: number; end_movement_id: number | null };
const memberships = (c: Client, studentId: string) =>
  c.backend.db.prepare('SELECT class_id, year_id, start_date, end_date, start_movement_id, end_movement_id FROM class_memberships WHERE student_id = ? ORDER BY id')
    .all(studentId) as Membership[];
const bookRow = (c: Client, studentId: string) =>
  c.backend.db.prepare('SELECT letter, number, entered_on, departed_on, departure_reason, where_to FROM alphabet_book WHERE student_id = ?').get(studentId);

describe('enrolment, the alphabet book, transfer and departure', () => {
  let c: Client & { dbPath: string };
  let s: Awaited<ReturnType<typeof smallSchool>>;
  const st: Record<string, Student> = {};
  const enrol = (id: string, classId = s.a.id, order = '1-у', date = '2025-09-01') =>
    c.call('orders.enrol', { order: { number: order, date }, studentId: id, classId, date });

  beforeAll(async () => {
    c = await adminClient(scratchDir());
    s = await smallSchool(c);
    const people: Array<[string, string, 'М' | 'Ж']> = [
      ['Петров', 'Пётр', 'М'], ['Павлова', 'Анна', 'Ж'], ['Ёлкин', 'Егор', 'М'], ['Егоров', 'Иван', 'М'], ['Смирнова', 'Ольга', 'Ж'],
    ];
    for (const [lastName, firstName, sex] of people) {
      st[lastName] = await c.call('students.create', studentInput({ lastName, firstName, sex, middleName: sex === 'М' ? 'Иванович' : 'Ивановна' }));
    }
  });
  afterAll(() => c?.backend.close());

  it('enrolment opens a membership, files the book entry and makes the student «studying»', async () => {
    expect(st.Петров.status).toBe('new');
    expect(st.Петров.bookEntry).toBeNull();
    const mv = await enrol(st.Петров.id);
    expect(mv).toMatchObject({ kind: 'enrolment', date: '2025-09-01', orderNumber: '1-у', orderDate: '2025-09-01', fromClass: null, toClass: '5А',
      studentName: 'Петров Пётр Иванович' });
    expect(memberships(c, st.Петров.id)).toEqual([{ class_id: s.a.id, year_id: s.year.id, start_date: '2025-09-01', end_date: null, start_movement_id: mv.id, end_movement_id: null }]);
    expect(bookRow(c, st.Петров.id)).toEqual({ letter: 'П', number: 1, entered_on: '2025-09-01', departed_on: null, departure_reason: null, where_to: null });
    const now = await c.call('students.get', { id: st.Петров.id });
    expect(now).toMatchObject({ status: 'studying', currentClass: { id: s.a.id, name: '5А', yearName: '2025/2026' }, bookEntry: { letter: 'П', number: 1, fileNumber: 'П-1' } });
  });

  it('book numbers run within the letter: a second «П» is П-2; Ё is a letter of its own, apart from Е', async () => {
    for (const n of ['Павлова', 'Ёлкин', 'Егоров', 'Смирнова']) await enrol(st[n].id);
    expect(bookRow(c, st.Павлова.id)).toMatchObject({ letter: 'П', number: 2 });
    expect(bookRow(c, st.Ёлкин.id)).toMatchObject({ letter: 'Ё', number: 1 });
    expect(bookRow(c, st.Егоров.id)).toMatchObject({ letter: 'Е', number: 1 });
    expect(bookRow(c, st.Смирнова.id)).toMatchObject({ letter: 'С', number: 1 });
    const { rows: book, total } = await c.call('alphabetBook.list', {});
    expect(book.map((b) => b.fileNumber)).toEqual(['Е-1', 'Ё-1', 'П-1', 'П-2', 'С-1']); // Russian alphabet order
    expect(total).toBe(5);
    // a page of it, in the same order, with the total of all
    expect(await c.call('alphabetBook.list', { limit: 2, offset: 1 })).toMatchObject({ total: 5, rows: [{ fileNumber: 'Ё-1' }, { fileNumber: 'П-1' }] });
    expect(await c.call('alphabetBook.list', { letter: 'П', limit: 1, offset: 1 })).toMatchObject({ total: 2, rows: [{ fileNumber: 'П-2' }] });
    expect(book.every((b) => b.enrolledClass === '5А' && b.enrolledOn === '2025-09-01')).toBe(true);
    expect((await c.call('alphabetBook.list', { letter: 'п' })).rows.map((b) => b.fullName)).toEqual(['Петров Пётр Иванович', 'Павлова Анна Ивановна']);
    expect((await c.call('alphabetBook.list', { letter: 'Ё' })).rows.map((b) => b.fileNumber)).toEqual(['Ё-1']);
    // Search treats ё as е: «елкин» finds Ёлкин.
    expect((await c.call('students.search', { query: 'елкин' })).rows.map((r) => r.fullName)).toEqual(['Ёлкин Егор Иванович']);
  });

  it('one order moves many students: all five enrolments are under order 1-у', async () => {
    const orders = await c.call('orders.list', {});
    expect(orders).toEqual([expect.objectContaining({ number: '1-у', date: '2025-09-01', kind: 'enrolment', studentCount: 5 })]);
    expect((await c.call('orders.movements', { orderId: orders[0].id })).length).toBe(5);
    expect((await c.call('classes.list', { yearId: s.year.id })).find((k) => k.id === s.a.id)?.studentCount).toBe(5);
  });

  it('an order number and date already used for another kind of order is refused (order.number)', async () => {
    const r = await c.raw('orders.depart', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.Смирнова.id, date: '2025-09-01', reason: 'Переезд' });
    expectError(r, 'validation', 'order.number');
    expect(memberships(c, st.Смирнова.id)[0].end_date).toBeNull();
  });

  it('transfer closes the old membership and opens the new one; history shows both orders in order', async () => {
    const mv = await c.call('orders.transfer', { order: { number: '2-т', date: '2025-10-01' }, studentId: st.Петров.id, toClassId: s.b.id, date: '2025-10-01', reason: 'По заявлению родителей' });
    expect(mv).toMatchObject({ kind: 'transfer', fromClass: '5А', toClass: '5Б', reason: 'По заявлению родителей' });
    const ms = memberships(c, st.Петров.id);
    expect(ms).toHaveLength(2);
    expect(ms[0]).toMatchObject({ class_id: s.a.id, end_date: '2025-10-01', end_movement_id: mv.id });
    expect(ms[1]).toMatchObject({ class_id: s.b.id, year_id: s.year.id, start_date: '2025-10-01', end_date: null, start_movement_id: mv.id });
    expect(count(c.backend.db, 'class_memberships', `student_id = '${st.Петров.id}' AND end_date IS NULL`)).toBe(1);
    const hist = await c.call('students.history', { id: st.Петров.id });
    expect(hist.map((h) => [h.kind, h.orderNumber, h.date, h.fromClass, h.toClass])).toEqual([
      ['enrolment', '1-у', '2025-09-01', null, '5А'],
      ['transfer', '2-т', '2025-10-01', '5А', '5Б'],
    ]);
    expect((await c.call('students.get', { id: st.Петров.id })).currentClass?.name).toBe('5Б');
    expect((await c.call('classes.students', { classId: s.b.id })).map((r) => r.fullName)).toEqual(['Петров Пётр Иванович']);
    // The book number does not change on a transfer.
    expect(bookRow(c, st.Петров.id)).toMatchObject({ letter: 'П', number: 1, departed_on: null });
  });

  it('a transfer into the class the student is already in, or dated before the enrolment, is refused', async () => {
    expectError(await c.raw('orders.transfer', { order: { number: '9-т', date: '2025-10-02' }, studentId: st.Петров.id, toClassId: s.b.id, date: '2025-10-02' }), 'validation', 'toClassId');
    expectError(await c.raw('orders.transfer', { order: { number: '9-т', date: '2025-09-15' }, studentId: st.Петров.id, toClassId: s.a.id, date: '2025-09-15' }), 'validation', 'date');
    expect(memberships(c, st.Петров.id)).toHaveLength(2);
  });

  it('departure closes the membership and fills the book entry: date, reason, where to', async () => {
    const mv = await c.call('orders.depart', { order: { number: '3-в', date: '2025-11-10' }, studentId: st.Павлова.id, date: '2025-11-10',
      reason: 'Перевод в другую образовательную организацию', whereTo: 'МБОУ СОШ № 3 г. Твери' });
    expect(mv).toMatchObject({ kind: 'departure', fromClass: '5А', toClass: null, whereTo: 'МБОУ СОШ № 3 г. Твери' });
    expect(memberships(c, st.Павлова.id)).toEqual([expect.objectContaining({ end_date: '2025-11-10', end_movement_id: mv.id })]);
    expect(bookRow(c, st.Павлова.id)).toEqual({ letter: 'П', number: 2, entered_on: '2025-09-01', departed_on: '2025-11-10',
      departure_reason: 'Перевод в другую образовательную организацию', where_to: 'МБОУ СОШ № 3 г. Твери' });
    const card = await c.call('students.get', { id: st.Павлова.id });
    expect(card).toMatchObject({ status: 'departed', currentClass: null, bookEntry: { fileNumber: 'П-2' } });
    const entry = (await c.call('alphabetBook.list', { letter: 'П' })).rows.find((b) => b.studentId === st.Павлова.id);
    expect(entry).toMatchObject({ departedOn: '2025-11-10', departureReason: 'Перевод в другую образовательную организацию' });
    // Departed: a second departure or a transfer has nothing to close.
    expectError(await c.raw('orders.depart', { order: { number: '4-в', date: '2025-11-11' }, studentId: st.Павлова.id, date: '2025-11-11', reason: 'Ещё раз' }), 'validation', 'studentId');
  });

  it('a student who returns keeps the first book number; the departure stays in the history', async () => {
    await enrol(st.Павлова.id, s.b.id, '5-у', '2026-01-12');
    expect(bookRow(c, st.Павлова.id)).toMatchObject({ letter: 'П', number: 2, departed_on: null, departure_reason: null });
    expect(count(c.backend.db, 'alphabet_book', "letter = 'П'")).toBe(2);
    expect((await c.call('students.history', { id: st.Павлова.id })).map((h) => h.kind)).toEqual(['enrolment', 'departure', 'enrolment']);
  });

  it('the birth date cannot be moved on or after the enrolment (birth < enrolment)', async () => {
    const card = await c.call('students.get', { id: st.Смирнова.id });
    const { id: _id, currentClass: _c, bookEntry: _b, status: _s, version, ...data } = card;
    const r = await c.raw('students.update', { id: card.id, version, data: { ...data, birthDate: '2025-09-01' } });
    expectError(r, 'validation', 'birthDate');
    expect((await c.call('students.get', { id: card.id })).birthDate).toBe('2014-03-15');
  });
});

describe('promotion of the whole school to the next year', () => {
  let c: Client & { dbPath: string };
  let s: Awaited<ReturnType<typeof smallSchool>>;
  const ids: Record<string, string> = {};
  let c11: number;
  let next: { id: number };
  let pre6A: number;
  let result: { promoted: number; keptBack: number; conditional: number; leftForGraduation: number; classesCreated: number };

  beforeAll(async () => {
    c = await adminClient(scratchDir());
    s = await smallSchool(c);
    c11 = (await c.call('classes.create', { yearId: s.year.id, parallel: 11, letter: 'А' })).id;
    const plan: Array<[string, number, string]> = [
      ['Андреев', s.a.id, '2014-01-10'], ['Борисов', s.a.id, '2014-02-10'], ['Васильев', s.a.id, '2014-03-10'],
      ['Григорьев', s.b.id, '2014-04-10'], ['Дмитриев', s.b.id, '2014-05-10'],
      ['Жуков', c11, '2008-01-10'], ['Зайцев', c11, '2008-02-10'], ['Ушедший', s.b.id, '2014-06-10'],
    ];
    for (const [lastName, classId, birthDate] of plan) {
      const x = await c.call('students.create', studentInput({ lastName, birthDate }));
      ids[lastName] = x.id;
      await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: x.id, classId, date: '2025-09-01' });
    }
    await c.call('orders.depart', { order: { number: '2-в', date: '2026-02-01' }, studentId: ids.Ушедший, date: '2026-02-01', reason: 'Переезд' });
    next = await c.call('years.create', { name: '2026/2027' });
    pre6A = (await c.call('classes.create', { yearId: next.id, parallel: 6, letter: 'А' })).id;
  });
  afterAll(() => c?.backend.close());

  it('refuses a kept-back student who is not in this year, and a year that does not follow', async () => {
    const stranger = await c.call('students.create', studentInput({ lastName: 'Чужой' }));
    expectError(await c.raw('orders.promote', { order: { number: '3-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-30', keptBack: [stranger.id] }), 'validation', 'keptBack.0');
    const far = await c.call('years.create', { name: '2028/2029' });
    expectError(await c.raw('orders.promote', { order: { number: '3-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: far.id, date: '2026-05-30' }), 'validation', 'toYearId');
    expect(count(c.backend.db, 'orders', "kind = 'promotion'")).toBe(0);
  });

  it('keeping a pupil back without a basis (a bare id, as before) is refused by name', async () => {
    const e = expectError(await c.raw('orders.promote', { order: { number: '3-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-30', keptBack: [ids.Васильев] }), 'validation', 'keptBack.0.basis');
    expect(e.message).toMatch(/Васильев .*5А.*заявлению родителей .* или решению педагогического совета/);
    expect(count(c.backend.db, 'orders', "kind = 'promotion'")).toBe(0);
  });

  it('one order moves everyone: kept-back stay in their parallel, 11th grade is left for the выпуск, missing classes are created', async () => {
    result = await c.call('orders.promote', { order: { number: '3-п', date: '2026-05-30' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-30',
      keptBack: [{ studentId: ids.Васильев, basis: 'application', basisDate: '2026-05-20' }] });
    expect(result).toEqual({ promoted: 4, keptBack: 1, conditional: 0, leftForGraduation: 2, classesCreated: 2 });
    const classes = await c.call('classes.list', { yearId: next.id });
    expect(classes.map((k) => [k.name, k.level, k.studentCount])).toEqual([['5А', 'ООО', 1], ['6А', 'ООО', 2], ['6Б', 'ООО', 2]]);
    expect(classes.find((k) => k.name === '6А')!.id).toBe(pre6A); // the existing class was used, not duplicated
    expect(classes.find((k) => k.name === '11А')).toBeUndefined();
  });

  it('promoted students are in the next parallel from the new year\'s first day, with the old membership closed', async () => {
    for (const [name, cls] of [['Андреев', '6А'], ['Борисов', '6А'], ['Григорьев', '6Б'], ['Дмитриев', '6Б'], ['Васильев', '5А']] as const) {
      const card = await c.call('students.get', { id: ids[name] });
      expect(card.currentClass, name).toMatchObject({ name: cls, yearName: '2026/2027' });
      const ms = memberships(c, ids[name]);
      expect(ms).toHaveLength(2);
      expect(ms[0]).toMatchObject({ year_id: s.year.id, end_date: '2026-05-30' });
      expect(ms[1]).toMatchObject({ year_id: next.id, start_date: '2026-09-01', end_date: null, start_movement_id: ms[0].end_movement_id });
    }
    const kept = await c.call('students.history', { id: ids.Васильев });
    expect(kept.map((h) => [h.kind, h.fromClass, h.toClass, h.reason])).toEqual([
      ['enrolment', null, '5А', null], ['promotion', '5А', '5А', 'Оставлен(а) на повторное обучение: заявление родителей (законных представителей) от 20.05.2026'],
    ]);
    expect(c.backend.db.prepare('SELECT decision, basis, basis_date FROM promotion_decisions WHERE movement_id = ?').get(kept[1].id))
      .toEqual({ decision: 'kept_back', basis: 'application', basis_date: '2026-05-20' });
  });

  it('11th graders are not graduated by the promotion: still in 11А, then released by a выпуск order of its own', async () => {
    for (const name of ['Жуков', 'Зайцев']) {
      const card = await c.call('students.get', { id: ids[name] });
      expect(card.status, name).toBe('studying');
      expect(card.currentClass, name).toMatchObject({ name: '11А', yearName: '2025/2026' });
    }
    // no final marks, no attestat: only the справка об обучении releases them
    expectError(await c.raw('orders.graduate', { order: { number: '5-вып', date: '2026-06-25' }, date: '2026-06-25', students: [{ studentId: ids.Жуков }] }), 'validation', 'students.0');
    expect(await c.call('orders.graduate', { order: { number: '5-вып', date: '2026-06-25' }, date: '2026-06-25',
      students: [{ studentId: ids.Жуков, withoutAttestat: true }, { studentId: ids.Зайцев, withoutAttestat: true }] })).toEqual({ released: 2, withAttestat: 0, withCertificate: 2 });
    for (const name of ['Жуков', 'Зайцев']) {
      const card = await c.call('students.get', { id: ids[name] });
      expect(card.status, name).toBe('departed');
      expect(count(c.backend.db, 'class_memberships', `student_id = '${ids[name]}' AND end_date IS NULL`)).toBe(0);
      expect(bookRow(c, ids[name])).toMatchObject({ departed_on: '2026-06-25', departure_reason: 'Окончание обучения без аттестата: выдана справка об обучении (11 класс)' });
      expect((await c.call('students.history', { id: ids[name] })).map((h) => [h.kind, h.orderNumber])).toEqual([['enrolment', '1-у'], ['departure', '5-вып']]);
    }
    const order = (await c.call('orders.list', {})).find((o) => o.number === '5-вып')!;
    expect(order).toMatchObject({ kind: 'graduation', title: 'О выпуске (окончании обучения)', studentCount: 2 });
  });

  it('the departed student is not promoted; the promotion order holds exactly the five promotions', async () => {
    expect((await c.call('students.get', { id: ids.Ушедший })).status).toBe('departed');
    expect(memberships(c, ids.Ушедший)).toHaveLength(1);
    const order = (await c.call('orders.list', {})).find((o) => o.number === '3-п')!;
    expect(order).toMatchObject({ kind: 'promotion', studentCount: 5 });
    const mvs = await c.call('orders.movements', { orderId: order.id });
    expect(mvs.filter((m) => m.kind === 'promotion')).toHaveLength(5);
    expect(mvs.filter((m) => m.kind === 'departure')).toHaveLength(0);
  });

  it('promoting the same year again finds no one left to move', async () => {
    const before = count(c.backend.db, 'movements');
    expectError(await c.raw('orders.promote', { order: { number: '4-п', date: '2026-05-31' }, fromYearId: s.year.id, toYearId: next.id, date: '2026-05-31' }), 'validation', 'fromYearId');
    expect(count(c.backend.db, 'movements')).toBe(before);
  });
});
