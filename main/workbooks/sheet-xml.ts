// SpreadsheetML (ECMA-376 Part 1, §18.3 sheetData, §18.4 shared strings, §18.8 number formats), read for what a
// journal import needs: each cell's value as the clerk sees it, nothing of its look. Rows are read from the sheet
// part's text a chunk at a time, as it is inflated, so memory stays bounded whatever the sheet's length. Only xlsx.ts
// reads sheets through it.
//
// Why not exceljs's streaming reader: it builds a styled Cell object per cell through a general SAX parser, which made
// reading cost more than everything else an import does (checking, matching, writing), and it has had to be worked
// around twice already (exceljs#3064, and chunked UTF-8 decoding). exceljs still writes every workbook we produce,
// and a test compares this reader's values with exceljs's on every workbook the tests use.

/** An error cell (§18.18.24 ST_CellType «e»): a formula that failed, «#DIV/0!», «#VALUE!», «#N/A» — kept, so an import
 *  can name it instead of reading it as an empty cell. */
export class CellError {
  constructor(readonly code: string) {}
  toString(): string { return this.code; }
}
/** A cell's value as exceljs would give it, for the journal's purposes: text, number, boolean or date; null if none;
 *  an error cell as its CellError (exceljs: `{ error }`). */
export type CellValue = string | number | boolean | Date | CellError | null;
export type SheetRow = { number: number; cells: Map<number, CellValue> };

export class SheetXmlError extends Error {}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML character data as text: entities and character references, then Excel's `_xHHHH_` escapes (§22.9.2.19). */
export function xmlUnescape(s: string): string {
  if (s.indexOf('&') >= 0) {
    s = s.replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
      name ? ENTITY[name] : String.fromCodePoint(parseInt(hex ?? dec!, hex ? 16 : 10)));
  }
  if (s.indexOf('_x') >= 0) s = s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return s;
}

/** The text of a string item (`<si>` or `<is>`): its `<t>` runs joined, phonetic guides (`<rPh>`) left out. */
function stringItemText(inner: string, p: string): string {
  if (inner.indexOf(`<${p}rPh`) >= 0) inner = inner.replace(new RegExp(`<${p}rPh\\b[\\s\\S]*?</${p}rPh>`, 'g'), '');
  let out = '';
  const re = new RegExp(`<${p}t(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${p}t>)`, 'g');
  for (let m; (m = re.exec(inner));) if (m[1]) out += m[1];
  return xmlUnescape(out);
}

/** The namespace prefix the part uses for SpreadsheetML elements ('' or e.g. 'x:'), from its root element. */
function prefixOf(head: string, root: string): string | null {
  const m = new RegExp(`<([A-Za-z_][\\w.-]*:)?${root}[\\s>/]`).exec(head);
  return m ? m[1] ?? '' : null;
}

/** The shared strings part (§18.4.9), streamed: one string per `<si>`, rich text as its plain text. */
export async function readSharedStrings(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  let buf = '';
  let p: string | null = null;
  for await (const chunk of chunks) {
    buf += chunk;
    if (p === null) {
      p = prefixOf(buf, 'sst');
      if (p === null) {
        if (buf.length > 65536) throw new SheetXmlError('таблица общих строк книги повреждена: нет её начала');
        continue;
      }
    }
    let at = 0;
    const open = `<${p}si`, close = `</${p}si>`;
    for (;;) {
      const s = buf.indexOf(open, at);
      if (s < 0) { at = Math.max(at, buf.length - open.length); break; }
      const after = buf.charCodeAt(s + open.length);
      if (after === 47 /* / */) { // <si/>
        const e = buf.indexOf('>', s);
        if (e < 0) { at = s; break; }
        out.push('');
        at = e + 1;
        continue;
      }
      const e = buf.indexOf(close, s);
      if (e < 0) { at = s; break; }
      out.push(stringItemText(buf.slice(buf.indexOf('>', s) + 1, e), p));
      at = e + close.length;
    }
    buf = buf.slice(at);
  }
  return out;
}

// Built-in number formats that show a date or a time (§18.8.30), East Asian ones included.
const BUILTIN_DATES = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** Whether a custom format code shows a date: a d, m, y, h or s outside quoted text, escapes and [colour] blocks. */
export function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[[^\]]*]/g, '').replace(/_.|\*./g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,\s%E+-]*$/i.test(bare);
}

