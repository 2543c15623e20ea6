// A backup: a consistent snapshot of the register (SQLite's online backup API, never a copy of the live file; taken
// in memory when every copy is encrypted, so that the register never touches a disk unencrypted) and the archive, as
// one BagIt bag written to two or more destinations in one pass: every source file is read once and hashed once, and
// reaches every destination (encrypted for those that want it; plain copies beyond the first are made
// by the kernel, copy_file_range). Reading, hashing, writing, fsync and the read-back overlap: the snapshot is taken
// while archive files are copied several at a time, fsyncs run in the background, each archive file is verified as
// soon as its copies are fsynced. Each copy is written under `.sr-partial-<bag>-<pid>`, fsynced (files and
// directories), verified (each plain copy read back and compared with its source byte for byte, encrypted copies
// re-hashed, then the whole bag checked against its manifests) and only then renamed to its name: a bag is complete or
// absent. A destination that fails (full, gone) fails alone; the others finish. The read-back goes through the page
// cache: what a later verify-copies reads from the device is its own check.
// Each bag ends with its authentication tag (sr-authentication.txt, key.ts): an HMAC under the installation's backup
// key over the tag manifest's bytes, which says the copy was written by this program.
// backupRegister reads as the archivist's steps, one function each; how a file is copied, synced and compared fast is
// in copies.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DB } from '../../db/connection.ts';
import { archiveDirFor, archiveSealed, archivedFilePath, MANIFEST as ARCHIVE_MANIFEST, readManifest, stampArchiveIfDue } from '../archive/archive.ts';
import { EVIDENCE, EVIDENCE_INDEX } from '../archive/evidence.ts';
import { fsyncDir } from '../archive/files.ts';
import { trustFilePath } from '../signing/trust.ts';
import { appendAudit } from '../audit/log.ts';
import { writeWhenFree } from '../../db/write-when-free.ts';
import { CancelledError, progressTo, type Progress } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_DIR, PRIVATE_FILE, removeStaleTemp } from '../shared/private-files.ts';
import { nowIso } from '../../preload/core/dates.ts';
import {
  BAG_INFO, BAGIT_TXT, bagInfoText, bagsOn, checkBag, ENCRYPTION, MANIFEST, manifestText, parseManifest, PARTIAL_PREFIX,
  partialsOn, TAGMANIFEST,
} from './bag.ts';
import {
  BackgroundSync, BufferPool, compareWithSource, following, inTurns, SYNC_AT_END, SYNC_WHILE_COPYING, writeToAll, type Source, type Target,
} from './copies.ts';
import { newEncryption, openEncryption, SEALED_OVERHEAD, type EncryptionInfo } from './encryption.ts';
import { authenticationText, AUTHENTICATION, backupKey } from './key.ts';
import { finishRun, mediaByPath, recordResult, startRun } from './runs.ts';
import { count } from '../../preload/core/plural.ts';
import { settleReads } from '../personal-data/read-journal.ts';

export type BackupDestination = { path: string; passphrase?: string | null; mediaId?: number | null; label?: string | null };

export type BackupOptions = {
  destinations: BackupDestination[];
  /** the archivist confirmed that two destinations on one device (or one folder) is what they want */
  confirmSameDevice?: boolean;
  progress?: Progress;
  by?: string | null;
  now?: Date;
  /** the bench's profile of the run: each stage as it began and ended (stages overlap); nothing else reads it */
  stages?: StageTimes;
};

/** Each stage of a run, ms from the run's start; an overlapping stage shows by its start before another's end. */
export type StageTimes = Array<{ stage: string; start: number; end: number }>;
type Clock = <T>(stage: string, work: () => T) => T;

/** Times `work` into `log` (a no-op without one): the bench's profile, never a decision of the run. */
function stageClock(log: StageTimes | undefined): Clock {
  const t0 = performance.now();
  return (stage, work) => {
    if (!log) return work();
    const start = performance.now() - t0;
    const end = () => void log.push({ stage, start, end: performance.now() - t0 });
    const r = work();
    if (r instanceof Promise) return r.finally(end) as typeof r;
    end();
    return r;
  };
}

export type DestinationOutcome = {
  path: string;
  label: string | null;
  ok: boolean;
  bagPath: string | null;
  encrypted: boolean;
  copied: number;
  reused: number;
  message: string;
};

export type BackupOutcome = {
  runId: number;
  bag: string;
  state: 'ok' | 'partial' | 'failed';
  files: number;
  bytes: number;
  archiveEntries: number;
  destinations: DestinationOutcome[];
  warnings: string[];
  message: string;
};

const CONFIRM = 'Продолжить можно, только подтвердив это явно';

export class SameMediaError extends AppError {
  constructor(readonly warnings: string[]) {
    super('conflict', `ВНИМАНИЕ: ${warnings.join('; ')}. Две копии на одном носителе пропадут вместе с ним. ` +
      `${CONFIRM}.`, { confirmSameDevice: CONFIRM });
  }
}

