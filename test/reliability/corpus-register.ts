// The register the bad-input corpus is fed to: a small school whose students the corpus workbooks name
// (test/fixtures/bad/make-corpus.ts). Built through the API, like a clerk would.
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';

export async function corpusRegister(dir: string): Promise<Client & { dbPath: string }> {
  const c = await adminClient(dir);
  const s = await smallSchool(c);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
  await c.call('curriculum.set', { classId: s.b.id, subjectIds: [s.math.id, s.rus.id] });
  const kids: Array<[string, string, string | null, string, string | null, number]> = [
    ['Иванов', 'Пётр', 'Сергеевич', '2014-02-01', '112-233-445 95', s.a.id],
    ['Петров', 'Иван', 'Иванович', '2014-04-03', null, s.a.id],
    ['Сидоров', 'Семён', 'Семёнович', '2014-06-05', null, s.a.id],
    ['Сидоров', 'Семён', 'Семёнович', '2014-06-05', null, s.a.id], // a namesake born the same day
    ['Кузнецова', 'Анна', 'Викторовна', '2014-08-07', null, s.b.id],
  ];
  let n = 1;
  for (const [lastName, firstName, middleName, birthDate, snils, classId] of kids) {
    const st = await c.call('students.create', { lastName, firstName, middleName, birthDate, sex: lastName.endsWith('а') ? 'Ж' : 'М', snils, guardians: [] });
    await c.call('orders.enrol', { order: { number: `${n++}-у`, date: '2025-09-01' }, studentId: st.id, classId, date: '2025-09-01' });
  }
  return c;
}
