// Reading a journal workbook as journals write it: the header row found by its names, the columns mapped to the
// register's fields (the user may correct the mapping), and the data rows streamed with bounded memory. Every reader
// of journals goes through sheetRows(); the file itself is read by xlsx.ts.
import { AppError } from '../shared/errors.ts';
import { isValidIsoDate } from '../../preload/core/dates.ts';
import type { Progress } from '../shared/jobs.ts';
import { ATTENDANCE_PARTS, IMPORT_PERIODS, type AttendancePart } from '../../preload/contract.ts';
import { normalizeMark, notAMark, type Mark } from '../../preload/core/marks.ts';
import { CellError, type CellValue, type SheetRow } from './sheet-xml.ts';
import { colLetter, colNumber, openWorkbook, WorkbookError, type FileLimits } from './xlsx.ts';
import { count } from '../../preload/core/plural.ts';

export { WorkbookError, type WorkbookRefusal } from './xlsx.ts';

// ---------------------------------------------------------------------------------------------------------------
// Fields, headers and marks

export const PERIODS = IMPORT_PERIODS;
export type Period = (typeof PERIODS)[number];

export const STUDENT_FIELDS = ['fullName', 'lastName', 'firstName', 'middleName', 'birthDate', 'snils', 'className', 'sex'] as const;
export type StudentField = (typeof STUDENT_FIELDS)[number];

/**
 * A field is a student field, a mark column `mark:<subject as written>|<period or ''>`, or an attendance column
 * `att:<missed|ill|valid|unexcused>|<period or ''>`.
 */
export type Field = StudentField | `mark:${string}` | `att:${string}`;
export const markField = (subject: string, period: Period | '') => `mark:${subject}|${period}` as Field;
export function parseMarkField(f: string): { subject: string; period: Period | '' } | null {
  const m = /^mark:(.*)\|(.*)$/.exec(f);
  return m ? { subject: m[1], period: m[2] as Period | '' } : null;
}
export const attendanceField = (part: AttendancePart, period: Period | '') => `att:${part}|${period}` as Field;
export function parseAttendanceField(f: string): { part: AttendancePart; period: Period | '' } | null {
  const m = /^att:(\w+)\|(\w*)$/.exec(f);
  return m && (ATTENDANCE_PARTS as readonly string[]).includes(m[1]) && (!m[2] || (PERIODS as readonly string[]).includes(m[2]))
    ? { part: m[1] as AttendancePart, period: m[2] as Period | '' } : null;
}

const MISSED_WORD = /(?:^|\s)пропу[сщ]/;
const PART_START = /^(?:из них|в том числе|в т ч|всего|по болезни|по уваж|без уваж)/;
/**
 * An attendance column by its header (normalized, its period taken out): «Пропущено уроков», «из них по болезни»,
 * «по уважительной причине», «без уважительной причины»; or a bare period or «всего» under a «Пропущено уроков» above.
 */
export function detectAttendance(h: string, above: string): AttendancePart | null {
  const text = h || above;
  if (!text) return null;
  const about = MISSED_WORD.test(text) || PART_START.test(text) && (MISSED_WORD.test(above) || /^(?:из них |в том числе |в т ч )?(?:по болезни|по уваж|без уваж)/.test(text));
  if (!about) return null;
  if (/без уваж|прогул/.test(text)) return 'unexcused';
  if (/болезн/.test(text)) return 'ill';
  if (/уваж/.test(text)) return 'valid';
  return 'missed';
}

/** Header text for comparison: lower case, ё = е, dots, commas and brackets as spaces («ИЗО (год)»), single spaces. */
export function normalizeHeader(s: string): string {
  return s.toLocaleLowerCase('ru-RU').replace(/ё/g, 'е').replace(/[.,:;_()[\]\u00a0]/g, ' ').replace(/\s+/g, ' ').trim();
}

