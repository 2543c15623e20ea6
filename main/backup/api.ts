// The archive and backup services as the contract calls them (main/backup/handlers.ts): media by id, long work as jobs
// (each `…Job` checks the request and says what the job does; dispatch starts it).
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { archiveDirFor, verifyArchive, type ArchiveReport } from '../archive/archive.ts';
import type { OpenRegister } from '../shared/open-register.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { signedIn, type JobSpec, type SessionStore } from '../shared/handler.ts';
import { bagsOn, parseBagInfo, ENCRYPTION } from './bag.ts';
import { backupRegister, SameMediaError, sameMediaWarnings, type BackupOutcome } from './backup.ts';
import { restoreBag, type RestoreReport } from './restore.ts';
import { restoreOpenRegister } from './restore-open.ts';
import { getMedia, type Media } from './runs.ts';
import { verifyCopies, type VerifyReport } from './verify.ts';

function presentMedia(db: DB, ids: number[]): Media[] {
  const media = ids.map((id) => getMedia(db, id));
  const absent = media.filter((m) => !m.present);
  if (absent.length) {
    throw fieldError('mediaIds', `Носитель не подключён: ${absent.map((m) => `«${m.label}» (${m.path})`).join(', ')}`);
  }
  return media;
}

export async function archiveReport(db: DB): Promise<ArchiveReport> {
  const dir = archiveDirFor(db.name);
  if (!fs.existsSync(dir)) {
    return { ok: true, dir, entries: 0, files: 0, signatures: 0, untrustedSigners: [], head: '0'.repeat(64), problems: [], message: 'Архива ещё нет: запечатанных ведомостей не было' };
  }
  return verifyArchive(dir);
}

export function backupJob(db: DB, user: User | null, a: { mediaIds: number[]; confirmSameDevice: boolean; passphrase?: string }): JobSpec<BackupOutcome> {
  const by = signedIn(user);
  if (new Set(a.mediaIds).size !== a.mediaIds.length) throw fieldError('mediaIds', 'Один и тот же носитель выбран дважды');
  const media = presentMedia(db, a.mediaIds);
  if (media.some((m) => m.encrypted) && !a.passphrase) throw fieldError('passphrase', 'Для шифруемых носителей нужна парольная фраза');
  // Said before the job starts, so the archivist sees the warning and decides.
  const warnings = sameMediaWarnings(media.map((m) => m.path));
  if (warnings.length && !a.confirmSameDevice) throw new SameMediaError(warnings);
  const destinations = media.map((m) => ({ path: m.path, mediaId: m.id, label: m.label, passphrase: m.encrypted ? a.passphrase! : null }));
  return { jobKind: 'backup', work: (p) => backupRegister(db, { destinations, confirmSameDevice: a.confirmSameDevice, progress: p, by: by.login }) };
}

export function verifyJob(db: DB, user: User | null, a: { mediaIds: number[]; repair: boolean }): JobSpec<VerifyReport> {
  const by = signedIn(user);
  const media = presentMedia(db, a.mediaIds);
  return { jobKind: 'verify', work: (p) => verifyCopies(db, media.map((m) => m.path), { repair: a.repair, by: by.login, progress: p }) };
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

export function restoreJob(db: DB, user: User | null, a: { mediaId: number; bag: string; drill: boolean; target?: string; passphrase?: string }): JobSpec<RestoreReport> {
  const by = signedIn(user);
  const bag = bagOnMedia(db, a.mediaId, a.bag);
  let target: string | null = null;
  if (!a.drill) {
    if (!a.target || !path.isAbsolute(a.target)) throw fieldError('target', 'Укажите полный путь нового файла реестра');
    target = path.resolve(a.target);
    // Over the open register: backup.restoreOpen (restoreOpenJob), which closes and reopens it; not a plain file restore.
    if (target === path.resolve(db.name)) throw fieldError('target', 'Это открытый сейчас реестр: восстановите в новый файл или выберите «Восстановить открытый реестр из этой копии»');
    if (fs.existsSync(target)) throw fieldError('target', `Файл ${target} уже есть: выберите новый`);
  }
  return { jobKind: a.drill ? 'drill' : 'restore',
    work: (p) => restoreBag(bag, { target, drill: a.drill, passphrase: a.passphrase ?? null, progress: p, log: { db, by: by.login } }) };
}

/**
 * Restore over the register that is open now (a job: progress, cancel until the swap). The register is held
 * exclusively while the job runs: whatever was written meanwhile would go aside with the register it went into.
 */
export function restoreOpenJob(db: DB, user: User | null, open: { register?: OpenRegister; sessions: SessionStore; otherJobs: (self: string) => string[] },
  a: { mediaId: number; bag: string; passphrase?: string }): JobSpec<RestoreReport> {
  const by = signedIn(user);
  const register = open.register;
  if (!register) throw new AppError('validation', 'Открытый реестр восстанавливается только в работающей программе; в командной строке: restore КОПИЯ --to ФАЙЛ');
  const bag = bagOnMedia(db, a.mediaId, a.bag);
  if (fs.existsSync(path.join(bag, ENCRYPTION)) && !a.passphrase) throw fieldError('passphrase', `Копия ${a.bag} зашифрована: введите парольную фразу`);
  return {
    jobKind: 'restoreOpen', label: 'восстановление открытого реестра',
    // the job asks for the others only at the swap, long after it has started
    work: (p, self) => restoreOpenRegister(bag, {
      register, sessions: open.sessions, by: by.login, passphrase: a.passphrase ?? null, progress: p, otherJobs: () => open.otherJobs(self),
    }),
  };
}
