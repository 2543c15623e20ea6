// Any list the app shows, saved as an xlsx: Russian headers, dates as real dates shown ДД.ММ.ГГГГ, widths that fit,
// the header row frozen. Written with exceljs's streaming writer, so a long list does not sit in memory twice.
import ExcelJS from 'exceljs';
import { isValidIsoDate } from '../../preload/core/dates.ts';

export type ListColumn<R> = {
  header: string;
  /** the cell's value; an ISO date string (yyyy-mm-dd) is written as a real date */
  value: (row: R) => string | number | Date | null | undefined;
  kind?: 'text' | 'number' | 'date';
  /** width in characters; by default it fits the header and the first rows */
  width?: number;
};

export type ListSheet<R> = { name: string; columns: Array<ListColumn<R>>; rows: Iterable<R> | AsyncIterable<R> };

const DATE_FORMAT = 'dd.mm.yyyy'; // ДД.ММ.ГГГГ as Excel and LibreOffice spell it

/** Excel refuses sheet names over 31 characters or with []:*?/\ in them. */
export function safeSheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Лист1';
}

function cellValue<R>(c: ListColumn<R>, row: R): string | number | Date | null {
  const v = c.value(row);
  if (v == null || v === '') return null;
  if ((c.kind === 'date' || c.kind === undefined) && typeof v === 'string' && isValidIsoDate(v)) return new Date(`${v}T00:00:00Z`);
  return v;
}

/** Writes sheets of rows to `file` (or to a stream). */
export async function writeListWorkbook<R>(target: string | NodeJS.WritableStream, sheets: Array<ListSheet<R>>): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    ...(typeof target === 'string' ? { filename: target } : { stream: target as unknown as import('node:stream').Stream }),
    useStyles: true, useSharedStrings: false,
  });
  wb.creator = 'Школьный регистр';
  for (const s of sheets) {
    const ws = wb.addWorksheet(safeSheetName(s.name), { views: [{ state: 'frozen', ySplit: 1 }] });
    // widths from the header and the first 200 rows: a streamed sheet cannot be measured after it is written
    const sample: R[] = [];
    const it = (Symbol.asyncIterator in Object(s.rows) ? (s.rows as AsyncIterable<R>)[Symbol.asyncIterator]() : null);
    const syncIt = it ? null : (s.rows as Iterable<R>)[Symbol.iterator]();
    const next = async (): Promise<IteratorResult<R>> => (it ? it.next() : syncIt!.next());
    for (let r = await next(); ; r = await next()) {
      if (r.done) break;
      sample.push(r.value);
      if (sample.length >= 200) break;
    }
    ws.columns = s.columns.map((c) => {
      const isDate = c.kind === 'date' || sample.some((r) => cellValue(c, r) instanceof Date);
      const longest = Math.max(c.header.length, ...sample.map((r) => {
        const v = cellValue(c, r);
        return v instanceof Date ? 10 : String(v ?? '').length;
      }));
      return { header: c.header, width: c.width ?? Math.min(60, Math.max(8, longest + 2)), style: isDate ? { numFmt: DATE_FORMAT } : {} };
    });
    const header = ws.getRow(1);
    header.font = { bold: true };
    header.commit();
    const add = (r: R) => ws.addRow(s.columns.map((c) => cellValue(c, r))).commit();
    sample.forEach(add);
    if (sample.length >= 200) for (let r = await next(); !r.done; r = await next()) add(r.value);
    ws.commit();
  }
  await wb.commit();
}