const FIELD_NAMES: Record<string, StudentField> = {
  'фио': 'fullName', 'ф и о': 'fullName', 'фио ученика': 'fullName', 'фио обучающегося': 'fullName', 'ученик': 'fullName',
  'обучающийся': 'fullName', 'фамилия имя отчество': 'fullName', 'фамилия и имя': 'fullName', 'фамилия имя': 'fullName',
  'фамилия': 'lastName', 'имя': 'firstName', 'отчество': 'middleName',
  'дата рождения': 'birthDate', 'дата рожд': 'birthDate', 'д р': 'birthDate', 'др': 'birthDate',
  'снилс': 'snils', 'снилс ученика': 'snils', 'снилс обучающегося': 'snils', 'страховой номер': 'snils',
  'класс': 'className', 'пол': 'sex',
};
const ROMAN: Record<string, number> = { i: 1, ii: 2, iii: 3, iv: 4, '1': 1, '2': 2, '3': 3, '4': 4 };

/** Finds a period in normalized header text; returns it and the text before it (a subject name, when there is one). */
export function detectPeriod(h: string): { period: Period; rest: string } | null {
  const m = /(?:^|\s)(iv|iii|ii|i|[1-4])\s*(?:-?(?:я|е|й))?\s*(четв(?:ерть)?|ч|полугод(?:ие)?|полуг|пол|п\/г|триместр|трим)(?:$|\s)/.exec(h);
  if (m) {
    const n = ROMAN[m[1]];
    const unit = m[2];
    const period: Period | null = unit.startsWith('четв') || unit === 'ч' ? (`q${n}` as Period)
      : unit.startsWith('пол') || unit === 'п/г' ? (n <= 2 ? (`h${n}` as Period) : null)
        : n <= 3 ? (`t${n}` as Period) : null;
    if (period) return { period, rest: h.slice(0, m.index).trim() };
  }
  const w = /(?:^|\s)(годовая(?: оценка)?|за год|год|экзамен(?:ационная)?(?: оценка)?|экз|итоговая(?: оценка)?|итог)$/.exec(h);
  if (w) {
    const word = w[1];
    const period: Period = word.startsWith('экз') ? 'exam' : word.startsWith('итог') ? 'final' : 'year';
    return { period, rest: h.slice(0, w.index).trim() };
  }
  return null;
}

export type MarkResult = { ok: true; value: Mark | null } | { ok: false; reason: string };

/** A journal's mark cell as one of the register's marks (the one reading, preload/core/marks.ts); empty is null. */
export function readMark(v: unknown, scale?: readonly string[]): MarkResult {
  const value = normalizeMark(v);
  return value === undefined ? { ok: false, reason: notAMark(v, scale) } : { ok: true, value };
}

// ---------------------------------------------------------------------------------------------------------------
// Cell values

const MS_PER_DAY = 86_400_000;
/** Excel's day 0 is 1899-12-30 (the 1900 leap-year bug included); date1904 workbooks start at 1904-01-01. */
export function serialToIso(serial: number, date1904 = false): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2_958_465) return null;
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.floor(serial + 1e-9) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** A date as journals write it: a Date (date-formatted cell), an Excel serial, `01.09.2025`, `1/9/2025` or ISO. */
export function parseDateCell(v: unknown, date1904 = false): string | null {
  if (v instanceof Date) {
    // exceljs gives the UTC date and time of the serial; the day is what counts (rounding noise of a few ms kept out)
    const t = Math.floor(v.getTime() / MS_PER_DAY + 1e-7) * MS_PER_DAY;
    return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10);
  }
  if (typeof v === 'number') return serialToIso(v, date1904);
  const s = String(v ?? '').replace(/\s+/g, '').trim();
  if (!s) return null;
  let m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:г\.?)?$/.exec(s);
  if (m) {
    const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
    return isValidIsoDate(iso) ? iso : null;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+Z?)?$/.exec(s);
  if (m) return isValidIsoDate(`${m[1]}-${m[2]}-${m[3]}`) ? `${m[1]}-${m[2]}-${m[3]}` : null;
  if (/^\d+(?:[.,]\d+)?$/.test(s)) return serialToIso(Number(s.replace(',', '.')), date1904); // a serial stored as text
  return null;
}

