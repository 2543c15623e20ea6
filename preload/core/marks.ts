// The mark scale and the one reading of a mark as journals spell it: shared by the renderer, the backend and the CLI.
// Pure: no Node, no DOM. The schema (migrations 0002, 0011) keeps the same scale as its last guard.

/** The scale: what the schema accepts ('1' only when the school settings allow it), in the order a clerk reads it. */
export const MARKS = ['5', '4', '3', '2', '1', 'зч', 'нз', 'осв', 'н/а'] as const;
export type Mark = (typeof MARKS)[number];
/** Where a mark stands in a subject's year: a period's, the annual, the exam's, the final. */
export const MARK_SLOTS = ['period', 'annual', 'exam', 'final'] as const;
export type MarkSlot = (typeof MARK_SLOTS)[number];

/** The marks a school may give: the scale, without '1' unless the settings allow it. */
export function allowedMarks(allowOne: boolean): Mark[] {
  return MARKS.filter((m) => m !== '1' || allowOne);
}

/** The marks a column's statistics count one by one, in the order the grid and the ledger show them. */
export const COUNTED_MARKS = ['5', '4', '3', '2', 'н/а'] as const satisfies readonly Mark[];
/** Marks that are no pass: успеваемость is the share of marks without them ('осв' is not counted at all). */
export const FAILING_MARKS: ReadonlySet<string> = new Set<Mark>(['2', '1', 'нз', 'н/а']);

/** Every spelling journals use, with dots and spaces taken out, lower case, ё as е. */
const SPELLINGS = new Map<string, Mark>();
for (const [mark, words] of [
  ['зч', ['зч', 'з', 'зач', 'зачет', 'зачтено']],
  ['нз', ['нз', 'н/з', 'незач', 'незачет', 'незачтено']],
  ['осв', ['осв', 'освоб', 'освобожден', 'освобождена']],
  // «нa» with a Latin a, «na» and «n/a» typed on an English layout
  ['н/а', ['н/а', 'н\\а', 'на', 'нa', 'na', 'n/a', 'неаттестован', 'неаттестована']],
] as Array<[Mark, string[]]>) for (const w of words) SPELLINGS.set(w, mark);

const EXACT = new Set<string>(MARKS);

/**
 * The mark a journal's spelling means — «5», 5, 5.0, «4,0», «Зачёт», «з», «н/з», «не зачтено», «освобождена», «осв.»,
 * «Н/А», «н\а», «не аттестован» — null for an empty cell, undefined when it is no mark at all. Whether '1' is allowed is
 * the school's setting, asked where the mark is written.
 */
export function normalizeMark(v: unknown): Mark | null | undefined {
  if (v == null) return null;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 5 ? (String(v) as Mark) : undefined;
  const raw = String(v);
  if (EXACT.has(raw)) return raw as Mark; // as the register writes it: the common case, before any regex
  const s = raw.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
  if (!s) return null;
  const n = /^([1-5])(?:[.,]0+)?$/.exec(s);
  if (n) return n[1] as Mark;
  return SPELLINGS.get(s.replace(/[.\s]/g, ''));
}

/** Why a journal's cell is no mark, in the journal's words (the import names the cell by sheet, row and column); the
 *  scale listed is the school's (allowedMarks) when given. */
export function notAMark(v: unknown, scale: readonly string[] = MARKS): string {
  return typeof v === 'number' ? `Оценка ${v} вне шкалы (${scale.join(', ')})` : `«${String(v).trim()}» — не оценка (${scale.join(', ')})`;
}

const MARK_WORDS: Partial<Record<Mark, string>> = { '5': 'отлично', '4': 'хорошо', '3': 'удовлетворительно', '2': 'неудовлетворительно', '1': 'плохо' };

/** A final mark as the appendix to an attestat prints it: «5 (отлично)», «зачтено», «освобождён» / «освобождена». */
export function markInWords(mark: Mark, sex: 'М' | 'Ж' | string): string {
  const w = MARK_WORDS[mark];
  if (w) return `${mark} (${w})`;
  if (mark === 'зч') return 'зачтено';
  if (mark === 'нз') return 'не зачтено';
  if (mark === 'осв') return sex === 'Ж' ? 'освобождена' : 'освобождён';
  return 'не аттестован(а)';
}
