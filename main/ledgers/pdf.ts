// The yearly summary grade ledger printed: A4 landscape, Roboto embedded, subject groups that fit the sheet's width
// (a subject never splits), the header rows repeated on every page, per-subject statistics, class totals and the
// signature block. Every page carries the verification code and its QR code (shared/pdf.ts).
import type { Content, ContentTable, CustomTableLayout, TableCell } from 'pdfmake/interfaces.js';
import { formatRu } from '../shared/dates.ts';
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

/** Splits the subjects into groups that fit one sheet's width next to №, book number and ФИО (and, in the last
 * group, the missed lessons). With 4 quarters that is about 7 subjects a sheet. */
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
  // the missed-lessons columns go with the last group, or on a sheet of their own when they do not fit
  if (current.length && used + 2 * colOuter(MISSED_W) > usable) {
    groups.push(current);
    current = [];
  }
  groups.push(current);
  return groups;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A column label written bottom-to-top: pdfmake cannot rotate text, an SVG node can. */
function verticalLabel(text: string, width: number, height = LABEL_H, fontSize = 6.5): TableCell {
  const x = width / 2 + fontSize * 0.35;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<text x="0" y="0" transform="translate(${x} ${height - 1}) rotate(-90)" font-family="Roboto" font-size="${fontSize}">${esc(text)}</text></svg>`;
  return { svg, width, height, alignment: 'center' };
}

const thinGrid: CustomTableLayout = {
  hLineWidth: () => LINE,
  vLineWidth: () => LINE,
  hLineColor: () => '#000000',
  vLineColor: () => '#000000',
  paddingLeft: () => PAD,
  paddingRight: () => PAD,
  paddingTop: () => PAD,
  paddingBottom: () => PAD,
};

const markText = (m: string | null): string => m ?? '';

function studentName(st: LedgerStudent): TableCell {
  if (!st.left) return { text: st.fullName };
  const how = st.left.kind === 'transfer' ? 'переведён(а)' : 'выбыл(а)';
  return { text: [{ text: st.fullName }, { text: `\n${how} ${formatRu(st.left.date)}`, italics: true, fontSize: 6, color: '#555555' }] };
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
    for (const c of cols) {
      widths.push(MARK_W);
      head2.push(verticalLabel(c.label, MARK_W));
    }
  });
  if (withMissed) {
    head1.push({ text: 'Пропущено уроков', colSpan: 2, alignment: 'center', fontSize: 6.5 }, { text: '' });
    head2.push(verticalLabel('всего', MISSED_W), verticalLabel('по уваж. прич.', MISSED_W));
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

function statsTable(data: LedgerData): ContentTable {
  const body: TableCell[][] = [[
    { text: 'Предмет', bold: true },
    ...['«5»', '«4»', '«3»', '«2»', 'н/а'].map((t) => ({ text: t, bold: true, alignment: 'center' as const })),
    { text: 'Успеваемость, %', bold: true, alignment: 'center' },
    { text: 'Качество, %', bold: true, alignment: 'center' },
  ]];
  for (const s of data.subjects) {
    const st = data.stats[s.name];
    const c = st?.counts ?? { '5': 0, '4': 0, '3': 0, '2': 0, 'н/а': 0 };
    body.push([
      { text: s.name },
      ...(['5', '4', '3', '2', 'н/а'] as const).map((k) => ({ text: String(c[k]), alignment: 'center' as const })),
      { text: pct(st?.progress ?? null), alignment: 'center' },
      { text: pct(st?.quality ?? null), alignment: 'center' },
    ]);
  }
  return {
    table: { headerRows: 1, dontBreakRows: true, widths: [190, 30, 30, 30, 30, 30, 78, 62], body },
    layout: { ...thinGrid, paddingTop: () => 2, paddingBottom: () => 2, paddingLeft: () => 3, paddingRight: () => 3 },
    fontSize: 8,
  };
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
  const content: Content[] = [titleBlock(data)];
  groups.forEach((g, i) => {
    const last = i === groups.length - 1;
    const caption = groups.length > 1
      ? `Часть ${i + 1} из ${groups.length}: ${g.length ? g.map((s) => s.name).join(', ') : 'пропущенные уроки'}`
      : null;
    if (caption) content.push({ text: caption, bold: true, fontSize: 8, margin: [0, 0, 0, 3], ...(i > 0 ? { pageBreak: 'before' as const } : {}) });
    content.push(groupTable(data, g, last));
  });
  content.push({ text: 'Итоги по предметам (по итоговым отметкам)', bold: true, fontSize: 9, margin: [0, 10, 0, 3], pageBreak: 'before' });
  content.push(statsTable(data));
  const t = data.totals;
  content.push({
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
