// Printing attestats on blank forms (issue 17): a class's batch (one blank per page: each graduate's title and appendix),
// a reprint of one graduate on a new blank when the old one is spoiled, the preview of a blank, and the printers'
// calibration with its test page.
//
// Printing takes blanks: a graduate without a print in force gets the next received blank of his kind — the class's
// grade and «с отличием» or not, as computed or decided (a form of its own since 2020, migration 0022) — the earliest
// delivery first, then series and number, a registration number reserved in the year of issue and the date
// of issue printed on it. A class's batch is a job: every graduate's pages and appendix are rendered first (progress,
// cancel), then all the blanks are taken in one transaction with the appendices' registration and the audit entry —
// all the class's blanks or none, cancelled or not (too few left is said before the job starts). Printing the class
// again prints the same blanks. The appendix of each print is a
// certified printout (its verification code on the blank, checked on «Проверка документа»). A reprint spoils the old
// blank with the clerk's reason (the книга учёта lists it) and takes the next, keeping the registration number.
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { formatDate, todayIso, nowIso } from '../../preload/core/dates.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { renderPlacedPdf, type PlacedPage } from '../shared/pdf.ts';
import { classInfo } from '../grades/grades.ts';
import { certifyPrintout, prepareAppendixPrintout, storeAppendixPrintout, type PreparedPrintout } from '../printouts/register.ts';
import type { Progress } from '../shared/jobs.ts';
import { attestatKindName, blankKindWords, blankName, formLabel, honoursWhy, nextRegNumber, spoilForm, wrongKindMessage, type AttestatKind } from '../printouts/attestats.ts';
import { schoolHeader } from '../printouts/school-header.ts';
import { blankDataOf, graduatesOf, printById, printInForce, type Graduates } from './blank-data.ts';
import { blankPages, placedOf, type BlankPage } from './blank-pages.ts';
import { BLANK_LAYOUTS, layoutFor } from './layouts.ts';

// ---------- calibration ----------
// A calibration is the workstation's (the computer that prints: the call's workplace, main/personal-data/read-log.ts
// workplaceOf) for a printer of that name there: two PCs with printers of the same name keep their own offsets.

export type Calibration = { workstation: string; printer: string; dxMm: number; dyMm: number; scale: number; updatedAt: string | null; updatedBy: string | null };
export const CALIBRATION_LIMITS = { offsetMm: 10, scaleMin: 0.95, scaleMax: 1.05 } as const;
const NONE = (workstation: string, printer: string): Calibration => ({ workstation, printer, dxMm: 0, dyMm: 0, scale: 1, updatedAt: null, updatedBy: null });

type CalRow = { workstation: string; printer: string; dx_mm: number; dy_mm: number; scale: number; updated_at: string; updated_by: string };
const toCal = (r: CalRow): Calibration => ({ workstation: r.workstation, printer: r.printer, dxMm: r.dx_mm, dyMm: r.dy_mm, scale: r.scale,
  updatedAt: r.updated_at, updatedBy: r.updated_by });

function printerName(p: string): string {
  const v = p.replace(/\s+/g, ' ').trim();
  if (!v) throw fieldError('printer', 'Укажите принтер (его имя в системе)');
  if (v.length > 200) throw fieldError('printer', 'Имя принтера длиннее 200 знаков');
  return v;
}

/** The calibration of a printer at a workstation; none stored: no offset, scale 1. */
export function calibrationOf(db: DB, workstation: string, printer: string | null | undefined): Calibration {
  if (printer == null || !printer.trim()) return NONE(workstation, '');
  const name = printerName(printer);
  const r = db.prepare('SELECT * FROM printer_calibrations WHERE workstation = ? AND printer = ?').get(workstation, name) as CalRow | undefined;
  return r ? toCal(r) : NONE(workstation, name);
}

