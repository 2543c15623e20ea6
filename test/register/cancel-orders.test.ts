// Correction of orders (issue 20): «Об отмене приказа № … от …» undoes the named order's movements as if they had
// not happened — memberships and the алфавитная книга entry as they were — while both orders stay in the book; the
// entry's earlier states are kept, never erased. Bad input, each refused and named, nothing written: a pupil who
// moved again since (refused; cascaded when the administrator confirms), a duplicate number in the year, an unknown order.
// Assertions read the rows themselves, on a real register file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Student } from '../../preload/contract.ts';
import { currentYearStart, formatDate, todayIso } from '../../preload/core/dates.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { contentHash, count, expectError, SCHOOL, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const memberships = (c: Client, studentId: string) =>
  c.backend.db.prepare('SELECT class_id, start_date, end_date FROM class_memberships WHERE student_id = ? ORDER BY id').all(studentId);
const bookRow = (c: Client, studentId: string) =>
  c.backend.db.prepare('SELECT letter, number, entered_on, departed_on, departure_reason, where_to FROM alphabet_book WHERE student_id = ?').get(studentId);
const history = (c: Client, studentId: string) =>
  c.backend.db.prepare('SELECT entered_on, departed_on, departure_reason FROM alphabet_book_history WHERE student_id = ? ORDER BY id').all(studentId);
const hash = (c: Client) => contentHash(c.backend.db as never, ['audit_log']);

