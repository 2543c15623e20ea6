// Foundation details: paging of the student search, movements linked to their order, jobs cancelled only
// by their owner or an admin, and enrolment dates that belong to the class's year.
import { afterEach, describe, expect, it } from 'vitest';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';

let c: (Client & { dbPath: string }) | null = null;
afterEach(() => {
  c?.backend.close();
  c = null;
});

const pupil = (last: string, snils: string | null = null) => ({ lastName: last, firstName: 'Анна', birthDate: '2014-03-02', sex: 'Ж' as const, snils, guardians: [] });

describe('register foundation details', () => {
  it('pages the student search with offset and keeps the total', async () => {
    c = await adminClient();
    for (const n of ['Абрамова', 'Белова', 'Волкова', 'Громова', 'Демидова']) await c.call('students.create', pupil(n));
    const p1 = await c.call('students.search', { limit: 2, offset: 0 });
    const p3 = await c.call('students.search', { limit: 2, offset: 4 });
    expect(p1.total).toBe(5);
    expect(p1.rows.map((r) => r.fullName.split(' ')[0])).toEqual(['Абрамова', 'Белова']);
    expect(p3.rows.map((r) => r.fullName.split(' ')[0])).toEqual(['Демидова']);
  });

  it('the total agrees with the rows listed, with and without filters, also for a student open in two years', async () => {
    c = await adminClient();
    const s = await smallSchool(c);
    const next = await c.call('years.create', { name: '2026/2027' });
    const six = await c.call('classes.create', { yearId: next.id, parallel: 6, letter: 'А' });
    const ids: string[] = [];
    for (const n of ['Абрамова', 'Белова', 'Волкова', 'Громова', 'Демидова', 'Ершова']) ids.push((await c.call('students.create', pupil(n))).id);
    const order = { number: '1-у', date: '2025-09-01' };
    for (const [i, id] of ids.slice(0, 4).entries()) await c.call('orders.enrol', { order, studentId: id, classId: i % 2 ? s.a.id : s.b.id, date: '2025-09-01' });
    // Белова also in 6А of the next year while her 5Б membership is still open: the list shows her twice, the total too.
    await c.call('orders.enrol', { order: { number: '2-у', date: '2026-09-01' }, studentId: ids[1], classId: six.id, date: '2026-09-01' }).catch(() => {
      c!.backend.db.prepare("INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) SELECT student_id, ?, ?, '2026-09-01', start_movement_id FROM class_memberships WHERE student_id = ?")
        .run(six.id, next.id, ids[1]);
    });
    for (const f of [{}, { query: 'Бел' }, { query: 'Ер' }, { classId: s.a.id }, { yearId: next.id }, { yearId: s.year.id, query: 'Б' }]) {
      const all = await c.call('students.search', { ...f, limit: 1000 });
      expect(all.total, JSON.stringify(f)).toBe(all.rows.length);
    }
    expect((await c.call('students.search', { limit: 1000 })).total).toBe(7);
  });

  it('links every movement to its order and gives the current class its year', async () => {
    c = await adminClient();
    const s = await smallSchool(c);
    const st = await c.call('students.create', pupil('Орлова'));
    const mv = await c.call('orders.enrol', { order: { number: '7-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
    const orders = await c.call('orders.list', {});
    expect(orders.find((o) => o.number === '7-у')!.id).toBe(mv.orderId);
    expect((await c.call('students.get', { id: st.id })).currentClass).toMatchObject({ id: s.a.id, yearId: s.year.id, yearName: '2025/2026' });
  });

  it('refuses an enrolment dated in an earlier academic year, naming the date field', async () => {
    c = await adminClient();
    const s = await smallSchool(c);
    const st = await c.call('students.create', pupil('Юдина'));
    const r = await c.raw('orders.enrol', { order: { number: '1-у', date: '2020-09-01' }, studentId: st.id, classId: s.a.id, date: '2020-09-01' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.error.fields ?? {})).toEqual(['date']);
    expect((await c.call('students.history', { id: st.id })).length).toBe(0);
  });

  it('lets only the job owner or an admin cancel a job', async () => {
    c = await adminClient();
    await c.call('users.create', { login: 'clerk', fullName: 'Секретарь Ольга', role: 'clerk', password: 'clerk-password' });
    const { jobId } = await c.call('demo.generate', { students: 3000 });
    const admin = c.session;
    const signIn = await c.call('auth.signIn', { login: 'clerk', password: 'clerk-password' });
    c.session = signIn.session;
    const r = await c.raw('jobs.cancel', { id: jobId });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('forbidden');
    c.session = admin;
    await c.call('jobs.cancel', { id: jobId });
    for (let i = 0; i < 200; i++) {
      const j = await c.call('jobs.status', { id: jobId });
      if (j.state !== 'running') {
        expect(j.state).toBe('cancelled');
        break;
      }
      await new Promise((res) => setTimeout(res, 25));
    }
    expect((await c.call('students.search', {})).total).toBe(0);
  });
});
