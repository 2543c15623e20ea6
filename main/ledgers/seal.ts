// Sealing a class's ledger: canonical JSON (RFC 8785) → SHA-256 → detached CMS signature when the school's
// certificate is given (bytes and password for this call only, never stored) → the PDF and XLSX rendered with the
// stamp → one transaction that stores the version (chained to the previous one, closing the correction that
// reopened the class) with its audit entry → the version's files and manifest line in the archive beside the register
// (main/archive/archive.ts; what a kill between the commit and that write leaves out, the next run catches up). The
// year-end close is a job that seals every class of a year, each in its own transaction: a kill leaves each class
// sealed or not, never half, and a rerun seals the rest.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { LedgerCorrection, LedgerMissing, LedgerVersion, User } from '../../preload/contract.ts';
import { SealArchiver, versionFiles, type SealedVersion } from '../archive/archive.ts';
import { appendAudit } from '../audit/log.ts';
import type { Progress } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { canonicalJson } from '../shared/jcs.ts';
import { chainFromPem, type Signer } from '../signing/cms.ts';
import { closeSigner, openCheckedThumbprintSigner, openPkcs12Signer } from '../signing/select-signer.ts';
import { timestampAsChosen, type TimedSignature, type TsaChoice } from '../signing/timestamp.ts';
import { getSchool } from '../school/profile.ts';
import { buildLedger, ledgerGaps } from './build.ts';
import { verificationCode, type LedgerData, type LedgerStamp } from './model.ts';
import { openRenderPool, renderLedgerFiles, renderThreadsFor, type LedgerRenderer, type RenderedLedger } from './render-pool.ts';
import { currentVersion, openCorrectionOf, toVersion, type VersionRow } from './versions.ts';

/** The school's PKCS#12 (with its file's name, for messages, and `chainPem`: issuers to carry in the signature besides
 *  those in the PKCS#12, a chain file given with it), or a key in КриптоПро CSP by thumbprint. */
export type Certificate = { p12: Buffer; password: string; fileName?: string; chainPem?: string } | { thumbprint: string; pin?: string };

export const sha256Hex = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Opens the school's certificate for one seal or one year-end close with the signer its key needs (RSA, ECDSA P-256,
 * GOST); refuses, before anything is written, one that may not sign documents (key usage), is not valid now, or has a
 * key no signer here handles.
 */
export function openSigner(cert: Extract<Certificate, { p12: Buffer }>, now = new Date()): Signer {
  return openPkcs12Signer(cert.p12, cert.password, { fileName: cert.fileName, chain: cert.chainPem ? chainFromPem(cert.chainPem) : undefined, now });
}

/** openSigner for either kind of certificate; a key in КриптоПро CSP is opened by cryptcp (which may ask for its PIN). */
export async function openAnySigner(cert: Certificate, now = new Date()): Promise<Signer> {
  if ('p12' in cert) return openSigner(cert, now);
  return openCheckedThumbprintSigner({ thumbprint: cert.thumbprint, pin: cert.pin }, now);
}

/** «Иванов Пётр — Математика, 2 четв.; …»: the first cells, and how many more. */
export function describeGaps(gaps: LedgerMissing[], max = 5): string {
  const shown = gaps.slice(0, max).map((g) => `${g.student} — ${g.subject}, ${g.column}${g.na ? ' (н/а)' : ''}`).join('; ');
  return gaps.length > max ? `${shown} и ещё ${gaps.length - max}` : shown;
}

type ClassRow = { id: number; name: string; year: string };
const classRow = (db: DB, classId: number): ClassRow => {
  const c = db.prepare(`SELECT c.id, c.parallel || c.letter AS name, y.name AS year FROM classes c JOIN academic_years y ON y.id = c.year_id
    WHERE c.id = ?`).get(classId) as ClassRow | undefined;
  if (!c) throw new AppError('not_found', 'Класс не найден');
  return c;
};

