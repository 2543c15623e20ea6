// Our SpreadsheetML reader: the cell values a journal import sees, checked piece by piece on hand-written XML (split
// into chunks anywhere, as inflation splits it), and against exceljs's own reader on whole workbooks — those the
// tests write with exceljs, and one LibreOffice wrote.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { CellError, isDateFormat, readDateStyles, parseSheetData, readSharedStrings, xmlUnescape, type CellValue, type SheetContext } from '../../main/workbooks/sheet-xml.ts';
import { readCentralDirectory, readEntry } from '../../main/workbooks/zip.ts';
import { plainValue } from '../../main/workbooks/read.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBook } from './make.ts';

async function* chunked(s: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}
async function rows(xml: string, ctx: Partial<SheetContext> = {}, size = 1 << 20) {
  const read = async (chunks: AsyncIterable<string>, bytes: boolean) => {
    const out: Array<[number, Array<[number, CellValue]>]> = [];
    for await (const batch of parseSheetData(chunks, { sharedStrings: [], dateStyles: [], date1904: false, ...ctx }, { bytes })) for (const r of batch) out.push([r.number, [...r.cells]]);
    return out;
  };
  const out = await read(chunked(xml, size), false);
  // the same rows from the part's UTF-8 bytes read as Latin-1 text (as an import reads a sheet), split anywhere, inside
  // a character too
  expect(await read(chunked(Buffer.from(xml, 'utf8').toString('latin1'), size), true)).toEqual(out);
  return out;
}
const sheet = (data: string, p = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><${p}worksheet xmlns${p ? `:${p.slice(0, -1)}` : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
  `<${p}dimension ref="A1:C3"/><${p}sheetData>${data}</${p}sheetData><${p}mergeCells count="1"><${p}mergeCell ref="A1:B1"/></${p}mergeCells></${p}worksheet>`;

describe('SpreadsheetML cells', () => {
  it('every cell type: shared, inline and formula strings, numbers, booleans, errors, ISO dates, formulas without a value', async () => {
    const xml = sheet(
      '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="inlineStr"><is><t>Иванов &amp; Ко</t></is></c><c r="C1" t="str"><f>A1</f><v>Петров</v></c></row>' +
      '<row r="2"><c r="A2"><v>5</v></c><c r="B2" t="n"><v>4.5</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#DIV/0!</v></c>' +
      '<c r="E2"><f>1+1</f></c><c r="F2" t="d"><v>2025-09-01T00:00:00Z</v></c><c r="G2" s="0"/><c r="H2" t="s"><v>0</v></c></row>');
    expect(await rows(xml, { sharedStrings: ['', 'ФИО'] })).toEqual([
      [1, [[1, 'ФИО'], [2, 'Иванов & Ко'], [3, 'Петров']]],
      // an error cell is kept as its code, for the import to name it (issue 16), never read as an empty cell
      [2, [[1, 5], [2, 4.5], [3, true], [4, new CellError('#DIV/0!')], [6, new Date(Date.UTC(2025, 8, 1))]]],
    ]);
  });

  it('rows and cells without r count on from the previous one; empty and self-closed rows; a namespace prefix', async () => {
    const xml = sheet('<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c><x:c r="E1"><x:v>5</x:v></x:c><x:c><x:v>6</x:v></x:c></x:row>' +
      '<x:row r="3"/><x:row><x:c r="B4" t="inlineStr"><x:is><x:r><x:t>а</x:t></x:r><x:r><x:t xml:space="preserve"> б</x:t></x:r></x:is></x:c></x:row>', 'x:');
    expect(await rows(xml)).toEqual([[1, [[1, 1], [2, 2], [5, 5], [6, 6]]], [3, []], [4, [[2, 'а б']]]]);
  });

  it('attributes in any order, on several lines, and ones whose names end in r, t or s; values with attributes; empty cells', async () => {
    const xml = sheet('<row r="1"><c s="0" t="str" r="C1"><v>а</v></c><c\nr="D1"\n\tt="n"><v xml:space="preserve">7</v></c><c r="E1"></c>' +
      '<c cm="1" xr="Z1" r="F1" ht="s" t="s"><v>1</v></c><c r="G1" xt="s"><v>8</v></c><c r="H1" t="" s="1"><v>9</v></c><c/><c t="str"><v>после</v></c>' +
      '<cols/><c r="K1" t="str">без значения</c><c r="L1"><f>1</f><v/><v>10</v></c></row>' +
      '<row r="2"><c r="A2" t="str"><v>&lt;c r="B2"&gt;</v></c><c r="C2" t="str"><is><t>i</t></is><v>v</v></c></row>' +
      // spaces other than ASCII ones are spaces to a regex's \s; a letter just before r= (Р ends in the byte of a no-break
      // space) is not; a value that is not ASCII, with a character reference and a no-break space in it
      '<row\u00a0r="3"><c\u00a0r="B3" t="str"><v>Ёж&#x451;\u00a0Р</v></c><c\u2003r="D3"\u3000t="str"><v>ПРОБЕЛ</v></c><c xР' +
      'r="H3" t="str"><v>Р</v></c><c r="J3" t="inlineStr"><is><t>Ряд</t></is></c></row>');
    const expected = [
      [1, [[3, 'а'], [4, 7], [6, 'ФИО'], [7, 8], [8, new Date(Date.UTC(1900, 0, 8))], [10, 'после'], [12, 10]]],
      [2, [[1, '<c r="B2">'], [3, 'v']]],
      [3, [[2, 'Ёжё\u00a0Р'], [4, 'ПРОБЕЛ'], [5, 'Р'], [10, 'Ряд']]],
    ];
    expect(await rows(xml, { sharedStrings: ['', 'ФИО'], dateStyles: [false, true] })).toEqual(expected);
    expect(await rows(xml, { sharedStrings: ['', 'ФИО'], dateStyles: [false, true] }, 7)).toEqual(expected);
  });

  it('the same rows whatever the chunks: split inside tags, entities and Cyrillic text', async () => {
    const body = Array.from({ length: 40 }, (_, i) =>
      `<row r="${i + 1}" spans="1:3"><c r="A${i + 1}" t="inlineStr"><is><t>Ёлкина &quot;Ё&quot; №${i}</t></is></c><c r="B${i + 1}" s="1"><v>${45901 + i}</v></c><c r="C${i + 1}"><v>${i}</v></c></row>`).join('');
    const xml = sheet(body);
    const whole = await rows(xml, { dateStyles: [false, true] });
    expect(whole).toHaveLength(40);
    expect(whole[0][1]).toEqual([[1, 'Ёлкина "Ё" №0'], [2, new Date(Date.UTC(2025, 8, 1))], [3, 0]]);
    for (const size of [1, 2, 3, 7, 64, 1000]) expect(await rows(xml, { dateStyles: [false, true] }, size)).toEqual(whole);
  });

  it('dates by style: built-in date formats and custom codes are dates, numbers with decimals are not; 1904 system', async () => {
    expect(['dd.mm.yyyy', 'DD/MM/YY', 'd mmmm yyyy "г."', '[$-419]dd mmm yyyy', 'h:mm'].map(isDateFormat)).toEqual([true, true, true, true, true]);
    expect(['0.00', '#,##0', '0%', '"день"0', '[Red]0.0', '@', 'General'].map(isDateFormat)).toEqual([false, false, false, false, false, false, false]);
    const styles = '<styleSheet xmlns="x"><numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/><numFmt numFmtId="165" formatCode="0.0"/></numFmts>' +
      '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>' +
      '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="2"/></cellXfs></styleSheet>';
    expect(readDateStyles(styles)).toEqual([false, true, true, false, false]);
    const xml = sheet('<row r="1"><c s="1"><v>0</v></c><c s="1"><v>1461</v></c></row>');
    expect((await rows(xml, { dateStyles: [false, true], date1904: true }))[0][1]).toEqual([[1, new Date(Date.UTC(1904, 0, 1))], [2, new Date(Date.UTC(1908, 0, 1))]]);
  });

  it('shared strings: rich text runs joined, phonetic guides left out, _xHHHH_ escapes and character references decoded', async () => {
    const sst = '<?xml version="1.0"?><sst xmlns="x" count="5" uniqueCount="5"><si><t>Математика</t></si><si><r><rPr><b/></rPr><t>Рус</t></r><r><t>ский</t></r></si>' +
      '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si><si><t>Строка_x000D_два</t></si><si/><si><t>&#1025;&#x451;</t></si></sst>';
    for (const size of [3, 100, 10_000]) {
      expect(await readSharedStrings(chunked(sst, size))).toEqual(['Математика', 'Русский', '漢字', 'Строка\rдва', '', 'Ёё']);
    }
    expect(xmlUnescape('a &lt;b&gt; &amp;amp; _x0041_')).toBe('a <b> &amp; A');
  });

  it('a sheet cut off inside its data, or a cell pointing past the shared strings, is an error, not fewer rows', async () => {
    await expect(rows(sheet('<row r="1"><c><v>1</v></c></row>').replace(/<\/sheetData>.*$/, ''))).rejects.toThrow(/обрывается/);
    await expect(rows(sheet('<row r="1"><c t="s"><v>7</v></c></row>'), { sharedStrings: ['a'] })).rejects.toThrow(/общую строку 7/);
    await expect(rows('<?xml version="1.0"?><html></html>')).rejects.toThrow(/лист повреждён: нет его начала/);
  });
});

/** Every sheet of a workbook as exceljs's own (non-streaming) reader gives it, through the import's plainValue. */
async function byExceljs(file: string): Promise<Array<Array<[number, Array<[number, CellValue]>]>>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb.worksheets.map((ws) => {
    const out: Array<[number, Array<[number, CellValue]>]> = [];
    ws.eachRow({ includeEmpty: false }, (row, n) => {
      const cells: Array<[number, CellValue]> = [];
      row.eachCell({ includeEmpty: false }, (cell, c) => {
        // exceljs gives the top-left value on every cell of a merged range; the file (and we) keep it on the first
        if (cell.isMerged && cell.master !== cell) return;
        const v = plainValue(cell.value);
        if (v !== null && v !== '') cells.push([c, v]);
      });
      if (cells.length) out.push([n, cells]);
    });
    return out;
  });
}
async function byUs(file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    const entries = new Map(readCentralDirectory(fd, fs.fstatSync(fd).size).map((e) => [e.name, e]));
    const text = (name: string) => readEntry(fd, entries.get(name)!).toString('utf8');
    const rels = text('xl/_rels/workbook.xml.rels');
    const wb = text('xl/workbook.xml');
    const target = (type: string) => /Target="([^"]+)"/.exec(rels.split('<Relationship').find((r) => r.includes(`/${type}"`)) ?? '')?.[1];
    const sst = target('sharedStrings');
    const styles = target('styles');
    const ctx: SheetContext = {
      sharedStrings: sst ? await readSharedStrings(chunked(text(`xl/${sst}`), 4096)) : [],
      dateStyles: styles ? readDateStyles(text(`xl/${styles}`)) : [],
      date1904: /date1904="(1|true)"/.test(wb),
    };
    const out = [];
    for (const m of wb.matchAll(/<sheet\b[^>]*\br:id="([^"]+)"/g)) {
      const t = new RegExp(`Id="${m[1]}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="${m[1]}"`).exec(rels)!;
      const part = `xl/${(t[1] ?? t[2]).replace(/^\/?xl\//, '')}`;
      const sheetRows: Array<[number, Array<[number, CellValue]>]> = [];
      for await (const batch of parseSheetData(chunked(text(part), 4096), ctx)) for (const r of batch) if (r.cells.size) sheetRows.push([r.number, [...r.cells]]);
      out.push(sheetRows);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