/** Two media means two devices: the same folder, or two folders on one device, are named loudly. */
export function sameMediaWarnings(paths: string[]): string[] {
  const seen = paths.map((p) => ({ p, real: fs.realpathSync(p), dev: fs.statSync(p).dev }));
  const out: string[] = [];
  for (let i = 0; i < seen.length; i++) {
    for (let j = i + 1; j < seen.length; j++) {
      const [a, b] = [seen[i], seen[j]];
      if (a.real === b.real) out.push(`«${a.p}» и «${b.p}» — одна и та же папка`);
      else if (a.dev === b.dev) out.push(`«${a.p}» и «${b.p}» находятся на одном устройстве (один и тот же диск, № ${a.dev})`);
    }
  }
  return out;
}

/** Bag names sort by time: `register-20261123T183000Z-1a2b`. */
export function bagName(now = new Date()): string {
  return `register-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${crypto.randomBytes(2).toString('hex')}`;
}

const alive = (pid: number) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes what interrupted backups (a killed process, a power cut) left on a destination. */
export function cleanPartials(dest: string): string[] {
  const removed: string[] = [];
  for (const p of partialsOn(dest)) {
    if (p.pid !== process.pid && alive(p.pid)) continue; // another backup is writing right now
    fs.rmSync(path.join(dest, p.name), { recursive: true, force: true });
    removed.push(p.name);
  }
  if (removed.length) fsyncDir(dest);
  return removed;
}

/** What went wrong with a destination, in words an archivist can act on. */
function describeFailure(where: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `${where}: на носителе не хватило места — копия не записана`;
  if (code === 'ENOENT' || code === 'ENODEV' || code === 'EIO' || code === 'ENXIO' || code === 'ESTALE') {
    return `${where}: носитель пропал во время записи (${code}) — копия не записана`;
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return `${where}: запись на носитель запрещена (${code})`;
  return `${where}: ${(e as Error)?.message ?? e}`;
}
/** A destination's last bag: its manifest (the hashes its files had when they were written and read back) and when
 *  it was sealed (its tag manifest's mtime, ns). */
type LastBag = { dir: string; manifest: Map<string, string>; sameKey: boolean; sealedNs: bigint };
type Dest = Target & {
  spec: BackupDestination;
  root: string;
  /** «Носитель …»: how messages name this destination */
  where: string;
  enc: EncryptionInfo | null;
  /** the destination's last bag, whose unchanged archive files are hard-linked instead of written again */
  prev: LastBag | null;
  reused: number;
};

type EarlyReadBack = { d: Dest; src: Source; file: string; same: Promise<{ same: unknown } | { thrown: unknown }> };

/** One backup under way: its bag, its destinations, its progress and what it warns the archivist of. */
class Run {
  /** progress in bytes: the snapshot, every copy written and every copy read back */
  private done = 0;
  total = 0;
  /** the read-back's buffers, reused from file to file */
  readonly pool = new BufferPool();
  /** the register's copies read back while the snapshot is still being hashed: settled by sealBags, awaited by discardBags */
  readonly earlyReadBacks: EarlyReadBack[] = [];
  constructor(readonly db: DB, readonly bag: string, readonly now: Date, readonly progress: Progress, readonly dests: Dest[],
    readonly warnings: string[], readonly backupKey: Buffer) {}
  /** the stage log's clock (BackupOptions.stages), when the caller asked for one */
  time: Clock = (_stage, work) => work();

  step(n: number, msg: string): void {
    this.done += n;
    this.progress.report(this.done, this.total, msg);
  }

  /** A destination fails alone, with its first reason in the archivist's words; the others go on. */
  readonly fail = (d: Dest, e: unknown): void => {
    if (!d.failed) d.failed = describeFailure(d.where, e);
  };

  live(): Dest[] {
    return this.dests.filter((d) => !d.failed);
  }
}

export async function backupRegister(db: DB, opts: BackupOptions): Promise<BackupOutcome> {
  const time = stageClock(opts.stages);
  const progress = opts.progress ?? progressTo();
  const now = opts.now ?? new Date();
  const by = opts.by ?? null;
  const warnings = time('destinations checked', () => checkDestinations(opts));
  // the installation's key (made on first use), before anything is written: every copy says who wrote it
  const key = time('backup key', () => backupKey());
  removeStaleTemp(); // what killed runs left in the temp folder (an older version's plain snapshots among them)
  const archiveDir = archiveDirFor(db.name);
  const archived = time('archive: sealed versions caught up', () => archiveSealed(db, archiveDir));
  const archiveCheck = time('archive: manifest read', () => readManifest(archiveDir));
  if (archiveCheck.problems.length) warnings.push(`архив повреждён: ${archiveCheck.problems[0].message}`);
  // the archive's head stamped (or its evidence chain renewed when due) before it is copied; a TSA that fails is a
  // warning: the copy goes on, and the next seal, backup or archive renew stamps it
  if (!archiveCheck.problems.length) {
    try {
      await time('archive: stamped if due', () => stampArchiveIfDue(db, archiveDir));
    } catch (e) {
      warnings.push(`архив не заверен штампом времени: ${(e as Error).message}`);
    }
  }

  const bag = bagName(now);
  // the run's own records wait for a writer on another connection (the import's commit thread) without holding this thread
  const runId = await writeWhenFree(db, () => startRun(db, 'backup', by, bag));
  // the copy holds every reading answered so far, those the side journal keeps too; lines that cannot be moved in yet
  // (the register held longer than the wait) stay in the journal for the next copy: said, not a failed backup
  await settleReads(db).catch((e: unknown) => warnings.push(`журнал чтения персональных данных: записи, ожидающие переноса в реестр, войдут в следующую копию (${(e as Error).message})`));
  const run = new Run(db, bag, now, progress, destinationsFor(db, opts.destinations, bag), warnings, key);
  run.time = time;
  try {
    time('destinations prepared (partials cleaned, last bag read)', () => prepareDestinations(run));
    progress.throwIfCancelled();
    const plan = time('copies planned', () => planCopies(run, archiveDir, archiveCheck));
    const { register, archiveVerified } = await time('copied (snapshot, register, archive)', () => copyRegisterAndArchive(run, plan));
    await time('bags sealed (fsyncs, tag files, read-back)', () => sealBags(run, [register, plan.manifest, ...(plan.trust ? [plan.trust] : []), ...plan.evidence], archiveVerified));
    await time('bags checked against their manifests', () => checkBags(run));
    const outcomes = time('bags published (renamed, folder fsynced)', () => publishBags(run));
    return await time('run recorded (results, media, audit)', () => recordBackup(run, runId, by, outcomes, [register, plan.manifest, ...(plan.trust ? [plan.trust] : []), ...plan.evidence, ...plan.archive], archived.entries));
  } catch (e) {
    await discardBags(run);
    await recordFailure(run, runId, by, e);
    throw e;
  }
}

/** Two or more destinations, each a folder that is there; two on one device only when the archivist confirmed it. */
function checkDestinations(opts: BackupOptions): string[] {
  if (opts.destinations.length < 2) {
    throw new AppError('validation', 'Резервная копия пишется не меньше чем на два носителя (приказ № 810): укажите второй', { destinations: 'Нужно не меньше двух носителей' });
  }
  for (const d of opts.destinations) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d.path);
    } catch {
      throw new AppError('validation', `Носитель ${d.label ?? d.path}: папка ${d.path} не найдена (носитель не подключён?)`, { destinations: d.path });
    }
    if (!st.isDirectory()) throw new AppError('validation', `Носитель ${d.label ?? d.path}: ${d.path} — не папка`, { destinations: d.path });
  }
  const warnings = sameMediaWarnings(opts.destinations.map((d) => d.path));
  if (warnings.length && !opts.confirmSameDevice) throw new SameMediaError(warnings);
  return warnings;
}

