// A graduate's blank forms as pages of placed text: each field of the layout (layouts.ts) with what is printed in it.
// The same pages are drawn into the PDF (blank-pdf.ts) and, as outlines with their text, on the preview of the blank
// in «Аттестаты»: what the clerk sees is what the printer gets, before the printer's own calibration.
import { formatDate, formatDateInWords } from '../../preload/core/dates.ts';
import { markInWords, type Mark } from '../../preload/core/marks.ts';
import { AppError } from '../shared/errors.ts';
import type { PlacedPage } from '../shared/pdf.ts';
import { formLabel } from '../printouts/attestats.ts';
import { BLANK_LAYOUTS, type BlankLayout, type BlankPart } from './layouts.ts';
import type { BlankData } from './blank-data.ts';

export type { BlankData } from './blank-data.ts';

export type BlankItem = { field: string; label: string; x: number; y: number; width: number; fontSize: number; align: 'left' | 'center'; text: string };
export type BlankPage = { layoutId: string; part: BlankPart; title: string; width: number; height: number; items: BlankItem[];
  /** the verification code as a QR code, where the layout has room for it (the appendix) and the code is known */
  qr?: { x: number; y: number; size: number; text: string };
  /** every field's box, filled or not, for the preview's drawing of the blank */
  outline: Array<{ field: string; label: string; x: number; y: number; width: number; height: number }> };


/** A long text broken into at most `max` lines of about `chars` characters, at spaces. */
function wrap(text: string, chars: number, max: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (last != null && (last + ' ' + w).length <= chars) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  if (lines.length > max) lines.splice(max - 1, lines.length, lines.slice(max - 1).join(' '));
  return lines;
}

// Roboto's advance for Russian text is about 0.55 em; 0.6 leaves room, so a line is broken here, never by the PDF's own wrapping
const mmPerChar = (fontSize: number) => fontSize * 0.353 * 0.6;

function layoutById(id: string): BlankLayout {
  const l = BLANK_LAYOUTS.find((x) => x.id === id);
  if (!l) throw new AppError('internal', `Нет раскладки бланка «${id}» (main/attestats/layouts.ts)`);
  return l;
}

function place(l: BlankLayout, values: Record<string, string>): BlankPage {
  const items: BlankItem[] = [];
  const outline: BlankPage['outline'] = [];
  for (const f of l.fields) {
    const lineMm = f.lines?.step ?? f.fontSize * 0.353 * 1.2;
    outline.push({ field: f.id, label: f.label, x: f.x, y: f.y, width: f.width, height: lineMm * (f.lines?.max ?? 1) });
    const v = values[f.id];
    if (!v) continue;
    const lines = f.lines ? wrap(v, Math.floor(f.width / mmPerChar(f.fontSize)), f.lines.max) : [v];
    lines.forEach((text, i) => items.push({ field: f.id, label: f.label, x: f.x, y: f.y + i * (f.lines?.step ?? 0), width: f.width,
      fontSize: f.fontSize, align: f.align, text }));
  }
  return { layoutId: l.id, part: l.part, title: l.title, width: l.page.width, height: l.page.height, items, outline };
}

/** A blank's page as the PDF places it: its texts and its QR code. */
export const placedOf = (p: BlankPage): PlacedPage => ({ width: p.width, height: p.height, texts: p.items, ...(p.qr ? { qrs: [p.qr] } : {}) });

/** The attestat's title page and the appendix of one graduate; `code` is the appendix's verification code (null on a
 *  preview before it is registered). A curriculum longer than the appendix's rows is refused, naming the count. */
export function blankPages(d: BlankData, code: string | null): BlankPage[] {
  const common = {
    // a preview before a blank is taken leaves the blank's own fields empty
    regNumber: d.attestat.regNumber ? String(d.attestat.regNumber) : '',
    issueDate: d.attestat.issueDate ? formatDateInWords(d.attestat.issueDate) : '',
    lastName: d.student.lastName,
    firstMiddle: d.student.firstMiddle,
    director: d.school.director,
  };
  const title = place(layoutById(d.layouts.attestat), { ...common, schoolName: d.school.fullName, schoolNameRight: d.school.fullName,
    graduationYear: `в ${d.year.slice(5)} году` });
  const al = layoutById(d.layouts.appendix);
  const app = place(al, { ...common, schoolName: d.school.fullName, attestatNumber: d.attestat.number ? formLabel(d.attestat.series, d.attestat.number) : '',
    birthDate: formatDate(d.student.birthDate), code: code ? `Код проверки: ${code}` : '' });
  if (al.qr) {
    app.outline.push({ field: 'qr', label: 'QR-код проверки', x: al.qr.x, y: al.qr.y, width: al.qr.size, height: al.qr.size });
    if (code) app.qr = { ...al.qr, text: code };
  }
  const t = al.subjects!;
  const electives = d.electives ?? [];
  if (electives.length && !t.electives) throw new AppError('validation', `В раскладке «${al.id}» нет места для элективных курсов`);
  // the electives' section: its heading row, then a row per course
  const rows = d.finals.length + (electives.length ? 1 + electives.length : 0);
  if (rows > t.rows) {
    throw new AppError('validation', `${d.student.fullName}: ${d.finals.length} предметов` + (electives.length ? ` и ${electives.length} элективных курсов` : '') +
      `, а в приложении ${t.rows} строк — раскладка «${al.id}» их не вмещает`);
  }
  for (let i = 0; i < t.rows; i++) {
    const y = t.y + i * t.step;
    app.outline.push({ field: `subject${i + 1}`, label: `Предмет ${i + 1}`, x: t.nameX, y, width: t.nameWidth, height: t.step });
    app.outline.push({ field: `mark${i + 1}`, label: `Отметка ${i + 1}`, x: t.markX, y, width: t.markWidth, height: t.step });
    const f = d.finals[i];
    if (!f) continue;
    app.items.push({ field: `subject${i + 1}`, label: `Предмет ${i + 1}`, x: t.nameX, y, width: t.nameWidth, fontSize: t.fontSize, align: 'left', text: f.subject });
    app.items.push({ field: `mark${i + 1}`, label: `Отметка ${i + 1}`, x: t.markX, y, width: t.markWidth, fontSize: t.fontSize, align: 'center',
      text: markInWords(f.mark as Mark, d.student.sex) });
  }
  if (electives.length) {
    const e = t.electives!;
    const at = (row: number) => t.y + row * t.step;
    app.items.push({ field: 'electivesHeading', label: 'Элективные курсы', x: e.headingX, y: at(d.finals.length), width: t.markX + t.markWidth - e.headingX,
      fontSize: t.fontSize, align: 'left', text: e.heading });
    electives.forEach((name, i) => {
      const y = at(d.finals.length + 1 + i);
      app.items.push({ field: `elective${i + 1}`, label: `Элективный курс ${i + 1}`, x: t.nameX, y, width: t.nameWidth, fontSize: t.fontSize, align: 'left', text: name });
      app.items.push({ field: `electiveMark${i + 1}`, label: `Отметка элективного курса ${i + 1}`, x: t.markX, y, width: t.markWidth, fontSize: t.fontSize,
        align: 'center', text: e.mark });
    });
  }
  return [title, app];
}