describe('the same values as exceljs on whole workbooks', () => {
  it('a workbook exceljs wrote: every kind of cell a journal holds', async () => {
    const dir = tempDir();
    const file = await writeBook(dir, 'all.xlsx', {
      '5А': [
        ['Сводная ведомость 5А', null, null],
        ['ФИО', 'Дата рождения', 'СНИЛС', 'Математика 1 четв.', 'Итог', 'Ок'],
        ['Ёлкин  Пётр ', new Date(Date.UTC(2014, 4, 3)), '112-233-445 95', 5, { formula: 'D3', result: 5 } as ExcelJS.CellFormulaValue, true],
        ['Иванова Анна', 41762, 11223344595, '4', { richText: [{ text: 'зач', font: { bold: true } }, { text: 'тено' }] }, false],
        ['<Петров> & "сын"', '03.05.2014', null, 4.0, { formula: 'NA()', result: { error: '#N/A' } } as ExcelJS.CellFormulaValue, null],
        [{ text: 'Ссылка', hyperlink: 'https://example.org' }, null, null, 3.25],
      ],
      'Скрытый': [['ФИО'], ['Тайнов Тимур']],
    }, (wb) => {
      wb.getWorksheet('5А')!.mergeCells('A1:C1');
      wb.getWorksheet('5А')!.getCell('B4').numFmt = 'dd.mm.yyyy';
      wb.getWorksheet('Скрытый')!.state = 'hidden';
    });
    const ours = await byUs(file);
    expect(ours).toEqual(await byExceljs(file));
    expect(ours[0].find(([n]) => n === 4)![1]).toContainEqual([2, new Date(Date.UTC(2014, 4, 3))]);
  });

  it('a workbook LibreOffice wrote (shared strings, its own styles and number formats)', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'journal.csv');
    fs.writeFileSync(csv, 'ФИО;Дата рождения;Математика 1 четв.;Примечание\nЁлкин Пётр;03.05.2014;5;"переведён, ""5Б"""\nИванова Анна;17.11.2013;4;\n');
    execFileSync('soffice', ['--headless', '--infilter=CSV:59,34,76,1,,1049', '--convert-to', 'xlsx', '--outdir', dir, csv], { stdio: 'ignore', timeout: 120_000 });
    const file = path.join(dir, 'journal.xlsx');
    const ours = await byUs(file);
    expect(ours).toEqual(await byExceljs(file));
    expect(ours[0][1][1][0]).toEqual([1, 'Ёлкин Пётр']);
    expect(ours[0][1][1][1][1]).toBeInstanceOf(Date); // LibreOffice recognised the date and styled it as one
  }, 180_000);
});
