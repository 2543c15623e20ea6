// A class's ledger as the UI sees it: the data now, every sealed version, the open correction and what still
// keeps it from being sealed; the printing of a draft or of a stored version; the opening of a correction.
import type { DB } from '../../db/connection.ts';
import type { Ledger, LedgerCorrection, LedgerVersion, User } from '../../preload/contract.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { nowIso } from '../../preload/core/dates.ts';
import { buildLedger, ledgerGaps, yearGapCounts } from './build.ts';
import { verificationCode, type LedgerData } from './model.ts';
import { renderLedgerPdf } from './pdf.ts';
import { renderLedgerXlsx } from './xlsx.ts';
import type { KeptLedgerRenderer } from './render-pool.ts';

export type VersionRow = {
  id: number; class_id: number; version: number; sha256: string; prev_sha256: string | null; canonical_json: string;
  signature: Buffer | null; signer: string | null; pdf: Buffer; pdf_sha256: string; xlsx: Buffer; xlsx_sha256: string;
  sealed_at: string; sealed_by: number | null; sealed_by_login: string; correction_id: number | null;
};
type CorrectionRow = { id: number; class_id: number; reason: string; order_number: string; order_date: string; opened_by: number | null;
  opened_by_login: string; opened_at: string; closed_by_version_id: number | null };

/** Who a user row or a command-line login is, as shown: the user's ФИО, else the login. */
const whoSql = (idCol: string, loginCol: string) => `coalesce((SELECT full_name FROM users u WHERE u.id = ${idCol}), ${loginCol})`;

function toCorrection(db: DB, r: CorrectionRow): LedgerCorrection {
  const closedBy = r.closed_by_version_id == null ? null
    : (db.prepare('SELECT version FROM ledger_versions WHERE id = ?').pluck().get(r.closed_by_version_id) as number);
  const openedBy = db.prepare(`SELECT ${whoSql('?', '?')}`).pluck().get(r.opened_by, r.opened_by_login) as string;
  return { id: r.id, reason: r.reason, orderNumber: r.order_number, orderDate: r.order_date, openedBy, openedAt: r.opened_at, closedByVersion: closedBy };
}

export function toVersion(db: DB, r: VersionRow): LedgerVersion {
  const k = r.correction_id == null ? null : db.prepare('SELECT * FROM ledger_corrections WHERE id = ?').get(r.correction_id) as CorrectionRow;
  return {
    version: r.version, sha256: r.sha256, prevSha256: r.prev_sha256, code: verificationCode(r.sha256, r.version), sealedAt: r.sealed_at,
    sealedBy: db.prepare(`SELECT ${whoSql('?', '?')}`).pluck().get(r.sealed_by, r.sealed_by_login) as string,
    signer: r.signer, correction: k ? toCorrection(db, k) : null,
  };
}

export function versionRows(db: DB, classId: number): VersionRow[] {
  return db.prepare('SELECT * FROM ledger_versions WHERE class_id = ? ORDER BY version').all(classId) as VersionRow[];
}

export function currentVersion(db: DB, classId: number): VersionRow | undefined {
  return db.prepare('SELECT * FROM ledger_versions WHERE class_id = ? ORDER BY version DESC LIMIT 1').get(classId) as VersionRow | undefined;
}

export function openCorrectionOf(db: DB, classId: number): LedgerCorrection | null {
  const r = db.prepare('SELECT * FROM ledger_corrections WHERE class_id = ? AND closed_by_version_id IS NULL').get(classId) as CorrectionRow | undefined;
  return r ? toCorrection(db, r) : null;
}

const stateOf = (sealed: boolean, correction: boolean): Ledger['state'] => (!sealed ? 'draft' : correction ? 'correction' : 'sealed');

export function getLedger(db: DB, classId: number): Ledger {
  const data = buildLedger(db, classId);
  const versions = versionRows(db, classId).map((r) => toVersion(db, r));
  const openCorrection = openCorrectionOf(db, classId);
  return { classId, state: stateOf(versions.length > 0, !!openCorrection), data, versions, openCorrection, missing: ledgerGaps(data) };
}

export function listLedgers(db: DB, yearId: number) {
  if (!db.prepare('SELECT 1 FROM academic_years WHERE id = ?').get(yearId)) throw notFound('Учебный год');
  const classes = db.prepare('SELECT id, parallel || letter AS name FROM classes WHERE year_id = ? ORDER BY parallel, letter').all(yearId) as Array<{ id: number; name: string }>;
  const gaps = yearGapCounts(db, yearId);
  // the latest version's number and hash only: a sealed version's row also holds its PDF and XLSX
  const latest = db.prepare('SELECT version, sha256 FROM ledger_versions WHERE class_id = ? ORDER BY version DESC LIMIT 1');
  const correcting = db.prepare('SELECT 1 FROM ledger_corrections WHERE class_id = ? AND closed_by_version_id IS NULL').pluck();
  return classes.map((c) => {
    const v = latest.get(c.id) as { version: number; sha256: string } | undefined;
    const g = gaps.get(c.id) ?? { missing: 0, na: 0 };
    return {
      classId: c.id, className: c.name, state: stateOf(!!v, !!correcting.get(c.id)), version: v?.version ?? null,
      code: v ? verificationCode(v.sha256, v.version) : null, missing: g.missing, na: g.na,
    };
  });
}