/** Why a class cannot be sealed as it stands, or null. `data`: the ledger already built, to build it once. */
export function sealRefusal(db: DB, classId: number, allowNa: boolean, data?: LedgerData): { reason: string; gaps: LedgerMissing[] } | null {
  const c = classRow(db, classId);
  const current = currentVersion(db, classId);
  if (current && !openCorrectionOf(db, classId)) {
    return { reason: `Ведомость класса ${c.name} за ${c.year} уже запечатана: версия ${current.version}, код ${verificationCode(current.sha256, current.version)}. Чтобы изменить её, откройте исправление.`, gaps: [] };
  }
  if (!getSchool(db)) return { reason: 'Сведения о школе не заполнены: ведомость печатается с реквизитами школы', gaps: [] };
  const gaps = ledgerGaps(data ?? buildLedger(db, classId));
  const empty = gaps.filter((g) => !g.na);
  if (empty.length) return { reason: `В ведомости класса ${c.name} не выставлено оценок: ${empty.length} (${describeGaps(empty)}). Выставьте их или «н/а».`, gaps };
  if (gaps.length && !allowNa) {
    return { reason: `В ведомости класса ${c.name} есть «н/а»: ${gaps.length} (${describeGaps(gaps)}). Подтвердите, что ученики не аттестованы, чтобы запечатать.`, gaps };
  }
  return null;
}

/** A mark of the register's state on this connection: when it is the same later, nothing was written in between —
 *  not by this connection (total_changes) and not by another one (data_version). */
const writeMark = (db: DB) => `${db.prepare('SELECT total_changes()').pluck().get()}:${db.pragma('data_version', { simple: true })}`;

/** A class ready to be stored: its ledger, canonical JSON, hash, stamp and signature, and the register's write mark
 *  when its ledger was built. */
type PreparedSeal = {
  classId: number; c: ClassRow; data: LedgerData; canonical: string; sha256: string; version: number; prevSha256: string | null;
  correction: LedgerCorrection | null; stamp: LedgerStamp; signature: Buffer | null; mark: string;
  /** with a TSA: the signature's time, or why it has none (the admin chose to seal without time) */
  time: TimedSignature | null;
};

/** Trusted time is put on a signature: a TSA without a certificate to sign with is refused, nothing sealed. */
function assertTsaHasSignature(tsa: TsaChoice | undefined, signing: boolean): void {
  if (tsa && !signing) throw new AppError('validation', 'Штамп времени ставится на электронную подпись: укажите сертификат школы', { tsa: 'нужен сертификат' });
}

async function prepareSeal(db: DB, classId: number, o: { signer?: Signer; allowNa?: boolean; now?: Date;
  built?: { data: LedgerData; mark: string }; tsa?: TsaChoice }): Promise<PreparedSeal> {
  const mark = o.built?.mark ?? writeMark(db);
  const data = o.built?.data ?? buildLedger(db, classId);
  const refusal = sealRefusal(db, classId, !!o.allowNa, data);
  if (refusal) throw new AppError(refusal.gaps.length ? 'validation' : 'conflict', refusal.reason);
  const c = classRow(db, classId);
  const prev = currentVersion(db, classId);
  const correction = prev ? openCorrectionOf(db, classId) : null;
  const canonical = canonicalJson(data);
  const sha256 = sha256Hex(canonical);
  const version = (prev?.version ?? 0) + 1;
  const sealedAtDate = o.now ?? new Date();
  const stamp: LedgerStamp = { code: verificationCode(sha256, version), version, sha256, sealedAt: sealedAtDate.toISOString(), signer: o.signer?.certificate.subject ?? null };
  const signed = o.signer ? await o.signer.sign(Buffer.from(canonical, 'utf8'), { signingTime: sealedAtDate }) : null;
  const time = signed && o.tsa ? await timestampAsChosen(signed, o.tsa, `ведомость класса ${c.name} не запечатана`) : null;
  const signature = time?.cms ?? signed;
  return { classId, c, data, canonical, sha256, version, prevSha256: prev?.sha256 ?? null, correction, stamp, signature, mark, time };
}

/** The rendered files, and a detached CMS over the PDF as stored when sealed with a certificate (so the file itself
 *  passes `openssl cms -verify`; the version's own signature is over the canonical JSON). */
