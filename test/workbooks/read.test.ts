// Journal workbooks as journals write them: header rows found by name, cells in every shape, the user's mapping.
import { describe, expect, it } from 'vitest';
import { detectPeriod, normalizeHeader, parseDateCell, readMark, type DataRow, type ReadOptions } from '../../main/workbooks/read.ts';
import { detectLayouts, journalEvents } from './journal.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBook } from './make.ts';

async function rowsOf(file: string, opts: ReadOptions = {}): Promise<DataRow[]> {
  const out: DataRow[] = [];
  for await (const ev of journalEvents(file, opts)) if (ev.type === 'row') out.push(ev.row);
  return out;
}
const values = (r: DataRow) => Object.fromEntries(Object.entries(r.cells).map(([f, c]) => [f, c.value]));

describe('marks, dates and headers as journals write them', () => {
  it('marks: digits, 5.0, words, slashes either way', () => {
    const ok = (v: unknown) => { const r = readMark(v); return r.ok ? r.value : `!${r.reason}`; };
    expect([5, 4.0, '3', ' 2 ', '5.0', '4,0', '1'].map(ok)).toEqual(['5', '4', '3', '2', '5', '4', '1']);
    expect(['зачтено', 'Зачёт', 'зч', 'незачет', 'не зачтено', 'н/з', 'нз'].map(ok)).toEqual(['зч', 'зч', 'зч', 'нз', 'нз', 'нз', 'нз']);
    expect(['осв.', 'освобождён', 'Осв', 'н/а', 'н\\а', 'Н/А', 'na', 'не аттестован'].map(ok)).toEqual(['осв', 'осв', 'осв', 'н/а', 'н/а', 'н/а', 'н/а', 'н/а']);
    expect([null, '', '  '].map(ok)).toEqual([null, null, null]);
    expect(ok(6)).toMatch(/^!Оценка 6 вне шкалы/);
    expect(ok(4.5)).toMatch(/^!Оценка 4.5 вне шкалы/);
    expect(ok('отл')).toMatch(/^!«отл» — не оценка/);
  });

  it('dates: serials, 01.09.2025, ISO, date cells; nonsense is null', () => {
    expect(parseDateCell(45901)).toBe('2025-09-01');
    expect(parseDateCell(45901.75)).toBe('2025-09-01');
    expect(parseDateCell('01.09.2025')).toBe('2025-09-01');
    expect(parseDateCell('1.9.2025')).toBe('2025-09-01');
    expect(parseDateCell(' 01.09.2025 г.')).toBe('2025-09-01');
    expect(parseDateCell('2025-09-01')).toBe('2025-09-01');
    expect(parseDateCell('2025-09-01T00:00:00.000Z')).toBe('2025-09-01');
    expect(parseDateCell('45901')).toBe('2025-09-01');
    expect(parseDateCell(new Date(Date.UTC(2015, 1, 1)))).toBe('2015-02-01');
    expect(parseDateCell(40440, true)).toBe(parseDateCell(40440 + 1462)); // a Mac workbook's 1904 date system
    expect(parseDateCell('31.02.2015')).toBeNull();
    expect(parseDateCell('вчера')).toBeNull();
  });

  it('headers: case, ё/е, dots, stray spaces; periods in their many spellings', () => {
    expect(normalizeHeader('  Ф.И.О. ')).toBe('ф и о');
    expect(normalizeHeader('Дата  рождения')).toBe('дата рождения');
    const p = (h: string) => detectPeriod(normalizeHeader(h));
    expect(['1 четв.', 'I четверть', '2-я четверть', 'IV четв', '2 полугодие', 'II полугодие', '3 триместр', 'Год', 'Годовая', 'Экзамен', 'Итоговая', 'Итоговая оценка']
      .map((h) => p(h)?.period)).toEqual(['q1', 'q1', 'q2', 'q4', 'h2', 'h2', 't3', 'year', 'year', 'exam', 'final', 'final']);
    expect(p('Математика 1 четв.')).toEqual({ period: 'q1', rest: 'математика' });
    expect(p('Класс')).toBeNull();
  });
});

