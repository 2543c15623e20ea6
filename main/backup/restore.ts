// Restore: a bag becomes a new register file and archive, and is checked before it replaces anything — the bag
// against its manifests (paths that escape it refused), its authentication tag under this installation's backup key
// (a copy not written by this program is refused unless an admin confirmed it), SQLite's integrity_check, the audit chain, every seal of every
// ledger version re-verified, every sealed class rebuilt from the restored data and hashed against its seal (a copy
// edited behind the program with its manifests redone passes everything else), the archive re-hashed with its chain
// and signatures. Only then is the current register
// (and its archive) moved aside and the restored one put in its place. A drill does all of it in a scratch folder,
// reports, and discards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, openRegister, type DB } from '../../db/connection.ts';
import { archiveDirFor, readManifest, verifyArchive } from '../archive/archive.ts';
import { EVIDENCE } from '../archive/evidence.ts';
import { tsaTrustForVerifying } from '../signing/tsa-store.ts';
import { fsyncDir, sha256 } from '../archive/files.ts';
import { appendAudit } from '../audit/log.ts';
import { verifyAuditChain } from '../audit/verify.ts';
import { anchorAudit } from '../audit/anchor.ts';
import { pemCertificates } from '../signing/chain.ts';
import { progressTo, type Progress } from '../shared/jobs.ts';
import { verifyDetached } from '../signing/cms.ts';
import { describeDifference, rederiveSealed } from '../ledgers/verify.ts';
import { AppError } from '../shared/errors.ts';
import { checkBag, ENCRYPTION, isBag } from './bag.ts';
import { decryptFile, openEncryption } from './encryption.ts';
import { checkAuthenticity } from './key.ts';
import { finishRun, startRun } from './runs.ts';
import { RegisterNotPutBack } from '../shared/open-register.ts';

export type RestoreCheck = { name: string; ok: boolean; message: string };
export type RestoreReport = {
  ok: boolean;
  drill: boolean;
  bag: string;
  target: string | null;
  /** where the register that was replaced now lies (null when there was none, or on a drill) */
  keptAside: string | null;
  checks: RestoreCheck[];
  students: number;
  ledgerVersions: number;
  archiveEntries: number;
  message: string;
};

export class RestoreRefused extends AppError {
  constructor(readonly report: RestoreReport) {
    super('validation', report.message);
  }
}

/** Every seal in the register: JSON hash, version chain, PDF/XLSX hashes, detached signature. */
function checkSeals(db: DB, trusted: string[] | undefined): RestoreCheck {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_versions'").get()) {
    return { name: 'seals', ok: true, message: 'Запечатанных ведомостей в реестре нет' };
  }
  const bad: string[] = [];
  let n = 0;
  const bySha = new Map<string, number>();
  type Row = { id: number; class_id: number; version: number; sha256: string; prev_sha256: string | null; canonical_json: string; signature: Buffer | null;
    pdf: Buffer | null; pdf_sha256: string | null; xlsx: Buffer | null; xlsx_sha256: string | null };
  const prevOf = db.prepare('SELECT sha256 FROM ledger_versions WHERE class_id = ? AND version = ?');
  for (const r of db.prepare('SELECT * FROM ledger_versions ORDER BY class_id, version').iterate() as Iterable<Row>) {
    n++;
    const what = `класс ${r.class_id}, версия ${r.version}`;
    const json = Buffer.from(r.canonical_json, 'utf8');
    if (sha256(json) !== r.sha256) bad.push(`${what}: канонический JSON не совпадает с печатью`);
    const prev = r.version > 1 ? (prevOf.get(r.class_id, r.version - 1) as { sha256: string } | undefined)?.sha256 ?? null : null;
    if ((r.prev_sha256 ?? null) !== prev) bad.push(`${what}: ссылка на предыдущую версию не сходится`);
    if (r.pdf && r.pdf_sha256 && sha256(r.pdf) !== r.pdf_sha256) bad.push(`${what}: PDF изменён`);
    if (r.xlsx && r.xlsx_sha256 && sha256(r.xlsx) !== r.xlsx_sha256) bad.push(`${what}: XLSX изменён`);
    if (r.signature) {
      const v = verifyDetached(Buffer.from(r.signature), json, trusted ?? []);
      if (!v.ok && !(v.reason === 'untrusted_signer' && !trusted)) bad.push(`${what}: подпись — ${v.message}`);
    }
    bySha.set(r.sha256, r.id);
  }
  return bad.length
    ? { name: 'seals', ok: false, message: `Печати ведомостей не сходятся: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? ` и ещё ${bad.length - 5}` : ''}` }
    : { name: 'seals', ok: true, message: `Печати всех ведомостей проверены: ${n}` };
}