/** Each destination named as the media register knows it, its bag to be written under a temporary name. */
function destinationsFor(db: DB, specs: BackupDestination[], bag: string): Dest[] {
  return specs.map((spec) => {
    const root = path.resolve(spec.path);
    const media = spec.mediaId ? null : mediaByPath(db, root);
    return {
      spec: { ...spec, mediaId: spec.mediaId ?? media?.id ?? null, label: spec.label ?? media?.label ?? null },
      root, where: `Носитель ${spec.label ?? media?.label ?? root}`,
      dir: path.join(root, `${PARTIAL_PREFIX}${bag}-${process.pid}`),
      key: null, enc: null, manifest: new Map(), prev: null, failed: null, copied: 0, reused: 0, plain: new Set(), sync: new BackgroundSync(SYNC_WHILE_COPYING), cache: new Map(),
    };
  });
}

/**
 * Every destination ready: what killed runs left there removed, its bag's folder made, its key derived (reusing the
 * last bag's salt when the passphrase matches, so its encrypted archive files can be reused), its last bag found to
 * take unchanged archive files from.
 */
function prepareDestinations(run: Run): void {
  const keysByPassphrase = new Map<string, { key: Buffer; info: EncryptionInfo }>();
  for (const d of run.dests) {
    try {
      cleanPartials(d.root);
      fs.mkdirSync(path.join(d.dir, 'data', 'archive', 'files'), { recursive: true, mode: PRIVATE_DIR });
      const last = bagsOn(d.root).at(-1);
      const lastDir = last ? path.join(d.root, last) : null;
      const lastEncrypted = lastDir ? fs.existsSync(path.join(lastDir, ENCRYPTION)) : false;
      const shared = d.spec.passphrase ? keysByPassphrase.get(d.spec.passphrase) : undefined;
      if (d.spec.passphrase && shared) {
        // Same passphrase as another destination of this run: same key and the same encrypted bytes, so the two
        // encrypted copies are twins that can repair each other. The last bag is reusable only with this same salt.
        ({ key: d.key, info: d.enc } = shared);
        const lastInfo = lastDir && lastEncrypted ? JSON.parse(fs.readFileSync(path.join(lastDir, ENCRYPTION), 'utf8')) as EncryptionInfo : null;
        d.prev = lastDir && lastInfo?.salt === shared.info.salt ? lastBag(lastDir) : null;
      } else if (d.spec.passphrase) {
        let reuse = false;
        if (lastDir && lastEncrypted) {
          try {
            d.key = openEncryption(path.join(lastDir, ENCRYPTION), d.spec.passphrase, lastDir);
            d.enc = JSON.parse(fs.readFileSync(path.join(lastDir, ENCRYPTION), 'utf8'));
            reuse = true;
          } catch {
            reuse = false;
          }
        }
        if (!reuse) ({ key: d.key, info: d.enc } = newEncryption(d.spec.passphrase));
        d.prev = lastDir && reuse ? lastBag(lastDir) : null;
        keysByPassphrase.set(d.spec.passphrase, { key: d.key!, info: d.enc! });
      } else if (lastDir && !lastEncrypted) {
        d.prev = lastBag(lastDir);
      }
    } catch (e) {
      run.fail(d, e);
    }
  }
}

