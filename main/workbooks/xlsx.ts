// An .xlsx file read as its sheets' rows, fast, for the one reader of journals (sheetRows in read.ts): the zip's
// refusals before any XML (not a workbook, encrypted, truncated, a zip bomb), the sheets' names and states through the
// workbook's relationships, and each sheet's rows with its merged cells filled in. How that is fast stays here: a sheet
// up to `wholeSheet` bytes is inflated once for its merges and its rows, a larger one streamed (once for its merges,
// once for its rows); its UTF-8 bytes are read as Latin-1 text and decoded only where values are (sheet-xml.ts); rows
// come a chunk of text at a time.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/errors.ts';
import { readCentralDirectory, readEntry, streamEntry, streamEntryBytesAsText, streamEntryText, ZipFormatError, type ZipEntry } from './zip.ts';
import { parseSheetData, readDateStyles, readSharedStrings, type CellValue, type SheetContext, type SheetRow } from './sheet-xml.ts';
import { count } from '../../preload/core/plural.ts';

// ---------------------------------------------------------------------------------------------------------------
// Refusals

export type WorkbookRefusal = 'not_xlsx' | 'truncated' | 'encrypted' | 'zip_bomb' | 'empty_sheet' | 'no_header' | 'duplicate_field';

/** A workbook we refuse to read, with where: the message names the file and, when known, sheet, row and column. */
export class WorkbookError extends AppError {
  constructor(
    readonly reason: WorkbookRefusal,
    readonly file: string,
    message: string,
    readonly at: { sheet?: string; row?: number; column?: string } = {},
  ) {
    super('validation', `${path.basename(file)}${at.sheet ? `, лист «${at.sheet}»` : ''}${at.row ? `, строка ${at.row}` : ''}` +
      `${at.column ? `, столбец ${at.column}` : ''}: ${message}`);
    this.name = 'WorkbookError';
  }
  get sheet() { return this.at.sheet; }
  get row() { return this.at.row; }
  get column() { return this.at.column; }
}

// ---------------------------------------------------------------------------------------------------------------
// Cell references

export function colLetter(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}
export function colNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + ch.charCodeAt(0) - 64;
  return n;
}

/** What the file may be before it is refused or streamed: see DEFAULT_LIMITS in read.ts. */
export type FileLimits = { maxUncompressed: number; maxRatio: number; ratioFloor: number; wholeSheet: number };

// ---------------------------------------------------------------------------------------------------------------
// The zip, before any XML: refusals, sheet names and states, merges

type SheetInfo = { name: string; state: 'visible' | 'hidden' | 'veryHidden'; part: string };
type Prepared = { fd: number; entries: Map<string, ZipEntry>; sheets: SheetInfo[]; date1904: boolean; sharedStringsPart: string; stylesPart: string };

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

