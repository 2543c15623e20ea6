// The ledger as a workbook: the same table as the PDF on one sheet (all subjects side by side), set up to print —
// A4 landscape, fitted to the page width, the two header rows repeated on every printed page, the verification
// code (or «Черновик — не заверено») in the page header and footer. A second sheet holds the statistics.
import ExcelJS from 'exceljs';
import { formatDate } from '../../preload/core/dates.ts';
import { DRAFT_MARK, formatMoscowTime } from '../shared/pdf.ts';
import type { LedgerData, LedgerStamp, LedgerStudentMarks } from './model.ts';

/** Rows of the sheet before the table: title, requisites, the ledger's name, class and year, a blank. */
const TITLE_ROWS = 5;
export const LEDGER_HEADER_ROWS = { first: TITLE_ROWS + 1, last: TITLE_ROWS + 2 } as const;

const thin: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' },
};

/** Excel's header/footer codes start with «&»: a literal one is doubled. */
const hf = (s: string) => s.replace(/&/g, '&&');

/** The ledger as an .xlsx. stamp null: an unsealed draft, marked as such in the sheet and on every printed page. */
export async function renderLedgerXlsx(data: LedgerData, stamp: LedgerStamp | null): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Школьный регистр';
  wb.title = `Сводная ведомость успеваемости, ${data.class.name}, ${data.year}`;
  wb.keywords = stamp ? `SR-CODE:${stamp.code}` : 'SR-DRAFT';
  if (stamp) {
    wb.created = new Date(stamp.sealedAt);
    wb.modified = new Date(stamp.sealedAt);
  }
  const ws = wb.addWorksheet('Ведомость', {
    views: [{ state: 'frozen', xSplit: 3, ySplit: LEDGER_HEADER_ROWS.last }],
  });
  const mark = stamp ? `Код проверки: ${stamp.code}` : DRAFT_MARK;
  ws.pageSetup = {
    paperSize: 9, // A4
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.7, header: 0.3, footer: 0.3 },
    printTitlesRow: `${LEDGER_HEADER_ROWS.first}:${LEDGER_HEADER_ROWS.last}`,
  };
  ws.headerFooter = {
    oddHeader: `&L&8${hf(`${data.school.shortName} · Сводная ведомость успеваемости · ${data.class.name} · ${data.year}`)}&R&8${hf(mark)}`,
    oddFooter: `&L&8${hf(stamp ? `${mark}, версия ${stamp.version}, заверено ${formatMoscowTime(stamp.sealedAt)}` : mark)}&C&8Лист &P из &N`,
  };

  // columns: №, book number, ФИО, per subject (periods, год., экз., итог.), missed total / excused
  type Col = { header: string; width: number; value: (s: LedgerData['students'][number]) => string | number | null };
  const cols: Col[] = [
    { header: '№ п/п', width: 5, value: (s) => s.n },
    { header: '№ в алф. книге', width: 8, value: (s) => s.bookNumber },
    { header: 'Фамилия, имя, отчество', width: 36, value: (s) => s.fullName },
  ];
  const groups: Array<{ name: string; from: number; to: number }> = [];
  for (const subj of data.subjects) {
    const from = cols.length + 1;
    const pick = (f: (m: LedgerStudentMarks) => string | null) => (s: LedgerData['students'][number]) => {
      const m = s.marks[subj.name];
      return m ? f(m) : null;
    };
    for (const p of data.periods) cols.push({ header: p.label, width: 4.5, value: pick((m) => m.periods[p.key] ?? null) });
    cols.push({ header: 'год.', width: 4.5, value: pick((m) => m.annual) });
    if (subj.hasExam) cols.push({ header: 'экз.', width: 4.5, value: pick((m) => m.exam) });
    cols.push({ header: 'итог.', width: 4.5, value: pick((m) => m.final) });
    groups.push({ name: subj.name, from, to: cols.length });
  }
  const missedFrom = cols.length + 1;
  cols.push({ header: 'всего', width: 6, value: (s) => s.missed.total });
  cols.push({ header: 'по уваж. причине', width: 6, value: (s) => s.missed.excused });
  cols.forEach((c, i) => { ws.getColumn(i + 1).width = c.width; });
  const lastCol = cols.length;

  const s = data.school;
  const title = (row: number, text: string, opts: Partial<ExcelJS.Font> = {}) => {
    ws.mergeCells(row, 1, row, lastCol);
    const cell = ws.getCell(row, 1);
    cell.value = text;
    cell.font = { name: 'Arial', size: 10, ...opts };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  };
  title(1, s.fullName, { bold: true, size: 11 });
  title(2, `ИНН ${s.inn}   КПП ${s.kpp}   ОГРН ${s.ogrn}   ·   ${s.address}`, { size: 8 });
  title(3, 'СВОДНАЯ ВЕДОМОСТЬ УЧЁТА УСПЕВАЕМОСТИ ОБУЧАЮЩИХСЯ', { bold: true, size: 12 });
  title(4, `Класс ${data.class.name} · ${data.year} учебный год · Классный руководитель: ${data.homeroomTeacher ?? '—'}`);
  title(5, stamp ? `Код проверки: ${stamp.code} (версия ${stamp.version})` : DRAFT_MARK, stamp ? { size: 8 } : { bold: true, color: { argb: 'FFB00000' } });

  const h1 = LEDGER_HEADER_ROWS.first;
  const h2 = LEDGER_HEADER_ROWS.last;
  for (let c = 1; c <= 3; c++) {
    ws.mergeCells(h1, c, h2, c);
    ws.getCell(h1, c).value = cols[c - 1].header;
  }
  for (const g of groups) {
    ws.mergeCells(h1, g.from, h1, g.to);
    ws.getCell(h1, g.from).value = g.name;
  }
  ws.mergeCells(h1, missedFrom, h1, missedFrom + 1);
  ws.getCell(h1, missedFrom).value = 'Пропущено уроков';
  for (let c = 4; c <= lastCol; c++) ws.getCell(h2, c).value = cols[c - 1].header;
  for (const r of [h1, h2]) {
    const row = ws.getRow(r);
    row.height = r === h1 ? 42 : 48;
    for (let c = 1; c <= lastCol; c++) {
      const cell = row.getCell(c);
      cell.border = thin;
      cell.font = { name: 'Arial', size: 8, bold: r === h1 };
      cell.alignment = r === h2 && c > 3
        ? { textRotation: 90, horizontal: 'center', vertical: 'bottom' }
        : { horizontal: 'center', vertical: 'middle', wrapText: true };
    }
  }

  // The table's cells come in a few styles, each one object shared by its cells: exceljs recognises a style it has
  // seen by the object, and otherwise writes out every cell's style to compare it (most of the workbook's time).
  const cellStyles = new Map<string, Partial<ExcelJS.Style>>();
  const cellStyle = (final: boolean, left: boolean, name: boolean) => {
    const key = `${final}:${left}:${name}`;
    let style = cellStyles.get(key);
    if (!style) {
      style = { border: thin, font: { name: 'Arial', size: 9, bold: final, color: left ? { argb: 'FF666666' } : undefined },
        alignment: name ? { vertical: 'middle' } : { horizontal: 'center', vertical: 'middle' } };
      cellStyles.set(key, style);
    }
    return style;
  };
  let r = h2 + 1;
  for (const st of data.students) {
    const row = ws.getRow(r++);
    cols.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const v = c.value(st);
      cell.value = v == null ? null : v;
      cell.style = cellStyle(c.header === 'итог.', !!st.left, i === 2);
    });
    if (st.left) {
      const how = st.left.kind === 'transfer' ? 'переведён(а)' : 'выбыл(а)';
      row.getCell(3).note = `${how} ${formatDate(st.left.date)}`;
    }
  }

  // the table's footer, as on the PDF: each subject's statistics under its final-mark column
  const finalCol = new Map(groups.map((g) => [g.name, g.to]));
  const footer: Array<[string, (st: LedgerData['stats'][string] | undefined) => number | null]> = [
    ...(['5', '4', '3', '2', 'н/а'] as const).map((k): [string, (st: LedgerData['stats'][string] | undefined) => number | null] =>
      [k === 'н/а' ? 'не аттестовано (н/а)' : `«${k}»`, (st) => st?.counts[k] ?? 0]),
    ['Успеваемость, %', (st) => st?.progress ?? null],
    ['Качество, %', (st) => st?.quality ?? null],
  ];
  for (const [label, value] of footer) {
    const row = ws.getRow(r++);
    ws.mergeCells(row.number, 1, row.number, 3);
    row.getCell(1).value = label;
    row.getCell(1).alignment = { horizontal: 'right' };
    row.getCell(1).font = { name: 'Arial', size: 8, bold: true };
    for (const subj of data.subjects) {
      const cell = row.getCell(finalCol.get(subj.name)!);
      cell.value = value(data.stats[subj.name]);
      cell.numFmt = label.endsWith('%') ? '0.0' : '0';
      cell.font = { name: 'Arial', size: 8 };
      cell.alignment = { horizontal: 'center' };
    }
    for (let c = 1; c <= lastCol; c++) {
      row.getCell(c).border = thin;
      row.getCell(c).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
    }
  }

  // per-subject statistics of the final column, the class totals and the signatures on a sheet of their own
  const statsHead = ['Предмет', '«5»', '«4»', '«3»', '«2»', 'н/а', 'Успеваемость, %', 'Качество, %'];
  const stats = wb.addWorksheet('Итоги');
  stats.columns = statsHead.map((h, i) => ({ header: h, width: i === 0 ? 40 : i >= 6 ? 16 : 7 }));
  stats.getRow(1).font = { bold: true };
  for (const subj of data.subjects) {
    const st = data.stats[subj.name];
    const c = st?.counts ?? { '5': 0, '4': 0, '3': 0, '2': 0, 'н/а': 0 };
    stats.addRow([subj.name, c['5'], c['4'], c['3'], c['2'], c['н/а'], st?.progress ?? null, st?.quality ?? null]);
  }
  stats.getColumn(7).numFmt = '0.0';
  stats.getColumn(8).numFmt = '0.0';
  stats.addRow([]);
  const t = data.totals;
  stats.addRow(['Обучающихся на конец года', t.students]);
  stats.addRow(['Успевают на «5»', t.allFive]);
  stats.addRow(['Успевают на «4» и «5»', t.fourAndFive]);
  stats.addRow(['Имеют «2» или н/а', t.withTwoOrNa]);
  stats.addRow([]);
  stats.addRow(['Классный руководитель', data.homeroomTeacher ?? '', '', '_____________ (подпись)', '', '', '«___» ________ 20__ г.']);
  stats.addRow(['Директор', s.director, '', '_____________ (подпись)', '', '', '«___» ________ 20__ г.']);
  stats.addRow(['М.П.']);
  stats.pageSetup = { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 };
  stats.headerFooter = { oddHeader: ws.headerFooter.oddHeader, oddFooter: ws.headerFooter.oddFooter };
  stats.pageSetup.printTitlesRow = '1:1';

  return Buffer.from(await wb.xlsx.writeBuffer());
}