type Plan = { manifest: Source; archive: Source[]; pageSize: number;
  /** the archive's evidence chain: its index and tokens (small, read now: the index names exactly these tokens) */
  evidence: Source[];
  /** the register's trust anchors (`<register>.trust.pem`) as `data/trust.pem`, when it has them */
  trust: Source | null };

/**
 * What the bag will hold besides the snapshot: the archive's manifest as it is now and the archive files it names
 * (those missing are a warning); the progress's total, in bytes.
 */
function planCopies(run: Run, archiveDir: string, archiveCheck: ReturnType<typeof readManifest>): Plan {
  // The archive manifest is append-only: the bytes read now are a consistent prefix, whatever is appended later. They
  // are held in memory (it names signers: it goes to no temp folder).
  const manifestBytes = fs.existsSync(path.join(archiveDir, ARCHIVE_MANIFEST)) ? fs.readFileSync(path.join(archiveDir, ARCHIVE_MANIFEST)) : Buffer.alloc(0);
  const manifest: Source = { rel: 'data/archive/manifest.jsonl', bytes: manifestBytes, size: manifestBytes.length };
  const archiveFiles = [...new Map(archiveCheck.entries.flatMap((e) => e.files).map((f) => [f.sha256, f])).values()];
  const archive: Source[] = archiveFiles.flatMap((f) => {
    const file = archivedFilePath(archiveDir, f.sha256);
    const st = fs.statSync(file, { throwIfNoEntry: false }); // one stat a file: a thousand of them hold this thread
    return st ? [{ rel: `data/archive/files/${f.sha256}`, file, size: st.size, archiveSha: f.sha256 }] : [];
  });
  const missing = archiveFiles.length - archive.length;
  if (missing) run.warnings.push(`в архиве недостаёт файлов: ${missing} (см. archive verify)`);
  // The evidence chain travels with the archive: the index as read now and the tokens it names.
  const evidence: Source[] = [];
  const indexFile = path.join(archiveDir, EVIDENCE, EVIDENCE_INDEX);
  if (fs.existsSync(indexFile)) {
    const index = fs.readFileSync(indexFile);
    let names: string[] = [];
    try {
      names = (JSON.parse(index.toString('utf8')) as { stamps: Array<{ file: string }> }).stamps.map((x) => x.file).filter((f) => /^\d{4}\.tsr$/.test(f));
    } catch {
      run.warnings.push('указатель доказательств архива не читается (см. archive verify)');
    }
    for (const name of names.filter((n) => fs.existsSync(path.join(archiveDir, EVIDENCE, n)))) {
      const bytes = fs.readFileSync(path.join(archiveDir, EVIDENCE, name));
      evidence.push({ rel: `data/archive/${EVIDENCE}/${name}`, bytes, size: bytes.length });
    }
    evidence.push({ rel: `data/archive/${EVIDENCE}/${EVIDENCE_INDEX}`, bytes: index, size: index.length });
  }
  // The trust anchors beside the register travel with it: a restored register checks its seals against the same roots.
  const trustFile = trustFilePath(run.db);
  const trustBytes = trustFile && fs.existsSync(trustFile) ? fs.readFileSync(trustFile) : null;
  const trust: Source | null = trustBytes ? { rel: 'data/trust.pem', bytes: trustBytes, size: trustBytes.length } : null;
  // The register's size before its snapshot is taken: the snapshot has the pages the register has now.
  const pageSize = Number(run.db.pragma('page_size', { simple: true }));
  const registerBytes = Number(run.db.pragma('page_count', { simple: true })) * pageSize;
  run.total = (registerBytes + manifestBytes.length + (trust?.size ?? 0) + [...archive, ...evidence].reduce((n, s) => n + s.size, 0)) * (1 + run.dests.length) + registerBytes;
  return { manifest, archive, pageSize, trust, evidence };
}

/** The snapshot: written into a plain destination (`host`), or held in memory when every copy is encrypted. */
type Snapshot = { source: Source; host: Dest | null };

/**
 * A consistent snapshot of the register, by SQLite's online backup, fsynced. It goes straight into the first plain
 * copy (no extra pass through a temporary folder); from there it is read once, hashed once and copied to the others.
 * A destination that fails under it fails alone and the next one is tried. With no plain destination (left), it is
 * taken in memory and goes to the encrypted copies only through their encryptor: an unencrypted register in a temp
 * folder is what a kill would leave behind, for anyone who can read it.
 */