/**
 * Every sealed class's current version rebuilt from the restored data: a copy whose data were changed behind its seals
 * (a trigger dropped, the manifests recomputed) passes every check of the bag and of the stored seals, but not this.
 */
function checkSealedData(db: DB): RestoreCheck {
  const r = rederiveSealed(db);
  const apart = r.underCorrection.length ? `; на исправлении (данные меняются по приказу, не сверялись): ${r.underCorrection.join(', ')}` : '';
  if (!r.mismatches.length) {
    return { name: 'sealed_data', ok: true, message: r.checked
      ? `Данные всех запечатанных ведомостей совпадают с печатями: ${r.checked}${apart}` : `Запечатанных ведомостей для сверки нет${apart}` };
  }
  const all = r.mismatches.flatMap((m) => m.differences.map((d) => `${m.className}${m.year ? ` (${m.year})` : ''}, версия ${m.version} (${m.code}): ${describeDifference(d)}`));
  return { name: 'sealed_data', ok: false, message: `Данные реестра в копии не совпадают с печатями ведомостей (${r.mismatches.map((m) => m.className).join(', ')}): `
    + `${all.slice(0, 10).join('; ')}${all.length > 10 ? ` и ещё ${all.length - 10}` : ''}` };
}

/**
 * Was the copy written by this program (its tag verifies under this installation's backup key)? A copy that was not
 * fails this check, the reason named, unless an admin confirmed it; the other checks still run and are reported.
 */
function authenticityCheck(bag: string, acceptedBy: string | null): RestoreCheck {
  const a = checkAuthenticity(bag);
  if (a.genuine) return { name: 'authentic', ok: true, message: `Подлинность: ${a.reason}` };
  const what = `Копия не записана этой программой: ${a.reason}`;
  return acceptedBy
    ? { name: 'authentic', ok: true, message: `${what}. Администратор (${acceptedBy}) подтвердил восстановление такой копии` }
    : { name: 'authentic', ok: false, message: `${what}. Восстановить её может только администратор, подтвердив это` };
}

/**
 * Restores `bagDir` into `target` (a register file path). With `drill`, `target` is ignored: everything happens in a
 * scratch folder that is removed afterwards. Throws RestoreRefused (with the report) when any check fails; nothing
 * is replaced then.
 */
