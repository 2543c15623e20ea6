// The clerk's corrections over the API, sheet by sheet: a subject column the register does not know is shown for
// mapping (in unknownSubjects and as a mark column, never dropped), a wrong column name on one sheet is fixed for that
// sheet only, an unnamed column on another sheet becomes a mark column, and the corrections are remembered per sheet.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Input } from '../../preload/contract.ts';
import { adminClient, smallSchool, tempDir, type Client } from '../helpers/register.ts';
import { writeBook } from './make.ts';

let c: Client;
let school: Awaited<ReturnType<typeof smallSchool>>;
let data: string;
const args = (more: Partial<Input<'import.preview'>> = {}): Input<'import.preview'> =>
  ({ kind: 'marks', fileName: 'Журнал 5А, два листа.xlsx', dataBase64: data, year: '2025/2026', ...more });

beforeAll(async () => {
  c = await adminClient();
  school = await smallSchool(c);
  await c.call('curriculum.set', { classId: school.a.id, subjectIds: [school.math.id, school.rus.id] });
  for (const [last, first, birthDate] of [['Орлова', 'Вера', '2014-04-04'], ['Панов', 'Юрий', '2014-05-05']] as const) {
    const s = await c.call('students.create', { lastName: last, firstName: first, birthDate, sex: last === 'Орлова' ? 'Ж' : 'М', guardians: [] });
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: s.id, classId: school.a.id, date: '2025-09-01' });
  }
  const file = await writeBook(tempDir('sr-import-mapping-'), 'j.xlsx', {
    'Лист 5А': [
      ['ФИО', 'Дата рожд-я', 'Математика 1 четв.', 'Астрономия 1 четв.', 'Русский (год)'],
      ['Орлова Вера', '04.04.2014', 5, 4, 'зачтено'],
    ],
    'Лист 2': [
      ['ФИО', 'Дата рождения', 'Математика 2 четв.', 'Оценка'],
      ['Панов Юрий', '05.05.2014', 4, 3],
    ],
  });
  data = fs.readFileSync(file).toString('base64');
});

describe('mapping columns and subjects in the preview', () => {
  it('unknown subjects are shown for mapping; each sheet is corrected on its own; the corrections are remembered', async () => {
    const p = await c.call('import.preview', args());
    const [one, two] = p.sheets;
    expect(one.mapping).toMatchObject({ 'mark:Математика|q1': 'C', 'mark:Астрономия|q1': 'D', 'mark:Русский|year': 'E' });
    expect(one.unmapped).toEqual([{ col: 'B', header: 'Дата рожд-я' }]);
    expect(two.mapping).toMatchObject({ birthDate: 'B', 'mark:Математика|q2': 'C' });
    expect(two.unmapped).toEqual([{ col: 'D', header: 'Оценка' }]);
    expect(p.unknownSubjects.sort()).toEqual(['Астрономия', 'Русский']);
    expect(p.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['mark:Астрономия|q1', 'mark:Русский|year']));
    expect(p.rejected).toEqual([{ sheet: 'Лист 5А', row: 2, column: null, reason: expect.stringMatching(/нет даты рождения/) }]);
    expect(p.counts.added).toBe(1); // only sheet 2's C: its D means nothing yet

    // B is the birth date on the first sheet; the second sheet's D is the 3rd quarter's mark; «Русский» is Русский язык
    const sheetMappings = { 'Лист 5А': { birthDate: 'B' }, 'Лист 2': { 'mark:Математика|q3': 'D' } };
    const fixed = await c.call('import.preview', args({ sheetMappings, subjectMapping: { 'Русский': school.rus.id } }));
    expect(fixed.sheets[0].mapping.birthDate).toBe('B');
    expect(fixed.sheets[1].mapping).toMatchObject({ birthDate: 'B', 'mark:Математика|q3': 'D' });
    expect(fixed.rejected).toEqual([{ sheet: 'Лист 5А', row: 2, column: 'D', reason: expect.stringMatching(/предмет «Астрономия» не найден в реестре: сопоставьте/) }]);

    // Астрономия has no register subject: the clerk drops that column on its sheet
    const final = { 'Лист 5А': { birthDate: 'B', 'mark:Астрономия|q1': null }, 'Лист 2': { 'mark:Математика|q3': 'D' } };
    const clean = await c.call('import.preview', args({ sheetMappings: final, subjectMapping: { 'Русский': school.rus.id } }));
    expect(clean.rejected).toEqual([]);
    expect(clean.counts).toEqual({ added: 4, changed: 0, unchanged: 0 });
    const r = await c.call('import.commit', { ...args({ sheetMappings: final, subjectMapping: { 'Русский': school.rus.id } }), token: clean.token });
    expect(r).toMatchObject({ added: 4, written: true });
    const grid = await c.call('grades.grid', { classId: school.a.id });
    const q3 = grid.columns.find((col) => col.kind === 'quarter' && col.number === 3)!.key;
    const panov = grid.students.find((s) => s.fullName.startsWith('Панов'))!.id;
    const orlova = grid.students.find((s) => s.fullName.startsWith('Орлова'))!.id;
    expect(grid.marks).toEqual(expect.arrayContaining([
      { studentId: panov, subjectId: school.math.id, column: q3, mark: '3' },
      { studentId: orlova, subjectId: school.rus.id, column: 'annual', mark: 'зч' },
    ]));

    // the same journal again starts from the remembered per-sheet corrections: nothing to write
    const again = await c.call('import.preview', args());
    expect(again.savedMapping).toBe(true);
    expect(again.sheets[1].mapping['mark:Математика|q3']).toBe('D');
    expect(again.rejected).toEqual([]);
    expect(again.counts).toEqual({ added: 0, changed: 0, unchanged: 4 });
  });

  it('a sheet named for its subject gives bare period columns their subject; with no subject anywhere the cells ask for one', async () => {
    const file = await writeBook(tempDir('sr-import-mapping-'), 'k.xlsx', {
      'Математика': [['ФИО', 'Дата рождения', '3 четв.'], ['Орлова Вера', '04.04.2014', 5]],
      'Без предмета': [['ФИО', 'Дата рождения', '4 четв.'], ['Панов Юрий', '05.05.2014', 4]],
    });
    const p = await c.call('import.preview', args({ fileName: 'k.xlsx', dataBase64: fs.readFileSync(file).toString('base64') }));
    expect(p.sheets[0].mapping['mark:Математика|q3']).toBe('C');
    expect(p.sheets[1].mapping['mark:|q4']).toBe('C');
    expect(p.unknownSubjects).toEqual([]);
    expect(p.rejected).toEqual([{ sheet: 'Без предмета', row: 2, column: 'C', reason: expect.stringMatching(/в заголовке «4 четверть» не указан предмет/) }]);
    expect(p.counts.added).toBe(1);
  });
});