async function takeSnapshot(run: Run, pageSize: number): Promise<Snapshot> {
  const rel = 'data/register.sqlite';
  for (const host of run.live().filter((d) => !d.key)) {
    const file = path.join(host.dir, rel);
    let pagesDone = 0;
    const flush = writingOutAhead(file, run.time);
    try {
      fs.closeSync(fs.openSync(file, 'wx', PRIVATE_FILE)); // SQLite writes into it and gives its journal the same mode
      // 4 MiB a step (SQLite's default of 100 pages makes a large register crawl; larger steps would hold up the
      // archive files copied meanwhile, whose hashing needs this thread); a cancel stops between steps.
      await run.time('snapshot: online backup into the first plain copy', () => run.db.backup(file, {
        progress: ({ totalPages, remainingPages }) => {
          run.progress.throwIfCancelled(); // thrown here, it aborts the backup between steps
          run.step(Math.max(0, (totalPages - remainingPages - pagesDone) * pageSize), 'Снимок реестра');
          pagesDone = totalPages - remainingPages;
          flush.step();
          return 1024;
        },
      }));
      await flush.settle(); // a write-out that failed fails this copy, as any write would
      run.progress.throwIfCancelled();
      run.time('snapshot: fsync', () => {
        const fd = fs.openSync(file, 'r+');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      });
      return { source: { rel, file, size: fs.statSync(file).size }, host };
    } catch (e) {
      await flush.settle().catch(() => {}); // nothing still open on a file about to go
      if (e instanceof CancelledError) throw e;
      run.fail(host, e);
      fs.rmSync(file, { force: true });
    }
  }
  // One read transaction, all pages at once: as consistent as the online backup, and the speed of a memory copy.
  run.progress.throwIfCancelled();
  const bytes = run.db.serialize();
  run.step(bytes.length, 'Снимок реестра');
  return { source: { rel, bytes, size: bytes.length }, host: null };
}

/** Every this many steps of the snapshot (4 MiB each), what SQLite has written of it so far is written out. */
const WRITE_OUT_EVERY = 8;

/**
 * The snapshot's pages written out to the device while SQLite is still copying the later ones: a background fdatasync
 * every WRITE_OUT_EVERY steps, one at a time. Without it the whole snapshot waits in the page cache for the commit's
 * fsync, and the device idles while the register is copied, then the copy waits for the device. Only sooner: the
 * commit's fsync and the one after it still make the whole snapshot durable. Its descriptor is closed only by `settle`,
 * after SQLite has closed the file: closing any descriptor of a file drops the process's POSIX locks on it, SQLite's too.
 */
function writingOutAhead(file: string, time: Clock): { step: () => void; settle: () => Promise<void> } {
  let steps = 0; // since the last write-out began
  let fh: fs.promises.FileHandle | null = null;
  let running: Promise<void> | null = null;
  let failure: unknown = null;
  let closed = false;
  return {
    step() {
      if (++steps < WRITE_OUT_EVERY || running || failure !== null || closed) return;
      steps = 0;
      running = time('snapshot: written out ahead (fdatasync while copying)', async () => {
        fh ??= await fs.promises.open(file, 'r+');
        await fh.datasync();
      }).catch((e) => {
        failure ??= e;
      }).finally(() => {
        running = null;
      });
    },
    async settle() {
      closed = true;
      await running;
      await fh?.close().catch(() => {});
      fh = null;
      if (failure !== null) throw failure;
    },
  };
}

/**
 * The snapshot, the archive's manifest and every archive file on every destination, each archive file verified as
 * soon as its copies are fsynced; returns the register's source and the archive's verification, still under way.
 * All at once: the snapshot, then the register and the archive manifest copied; the many small archive files several
 * at a time (one file at a time, the round trips of opening, reading, writing and closing dominate); and each archive
 * file verified once its copies are fsynced (in the background, see BackgroundSync). The snapshot steps on this
 * thread while the archive files are read and written in libuv's threads.
 */
async function copyRegisterAndArchive(run: Run, plan: Plan): Promise<{ register: Source; archiveVerified: Promise<void> }> {
  let register: Source | null = null;
  let stopped = false;
  const verification = following(plan.archive, 4, (src) => verifyCopies(run, src));
  const copied = await Promise.allSettled([
    (async () => {
      try {
        const snapshot = await takeSnapshot(run, plan.pageSize);
        register = snapshot.source;
        await run.time('register: hashed, copied to the other destinations', () => copyToDestinations(run, register!, snapshot));
        await copyToDestinations(run, plan.manifest);
        if (plan.trust) await copyToDestinations(run, plan.trust);
        if (plan.evidence.length) for (const d of run.live()) fs.mkdirSync(path.join(d.dir, 'data', 'archive', EVIDENCE), { recursive: true, mode: PRIVATE_DIR });
        for (const src of plan.evidence) await copyToDestinations(run, src);
      } catch (e) {
        stopped = true; // the archive files stop at the next one
        verification.stop();
        throw e;
      }
    })(),
    run.time('archive files: linked or copied', async () => {
      // First the links from the last bags, many at a time (a link reads nothing: its round trips are all it costs, and
      // the snapshot holds this thread meanwhile); then what is left to write, a few files at a time.
      await run.time('archive files: linked from the last bags', () => inTurns(plan.archive, () => 64, async (src) => {
        if (!stopped) await linkFromLastBags(run, src);
      }));
      await inTurns(plan.archive, () => 8, async (src) => {
        try {
          if (!stopped) await copyToDestinations(run, src);
        } finally {
          verification.release(src);
        }
      });
    }),
  ]);
  const failure = copied.find((r) => r.status === 'rejected');
  if (failure) {
    stopped = true;
    verification.stop();
    await verification.done.catch(() => {});
    throw failure.reason;
  }
  return { register: register!, archiveVerified: run.time('archive files: copies read back', () => verification.done) };
}

