// An attestat of a year before the program's rule sets (its finals were set by the rules then in force, which the
// program does not hold) is recorded as the paper book has it: the clerk gives the blank, the date and «с отличием».
// A graduate of a year the rules cover is still issued only through his computed finals and printed blank.
import { afterAll, expect, it } from 'vitest';
import { adminClient } from '../helpers/register.ts';
import { count, expectError, removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';

afterAll(removeScratchDirs);

it('2013/2014: issued from the paper book; 2025/2026: refused until the finals are applied', async () => {
  const c = await adminClient(scratchDir());
  try {
    const enrolled = async (year: string, lastName: string) => {
      const y = await c.call('years.create', { name: year });
      const k = await c.call('classes.create', { yearId: y.id, parallel: 11, letter: 'А' });
      const s = await c.call('students.create', studentInput({ lastName, birthDate: `${Number(year.slice(0, 4)) - 17}-03-03` }));
      await c.call('orders.enrol', { order: { number: `1-у-${year.slice(0, 4)}`, date: `${year.slice(0, 4)}-09-01` }, studentId: s.id, classId: k.id, date: `${year.slice(0, 4)}-09-01` });
      return s.id;
    };
    const old = await enrolled('2013/2014', 'Старов');
    const recent = await enrolled('2025/2026', 'Новиков');
    // «с отличием» goes on a blank of its own kind (migration 0022): an ordinary one is refused by field
    await c.call('attestats.receiveForms', { kind: 11, series: '77 ББ', firstNumber: 1, lastNumber: 2, receivedOn: '2014-05-20', document: 'Накладная № 3' });
    await c.call('attestats.receiveForms', { kind: 11, honours: true, series: '77 БО', firstNumber: 1, lastNumber: 1, receivedOn: '2014-05-20', document: 'Накладная № 4' });
    const plain = expectError(await c.raw('attestats.issue', { studentId: old, kind: 11, series: '77 ББ', number: 1, issueDate: '2014-06-24',
      recipient: 'Старов Иван Петрович', withHonours: true }), 'validation', 'number');
    expect(plain.message).toContain('Бланк 77 ББ № 000001 — бланк аттестата о среднем общем образовании, а выдаётся аттестат о среднем общем образовании с отличием (Старов');
    const a = await c.call('attestats.issue', { studentId: old, kind: 11, series: '77 БО', number: 1, issueDate: '2014-06-24', recipient: 'Старов Иван Петрович', withHonours: true });
    expect({ regNumber: a.regNumber, withHonours: a.withHonours, number: a.number }).toEqual({ regNumber: 1, withHonours: true, number: 1 });
    const e = expectError(await c.raw('attestats.issue', { studentId: recent, kind: 11, series: '77 ББ', number: 2, issueDate: '2026-06-24', recipient: 'Новиков Иван Петрович' }), 'validation');
    expect(e.message).toMatch(/^Итоговые отметки 11А за 2025\/2026 не вычислены/);
    expect(count(c.backend.db, 'attestats')).toBe(1);
  } finally {
    c.backend.close();
  }
});