/** The file name a printout is saved under: «Ведомость 9А 2025-2026 v2.pdf», «… черновик.xlsx». */
export function ledgerFileName(data: LedgerData, version: number | null, format: 'pdf' | 'xlsx'): string {
  return `Ведомость ${data.class.name} ${data.year.replace('/', '-')} ${version ? `v${version}` : 'черновик'}.${format}`;
}

/** A stored version is printed from its stored bytes (what was sealed); the draft is rendered now, without a stamp. */
export async function printLedger(db: DB, a: { classId: number; version?: number; format: 'pdf' | 'xlsx' },
  /** where a draft is rendered (the running program's kept render worker); none: in this thread */
  renderer?: Pick<KeptLedgerRenderer, 'print'>): Promise<{ fileName: string; bytes: Buffer }> {
  if (a.version == null) {
    const data = buildLedger(db, a.classId);
    const bytes = renderer ? await renderer.print(data, null, a.format, { urgent: true })
      : a.format === 'pdf' ? await renderLedgerPdf(data, null) : await renderLedgerXlsx(data, null);
    return { fileName: ledgerFileName(data, null, a.format), bytes };
  }
  const r = db.prepare('SELECT * FROM ledger_versions WHERE class_id = ? AND version = ?').get(a.classId, a.version) as VersionRow | undefined;
  if (!r) {
    buildLedger(db, a.classId); // a missing class is «Класс не найден»
    throw new AppError('not_found', `Версии ${a.version} ведомости этого класса нет: запечатано версий — ${versionRows(db, a.classId).length}`);
  }
  const data = JSON.parse(r.canonical_json) as LedgerData;
  return { fileName: ledgerFileName(data, r.version, a.format), bytes: a.format === 'pdf' ? r.pdf : r.xlsx };
}

/**
 * The detached CMS over a sealed version's PDF (made when it was sealed with a certificate), as a .p7s beside the PDF's
 * own name: `openssl cms -verify -binary -inform DER -in F.pdf.p7s -content F.pdf -CAfile ROOT.pem` checks the file.
 */
export function ledgerPdfSignature(db: DB, a: { classId: number; version: number }): { fileName: string; bytes: Buffer } {
  const r = db.prepare('SELECT * FROM ledger_versions WHERE class_id = ? AND version = ?').get(a.classId, a.version) as VersionRow | undefined;
  if (!r) {
    buildLedger(db, a.classId); // a missing class is «Класс не найден»
    throw new AppError('not_found', `Версии ${a.version} ведомости этого класса нет: запечатано версий — ${versionRows(db, a.classId).length}`);
  }
  const sig = db.prepare('SELECT signature FROM ledger_pdf_signatures WHERE ledger_version_id = ?').pluck().get(r.id) as Buffer | undefined;
  if (!sig) throw new AppError('not_found', `Версия ${a.version} запечатана без подписи файла PDF (без сертификата или до того, как PDF стали подписывать)`);
  return { fileName: `${ledgerFileName(JSON.parse(r.canonical_json) as LedgerData, r.version, 'pdf')}.p7s`, bytes: sig };
}

/** Opens a correction of a sealed ledger (admins only): the class is editable again until its next version is sealed. */
export function openCorrection(db: DB, classId: number, a: { reason: string; orderNumber: string; orderDate: string }, user: User): LedgerCorrection {
  if (user.role !== 'admin') throw new AppError('forbidden', 'Открыть исправление ведомости может только администратор');
  const cls = db.prepare('SELECT parallel || letter AS name FROM classes WHERE id = ?').get(classId) as { name: string } | undefined;
  if (!cls) throw notFound('Класс');
  const current = currentVersion(db, classId);
  if (!current) throw new AppError('validation', `Ведомость класса ${cls.name} ещё не запечатана: исправлять нечего, данные можно менять`);
  const open = openCorrectionOf(db, classId);
  if (open) throw new AppError('conflict', `По ведомости класса ${cls.name} уже открыто исправление (приказ № ${open.orderNumber}); запечатайте версию ${current.version + 1}`);
  const reason = a.reason.trim(), orderNumber = a.orderNumber.trim();
  if (!reason) throw new AppError('validation', 'Укажите причину исправления', { reason: 'Укажите причину исправления' });
  if (!orderNumber) throw new AppError('validation', 'Укажите номер приказа', { orderNumber: 'Укажите номер приказа' });
  const id = Number(db.prepare(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_by, opened_at, opened_by_login)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(classId, reason, orderNumber, a.orderDate, user.id > 0 ? user.id : null, nowIso(), user.login).lastInsertRowid);
  return openCorrectionOf(db, classId) ?? (() => { throw new Error(`correction ${id} not found after insert`); })();
}