/** The calibrations of the workstation's printers (another computer's are its own). */
export function listCalibrations(db: DB, workstation: string): Calibration[] {
  return (db.prepare('SELECT * FROM printer_calibrations WHERE workstation = ? ORDER BY printer').all(workstation) as CalRow[]).map(toCal);
}

/** Stores the offset of a printer at a workstation (mm, where the printer puts a point minus where it should be, taken
 *  off) and its scale. */
export function setCalibration(db: DB, workstation: string, a: { printer: string; dxMm: number; dyMm: number; scale: number }, by: string): Calibration {
  const printer = printerName(a.printer);
  const lim = CALIBRATION_LIMITS.offsetMm;
  for (const [field, v, what] of [['dxMm', a.dxMm, 'по горизонтали'], ['dyMm', a.dyMm, 'по вертикали']] as const) {
    if (!Number.isFinite(v) || Math.abs(v) > lim) {
      throw fieldError(field, `Смещение ${what} — от −${lim} до +${lim} мм, а не ${String(v).replace('.', ',')}: больший сдвиг — это неверно вставленный бланк, а не калибровка`);
    }
  }
  if (!Number.isFinite(a.scale) || a.scale < CALIBRATION_LIMITS.scaleMin || a.scale > CALIBRATION_LIMITS.scaleMax) {
    throw fieldError('scale', `Масштаб — от ${CALIBRATION_LIMITS.scaleMin} до ${CALIBRATION_LIMITS.scaleMax} (печать должна быть 100 %), а не ${a.scale}`);
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  db.prepare(`INSERT INTO printer_calibrations (workstation, printer, dx_mm, dy_mm, scale, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (workstation, printer) DO UPDATE SET dx_mm = excluded.dx_mm, dy_mm = excluded.dy_mm, scale = excluded.scale,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
    .run(workstation, printer, round(a.dxMm), round(a.dyMm), round(a.scale * 10000) / 10000, nowIso(), by);
  return calibrationOf(db, workstation, printer);
}

/** A page moved by the printer's calibration: every point scaled about the sheet's corner, then shifted. */
export function calibrate(p: PlacedPage, c: Pick<Calibration, 'dxMm' | 'dyMm' | 'scale'>): PlacedPage {
  const X = (x: number) => x * c.scale + c.dxMm;
  const Y = (y: number) => y * c.scale + c.dyMm;
  return {
    width: p.width, height: p.height,
    texts: p.texts.map((t) => ({ ...t, x: X(t.x), y: Y(t.y), width: t.width * c.scale })),
    lines: p.lines?.map((l) => ({ ...l, x1: X(l.x1), y1: Y(l.y1), x2: X(l.x2), y2: Y(l.y2) })),
    ...(p.qrs ? { qrs: p.qrs.map((q) => ({ ...q, x: X(q.x), y: Y(q.y), size: q.size * c.scale })) } : {}),
  };
}

/** Where the calibration page puts its crosses (mm from the sheet's top-left). */
export const CALIBRATION_CROSSES: ReadonlyArray<{ x: number; y: number }> = [
  { x: 30, y: 30 }, { x: 267, y: 30 }, { x: 148.5, y: 105 }, { x: 30, y: 180 }, { x: 267, y: 180 },
];

/** The calibration page, on plain paper of the blanks' size: crosses at known points (each labelled with its
 *  coordinates), rulers along the top and left edges in millimetres, and the fields of a layout outlined. */
export function calibrationPage(layoutId = 'appendix-11-2020'): PlacedPage {
  const l = BLANK_LAYOUTS.find((x) => x.id === layoutId) ?? BLANK_LAYOUTS[0];
  const lines: NonNullable<PlacedPage['lines']> = [];
  const texts: PlacedPage['texts'] = [];
  for (const c of CALIBRATION_CROSSES) {
    lines.push({ x1: c.x - 6, y1: c.y, x2: c.x + 6, y2: c.y, width: 0.3 }, { x1: c.x, y1: c.y - 6, x2: c.x, y2: c.y + 6, width: 0.3 });
    texts.push({ x: c.x + 2, y: c.y + 2, width: 30, fontSize: 7, align: 'left', text: `${c.x}; ${c.y}` });
  }
  // rulers: a tick each millimetre, longer each 5, longest and numbered each 10
  for (let x = 0; x <= l.page.width; x++) {
    lines.push({ x1: x, y1: 0, x2: x, y2: x % 10 === 0 ? 6 : x % 5 === 0 ? 4 : 2, width: 0.15 });
    if (x % 10 === 0 && x > 0 && x < l.page.width) texts.push({ x: x + 0.6, y: 4, width: 10, fontSize: 5, align: 'left', text: String(x) });
  }
  for (let y = 0; y <= l.page.height; y++) {
    lines.push({ x1: 0, y1: y, x2: y % 10 === 0 ? 6 : y % 5 === 0 ? 4 : 2, y2: y, width: 0.15 });
    if (y % 10 === 0 && y > 0 && y < l.page.height) texts.push({ x: 7, y: y - 1, width: 10, fontSize: 5, align: 'left', text: String(y) });
  }
  for (const f of l.fields) {
    const h = (f.lines?.step ?? f.fontSize * 0.353 * 1.2) * (f.lines?.max ?? 1);
    lines.push({ x1: f.x, y1: f.y, x2: f.x + f.width, y2: f.y, width: 0.1 }, { x1: f.x, y1: f.y + h, x2: f.x + f.width, y2: f.y + h, width: 0.1 },
      { x1: f.x, y1: f.y, x2: f.x, y2: f.y + h, width: 0.1 }, { x1: f.x + f.width, y1: f.y, x2: f.x + f.width, y2: f.y + h, width: 0.1 });
  }
  texts.push({ x: 40, y: 120, width: 220, fontSize: 8, align: 'left',
    text: `Калибровочный лист (${l.title}). Напечатайте на простой бумаге в масштабе 100 % и измерьте линейкой расстояние от края листа до центра каждого крестика. ` +
      'Смещение = измеренное − указанное у крестика (в мм; например, крестик «30; 30» оказался на 31,5; 29 — смещение +1,5 и −1): введите его с обратным знаком в калибровку принтера.' });
  return { width: l.page.width, height: l.page.height, texts, lines };
}

export async function calibrationPdf(db: DB, workstation: string, printer: string | null | undefined, layoutId?: string) {
  const cal = calibrationOf(db, workstation, printer);
  const page = calibrate(calibrationPage(layoutId), cal);
  const pdf = await renderPlacedPdf([page], { title: `Калибровка принтера${cal.printer ? ` «${cal.printer}»` : ''}`, author: 'School Register', code: null });
  return { fileName: `Калибровка${cal.printer ? ` — ${cal.printer.replace(/[\\/:*?"<>|]/g, '-')}` : ''}.pdf`, dataBase64: pdf.toString('base64'), calibration: cal };
}

// ---------- taking blanks ----------

type FreeForm = { id: number; series: string; number: number; received_on: string };
/** The next `n` received blanks of a kind (grade and «с отличием»), not printed on: the earliest delivery first. */
const freeForms = (db: DB, kind: number, honours: boolean, n: number) => db.prepare(`SELECT f.id, f.series, f.number, r.received_on FROM attestat_forms f
    JOIN attestat_form_receipts r ON r.id = f.receipt_id
  WHERE f.kind = ? AND f.honours = ? AND f.state = 'received' AND NOT EXISTS (SELECT 1 FROM attestat_prints p WHERE p.form_id = f.id)
  ORDER BY r.received_on, f.series, f.number LIMIT ?`).all(kind, honours ? 1 : 0, n) as FreeForm[];

const layoutIdOf = (grade: number, year: string, honours: boolean) =>
  `${layoutFor('attestat', grade, year, honours)?.id ?? '?'}+${layoutFor('appendix', grade, year)?.id ?? '?'}`;

/** «с отличием» in force for a graduate of the class: what the rules give or an administrator decided. */
const honoursOf = (g: Graduates, studentId: string) => {
  const s = g.ready.find((x) => x.studentId === studentId);
  if (!s) throw new AppError('validation', `Ученик не выпускник ${g.preview.className}, готовый к печати аттестата`, { studentId: 'не выпускник' });
  return { withHonours: s.honours.withHonours, decided: s.honours.override != null, fullName: s.fullName };
};

/**
 * The one place a blank is taken for a graduate: the form must be received and unprinted, of the class's grade and of
 * the kind the graduate is due — «с отличием» or not, as the rules give or an administrator decided. The schema checks
 * the grade and an administrator's decision (migrations 0016, 0022); what the rules give is computed, not stored, so it
 * is checked here. The print keeps the layout it is printed by.
 */
function takeBlank(db: DB, g: Graduates, a: { formId: number; studentId: string; regNumber: number; issueDate: string; replacesId: number | null; by: string }): number {
  const grade = g.preview.grade;
  const due = honoursOf(g, a.studentId);
  const f = db.prepare(`SELECT f.kind, f.honours, f.series, f.number, f.state, EXISTS (SELECT 1 FROM attestat_prints p WHERE p.form_id = f.id) AS printed
    FROM attestat_forms f WHERE f.id = ?`).get(a.formId) as { kind: number; honours: number; series: string; number: number; state: string; printed: number } | undefined;
  if (!f || f.state !== 'received' || f.printed) {
    throw new AppError('conflict', `Бланк${f ? ` ${formLabel(f.series, f.number)}` : ''} уже использован или напечатан: ни один бланк не взят, напечатайте ещё раз`);
  }
  if (f.kind !== grade || (f.honours === 1) !== due.withHonours) {
    throw new AppError('conflict', `${due.fullName}: бланк ${formLabel(f.series, f.number)} — ${blankName(f.kind as AttestatKind, f.honours === 1)}, ` +
      `а положен ${attestatKindName(grade as AttestatKind, due.withHonours)} (${honoursWhy(due.decided)}): бланк не взят`);
  }
  return Number(db.prepare(`INSERT INTO attestat_prints (form_id, student_id, class_id, reg_number, issue_date, layout, replaces_id, printed_at, printed_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(a.formId, a.studentId, g.preview.classId, a.regNumber, a.issueDate, layoutIdOf(grade, g.preview.year, due.withHonours),
    a.replacesId, nowIso(), a.by).lastInsertRowid);
}

export type PrintedBlank = { studentId: string; fullName: string; series: string; number: number; regNumber: number; issueDate: string; code: string;
  withHonours: boolean };

/** Each print's appendix registered (its code), and the pages of its title and appendix. */
async function printedPages(db: DB, g: Graduates, studentIds: string[], user: User) {
  const pages: BlankPage[] = [];
  const printed: PrintedBlank[] = [];
  for (const id of studentIds) {
    const p = printInForce(db, id, g.preview.grade)!;
    const cert = await certifyPrintout(db, { kind: 'attestat_appendix', print: p.id }, user);
    const data = blankDataOf(db, g, id, { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date }, p.honours === 1);
    pages.push(...blankPages(data, cert.code));
    printed.push({ studentId: id, fullName: data.student.fullName, series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date,
      code: cert.code, withHonours: data.withHonours });
  }
  return { pages, printed };
}

const safe = (s: string) => s.replace(/[\\/:*?"<>|]/g, '-');

/**
 * The class's attestats on blanks, as one PDF for the printer (calibrated), one graduate's or all who are ready: a
 * job. What is refused (nobody ready, too few blanks of a kind — each kind short said with its counts —, a graduate
 * printed on the other kind since his «с отличием» changed, a blank received after the date of issue) is said here, before
 * the job exists and before any blank is taken. The work renders every graduate's pages and appendix first (progress
 * per graduate; a cancel stops it with nothing written), then takes all the blanks, registers all the appendices and
 * audits in one transaction: all the class's blanks or none.
 */
export function startClassPrint(db: DB, a: { classId: number; studentId?: string; issueDate?: string; printer?: string }, user: User, workstation: string) {
  const g = graduatesOf(db, a.classId);
  const grade = g.preview.grade;
  const issued = (id: string) => printInForce(db, id, grade)?.state === 'issued';
  let ids = g.ready.map((s) => s.studentId).filter((id) => !issued(id));
  if (a.studentId) {
    if (!g.ready.some((s) => s.studentId === a.studentId)) {
      const why = g.notReady.find((s) => s.studentId === a.studentId);
      throw new AppError('validation', why ? `${why.fullName}: ${why.reason}` : `Ученик не выпускник ${g.preview.className}`, { studentId: why?.reason ?? 'не выпускник' });
    }
    if (issued(a.studentId)) throw new AppError('conflict', 'Аттестат этому выпускнику уже выдан: повторная печать — это дубликат', { studentId: 'аттестат выдан' });
    ids = [a.studentId];
  }
  if (!ids.length) {
    throw new AppError('validation', `В ${g.preview.className} нет выпускников, готовых к печати аттестата` +
      (g.notReady.length ? `: ${g.notReady.map((s) => `${s.fullName} — ${s.reason}`).join('; ')}` : ' (аттестаты уже выданы)'));
  }
  const issueDate = a.issueDate ?? todayIso();
  // a graduate printed on the other kind (the decision on «с отличием» changed since): his blank is spoiled and reprinted first
  const wrong = ids.flatMap((id) => {
    const old = printInForce(db, id, grade);
    const due = honoursOf(g, id);
    return old && (old.honours === 1) !== due.withHonours
      ? [wrongKindMessage(due.fullName, grade, { series: old.series, number: old.number, honours: old.honours === 1 }, due.withHonours, due.decided)] : [];
  });
  if (wrong.length) throw new AppError('conflict', `${wrong.join('. ')}. Ничего не напечатано, ни один бланк не взят`, { studentId: 'бланк не того вида' });
  const need = ids.filter((id) => !printInForce(db, id, grade));
  // the blanks each kind needs, and how many of it are left: all the kinds that are short are said before anything is taken
  const kinds = [false, true].map((honours) => ({ honours, ids: need.filter((id) => honoursOf(g, id).withHonours === honours) }))
    .filter((k) => k.ids.length).map((k) => ({ ...k, forms: freeForms(db, grade, k.honours, k.ids.length) }));
  const short = kinds.filter((k) => k.forms.length < k.ids.length);
  if (short.length) {
    const said = short.map((k) => `бланков ${blankKindWords(grade, k.honours)} не хватает: нужно ${k.ids.length}, есть ${k.forms.length}`).join('; ');
    throw new AppError('conflict', `${said[0].toUpperCase()}${said.slice(1)}. Оприходуйте новые бланки этого вида («Оприходовать бланки», ` +
      '«с отличием» — отдельным поступлением) и напечатайте снова: ни один бланк не взят');
  }
  const formOf = new Map(kinds.flatMap((k) => k.ids.map((id, i) => [id, k.forms[i]] as const)));
  const forms = [...formOf.values()];
  const late = forms.find((f) => f.received_on > issueDate);
  if (late) throw fieldError('issueDate', `Бланк ${formLabel(late.series, late.number)} получен ${formatDate(late.received_on)}: дата выдачи ${formatDate(issueDate)} раньше`);
  const cal = calibrationOf(db, workstation, a.printer);

  return async (p: Progress) => {
    // each graduate's blank: the print in force, or the blank and registration number this batch will take
    const firstReg = nextRegNumber(db, issueDate);
    const plan = new Map(need.map((id, i) => [id, { form: formOf.get(id)!, regNumber: firstReg + i }]));
    const pages: BlankPage[] = [];
    const printed: PrintedBlank[] = [];
    const toStore: Array<{ studentId: string; printId: number | null; prepared: PreparedPrintout | null }> = [];
    for (const [i, id] of ids.entries()) {
      p.throwIfCancelled();
      const old = printInForce(db, id, grade);
      const taken = plan.get(id);
      const blank = old ? { series: old.series, number: old.number, regNumber: old.reg_number, issueDate: old.issue_date }
        : { series: taken!.form.series, number: taken!.form.number, regNumber: taken!.regNumber, issueDate };
      const data = blankDataOf(db, g, id, blank, old ? old.honours === 1 : undefined);
      p.report(i, ids.length, `${data.student.fullName}: бланк ${formLabel(blank.series, blank.number)}`);
      const { code, prepared } = await prepareAppendixPrintout(db, old?.id ?? null, data);
      toStore.push({ studentId: id, printId: old?.id ?? null, prepared });
      pages.push(...blankPages(data, code));
      printed.push({ studentId: id, fullName: data.student.fullName, ...blank, code, withHonours: data.withHonours });
    }
    p.throwIfCancelled();
    p.report(ids.length, ids.length, 'Файл для принтера');
    const pdf = await renderPlacedPdf(pages.map((x) => calibrate(placedOf(x), cal)), {
      title: `Аттестаты ${g.preview.className}, ${g.preview.year}`, author: schoolHeader(db).fullName, code: printed.length === 1 ? printed[0].code : null });
    p.throwIfCancelled();
    // the one write: every blank taken and every appendix registered, or nothing
    db.transaction(() => {
      for (const x of toStore) {
        let printId = x.printId;
        if (printId == null) {
          const { form, regNumber } = plan.get(x.studentId)!;
          const honours = honoursOf(g, x.studentId).withHonours;
          if (printInForce(db, x.studentId, grade) || !freeForms(db, grade, honours, need.length).some((f) => f.id === form.id) || nextRegNumber(db, issueDate) !== regNumber) {
            throw new AppError('conflict', 'Бланки или регистрационные номера заняты другой печатью, пока готовился файл: напечатайте ещё раз (ни один бланк не взят)');
          }
          printId = takeBlank(db, g, { formId: form.id, studentId: x.studentId, regNumber, issueDate, replacesId: null, by: user.login });
        }
        if (x.prepared) storeAppendixPrintout(db, printId, x.prepared, user);
      }
      if (need.length) {
        appendAudit(db, user.login, 'attestats.printClass', { classId: g.preview.classId, className: g.preview.className, issueDate,
          taken: need.map((id) => ({ studentId: id, blank: formLabel(plan.get(id)!.form.series, plan.get(id)!.form.number), regNumber: plan.get(id)!.regNumber,
            withHonours: honoursOf(g, id).withHonours })) });
      }
    }).immediate();
    p.report(ids.length, ids.length, 'Готово');
    const who = printed.length === 1 ? printed[0].fullName : g.preview.className;
    return {
      fileName: `Аттестаты — ${safe(who)} — ${g.preview.year.replace('/', '-')}.pdf`, dataBase64: pdf.toString('base64'),
      printed, taken: need.length, calibration: cal,
      skipped: g.notReady.concat(g.ready.filter((s) => issued(s.studentId) && !ids.includes(s.studentId))
        .map((s) => ({ studentId: s.studentId, fullName: s.fullName, reason: 'аттестат уже выдан' }))),
    };
  };
}

/** A graduate's blank spoiled in printing: the old blank written off with the reason, the next one of the graduate's
 *  kind taken (same registration number and date), and printed. The kind is the one he is due now: after a changed
 *  decision on «с отличием» this is how a print on the other kind is replaced. */
export async function reprintBlank(db: DB, a: { classId: number; studentId: string; reason: string; date?: string; printer?: string }, user: User,
  workstation: string) {
  const reason = a.reason.trim();
  if (!reason) throw fieldError('reason', 'Укажите, почему бланк испорчен: без причины бланк не списывается');
  const c = classInfo(db, a.classId);
  const old = printInForce(db, a.studentId, c.parallel);
  if (!old || old.class_id !== a.classId) throw new AppError('validation', `Для этого ученика в ${c.name} бланк ещё не печатался: напечатайте аттестат`, { studentId: 'бланк не печатался' });
  if (old.state === 'issued') throw new AppError('conflict', `Аттестат на бланке ${formLabel(old.series, old.number)} уже выдан: повторная печать — это дубликат`);
  const g = graduatesOf(db, a.classId);
  blankDataOf(db, g, a.studentId, null); // still a graduate whose finals are applied
  const { withHonours } = honoursOf(g, a.studentId);
  const date = a.date ?? todayIso();
  const next = db.transaction(() => {
    const [f] = freeForms(db, c.parallel, withHonours, 1);
    if (!f) {
      throw new AppError('conflict', `Не осталось бланков ${blankKindWords(c.parallel, withHonours)}: оприходуйте новые — бланк ${formLabel(old.series, old.number)} не списан`);
    }
    const spoiled = spoilForm(db, { series: old.series, number: old.number, date, reason: `испорчен при печати: ${reason}` });
    const id = takeBlank(db, g, { formId: f.id, studentId: a.studentId, regNumber: old.reg_number, issueDate: old.issue_date, replacesId: old.id, by: user.login });
    appendAudit(db, user.login, 'attestats.reprint', { classId: a.classId, studentId: a.studentId, spoiled: formLabel(spoiled.series, spoiled.number),
      reason, taken: formLabel(f.series, f.number), regNumber: old.reg_number, withHonours });
    return printById(db, id);
  }).immediate();
  const { pages, printed } = await printedPages(db, g, [a.studentId], user);
  const cal = calibrationOf(db, workstation, a.printer);
  const pdf = await renderPlacedPdf(pages.map((p) => calibrate(placedOf(p), cal)), { title: `Аттестат: ${printed[0].fullName}`,
    author: schoolHeader(db).fullName, code: printed[0].code });
  return { fileName: `Аттестат — ${safe(printed[0].fullName)} — ${next.series} ${next.number}.pdf`, dataBase64: pdf.toString('base64'),
    spoiled: { series: old.series, number: old.number, reason }, printed: printed[0], calibration: cal };
}

/** The blanks of a graduate as they would print (or were printed): the layout's fields outlined, the text in them. */
export function blankPreview(db: DB, a: { classId: number; studentId: string }) {
  const g = graduatesOf(db, a.classId);
  const p = printInForce(db, a.studentId, g.preview.grade);
  const data = blankDataOf(db, g, a.studentId, p ? { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date } : null,
    p ? p.honours === 1 : undefined);
  const code = p ? (db.prepare(`SELECT code FROM printouts WHERE kind = 'attestat_appendix' AND subject_ref = ? ORDER BY version DESC LIMIT 1`)
    .pluck().get(`print:${p.id}`) as string | undefined) ?? null : null;
  return { fullName: data.student.fullName, blank: p ? { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date, state: p.state,
    honours: p.honours === 1 } : null,
    withHonours: data.withHonours, pages: blankPages(data, code) };
}

/** A class's graduates with their print in force (or none) and whether the attestat is issued: the June flow's list. */
export function classBlanks(db: DB, classId: number) {
  const g = graduatesOf(db, classId);
  return {
    classId, className: g.preview.className, year: g.preview.year, grade: g.preview.grade,
    students: g.ready.map((s) => {
      const p = printInForce(db, s.studentId, g.preview.grade);
      return { studentId: s.studentId, fullName: s.fullName, withHonours: s.honours.withHonours,
        blank: p ? { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date, state: p.state, honours: p.honours === 1 } : null };
    }),
    notReady: g.notReady,
  };
}
