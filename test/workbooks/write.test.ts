// Lists saved as xlsx: read back with exceljs, and, where LibreOffice is installed, opened by it with the same values.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { safeSheetName, writeListWorkbook, type ListColumn } from '../../main/workbooks/write.ts';
import { tempDir } from '../helpers/register.ts';

type Row = { name: string; birth: string | null; snils: string | null; className: string; count: number };
const ROWS: Row[] = [
  { name: 'Ёлкин Семён Ильич', birth: '2014-06-06', snils: '112-233-445 95', className: '5А', count: 3 },
  { name: 'Орлова Мария Андреевна', birth: '2014-04-04', snils: null, className: '5Б', count: 12 },
  { name: 'Без даты', birth: null, snils: null, className: '11А', count: 0 },
];
const COLUMNS: Array<ListColumn<Row>> = [
  { header: 'ФИО', value: (r) => r.name },
  { header: 'Дата рождения', value: (r) => r.birth, kind: 'date' },
  { header: 'СНИЛС', value: (r) => r.snils, kind: 'text' },
  { header: 'Класс', value: (r) => r.className },
  { header: 'Пропуски', value: (r) => r.count, kind: 'number' },
];

function soffice(): string | null {
  try {
    return execFileSync('which', ['soffice'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('a list saved as xlsx', () => {
  it('reads back: Russian headers, real dates shown ДД.ММ.ГГГГ, widths, frozen header', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'list.xlsx');
    await writeListWorkbook(file, [{ name: 'Ученики: 5А/5Б', columns: COLUMNS, rows: ROWS }]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0];
    expect(ws.name).toBe('Ученики  5А 5Б');
    expect(ws.getRow(1).values).toEqual([undefined, 'ФИО', 'Дата рождения', 'СНИЛС', 'Класс', 'Пропуски']);
    expect(ws.getCell('B2').value).toEqual(new Date(Date.UTC(2014, 5, 6)));
    expect(ws.getCell('B2').numFmt).toBe('dd.mm.yyyy');
    expect(ws.getCell('B4').value).toBeNull();
    expect(ws.getCell('C2').value).toBe('112-233-445 95');
    expect(ws.getCell('E3').value).toBe(12);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getColumn(1).width).toBe('Орлова Мария Андреевна'.length + 2);
    expect(ws.getColumn(5).width).toBe(10);
    expect(ws.rowCount).toBe(4);
  });

  it('a long list streams through in order', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'long.xlsx');
    async function* rows() {
      for (let i = 0; i < 1000; i++) yield { name: `Ученик ${i}`, birth: '2014-01-01', snils: null, className: '5А', count: i };
    }
    await writeListWorkbook(file, [{ name: 'Лист', columns: COLUMNS, rows: rows() }]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBe(1001);
    expect(ws.getCell('E1001').value).toBe(999);
    expect(ws.getCell('A202').value).toBe('Ученик 200');
  });

  it('sheet names Excel would refuse are made safe', () => {
    expect(safeSheetName('Оценки [1 четв.]: 5А/5Б?')).toBe('Оценки  1 четв.   5А 5Б');
    expect(safeSheetName('x'.repeat(40))).toHaveLength(31);
    expect(safeSheetName('')).toBe('Лист1');
  });

  const bin = soffice();
  it.skipIf(!bin)(`LibreOffice opens it with the same values${bin ? '' : ' (skipped: soffice is not installed on this machine)'}`, () => {
    const dir = tempDir();
    const file = path.join(dir, 'list.xlsx');
    return writeListWorkbook(file, [{ name: 'Список', columns: COLUMNS, rows: ROWS }]).then(() => {
      // Its own profile: two LibreOffice runs at once (another test file) must not share one.
      execFileSync(bin!, [`-env:UserInstallation=file://${path.join(dir, 'lo-profile')}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, file], { timeout: 90_000 });
      const csv = fs.readFileSync(path.join(dir, 'list.csv'), 'utf8').trim().split(/\r?\n/);
      expect(csv).toEqual([
        'ФИО,Дата рождения,СНИЛС,Класс,Пропуски',
        'Ёлкин Семён Ильич,06.06.2014,112-233-445 95,5А,3',
        'Орлова Мария Андреевна,04.04.2014,,5Б,12',
        'Без даты,,,11А,0',
      ]);
    });
  });
});
