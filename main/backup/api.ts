// The archive and backup services as the contract calls them (main/backup/handlers.ts): media by id (or, from the
// command line, folders and a bag's folder), long work as jobs (each `…Job` checks the request and says what the job
// does; dispatch starts it). `db` is null when the command line runs without --db.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { archiveDirFor, archiveEvidence, archiveReport as checkArchive, archiveSealed, stampArchive, type ArchiveReport } from '../archive/archive.ts';
import type { EvidenceHash } from '../archive/evidence.ts';
import { storedTsa, tsaTrustForVerifying } from '../signing/tsa-store.ts';
import { appendAudit } from '../audit/log.ts';
import type { TsaOptions } from '../signing/timestamp.ts';
import type { OpenRegister } from '../shared/open-register.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { signedIn, type JobSpec, type SessionStore } from '../shared/handler.ts';
import type { BagUploadJobResult } from '../../preload/contract-archive.ts';
import { trustAnchors } from '../signing/trust.ts';
import { bagsOn, parseBagInfo, ENCRYPTION } from './bag.ts';
import { backupRegister, SameMediaError, sameMediaWarnings, type BackupOutcome } from './backup.ts';
import { restoreBag, type RestoreReport } from './restore.ts';
import { restoreOpenRegister } from './restore-open.ts';
import { getMedia, mediaByPath, type Media } from './runs.ts';
import { uploadBag } from './upload.ts';
import { verifyCopies, type VerifyReport } from './verify.ts';

function presentMedia(db: DB, ids: number[]): Media[] {
  const media = ids.map((id) => getMedia(db, id));
  const absent = media.filter((m) => !m.present);
  if (absent.length) {
    throw fieldError('mediaIds', `Носитель не подключён: ${absent.map((m) => `«${m.label}» (${m.path})`).join(', ')}`);
  }
  return media;
}

/**
 * The roots a seal's signer must reach: those given (the CLI's --trust), else the open register's (never the copy's
 * own: a forged copy would bring its own root); undefined when none, and then signatures are checked for integrity.
 */
function anchorsFor(given: string[] | undefined, db: DB | null): string[] | undefined {
  const t = trustAnchors(given, db);
  return t.source === 'none' ? undefined : t.pems;
}

/** The register's archive (or the folder given): re-hashed, its chain and signatures checked, against the register's seals. */
/** Versions a seal left out of the archive are caught up first, unless a job holds the register (`busy`). */
export async function archiveReport(db: DB | null, a: { archive?: string; trustedCertsPem?: string[]; tsaTrustedCertsPem?: string[] } = {}, busy = false): Promise<ArchiveReport> {
  const dir = a.archive ? path.resolve(a.archive) : db ? archiveDirFor(db.name) : null;
  if (!dir) throw fieldError('archive', 'Укажите папку архива или откройте реестр');
  return checkArchive(db, dir, { trustedCertsPem: anchorsFor(a.trustedCertsPem, db), catchUp: !busy, tsaTrust: a.tsaTrustedCertsPem });
}

/**
 * `archive renew` / «Обновить штамп времени»: what the register's archive lacks is caught up, then the evidence chain
 * gets the stamp it needs now (the head, a renewal within `marginDays` of the TSA certificate's end or `force`d, a
 * stronger `hash`), from the call's TSA or the stored one; the chain is checked after it.
 */
export async function renewArchive(db: DB, login: string, a: { hash?: EvidenceHash; force?: boolean; marginDays?: number; tsa?: TsaOptions }) {
  const tsa = a.tsa ?? storedTsa(db);
  if (!tsa) throw fieldError('tsa', 'Служба штампов времени не настроена (настройки подписи или --tsa АДРЕС --tsa-ca ФАЙЛ): архив заверить нечем');
  const dir = archiveDirFor(db.name);
  archiveSealed(db, dir);
  const r = await stampArchive(db, dir, tsa, { hash: a.hash, force: a.force, marginDays: a.marginDays });
  const e = await archiveEvidence(dir, tsaTrustForVerifying(db, a.tsa?.trustedCertsPem));
  const s = r.stamp;
  if (s) {
    db.transaction(() => appendAudit(db, login, 'archive.renew', { n: s.n, kind: s.kind, hash: s.hash, entries: s.entries, time: s.time, tsa: s.tsa,
      tsaNotAfter: s.tsaNotAfter, sha256: s.sha256 })).immediate();
  }
  return {
    stamp: s ? { n: s.n, kind: s.kind, hash: s.hash, entries: s.entries, time: s.time, tsa: s.tsa, tsaNotAfter: s.tsaNotAfter } : null,
    message: r.message,
    evidence: { state: e.state, stamps: e.stamps, covered: e.covered, entries: e.entries, until: e.until, trusted: e.trusted, message: e.message },
  };
}

