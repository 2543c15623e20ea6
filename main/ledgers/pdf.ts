// The yearly summary grade ledger printed: A4 landscape, Roboto embedded, subject groups that fit the sheet's width
// (a subject never splits), the header rows repeated on every page, per-subject statistics, class totals and the
// signature block. Every page carries the verification code and its QR code (shared/pdf.ts).
import type { Content, ContentTable, CustomTableLayout, TableCell } from 'pdfmake/interfaces.js';
import { formatDate } from '../../preload/core/dates.ts';
import { renderPrintedPdf, type Certification } from '../shared/pdf.ts';
import type { LedgerData, LedgerStamp, LedgerStudent, LedgerSubject } from './model.ts';

export { extractCodeFromPdf } from '../shared/pdf.ts';

const PAGE_W = 841.89;
const MARGINS: [number, number, number, number] = [22, 34, 22, 52];
const PAD = 1.5;          // cell padding, each side
const LINE = 0.5;
const MARK_W = 12;        // a mark's column: «н/а», «осв» at 7 pt
const N_W = 12;
const BOOK_W = 26;
const NAME_MIN = 118;
const MISSED_W = 20;
const LABEL_H = 40;       // height of the vertical column labels

const colOuter = (w: number) => w + 2 * PAD + LINE;

/** The columns of one subject: its periods, the annual mark, the exam when it has one, the final mark. */
function subjectColumns(data: LedgerData, s: LedgerSubject): Array<{ label: string; pick: (m: LedgerData['students'][number]['marks'][string]) => string | null }> {
  return [
    ...data.periods.map((p) => ({ label: p.label, pick: (m: LedgerData['students'][number]['marks'][string]) => m.periods[p.key] ?? null })),
    { label: 'год.', pick: (m) => m.annual },
    ...(s.hasExam ? [{ label: 'экз.', pick: (m: LedgerData['students'][number]['marks'][string]) => m.exam }] : []),
    { label: 'итог.', pick: (m) => m.final },
  ];
}

/** Splits the subjects into groups that fit one sheet's width next to №, book number and ФИО. With 4 quarters
 * that is about 7 subjects a sheet. */