/** The value a clerk sees: the cached result of a formula, the text of rich text and links; an error as its CellError. */
export function plainValue(v: unknown): CellValue {
  if (v == null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date || v instanceof CellError) return v;
  const o = v as Record<string, unknown>;
  if ('richText' in o && Array.isArray(o.richText)) return (o.richText as Array<{ text: string }>).map((r) => r.text).join('');
  if ('formula' in o || 'sharedFormula' in o) return o.result === undefined ? null : plainValue(o.result);
  if ('text' in o) return plainValue(o.text);
  if ('error' in o) return typeof o.error === 'string' ? new CellError(o.error) : null;
  return null;
}

const textOf = (v: CellValue): string =>
  v == null ? '' : typeof v === 'number' ? String(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v instanceof CellError ? v.code
    : typeof v === 'string' && v.length === 1 && v !== ' ' ? v : String(v).replace(/\s+/g, ' ').trim();

/** `formulaError`: the cell holds a spreadsheet error («#DIV/0!»), which `error` explains. */
export type CellOut = { value: string | null; col: string; raw: string; error?: string; formulaError?: string };

/** Normalizes one cell for its field: names and class cleaned, dates ISO, СНИЛС as written, marks as kinds. */
export function normalizeCell(field: string, v: CellValue, col: string, date1904 = false, scale?: readonly string[]): CellOut {
  const raw = textOf(v);
  if (!raw) return { value: null, col, raw };
  if (v instanceof CellError) {
    // a formula that failed is no value at all: named, never taken for an empty cell
    return { value: null, col, raw, formulaError: v.code, error: `ошибка формулы «${v.code}» вместо ${field.startsWith('mark:') ? 'оценки' : 'значения'}` };
  }
  if (field === 'birthDate') {
    const iso = parseDateCell(v, date1904);
    return iso ? { value: iso, col, raw } : { value: null, col, raw, error: `«${raw}» — не дата (ожидается ДД.ММ.ГГГГ)` };
  }
  if (field === 'snils') {
    if (typeof v === 'number') return { value: String(Math.round(v)).padStart(11, '0'), col, raw };
    return { value: raw, col, raw };
  }
  if (field === 'sex') {
    const s = raw.toLocaleLowerCase('ru-RU').replace(/\./g, '');
    if (['м', 'муж', 'мужской', 'm'].includes(s)) return { value: 'М', col, raw };
    if (['ж', 'жен', 'женский', 'f', 'w'].includes(s)) return { value: 'Ж', col, raw };
    return { value: null, col, raw, error: `«${raw}» — пол указывается буквой М или Ж` };
  }
  if (field.startsWith('mark:')) {
    const m = readMark(typeof v === 'number' ? v : raw, scale);
    return m.ok ? { value: m.value, col, raw } : { value: null, col, raw, error: m.reason };
  }
  if (field.startsWith('att:')) {
    const n = typeof v === 'number' ? v : /^\d+(?:[.,]0+)?$/.test(raw) ? Number(raw.replace(',', '.')) : NaN;
    return Number.isInteger(n) && n >= 0 && n <= 10_000 ? { value: String(n), col, raw }
      : { value: null, col, raw, error: `«${raw}» — не число пропущенных уроков (целое, не меньше 0)` };
  }
  if (field === 'className') return { value: raw.replace(/\s+/g, '').toLocaleUpperCase('ru-RU'), col, raw };
  return { value: raw, col, raw };
}

const isColLetters = (s: string) => /^[A-Z]{1,3}$/.test(s);

/** The user's correction of a detected mapping: field → column letter, or null to drop a detected field. */
export type ColumnMapping = Record<string, string | null>;

export type SheetLayout = {
  sheet: string;
  headerRow: number;
  /** field → column letter, after the user's corrections */
  mapping: Record<string, string>;
  /** what was detected before corrections */
  detected: Record<string, string>;
  /** every header cell: column letter → text as written */
  headers: Record<string, string>;
  /** header cells that mean nothing to us yet: the user may map them */
  unmapped: Array<{ col: string; header: string }>;
};

/** A row's cells by field. Cells may be shared between rows (a mark column's same values): read them, never change them. */
export type DataRow = { sheet: string; row: number; cells: Record<string, CellOut> };
const MARK_CACHE = 64;
export type JournalEvent = { type: 'sheet'; layout: SheetLayout } | { type: 'row'; row: DataRow } |
  { type: 'skipped'; sheet: string; reason: string };

/** The file's limits (xlsx.ts) and how many rows the header is looked for in. */
export type ReadLimits = FileLimits & { headerRows: number };
export const DEFAULT_LIMITS: ReadLimits = {
  maxUncompressed: 1024 ** 3, // 1 GiB in all
  maxRatio: 200, // per entry, for entries above ratioFloor
  ratioFloor: 1024 * 1024, // small parts compress oddly (a few bytes of XML); a bomb is large by definition
  headerRows: 20,
  wholeSheet: 16 * 1024 * 1024, // a sheet up to this size is inflated at once, for its merges and its rows (xlsx.ts)
};

export type ReadOptions = {
  /** corrections applied on every sheet */
  mapping?: ColumnMapping;
  /** corrections per sheet name, over `mapping` */
  sheetMappings?: Record<string, ColumnMapping>;
  /** the register's subject names (full and short): columns so named are mark columns */
  subjects?: string[];
  /** the marks the school gives (allowedMarks): a cell that is no mark is refused naming this scale */
  scale?: readonly string[];
  limits?: Partial<ReadLimits>;
  progress?: Progress;
};

function headerField(text: string, subjects: Map<string, string>, sheet: { period: Period | null; subject: string | null }, upper: string): string | null {
  const sheetPeriod = sheet.period;
  const h = normalizeHeader(text);
  if (!h) return null;
  if (FIELD_NAMES[h]) return FIELD_NAMES[h];
  const p = detectPeriod(h);
  const above = normalizeHeader(upper);
  const att = detectAttendance(p ? p.rest : h, above);
  if (att) return attendanceField(att, p?.period ?? detectPeriod(above)?.period ?? sheetPeriod ?? '');
  if (p) {
    // a bare period takes its subject from the merged cell above, else from a sheet named for the subject
    const subj = p.rest ? (subjects.get(p.rest) ?? wordsAsWritten(text, p.rest)) : upper || (sheet.subject ?? '');
    return markField(subj, p.period);
  }
  const subj = subjects.get(h);
  if (subj) return markField(subj, sheetPeriod ?? '');
  return null;
}

/** The first words of a header as written (case, ё, dots kept), as many as the normalized `rest` has. */
function wordsAsWritten(text: string, rest: string): string {
  const n = rest.split(' ').length;
  return (text.match(/[^\s.,:;_()[\]\u00a0]+[.,:;_]*/g) ?? []).slice(0, n).join(' ');
}

/**
 * A row that names periods under the row above it («Русский язык» merged — or repeated — over «1 четв.», «2 четв.»,
 * «Год»): the two rows are one header. Its columns empty below take their names from above («ФИО» over nothing).
 */
function isSecondHeaderRow(cells: Map<number, string>, above: Map<number, string>): boolean {
  for (const [c, text] of cells) {
    const upper = above.get(c);
    if (!text || !upper) continue;
    const p = detectPeriod(normalizeHeader(text));
    if (p && !p.rest && !detectPeriod(normalizeHeader(upper))) return true;
  }
  return false;
}

/**
 * Picks the header row among the first rows: the one naming most fields, a name column counting double. A second
 * header row (periods under subjects) is the header together with the row above it, and wins over that row alone.
 */
function detectHeader(rows: Array<{ row: number; cells: Map<number, string> }>, subjects: Map<string, string>, sheet: string, user: ColumnMapping) {
  // columns the user mapped count as named: a header the journal spelled its own way is still the header
  const userCols = new Map(Object.entries(user).filter(([, c]) => c).map(([f, c]) => [colNumber(c!.trim()), f]));
  const sheetPeriod = detectPeriod(normalizeHeader(sheet))?.period ?? null;
  const sheetSubject = subjects.get(normalizeHeader(sheet)) ?? null;
  let best: { row: number; score: number; fields: Array<[string, string]>; headers: Record<string, string>; unmapped: Array<{ col: string; header: string }> } | null = null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const above = i > 0 && rows[i - 1].row === r.row - 1 ? rows[i - 1].cells : new Map<number, string>();
    const twoRows = above.size > 0 && isSecondHeaderRow(r.cells, above);
    const fields: Array<[string, string]> = [];
    const headers: Record<string, string> = {};
    const unmapped: Array<{ col: string; header: string }> = [];
    let score = 0;
    const columns = twoRows ? [...new Set([...r.cells.keys(), ...above.keys()])].sort((a, b) => a - b) : [...r.cells.keys()];
    for (const c of columns) {
      const own = r.cells.get(c) ?? '';
      const upper = above.get(c) ?? '';
      // in a two-row header a column empty below is named above («ФИО» not merged down)
      const text = own || (twoRows ? upper : '');
      if (!text) continue;
      const col = colLetter(c);
      headers[col] = twoRows && own && upper && upper !== own ? `${upper} / ${own}` : text;
      // a subject written over its period columns (a merged cell above) names the subject of those columns
      const f = headerField(text, subjects, { period: sheetPeriod, subject: sheetSubject }, own ? upper : '');
      if (f) fields.push([f, col]);
      else unmapped.push({ col, header: headers[col] });
      const counted = userCols.get(c) ?? f;
      if (counted) score += counted === 'fullName' || counted === 'lastName' ? 3 : 1;
    }
    const overAbove = twoRows && best?.row === r.row - 1 && score >= best.score;
    if (score >= 2 && (!best || score > best.score || overAbove)) best = { row: r.row, score, fields, headers, unmapped };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

function applyMapping(file: string, sheet: string, headerRow: number, detected: Array<[string, string]>, user: ColumnMapping): Record<string, string> {
  const mapping: Record<string, string> = {};
  const dupes = new Map<string, string[]>();
  for (const [f, col] of detected) {
    if (f in user) continue;
    if (mapping[f]) dupes.set(f, [...(dupes.get(f) ?? [mapping[f]]), col]);
    else mapping[f] = col;
  }
  for (const [f, col] of dupes) {
    throw new WorkbookError('duplicate_field', file, `столбцы ${col.join(' и ')} оба означают «${fieldLabel(f)}»: ` +
      'укажите в сопоставлении, какой из них брать', { sheet, row: headerRow, column: col[1] });
  }
  for (const [f, col] of Object.entries(user)) {
    if (col == null) continue;
    const c = col.trim().toUpperCase();
    if (!isColLetters(c)) throw new WorkbookError('duplicate_field', file, `«${col}» — не буквы столбца (для поля «${fieldLabel(f)}»)`, { sheet });
    mapping[f] = c;
  }
  const byCol = new Map<string, string>();
  for (const [f, col] of Object.entries(mapping)) {
    const other = byCol.get(col);
    if (other) {
      throw new WorkbookError('duplicate_field', file, `столбец ${col} сопоставлен двум полям: «${fieldLabel(other)}» и «${fieldLabel(f)}»`,
        { sheet, row: headerRow, column: col });
    }
    byCol.set(col, f);
  }
  return mapping;
}

const LABELS: Record<StudentField, string> = {
  fullName: 'ФИО', lastName: 'Фамилия', firstName: 'Имя', middleName: 'Отчество', birthDate: 'Дата рождения', snils: 'СНИЛС',
  className: 'Класс', sex: 'Пол',
};
const PERIOD_LABELS: Record<Period, string> = {
  q1: '1 четверть', q2: '2 четверть', q3: '3 четверть', q4: '4 четверть', h1: '1 полугодие', h2: '2 полугодие',
  t1: '1 триместр', t2: '2 триместр', t3: '3 триместр', year: 'Годовая', exam: 'Экзамен', final: 'Итоговая',
};
const ATTENDANCE_LABELS: Record<AttendancePart, string> = {
  missed: 'Пропущено уроков', ill: 'из них по болезни', valid: 'из них по уважительной причине', unexcused: 'из них без уважительной причины',
};
/** A field as the user reads it: «Дата рождения», «Математика, 1 четверть», «Пропущено уроков, 2 четверть». */
export function fieldLabel(f: string): string {
  const m = parseMarkField(f);
  if (m) return [m.subject, m.period ? PERIOD_LABELS[m.period] : ''].filter(Boolean).join(', ') || 'Оценка';
  const a = parseAttendanceField(f);
  if (a) return [ATTENDANCE_LABELS[a.part], a.period ? PERIOD_LABELS[a.period] : ''].filter(Boolean).join(', ');
  return LABELS[f as StudentField] ?? f;
}

/**
 * The one way to read a journal workbook. For each visible sheet a `sheet` event with its layout, then its data rows;
 * hidden sheets and sheets without data are `skipped`; the workbook is refused when no sheet has a header row. Events
 * come a batch at a time (a chunk of the sheet's text, a few hundred rows): a long journal's rows pass through two
 * generators, and a turn of the event loop for each row was a tenth of its reading. How the file itself is read fast
 * is xlsx.ts's business.
 */
export async function* sheetRows(file: string, opts: ReadOptions = {}): AsyncGenerator<JournalEvent[]> {
  let out: JournalEvent[] = [];
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const book = openWorkbook(file, limits);
  const subjects = new Map<string, string>();
  for (const s of opts.subjects ?? []) subjects.set(normalizeHeader(s), s);
  const refusals: WorkbookError[] = [];
  let sheetsRead = 0;
  let rowsRead = 0;
  try {
    for await (const s of book.sheets()) {
      const sheet = s.name;
      if ('skipped' in s) {
        if (s.skipped === 'hidden') out.push({ type: 'skipped', sheet, reason: 'скрытый лист' });
        else {
          refusals.push(new WorkbookError('truncated', file, `в книге нет части «${s.part}» этого листа`, { sheet }));
          out.push({ type: 'skipped', sheet, reason: `лист не прочитан: в книге нет его части «${s.part}»` });
        }
        continue;
      }
      opts.progress?.throwIfCancelled();
      const journal = journalSheet(file, sheet, subjects, { ...opts.mapping, ...opts.sheetMappings?.[sheet] }, limits.headerRows, book.date1904, opts.scale);
      for await (const batch of s.rows) {
        for (const r of batch) {
          rowsRead++;
          if (rowsRead % 256 === 0) opts.progress?.throwIfCancelled(); // a cancel is heard within a few hundred rows
          if (rowsRead % 1000 === 0) {
            // progress in bytes of sheet XML (the one measure known before the rows are), the message in rows
            opts.progress?.report(Math.min(book.bytesRead, book.totalBytes), book.totalBytes, `Прочитано строк: ${rowsRead}`);
          }
          journal.take(r, out);
        }
        if (out.length) {
          yield out;
          out = [];
        }
        // a sheet that fits in memory is inflated at once and its chunks come without a turn of the event loop: one
        // given here after each chunk's rows (~256 KB of XML) were taken, so a long journal never holds the thread
        // that reads it (the preview job runs on the backend's thread) for more than a chunk's parse and planning
        await new Promise((resolve) => setImmediate(resolve));
      }
      const refusal = journal.end(out);
      if (refusal) {
        refusals.push(refusal);
        out.push({ type: 'skipped', sheet, reason: refusal.reason === 'empty_sheet' ? 'лист пуст' : 'нет строки заголовков' });
      } else sheetsRead++;
    }
    if (out.length) yield out;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new WorkbookError('truncated', file, `файл повреждён: ${(e as Error).message}`);
  } finally {
    book.close();
  }
  if (!sheetsRead) {
    throw refusals.find((r) => r.reason === 'no_header') ?? refusals[0] ??
      new WorkbookError('empty_sheet', file, 'в книге нет видимых листов с данными');
  }
}

/**
 * One sheet read as a journal, row by row (`take`): its header row found among the first `headerRows` rows (the rows
 * before it are held until then), then each data row as its fields. `end` says why the sheet gave nothing, if it did.
 */
function journalSheet(file: string, sheet: string, subjects: Map<string, string>, user: ColumnMapping, headerRows: number, date1904: boolean, scale?: readonly string[]) {
  const head: Array<{ row: number; cells: Map<number, string> }> = [];
  const pending: SheetRow[] = [];
  let fieldsOf: ((r: SheetRow) => DataRow | null) | null = null;
  let any = false;
  let gaveUp = false;
  const emit = (r: SheetRow, out: JournalEvent[]) => {
    const d = fieldsOf!(r);
    if (d) out.push({ type: 'row', row: d });
  };
  /** The header row among the rows held: the sheet's layout, then the data rows held after it. */
  const decide = (out: JournalEvent[]): void => {
    const h = detectHeader(head, subjects, sheet, user);
    if (!h) return;
    const mapping = applyMapping(file, sheet, h.row, h.fields, user);
    const mapped = new Set(Object.values(mapping));
    const layout: SheetLayout = {
      sheet, headerRow: h.row, mapping, detected: Object.fromEntries(h.fields), headers: h.headers,
      unmapped: h.unmapped.filter((u) => !mapped.has(u.col)),
    };
    fieldsOf = rowFields(sheet, mapping, date1904, scale);
    out.push({ type: 'sheet', layout });
    for (const r of pending) if (r.number > h.row) emit(r, out);
    pending.length = 0;
  };
  return {
    take(r: SheetRow, out: JournalEvent[]): void {
      if (r.cells.size) any = true;
      if (fieldsOf) return emit(r, out);
      if (r.number <= headerRows) {
        head.push({ row: r.number, cells: new Map([...r.cells].map(([c, v]) => [c, textOf(v)])) });
        pending.push(r);
        return;
      }
      if (gaveUp) return; // no header in the first rows: the rest of the sheet is read through, unused
      decide(out);
      if (!fieldsOf) {
        gaveUp = true;
        head.length = pending.length = 0;
        return;
      }
      emit(r, out);
    },
    end(out: JournalEvent[]): WorkbookError | null {
      if (!fieldsOf && any && !gaveUp) decide(out);
      if (!any) return new WorkbookError('empty_sheet', file, 'лист пуст', { sheet });
      if (!fieldsOf) {
        return new WorkbookError('no_header', file, `в первых ${count(headerRows, 'строке', 'строках', 'строках')} нет строки заголовков ` +
          '(ФИО или Фамилия, Имя, Отчество; Дата рождения; СНИЛС; Класс; предметы и периоды)', { sheet });
      }
      return null;
    },
  };
}

/**
 * A sheet's rows as the fields its mapping names: null for a row with none of them filled. A mark column holds a few
 * values a hundred thousand times: each value's cell is worked out once per column and shared by the rows (a cell is
 * never changed once read), as is every column's empty cell. At most MARK_CACHE values a column, so memory stays
 * bounded whatever a column holds.
 */
function rowFields(sheet: string, mapping: Record<string, string>, date1904: boolean, scale?: readonly string[]): (r: SheetRow) => DataRow | null {
  const columns: Array<[string, string, number]> = Object.entries(mapping).map(([f, col]) => [f, col, colNumber(col)]);
  const markCache = columns.map(([f]) => (f.startsWith('mark:') ? new Map<string | number, CellOut>() : null));
  const emptyCell = columns.map(([f, col]) => normalizeCell(f, null, col, date1904, scale));
  return ({ number: row, cells }) => {
    const out: Record<string, CellOut> = {};
    let filled = false;
    for (let i = 0; i < columns.length; i++) {
      const [f, col, n] = columns[i];
      const v = cells.get(n) ?? null;
      let c: CellOut | undefined;
      if (v === null) c = emptyCell[i];
      else {
        const cache = markCache[i];
        if (cache && (typeof v === 'string' || typeof v === 'number')) {
          c = cache.get(v);
          if (!c) {
            c = normalizeCell(f, v, col, date1904, scale);
            if (cache.size < MARK_CACHE) cache.set(v, c);
          }
        } else c = normalizeCell(f, v, col, date1904, scale);
      }
      if (c.raw) filled = true;
      out[f] = c;
    }
    return filled ? { sheet, row, cells: out } : null;
  };
}