export async function restoreBag(bagDir: string, opts: {
  target?: string | null; drill?: boolean; passphrase?: string | null; trustedCertsPem?: string[]; progress?: Progress;
  /** the open register, to log the run in (not the target) */
  log?: { db: DB; by: string | null } | null;
  /** puts the checked copy in the target's place and says where the old register went (default: putAsideAndMoveIn) */
  moveIn?: MoveIn;
  /** the last step of the checks, on the restored register while it lies in the stage (the restore over the open
   *  register: its audit chain against the open one, the accounts kept); it adds its checks to `checks` and may write
   *  into the restored register when every check passed */
  against?: (staged: DB, checks: RestoreCheck[]) => void;
  /** an admin who confirmed restoring a copy not written by this program (api.ts refuses it to anyone else) */
  foreignAcceptedBy?: string | null;
}): Promise<RestoreReport> {
  const progress = opts.progress ?? progressTo();
  const bag = path.resolve(bagDir);
  const drill = !!opts.drill;
  if (!fs.existsSync(bag) || !isBag(bag)) throw new AppError('validation', `${bag}: это не резервная копия (нет bagit.txt и data/)`);
  if (path.basename(bag).startsWith('.sr-partial-')) throw new AppError('validation', `${bag}: незавершённая копия (запись прервалась) — восстанавливать из неё нельзя`);
  if (!drill && !opts.target) throw new AppError('validation', 'Укажите файл, в который восстановить реестр', { target: 'Укажите файл' });
  const target = drill ? null : path.resolve(opts.target!);
  const runId = opts.log ? startRun(opts.log.db, drill ? 'drill' : 'restore', opts.log.by, path.basename(bag)) : null;
  const checks: RestoreCheck[] = [];
  const scratchParent = drill ? fs.mkdtempSync(path.join(os.tmpdir(), 'sr-drill-')) : path.dirname(target!);
  const stage = fs.mkdtempSync(path.join(scratchParent, '.sr-restore-'));
  const stagedRegister = path.join(stage, target ? path.basename(target) : 'register.sqlite');
  const stagedArchive = archiveDirFor(stagedRegister);
  let report: RestoreReport = { ok: false, drill, bag, target, keptAside: null, checks, students: 0, ledgerVersions: 0, archiveEntries: 0, message: '' };
  const finish = (ok: boolean, message: string) => {
    report = { ...report, ok, message };
    if (opts.log && runId) {
      opts.log.db.transaction(() => {
        finishRun(opts.log!.db, runId, ok ? 'ok' : 'failed', message);
        appendAudit(opts.log!.db, opts.log!.by, drill ? 'backup.drill' : 'backup.restore', { bag, target, ok, checks: checks.map((c) => [c.name, c.ok]) });
      }).immediate();
    }
    return report;
  };
  try {
    if (target && fs.existsSync(target) && fs.statSync(target).isDirectory()) throw new AppError('validation', `${target} — папка; укажите файл реестра`);
    // 1. The bag itself: refused on unsafe paths (checkBag throws), rejected on any damage.
    progress.report(0, 4, 'Проверка копии');
    const bagCheck = await checkBag(bag);
    checks.push({ name: 'bag', ok: bagCheck.ok, message: bagCheck.ok ? `Копия цела: файлов ${bagCheck.files}` : `Копия повреждена: ${bagCheck.problems.map((p) => p.message).slice(0, 3).join('; ')}` });
    if (!bagCheck.ok) throw new RestoreRefused(finish(false, `Восстановление отклонено: ${checks.at(-1)!.message}`));
    checks.push(authenticityCheck(bag, opts.foreignAcceptedBy ?? null));
    progressStep(progress, 1, 'Распаковка');
    const key = fs.existsSync(path.join(bag, ENCRYPTION)) ? openEncryption(path.join(bag, ENCRYPTION), opts.passphrase, bag) : null;
    // 2. Unpack into the stage (decrypting when needed).
    fs.mkdirSync(path.join(stagedArchive, 'files'), { recursive: true });
    const place = async (rel: string, dst: string) => {
      if (key) await decryptFile(key, path.join(bag, rel), dst, `${bag}/${rel}`);
      else fs.copyFileSync(path.join(bag, rel), dst, fs.constants.COPYFILE_EXCL);
    };
    for (const rel of bagCheck.payload.keys()) {
      progress.throwIfCancelled();
      if (rel === 'data/register.sqlite') await place(rel, stagedRegister);
      else if (rel === 'data/archive/manifest.jsonl') await place(rel, path.join(stagedArchive, 'manifest.jsonl'));
      else if (/^data\/archive\/files\/[0-9a-f]{64}$/.test(rel)) await place(rel, path.join(stagedArchive, 'files', path.basename(rel)));
      else if (rel === 'data/trust.pem') await place(rel, stagedTrustFile(stagedRegister));
      else if (/^data\/archive\/evidence\/(\d{4}\.tsr|index\.json)$/.test(rel)) {
        fs.mkdirSync(path.join(stagedArchive, EVIDENCE), { recursive: true });
        await place(rel, path.join(stagedArchive, EVIDENCE, path.basename(rel)));
      }
      else throw new AppError('validation', `Копия ${bag}: неизвестный файл ${rel} — это не резервная копия реестра`);
    }
    if (!fs.existsSync(stagedRegister)) throw new AppError('validation', `Копия ${bag}: в ней нет файла реестра data/register.sqlite`);
    if (fs.existsSync(stagedTrustFile(stagedRegister))) {
      const n = pemCertificates([fs.readFileSync(stagedTrustFile(stagedRegister), 'utf8')]).length;
      checks.push({ name: 'trust', ok: n > 0, message: n ? `Доверенные корневые сертификаты реестра в копии: ${n} — восстанавливаются с ним`
        : 'Файл доверенных корневых сертификатов в копии (data/trust.pem) не содержит сертификатов PEM' });
    }

    // 3. The register: SQLite's own check, ours (application_id), the audit chain, every seal.
    progressStep(progress, 2, 'Проверка реестра');
    const raw = new Database(stagedRegister, { readonly: true, fileMustExist: true });
    try {
      const ic = (raw.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
      checks.push({ name: 'integrity_check', ok: ic.length === 1 && ic[0] === 'ok', message: ic[0] === 'ok' ? 'Файл реестра цел: проверка целостности базы данных пройдена' : `Файл реестра повреждён: ${ic.slice(0, 3).join('; ')}` });
      const appId = raw.pragma('application_id', { simple: true });
      checks.push({ name: 'application_id', ok: appId === APPLICATION_ID, message: appId === APPLICATION_ID ? 'Файл реестра школы' : 'Файл не является реестром школы' });
    } catch (e) {
      checks.push({ name: 'integrity_check', ok: false, message: `Файл реестра не читается: ${(e as Error).message}` });
    } finally {
      raw.close();
    }
    // a copy not written by this program is still opened and checked: its refusal names everything found
    if (checks.every((c) => c.ok || c.name === 'authentic')) {
      const db = openRegister(stagedRegister, { create: false });
      try {
        const audit = verifyAuditChain(db);
        checks.push({ name: 'audit', ok: audit.ok, message: audit.message });
        checks.push(checkSeals(db, opts.trustedCertsPem));
        checks.push(checkSealedData(db));
        report.students = (db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n;
        const hasLv = !!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'ledger_versions'").get();
        report.ledgerVersions = hasLv ? (db.prepare('SELECT count(*) AS n FROM ledger_versions').get() as { n: number }).n : 0;
        // 4. The archive: files, chain, signatures; and every archived seal is one the register holds.
        progressStep(progress, 3, 'Проверка архива');
        // its evidence chain too, its stamps trusted by the copy's stored TSA certificate (as the register's own are)
        const a = await verifyArchive(stagedArchive, { trustedCertsPem: opts.trustedCertsPem, tsaTrust: storedTsaTrust(db) });
        report.archiveEntries = a.entries;
        checks.push({ name: 'archive', ok: a.ok, message: a.message });
        if (hasLv) {
          const known = new Set((db.prepare('SELECT sha256 FROM ledger_versions').all() as Array<{ sha256: string }>).map((r) => r.sha256));
          const foreign = readManifest(stagedArchive).entries.filter((e) => !known.has(e.ledgerSha256));
          checks.push({ name: 'archive_matches_register', ok: !foreign.length,
            message: foreign.length ? `В архиве ${foreign.length} печатей, которых нет в реестре` : 'Архив и реестр согласованы' });
        }
        opts.against?.(db, checks);
      } finally {
        db.close();
      }
    }
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) throw new RestoreRefused(finish(false, `Восстановление отклонено, ничего не заменено: ${failed.map((c) => c.message).join('; ')}`));
    if (drill) {
      return finish(true, `Учебное восстановление прошло: ${checks.map((c) => c.message).join('; ')}. Восстановленная копия удалена.`);
    }

    // 5. Put it in place: the current register moved aside, never overwritten, and the restored one moved in.
    const keptAside = (opts.moveIn ?? moveInClosed)({ register: stagedRegister, archive: stagedArchive }, target!, checks);
    report.keptAside = keptAside;
    return finish(true, `Реестр восстановлен в ${target}${keptAside ? `; прежний реестр сохранён как ${keptAside}` : ''}`);
  } catch (e) {
    if (e instanceof RestoreRefused) throw e;
    if (!report.message) finish(false, `Восстановление не выполнено: ${(e as Error)?.message ?? e}`);
    throw e;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
    if (drill) fs.rmSync(scratchParent, { recursive: true, force: true });
  }
}

/** The checked copy in the stage (a folder beside the target: on the same file system, so every move is a rename). */
/** The copy's stored TSA certificate (a copy an older version made has no TSA setting: none then). */
function storedTsaTrust(db: DB): string[] | undefined {
  try {
    return tsaTrustForVerifying(db, undefined);
  } catch {
    return undefined;
  }
}

export type Staged = { register: string; archive: string };
/** The trust anchors a copy carried (`data/trust.pem`), unpacked beside the staged register. */
const stagedTrustFile = (stagedRegister: string) => `${stagedRegister}.trust.pem`;

/** `checks`: what the copy passed, for the caller's own record of the restore. */
export type MoveIn = (staged: Staged, target: string, checks: RestoreCheck[]) => string | null;

/** What travels with a register file: its WAL, its archive, its audit anchor (its trust anchors: see TRUST). */
const COMPANIONS = ['', '-wal', '-shm', '.archive', '.audit-head'];
/** The register's trust anchors beside it (main/signing/trust.ts): replaced by the copy's only when it carries them. */
const TRUST = '.trust.pem';

/** `<target>.before-restore-<UTC time>-<4 hex>`: where a replaced register is put. */
function asideName(target: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${target}.before-restore-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

/**
 * Step 5 of every restore, the CLI's and the running program's: the register at `target` (with its WAL, archive and
 * audit anchor) renamed aside, never overwritten; the checked copy renamed in and opened with `open`; `welcome` (the
 * program's audit entry) written in it; its own audit anchor written. When any of that fails, the copy goes back
 * into the stage and the old register back to its path, as they were, and the error is thrown. The caller owns the
 * returned connection. Nothing may hold the old register open.
 */
export function putAsideAndMoveIn(staged: Staged, target: string, opts: {
  open?: (file: string) => DB; welcome?: (db: DB, keptAside: string | null) => void;
} = {}): { db: DB; keptAside: string | null } {
  const aside = asideName(target);
  const movedAside: string[] = [];
  let registerIn = false;
  let archiveIn = false;
  let trustIn = false;
  let copiedAside = false;
  let db: DB | null = null;
  try {
    for (const suffix of COMPANIONS) {
      if (fs.existsSync(target + suffix)) {
        fs.renameSync(target + suffix, aside + suffix);
        movedAside.push(suffix);
      }
    }
    const keptAside = movedAside.length ? aside : null;
    fs.renameSync(staged.register, target);
    registerIn = true;
    fs.renameSync(staged.archive, archiveDirFor(target));
    archiveIn = true;
    // the copy's trust anchors replace the register's (the old ones went aside with it); a copy made before copies
    // carried them has none, and then the register's stay where they are (a copy of them went aside too)
    if (fs.existsSync(stagedTrustFile(staged.register))) {
      if (fs.existsSync(target + TRUST)) {
        fs.renameSync(target + TRUST, aside + TRUST);
        movedAside.push(TRUST);
      }
      fs.renameSync(stagedTrustFile(staged.register), target + TRUST);
      trustIn = true;
    } else if (fs.existsSync(target + TRUST)) {
      fs.copyFileSync(target + TRUST, aside + TRUST);
      copiedAside = true;
    }
    db = (opts.open ?? ((f) => openRegister(f, { create: false })))(target);
    opts.welcome?.(db, keptAside);
    // the old anchor went aside with the old register on purpose: the restored one gets its own, not a "lost" one
    anchorAudit(db, { afresh: true });
    fsyncDir(path.dirname(target));
    return { db, keptAside };
  } catch (e) {
    try {
      db?.close();
    } catch { /* it goes back into the stage either way */ }
    const why = (e as Error)?.message ?? String(e);
    try {
      // what the restored copy left beside it (its WAL, its new anchor) goes; the copy itself back into the stage
      for (const suffix of ['-wal', '-shm', '.audit-head']) if (registerIn) fs.rmSync(target + suffix, { force: true });
      if (trustIn) fs.renameSync(target + TRUST, stagedTrustFile(staged.register));
      if (copiedAside) fs.rmSync(aside + TRUST, { force: true });
      if (archiveIn) fs.renameSync(archiveDirFor(target), staged.archive);
      if (registerIn) fs.renameSync(target, staged.register);
      for (const suffix of movedAside) fs.renameSync(aside + suffix, target + suffix);
      fsyncDir(path.dirname(target));
    } catch (undo) {
      // the copy is still in its bag; the old register must not be lost track of
      throw new RegisterNotPutBack(`Восстановленный реестр не встал на место (${why}), и прежний не удалось вернуть `
        + `(${(undo as Error).message}): прежний реестр лежит как ${aside}. Закройте программу и верните его на место вручную`, aside);
    }
    throw new AppError('internal', `Восстановленный реестр не встал на место: ${why}. Прежний реестр возвращён на место, ничего не заменено`);
  }
}

/** A restore whose copy would not open and whose old register could not be put back: no register is at its path. */
export { RegisterNotPutBack };

/** The CLI's way: nothing has the target open; the restored register is closed once in place. */
const moveInClosed: MoveIn = (staged, target) => {
  const { db, keptAside } = putAsideAndMoveIn(staged, target);
  db.close();
  return keptAside;
};

function progressStep(p: Progress, n: number, msg: string) {
  p.throwIfCancelled();
  p.report(n, 4, msg);
}