/** An archive file hard-linked from each live destination's last bag that holds it unchanged (see reuseFromLastBag). */
async function linkFromLastBags(run: Run, src: Source): Promise<void> {
  run.progress.throwIfCancelled();
  await Promise.all(run.live().map((d) => (d.manifest.has(src.rel) ? false : reuseFromLastBag(d, src))));
}

/**
 * One file on every live destination that does not hold it yet (an archive file linked from the last bag is not
 * written again). The snapshot is not copied onto the destination it was taken into: there, the read for its hash,
 * after its fsync, is its verification.
 */
async function copyToDestinations(run: Run, src: Source, snapshot: Snapshot | null = null): Promise<void> {
  run.progress.throwIfCancelled();
  let targets = run.live().filter((d) => !(snapshot && d === snapshot.host));
  if (src.archiveSha) targets = targets.filter((d) => !d.manifest.has(src.rel));
  // The register's plain copies made by the kernel are read back and compared with the snapshot as soon as their fsync
  // is over, while the snapshot is still being hashed here (the compare needs both files' bytes, not the hash).
  const srcHash = await writeToAll(src, targets, run.progress, (n) => run.step(n, `Запись ${src.rel}`), run.fail,
    snapshot ? (d, file) => run.earlyReadBacks.push({ d, src, file, same: readBackWhenSynced(run, src, d, file) }) : undefined);
  if (src.archiveSha && srcHash !== null && srcHash !== src.archiveSha) run.warnings.push(`файл архива ${src.archiveSha} повреждён в источнике`);
  if (snapshot?.host && srcHash !== null) {
    snapshot.host.manifest.set(src.rel, srcHash);
    snapshot.host.cache.set(path.join(snapshot.host.dir, src.rel), srcHash);
  }
  if (srcHash === null) run.step(src.size, `Запись ${src.rel}`); // everything was reused: nothing to read
}

/** One plain copy read back once its fsync is over and compared with its source (see verifyCopies), as a result: never rejects. */
async function readBackWhenSynced(run: Run, src: Source, d: Dest, file: string): Promise<{ same: unknown } | { thrown: unknown }> {
  try {
    await d.sync.synced(file);
    if (d.failed) return { same: true }; // nothing more is decided for a failed destination
    const [same] = await run.time(`${src.rel}: a copy read back after its fsync`, () => compareWithSource(src.file ?? src.bytes!, [file], run.pool, (n) => run.step(n, `Проверка копий: ${src.rel}`)));
    return { same };
  } catch (thrown) {
    return { thrown };
  }
}

/** The early read-backs' outcome, once every copy is written (the source's hash in each manifest): a copy verified is not read again. */
async function settleEarlyReadBacks(run: Run): Promise<void> {
  for (const { d, src, file, same } of run.earlyReadBacks) {
    const r = await same;
    if ('thrown' in r) throw r.thrown;
    if (d.failed || !d.manifest.has(src.rel)) continue;
    if (r.same === true) d.cache.set(file, d.manifest.get(src.rel)!);
    else run.fail(d, r.same === false ? new Error(`${src.rel}: записанная копия не совпала с источником при проверке`) : r.same);
  }
}

/**
 * Every plain copy of `src` read back once its fsync is over and compared with the source byte for byte (the source's
 * hash is then the copy's); a copy that differs fails its destination. A copy already read back (the register's, see
 * copyToDestinations) is not read again. Encrypted copies and everything else are re-hashed by checkBag. The read-back, after fsync, comes from the page cache: it proves what the kernel holds for
 * the file and that nothing changed it since; what the device itself holds is verify-copies' job.
 */
async function verifyCopies(run: Run, src: Source): Promise<void> {
  run.progress.throwIfCancelled();
  let targets = run.live().filter((d) => d.plain.has(src.rel) && !d.cache.has(path.join(d.dir, src.rel)));
  await Promise.all(targets.map((d) => d.sync.synced(path.join(d.dir, src.rel))));
  targets = targets.filter((d) => !d.failed);
  if (!targets.length) return;
  const same = await compareWithSource(src.file ?? src.bytes!, targets.map((d) => path.join(d.dir, src.rel)), run.pool, (n) => run.step(n, `Проверка копий: ${src.rel}`));
  targets.forEach((d, i) => {
    if (same[i] === true) d.cache.set(path.join(d.dir, src.rel), d.manifest.get(src.rel)!);
    else run.fail(d, same[i] === false ? new Error(`${src.rel}: записанная копия не совпала с источником при проверке`) : same[i]);
  });
}

/**
 * Each bag made whole and durable: at once, the fsync of every remaining file, the tag files and the directories on
 * each destination; the register and the manifest verified; the rest of the archive files' verification awaited.
 */
