// Attestats and their blank forms: receiving forms by series and number range, spoiling a form, issuing an
// attestat on a form (which uses the form up) — the data of the книга учёта выданных аттестатов. The database
// enforces the rules (migration 0005); here they are checked first to name the form, student or field in Russian.
import type { DB } from '../../db/connection.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { errorAt } from './errors.ts';
import { formatDate, isValidIsoDate, nowIso } from '../../preload/core/dates.ts';
import { fullName } from '../../preload/core/names.ts';
import { graduatesOf, printInForce } from '../attestats/blank-data.ts';
import { ruleSetFor } from '../attestats/rules.ts';

export type AttestatKind = 9 | 11;
export type FormState = 'received' | 'issued' | 'spoiled';
export type BlankForm = { id: number; kind: AttestatKind; honours: boolean; series: string; number: number; state: FormState; receivedOn: string;
  document: string; spoiledOn: string | null; spoiledReason: string | null; attestatId: number | null };
export type Attestat = { id: number; year: string; regNumber: number; studentId: string; fullName: string; birthDate: string;
  kind: AttestatKind; series: string; number: number; issueDate: string; recipient: string; withHonours: boolean };

const KIND_NAME: Record<AttestatKind, string> = { 9: 'об основном общем образовании', 11: 'о среднем общем образовании' };
/** «аттестат о среднем общем образовании [с отличием]»: since the forms of 2020 (приказ Минпросвещения № 545) the one
 *  «с отличием» is a blank form of its own, accounted apart (migration 0022). */
export const attestatKindName = (k: AttestatKind, honours = false) => `аттестат ${KIND_NAME[k]}${honours ? ' с отличием' : ''}`;
/** «бланк аттестата о среднем общем образовании [с отличием]». */
export const blankName = (k: AttestatKind, honours: boolean) => `бланк аттестата ${KIND_NAME[k]}${honours ? ' с отличием' : ''}`;
/** A kind of blank form in a sentence: «бланков аттестата с отличием 11 класса». */
export const blankKindWords = (grade: number, honours: boolean) => `аттестата${honours ? ' с отличием' : ''} ${grade} класса`;

/** «077 № 000123» as printed on a form: the number to six digits at least. */
export const formLabel = (series: string, number: number) => `${series} № ${String(number).padStart(6, '0')}`;

function cleanSeries(s: string): string {
  const v = s.replace(/\s+/g, ' ').trim().toLocaleUpperCase('ru-RU');
  if (!v) throw fieldError('series', 'Укажите серию бланков');
  if (v.length > 20 || !/^[0-9A-ZА-ЯЁ -]+$/.test(v)) throw fieldError('series', `Серия «${s}»: только цифры и буквы, не длиннее 20 знаков`);
  return v;
}
function checkDate(v: string, field: string, what: string) {
  if (!isValidIsoDate(v)) throw fieldError(field, `${what}: неверная дата «${v}»`);
}
function checkKind(k: number): asserts k is AttestatKind {
  if (k !== 9 && k !== 11) throw fieldError('kind', `Вид аттестата: 9 (основное общее) или 11 (среднее общее), а не «${k}»`);
}

type FormRow = { id: number; kind: AttestatKind; honours: number; series: string; number: number; state: FormState; received_on: string; document: string;
  spoiled_on: string | null; spoiled_reason: string | null; attestat_id: number | null };
const FORM_SELECT = `SELECT f.*, r.received_on, r.document, a.id AS attestat_id FROM attestat_forms f
  JOIN attestat_form_receipts r ON r.id = f.receipt_id LEFT JOIN attestats a ON a.form_id = f.id`;
const toForm = (r: FormRow): BlankForm => ({ id: r.id, kind: r.kind, honours: r.honours === 1, series: r.series, number: r.number, state: r.state, receivedOn: r.received_on,
  document: r.document, spoiledOn: r.spoiled_on, spoiledReason: r.spoiled_reason, attestatId: r.attestat_id });