/** The styles part (§18.8): for each cell format (`<cellXfs>` index, a cell's `s`), whether it shows a date. */
export function readDateStyles(xml: string): boolean[] {
  const p = prefixOf(xml, 'styleSheet') ?? '';
  const custom = new Map<number, boolean>();
  for (const m of xml.matchAll(new RegExp(`<${p}numFmt\\b([^>]*)>`, 'g'))) {
    const id = /\bnumFmtId="(\d+)"/.exec(m[1]);
    const code = /\bformatCode="([^"]*)"/.exec(m[1]);
    if (id && code) custom.set(Number(id[1]), isDateFormat(xmlUnescape(code[1])));
  }
  const xfs = new RegExp(`<${p}cellXfs\\b[^>]*>([\\s\\S]*?)</${p}cellXfs>`).exec(xml);
  if (!xfs) return [];
  const out: boolean[] = [];
  for (const m of xfs[1].matchAll(new RegExp(`<${p}xf\\b([^>]*)>`, 'g'))) {
    const id = Number(/\bnumFmtId="(\d+)"/.exec(m[1])?.[1] ?? 0);
    out.push(custom.get(id) ?? BUILTIN_DATES.has(id));
  }
  return out;
}

const MS_PER_DAY = 86_400_000;
/** An Excel serial as the Date exceljs gives for a date-formatted cell (UTC; 1900 or 1904 date system). */
export function serialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - (date1904 ? 24107 : 25569)) * MS_PER_DAY));
}

/** The column number of a cell reference's letters (A → 1), or 0 when it has none. */
function refColumn(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + c - 64;
    else if (c >= 97 && c <= 122) n = n * 26 + c - 96;
    else break;
  }
  return n;
}

export type SheetContext = { sharedStrings: readonly string[]; dateStyles: readonly boolean[]; date1904: boolean };

/** Whether a UTF-16 code unit is one a regular expression's `\s` matches (the cell scanner keeps the regex's sense). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));
}

/**
 * A sheet's text may come as its UTF-8 bytes, one character a byte (Latin-1): making that text is a copy, a tenth of
 * decoding UTF-8, and the markup is ASCII, so every search for it finds the same places. What is not ASCII is decoded
 * where it is used: values, and the characters next to markup that a regex's `\s` would test.
 */