describe('reading a journal workbook', () => {
  it('finds the header under title rows, takes subjects from a merged cell above, skips hidden sheets', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'journal.xlsx', {
      'Титул': [['Классный журнал 5А, 2025/2026']],
      'Скрытый': [['ФИО', 'СНИЛС'], ['Скрытов Семён', '112-233-445 95']],
      'Очень скрытый': [['ФИО', 'СНИЛС'], ['Тайнов Тимур', '112-233-445 95']],
      '5А': [
        ['Сводная ведомость'], [],
        [null, null, null, null, 'Математика', null, null, 'Русский язык'],
        ['№', 'Ф.И.О.', 'Дата  рождения', 'СНИЛС', '1 четв.', '2 четв.', 'Годовая', 'I четверть'],
        [1, 'Иванов Пётр Сергеевич', '01.02.2015', '112-233-445 95', 5, 4, 5, 'зачтено'],
      ],
    }, (wb) => {
      wb.getWorksheet('Скрытый')!.state = 'hidden';
      wb.getWorksheet('Очень скрытый')!.state = 'veryHidden';
      wb.getWorksheet('5А')!.mergeCells('E3:G3');
    });
    const { layouts, skipped } = await detectLayouts(f);
    expect(skipped).toEqual([
      { sheet: 'Титул', reason: 'нет строки заголовков' }, { sheet: 'Скрытый', reason: 'скрытый лист' }, { sheet: 'Очень скрытый', reason: 'скрытый лист' },
    ]);
    expect(layouts).toHaveLength(1);
    expect(layouts[0]).toMatchObject({
      sheet: '5А', headerRow: 4,
      mapping: { fullName: 'B', birthDate: 'C', snils: 'D', 'mark:Математика|q1': 'E', 'mark:Математика|q2': 'F', 'mark:Математика|year': 'G', 'mark:Русский язык|q1': 'H' },
      unmapped: [{ col: 'A', header: '№' }],
    });
    const rows = await rowsOf(f);
    expect(rows.map(values)).toEqual([{
      fullName: 'Иванов Пётр Сергеевич', birthDate: '2015-02-01', snils: '112-233-445 95',
      'mark:Математика|q1': '5', 'mark:Математика|q2': '4', 'mark:Математика|year': '5', 'mark:Русский язык|q1': 'зч',
    }]);
    expect(rows[0]).toMatchObject({ sheet: '5А', row: 5 });
    expect(rows[0].cells['mark:Русский язык|q1'].col).toBe('H');
  });

  it('cells in every shape: serials, date cells, text dates, numbers as text, formulas, rich text, merged rows, stray spaces', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'cells.xlsx', {
      'Журнал': [
        ['Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'СНИЛС', 'Класс', 'Пол', 'Математика'],
        ['  Иванов ', 'Пётр', 'Сергеевич', 42036, 11223344595, '5 а', 'м', { formula: '2+3', result: 5 } as never],
        ['Петрова', { richText: [{ text: 'Ан' }, { text: 'на', font: { bold: true } }] } as never, 'Ивановна', new Date(Date.UTC(2015, 2, 4)), '112 233 445 95', null, 'Ж', '4.0'],
        ['Сидоров', 'Олег', null, '2015-05-06', null, null, 'М', ' н\\а '],
        ['Кузнецов', 'Илья', 'Олегович', '07.08.2014', null, null, 'М', '  '],
        [],
        ['', '', '', '', '', '', '', ''],
      ],
    }, (wb) => {
      const ws = wb.getWorksheet('Журнал')!;
      ws.getCell('D3').numFmt = 'dd.mm.yyyy';
      ws.mergeCells('F2:F5'); // the class written once for the whole group
    });
    const rows = await rowsOf(f, { subjects: ['Математика'] });
    // the merges found the same whether the sheet is inflated at once for them or streamed (as a sheet of many MB is)
    expect((await rowsOf(f, { subjects: ['Математика'], limits: { wholeSheet: 0 } })).map(values)).toEqual(rows.map(values));
    expect(rows.map(values)).toEqual([
      { lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич', birthDate: '2015-02-01', snils: '11223344595', className: '5А', sex: 'М', 'mark:Математика|': '5' },
      { lastName: 'Петрова', firstName: 'Анна', middleName: 'Ивановна', birthDate: '2015-03-04', snils: '112 233 445 95', className: '5А', sex: 'Ж', 'mark:Математика|': '4' },
      { lastName: 'Сидоров', firstName: 'Олег', middleName: null, birthDate: '2015-05-06', snils: null, className: '5А', sex: 'М', 'mark:Математика|': 'н/а' },
      { lastName: 'Кузнецов', firstName: 'Илья', middleName: 'Олегович', birthDate: '2014-08-07', snils: null, className: '5А', sex: 'М', 'mark:Математика|': null },
    ]);
  });

  it('a subject column takes its period from the sheet name', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'periods.xlsx', { '2 четверть': [['ФИО', 'Рус. яз.', 'Математика'], ['Иванов Пётр', 5, 'нз']] });
    const rows = await rowsOf(f, { subjects: ['Математика', 'Рус. яз.'] });
    expect(values(rows[0])).toEqual({ fullName: 'Иванов Пётр', 'mark:Рус. яз.|q2': '5', 'mark:Математика|q2': 'нз' });
  });

  it('bad cells are reported in place, with their column, and do not stop the read', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'badcells.xlsx', { 'Журнал': [['ФИО', 'Дата рождения', 'Математика 1 четв.'], ['Иванов Пётр', '31.02.2015', 7], ['Петров Иван', '01.02.2015', 5]] });
    const rows = await rowsOf(f);
    expect(rows[0].cells.birthDate).toEqual({ value: null, col: 'B', raw: '31.02.2015', error: '«31.02.2015» — не дата (ожидается ДД.ММ.ГГГГ)' });
    expect(rows[0].cells['mark:Математика|q1'].error).toMatch(/Оценка 7 вне шкалы/);
    expect(values(rows[1])).toEqual({ fullName: 'Петров Иван', birthDate: '2015-02-01', 'mark:Математика|q1': '5' });
  });

  it('the user corrects the mapping: a column with an unknown name, a detected column dropped', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'override.xlsx', { 'Журнал': [['Список детей', 'Д/р', 'Класс', 'Примечание'], ['Иванов Пётр', '01.02.2015', '5А', 'отл']] });
    const { layouts } = await detectLayouts(f, { mapping: { fullName: 'A' } });
    expect(layouts[0].detected).toEqual({ className: 'C' });
    expect(layouts[0].mapping).toEqual({ className: 'C', fullName: 'A' });
    expect(layouts[0].unmapped).toEqual([{ col: 'B', header: 'Д/р' }, { col: 'D', header: 'Примечание' }]);
    const rows = await rowsOf(f, { mapping: { fullName: 'A', birthDate: 'B', className: null }, sheetMappings: { 'Журнал': { 'mark:Математика|year': 'd' } } });
    expect(values(rows[0])).toEqual({ fullName: 'Иванов Пётр', birthDate: '2015-02-01', 'mark:Математика|year': null });
    expect(rows[0].cells['mark:Математика|year'].error).toMatch(/«отл» — не оценка/);
  });
});

describe('exceljs streaming race (exceljs#3064)', () => {
  // exceljs stores xl/workbook.xml after the sheets; its streaming reader may meet a sheet before the workbook part
  // and throw «Cannot read properties of undefined (reading 'sheets')». The same file must read every time.
  it('reads the same exceljs-written workbook with two sheets and a date cell 40 times in a row', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'race.xlsx', {
      '5А': [['ФИО', 'Дата рождения', 'Математика 1 четв.'], ['Иванов Пётр', new Date(Date.UTC(2015, 1, 1)), 5]],
      '5Б': [['ФИО', 'Дата рождения', 'Математика 1 четв.'], ['Петров Иван', '02.03.2015', 4]],
    });
    for (let i = 0; i < 40; i++) {
      const rows = await rowsOf(f);
      expect(rows.map(values)).toEqual([
        { fullName: 'Иванов Пётр', birthDate: '2015-02-01', 'mark:Математика|q1': '5' },
        { fullName: 'Петров Иван', birthDate: '2015-03-02', 'mark:Математика|q1': '4' },
      ]);
    }
  }, 60_000);
});