/** Exactly one of the two ways to name media: by id (the app) or by folder (the command line). */
function oneOf(a: { mediaIds?: number[]; folders?: string[] }): 'mediaIds' | 'folders' {
  if ((a.mediaIds === undefined) === (a.folders === undefined)) throw fieldError('mediaIds', 'Укажите носители из списка или папки — одно из двух');
  return a.mediaIds ? 'mediaIds' : 'folders';
}

type Destination = { path: string; mediaId: number | null; label: string | null; passphrase: string | null };

export function backupJob(db: DB, user: User | null,
  a: { mediaIds?: number[]; folders?: string[]; encrypt?: boolean; confirmSameDevice: boolean; passphrase?: string }): JobSpec<BackupOutcome> {
  const by = signedIn(user);
  let destinations: Destination[];
  if (oneOf(a) === 'mediaIds') {
    const ids = a.mediaIds!;
    if (new Set(ids).size !== ids.length) throw fieldError('mediaIds', 'Один и тот же носитель выбран дважды');
    const media = presentMedia(db, ids);
    if (media.some((m) => m.encrypted || a.encrypt) && !a.passphrase) throw fieldError('passphrase', 'Для шифруемых носителей нужна парольная фраза');
    destinations = media.map((m) => ({ path: m.path, mediaId: m.id, label: m.label, passphrase: m.encrypted || a.encrypt ? a.passphrase! : null }));
  } else {
    // a folder registered as a medium is that medium: its label in the report, its encryption
    destinations = a.folders!.map((p) => {
      const media = mediaByPath(db, p);
      const encrypt = !!a.encrypt || !!media?.encrypted;
      if (encrypt && !a.passphrase) throw fieldError('passphrase', `носитель ${media?.label ?? p} шифруется: задайте парольную фразу`);
      return { path: p, passphrase: encrypt ? a.passphrase! : null, mediaId: media?.id ?? null, label: media?.label ?? null };
    });
  }
  // Said before the job starts, so the archivist sees the warning and decides.
  const warnings = sameMediaWarnings(destinations.map((d) => d.path));
  if (warnings.length && !a.confirmSameDevice) throw new SameMediaError(warnings);
  return { jobKind: 'backup', work: (p) => backupRegister(db, { destinations, confirmSameDevice: a.confirmSameDevice, progress: p, by: by.login }) };
}

/** Re-checks the copies on the media (or in the folders); with no register open, nothing is logged. */
export function verifyJob(db: DB | null, user: User | null, a: { mediaIds?: number[]; folders?: string[]; repair: boolean }): JobSpec<VerifyReport> {
  const by = signedIn(user);
  const paths = oneOf(a) === 'folders' ? a.folders! : presentMedia(needRegister(db), a.mediaIds!).map((m) => m.path);
  return { jobKind: 'verify', work: (p) => verifyCopies(db, paths, { repair: a.repair, by: by.login, progress: p }) };
}

/** A finished copy to the central store, as a job (it resumes where a broken upload stopped). */
export function bagUploadJob(user: User | null, a: { bagPath: string; url: string; token?: string }): JobSpec<BagUploadJobResult> {
  signedIn(user);
  return { work: (p) => uploadBag(a.bagPath, a.url, { token: a.token ?? null, progress: p }) };
}

function needRegister(db: DB | null): DB {
  if (!db) throw new AppError('validation', 'Носители записаны в реестре: откройте его (--db ФАЙЛ) или укажите папки');
  return db;
}

export function listBags(db: DB, mediaId: number) {
  const m = presentMedia(db, [mediaId])[0];
  return bagsOn(m.path).reverse().map((name) => {
    const dir = path.join(m.path, name);
    const info = fs.existsSync(path.join(dir, 'bag-info.txt')) ? parseBagInfo(fs.readFileSync(path.join(dir, 'bag-info.txt'), 'utf8')) : new Map<string, string>();
    const oxum = info.get('Payload-Oxum');
    return { name, path: dir, encrypted: fs.existsSync(path.join(dir, ENCRYPTION)), baggingDate: info.get('Bagging-Date') ?? null, bytes: oxum ? Number(oxum.split('.')[0]) : 0 };
  });
}

/** The bag's folder, when the medium is plugged in and holds a bag of that name. */
function bagOnMedia(db: DB, mediaId: number, bag: string): string {
  const m = presentMedia(db, [mediaId])[0];
  if (!bagsOn(m.path).includes(bag)) throw fieldError('bag', `На носителе «${m.label}» нет копии ${bag}`);
  return path.join(m.path, bag);
}

/** A copy not written by this program (no tag, or one that does not verify) is restored only by an admin who confirms it. */
function onlyAdminAcceptsForeign(by: User, acceptForeign: boolean | undefined): void {
  if (acceptForeign && by.role !== 'admin') {
    throw new AppError('forbidden', 'Восстановить копию, не записанную этой программой (без метки подлинности или с чужой), может только администратор');
  }
}