export function subjectGroups(data: LedgerData): LedgerSubject[][] {
  const usable = PAGE_W - MARGINS[0] - MARGINS[2] - colOuter(N_W) - colOuter(BOOK_W) - colOuter(NAME_MIN) - 2;
  const groups: LedgerSubject[][] = [];
  let current: LedgerSubject[] = [];
  let used = 0;
  for (const s of data.subjects) {
    const w = subjectColumns(data, s).length * colOuter(MARK_W);
    if (current.length && used + w > usable) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(s);
    used += w;
  }
  if (current.length || !groups.length) groups.push(current);
  return groups;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Column labels written bottom-to-top, one per column of a run of equal columns: pdfmake cannot rotate text, an
 * SVG node can. One SVG for a whole run (a subject's columns) rather than one per column: each node is parsed and
 * laid out on every page it is repeated on. */
function verticalLabels(labels: string[], colWidth: number, height = LABEL_H, fontSize = 6.5): TableCell {
  const step = colOuter(colWidth);
  const width = labels.length * step - 2 * PAD - LINE;
  const texts = labels.map((t, k) => `<text x="0" y="0" transform="translate(${(k * step + colWidth / 2 + fontSize * 0.35).toFixed(2)} ${height - 1}) rotate(-90)">${esc(t)}</text>`);
  // the column rules inside the run, which a spanned cell does not draw (the row has no vertical padding)
  const rules = labels.slice(1).map((_, k) => {
    const x = ((k + 1) * step - PAD - LINE / 2).toFixed(2);
    return `<line x1="${x}" y1="0" x2="${x}" y2="${height}"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<g stroke="#000000" stroke-width="${LINE}">${rules.join('')}</g>`
    + `<g font-family="Roboto" font-size="${fontSize}">${texts.join('')}</g></svg>`;
  return { svg, width, height, colSpan: labels.length } as TableCell;
}

const thinGrid: CustomTableLayout = {
  hLineWidth: () => LINE,
  vLineWidth: () => LINE,
  hLineColor: () => '#000000',
  vLineColor: () => '#000000',
  paddingLeft: () => PAD,
  paddingRight: () => PAD,
  // the second header row holds the vertical labels, drawn with their column rules edge to edge
  paddingTop: (i) => (i === 1 ? 0 : PAD),
  paddingBottom: (i) => (i === 1 ? 0 : PAD),
};

const markText = (m: string | null): string => m ?? '';

function studentName(st: LedgerStudent): TableCell {
  if (!st.left) return { text: st.fullName };
  const how = st.left.kind === 'transfer' ? 'переведён(а)' : 'выбыл(а)';
  return { text: [{ text: st.fullName }, { text: `\n${how} ${formatDate(st.left.date)}`, italics: true, fontSize: 6, color: '#555555' }] };
}

function groupTable(data: LedgerData, subjects: LedgerSubject[], withMissed: boolean): ContentTable {
  const widths: Array<number | string> = [N_W, BOOK_W, '*'];
  const head1: TableCell[] = [
    { text: '№ п/п', rowSpan: 2, alignment: 'center', margin: [0, 14, 0, 0] },
    { text: '№ в алф. книге', rowSpan: 2, alignment: 'center', fontSize: 6, margin: [0, 10, 0, 0] },
    { text: 'Фамилия, имя, отчество обучающегося', rowSpan: 2, alignment: 'center', bold: true, margin: [0, 14, 0, 0] },
  ];
  const head2: TableCell[] = [{ text: '' }, { text: '' }, { text: '' }];
  const perSubject = subjects.map((s) => subjectColumns(data, s));
  subjects.forEach((s, i) => {
    const cols = perSubject[i];
    const span = cols.length * colOuter(MARK_W) - 2 * PAD - LINE;
    head1.push({ text: span > 60 ? s.name : s.shortName, colSpan: cols.length, alignment: 'center', bold: true, fontSize: 7 });
    for (let k = 1; k < cols.length; k++) head1.push({ text: '' });
    head2.push(verticalLabels(cols.map((c) => c.label), MARK_W));
    for (const _ of cols) widths.push(MARK_W);
    for (let k = 1; k < cols.length; k++) head2.push({ text: '' });
  });
  if (withMissed) {
    head1.push({ text: 'Пропущено уроков', colSpan: 2, alignment: 'center', fontSize: 6.5 }, { text: '' });
    head2.push(verticalLabels(['всего', 'по уваж. прич.'], MISSED_W), { text: '' });
    widths.push(MISSED_W, MISSED_W);
  }
  const body: TableCell[][] = [head1, head2];
  for (const st of data.students) {
    const row: TableCell[] = [
      { text: String(st.n), alignment: 'right' },
      { text: st.bookNumber ?? '', alignment: 'center', fontSize: 6.5 },
      studentName(st),
    ];
    subjects.forEach((s, i) => {
      const marks = st.marks[s.name];
      for (const c of perSubject[i]) {
        const v = marks ? markText(c.pick(marks)) : '';
        const isFinal = c.label === 'итог.';
        row.push({ text: v, alignment: 'center', bold: isFinal, fontSize: v.length > 1 ? 6 : 7.5, fillColor: isFinal ? '#eeeeee' : undefined });
      }
    });
    if (withMissed) {
      row.push({ text: String(st.missed.total), alignment: 'center' }, { text: String(st.missed.excused), alignment: 'center' });
    }
    if (st.left) for (const c of row) c && typeof c === 'object' && !Array.isArray(c) && Object.assign(c, { color: '#555555' });
    body.push(row);
  }
  return { table: { headerRows: 2, dontBreakRows: true, widths, body }, layout: thinGrid, fontSize: 7 };
}

const pct = (v: number | null) => (v == null ? '—' : v.toFixed(1).replace('.', ','));

/** Splits a subject's name into at most `lines` lines of about `chars` characters, at spaces. */
function wrapWords(text: string, chars: number, lines: number): string[] {
  const out: string[] = [];
  for (const w of text.split(' ')) {
    const last = out.length - 1;
    if (last >= 0 && (out[last] + ' ' + w).length <= chars) out[last] += ' ' + w;
    else if (out.length < lines) out.push(w);
    else out[last] += ' ' + w;
  }
  return out;
}

const SUBJECT_H = 96;     // height of the vertical subject names of the summary

/** The vertical subject names over the summary's columns, each wrapped onto up to two lines. */
function verticalSubjects(names: string[], colWidth: number, fontSize = 6.5): TableCell {
  const step = colOuter(colWidth);
  const width = names.length * step - 2 * PAD - LINE;
  const perLine = Math.floor((SUBJECT_H - 6) / (fontSize * 0.56));
  const texts = names.flatMap((name, k) => {
    const lines = wrapWords(name, perLine, 2);
    return lines.map((line, j) => {
      const x = k * step + colWidth / 2 + fontSize * 0.35 + (j - (lines.length - 1) / 2) * (fontSize + 0.5);
      return `<text x="0" y="0" transform="translate(${x.toFixed(2)} ${SUBJECT_H - 2}) rotate(-90)">${esc(line)}</text>`;
    });
  });
  const rules = names.slice(1).map((_, k) => {
    const x = ((k + 1) * step - PAD - LINE / 2).toFixed(2);
    return `<line x1="${x}" y1="0" x2="${x}" y2="${SUBJECT_H}"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${SUBJECT_H}" viewBox="0 0 ${width} ${SUBJECT_H}">`
    + `<g stroke="#000000" stroke-width="${LINE}">${rules.join('')}</g>`
    + `<g font-family="Roboto" font-size="${fontSize}">${texts.join('')}</g></svg>`;
  return { svg, width, height: SUBJECT_H, colSpan: names.length } as TableCell;
}

/** The summary: every subject's final mark (the annual where no final is given) in one column each, under its
 * name written vertically — 20 subjects fit one sheet — and the per-subject statistics as the table's footer. */
function summaryTable(data: LedgerData): ContentTable {
  const n = Math.max(1, data.subjects.length);
  const fixed = colOuter(N_W) + colOuter(BOOK_W) + colOuter(170) + 2 * colOuter(MISSED_W) + 2;
  const markW = Math.max(11, Math.min(22, (PAGE_W - MARGINS[0] - MARGINS[2] - fixed) / n - 2 * PAD - LINE));
  const widths: Array<number | string> = [N_W, BOOK_W, '*', ...data.subjects.map(() => markW), MISSED_W, MISSED_W];
  const head: TableCell[] = [
    { text: '№ п/п', alignment: 'center', margin: [0, 40, 0, 0] },
    { text: '№ в алф. книге', alignment: 'center', fontSize: 6, margin: [0, 36, 0, 0] },
    { text: 'Фамилия, имя, отчество обучающегося', alignment: 'center', bold: true, margin: [0, 40, 0, 0] },
  ];
  if (data.subjects.length) {
    head.push(verticalSubjects(data.subjects.map((s) => s.name), markW));
    for (let k = 1; k < data.subjects.length; k++) head.push({ text: '' });
  }
  head.push(verticalLabels(['пропущено уроков', 'из них по уваж. прич.'], MISSED_W, SUBJECT_H), { text: '' });
  const body: TableCell[][] = [head];
  for (const st of data.students) {
    const row: TableCell[] = [
      { text: String(st.n), alignment: 'right' },
      { text: st.bookNumber ?? '', alignment: 'center', fontSize: 6.5 },
      studentName(st),
      ...data.subjects.map((s): TableCell => {
        const m = st.marks[s.name];
        const v = m ? (m.final ?? m.annual ?? '') : '';
        return { text: v, alignment: 'center', bold: true, fontSize: v.length > 1 ? 6 : 7.5, italics: !!m && m.final == null && m.annual != null };
      }),
      { text: String(st.missed.total), alignment: 'center' },
      { text: String(st.missed.excused), alignment: 'center' },
    ];
    if (st.left) for (const c of row) c && typeof c === 'object' && !Array.isArray(c) && Object.assign(c, { color: '#555555' });
    body.push(row);
  }
  const footer = (label: string, value: (s: LedgerData['stats'][string] | undefined) => string): TableCell[] => [
    { text: label, colSpan: 3, alignment: 'right', bold: true, fillColor: '#f2f2f2' }, { text: '' }, { text: '' },
    ...data.subjects.map((s): TableCell => ({ text: value(data.stats[s.name]), alignment: 'center', fontSize: 6.5, fillColor: '#f2f2f2' })),
    { text: '', fillColor: '#f2f2f2' }, { text: '', fillColor: '#f2f2f2' },
  ];
  for (const k of ['5', '4', '3', '2', 'н/а'] as const) body.push(footer(k === 'н/а' ? 'не аттестовано (н/а)' : `«${k}»`, (st) => String(st?.counts[k] ?? 0)));
  body.push(footer('Успеваемость, %', (st) => pct(st?.progress ?? null)));
  body.push(footer('Качество, %', (st) => pct(st?.quality ?? null)));
  return { table: { headerRows: 1, dontBreakRows: true, widths, body }, layout: { ...thinGrid, paddingTop: (i) => (i === 0 ? 0 : PAD), paddingBottom: (i) => (i === 0 ? 0 : PAD) }, fontSize: 7 };
}

function signatureBlock(data: LedgerData): Content {
  const line = (role: string, name: string | null): TableCell[] => [
    { text: role, bold: true, margin: [0, 10, 0, 0] },
    { text: name ?? '', margin: [0, 10, 0, 0] },
    { stack: [{ text: '______________________', margin: [0, 10, 0, 0] }, { text: 'подпись', fontSize: 6, alignment: 'center', color: '#444444' }] },
    { stack: [{ text: '«____» _____________ 20____ г.', margin: [0, 10, 0, 0] }, { text: 'дата', fontSize: 6, alignment: 'center', color: '#444444' }] },
  ];
  return {
    unbreakable: true,
    margin: [0, 14, 0, 0],
    stack: [
      {
        table: { widths: [120, 180, 130, 150], body: [line('Классный руководитель', data.homeroomTeacher), line('Директор', data.school.director)] },
        layout: 'noBorders',
        fontSize: 9,
      },
      { text: 'М.П.', bold: true, fontSize: 10, margin: [370, 12, 0, 0] },
    ],
  };
}

function titleBlock(data: LedgerData): Content {
  const s = data.school;
  return {
    stack: [
      { text: s.fullName, bold: true, fontSize: 11, alignment: 'center' },
      { text: `ИНН ${s.inn}   КПП ${s.kpp}   ОГРН ${s.ogrn}   ·   ${s.address}`, fontSize: 7.5, alignment: 'center', margin: [0, 2, 0, 6] },
      { text: 'СВОДНАЯ ВЕДОМОСТЬ УЧЁТА УСПЕВАЕМОСТИ ОБУЧАЮЩИХСЯ', bold: true, fontSize: 12, alignment: 'center' },
      {
        text: [
          'Класс ', { text: data.class.name, bold: true },
          '   ·   ', { text: `${data.year} учебный год`, bold: true },
          '   ·   Классный руководитель: ', { text: data.homeroomTeacher ?? '—', bold: true },
        ],
        fontSize: 9, alignment: 'center', margin: [0, 3, 0, 8],
      },
    ],
  };
}

/** The document's content, without the certification (the footer and metadata come from shared/pdf.ts). */
export function ledgerContent(data: LedgerData): Content[] {
  const groups = subjectGroups(data);
  const t = data.totals;
  const content: Content[] = [
    titleBlock(data),
    { text: 'Итоговые отметки и пропуски уроков за год; внизу — итоги по каждому предмету', bold: true, fontSize: 8, margin: [0, 0, 0, 3] },
    summaryTable(data),
    {
      unbreakable: true,
      margin: [0, 8, 0, 0],
      stack: [
        { text: 'Итоги по классу', bold: true, fontSize: 9, margin: [0, 0, 0, 2] },
        {
          fontSize: 9,
          ul: [
            `обучающихся на конец года: ${t.students}`,
            `успевают на «5»: ${t.allFive}`,
            `успевают на «4» и «5»: ${t.fourAndFive}`,
            `имеют «2» или н/а: ${t.withTwoOrNa}`,
          ],
        },
      ],
    },
  ];
  groups.forEach((g, i) => {
    const caption = `Отметки за учебные периоды${groups.length > 1 ? `, часть ${i + 1} из ${groups.length}` : ''}: ${g.map((s) => s.name).join(', ')}`;
    content.push({ text: caption, bold: true, fontSize: 8, margin: [0, 0, 0, 3], pageBreak: 'before' });
    content.push(groupTable(data, g, false));
  });
  content.push(signatureBlock(data));
  return content;
}

export function ledgerCertification(stamp: LedgerStamp | null): Certification {
  return stamp ? { kind: 'sealed', code: stamp.code, version: stamp.version, sealedAt: stamp.sealedAt, signer: stamp.signer } : { kind: 'draft' };
}

/** The ledger as a PDF. stamp null: an unsealed draft, marked «Черновик — не заверено» on every page. */
export async function renderLedgerPdf(data: LedgerData, stamp: LedgerStamp | null): Promise<Buffer> {
  return renderPrintedPdf({
    title: `Сводная ведомость успеваемости, ${data.class.name}, ${data.year}`,
    author: data.school.shortName,
    subject: `${data.school.fullName}: сводная ведомость ${data.class.name} ${data.year}`,
    orientation: 'landscape',
    runningHead: `${data.school.shortName} · Сводная ведомость успеваемости · ${data.class.name} · ${data.year}`,
    pageMargins: MARGINS,
    certification: ledgerCertification(stamp),
    content: ledgerContent(data),
  });
}
