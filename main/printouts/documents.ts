// The certified printouts as PDFs, each with the verification code and its QR code on every page (shared/pdf.ts):
// справка об обучении (A4 portrait), pages of the алфавитная книга and the книга учёта выданных аттестатов (A4
// landscape, the header row repeated on every page).
import type { Content, CustomTableLayout, TableCell } from 'pdfmake/interfaces.js';
import { formatDate } from '../../preload/core/dates.ts';
import { renderPrintedPdf, type Certification } from '../shared/pdf.ts';
import { attestatKindName, formLabel } from './attestats.ts';
import type { AlphabetBookData, AttestatBookData, CertificateOfStudyData, SchoolHeader } from './data.ts';

const grid = (pad = 2): CustomTableLayout => ({
  hLineWidth: () => 0.5, vLineWidth: () => 0.5, hLineColor: () => '#000000', vLineColor: () => '#000000',
  paddingLeft: () => pad + 1, paddingRight: () => pad + 1, paddingTop: () => pad, paddingBottom: () => pad,
});
const th = (text: string, extra: Partial<Record<string, unknown>> = {}): TableCell => ({ text, bold: true, alignment: 'center', fontSize: 7.5, ...extra } as TableCell);

function schoolBlock(s: SchoolHeader, width = 797): Content {
  return {
    stack: [
      { text: s.fullName, bold: true, fontSize: 10.5, alignment: 'center' },
      { text: `ИНН ${s.inn}   КПП ${s.kpp}   ОГРН ${s.ogrn}`, fontSize: 7.5, alignment: 'center', margin: [0, 2, 0, 0] },
      { text: s.address, fontSize: 7.5, alignment: 'center', margin: [0, 0, 0, 4] },
      { canvas: [{ type: 'line', x1: 0, y1: 0, x2: width, y2: 0, lineWidth: 0.7 }], margin: [0, 0, 0, 8] },
    ],
  };
}

function signatures(director: string, extra: Array<[string, string]> = []): Content {
  const row = (role: string, name: string): TableCell[] => [
    { text: role, bold: true, margin: [0, 12, 0, 0] },
    { text: name, margin: [0, 12, 0, 0] },
    { stack: [{ text: '____________________', margin: [0, 12, 0, 0] }, { text: 'подпись', fontSize: 6, alignment: 'center', color: '#444444' }] },
  ];
  return {
    unbreakable: true,
    margin: [0, 14, 0, 0],
    stack: [
      { table: { widths: [130, 200, 120], body: [...extra.map(([r, n]) => row(r, n)), row('Директор', director)] }, layout: 'noBorders', fontSize: 9 },
      { columns: [{ text: 'М.П.', bold: true, width: 'auto', margin: [60, 12, 0, 0] }, { text: 'Дата выдачи «____» _______________ 20____ г.', margin: [60, 12, 0, 0] }], fontSize: 9 },
    ],
  };
}

const certificationOf = (code: string | null, sealedAt: string, version: number): Certification =>
  code ? { kind: 'sealed', code, version, sealedAt } : { kind: 'draft' };

// ---------- справка об обучении ----------

/** Rows of the last table kept on the page of the director's signature, so that the signature is never alone on a page. */
const ROWS_WITH_SIGNATURE = 2;