const xmlAttr = (tag: string, name: string) => new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(tag)?.[1];
const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function prepare(file: string, limits: FileLimits): Prepared {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new WorkbookError('not_xlsx', file, `файл не открывается (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    if (head.equals(CFB_MAGIC)) {
      throw new WorkbookError('encrypted', file, 'книга защищена паролем (зашифрована) или это старый формат .xls. ' +
        'Снимите пароль или сохраните книгу в Excel как «Книга Excel (*.xlsx)» и загрузите снова');
    }
    if (size < 22 || !head.equals(ZIP_MAGIC)) throw new WorkbookError('not_xlsx', file, 'это не книга Excel (.xlsx)');
    let list: ZipEntry[];
    try {
      list = readCentralDirectory(fd, size);
    } catch (e) {
      if (e instanceof ZipFormatError) throw new WorkbookError('truncated', file, 'файл повреждён или загружен не полностью (обрезан)');
      throw e;
    }
    let total = 0;
    for (const e of list) {
      total += e.size;
      if (e.size >= limits.ratioFloor && e.size > e.compressedSize * limits.maxRatio) {
        throw new WorkbookError('zip_bomb', file, `часть «${e.name}» распаковывается в ${count(Math.round(e.size / e.compressedSize), 'раз', 'раза', 'раз')} больше ` +
          `своего размера (предел ${limits.maxRatio}): похоже на zip-бомбу, файл не читаем`);
      }
      if (e.localOffset + e.compressedSize > size) throw new WorkbookError('truncated', file, 'файл повреждён или загружен не полностью (обрезан)');
    }
    if (total > limits.maxUncompressed) {
      throw new WorkbookError('zip_bomb', file, `в распакованном виде книга заняла бы ${(total / 1024 ** 3).toFixed(1)} ГиБ ` +
        `(предел ${(limits.maxUncompressed / 1024 ** 3).toFixed(1)} ГиБ): похоже на zip-бомбу, файл не читаем`);
    }
    const entries = new Map(list.map((e) => [e.name.replace(/^\//, ''), e]));
    const wb = entries.get('xl/workbook.xml');
    const rels = entries.get('xl/_rels/workbook.xml.rels');
    if (!wb || !rels) throw new WorkbookError('not_xlsx', file, 'это архив, но не книга Excel (.xlsx): нет xl/workbook.xml');
    if (wb.size > 16 * 1024 * 1024 || rels.size > 16 * 1024 * 1024) throw new WorkbookError('zip_bomb', file, 'слишком большое оглавление книги');
    const wbXml = readEntry(fd, wb).toString('utf8');
    const relXml = readEntry(fd, rels).toString('utf8');
    const targets = new Map<string, string>();
    let sharedStringsPart = 'xl/sharedStrings.xml';
    let stylesPart = 'xl/styles.xml';
    for (const m of relXml.matchAll(/<(?:\w+:)?Relationship\b([^>]*)>/g)) {
      const id = xmlAttr(m[1], 'Id');
      const target = xmlAttr(m[1], 'Target');
      if (!target) continue;
      const part = path.posix.normalize(target.startsWith('/') ? target.slice(1) : `xl/${target}`);
      if (id) targets.set(id, part);
      const type = xmlAttr(m[1], 'Type') ?? '';
      if (type.endsWith('/sharedStrings')) sharedStringsPart = part;
      else if (type.endsWith('/styles')) stylesPart = part;
    }
    const sheets: SheetInfo[] = [];
    for (const m of wbXml.matchAll(/<(?:\w+:)?sheet\b([^>]*)\/?>/g)) {
      const rid = /\br:id="([^"]*)"|\b\w+:id="([^"]*)"/.exec(m[1]);
      const part = targets.get(rid?.[1] ?? rid?.[2] ?? '') ?? '';
      const state = (xmlAttr(m[1], 'state') ?? 'visible') as SheetInfo['state'];
      sheets.push({ name: xmlText(xmlAttr(m[1], 'name') ?? ''), state, part: path.posix.normalize(part) });
    }
    const date1904 = /<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"/.test(wbXml);
    return { fd, entries, sheets, date1904, sharedStringsPart, stylesPart };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

type Merge = { top: number; left: number; bottom: number; right: number };

const MERGE_CELL = Buffer.from('mergeCell');
/**
 * The merged ranges of a sheet too large to inflate at once: `<mergeCell>` comes after the data, so the sheet is
 * streamed once for them before its rows. The scan looks at bytes and makes text only of chunks that hold a merge
 * (the pattern is ASCII, so Latin-1 text matches as UTF-8 would).
 */
async function scanMerges(file: string, p: Prepared, e: ZipEntry): Promise<Merge[]> {
  const merges: Merge[] = [];
  let carry: Buffer | null = null;
  for await (const chunk of streamEntry(file, p.fd, e)) {
    const b: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let last = 0;
    if (b.indexOf(MERGE_CELL) >= 0) {
      const s = b.toString('latin1');
      const re = /<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"/g;
      for (let m; (m = re.exec(s)); last = re.lastIndex) {
        merges.push({ left: colNumber(m[1]), top: Number(m[2]), right: colNumber(m[3]), bottom: Number(m[4]) });
      }
    }
    carry = Buffer.from(b.subarray(Math.max(last, b.length - 200)));
  }
  return merges.sort((a, b) => a.top - b.top);
}

/**
 * A sheet of at most `limits.wholeSheet` bytes is inflated at once (a fixed bound on memory), for its merges and
 * then its rows: streamed, it was inflated twice, each chunk a trip to the thread pool and back that the reading
 * waited on (a sixth of a 100,000-cell preview). The same refusals as streamed: a part that inflates past its
 * declared size, or zlib's own message.
 */
function inflateWhole(p: Prepared, e: ZipEntry): Buffer {
  let b: Buffer;
  try {
    b = readEntry(p.fd, e);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipFormatError(`${e.name} inflates past its declared size`);
    throw err;
  }
  if (b.length > e.size) throw new ZipFormatError(`${e.name} inflates past its declared size`); // a stored part
  return b;
}
/** An inflated sheet as the text parseSheetData reads (its bytes as Latin-1), in chunks as if streamed. */
async function* textChunks(b: Buffer, onBytes: (n: number) => void): AsyncGenerator<string> {
  const CHUNK = 256 * 1024;
  for (let i = 0; i < b.length; i += CHUNK) {
    const end = Math.min(b.length, i + CHUNK);
    onBytes(end - i);
    yield b.toString('latin1', i, end);
  }
}
/** The merged ranges in an inflated sheet. */
function mergesIn(b: Buffer): Merge[] {
  const merges: Merge[] = [];
  const at = b.indexOf(MERGE_CELL);
  if (at >= 0) {
    // a merge element starts after the last `>` before its name: the text from there holds every match
    const from = b.lastIndexOf(0x3e, at) + 1;
    const s = b.toString('latin1', from);
    const re = /<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"/g;
    for (let m; (m = re.exec(s));) merges.push({ left: colNumber(m[1]), top: Number(m[2]), right: colNumber(m[3]), bottom: Number(m[4]) });
  }
  return merges.sort((x, y) => x.top - y.top);
}

/**
 * The workbook's shared strings and which cell formats are dates: what every sheet needs before its first row. Parts
 * are found through the workbook's relationships (the usual names as a fallback), read through the central directory.
 */
async function openParts(file: string, p: Prepared): Promise<SheetContext> {
  const shared = p.entries.get(p.sharedStringsPart);
  const styles = p.entries.get(p.stylesPart);
  const sharedStrings = shared ? await readSharedStrings(streamEntryText(file, p.fd, shared)) : [];
  const dateStyles = styles ? readDateStyles(readEntry(p.fd, styles).toString('utf8')) : [];
  return { sharedStrings, dateStyles, date1904: p.date1904 };
}

// ---------------------------------------------------------------------------------------------------------------
// The sheets, row by row

/** A sheet of the workbook: skipped (hidden, or its part missing from the zip) or its rows, a batch at a time. */
export type WorkbookSheet = { name: string } & (
  | { skipped: 'hidden' }
  | { skipped: 'missing'; part: string }
  | { rows: AsyncIterable<SheetRow[]> });

export type Workbook = {
  date1904: boolean;
  /** bytes of sheet XML in the visible sheets: the one measure of progress known before the rows are */
  totalBytes: number;
  /** bytes of sheet XML read so far */
  readonly bytesRead: number;
  /** the sheets in the workbook's order; a sheet's rows are read (and its part inflated) when first asked for */
  sheets(): AsyncGenerator<WorkbookSheet>;
  close(): void;
};

/** Opens a workbook, refusing it before any XML is parsed when the zip is not one we read (WorkbookError). */
export function openWorkbook(file: string, limits: FileLimits): Workbook {
  const p = prepare(file, limits);
  let bytesRead = 0;
  const countBytes = (n: number) => { bytesRead += n; };
  return {
    date1904: p.date1904,
    totalBytes: p.sheets.filter((s) => s.state === 'visible').reduce((n, s) => n + (p.entries.get(s.part)?.size ?? 0), 0),
    get bytesRead() { return bytesRead; },
    async* sheets() {
      const ctx = await openParts(file, p);
      for (const [index, info] of p.sheets.entries()) {
        const name = info.name || `Лист${index + 1}`;
        const entry = p.entries.get(info.part);
        if (info.state !== 'visible') yield { name, skipped: 'hidden' };
        else if (!entry) yield { name, skipped: 'missing', part: info.part };
        else yield { name, rows: rowsOf(file, p, ctx, entry, limits, countBytes) };
      }
    },
    close: () => fs.closeSync(p.fd),
  };
}

/** A sheet's rows, merged cells filled in: a sheet up to limits.wholeSheet is inflated once, a larger one streamed twice. */
async function* rowsOf(file: string, p: Prepared, ctx: SheetContext, entry: ZipEntry, limits: FileLimits, countBytes: (n: number) => void): AsyncGenerator<SheetRow[]> {
  const whole = entry.size <= limits.wholeSheet && (entry.method === 8 || entry.method === 0) ? inflateWhole(p, entry) : null;
  const batches = parseSheetData(whole ? textChunks(whole, countBytes) : streamEntryBytesAsText(file, p.fd, entry, countBytes), ctx, { bytes: true });
  const fill = mergedCellsFiller(whole ? mergesIn(whole) : await scanMerges(file, p, entry));
  for await (const batch of batches) {
    for (const r of batch) fill(r);
    yield batch;
  }
}

/** Fills each row's merged cells, rows in order: the top-left cell holds the value; the others of the range show it too. */
function mergedCellsFiller(merges: Merge[]): (r: SheetRow) => void {
  let mergeAt = 0;
  const active: Array<Merge & { value: CellValue }> = [];
  return (r) => {
    const cells = r.cells;
    while (mergeAt < merges.length && merges[mergeAt].top <= r.number) active.push({ ...merges[mergeAt++], value: null });
    for (let i = active.length - 1; i >= 0; i--) {
      const m = active[i];
      if (m.bottom < r.number) {
        active.splice(i, 1);
        continue;
      }
      if (m.top === r.number) m.value = cells.get(m.left) ?? null;
      if (m.value == null) continue;
      for (let c = m.left; c <= m.right; c++) if (!cells.has(c)) cells.set(c, m.value);
    }
  };
}