const DECODED = new Map<string, string>(); // the few short values a journal repeats («н/а»), decoded once
export function fromUtf8Bytes(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 0x80) i++;
  if (i === s.length) return s;
  if (s.length > 32) return Buffer.from(s, 'latin1').toString('utf8');
  let d = DECODED.get(s);
  if (d === undefined) {
    d = Buffer.from(s, 'latin1').toString('utf8');
    if (DECODED.size < 1024) DECODED.set(s, d);
  }
  return d;
}
const MIN_OF_LENGTH = [0, 0x80, 0x800, 0x10000];
/** The code point of the UTF-8 character whose first byte is s[i] (bytes as Latin-1 text), or -1 when none is. */
function codePointAt(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return b0;
  const n = b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : 1;
  if (b0 < 0xc2 || b0 > 0xf4) return -1;
  let cp = b0 & (0x3f >> n);
  for (let j = 1; j <= n; j++) {
    const b = s.charCodeAt(i + j);
    if ((b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  return cp < MIN_OF_LENGTH[n] ? -1 : cp;
}
/** Whether `\s` matches the character at s[i]: a code unit of text, or the UTF-8 character starting at byte i. */
function spaceAt(s: string, i: number, bytes: boolean): boolean {
  const c = s.charCodeAt(i);
  return !bytes || c < 0x80 ? isSpace(c) : isSpace(codePointAt(s, i));
}
/** Whether `\s` matches the character just before s[i] (in bytes, the UTF-8 character ending at byte i - 1). */
function spaceBefore(s: string, i: number, bytes: boolean): boolean {
  const c = s.charCodeAt(i - 1);
  if (!bytes || c < 0x80) return isSpace(c);
  let j = i - 1;
  while (j > i - 4 && j > 0 && (s.charCodeAt(j) & 0xc0) === 0x80) j--;
  const lead = s.charCodeAt(j);
  const len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return j + len === i && isSpace(codePointAt(s, j));
}
const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Where the value of attribute `name` (one letter) starts within a tag's attributes `s[from, to)`: the first
 * occurrence of `name="` after a space whose value, read by `ok`, ends in a quote — as the regex
 * `(?:^|\s)name="(ok+)"` finds it (`^` never matches here: the attributes start after the element's name).
 * Returns the value's start and sets `attrEnd`; -1 when there is none.
 */
let attrEnd = 0;
function attrValue(s: string, from: number, to: number, name: number, ok: (c: number) => boolean, quoted: boolean, bytes: boolean): number {
  for (let i = from + 1; i + 3 <= to; i++) {
    if (s.charCodeAt(i) !== name || s.charCodeAt(i + 1) !== 61 /* = */ || s.charCodeAt(i + 2) !== 34 /* " */ || !spaceBefore(s, i, bytes)) continue;
    let j = i + 3;
    while (j < to && ok(s.charCodeAt(j))) j++;
    if (!quoted) { attrEnd = j; return i + 3; }
    if (j > i + 3 && j < to && s.charCodeAt(j) === 34) { attrEnd = j; return i + 3; }
  }
  return -1;
}

/**
 * The first `<{p}v>…</{p}v>` (or `<{p}v attrs>`) in `s[from, to)`, as `<v(?:\s[^>]*)?>([\s\S]*?)</v>` finds it: the
 * start of its text, with `valueEnd` set to its end; -1 when there is none.
 */
let valueEnd = 0;
function valueText(s: string, from: number, to: number, open: string, close: string, bytes: boolean): number {
  for (let i = s.indexOf(open, from); i >= 0 && i + open.length < to; i = s.indexOf(open, i + 1)) {
    let k = i + open.length;
    const c = s.charCodeAt(k);
    if (c !== 62 /* > */) {
      if (!spaceAt(s, k, bytes)) continue;
      k = s.indexOf('>', k);
      if (k < 0 || k >= to) return -1;
    }
    const e = s.indexOf(close, k + 1);
    if (e < 0 || e + close.length > to) return -1;
    valueEnd = e;
    return k + 1;
  }
  return -1;
}

/**
 * The rows of a worksheet part (§18.3.1.73 sheetData), streamed from its text: each row's number and its non-empty
 * cells by column number, a chunk's worth of rows at a time (one turn of the event loop per chunk, not per row). A
 * formula cell gives its cached value; an error cell its CellError. With `bytes`, the chunks are the part's UTF-8
 * bytes as Latin-1 text (see fromUtf8Bytes): the same rows, read faster.
 */
export async function* parseSheetData(chunks: AsyncIterable<string>, ctx: SheetContext, { bytes = false } = {}): AsyncGenerator<SheetRow[]> {
  const text = bytes ? fromUtf8Bytes : (x: string) => x;
  let rows: SheetRow[] = [];
  let buf = '';
  let p: string | null = null;
  let inData = false;
  let done = false;
  let lastRow = 0;
  let rowOpen = '', rowClose = '', cellOpen = '', cellClose = '', vOpen = '', vClose = '', inlineRe: RegExp | null = null;
  for await (const chunk of chunks) {
    if (done) continue; // the rest (merges, print setup) is not ours; the text is drained so the caller's stream ends
    buf += chunk;
    if (p === null) {
      p = prefixOf(buf, 'worksheet');
      if (p === null) {
        if (buf.length > 65536) throw new SheetXmlError('лист повреждён: нет его начала');
        continue;
      }
      rowOpen = `<${p}row`;
      rowClose = `</${p}row>`;
      cellOpen = `<${p}c`;
      cellClose = `</${p}c>`;
      vOpen = `<${p}v`;
      vClose = `</${p}v>`;
      inlineRe = new RegExp(`<${p}is(?:\\s[^>]*)?>([\\s\\S]*?)</${p}is>`);
    }
    let at = 0;
    if (!inData) {
      const s = buf.indexOf(`<${p}sheetData`);
      if (s < 0) { buf = buf.slice(Math.max(0, buf.length - 64)); continue; }
      const e = buf.indexOf('>', s);
      if (e < 0) { buf = buf.slice(s); continue; }
      if (buf.charCodeAt(e - 1) === 47) { done = true; continue; } // <sheetData/>
      inData = true;
      at = e + 1;
    }
    const end = buf.indexOf(`</${p}sheetData>`, at); // once per chunk: rows after it are not rows of the sheet
    for (;;) {
      const s = buf.indexOf(rowOpen, at);
      if (end >= 0 && (s < 0 || end < s)) { done = true; break; }
      if (s < 0) break;
      const tagEnd = buf.indexOf('>', s);
      if (tagEnd < 0) { at = s; break; }
      const tag = buf.slice(s + rowOpen.length, tagEnd);
      let innerStart: number, innerEnd: number; // the row's cells are buf[innerStart, innerEnd)
      let next: number;
      if (buf.charCodeAt(tagEnd - 1) === 47) innerStart = innerEnd = next = tagEnd + 1; // <row …/>: an empty row
      else {
        const e = buf.indexOf(rowClose, tagEnd);
        if (e < 0) { at = s; break; }
        innerStart = tagEnd + 1;
        innerEnd = e;
        next = e + rowClose.length;
      }
      at = next;
      const r = /(?:^|\s)r="(\d+)"/.exec(text(tag));
      const number = r ? Number(r[1]) : lastRow + 1;
      lastRow = number;
      const cells = new Map<number, CellValue>();
      let col = 0;
      // the row's cells, scanned by hand as `<c(?=[\s/>])([^>]*?)(?:/>|>([\s\S]*?)</c>)` would match them: the
      // regexes per cell were most of the reading
      for (let i = innerStart; ;) {
        const cs = buf.indexOf(cellOpen, i);
        if (cs < 0 || cs + cellOpen.length >= innerEnd) break;
        const k = cs + cellOpen.length; // the attributes start here
        const after = buf.charCodeAt(k);
        if (!(after === 47 || after === 62 || spaceAt(buf, k, bytes))) { i = cs + 1; continue; }
        const gt = buf.indexOf('>', k);
        if (gt < 0 || gt >= innerEnd) break;
        let attrsEnd: number, bodyStart = -1, bodyEnd = -1;
        if (buf.charCodeAt(gt - 1) === 47 && gt - 1 >= k) { attrsEnd = gt - 1; i = gt + 1; } // <c …/>
        else {
          const ce = buf.indexOf(cellClose, gt + 1);
          if (ce < 0 || ce + cellClose.length > innerEnd) { i = cs + 1; continue; } // not a cell: the regex skipped it too
          attrsEnd = gt;
          bodyStart = gt + 1;
          bodyEnd = ce;
          i = ce + cellClose.length;
        }
        const ref = attrValue(buf, k, attrsEnd, 114 /* r */, isLetter, false, bytes);
        if (ref >= 0 && attrEnd > ref) {
          let n = 0;
          for (let j = ref; j < attrEnd; j++) { const c = buf.charCodeAt(j); n = n * 26 + (c >= 97 ? c - 96 : c - 64); }
          col = n;
        } else col++;
        if (bodyEnd <= bodyStart) continue; // no body, or an empty one
        const ts = attrValue(buf, k, attrsEnd, 116 /* t */, isWordChar, true, bytes);
        const t = ts < 0 ? 'n' : buf.slice(ts, attrEnd);
        let v: CellValue = null;
        if (t === 'inlineStr') {
          const is = inlineRe!.exec(text(buf.slice(bodyStart, bodyEnd)));
          v = is ? stringItemText(is[1], p) : null;
        } else {
          const vs = valueText(buf, bodyStart, bodyEnd, vOpen, vClose, bytes);
          if (vs < 0) continue; // a formula without a cached value, or nothing
          const raw = text(buf.slice(vs, valueEnd));
          if (t === 's') {
            const i = Number(raw);
            if (!Number.isInteger(i) || i < 0 || i >= ctx.sharedStrings.length) throw new SheetXmlError(`ячейка ссылается на общую строку ${raw}, которой нет`);
            v = ctx.sharedStrings[i];
          } else if (t === 'str') v = xmlUnescape(raw);
          else if (t === 'b') v = raw.trim() === '1' || raw.trim() === 'true';
          else if (t === 'e') v = raw.trim() ? new CellError(xmlUnescape(raw).trim()) : null;
          else if (t === 'd') {
            const d = new Date(raw.trim());
            v = Number.isNaN(d.getTime()) ? xmlUnescape(raw) : d;
          } else {
            const n = Number(raw);
            if (raw.trim() === '' || Number.isNaN(n)) v = raw.trim() ? xmlUnescape(raw) : null;
            else {
              const ss = attrValue(buf, k, attrsEnd, 115 /* s */, isDigit, true, bytes);
              v = ss >= 0 && ctx.dateStyles[Number(buf.slice(ss, attrEnd))] ? serialToDate(n, ctx.date1904) : n;
            }
          }
        }
        if (v !== null && v !== '') cells.set(col, v);
      }
      rows.push({ number, cells });
    }
    if (rows.length) {
      yield rows;
      rows = [];
    }
    buf = buf.slice(at);
    if (!done && buf.length > 64 * 1024 * 1024) throw new SheetXmlError('строка листа длиннее 64 МиБ: файл повреждён');
  }
  if (p === null) throw new SheetXmlError('лист повреждён: нет его начала');
  if (!done && inData) throw new SheetXmlError('лист обрывается: нет конца его данных');
}
