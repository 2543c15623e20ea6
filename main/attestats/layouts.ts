// Where each field is printed on the official blank forms, as data per edition of the blanks (they change with a new
// order, like the rules in rules.ts): a new edition is a new entry with `from` its first year, never an edit of one
// already used, and every print records the layout it used (attestat_prints.layout).
//
// Sizes: the title (титул) of the attestat and the appendix are sheets of 297 × 210 mm opened flat (the cover is
// 215 × 305 mm opened; приказ Минпросвещения № 545 of 05.10.2020, descriptions of the forms). The filling order (№ 546)
// says what goes where; the positions below are this program's reading of the sample forms, in millimetres from the
// sheet's top-left corner, the point being the top-left of the field's box (its text is centred in the box's width
// when `align` is centre). They must be checked against a real blank on the school's printer: the calibration page
// (calibration.ts) and the per-printer offset and scale correct the printer, a wrong position is corrected here.
import { subjectKey } from './rules.ts';

export type BlankPart = 'attestat' | 'appendix';
export type LayoutField = {
  id: string;
  /** what the field is, as the clerk reads it on the preview */
  label: string;
  x: number; y: number; width: number;
  fontSize: number;
  align: 'left' | 'center';
  /** more lines of the same field, each this far below the previous (a long school name) */
  lines?: { max: number; step: number };
};
export type SubjectTable = { nameX: number; nameWidth: number; markX: number; markWidth: number; y: number; step: number; rows: number; fontSize: number;
  /** the elective courses' section, in the table's rows after the subjects: a row with its heading (from headingX, as
   *  wide as the table), then each course's name and «зачтено» in the name and mark columns */
  electives?: { heading: string; headingX: number; mark: string } };
export type BlankLayout = {
  id: string;
  title: string;
  part: BlankPart;
  grade: 9 | 11;
  /** a title «с отличием»: its own blank form since 2020 (the appendix is common to both) */
  honours?: boolean;
  from: string;
  to: string | null;
  page: { width: number; height: number };
  fields: LayoutField[];
  subjects?: SubjectTable;
  /** the QR code of the verification code (the appendix): top-left corner and side, mm */
  qr?: { x: number; y: number; size: number };
};

const HALF = 148.5;
const L = 15; // the left margin of each half
const W = HALF - 2 * L;

// The title «с отличием» (приказ № 545: one sample for the ordinary and the «с отличием» form of each grade, the words
// «с отличием» and the colours printed on the blank) takes the same fields in the same places as far as the samples
// show: the same positions under its own id, so a blank «с отличием» measured otherwise is corrected here alone and
// every print says which layout it used.
const title = (grade: 9 | 11, honours = false): BlankLayout => ({
  id: `attestat-${grade}${honours ? '-honours' : ''}-2020`,
  title: `Аттестат ${grade === 9 ? 'об основном' : 'о среднем'} общем образовании${honours ? ' с отличием' : ''}, титул (образец 2020 г.)`,
  part: 'attestat', grade, ...(honours ? { honours } : {}), from: '2020/2021', to: null,
  page: { width: 297, height: 210 },
  fields: [
    { id: 'schoolName', label: 'Наименование организации', x: L, y: 48, width: W, fontSize: 11, align: 'center', lines: { max: 4, step: 5.5 } },
    { id: 'regNumber', label: 'Регистрационный номер', x: L, y: 128, width: W, fontSize: 12, align: 'center' },
    { id: 'issueDate', label: 'Дата выдачи', x: L, y: 148, width: W, fontSize: 12, align: 'center' },
    { id: 'lastName', label: 'Фамилия', x: HALF + L, y: 62, width: W, fontSize: 14, align: 'center' },
    { id: 'firstMiddle', label: 'Имя, отчество', x: HALF + L, y: 72, width: W, fontSize: 14, align: 'center' },
    { id: 'graduationYear', label: 'Год окончания', x: HALF + L, y: 92, width: W, fontSize: 12, align: 'center' },
    { id: 'schoolNameRight', label: 'Наименование организации (окончил)', x: HALF + L, y: 104, width: W, fontSize: 10, align: 'center', lines: { max: 4, step: 5 } },
    { id: 'director', label: 'Руководитель', x: HALF + 70, y: 172, width: 60, fontSize: 11, align: 'left' },
  ],
});