describe('cancelling and amending orders', () => {
  let c: Client & { dbPath: string };
  let s: Awaited<ReturnType<typeof smallSchool>>;
  const st: Record<string, Student> = {};

  beforeAll(async () => {
    c = await adminClient(scratchDir());
    s = await smallSchool(c);
    for (const [lastName, firstName] of [['Орлов', 'Олег'], ['Осипова', 'Ольга'], ['Носов', 'Никита'], ['Зайцев', 'Захар']] as const) {
      st[lastName] = await c.call('students.create', studentInput({ lastName, firstName, sex: lastName.endsWith('а') ? 'Ж' : 'М' }));
      await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st[lastName].id, classId: s.a.id, date: '2025-09-01' });
    }
  });
  afterAll(() => c?.backend.close());

  it('a wrong transfer is cancelled: the pupil is back in his class as if it had not happened, both orders in the book', async () => {
    await c.call('orders.transfer', { order: { number: '5-п', date: '2025-10-10' }, studentId: st.Орлов.id, toClassId: s.b.id, date: '2025-10-10' });
    expect(memberships(c, st.Орлов.id)).toEqual([
      { class_id: s.a.id, start_date: '2025-09-01', end_date: '2025-10-10' }, { class_id: s.b.id, start_date: '2025-10-10', end_date: null }]);
    const r = await c.call('orders.cancel', { order: { number: '6-п', date: '2025-10-12' }, cancels: { number: '5-п', date: '2025-10-10' } });
    expect(r.order).toMatchObject({ number: '6-п', kind: 'transfer', title: 'Об отмене приказа № 5-п от 10.10.2025 («О переводе»)', studentCount: 1,
      corrects: { number: '5-п', date: '2025-10-10', kind: 'cancel' } });
    expect(r.cancelled.map((m) => m.studentName)).toEqual([expect.stringMatching(/^Орлов Олег/)]);
    expect(r.cascaded).toEqual([]);
    expect(memberships(c, st.Орлов.id)).toEqual([{ class_id: s.a.id, start_date: '2025-09-01', end_date: null }]);
    const book = await c.call('orders.book', { year: 2025 });
    expect(book.rows.map((o) => o.number)).toEqual(['6-п', '5-п', '1-у']);
    expect(book.rows.find((o) => o.number === '5-п')?.correctedBy).toEqual([expect.objectContaining({ number: '6-п', date: '2025-10-12' })]);
    // the movement stays in the book, marked by the order that cancelled it
    const history = await c.call('students.history', { id: st.Орлов.id });
    expect(history.map((m) => [m.kind, m.cancelledBy?.number ?? null])).toEqual([['enrolment', null], ['transfer', '6-п']]);
    expect((await c.call('orders.cancelledBy', { orderId: r.order.id })).map((m) => m.orderNumber)).toEqual(['5-п']);
    expect(count(c.backend.db as never, 'movements')).toBe(5);
  });

  it('a wrong departure is cancelled: the membership and the book entry are as before, the departure kept in the entry history', async () => {
    await c.call('orders.depart', { order: { number: '7-в', date: '2025-11-05' }, studentId: st.Осипова.id, date: '2025-11-05', reason: 'Переезд', whereTo: 'Школа № 2' });
    expect(bookRow(c, st.Осипова.id)).toMatchObject({ departed_on: '2025-11-05', departure_reason: 'Переезд', where_to: 'Школа № 2' });
    await c.call('orders.cancel', { order: { number: '8-в', date: '2025-11-06' }, cancels: { number: '7-в', date: '2025-11-05' } });
    expect(memberships(c, st.Осипова.id)).toEqual([{ class_id: s.a.id, start_date: '2025-09-01', end_date: null }]);
    expect(bookRow(c, st.Осипова.id)).toMatchObject({ entered_on: '2025-09-01', departed_on: null, departure_reason: null, where_to: null });
    expect(history(c, st.Осипова.id)).toEqual([
      { entered_on: '2025-09-01', departed_on: null, departure_reason: null },
      { entered_on: '2025-09-01', departed_on: '2025-11-05', departure_reason: 'Переезд' }]);
    expect((await c.call('students.get', { id: st.Осипова.id })).status).toBe('studying');
  });

  it('a re-enrolment keeps the earlier date and reason of leaving in the entry history (never erased)', async () => {
    await c.call('orders.depart', { order: { number: '9-в', date: '2025-11-10' }, studentId: st.Зайцев.id, date: '2025-11-10', reason: 'Семейное образование' });
    await c.call('orders.enrol', { order: { number: '10-у', date: '2025-12-01' }, studentId: st.Зайцев.id, classId: s.b.id, date: '2025-12-01' });
    expect(bookRow(c, st.Зайцев.id)).toMatchObject({ departed_on: null });
    expect(history(c, st.Зайцев.id)).toContainEqual({ entered_on: '2025-09-01', departed_on: '2025-11-10', departure_reason: 'Семейное образование' });
    // cancelling the re-enrolment puts the departure back on the entry
    await c.call('orders.cancel', { order: { number: '11-у', date: '2025-12-02' }, cancels: { number: '10-у', date: '2025-12-01' } });
    expect(bookRow(c, st.Зайцев.id)).toMatchObject({ departed_on: '2025-11-10', departure_reason: 'Семейное образование' });
    expect(memberships(c, st.Зайцев.id)).toEqual([{ class_id: s.a.id, start_date: '2025-09-01', end_date: '2025-11-10' }]);
  });

  it('a pupil who moved again since is named and the cancellation refused; the administrator\'s cascade cancels the later move too', async () => {
    await c.call('orders.transfer', { order: { number: '12-п', date: '2025-12-10' }, studentId: st.Носов.id, toClassId: s.b.id, date: '2025-12-10' });
    await c.call('orders.depart', { order: { number: '13-в', date: '2026-01-15' }, studentId: st.Носов.id, date: '2026-01-15', reason: 'Переезд' });
    const before = hash(c);
    const r = await c.raw('orders.cancel', { order: { number: '14-п', date: '2026-01-20' }, cancels: { number: '12-п', date: '2025-12-10' } });
    const e = expectError(r, 'conflict', 'cascade');
    expect(e.message).toMatch(/Носов Никита.*выбытие из 5Б 15\.01\.2026 по приказу № 13-в от 15\.01\.2026/);
    expect(e.rows).toEqual([expect.objectContaining({ orderNumber: '13-в', studentId: st.Носов.id })]);
    expect(hash(c)).toBe(before);
    const done = await c.call('orders.cancel', { order: { number: '14-п', date: '2026-01-20' }, cancels: { number: '12-п', date: '2025-12-10' }, cascade: true });
    expect(done.cascaded.map((m) => [m.orderNumber, m.cancelledBy?.number])).toEqual([['13-в', '14-п']]);
    expect(memberships(c, st.Носов.id)).toEqual([{ class_id: s.a.id, start_date: '2025-09-01', end_date: null }]);
    expect(bookRow(c, st.Носов.id)).toMatchObject({ departed_on: null, departure_reason: null });
    // an order already cancelled is not cancelled again
    expectError(await c.raw('orders.cancel', { order: { number: '15-п', date: '2026-01-21' }, cancels: { number: '12-п', date: '2025-12-10' } }), 'validation', 'cancels.number');
  });

  it('the cancelling order prints with the movements it cancels, the cascaded ones with their own order (pdftotext)', async () => {
    await c.call('school.update', SCHOOL);
    const order = (await c.call('orders.book', { query: '14-п' })).rows[0];
    const pdf = await c.call('orders.print', { orderId: order.id });
    const file = path.join(scratchDir(), 'cancel.pdf');
    fs.writeFileSync(file, Buffer.from(pdf.dataBase64, 'base64'));
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Об отмене приказа № 12-п от 10.12.2025');
    expect(text).toMatch(/Отменить приказ № 12-п от 10\.12\.2025 в части движений следующих обучающихся, считая их не состоявшимися \(2\)/);
    expect(text).toMatch(/по приказу № 13-в от 15\.01\.2026/);
  });

  it('a cascade is the administrator\'s: a clerk is refused, nothing written', async () => {
    await c.call('users.create', { login: 'clerk', fullName: 'Делопроизводитель Анна', role: 'clerk', password: 'long enough 1' });
    const signed = await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'long enough 1' } }, 'http');
    if (!signed.ok) throw new Error(signed.error.message);
    const session = (signed.value as { session: string }).session;
    const p = await c.call('students.create', studentInput({ lastName: 'Устинов', firstName: 'Ульян', sex: 'М' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: p.id, classId: s.a.id, date: '2025-09-01' });
    await c.call('orders.transfer', { order: { number: '60-п', date: '2026-05-04' }, studentId: p.id, toClassId: s.b.id, date: '2026-05-04' });
    await c.call('orders.transfer', { order: { number: '61-п', date: '2026-05-11' }, studentId: p.id, toClassId: s.a.id, date: '2026-05-11' });
    const before = hash(c);
    const asClerk = (args: unknown) => c.backend.call({ method: 'orders.cancel', args, session }, 'http');
    const args = { order: { number: '62-п', date: '2026-05-12' }, cancels: { number: '60-п', date: '2026-05-04' } };
    expectError(await asClerk(args), 'conflict', 'cascade');
    expectError(await asClerk({ ...args, cascade: true }), 'forbidden');
    expect(hash(c)).toBe(before);
  });

  it('a duplicate order number in the year, an unknown order, a date before the cancelled order: refused, named, nothing written', async () => {
    await c.call('orders.transfer', { order: { number: '20-п', date: '2026-02-02' }, studentId: st.Орлов.id, toClassId: s.b.id, date: '2026-02-02' });
    const before = hash(c);
    // 5-п is a transfer order of 2025/2026 already: the cancellation (a transfer-series order) may not take its number
    const dup = expectError(await c.raw('orders.cancel', { order: { number: '5-п', date: '2026-02-03' }, cancels: { number: '20-п', date: '2026-02-02' } }), 'validation', 'order.number');
    expect(dup.message).toMatch(/уже есть в 2025\/2026 учебном году — от 10\.10\.2025/);
    const unknown = expectError(await c.raw('orders.cancel', { order: { number: '21-п', date: '2026-02-03' }, cancels: { number: '99-п', date: '2026-02-02' } }), 'validation', 'cancels.number');
    expect(unknown.message).toBe('Приказа № 99-п от 02.02.2026 нет в книге приказов');
    const wrongDate = expectError(await c.raw('orders.cancel', { order: { number: '21-п', date: '2026-02-03' }, cancels: { number: '20-п', date: '2026-02-01' } }), 'validation', 'cancels.number');
    expect(wrongDate.message).toMatch(/приказ № 20-п есть от 02\.02\.2026/);
    expectError(await c.raw('orders.cancel', { order: { number: '21-п', date: '2026-02-01' }, cancels: { number: '20-п', date: '2026-02-02' } }), 'validation', 'order.date');
    // a cancellation of a cancellation
    expectError(await c.raw('orders.cancel', { order: { number: '22-п', date: '2026-02-03' }, cancels: { number: '6-п', date: '2025-10-12' } }), 'validation', 'cancels.number');
    // the same number and date as an existing order
    expectError(await c.raw('orders.cancel', { order: { number: '20-п', date: '2026-02-02' }, cancels: { number: '20-п', date: '2026-02-02' } }), 'validation', 'order.number');
    expect(hash(c)).toBe(before);
  });

  it('an amendment cancels only the named pupils\' movements; a cancelled first enrolment closes the entry, its number kept', async () => {
    const late = await c.call('students.create', studentInput({ lastName: 'Лебедев', firstName: 'Лев', sex: 'М' }));
    await c.call('orders.enrol', { order: { number: '30-у', date: '2026-03-02' }, studentId: late.id, classId: s.a.id, date: '2026-03-02' });
    const other = await c.call('students.create', studentInput({ lastName: 'Лосев', firstName: 'Лука', sex: 'М' }));
    await c.call('orders.enrol', { order: { number: '30-у', date: '2026-03-02' }, studentId: other.id, classId: s.a.id, date: '2026-03-02' });
    const r = await c.call('orders.cancel', { order: { number: '31-у', date: '2026-03-03' }, cancels: { number: '30-у', date: '2026-03-02' }, studentIds: [late.id] });
    expect(r.order.title).toBe('О внесении изменений в приказ № 30-у от 02.03.2026 («О зачислении»)');
    expect(r.cancelled.map((m) => m.studentId)).toEqual([late.id]);
    expect(memberships(c, late.id)).toEqual([]);
    expect(memberships(c, other.id)).toEqual([{ class_id: s.a.id, start_date: '2026-03-02', end_date: null }]);
    expect(bookRow(c, late.id)).toMatchObject({ letter: 'Л', number: 1, departed_on: '2026-03-02', departure_reason: 'Зачисление отменено приказом № 31-у от 03.03.2026' });
    const book = await c.call('orders.book', { query: '30-у' });
    expect(book.rows.find((o) => o.number === '30-у')?.studentCount).toBe(2); // the order keeps both movements
  });

  it('after a cancelled transfer the pupil may leave before its date: the cancelled movement did not happen', async () => {
    const p = await c.call('students.create', studentInput({ lastName: 'Рябов', firstName: 'Роман', sex: 'М' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: p.id, classId: s.a.id, date: '2025-09-01' });
    await c.call('orders.transfer', { order: { number: '50-п', date: '2026-04-20' }, studentId: p.id, toClassId: s.b.id, date: '2026-04-20' });
    await c.call('orders.cancel', { order: { number: '51-п', date: '2026-04-21' }, cancels: { number: '50-п', date: '2026-04-20' } });
    const mv = await c.call('orders.depart', { order: { number: '52-в', date: '2026-04-22' }, studentId: p.id, date: '2026-04-15', reason: 'Переезд' });
    expect(mv).toMatchObject({ fromClass: '5А', date: '2026-04-15' });
    expect(memberships(c, p.id)).toEqual([{ class_id: s.a.id, start_date: '2025-09-01', end_date: '2026-04-15' }]);
  });

  it('a departure dated after today (a year ahead) is refused until the date is confirmed', async () => {
    // the current school year (from August on, the new one), whenever the test runs: its last days are always ahead
    const start = currentYearStart();
    const name = `${start}/${start + 1}`;
    const y = (await c.call('years.list', {} as never)).find((x) => x.name === name) ?? await c.call('years.create', { name });
    const k = await c.call('classes.create', { yearId: y.id, parallel: 6, letter: 'Ф' });
    const p = await c.call('students.create', studentInput({ lastName: 'Фомин', firstName: 'Фёдор', sex: 'М' }));
    await c.call('orders.enrol', { order: { number: '40-у', date: `${start}-09-01`, confirmFuture: true }, studentId: p.id, classId: k.id, date: `${start}-09-01` });
    const ahead = `${start + 1}-08-30`;
    const today = todayIso();
    const before = hash(c);
    const e = expectError(await c.raw('orders.depart', { order: { number: '41-в', date: today }, studentId: p.id, date: ahead, reason: 'Переезд' }), 'validation', 'order.confirmFuture');
    expect(e.fields?.date).toMatch(/в будущем: подтвердите/);
    expect(hash(c)).toBe(before);
    await c.call('orders.depart', { order: { number: '41-в', date: today, confirmFuture: true }, studentId: p.id, date: ahead, reason: 'Переезд' });
  });

  it('the алфавитная книга shows the orders of enrolment and leaving (not the cancelled ones), on screen and in its PDF (pdftotext)', async () => {
    const rows = (await c.call('alphabetBook.list', { letter: 'З' })).rows;
    expect(rows).toEqual([expect.objectContaining({ fullName: expect.stringMatching(/^Зайцев/), enrolmentOrder: { number: '1-у', date: '2025-09-01' },
      departureOrder: { number: '9-в', date: '2025-11-10' } })]);
    const osipova = (await c.call('alphabetBook.list', { query: 'Осипова' })).rows[0];
    expect(osipova).toMatchObject({ enrolmentOrder: { number: '1-у', date: '2025-09-01' }, departureOrder: null, departedOn: null });
    await c.call('school.update', SCHOOL);
    const pdf = await c.call('printouts.alphabetBook', { letter: 'З' });
    const file = path.join(scratchDir(), 'book-z.pdf');
    fs.writeFileSync(file, Buffer.from(pdf.dataBase64, 'base64'));
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Дата зачисления, № и дата приказа');
    expect(text).toMatch(/приказ № 1-у от 01\.09\.2025/);
    expect(text).toMatch(/приказ № 9-в от 10\.11\.2025/);
  });
});

