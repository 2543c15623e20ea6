// The journal reader on every layout of the LibreOffice corpus with every period word a journal writes: «1 четв.» …
// «4 четв.», «1 полуг.», «Год», «Экзамен», «Итог» — under a merged subject, a repeated one, a title, or in one row, each
// layout maps the same columns to the same fields, and its data start under the header.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/register.ts';
import { JOURNAL_LAYOUTS, journalCorpus, type Journal } from '../fixtures/journals.ts';
import { detectLayouts, journalEvents } from './journal.ts';

const journal: Journal = {
  className: '9А',
  students: [{ fio: 'Зайцева Дарья Игоревна', birth: '2011-04-09' }, { fio: 'Орлов Пётр Семёнович', birth: '2011-12-30' }],
  subjects: [
    { name: 'Русский язык', periods: ['1 четв.', '2 четв.', '3 четв.', '4 четв.', 'Год', 'Экзамен', 'Итог'] },
    { name: 'Физика', periods: ['1 полуг.', '2 полуг.', 'Год'] },
  ],
  mark: (i, s, p) => String(5 - ((i + s + p) % 3)),
};
const FIELDS = {
  fullName: 'A', birthDate: 'B', className: 'C',
  'mark:Русский язык|q1': 'D', 'mark:Русский язык|q2': 'E', 'mark:Русский язык|q3': 'F', 'mark:Русский язык|q4': 'G',
  'mark:Русский язык|year': 'H', 'mark:Русский язык|exam': 'I', 'mark:Русский язык|final': 'J',
  'mark:Физика|h1': 'K', 'mark:Физика|h2': 'L', 'mark:Физика|year': 'M',
};
const HEADER_ROW: Record<string, number> = { 'one-row': 1, 'two-row-merged': 2, 'two-row-repeated': 2, 'title-two-row': 3 };

let files: Record<string, string>;
beforeAll(async () => {
  files = await journalCorpus(path.join(tempDir('sr-two-row-'), 'corpus'), journal);
}, 300_000);

describe('one- and two-row journal headers', () => {
  it.each(Object.keys(JOURNAL_LAYOUTS))('%s: every period word mapped, the data under the header', async (layout) => {
    const { layouts } = await detectLayouts(files[layout], { subjects: ['Русский язык', 'Физика'] });
    expect(layouts).toHaveLength(1);
    expect(layouts[0].headerRow).toBe(HEADER_ROW[layout]);
    expect(layouts[0].mapping).toEqual(FIELDS);
    expect(layouts[0].unmapped).toEqual([]);
    const rows: Array<Record<string, string | null>> = [];
    for await (const ev of journalEvents(files[layout], { subjects: ['Русский язык', 'Физика'] })) {
      if (ev.type === 'row') rows.push(Object.fromEntries(Object.entries(ev.row.cells).map(([f, c]) => [f, c.value])));
    }
    expect(rows.map((r) => [r.fullName, r.birthDate, r['mark:Русский язык|exam'], r['mark:Физика|h2']])).toEqual([
      ['Зайцева Дарья Игоревна', '2011-04-09', journal.mark(0, 0, 5), journal.mark(0, 1, 1)],
      ['Орлов Пётр Семёнович', '2011-12-30', journal.mark(1, 0, 5), journal.mark(1, 1, 1)],
    ]);
  });
});