type SealFiles = RenderedLedger & { pdfSignature: Buffer | null };

/** The PDF's signature by the seal's signer, at the seal's time (none without a signer); with a TSA, stamped as the
 *  version's own signature is (CAdES-T: a .p7s checked apart from the register carries its trusted time), the same
 *  choice when the TSA fails — the seal refused, or the file's signature left without time. */
async function withPdfSignature(files: RenderedLedger, signer: Signer | undefined, s: PreparedSeal, tsa?: TsaChoice): Promise<SealFiles> {
  if (!signer) return { ...files, pdfSignature: null };
  const signed = await signer.sign(files.pdf, { signingTime: new Date(s.stamp.sealedAt) });
  const time = tsa ? await timestampAsChosen(signed, tsa, `ведомость класса ${s.c.name} не запечатана`) : null;
  return { ...files, pdfSignature: time?.cms ?? signed };
}

/** Stores a prepared class with its printouts and audit entry, in one transaction; returns the row id. */
function storeSeal(db: DB, s: PreparedSeal, files: SealFiles, user: User): number {
  const { classId, c, stamp, correction, version, sha256 } = s;
  return db.transaction(() => {
    // Rendering took a while: seal only what the register says now, and only once.
    const now = currentVersion(db, classId);
    if ((now?.version ?? 0) !== version - 1) throw new AppError('conflict', `Ведомость класса ${c.name} запечатали одновременно с вами: обновите страницу`);
    if (writeMark(db) !== s.mark && sha256Hex(canonicalJson(buildLedger(db, classId))) !== sha256) {
      throw new AppError('conflict', `Данные класса ${c.name} изменились, пока ведомость печаталась: запечатайте ещё раз`);
    }
    const rowId = Number(db.prepare(`INSERT INTO ledger_versions (class_id, version, sha256, prev_sha256, canonical_json, signature, signer,
        pdf, pdf_sha256, xlsx, xlsx_sha256, sealed_at, sealed_by, correction_id, sealed_by_login)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(classId, version, sha256, s.prevSha256, s.canonical, s.signature,
      stamp.signer, files.pdf, sha256Hex(files.pdf), files.xlsx, sha256Hex(files.xlsx), stamp.sealedAt, user.id > 0 ? user.id : null, correction?.id ?? null,
      user.id > 0 ? user.login : user.login.startsWith('cli:') ? user.login : `cli:${user.login}`).lastInsertRowid);
    if (files.pdfSignature) db.prepare('INSERT INTO ledger_pdf_signatures (ledger_version_id, signature, signer) VALUES (?, ?, ?)').run(rowId, files.pdfSignature, stamp.signer);
    // Who sealed, what and why (the correction's reason and order); never the certificate or its password.
    appendAudit(db, user.login, 'ledgers.seal', {
      classId, className: c.name, year: c.year, version, code: stamp.code, sha256, prevSha256: s.prevSha256, signer: stamp.signer,
      correction: correction ? { id: correction.id, reason: correction.reason, orderNumber: correction.orderNumber, orderDate: correction.orderDate } : null,
      // with a TSA: its time, or that the admin's choice sealed it without time and why
      ...(s.time ? { timestamp: s.time.timestamp, timestampFailure: s.time.failure } : {}),
    });
    return rowId;
  }).immediate();
}

/** The stored version as the archive takes it (the bytes just stored, not read back). */
function archived(id: number, s: PreparedSeal, files: RenderedLedger): SealedVersion {
  return {
    ledgerVersionId: id, classId: s.classId, version: s.version, ledgerSha256: s.sha256, prevLedgerSha256: s.prevSha256,
    sealedAt: s.stamp.sealedAt, signer: s.stamp.signer, files: versionFiles(s.canonical, s.sha256, s.signature, files.pdf, null, files.xlsx, null),
  };
}

/** A test's way to kill the process right after a seal commits, before its archive is written (test/archive). */
function crashPointAfterCommit(): void {
  if (process.env.SCHOOL_REGISTER_TEST_KILL === 'after-seal-commit') process.kill(process.pid, 'SIGKILL');
}

/** Seals one class with an already opened signer (or none); the version is archived beside the register as it commits. */
export async function sealWith(db: DB, classId: number, o: { user: User; signer?: Signer; allowNa?: boolean; now?: Date;
  built?: { data: LedgerData; mark: string }; tsa?: TsaChoice;
  /** where the printouts are rendered (the running program's kept render worker); none: in this thread */
  renderer?: LedgerRenderer }): Promise<LedgerVersion> {
  assertTsaHasSignature(o.tsa, !!o.signer);
  const s = await prepareSeal(db, classId, o);
  const rendered = o.renderer ? await o.renderer.render(s.data, s.stamp, { urgent: true }) : await renderLedgerFiles(s.data, s.stamp);
  const files = await withPdfSignature(rendered, o.signer, s, o.tsa);
  const archive = SealArchiver.open(db);
  const id = storeSeal(db, s, files, o.user);
  crashPointAfterCommit();
  archive?.add(archived(id, s, files));
  await archive?.close();
  const v = toVersion(db, db.prepare('SELECT * FROM ledger_versions WHERE id = ?').get(id) as VersionRow);
  return s.time ? { ...v, timestamp: s.time.timestamp, ...(s.time.failure ? { timestampFailure: s.time.failure } : {}) } : v;
}

/** Seals one class (admins): ledgers.seal and `ledger seal --class`. */
export async function sealClass(db: DB, classId: number, o: { user: User; certificate?: Certificate; allowNa?: boolean; tsa?: TsaChoice;
  renderer?: LedgerRenderer }): Promise<LedgerVersion> {
  if (o.user.role !== 'admin') throw new AppError('forbidden', 'Запечатать ведомость может только администратор');
  classRow(db, classId);
  assertTsaHasSignature(o.tsa, !!o.certificate);
  const signer = o.certificate ? await openAnySigner(o.certificate) : undefined;
  try {
    return await sealWith(db, classId, { user: o.user, signer, allowNa: o.allowNa, tsa: o.tsa, renderer: o.renderer });
  } finally {
    await closeSigner(signer); // a GOST signer's process and files go now, not after its idle wait
  }
}

export type CloseYearResult = {
  year: string;
  sealed: Array<{ classId: number; className: string; version: number; code: string }>;
  alreadySealed: Array<{ classId: number; className: string; version: number; code: string }>;
  skipped: Array<{ classId: number; className: string; reason: string; missing: number; na: number }>;
};

/** Year-end close: every class of the year, one transaction each; classes with gaps are listed, not sealed.
 *  The printouts are rendered by render workers beside this thread (render-pool.ts; `renderThreads`: how many
 *  workers, 0 for none) while this thread prepares the next classes; each class is stored, and reported, in the
 *  order of the classes. `printHere: false` (the running program, whose thread answers other users meanwhile): this
 *  thread prints nothing — at least one worker prints every PDF and XLSX, and this thread only builds, signs and
 *  stores, a few ms a class. A cancel
 *  is seen before each class is prepared and before each is stored: what was printing is dropped with its workers. */
export async function closeYear(db: DB, yearId: number, o: { user: User; certificate?: Certificate; signer?: Signer; allowNa?: boolean;
  renderThreads?: number; printHere?: boolean; renderer?: LedgerRenderer; tsa?: TsaChoice;
  onClass?: (r: { className: string; outcome: 'sealed' | 'already' | 'skipped'; detail: string }) => void }, p: Progress): Promise<CloseYearResult> {
  if (o.user.role !== 'admin') throw new AppError('forbidden', 'Закрыть учебный год может только администратор');
  const year = db.prepare('SELECT name FROM academic_years WHERE id = ?').pluck().get(yearId) as string | undefined;
  if (!year) throw new AppError('not_found', 'Учебный год не найден');
  assertTsaHasSignature(o.tsa, !!(o.signer ?? o.certificate));
  const signer = o.signer ?? (o.certificate ? await openAnySigner(o.certificate) : undefined);
  const classes = db.prepare('SELECT id, parallel || letter AS name FROM classes WHERE year_id = ? ORDER BY parallel, letter').all(yearId) as Array<{ id: number; name: string }>;
  const out: CloseYearResult = { year, sealed: [], alreadySealed: [], skipped: [] };
  const sealedAlready = (id: number) => !!currentVersion(db, id) && !openCorrectionOf(db, id);
  // each class's files are archived in libuv's threads while the next classes are prepared and printed
  const archive = SealArchiver.open(db);
  const here = o.printHere ?? true;
  const toSeal = classes.filter((c) => !sealedAlready(c.id)).length;
  const threads = o.renderThreads ?? renderThreadsFor(toSeal, here);
  const renderer = o.renderer ?? openRenderPool(here || !toSeal ? threads : Math.max(1, threads), { here });
  const dropped = new AbortController();
  // Classes in flight, in order: a class already sealed or skipped waits behind those before it, to be reported in turn.
  const pending: Array<{ seal: PreparedSeal; files: Promise<SealFiles> } | { report: () => void }> = [];
  let done = 0;
  const printing = () => pending.filter((x) => 'seal' in x).length;
  const finishFirst = async () => {
    const x = pending.shift()!;
    if ('report' in x) x.report();
    else {
      const files = await x.files;
      p.throwIfCancelled();
      const before = writeMark(db);
      const id = storeSeal(db, x.seal, files, o.user);
      crashPointAfterCommit();
      archive?.add(archived(id, x.seal, files));
      const after = writeMark(db);
      // Nothing but this store was written since `before` (same data_version: no other connection either), and it
      // touched no other class's ledger: the classes prepared meanwhile keep their mark.
      if (after.split(':')[1] === before.split(':')[1]) for (const q of pending) if ('seal' in q && q.seal.mark === before) q.seal.mark = after;
      const { c, stamp } = x.seal;
      out.sealed.push({ classId: c.id, className: c.name, version: stamp.version, code: stamp.code });
      o.onClass?.({ className: c.name, outcome: 'sealed', detail: x.seal.time?.failure ? `${stamp.code}, без штампа времени: ${x.seal.time.failure}` : stamp.code });
    }
    done++;
  };
  try {
    for (const c of classes) {
      p.throwIfCancelled();
      p.report(done, classes.length, `Класс ${c.name}`);
      if (sealedAlready(c.id)) {
        const current = currentVersion(db, c.id)!;
        const code = verificationCode(current.sha256, current.version);
        pending.push({ report: () => {
          out.alreadySealed.push({ classId: c.id, className: c.name, version: current.version, code });
          o.onClass?.({ className: c.name, outcome: 'already', detail: code });
        } });
      } else {
        const built = { mark: writeMark(db), data: buildLedger(db, c.id) };
        const refusal = sealRefusal(db, c.id, !!o.allowNa, built.data);
        if (refusal) {
          pending.push({ report: () => {
            out.skipped.push({ classId: c.id, className: c.name, reason: refusal.reason, missing: refusal.gaps.filter((g) => !g.na).length, na: refusal.gaps.filter((g) => g.na).length });
            o.onClass?.({ className: c.name, outcome: 'skipped', detail: refusal.reason });
          } });
        } else {
          const seal = await prepareSeal(db, c.id, { signer, allowNa: o.allowNa, built, tsa: o.tsa });
          const files = renderer.render(seal.data, seal.stamp, { signal: dropped.signal }).then((f) => withPdfSignature(f, signer, seal, o.tsa));
          files.catch(() => {}); // awaited in turn below; after a cancel or an error, dropped
          pending.push({ seal, files });
        }
      }
      // Keep every printer busy; with none but this thread, store each class before preparing the next.
      while (pending.length && (printing() > renderer.capacity || !printing())) await finishFirst();
    }
    while (pending.length) await finishFirst();
  } finally {
    dropped.abort(); // a renderer kept beyond this close (the running program's) drops what it has not started of it
    if (!o.renderer) await renderer.close();
    await archive?.close(); // what was sealed, cancelled or not, is archived
  }
  p.report(classes.length, classes.length, 'Готово');
  return out;
}