export async function renderCertificateOfStudy(d: CertificateOfStudyData, code: string | null, at: string, version = 1): Promise<Buffer> {
  const title = d.kind === 'period' ? 'о периоде обучения' : 'об обучении';
  const st = d.student;
  // the words agree with the student: «он обучался … получил», «она обучалась … получила»
  const she = st.sex === 'Ж';
  const hasMarks = (y: CertificateOfStudyData['years'][number]) =>
    y.subjects.some((s) => s.annual || s.exam || s.final || Object.values(s.periods).some(Boolean));
  const anyMarks = d.years.some(hasMarks);
  const content: Content[] = [
    schoolBlock(d.school, 515),
    { text: 'СПРАВКА', bold: true, fontSize: 14, alignment: 'center' },
    { text: title, bold: true, fontSize: 11, alignment: 'center', margin: [0, 0, 0, 10] },
    {
      fontSize: 9.5, lineHeight: 1.25,
      text: [
        'Выдана ', { text: st.fullName, bold: true }, `, ${formatDate(st.birthDate)} года рождения, в том, что ${she ? 'она' : 'он'} `,
        d.departedOn ? (she ? 'обучалась' : 'обучался') : 'обучается',
        ` в ${d.school.shortName}`,
        d.enrolledOn ? ` с ${formatDate(d.enrolledOn)}` : '',
        d.departedOn ? ` по ${formatDate(d.departedOn)}${d.departureReason ? ` (${d.departureReason})` : ''}` : '',
        st.bookNumber ? `; номер в алфавитной книге ${st.bookNumber}` : '',
        anyMarks ? `, и ${she ? 'получила' : 'получил'} следующие отметки:` : '.',
      ],
      margin: [0, 0, 0, 8],
    },
  ];
  if (!d.years.length) content.push({ text: 'Отметок в реестре нет: ученик не был зачислен ни в один класс.', italics: true, fontSize: 9 });
  // The end of the справка — the last rows of the last year, the note and the signatures — stays together.
  let tail: Content[] = [];
  d.years.forEach((y, i) => {
    const last = i === d.years.length - 1;
    const heading: Content = { text: `${y.year} учебный год, ${y.classes.length > 1 ? 'классы' : 'класс'} ${y.classes.join(', ')}`, bold: true, fontSize: 9.5, margin: [0, 6, 0, 3] };
    if (!hasMarks(y)) {
      // a year with no marks is a sentence, not a table of dashes
      const none: Content = { text: `Оценок за ${y.year} учебный год нет.`, fontSize: 9, margin: [0, 0, 0, 2] };
      if (last) tail = [heading, none];
      else content.push({ stack: [heading, none], unbreakable: true });
      return;
    }
    const widths: Array<number | string> = ['*', ...y.periods.map(() => 34), 34, ...(y.hasExams ? [34] : []), 34];
    const head: TableCell[] = [th('Учебный предмет', { alignment: 'left' }), ...y.periods.map((p) => th(p.label)), th('Годовая'),
      ...(y.hasExams ? [th('Экзамен')] : []), th('Итоговая')];
    const rows = y.subjects.map((s): TableCell[] => [
      { text: s.name },
      ...y.periods.map((p) => ({ text: s.periods[p.key] ?? '—', alignment: 'center' as const })),
      { text: s.annual ?? '—', alignment: 'center' },
      ...(y.hasExams ? [{ text: s.exam ?? '—', alignment: 'center' as const }] : []),
      { text: s.final ?? '—', alignment: 'center', bold: true },
    ]);
    const table = (body: TableCell[][], headerRows: number): Content => ({ table: { headerRows, dontBreakRows: true, widths, body }, layout: grid(), fontSize: 8.5 });
    if (!last) {
      content.push({ stack: [heading, table([head, ...rows], 1)] });
    } else if (rows.length <= ROWS_WITH_SIGNATURE + 1) {
      tail = [heading, table([head, ...rows], 1)];
    } else {
      // the table goes on in a second one, drawn right under it, that moves with the signatures when they would not fit
      content.push({ stack: [heading, table([head, ...rows.slice(0, -ROWS_WITH_SIGNATURE)], 1)] });
      tail = [table(rows.slice(-ROWS_WITH_SIGNATURE), 0)];
    }
  });
  content.push({
    unbreakable: true,
    stack: [
      ...tail,
      { text: 'Справка выдана в соответствии с частью 12 статьи 60 Федерального закона от 29.12.2012 № 273-ФЗ «Об образовании в Российской Федерации».',
        fontSize: 8, italics: true, margin: [0, 10, 0, 0] },
      signatures(d.school.director),
    ],
  });
  return renderPrintedPdf({
    title: `Справка ${title}: ${st.fullName}`,
    author: d.school.shortName,
    subject: `${d.school.fullName}: справка ${title}`,
    orientation: 'portrait',
    runningHead: `${d.school.shortName} · Справка ${title} · ${st.fullName}`,
    pageMargins: [40, 36, 40, 60],
    certification: certificationOf(code, at, version),
    content,
  });
}