describe('cancelling a promotion order', () => {
  it('a wrong promotion and a wrong выпуск are undone: the promoted back in their classes, the graduate\'s book entry open again, every order in the book', async () => {
    const c = await adminClient(scratchDir());
    try {
      const y1 = await c.call('years.create', { name: '2025/2026' });
      const y2 = await c.call('years.create', { name: '2026/2027' });
      const k10 = await c.call('classes.create', { yearId: y1.id, parallel: 10, letter: 'А' });
      const k11 = await c.call('classes.create', { yearId: y1.id, parallel: 11, letter: 'А' });
      const younger = await c.call('students.create', studentInput({ lastName: 'Яковлев', firstName: 'Ян', sex: 'М', birthDate: '2009-05-05' }));
      const elder = await c.call('students.create', studentInput({ lastName: 'Юдина', firstName: 'Юлия', sex: 'Ж', birthDate: '2008-06-06' }));
      await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: younger.id, classId: k10.id, date: '2025-09-01' });
      await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: elder.id, classId: k11.id, date: '2025-09-01' });
      // the promotion moves the 10th grader; the 11th grader is left for the выпуск, released by its own order
      await c.call('orders.promote', { order: { number: '9-пр', date: '2026-05-29' }, fromYearId: y1.id, toYearId: y2.id, date: '2026-05-29' });
      await c.call('orders.graduate', { order: { number: '5-вып', date: '2026-06-25' }, date: '2026-06-25', students: [{ studentId: elder.id, withoutAttestat: true }] });
      expect(bookRow(c, elder.id)).toMatchObject({ departed_on: '2026-06-25', departure_reason: expect.stringMatching(/^Окончание обучения/) });
      const r = await c.call('orders.cancel', { order: { number: '10-пр', date: '2026-05-30' }, cancels: { number: '9-пр', date: '2026-05-29' } });
      expect(r.order.title).toBe('Об отмене приказа № 9-пр от 29.05.2026 («О переводе в следующий класс»)');
      expect(r.cancelled).toHaveLength(1);
      expect(memberships(c, younger.id)).toEqual([{ class_id: k10.id, start_date: '2025-09-01', end_date: null }]);
      const g = await c.call('orders.cancel', { order: { number: '6-вып', date: '2026-06-26' }, cancels: { number: '5-вып', date: '2026-06-25' } });
      expect(g.cancelled).toHaveLength(1);
      expect(memberships(c, elder.id)).toEqual([{ class_id: k11.id, start_date: '2025-09-01', end_date: null }]);
      expect(bookRow(c, elder.id)).toMatchObject({ departed_on: null, departure_reason: null });
      // the выпуск the cancellation took back stays in the entry's history
      expect(history(c, elder.id)).toContainEqual({ entered_on: '2025-09-01', departed_on: '2026-06-25', departure_reason: expect.stringMatching(/^Окончание обучения/) });
      // … and the book shows it, struck through, on screen and in its printout; the state the first leaving replaced
      // (entered, not left) said nothing the entry no longer says and is not shown
      const today = todayIso();
      const entry = (await c.call('alphabetBook.list', { query: 'Юдина' })).rows[0];
      expect(entry).toMatchObject({ departedOn: null, corrected: [{ enteredOn: '2025-09-01', departedOn: '2026-06-25',
        departureReason: expect.stringMatching(/^Окончание обучения/), replacedOn: today }] });
      expect((await c.call('alphabetBook.list', { query: 'Яковлев' })).rows[0].corrected).toBeUndefined();
      await c.call('school.update', SCHOOL);
      const pdf = path.join(scratchDir(), 'book-yu.pdf');
      fs.writeFileSync(pdf, Buffer.from((await c.call('printouts.alphabetBook', { letter: 'Ю' })).dataBase64, 'base64'));
      const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain('выбытие 25.06.2026: Окончание обучения');
      expect(text).toContain(`(прежняя запись, исправлена ${formatDate(today)})`);
      expect((await c.call('orders.book', { year: 2025 })).rows.map((o) => o.number)).toEqual(['6-вып', '5-вып', '10-пр', '9-пр', '1-у']);
      // promoted again by a right order
      await c.call('orders.promote', { order: { number: '11-пр', date: '2026-05-31' }, fromYearId: y1.id, toYearId: y2.id, date: '2026-05-31' });
      expect(memberships(c, younger.id)).toHaveLength(2);
    } finally {
      c.backend.close();
    }
  });
});