/** Registers a delivery of blank forms: series, numbers first..last (one row per form), ordinary or «с отличием» (a form
 *  of its own since 2020: a delivery is of one kind). A number already received is refused. */
export function receiveForms(db: DB, a: { kind: number; honours?: boolean; series: string; firstNumber: number; lastNumber: number; receivedOn: string;
  document: string }, by: string): { receiptId: number; forms: number; kindName: string } {
  checkKind(a.kind);
  const honours = a.honours === true;
  const series = cleanSeries(a.series);
  if (!Number.isInteger(a.firstNumber) || a.firstNumber < 1) throw fieldError('firstNumber', 'Первый номер бланка — целое число от 1');
  if (!Number.isInteger(a.lastNumber) || a.lastNumber < a.firstNumber) throw fieldError('lastNumber', 'Последний номер не может быть меньше первого');
  if (a.lastNumber - a.firstNumber >= 10000) throw fieldError('lastNumber', 'Не больше 10 000 бланков за одно поступление');
  checkDate(a.receivedOn, 'receivedOn', 'Дата поступления');
  const document = a.document.trim();
  if (!document) throw fieldError('document', 'Укажите документ, по которому получены бланки (накладная, акт)');
  const taken = db.prepare('SELECT number FROM attestat_forms WHERE series = ? AND number BETWEEN ? AND ? ORDER BY number LIMIT 5')
    .all(series, a.firstNumber, a.lastNumber) as Array<{ number: number }>;
  if (taken.length) {
    throw errorAt('conflict', 'firstNumber', `Бланки ${taken.map((t) => formLabel(series, t.number)).join(', ')} уже получены ранее: один номер бланка учитывается один раз`);
  }
  const receiptId = Number(db.prepare(`INSERT INTO attestat_form_receipts (kind, honours, series, first_number, last_number, received_on, document, created_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(a.kind, honours ? 1 : 0, series, a.firstNumber, a.lastNumber, a.receivedOn, document, nowIso(), by).lastInsertRowid);
  const add = db.prepare('INSERT INTO attestat_forms (receipt_id, kind, honours, series, number) VALUES (?, ?, ?, ?, ?)');
  for (let n = a.firstNumber; n <= a.lastNumber; n++) add.run(receiptId, a.kind, honours ? 1 : 0, series, n);
  return { receiptId, forms: a.lastNumber - a.firstNumber + 1, kindName: attestatKindName(a.kind, honours) };
}

/** The form with this series and number, or an error that says whether the series is registered at all. */
export function findForm(db: DB, seriesIn: string, number: number): BlankForm {
  const series = cleanSeries(seriesIn);
  const r = db.prepare(`${FORM_SELECT} WHERE f.series = ? AND f.number = ?`).get(series, number) as FormRow | undefined;
  if (r) return toForm(r);
  const known = db.prepare('SELECT min(first_number) AS lo, max(last_number) AS hi FROM attestat_form_receipts WHERE series = ?').get(series) as { lo: number | null; hi: number | null };
  if (known.lo == null) throw fieldError('series', `Бланки серии «${series}» не поступали: сначала оприходуйте их (серия и номера по накладной)`);
  throw fieldError('number', `Бланка ${formLabel(series, number)} нет среди полученных (серия ${series}: номера ${known.lo}–${known.hi} с пропусками по поступлениям)`);
}

const usedMessage = (f: BlankForm) => f.state === 'issued'
  ? `Бланк ${formLabel(f.series, f.number)} уже использован: по нему выдан аттестат; бланк используется один раз`
  : `Бланк ${formLabel(f.series, f.number)} испорчен ${formatDate(f.spoiledOn)} («${f.spoiledReason}»): выдать по нему аттестат нельзя`;

export function spoilForm(db: DB, a: { series: string; number: number; date: string; reason: string }): BlankForm {
  const f = findForm(db, a.series, a.number);
  checkDate(a.date, 'date', 'Дата списания');
  const reason = a.reason.trim();
  if (!reason) throw fieldError('reason', 'Укажите, почему бланк испорчен');
  if (f.state !== 'received') throw errorAt('conflict', 'number', usedMessage(f));
  if (a.date < f.receivedOn) throw fieldError('date', `Бланк получен ${formatDate(f.receivedOn)}: испортить его раньше нельзя`);
  db.prepare(`UPDATE attestat_forms SET state = 'spoiled', spoiled_on = ?, spoiled_reason = ? WHERE id = ?`).run(a.date, reason, f.id);
  return findForm(db, f.series, f.number);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The year an attestat is issued in: the academic year the date falls in, or the one just ended (issued in summer). */
export function yearOfIssue(db: DB, date: string): { id: number; name: string } {
  const y = db.prepare(`SELECT id, name FROM academic_years WHERE ? BETWEEN start_date AND date(end_date, '+6 months')
    ORDER BY start_date LIMIT 1`).get(date) as { id: number; name: string } | undefined;
  if (!y) throw fieldError('issueDate', `Дата выдачи ${formatDate(date)} не попадает ни в один учебный год реестра`);
  return y;
}

/** The next registration number of the year the date falls in: after every attestat issued and every number a print
 *  has reserved (attestat_prints, migration 0016). */
export function nextRegNumber(db: DB, issueDate: string): number {
  const y = yearOfIssue(db, issueDate);
  return (db.prepare(`SELECT max(coalesce((SELECT max(reg_number) FROM attestats WHERE year_id = y.id), 0),
      coalesce((SELECT max(reg_number) FROM attestat_prints WHERE issue_date BETWEEN y.start_date AND date(y.end_date, '+6 months')), 0)) + 1 AS n
    FROM academic_years y WHERE y.id = ?`).get(y.id) as { n: number }).n;
}

type Graduate = { classId: number; className: string;
  print: { series: string; number: number; regNumber: number; issueDate: string; honours: boolean } | null;
  withHonours: boolean; decided: boolean };

/** Why a graduate's «с отличием» is what it is, for a message: an administrator's decision or the finals. */
export const honoursWhy = (decided: boolean) => (decided ? 'решение администратора' : 'по итоговым отметкам');

/** The refusal for a graduate whose blank was printed on the other kind (the decision on «с отличием» changed after
 *  printing): that blank is written off and the attestat printed again on a blank of the right kind. */
export function wrongKindMessage(name: string, grade: number, print: { series: string; number: number; honours: boolean }, withHonours: boolean,
  decided: boolean): string {
  return `${name}: аттестат напечатан на бланке аттестата ${KIND_NAME[grade as AttestatKind]}${print.honours ? ' с отличием' : ''} ${formLabel(print.series, print.number)}, ` +
    `а положен ${attestatKindName(grade as AttestatKind, withHonours)} (${honoursWhy(decided)}). Этот бланк нужно списать как испорченный и ` +
    `перепечатать аттестат («Бланк испорчен…» в «Печати аттестатов на бланках» или print attestat --student … --reprint ПРИЧИНА): ` +
    `возьмётся следующий бланк ${blankKindWords(grade, withHonours)}`;
}

/**
 * A student of a 9th or 11th class in the register is issued an attestat only as its graduate: the finals in the
 * ledger are the computed ones, «с отличием» is what the rules give or an administrator decided (never a checkbox),
 * and the blank is the one printed for him (attestat_prints). Null for someone with no such class in the register (an
 * attestat entered from the paper book of a year before the register).
 */
function graduateOf(db: DB, studentId: string, kind: AttestatKind): Graduate | null {
  const row = db.prepare(`SELECT c.id, y.name FROM class_memberships m JOIN classes c ON c.id = m.class_id JOIN academic_years y ON y.id = c.year_id
    WHERE m.student_id = ? AND c.parallel = ? ORDER BY y.start_date DESC, m.start_date DESC LIMIT 1`).get(studentId, kind) as { id: number; name: string } | undefined;
  // A year before the program's rule sets (its finals were set by the rules then in force, which the program does not
  // hold): the attestat is recorded as the paper book has it, like one of a pupil with no such class in the register.
  if (row == null || !ruleSetFor(row.name)) return null;
  const c = row.id;
  const g = graduatesOf(db, c);
  const ready = g.ready.find((s) => s.studentId === studentId);
  if (!ready) {
    const why = g.notReady.find((s) => s.studentId === studentId);
    throw new AppError('validation', `Аттестат не выдаётся: ${why ? `${why.fullName} — ${why.reason}` : `ученик не окончил ${g.preview.className}`}`,
      { studentId: why?.reason ?? 'не выпускник класса' });
  }
  const p = printInForce(db, studentId, kind);
  return { classId: c, className: g.preview.className, withHonours: ready.honours.withHonours, decided: ready.honours.override != null,
    print: p ? { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date, honours: p.honours === 1 } : null };
}

export function issueAttestat(db: DB, a: { studentId: string; kind: number; series?: string; number?: number; issueDate?: string; recipient: string;
  withHonours?: boolean }, by: string): Attestat {
  checkKind(a.kind);
  if (!UUID.test(a.studentId)) throw fieldError('studentId', `Ученик: нужен идентификатор UUID, а не «${a.studentId}»`);
  const st = db.prepare('SELECT last_name, first_name, middle_name FROM students WHERE id = ?').get(a.studentId) as
    { last_name: string; first_name: string; middle_name: string | null } | undefined;
  if (!st) throw errorAt('not_found', 'studentId', `Ученик ${a.studentId} не найден в реестре`);
  const name = fullName({ lastName: st.last_name, firstName: st.first_name, middleName: st.middle_name });
  const recipient = a.recipient.replace(/\s+/g, ' ').trim();
  if (!recipient) throw fieldError('recipient', 'Укажите, кто получил аттестат (ФИО)');
  const grad = graduateOf(db, a.studentId, a.kind);
  let withHonours = a.withHonours ?? false;
  let regNumber: number | null = null;
  if (grad) {
    if (a.withHonours != null && a.withHonours !== grad.withHonours) {
      throw fieldError('withHonours', `«С отличием» для ${name} ${grad.withHonours ? 'положено' : 'не положено'} по итоговым отметкам (${grad.className}): ` +
        'решение иначе принимает администратор с причиной («Итоговые отметки» → «С отличием»)');
    }
    withHonours = grad.withHonours;
    const p = grad.print;
    if (p) {
      if (p.honours !== grad.withHonours) {
        throw errorAt('conflict', 'number', wrongKindMessage(name, a.kind, p, grad.withHonours, grad.decided));
      }
      if ((a.series != null && cleanSeries(a.series) !== p.series) || (a.number != null && a.number !== p.number)) {
        throw fieldError('number', `Аттестат ${name} напечатан на бланке ${formLabel(p.series, p.number)}: выдаётся он, а не ${formLabel(a.series ?? p.series, a.number ?? p.number)}`);
      }
      if (a.issueDate != null && a.issueDate !== p.issueDate) {
        throw fieldError('issueDate', `На бланке напечатана дата выдачи ${formatDate(p.issueDate)}: выдайте в этот день или перепечатайте бланк`);
      }
      a = { ...a, series: p.series, number: p.number, issueDate: p.issueDate };
      regNumber = p.regNumber;
    }
  }
  if (a.issueDate == null) throw fieldError('issueDate', 'Укажите дату выдачи');
  checkDate(a.issueDate, 'issueDate', 'Дата выдачи');
  if (a.series == null || a.number == null) throw fieldError(a.series == null ? 'series' : 'number', 'Укажите серию и номер бланка (или напечатайте аттестат: бланк возьмётся сам)');
  const f = findForm(db, a.series, a.number);
  if (f.state !== 'received') throw errorAt('conflict', 'number', usedMessage(f));
  if (f.kind !== a.kind) throw fieldError('series', `Бланк ${formLabel(f.series, f.number)} — для аттестата за ${f.kind} класс, а выдаётся за ${a.kind}`);
  if (f.honours !== withHonours) {
    throw fieldError('number', `Бланк ${formLabel(f.series, f.number)} — ${blankName(f.kind, f.honours)}, а выдаётся ` +
      `${attestatKindName(a.kind as AttestatKind, withHonours)} (${name}): ${withHonours
        ? 'аттестат с отличием выдаётся на своём бланке (оприходуйте такие бланки поступлением «с отличием»)'
        : 'на бланке аттестата с отличием выдаётся только аттестат с отличием'}`);
  }
  if (a.issueDate < f.receivedOn) throw fieldError('issueDate', `Бланк получен ${formatDate(f.receivedOn)}: выдать аттестат на нём раньше нельзя`);
  const prior = db.prepare('SELECT a.issue_date, f.series, f.number FROM attestats a JOIN attestat_forms f ON f.id = a.form_id WHERE a.student_id = ? AND a.kind = ?')
    .get(a.studentId, a.kind) as { issue_date: string; series: string; number: number } | undefined;
  if (prior) throw new AppError('conflict', `${name} уже выдан ${attestatKindName(a.kind as AttestatKind)}: ${formLabel(prior.series, prior.number)} от ${formatDate(prior.issue_date)}`);
  if (!regNumber && db.prepare('SELECT 1 FROM attestat_prints WHERE form_id = ?').get(f.id)) {
    throw errorAt('conflict', 'number', `Бланк ${formLabel(f.series, f.number)} напечатан для другого выпускника: выдать его ${name} нельзя`);
  }
  const year = yearOfIssue(db, a.issueDate);
  const n = regNumber ?? nextRegNumber(db, a.issueDate);
  const id = Number(db.prepare(`INSERT INTO attestats (year_id, reg_number, student_id, kind, form_id, issue_date, recipient, with_honours, created_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(year.id, n, a.studentId, a.kind, f.id, a.issueDate, recipient, withHonours ? 1 : 0, nowIso(), by).lastInsertRowid);
  return listAttestats(db, { id })[0];
}

type AttestatRow = { id: number; year: string; reg_number: number; student_id: string; last_name: string; first_name: string; middle_name: string | null;
  birth_date: string; kind: AttestatKind; series: string; number: number; issue_date: string; recipient: string; with_honours: number };

export function listAttestats(db: DB, a: { yearId?: number; year?: string; id?: number } = {}): Attestat[] {
  const where: string[] = [];
  const p: unknown[] = [];
  if (a.id != null) { where.push('a.id = ?'); p.push(a.id); }
  if (a.yearId != null) { where.push('a.year_id = ?'); p.push(a.yearId); }
  if (a.year != null) { where.push('y.name = ?'); p.push(a.year); }
  const rows = db.prepare(`SELECT a.id, y.name AS year, a.reg_number, a.student_id, s.last_name, s.first_name, s.middle_name, s.birth_date, a.kind,
      f.series, f.number, a.issue_date, a.recipient, a.with_honours
    FROM attestats a JOIN academic_years y ON y.id = a.year_id JOIN students s ON s.id = a.student_id JOIN attestat_forms f ON f.id = a.form_id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY y.name, a.reg_number`).all(...p) as AttestatRow[];
  return rows.map((r) => ({ id: r.id, year: r.year, regNumber: r.reg_number, studentId: r.student_id,
    fullName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }), birthDate: r.birth_date, kind: r.kind,
    series: r.series, number: r.number, issueDate: r.issue_date, recipient: r.recipient, withHonours: r.with_honours === 1 }));
}

export function listForms(db: DB, a: { series?: string; state?: FormState } = {}): BlankForm[] {
  const where: string[] = [];
  const p: unknown[] = [];
  if (a.series) { where.push('f.series = ?'); p.push(cleanSeries(a.series)); }
  if (a.state) { where.push('f.state = ?'); p.push(a.state); }
  return (db.prepare(`${FORM_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY f.series, f.number LIMIT 20000`).all(...p) as FormRow[]).map(toForm);
}

export function getAttestat(db: DB, id: number): Attestat {
  const a = listAttestats(db, { id })[0];
  if (!a) throw notFound('Аттестат');
  return a;
}