// ---------- алфавитная книга ----------

/** An entry's earlier states under its reason of leaving, struck through as a paper book corrects — never erased. */
function correctedLines(list: AlphabetBookData['entries'][number]['corrected']): Array<{ text: string; decoration?: 'lineThrough'; fontSize?: number }> {
  return (list ?? []).flatMap((c) => [
    { text: '\n' },
    { text: c.departedOn ? `выбытие ${formatDate(c.departedOn)}${[c.departureReason, c.whereTo].filter(Boolean).length ? `: ${[c.departureReason, c.whereTo].filter(Boolean).join('; ')}` : ''}`
      : `зачисление ${formatDate(c.enteredOn)}`, decoration: 'lineThrough' as const, fontSize: 7 },
    { text: ` (прежняя запись, исправлена ${formatDate(c.replacedOn)})`, fontSize: 7 },
  ]);
}

export async function renderAlphabetBook(d: AlphabetBookData, code: string | null, at: string, version = 1): Promise<Buffer> {
  // the orders of enrolment and leaving under the dates (a printout made before the book had them is re-rendered as it was)
  const orders = d.entries.some((e) => e.enrolmentOrder !== undefined);
  const withOrder = (date: string | null, order: string | null | undefined): TableCell =>
    ({ text: orders && order ? `${formatDate(date)}\nприказ ${order}` : formatDate(date), alignment: 'center' });
  const head: TableCell[] = [th('№'), th('Номер личного дела'), th('Фамилия, имя, отчество'), th('Дата рождения'),
    th(orders ? 'Дата зачисления, № и дата приказа' : 'Дата зачисления'), th('Класс при зачислении'),
    th(orders ? 'Дата выбытия, № и дата приказа' : 'Дата выбытия'), th('Причина выбытия'), th('Куда выбыл(а)')];
  const body: TableCell[][] = [head, ...d.entries.map((e): TableCell[] => [
    { text: String(e.number), alignment: 'right' }, { text: e.fileNumber, alignment: 'center' }, { text: e.fullName },
    { text: formatDate(e.birthDate), alignment: 'center' }, withOrder(e.enteredOn, e.enrolmentOrder),
    { text: e.enrolledClass ?? '', alignment: 'center' }, withOrder(e.departedOn, e.departureOrder),
    { text: [{ text: e.departureReason ?? '' }, ...correctedLines(e.corrected)] }, { text: e.whereTo ?? '' },
  ])];
  return renderPrintedPdf({
    title: `Алфавитная книга, буква ${d.letter}`,
    author: d.school.shortName,
    subject: `${d.school.fullName}: алфавитная книга записи обучающихся, буква ${d.letter}`,
    orientation: 'landscape',
    runningHead: `${d.school.shortName} · Алфавитная книга записи обучающихся · буква «${d.letter}»`,
    certification: certificationOf(code, at, version),
    content: [
      schoolBlock(d.school),
      { text: 'АЛФАВИТНАЯ КНИГА ЗАПИСИ ОБУЧАЮЩИХСЯ', bold: true, fontSize: 12, alignment: 'center' },
      { text: `Буква «${d.letter}» · записей: ${d.entries.length}`, fontSize: 9, alignment: 'center', margin: [0, 2, 0, 8] },
      { table: { headerRows: 1, dontBreakRows: true, widths: orders ? [22, 44, '*', 52, 78, 44, 78, 110, 100] : [22, 44, '*', 52, 52, 48, 52, 130, 120], body },
        layout: grid(), fontSize: 8 },
      signatures(d.school.director),
    ],
  });
}

// ---------- книга учёта выданных аттестатов ----------

