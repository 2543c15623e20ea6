// Every certified printout is registered: its data canonicalised (RFC 8785) and hashed, a verification code
// (hash prefix and version, as on the ledgers) printed on every page with its QR code, and the PDF kept as given
// out. Printing the same data again gives back the registered copy (same code); changed data is a new version.
// Verification takes a code or the PDF: is it registered, is it the latest version of that document, do the
// register's data today still hash to it, and (for a file) are its bytes the registered ones.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError } from '../shared/errors.ts';
import { canonicalJson } from '../shared/jcs.ts';
import { extractCodeFromPdf, renderPlacedPdf } from '../shared/pdf.ts';
import { blankDataOfPrint } from '../attestats/blank-data.ts';
import { blankPages, placedOf, type BlankData } from '../attestats/blank-pages.ts';
import { formLabel } from './attestats.ts';
import { formatDate, nowIso } from '../../preload/core/dates.ts';
import { verificationCode } from '../ledgers/model.ts';
import { fullName } from '../../preload/core/names.ts';
import { alphabetBookData, attestatBookData, certificateOfStudyData, PRINTOUT_TITLES, resolveStudent, type PrintoutKind } from './data.ts';
import { renderAlphabetBook, renderAttestatBook, renderCertificateOfStudy } from './documents.ts';

const sha256Hex = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

export type PrintoutRequest =
  | { kind: 'certificate_of_study'; student: string }
  | { kind: 'alphabet_book'; letter: string }
  | { kind: 'attestat_book'; year: string }
  /** the appendix of an attestat as printed on a blank (a print of attestat_prints) */
  | { kind: 'attestat_appendix'; print: number };

export type Printout = { id: number; kind: PrintoutKind; subjectRef: string; title: string; version: number; code: string; sha256: string;
  pdfSha256: string; createdAt: string; createdBy: string; fileName: string; label: string };

type Row = { id: number; kind: PrintoutKind; subject_ref: string; version: number; sha256: string; canonical_json: string; code: string; pdf: Buffer;
  pdf_sha256: string; created_at: string; created_by_login: string };

/** The document a request names: its reference in the register of printouts, its data, how to render it. */
function documentOf(db: DB, r: PrintoutRequest) {
  switch (r.kind) {
    case 'certificate_of_study': {
      const st = resolveStudent(db, r.student);
      const data = certificateOfStudyData(db, st.id);
      return { ref: `student:${st.id}`, data, label: st.fullName,
        render: (code: string | null, at: string, v: number) => renderCertificateOfStudy(data, code, at, v) };
    }
    case 'alphabet_book': {
      const data = alphabetBookData(db, r.letter);
      return { ref: `letter:${data.letter}`, data, label: `буква ${data.letter}`,
        render: (code: string | null, at: string, v: number) => renderAlphabetBook(data, code, at, v) };
    }
    case 'attestat_appendix': {
      const data = blankDataOfPrint(db, r.print);
      return { ref: `print:${r.print}`, data, label: appendixLabel(data), render: (code: string | null) => renderAppendix(data, code) };
    }
    case 'attestat_book': {
      const data = attestatBookData(db, r.year);
      return { ref: `year:${data.year}`, data, label: data.year,
        render: (code: string | null, at: string, v: number) => renderAttestatBook(data, code, at, v) };
    }
  }
}

/** An attestat's appendix as registered: the page as it is printed on the blank, its code in figures and as a QR code. */
const renderAppendix = (data: BlankData, code: string | null) => renderPlacedPdf([placedOf(blankPages(data, code).find((p) => p.part === 'appendix')!)],
  { title: `Приложение к аттестату: ${data.student.fullName}`, author: data.school.fullName, code });
const appendixLabel = (data: BlankData) => `${data.student.fullName}, ${formLabel(data.attestat.series, data.attestat.number)}`;

/** The request a registered printout was made from, to rebuild its data from the register as it is today. */
function requestOf(kind: PrintoutKind, ref: string): PrintoutRequest {
  const [, value] = /^[a-z]+:(.*)$/.exec(ref) ?? [];
  if (kind === 'certificate_of_study') return { kind, student: value };
  if (kind === 'alphabet_book') return { kind, letter: value };
  if (kind === 'attestat_appendix') return { kind, print: Number(value) };
  return { kind, year: value };
}

const fileNameOf = (r: { kind: PrintoutKind; code: string }, label: string) =>
  `${PRINTOUT_TITLES[r.kind]} — ${label.replace(/[\\/:*?"<>|]/g, '-')} — ${r.code}.pdf`;

function toPrintout(r: Row, label: string): Printout {
  return { id: r.id, kind: r.kind, subjectRef: r.subject_ref, title: PRINTOUT_TITLES[r.kind], version: r.version, code: r.code, sha256: r.sha256,
    pdfSha256: r.pdf_sha256, createdAt: r.created_at, createdBy: r.created_by_login, fileName: fileNameOf(r, label), label };
}