async function sealBags(run: Run, sources: Source[], archiveVerified: Promise<void>): Promise<void> {
  const info = schoolInfo(run.db);
  const settled = await Promise.allSettled([
    ...run.live().map(async (d, i) => {
      try {
        await run.time(`copy ${i + 1}: remaining fsyncs`, () => d.sync.drain(SYNC_AT_END));
        await run.time(`copy ${i + 1}: tag files written, folders fsynced`, async () => {
          await writeTagFiles(d, run.bag, info, run.now, run.backupKey);
          // every folder of the bag at once (the file system commits them together); all before the bag takes its name
          await allDone(['data/archive/files', 'data/archive', 'data', '.'].map((sub) => fsyncDirAsync(path.join(d.dir, sub))));
        });
      } catch (e) {
        run.fail(d, e);
      }
    }),
    run.time('register and tag sources: copies read back', async () => {
      await settleEarlyReadBacks(run);
      for (const src of sources) await verifyCopies(run, src);
    }),
    archiveVerified,
  ]);
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Each bag checked whole against its manifests (what the read-back already hashed is not read again). */
async function checkBags(run: Run): Promise<void> {
  for (const [i, d] of run.live().entries()) {
    run.progress.throwIfCancelled();
    try {
      const check = await run.time(`copy ${i + 1}: checked`, () => checkBag(d.dir, { cache: d.cache, onBytes: (n) => run.step(n, `Проверка копии: ${d.where}`) }));
      if (!check.ok) d.failed = `${d.where}: копия не прошла проверку после записи — ${check.problems[0].message}`;
    } catch (e) {
      run.fail(d, e);
    }
  }
}

/** A verified bag takes its name; a failed one is removed: on every destination, a bag is complete or absent. */
function publishBags(run: Run): DestinationOutcome[] {
  const outcomes: DestinationOutcome[] = [];
  for (const d of run.dests) {
    let bagPath: string | null = null;
    if (!d.failed) {
      try {
        bagPath = path.join(d.root, run.bag);
        fs.renameSync(d.dir, bagPath);
        fsyncDir(d.root);
      } catch (e) {
        bagPath = null;
        run.fail(d, e);
      }
    }
    if (d.failed) fs.rmSync(d.dir, { recursive: true, force: true });
    outcomes.push({
      path: d.root, label: d.spec.label ?? null, ok: !d.failed, bagPath, encrypted: !!d.key, copied: d.copied, reused: d.reused,
      message: d.failed ?? `${d.where}: копия ${run.bag} записана и проверена${d.key ? ' (зашифрована)' : ''}`,
    });
  }
  return outcomes;
}

/** The run as the archivist reads it afterwards: its state and message, each destination's result, the media written, the audit entry. */
async function recordBackup(run: Run, runId: number, by: string | null, outcomes: DestinationOutcome[], sources: Source[], archiveEntries: number): Promise<BackupOutcome> {
  const { db, bag } = run;
  const totalSource = sources.reduce((n, s) => n + s.size, 0);
  const okCount = outcomes.filter((o) => o.ok).length;
  const state = okCount === run.dests.length ? 'ok' : okCount ? 'partial' : 'failed';
  const message = state === 'ok'
    ? `Резервная копия ${bag} записана на ${count(okCount, 'носитель', 'носителя', 'носителей')} и проверена`
    : state === 'partial'
      ? `Резервная копия ${bag} записана не на все носители: ${outcomes.filter((o) => !o.ok).map((o) => o.message).join('; ')}`
      : `Резервная копия не записана ни на один носитель: ${outcomes.map((o) => o.message).join('; ')}`;
  const outcome: BackupOutcome = {
    runId, bag, state, files: sources.length, bytes: totalSource, archiveEntries, destinations: outcomes, warnings: run.warnings, message,
  };
  await writeWhenFree(db, () => db.transaction(() => {
    for (const o of outcomes) {
      const d = run.dests.find((x) => x.root === o.path)!;
      recordResult(db, runId, { path: o.path, mediaId: d.spec.mediaId ?? null, state: o.ok ? 'ok' : 'failed', copied: o.copied, reused: o.reused, encrypted: o.encrypted, message: o.message });
      if (o.ok && d.spec.mediaId) db.prepare('UPDATE media SET last_written_at = ?, last_verified_at = ? WHERE id = ?').run(nowIso(), nowIso(), d.spec.mediaId);
    }
    finishRun(db, runId, state, message, { files: sources.length, bytes: totalSource });
    appendAudit(db, by, 'backup.run', { bag, state, destinations: outcomes.map((o) => ({ path: o.path, ok: o.ok })), warnings: run.warnings });
  }).immediate());
  return outcome;
}

/** A failed or cancelled run leaves no partial bag behind. */
async function discardBags(run: Run): Promise<void> {
  for (const d of run.dests) await d.sync.drain().catch(() => {}); // nothing may still be open in a folder about to go
  await Promise.all(run.earlyReadBacks.map((r) => r.same));
  for (const d of run.dests) fs.rmSync(d.dir, { recursive: true, force: true });
}

/** A failed or cancelled run recorded as such, with the audit entry. */
async function recordFailure(run: Run, runId: number, by: string | null, e: unknown): Promise<void> {
  const cancelled = e instanceof CancelledError;
  await writeWhenFree(run.db, () => run.db.transaction(() => {
    finishRun(run.db, runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'Отменено: неполные копии удалены' : `Ошибка: ${(e as Error)?.message ?? e}`);
    appendAudit(run.db, by, 'backup.run', { bag: run.bag, state: cancelled ? 'cancelled' : 'failed' });
  }).immediate());
}

function readManifestSafe(bagDir: string): Map<string, string> {
  try {
    return parseManifest(bagDir, fs.readFileSync(path.join(bagDir, MANIFEST), 'utf8'), MANIFEST, true);
  } catch {
    return new Map();
  }
}

/** The last bag as reuse needs it; a bag whose tag manifest cannot be read lends nothing (its manifest is empty). */
function lastBag(dir: string): LastBag {
  let sealedNs = -1n;
  try {
    sealedNs = fs.statSync(path.join(dir, TAGMANIFEST), { bigint: true }).mtimeNs;
  } catch {
    return { dir, manifest: new Map(), sameKey: true, sealedNs };
  }
  return { dir, manifest: readManifestSafe(dir), sameKey: true, sealedNs };
}

/**
 * An archive file the destination's last bag already holds with the right bytes is hard-linked, not written again.
 * What is confirmed is what costs no read (issue 19: a nightly backup with nothing changed re-read every archive file
 * and took twice a full one): the last bag's manifest names it with the hash its bytes had when they were written and
 * read back (for a plain copy, the archive's own name for it), it is a regular file of the size those bytes have, and it
 * was not written to after that bag was sealed. Bytes that rot in place are verify-copies' to find, on its schedule.
 * On a file system without hard links the file is written again.
 */
async function reuseFromLastBag(d: Dest, src: Source): Promise<boolean> {
  if (!d.prev) return false;
  const expected = d.prev.manifest.get(src.rel);
  if (!expected || (!d.key && expected !== src.archiveSha)) return false;
  const old = path.join(d.prev.dir, src.rel);
  try {
    // in libuv's threads: a thousand links would otherwise hold this thread, which the snapshot steps on meanwhile
    const st = await fs.promises.lstat(old, { bigint: true });
    if (!st.isFile() || st.size !== BigInt(src.size + (d.key ? SEALED_OVERHEAD : 0)) || st.mtimeNs > d.prev.sealedNs) return false;
    const target = path.join(d.dir, src.rel);
    await fs.promises.link(old, target);
    // a link shares its mode (the one just read) with the last bag's file, which an older version may have left open
    if (st.mode & 0o077n) makePrivate(target);
    d.cache.set(target, expected);
    d.manifest.set(src.rel, expected);
    d.reused++;
    return true;
  } catch {
    return false;
  }
}

function schoolInfo(db: DB): { org: string; group: string } {
  const s = db.prepare('SELECT short_name, inn FROM school WHERE id = 1').get() as { short_name: string; inn: string } | undefined;
  return { org: s?.short_name ?? 'Школьный регистр', group: `school-register:${s?.inn ?? path.basename(db.name)}` };
}

/** Written and fsynced in libuv's threads: the read-back of the register goes on on this thread meanwhile. */
async function writeSynced(file: string, text: string): Promise<void> {
  const fh = await fs.promises.open(file, 'wx', PRIVATE_FILE);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Every one settled, then the first failure thrown: nothing is still writing in a bag that a failure is about to remove. */
async function allDone(work: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function fsyncDirAsync(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeTagFiles(d: Dest, bag: string, info: { org: string; group: string }, now: Date, key: Buffer): Promise<void> {
  const entries = [...d.manifest].map(([p, sha]) => ({ path: p, sha256: sha })).sort((a, b) => a.path.localeCompare(b.path));
  const bytes = entries.reduce((n, e) => n + fs.statSync(path.join(d.dir, e.path)).size, 0);
  const tags: Array<[string, string]> = [
    ['bagit.txt', BAGIT_TXT],
    [BAG_INFO, bagInfoText([
      ['Source-Organization', info.org],
      ['Bagging-Date', now.toISOString().slice(0, 10)],
      ['Payload-Oxum', `${bytes}.${entries.length}`],
      ['External-Identifier', bag],
      ['Bag-Group-Identifier', info.group],
      ['Bag-Software-Agent', 'School Register (Школьный регистр)'],
      ['Internal-Sender-Description', `Снимок реестра (SQLite online backup) и архив запечатанных ведомостей${d.key ? '; данные зашифрованы AES-256-GCM, см. encryption.json' : ''}`],
    ])],
    [MANIFEST, manifestText(entries)],
  ];
  if (d.enc) tags.push([ENCRYPTION, JSON.stringify(d.enc, null, 2) + '\n']);
  // these at once (each durable before the tag manifest that names them is written)
  await allDone(tags.map(([name, text]) => writeSynced(path.join(d.dir, name), text)));
  const tagEntries = tags.map(([name, text]) => ({ path: name, sha256: crypto.createHash('sha256').update(text).digest('hex') }));
  // the tag manifest last: a bag without it is not a bag
  const tagManifest = manifestText(tagEntries);
  await writeSynced(path.join(d.dir, TAGMANIFEST), tagManifest);
  // and beside it the tag over its bytes (not listed in it: it is made from them; BagIt allows tag files it does not list)
  await writeSynced(path.join(d.dir, AUTHENTICATION), authenticationText(key, Buffer.from(tagManifest, 'utf8')));
}