const appendix = (grade: 9 | 11): BlankLayout => ({
  id: `appendix-${grade}-2020`,
  title: `Приложение к аттестату ${grade === 9 ? 'об основном' : 'о среднем'} общем образовании (образец 2020 г.)`,
  part: 'appendix', grade, from: '2020/2021', to: null,
  page: { width: 297, height: 210 },
  fields: [
    { id: 'attestatNumber', label: 'Серия и номер аттестата', x: L, y: 40, width: W, fontSize: 12, align: 'center' },
    { id: 'lastName', label: 'Фамилия', x: L, y: 56, width: W, fontSize: 13, align: 'center' },
    { id: 'firstMiddle', label: 'Имя, отчество', x: L, y: 64, width: W, fontSize: 13, align: 'center' },
    { id: 'birthDate', label: 'Дата рождения', x: L, y: 78, width: W, fontSize: 11, align: 'center' },
    { id: 'schoolName', label: 'Наименование организации', x: L, y: 94, width: W, fontSize: 10, align: 'center', lines: { max: 4, step: 5 } },
    { id: 'regNumber', label: 'Регистрационный номер', x: L, y: 140, width: W, fontSize: 11, align: 'center' },
    { id: 'issueDate', label: 'Дата выдачи', x: L, y: 152, width: W, fontSize: 11, align: 'center' },
    { id: 'director', label: 'Руководитель', x: L + 55, y: 174, width: 60, fontSize: 11, align: 'left' },
    { id: 'code', label: 'Код проверки', x: L, y: 196, width: W, fontSize: 7, align: 'left' },
  ],
  subjects: { nameX: HALF + 8, nameWidth: 92, markX: HALF + 102, markWidth: 38, y: 30, step: 7, rows: 23, fontSize: 10,
    electives: { heading: 'Элективные курсы:', headingX: HALF + 8, mark: 'зачтено' } },
  // bottom left, under the registration block and left of the director's signature, above the code in figures
  qr: { x: L, y: 175, size: 19 },
});

export const BLANK_LAYOUTS: readonly BlankLayout[] = [title(9), title(9, true), appendix(9), title(11), title(11, true), appendix(11)];

/** The layout of a part of the blank for a grade in an academic year ("2025/2026"), ordinary or «с отличием» (the
 *  title; the appendix is one for both), or null when none applies. */
export function layoutFor(part: BlankPart, grade: number, yearName: string, honours = false, layouts: readonly BlankLayout[] = BLANK_LAYOUTS): BlankLayout | null {
  return layouts.find((l) => l.part === part && l.grade === grade && (part === 'appendix' || (l.honours ?? false) === honours)
    && yearName >= l.from && (l.to == null || yearName <= l.to)) ?? null;
}

/** The order of subjects on the appendix: the order of the federal curriculum (ФОП ООО/СОО), by a name's beginning;
 *  a subject not listed follows, alphabetically. */
export const SUBJECT_ORDER: readonly string[] = [
  'русский язык', 'литература', 'родной язык', 'родная литература', 'иностранный язык', 'английский язык', 'немецкий язык', 'французский язык',
  'второй иностранный язык', 'математика', 'алгебра', 'геометрия', 'вероятность и статистика', 'информатика', 'история', 'обществознание',
  'география', 'физика', 'химия', 'биология', 'основы духовно-нравственной культуры', 'изобразительное искусство', 'музыка', 'технология',
  'труд', 'основы безопасности', 'физическая культура', 'индивидуальный проект',
];

export function subjectRank(name: string): number {
  const k = subjectKey(name);
  const i = SUBJECT_ORDER.findIndex((s) => k === s || k.startsWith(`${s} `) || k.startsWith(`${s}(`));
  return i < 0 ? SUBJECT_ORDER.length : i;
}