/**
 * Restores a bag on a medium into a new file (or a drill); from the command line, a bag's folder into a file that may
 * exist (it is put aside) — the register the command line has open is not a file it may restore over.
 */
export function restoreJob(db: DB | null, user: User | null,
  a: { mediaId?: number; bag?: string; bagPath?: string; drill: boolean; target?: string; passphrase?: string; trustedCertsPem?: string[]; acceptForeign?: boolean }): JobSpec<RestoreReport> {
  const by = signedIn(user);
  onlyAdminAcceptsForeign(by, a.acceptForeign);
  const log = db ? { db, by: by.login } : null;
  const run = (bag: string, target: string | null): JobSpec<RestoreReport> => ({ jobKind: a.drill ? 'drill' : 'restore', work: (p) => restoreBag(bag, {
    target, drill: a.drill, passphrase: a.passphrase ?? null, trustedCertsPem: anchorsFor(a.trustedCertsPem, db), progress: p, log,
    foreignAcceptedBy: a.acceptForeign ? by.login : null }) });
  if (a.bagPath !== undefined) {
    if (a.mediaId !== undefined || a.bag !== undefined) throw fieldError('bagPath', 'Укажите копию одним способом: носитель и копия или папка копии');
    if (!a.drill && !a.target) throw fieldError('target', 'Укажите, куда восстановить, или выберите учебное восстановление');
    const target = a.drill ? null : path.resolve(a.target!);
    if (target && db && target === path.resolve(db.name)) throw fieldError('target', 'Это открытый сейчас реестр: восстановите в другой файл');
    return run(a.bagPath, target);
  }
  if (a.mediaId === undefined || a.bag === undefined) throw fieldError('bag', 'Выберите носитель и копию');
  const reg = needRegister(db);
  const bag = bagOnMedia(reg, a.mediaId, a.bag);
  let target: string | null = null;
  if (!a.drill) {
    if (!a.target || !path.isAbsolute(a.target)) throw fieldError('target', 'Укажите полный путь нового файла реестра');
    target = path.resolve(a.target);
    // Over the open register: backup.restoreOpen (restoreOpenJob), which closes and reopens it; not a plain file restore.
    if (target === path.resolve(reg.name)) throw fieldError('target', 'Это открытый сейчас реестр: восстановите в новый файл или выберите «Восстановить открытый реестр из этой копии»');
    if (fs.existsSync(target)) throw fieldError('target', `Файл ${target} уже есть: выберите новый`);
  }
  return run(bag, target);
}

/**
 * Restore over the register that is open now (a job: progress, cancel until the swap). The register is held
 * exclusively while the job runs: whatever was written meanwhile would go aside with the register it went into.
 */
export function restoreOpenJob(db: DB, user: User | null, open: { register?: OpenRegister; sessions: SessionStore; otherJobs: (self: string) => string[] },
  a: { mediaId: number; bag: string; passphrase?: string; takeAccountsFromCopy?: boolean; confirmAuditDifference?: boolean; acceptForeign?: boolean }): JobSpec<RestoreReport> {
  const by = signedIn(user);
  onlyAdminAcceptsForeign(by, a.acceptForeign);
  // the archivist's restore never changes anyone's rights, and never goes on over a journal that differs
  if (a.takeAccountsFromCopy && by.role !== 'admin') {
    throw new AppError('forbidden', 'Взять учётные записи из копии может только администратор: при восстановлении архивистом пользователи, роли и пароли остаются как в открытом реестре');
  }
  if (a.confirmAuditDifference && by.role !== 'admin') {
    throw new AppError('forbidden', 'Восстановить копию, журнал аудита которой расходится с журналом открытого реестра, может только администратор');
  }
  const register = open.register;
  if (!register) throw new AppError('validation', 'Открытый реестр восстанавливается только в работающей программе; в командной строке: restore КОПИЯ --to ФАЙЛ');
  const bag = bagOnMedia(db, a.mediaId, a.bag);
  if (fs.existsSync(path.join(bag, ENCRYPTION)) && !a.passphrase) throw fieldError('passphrase', `Копия ${a.bag} зашифрована: введите парольную фразу`);
  return {
    jobKind: 'restoreOpen', label: 'восстановление открытого реестра',
    // the job asks for the others only at the swap, long after it has started
    work: (p, self) => restoreOpenRegister(bag, {
      register, sessions: open.sessions, by: by.login, passphrase: a.passphrase ?? null, trustedCertsPem: anchorsFor(undefined, db), progress: p,
      otherJobs: () => open.otherJobs(self),
      takeAccountsFromCopy: !!a.takeAccountsFromCopy, confirmAuditDifference: !!a.confirmAuditDifference, acceptForeign: !!a.acceptForeign,
    }),
  };
}