export async function renderAttestatBook(d: AttestatBookData, code: string | null, at: string, version = 1): Promise<Buffer> {
  const head: TableCell[] = [th('Рег. №'), th('Фамилия, имя, отчество'), th('Дата рождения'), th('Вид документа'), th('Серия и номер бланка'),
    th('Дата выдачи'), th('Получатель'), th('Подпись получателя')];
  const body: TableCell[][] = [head, ...d.attestats.map((a): TableCell[] => [
    { text: String(a.regNumber), alignment: 'center' }, { text: a.fullName }, { text: formatDate(a.birthDate), alignment: 'center' },
    { text: attestatKindName(a.kind, a.withHonours), fontSize: 7.5 },
    { text: formLabel(a.series, a.number), alignment: 'center' }, { text: formatDate(a.issueDate), alignment: 'center' },
    { text: a.recipient }, { text: '' },
  ])];
  if (!d.attestats.length) body.push([{ text: 'В этом учебном году аттестаты не выдавались', colSpan: 8, italics: true, alignment: 'center' }, '', '', '', '', '', '', '']);
  // each kind in words, «с отличием» a form of its own (migration 0022)
  const forms: TableCell[][] = [[th('Бланк'), th('Серия'), th('Получено'), th('Выдано'), th('Испорчено'), th('Остаток')],
    ...d.forms.map((f): TableCell[] => [{ text: `${attestatKindName(f.kind, f.honours === true)} (${f.kind} класс)`, fontSize: 7.5 }, { text: f.series, alignment: 'center' },
      ...[f.received, f.issued, f.spoiled, f.left].map((n) => ({ text: String(n), alignment: 'center' as const }))])];
  const content: Content[] = [
    schoolBlock(d.school),
    { text: 'КНИГА УЧЁТА И ЗАПИСИ ВЫДАННЫХ АТТЕСТАТОВ', bold: true, fontSize: 12, alignment: 'center' },
    { text: `${d.year} учебный год · выдано: ${d.attestats.length}`, fontSize: 9, alignment: 'center', margin: [0, 2, 0, 8] },
    // rows tall enough for the recipient's signature
    { table: { headerRows: 1, dontBreakRows: true, widths: [30, '*', 52, 130, 80, 52, 130, 80], heights: (row: number) => (row === 0 ? 0 : 26), body },
      layout: grid(3), fontSize: 8.5 },
    { text: 'Учёт бланков строгой отчётности', bold: true, fontSize: 9.5, margin: [0, 12, 0, 3] },
    d.forms.length
      ? { table: { headerRows: 1, widths: [250, 60, 55, 55, 60, 55], body: forms }, layout: grid(), fontSize: 8.5 }
      : { text: 'Бланки не поступали', italics: true, fontSize: 8.5 },
  ];
  if (d.spoiled.length) {
    content.push({ text: 'Испорченные бланки', bold: true, fontSize: 9.5, margin: [0, 10, 0, 3] });
    content.push({
      table: { headerRows: 1, widths: [100, 60, '*'], body: [[th('Бланк'), th('Дата'), th('Причина')],
        ...d.spoiled.map((s): TableCell[] => [{ text: formLabel(s.series, s.number) }, { text: formatDate(s.date), alignment: 'center' },
          { text: s.replacedBy ? `${s.reason}; ${s.replacedBy.fullName} — взамен напечатан бланк ${formLabel(s.replacedBy.series, s.replacedBy.number)}` : s.reason }])] },
      layout: grid(), fontSize: 8.5,
    });
  }
  content.push(signatures(d.school.director, [['Ответственный за выдачу', '']]));
  return renderPrintedPdf({
    title: `Книга учёта выданных аттестатов, ${d.year}`,
    author: d.school.shortName,
    subject: `${d.school.fullName}: книга учёта и записи выданных аттестатов, ${d.year}`,
    orientation: 'landscape',
    runningHead: `${d.school.shortName} · Книга учёта выданных аттестатов · ${d.year}`,
    certification: certificationOf(code, at, version),
    content,
  });
}