/** Makes (or finds) the certified printout: registered with its code, the PDF as stored. */
export async function certifyPrintout(db: DB, req: PrintoutRequest, user: User): Promise<Printout & { pdf: Buffer; reused: boolean }> {
  const doc = documentOf(db, req);
  const canonical = canonicalJson(doc.data);
  const sha256 = sha256Hex(canonical);
  const existing = db.prepare('SELECT * FROM printouts WHERE kind = ? AND subject_ref = ? AND sha256 = ?').get(req.kind, doc.ref, sha256) as Row | undefined;
  if (existing) return { ...toPrintout(existing, doc.label), pdf: existing.pdf, reused: true };
  const last = db.prepare('SELECT max(version) AS v FROM printouts WHERE kind = ? AND subject_ref = ?').get(req.kind, doc.ref) as { v: number | null };
  const version = (last.v ?? 0) + 1;
  const code = verificationCode(sha256, version);
  const createdAt = nowIso();
  const pdf = await doc.render(code, createdAt, version);
  const id = db.transaction(() => storePrepared(db, req, { version, sha256, canonical, code, pdf, createdAt }, user)).immediate();
  const row = db.prepare('SELECT * FROM printouts WHERE id = ?').get(id) as Row;
  return { ...toPrintout(row, doc.label), pdf: row.pdf, reused: false };
}

/** A printout rendered and not yet registered: what storePrepared writes. */
export type PreparedPrintout = { version: number; sha256: string; canonical: string; code: string; pdf: Buffer; createdAt: string };

/** Registers a rendered printout with its audit entry, inside the caller's transaction. Rendering took a moment:
 *  register only what the register says now, and only once. */
