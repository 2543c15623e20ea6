// The ledger's workbook on real bytes: read back with exceljs (values, merged headers, print setup, header/footer
// with the code) and opened by LibreOffice with the same values.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_HEADER_ROWS, renderLedgerXlsx } from '../../main/ledgers/xlsx.ts';
import { ledgerFixture, stampFixture } from './fixtures.ts';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sr-print-xlsx-'));

function soffice(): string | null {
  try {
    return execFileSync('which', ['soffice'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const data = ledgerFixture({ subjects: 20, students: 35 });
const stamp = stampFixture(3);
let file: string;
let wb: ExcelJS.Workbook;

beforeAll(async () => {
  file = path.join(tempDir(), 'ledger.xlsx');
  fs.writeFileSync(file, await renderLedgerXlsx(data, stamp));
  wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
});

/** Column numbers of a subject's block, found from the merged subject header. */
function subjectBlock(ws: ExcelJS.Worksheet, name: string): { from: number; labels: string[] } {
  const h1 = ws.getRow(LEDGER_HEADER_ROWS.first);
  let from = -1;
  h1.eachCell((c, col) => { if (c.value === name && from < 0) from = col; });
  expect(from, `subject «${name}» in the header`).toBeGreaterThan(0);
  const labels: string[] = [];
  for (let c = from; ; c++) {
    const label = ws.getCell(LEDGER_HEADER_ROWS.last, c).value as string;
    labels.push(label);
    if (label === 'итог.') break;
  }
  return { from, labels };
}

describe('the ledger workbook', () => {
  it('formats the table as printed: thin borders, the final marks bold, a student who left in grey, names left-aligned', () => {
    const ws = wb.getWorksheet('Ведомость')!;
    const first = LEDGER_HEADER_ROWS.last + 1;
    const final = subjectBlock(ws, data.subjects[0].name);
    const finalCol = final.from + final.labels.length - 1;
    const leaver = data.students.findIndex((st) => st.left);
    expect(leaver).toBeGreaterThan(0);
    for (const [i, st] of data.students.entries()) {
      const row = ws.getRow(first + i);
      for (const col of [1, 3, final.from, finalCol]) {
        const cell = row.getCell(col);
        expect(cell.border, `${st.fullName}, column ${col}`).toEqual({ top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } });
        expect(cell.font?.bold ?? false).toBe(col === finalCol);
        expect(cell.font?.color?.argb).toBe(st.left ? 'FF666666' : undefined);
        expect(cell.alignment).toEqual(col === 3 ? { vertical: 'middle' } : { horizontal: 'center', vertical: 'middle' });
      }
    }
  });

  it('has the school, class and code on top and every student with every mark', () => {
    const ws = wb.getWorksheet('Ведомость')!;
    expect(ws.getCell('A1').value).toBe(data.school.fullName);
    expect(String(ws.getCell('A2').value)).toContain('ИНН 7701234564');
    expect(String(ws.getCell('A4').value)).toContain('Класс 9А · 2025/2026');
    expect(String(ws.getCell('A5').value)).toContain('A1B2C3D4-v3');
    expect(ws.getCell(LEDGER_HEADER_ROWS.first, 3).value).toBe('Фамилия, имя, отчество');
    const first = LEDGER_HEADER_ROWS.last + 1;
    data.students.forEach((st, i) => {
      const row = ws.getRow(first + i);
      expect(row.getCell(1).value).toBe(st.n);
      expect(row.getCell(2).value).toBe(st.bookNumber);
      expect(row.getCell(3).value).toBe(st.fullName);
    });
    for (const s of data.subjects) {
      const { from, labels } = subjectBlock(ws, s.name);
      expect(labels).toEqual([...data.periods.map((p) => p.label), 'год.', ...(s.hasExam ? ['экз.'] : []), 'итог.']);
      data.students.forEach((st, i) => {
        const m = st.marks[s.name];
        const want = [...data.periods.map((p) => m.periods[p.key]), m.annual, ...(s.hasExam ? [m.exam] : []), m.final];
        const got = want.map((_, k) => ws.getCell(first + i, from + k).value);
        expect(got).toEqual(want);
      });
    }
    const lastRow = ws.getRow(first + data.students.length - 1);
    const cells = lastRow.values as unknown[];
    expect(cells.at(-2)).toBe(data.students.at(-1)!.missed.total);
    expect(cells.at(-1)).toBe(data.students.at(-1)!.missed.excused);
    expect(lastRow.getCell(3).note).toBe('переведён(а) 12.02.2026');
    // the vertical column labels
    expect(ws.getCell(LEDGER_HEADER_ROWS.last, 4).alignment?.textRotation).toBe(90);
    // the footer: each subject's statistics under its final-mark column
    const footerAt = first + data.students.length;
    const labels = [0, 1, 2, 3, 4, 5, 6].map((k) => ws.getCell(footerAt + k, 1).value);
    expect(labels).toEqual(['«5»', '«4»', '«3»', '«2»', 'не аттестовано (н/а)', 'Успеваемость, %', 'Качество, %']);
    for (const s of data.subjects) {
      const { from, labels: cols } = subjectBlock(ws, s.name);
      const fin = from + cols.length - 1;
      const st = data.stats[s.name];
      expect([0, 1, 2, 3, 4, 5, 6].map((k) => ws.getCell(footerAt + k, fin).value), s.name)
        .toEqual([st.counts['5'], st.counts['4'], st.counts['3'], st.counts['2'], st.counts['н/а'], st.progress, st.quality]);
      expect(ws.getCell(footerAt, fin - 1).value).toBeNull();
    }
  });

  it('is set up to print: A4 landscape, fit to width, the header rows repeated, the code in header and footer', () => {
    const ws = wb.getWorksheet('Ведомость')!;
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.pageSetup.paperSize).toBe(9);
    expect(ws.pageSetup.fitToPage).toBe(true);
    expect(ws.pageSetup.fitToWidth).toBe(1);
    expect(ws.pageSetup.fitToHeight).toBe(0);
    expect(ws.pageSetup.printTitlesRow).toBe(`${LEDGER_HEADER_ROWS.first}:${LEDGER_HEADER_ROWS.last}`);
    expect(ws.headerFooter.oddHeader).toContain('Код проверки: A1B2C3D4-v3');
    expect(ws.headerFooter.oddFooter).toContain('Код проверки: A1B2C3D4-v3');
    expect(ws.headerFooter.oddFooter).toContain('Лист &P из &N');
    expect(wb.keywords).toBe('SR-CODE:A1B2C3D4-v3');
  });

  it('has the statistics, class totals and the signature lines on the second sheet', () => {
    const ws = wb.getWorksheet('Итоги')!;
    expect(ws.getRow(1).values).toEqual([undefined, 'Предмет', '«5»', '«4»', '«3»', '«2»', 'н/а', 'Успеваемость, %', 'Качество, %']);
    data.subjects.forEach((s, i) => {
      const st = data.stats[s.name];
      expect(ws.getRow(i + 2).values).toEqual([undefined, s.name, st.counts['5'], st.counts['4'], st.counts['3'], st.counts['2'], st.counts['н/а'],
        ...(st.progress == null ? [] : [st.progress, st.quality])]);
    });
    const all = ws.getSheetValues().flat().filter((v) => typeof v === 'string');
    expect(all).toContain('Директор');
    expect(all).toContain('М.П.');
    expect(all).toContain(data.school.director);
  });

  it('a draft says so in the sheet and on every printed page', async () => {
    const draft = new ExcelJS.Workbook();
    await draft.xlsx.load(await renderLedgerXlsx(ledgerFixture({ subjects: 3, students: 4 }), null) as unknown as ArrayBuffer);
    const ws = draft.getWorksheet('Ведомость')!;
    expect(ws.getCell('A5').value).toBe('Черновик — не заверено');
    expect(ws.headerFooter.oddHeader).toContain('Черновик — не заверено');
    expect(ws.headerFooter.oddFooter).toContain('Черновик — не заверено');
    expect(draft.keywords).toBe('SR-DRAFT');
  });

  const bin = soffice();
  it.skipIf(!bin)(`LibreOffice opens it with the same values${bin ? '' : ' (skipped: soffice is not installed)'}`, () => {
    const dir = tempDir();
    execFileSync(bin!, [`-env:UserInstallation=file://${path.join(dir, 'lo-profile')}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, file], { timeout: 90_000 });
    const csv = fs.readFileSync(path.join(dir, 'ledger.csv'), 'utf8').split('\n');
    expect(csv[0]).toContain(data.school.fullName.replace(/"/g, '""'));
    const st = data.students[6];
    const line = csv.find((l) => l.includes(st.fullName))!;
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    expect(cells.slice(0, 3)).toEqual([String(st.n), st.bookNumber ?? '', st.fullName]);
    const rus = st.marks['Русский язык'];
    expect(cells.slice(3, 10)).toEqual([...data.periods.map((p) => rus.periods[p.key]), rus.annual, rus.exam, rus.final].map(String));
  });
});