function storePrepared(db: DB, req: PrintoutRequest, p: PreparedPrintout, user: User): number {
  const doc = documentOf(db, req);
  if (sha256Hex(canonicalJson(doc.data)) !== p.sha256) {
    throw new AppError('conflict', `Данные документа «${PRINTOUT_TITLES[req.kind]}» (${doc.label}) изменились во время печати: напечатайте ещё раз`);
  }
  const now = db.prepare('SELECT max(version) AS v FROM printouts WHERE kind = ? AND subject_ref = ?').get(req.kind, doc.ref) as { v: number | null };
  if ((now.v ?? 0) !== p.version - 1) throw new AppError('conflict', `Этот документ (${doc.label}) только что напечатали одновременно с вами: повторите`);
  if (db.prepare('SELECT 1 FROM printouts WHERE code = ?').get(p.code)) {
    throw new AppError('conflict', `Код проверки ${p.code} уже занят другим документом (совпадение начала хеша): обратитесь к администратору`);
  }
  const login = user.id > 0 ? user.login : user.login.startsWith('cli:') ? user.login : `cli:${user.login}`;
  const rowId = Number(db.prepare(`INSERT INTO printouts (kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at,
      created_by, created_by_login) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(req.kind, doc.ref, p.version, p.sha256, p.canonical, p.code, p.pdf, sha256Hex(p.pdf), p.createdAt, user.id > 0 ? user.id : null, login).lastInsertRowid);
  appendAudit(db, user.login, `printouts.${req.kind}`, { ref: doc.ref, label: doc.label, version: p.version, code: p.code, sha256: p.sha256 });
  return rowId;
}

/**
 * An attestat's appendix made ready to register before its print is stored (a class's batch takes its blanks and
 * registers their appendices in one transaction, after every page is rendered): its code and PDF from the data the
 * print will have. `printId` null: a print not taken yet (its first version). Data unchanged since registered: the
 * registered code, nothing to store.
 */
export async function prepareAppendixPrintout(db: DB, printId: number | null, data: BlankData): Promise<{ code: string; prepared: PreparedPrintout | null }> {
  const canonical = canonicalJson(data);
  const sha256 = sha256Hex(canonical);
  let version = 1;
  if (printId != null) {
    const ref = `print:${printId}`;
    const same = db.prepare("SELECT code FROM printouts WHERE kind = 'attestat_appendix' AND subject_ref = ? AND sha256 = ?").pluck().get(ref, sha256) as string | undefined;
    if (same) return { code: same, prepared: null };
    version = ((db.prepare("SELECT max(version) FROM printouts WHERE kind = 'attestat_appendix' AND subject_ref = ?").pluck().get(ref) as number | null) ?? 0) + 1;
  }
  const code = verificationCode(sha256, version);
  const createdAt = nowIso();
  return { code, prepared: { version, sha256, canonical, code, pdf: await renderAppendix(data, code), createdAt } };
}

/** Registers a prepared appendix of a print, inside the caller's transaction (refused if the print's data changed). */
export function storeAppendixPrintout(db: DB, printId: number, p: PreparedPrintout, user: User): void {
  storePrepared(db, { kind: 'attestat_appendix', print: printId }, p, user);
}

/** What a registered printout is about, as its file name says it: the student's ФИО (not the id), the letter, the year. */
function labelOf(db: DB, ref: string): string {
  const [, kind, value] = /^([a-z]+):(.*)$/.exec(ref) ?? [, '', ref];
  if (kind === 'student') {
    const st = db.prepare('SELECT last_name, first_name, middle_name FROM students WHERE id = ?').get(value) as
      { last_name: string; first_name: string; middle_name: string | null } | undefined;
    // a student since removed keeps the id: the printout stays findable by it
    if (st) return fullName({ lastName: st.last_name, firstName: st.first_name, middleName: st.middle_name });
  }
  if (kind === 'print') {
    const p = db.prepare(`SELECT s.last_name, s.first_name, s.middle_name, f.series, f.number FROM attestat_prints p JOIN students s ON s.id = p.student_id
      JOIN attestat_forms f ON f.id = p.form_id WHERE p.id = ?`).get(Number(value)) as { last_name: string; first_name: string; middle_name: string | null;
      series: string; number: number } | undefined;
    if (p) return `${fullName({ lastName: p.last_name, firstName: p.first_name, middleName: p.middle_name })}, ${formLabel(p.series, p.number)}`;
  }
  return kind === 'letter' ? `буква ${value}` : value;
}

export function listPrintouts(db: DB, a: { kind?: PrintoutKind; limit?: number } = {}): Printout[] {
  const rows = db.prepare(`SELECT id, kind, subject_ref, version, sha256, code, pdf_sha256, created_at, created_by_login FROM printouts
    ${a.kind ? 'WHERE kind = ?' : ''} ORDER BY id DESC LIMIT ?`).all(...(a.kind ? [a.kind] : []), a.limit ?? 200) as Row[];
  return rows.map((r) => toPrintout(r, labelOf(db, r.subject_ref)));
}

export function printoutPdf(db: DB, code: string): { fileName: string; pdf: Buffer } {
  const r = db.prepare('SELECT * FROM printouts WHERE code = ?').get(normalizeCode(code)) as Row | undefined;
  if (!r) throw new AppError('not_found', `Документ с кодом ${code} не зарегистрирован`);
  return { fileName: fileNameOf(r, labelOf(db, r.subject_ref)), pdf: r.pdf };
}

export type PrintoutVerify = {
  registered: boolean; code: string | null; kind: PrintoutKind | null; title: string | null; subjectRef: string | null; version: number | null;
  latestVersion: number | null; current: boolean | null; intact: boolean | null; fileMatches: boolean | null; createdAt: string | null;
  createdBy: string | null; message: string;
};

const normalizeCode = (code: string) => {
  const m = /^\s*([0-9a-f]{8})-v([1-9]\d*)\s*$/i.exec(code);
  return m ? `${m[1].toUpperCase()}-v${m[2]}` : code.trim();
};

const unregistered = (message: string, code: string | null = null): PrintoutVerify => ({ registered: false, code, kind: null, title: null,
  subjectRef: null, version: null, latestVersion: null, current: null, intact: null, fileMatches: null, createdAt: null, createdBy: null, message });

/** Checks a printout by its code or by the PDF file itself. */
export function verifyPrintout(db: DB, a: { code: string } | { pdf: Buffer }): PrintoutVerify {
  const fromFile = 'pdf' in a;
  const code = fromFile ? extractCodeFromPdf(a.pdf) : normalizeCode(a.code);
  if (!code) return unregistered('В файле нет кода проверки: это не заверенный документ реестра');
  const r = db.prepare('SELECT * FROM printouts WHERE code = ?').get(code) as Row | undefined;
  if (!r) return unregistered(`Код ${code} не зарегистрирован в реестре: документ не выдавался или код прочитан с ошибкой`, code);
  const fileMatches = fromFile ? sha256Hex(a.pdf) === r.pdf_sha256 : null;
  const latest = (db.prepare('SELECT max(version) AS v FROM printouts WHERE kind = ? AND subject_ref = ?').get(r.kind, r.subject_ref) as { v: number }).v;
  let intact: boolean;
  try {
    intact = sha256Hex(canonicalJson(documentOf(db, requestOf(r.kind, r.subject_ref)).data)) === r.sha256;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    intact = false; // the student or the records are gone: the register no longer holds what was printed
  }
  const title = PRINTOUT_TITLES[r.kind];
  const what = `${title}, код ${code} (версия ${r.version}, выдан ${formatDate(r.created_at.slice(0, 10))})`;
  const message = fileMatches === false
    ? `Файл изменён: его содержимое не совпадает с зарегистрированным документом «${what}» — это не заверенная копия`
    : !intact
      ? `${what}: зарегистрирован, но данные реестра с тех пор изменились — документ устарел`
      : r.version !== latest
        ? `${what}: зарегистрирован, но есть более новая версия (${latest})`
        : `${what}: подлинный, актуальная версия, данные реестра совпадают`;
  return { registered: true, code, kind: r.kind, title, subjectRef: r.subject_ref, version: r.version, latestVersion: latest,
    current: r.version === latest, intact, fileMatches, createdAt: r.created_at, createdBy: r.created_by_login, message };
}
