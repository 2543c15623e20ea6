// A backup: a consistent snapshot of the register (SQLite's online backup API, never a copy of the live file) and the
// archive, as one BagIt bag written to two or more destinations in one pass: every source file is read once and
// hashed once, and reaches every destination (encrypted for those that want it; plain copies beyond the first are made
// by the kernel, copy_file_range). Reading, hashing, writing, fsync and the read-back overlap: the snapshot is taken
// while archive files are copied several at a time, fsyncs run in the background, each archive file is verified as
// soon as its copies are fsynced. Each copy is written under `.sr-partial-<bag>-<pid>`, fsynced (files and
// directories), verified (each plain copy read back and compared with its source byte for byte, encrypted copies
// re-hashed, then the whole bag checked against its manifests) and only then renamed to its name: a bag is complete or
// absent. A destination that fails (full, gone) fails alone; the others finish. The read-back goes through the page cache: what a later verify-copies reads from the device is its own check.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { archiveDirFor, archiveSealed, archivedFilePath, MANIFEST as ARCHIVE_MANIFEST, readManifest } from '../archive/archive.ts';
import { fsyncDir } from '../archive/files.ts';
import { appendAudit } from '../audit/log.ts';
import { CancelledError, progressTo, type Progress } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { nowIso } from '../../preload/core/dates.ts';
import {
  BAG_INFO, BAGIT_TXT, bagInfoText, bagsOn, checkBag, ENCRYPTION, MANIFEST, manifestText, parseManifest, PARTIAL_PREFIX,
  partialsOn, TAGMANIFEST, type HashCache,
} from './bag.ts';
import { fileEncryptor, newEncryption, openEncryption, type EncryptionInfo } from './encryption.ts';
import { finishRun, mediaByPath, recordResult, startRun } from './runs.ts';

export type BackupDestination = { path: string; passphrase?: string | null; mediaId?: number | null; label?: string | null };

export type BackupOptions = {
  destinations: BackupDestination[];
  /** the archivist confirmed that two destinations on one device (or one folder) is what they want */
  confirmSameDevice?: boolean;
  progress?: Progress;
  by?: string | null;
  now?: Date;
};

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
      else if (a.dev === b.dev) out.push(`«${a.p}» и «${b.p}» находятся на одном устройстве (st_dev ${a.dev})`);
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

type Dest = {
  spec: BackupDestination;
  root: string;
  where: string;
  dir: string;
  key: Buffer | null;
  enc: EncryptionInfo | null;
  manifest: Map<string, string>;
  prev: { dir: string; manifest: Map<string, string>; sameKey: boolean } | null;
  failed: string | null;
  copied: number;
  reused: number;
  /** files written here as plain copies of a source: verified by comparing with the source, byte for byte */
  plain: Set<string>;
  /** fsyncs what is written here, while the copy goes on */
  sync: BackgroundSync;
  cache: HashCache;
};

type Source = { rel: string; file: string; size: number; archiveSha?: string };

/** Writes all of `buf` (a short write is not an error for a regular file, but must be continued). */
async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

export async function backupRegister(db: DB, opts: BackupOptions): Promise<BackupOutcome> {
  const progress = opts.progress ?? progressTo();
  const now = opts.now ?? new Date();
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

  const registerFile = db.name;
  const archiveDir = archiveDirFor(registerFile);
  const archived = archiveSealed(db, archiveDir);
  const archiveCheck = readManifest(archiveDir);
  if (archiveCheck.problems.length) warnings.push(`архив повреждён: ${archiveCheck.problems[0].message}`);

  const bag = bagName(now);
  const runId = startRun(db, 'backup', opts.by ?? null, bag);
  const dests: Dest[] = opts.destinations.map((spec) => {
    const root = path.resolve(spec.path);
    const media = spec.mediaId ? null : mediaByPath(db, root);
    return {
      spec: { ...spec, mediaId: spec.mediaId ?? media?.id ?? null, label: spec.label ?? media?.label ?? null },
      root, where: `Носитель ${spec.label ?? media?.label ?? root}`,
      dir: path.join(root, `${PARTIAL_PREFIX}${bag}-${process.pid}`),
      key: null, enc: null, manifest: new Map(), prev: null, failed: null, copied: 0, reused: 0, plain: new Set(), sync: new BackgroundSync(SYNC_WHILE_COPYING), cache: new Map(),
    };
  });
  const fail = (d: Dest, e: unknown) => {
    if (!d.failed) d.failed = describeFailure(d.where, e);
  };
  const live = () => dests.filter((d) => !d.failed);
  const staging: string[] = [];
  try {
    const keysByPassphrase = new Map<string, { key: Buffer; info: EncryptionInfo }>();
    // Prepare every destination: clear dead leftovers, derive keys (reusing the last bag's salt when the passphrase
    // matches, so its encrypted archive files can be reused), find the last bag to take unchanged archive files from.
    for (const d of dests) {
      try {
        cleanPartials(d.root);
        fs.mkdirSync(path.join(d.dir, 'data', 'archive', 'files'), { recursive: true });
        const last = bagsOn(d.root).at(-1);
        const lastDir = last ? path.join(d.root, last) : null;
        const lastEncrypted = lastDir ? fs.existsSync(path.join(lastDir, ENCRYPTION)) : false;
        const shared = d.spec.passphrase ? keysByPassphrase.get(d.spec.passphrase) : undefined;
        if (d.spec.passphrase && shared) {
          // Same passphrase as another destination of this run: same key and the same encrypted bytes, so the two
          // encrypted copies are twins that can repair each other. The last bag is reusable only with this same salt.
          ({ key: d.key, info: d.enc } = shared);
          const lastInfo = lastDir && lastEncrypted ? JSON.parse(fs.readFileSync(path.join(lastDir, ENCRYPTION), 'utf8')) as EncryptionInfo : null;
          d.prev = lastDir && lastInfo?.salt === shared.info.salt ? { dir: lastDir, manifest: readManifestSafe(lastDir), sameKey: true } : null;
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
          d.prev = lastDir && reuse ? { dir: lastDir, manifest: readManifestSafe(lastDir), sameKey: true } : null;
          keysByPassphrase.set(d.spec.passphrase, { key: d.key!, info: d.enc! });
        } else if (lastDir && !lastEncrypted) {
          d.prev = { dir: lastDir, manifest: readManifestSafe(lastDir), sameKey: true };
        }
      } catch (e) {
        fail(d, e);
      }
    }
    progress.throwIfCancelled();

    // The archive manifest is append-only: the bytes read now are a consistent prefix, whatever is appended later.
    const manifestBytes = fs.existsSync(path.join(archiveDir, ARCHIVE_MANIFEST)) ? fs.readFileSync(path.join(archiveDir, ARCHIVE_MANIFEST)) : Buffer.alloc(0);
    const manifestCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-snapshot-'));
    staging.push(manifestCopy);
    fs.writeFileSync(path.join(manifestCopy, 'manifest.jsonl'), manifestBytes);
    const manifestSource: Source = { rel: 'data/archive/manifest.jsonl', file: path.join(manifestCopy, 'manifest.jsonl'), size: manifestBytes.length };
    const archiveFiles = [...new Map(archiveCheck.entries.flatMap((e) => e.files).map((f) => [f.sha256, f])).values()];
    const archiveSources: Source[] = archiveFiles.filter((f) => fs.existsSync(archivedFilePath(archiveDir, f.sha256)))
      .map((f) => ({ rel: `data/archive/files/${f.sha256}`, file: archivedFilePath(archiveDir, f.sha256), size: fs.statSync(archivedFilePath(archiveDir, f.sha256)).size, archiveSha: f.sha256 }));
    const missing = archiveFiles.length - archiveSources.length;
    if (missing) warnings.push(`в архиве недостаёт файлов: ${missing} (см. archive verify)`);
    // The register's size before its snapshot is taken: the snapshot has the pages the register has now.
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const registerBytes = Number(db.pragma('page_count', { simple: true })) * pageSize;
    const total = (registerBytes + manifestBytes.length + archiveSources.reduce((n, s) => n + s.size, 0)) * (1 + dests.length) + registerBytes;
    let done = 0;
    const step = (n: number, msg: string) => {
      done += n;
      progress.report(done, total, msg);
    };

    // The snapshot goes straight into the first plain copy (no extra pass through a temporary folder); from there it
    // is read once, hashed once and copied to the others.
    let snapshot: { file: string; host: Dest | null } | null = null;
    const takeSnapshot = async (): Promise<{ file: string; host: Dest | null }> => {
      for (const host of [...live().filter((d) => !d.key), null]) {
        let file: string;
        if (host) file = path.join(host.dir, 'data', 'register.sqlite');
        else {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-snapshot-'));
          staging.push(dir);
          file = path.join(dir, 'register.sqlite');
        }
        let pagesDone = 0;
        try {
          // 4 MiB a step (SQLite's default of 100 pages makes a large register crawl; larger steps would hold up the
          // archive files copied meanwhile, whose hashing needs this thread); a cancel stops between steps.
          await db.backup(file, {
            progress: ({ totalPages, remainingPages }) => {
              progress.throwIfCancelled(); // thrown here, it aborts the backup between steps
              step(Math.max(0, (totalPages - remainingPages - pagesDone) * pageSize), 'Снимок реестра');
              pagesDone = totalPages - remainingPages;
              return 1024;
            },
          });
          progress.throwIfCancelled();
          const fd = fs.openSync(file, 'r+');
          fs.fsyncSync(fd);
          fs.closeSync(fd);
          return { file, host };
        } catch (e) {
          if (!host) throw e;
          fail(host, e);
          fs.rmSync(file, { force: true });
        }
      }
      throw new AppError('internal', 'Снимок реестра не удалось записать');
    };

    const copyOne = async (src: Source) => {
      progress.throwIfCancelled();
      let targets = live().filter((d) => !(snapshot && d === snapshot.host && src.file === snapshot.file));
      if (src.archiveSha) targets = targets.filter((d) => !(reuseFromLastBag(d, src)));
      const srcHash = await streamTo(src, targets, progress, (n) => step(n, `Запись ${src.rel}`), fail);
      if (src.archiveSha && srcHash !== null && srcHash !== src.archiveSha) warnings.push(`файл архива ${src.archiveSha} повреждён в источнике`);
      if (snapshot && src.file === snapshot.file && snapshot.host && srcHash !== null) {
        // the snapshot was hashed as read back from the host's disk after its fsync: that read is its verification
        snapshot.host.manifest.set(src.rel, srcHash);
        snapshot.host.cache.set(path.join(snapshot.host.dir, src.rel), srcHash);
      }
      if (srcHash === null) step(src.size, `Запись ${src.rel}`); // everything was reused: nothing to read
    };

    // Verification: every plain copy is read back and compared with its source byte for byte (the source's hash is
    // then the copy's), once its fsync is over; encrypted copies and everything else are re-hashed by checkBag below.
    // The read-back, after fsync, comes from the page cache: it proves what the kernel holds for the file and that
    // nothing changed it since; what the device itself holds is verify-copies' job.
    const pool = new BufferPool();
    const verifyOne = async (src: Source) => {
      progress.throwIfCancelled();
      let targets = live().filter((d) => d.plain.has(src.rel));
      await Promise.all(targets.map((d) => d.sync.synced(path.join(d.dir, src.rel))));
      targets = targets.filter((d) => !d.failed);
      if (!targets.length) return;
      const same = await compareWithSource(src.file, targets.map((d) => path.join(d.dir, src.rel)), pool, (n) => step(n, `Проверка копий: ${src.rel}`));
      targets.forEach((d, i) => {
        if (same[i] === true) d.cache.set(path.join(d.dir, src.rel), d.manifest.get(src.rel)!);
        else fail(d, same[i] === false ? new Error(`${src.rel}: записанная копия не совпала с источником при проверке`) : same[i]);
      });
    };

    // At once: the snapshot, then the register and the archive manifest copied; the many small archive files several
    // at a time (one file at a time, the round trips of opening, reading, writing and closing dominate); and each
    // archive file verified once its copies are fsynced (in the background, see BackgroundSync). The snapshot steps on
    // this thread while the archive files are read and written in libuv's threads.
    let registerSource: Source | null = null;
    let stopped = false;
    const written = new Map(archiveSources.map((src) => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      return [src.rel, { promise, resolve }] as const;
    }));
    const archiveVerified = inTurns(archiveSources, () => 4, async (src) => {
      await written.get(src.rel)!.promise;
      if (!stopped) await verifyOne(src);
    });
    archiveVerified.catch(() => {}); // settled below
    const copied = await Promise.allSettled([
      (async () => {
        try {
          snapshot = await takeSnapshot();
          registerSource = { rel: 'data/register.sqlite', file: snapshot.file, size: fs.statSync(snapshot.file).size };
          await copyOne(registerSource);
          await copyOne(manifestSource);
        } catch (e) {
          stopped = true; // the archive files stop at the next one
          throw e;
        }
      })(),
      inTurns(archiveSources, () => 8, async (src) => {
        try {
          if (!stopped) await copyOne(src);
        } finally {
          written.get(src.rel)!.resolve();
        }
      }),
    ]);
    const copyFailure = copied.find((r) => r.status === 'rejected');
    if (copyFailure) {
      stopped = true;
      written.forEach((w) => w.resolve());
      await archiveVerified.catch(() => {});
      throw copyFailure.reason;
    }
    const sources: Source[] = [registerSource!, manifestSource, ...archiveSources];
    const totalSource = sources.reduce((n, s) => n + s.size, 0);

    // Then at once: the fsync of every remaining file, the tag files and the directories on each destination; the
    // register and the manifest verified; the rest of the archive files verified.
    const info = schoolInfo(db);
    const settled = await Promise.allSettled([
      ...live().map(async (d) => {
        try {
          await d.sync.drain(SYNC_AT_END);
          writeTagFiles(d, bag, info, now);
          for (const sub of ['data/archive/files', 'data/archive', 'data', '.']) fsyncDir(path.join(d.dir, sub));
        } catch (e) {
          fail(d, e);
        }
      }),
      (async () => {
        await verifyOne(registerSource!);
        await verifyOne(manifestSource);
      })(),
      archiveVerified,
    ]);
    const failure = settled.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    for (const d of live()) {
      progress.throwIfCancelled();
      try {
        const check = await checkBag(d.dir, { cache: d.cache, onBytes: (n) => step(n, `Проверка копии: ${d.where}`) });
        if (!check.ok) d.failed = `${d.where}: копия не прошла проверку после записи — ${check.problems[0].message}`;
      } catch (e) {
        fail(d, e);
      }
    }
    const outcomes: DestinationOutcome[] = [];
    for (const d of dests) {
      let bagPath: string | null = null;
      if (!d.failed) {
        try {
          bagPath = path.join(d.root, bag);
          fs.renameSync(d.dir, bagPath);
          fsyncDir(d.root);
        } catch (e) {
          bagPath = null;
          fail(d, e);
        }
      }
      if (d.failed) fs.rmSync(d.dir, { recursive: true, force: true });
      outcomes.push({
        path: d.root, label: d.spec.label ?? null, ok: !d.failed, bagPath, encrypted: !!d.key, copied: d.copied, reused: d.reused,
        message: d.failed ?? `${d.where}: копия ${bag} записана и проверена${d.key ? ' (зашифрована)' : ''}`,
      });
    }
    const okCount = outcomes.filter((o) => o.ok).length;
    const state = okCount === dests.length ? 'ok' : okCount ? 'partial' : 'failed';
    const message = state === 'ok'
      ? `Резервная копия ${bag} записана на ${okCount} носителя и проверена`
      : state === 'partial'
        ? `Резервная копия ${bag} записана не на все носители: ${outcomes.filter((o) => !o.ok).map((o) => o.message).join('; ')}`
        : `Резервная копия не записана ни на один носитель: ${outcomes.map((o) => o.message).join('; ')}`;
    const outcome: BackupOutcome = {
      runId, bag, state, files: sources.length, bytes: totalSource, archiveEntries: archived.entries, destinations: outcomes, warnings, message,
    };
    db.transaction(() => {
      for (const o of outcomes) {
        const d = dests.find((x) => x.root === o.path)!;
        recordResult(db, runId, { path: o.path, mediaId: d.spec.mediaId ?? null, state: o.ok ? 'ok' : 'failed', copied: o.copied, reused: o.reused, encrypted: o.encrypted, message: o.message });
        if (o.ok && d.spec.mediaId) db.prepare('UPDATE media SET last_written_at = ?, last_verified_at = ? WHERE id = ?').run(nowIso(), nowIso(), d.spec.mediaId);
      }
      finishRun(db, runId, state, message, { files: sources.length, bytes: totalSource });
      appendAudit(db, opts.by ?? null, 'backup.run', { bag, state, destinations: outcomes.map((o) => ({ path: o.path, ok: o.ok })), warnings });
    }).immediate();
    return outcome;
  } catch (e) {
    for (const d of dests) await d.sync.drain().catch(() => {}); // nothing may still be open in a folder about to go
    for (const d of dests) fs.rmSync(d.dir, { recursive: true, force: true });
    const cancelled = e instanceof CancelledError;
    db.transaction(() => {
      finishRun(db, runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'Отменено: неполные копии удалены' : `Ошибка: ${(e as Error)?.message ?? e}`);
      appendAudit(db, opts.by ?? null, 'backup.run', { bag, state: cancelled ? 'cancelled' : 'failed' });
    }).immediate();
    throw e;
  } finally {
    for (const dir of staging) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `work` over `items` in order; consecutive items whose `width` is above 1 run that many at a time.
 * The first failure stops taking new items and is rethrown once the running ones have settled.
 */
async function inTurns<T>(items: T[], width: (item: T) => number, work: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  while (i < items.length) {
    const w = width(items[i]);
    if (w <= 1) {
      await work(items[i++]);
      continue;
    }
    let end = i;
    while (end < items.length && width(items[end]) > 1) end++;
    const batch = items.slice(i, end);
    i = end;
    let next = 0;
    let failure: unknown = null;
    await Promise.all(Array.from({ length: Math.min(w, batch.length) }, async () => {
      while (next < batch.length && failure === null) {
        const item = batch[next++];
        try {
          await work(item);
        } catch (e) {
          failure ??= e;
        }
      }
    }));
    if (failure !== null) throw failure;
  }
}

function readManifestSafe(bagDir: string): Map<string, string> {
  try {
    return parseManifest(bagDir, fs.readFileSync(path.join(bagDir, MANIFEST), 'utf8'), MANIFEST, true);
  } catch {
    return new Map();
  }
}

/**
 * An archive file the destination's last bag already holds with the right bytes is hard-linked, not written again.
 * The old file is re-hashed first (a damaged one is not carried over); on a file system without hard links it is copied.
 */
function reuseFromLastBag(d: Dest, src: Source): boolean {
  if (!d.prev) return false;
  const expected = d.prev.manifest.get(src.rel);
  if (!expected || (!d.key && expected !== src.archiveSha)) return false;
  const old = path.join(d.prev.dir, src.rel);
  try {
    const h = crypto.createHash('sha256').update(fs.readFileSync(old)).digest('hex');
    if (h !== expected) return false;
    const target = path.join(d.dir, src.rel);
    fs.linkSync(old, target);
    d.cache.set(target, h);
    d.manifest.set(src.rel, h);
    d.reused++;
    return true;
  } catch {
    return false;
  }
}

/** Files up to this size are read and written whole, without the round trips of streaming (most archive files). */
const SMALL = 8 * 1024 * 1024;

/** Reads `src` once, hashes it once, writes each chunk to every target (encrypting for those with a key). */
async function streamTo(src: Source, targets: Dest[], progress: Progress, onBytes: (n: number) => void, fail: (d: Dest, e: unknown) => void): Promise<string | null> {
  if (!targets.length) return null;
  if (src.size <= SMALL) return copySmall(src, targets, onBytes, fail);
  // Plain copies are made by the kernel (copy_file_range, nothing passes through this process) while the source is
  // read once here for its hash and for the encrypted copies; each plain copy is compared with the source after its
  // fsync, like any other. A cancel waits for a copy in flight (the loop below stops at once).
  const plain = targets.filter((d) => !d.key).map((d) => ({
    d, copy: fs.promises.copyFile(src.file, path.join(d.dir, src.rel), fs.constants.COPYFILE_EXCL),
  }));
  plain.forEach((p) => p.copy.catch(() => {})); // settled (and reported) below, whatever happens first
  // One encryptor per key: destinations sharing a key get the same encrypted bytes (and one hash of them).
  type Cipher = { enc: ReturnType<typeof fileEncryptor>; hash: crypto.Hash; head: Buffer; chunk: Buffer; tail: Buffer | null; sha: string | null };
  type Out = { d: Dest; fh: FileHandle | null; cipher: Cipher | null };
  const ciphers = new Map<Buffer, Cipher>();
  const outs: Out[] = [];
  for (const d of targets.filter((t) => t.key)) {
    try {
      const fh = await fs.promises.open(path.join(d.dir, src.rel), 'wx');
      let cipher: Cipher | null = null;
      if (d.key) {
        cipher = ciphers.get(d.key) ?? null;
        if (!cipher) {
          const enc = fileEncryptor(d.key);
          const head = enc.head();
          cipher = { enc, hash: crypto.createHash('sha256').update(head), head, chunk: Buffer.alloc(0), tail: null, sha: null };
          ciphers.set(d.key, cipher);
        }
        await writeAll(fh, cipher.head);
      }
      outs.push({ d, fh, cipher });
    } catch (e) {
      fail(d, e);
    }
  }
  const closeAll = async () => {
    for (const o of outs) await o.fh?.close().catch(() => {});
  };
  const h = crypto.createHash('sha256');
  const fh = await fs.promises.open(src.file, 'r').catch(async (e) => {
    await closeAll();
    await Promise.allSettled(plain.map((p) => p.copy));
    throw e;
  });
  // Two buffers: the next chunk is read while this one is hashed and written.
  const CH = 1 << 22;
  const bufs = [Buffer.allocUnsafe(CH), Buffer.allocUnsafe(CH)];
  let cur = 0;
  let pending: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, CH, null);
  try {
    for (;;) {
      progress.throwIfCancelled();
      const { bytesRead } = await pending!;
      pending = null;
      if (!bytesRead) break;
      const chunk = bufs[cur].subarray(0, bytesRead);
      cur ^= 1;
      pending = fh.read(bufs[cur], 0, CH, null);
      h.update(chunk);
      for (const c of ciphers.values()) {
        c.chunk = c.enc.update(chunk);
        c.hash.update(c.chunk);
      }
      await Promise.all(outs.map(async (o) => {
        if (o.d.failed || !o.fh) return;
        try {
          await writeAll(o.fh, o.cipher ? o.cipher.chunk : chunk);
        } catch (e) {
          fail(o.d, e);
        }
      }));
      onBytes(bytesRead);
    }
    const sha = h.digest('hex');
    for (const c of ciphers.values()) {
      c.tail = c.enc.final();
      c.sha = c.hash.update(c.tail).digest('hex');
    }
    for (const p of plain) {
      try {
        await p.copy;
        if (p.d.failed) continue;
        p.d.sync.add(path.join(p.d.dir, src.rel));
        p.d.manifest.set(src.rel, sha);
        p.d.plain.add(src.rel);
        p.d.copied++;
      } catch (e) {
        fail(p.d, e);
      }
    }
    for (const o of outs) {
      if (o.d.failed || !o.fh) continue;
      try {
        if (o.cipher) await writeAll(o.fh, o.cipher.tail!);
        o.d.sync.add(path.join(o.d.dir, src.rel)); // every write has returned: fsync through its own descriptor
        o.d.manifest.set(src.rel, o.cipher ? o.cipher.sha! : sha);
        if (!o.cipher) o.d.plain.add(src.rel);
        o.d.copied++;
      } catch (e) {
        fail(o.d, e);
      }
    }
    return sha;
  } finally {
    await pending?.catch(() => {});
    await fh.close();
    await closeAll();
    await Promise.allSettled(plain.map((p) => p.copy));
  }
}

/**
 * A small file whole: read, hashed, written to every target. Asynchronous, so that several run at once (see inTurns):
 * while one is hashed on this thread, the others are read and written in libuv's threads, on the other core.
 */
async function copySmall(src: Source, targets: Dest[], onBytes: (n: number) => void, fail: (d: Dest, e: unknown) => void): Promise<string> {
  const data = await fs.promises.readFile(src.file);
  const sealed = new Map<Buffer, { bytes: Buffer; sha: string }>(); // one encryption per key: destinations sharing it get identical bytes
  for (const d of targets) {
    if (!d.key || sealed.has(d.key)) continue;
    const enc = fileEncryptor(d.key);
    const bytes = Buffer.concat([enc.head(), enc.update(data), enc.final()]);
    sealed.set(d.key, { bytes, sha: crypto.createHash('sha256').update(bytes).digest('hex') });
  }
  // The writes start first and the source is hashed while they run. The first plain copy is written from memory; the
  // other plain copies are copied from it by the kernel (copy_file_range: no second pass through this process), and
  // every one of them is still compared with the source after its fsync.
  let firstPlain: Promise<string | null> | null = null;
  const writes = targets.map(async (d) => {
    const file = path.join(d.dir, src.rel);
    if (d.key) return fs.promises.writeFile(file, sealed.get(d.key)!.bytes, { flag: 'wx' });
    if (!firstPlain) {
      const mine = fs.promises.writeFile(file, data, { flag: 'wx' }).then(() => file);
      firstPlain = mine.catch(() => null);
      return mine;
    }
    const from = await firstPlain;
    if (from) {
      try {
        return await fs.promises.copyFile(from, file, fs.constants.COPYFILE_EXCL);
      } catch {
        // the first copy's medium failed under it: this one is written from memory, and fails only on its own error
        await fs.promises.rm(file, { force: true });
      }
    }
    return fs.promises.writeFile(file, data, { flag: 'wx' });
  });
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  const done = await Promise.allSettled(writes);
  targets.forEach((d, i) => {
    const r = done[i];
    if (r.status === 'rejected') return fail(d, r.reason);
    if (d.failed) return;
    d.sync.add(path.join(d.dir, src.rel));
    d.manifest.set(src.rel, d.key ? sealed.get(d.key)!.sha : sha);
    if (!d.key) d.plain.add(src.rel);
    d.copied++;
  });
  onBytes(data.length);
  return sha;
}

/**
 * How many fsyncs of one destination run while the copy goes on: the device writes the first files out while later
 * ones are read and hashed, instead of all of it waiting for the end. Few, so that reads and writes keep libuv's threads.
 */
const SYNC_WHILE_COPYING = 2;
/**
 * At the end, many at a time: the file system commits them together (one at a time, a thousand small archive files
 * cost a thousand journal commits).
 */
const SYNC_AT_END = 8;

/**
 * fsyncs files in the background, at most `width` at a time; `synced` waits for one file, `drain` for all of them and
 * throws the first failure (after which nothing more is synced: that destination has failed).
 */
class BackgroundSync {
  private queue: string[] = [];
  private pending = new Set<string>();
  private waiting = new Map<string, Array<() => void>>();
  private running = 0;
  private failure: unknown = null;
  private idle: Array<() => void> = [];
  constructor(private width: number) {}

  add(file: string): void {
    this.queue.push(file);
    this.pending.add(file);
    this.pump();
  }

  /** Resolves once `file`'s fsync is over, or will not happen (a failure: drain reports it); at once for a file never added. */
  synced(file: string): Promise<void> {
    if (!this.pending.has(file)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(file, [...(this.waiting.get(file) ?? []), resolve]));
  }

  async drain(width = this.width): Promise<void> {
    this.width = width;
    this.pump();
    if (this.running) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.failure !== null) throw this.failure;
  }

  private finished(file: string): void {
    this.pending.delete(file);
    this.waiting.get(file)?.forEach((resolve) => resolve());
    this.waiting.delete(file);
  }

  private pump(): void {
    if (this.failure !== null) this.queue.splice(0).forEach((file) => this.finished(file));
    while (this.running < this.width && this.queue.length) {
      const file = this.queue.shift()!;
      this.running++;
      fsyncFile(file).catch((e) => {
        this.failure ??= e;
      }).finally(() => {
        this.running--;
        this.finished(file);
        this.pump();
        if (!this.running) this.idle.splice(0).forEach((resolve) => resolve());
      });
    }
  }
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.promises.open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Buffers handed out and back again, so that reading many small files allocates few. */
class BufferPool {
  private free: Buffer[] = [];
  take(n: number, size: number): Buffer[] {
    return Array.from({ length: n }, () => {
      const i = this.free.findIndex((b) => b.length >= size);
      return i >= 0 ? this.free.splice(i, 1)[0] : Buffer.allocUnsafe(Math.max(size, 1 << 20));
    });
  }
  give(bufs: Buffer[]): void {
    this.free.push(...bufs);
  }
}

/** Reads `file` into `buf` up to its length; returns how many bytes were read. */
async function readInto(file: string, buf: Buffer): Promise<number> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    return got;
  } finally {
    await fh.close();
  }
}

/** Reads the source and each copy side by side: true when a copy holds exactly the source's bytes, the error otherwise. */
async function compareWithSource(source: string, copies: string[], pool: BufferPool, onBytes: (n: number) => void): Promise<Array<true | false | unknown>> {
  const result: Array<true | false | unknown> = copies.map(() => true);
  const size = (await fs.promises.stat(source)).size;
  if (size <= SMALL) {
    // into reused buffers: a thousand small files read three times would otherwise keep the garbage collector busy
    const bufs = pool.take(1 + copies.length, size + 1); // one byte more: a copy longer than its source shows
    try {
      const [a, ...read] = await Promise.allSettled([source, ...copies].map((f, i) => readInto(f, bufs[i])));
      if (a.status === 'rejected') throw a.reason;
      const want = bufs[0].subarray(0, a.value);
      read.forEach((r, i) => {
        result[i] = r.status === 'rejected' ? r.reason : r.value === a.value && bufs[i + 1].subarray(0, r.value).equals(want);
      });
      onBytes(a.value * copies.length);
    } finally {
      pool.give(bufs);
    }
    return result;
  }
  const src = await fs.promises.open(source, 'r');
  const fhs: Array<FileHandle | null> = [];
  for (const [i, c] of copies.entries()) {
    try {
      fhs.push(await fs.promises.open(c, 'r'));
    } catch (e) {
      fhs.push(null);
      result[i] = e;
    }
  }
  const CH = 1 << 22;
  const a = Buffer.allocUnsafe(CH);
  const bufs = copies.map(() => Buffer.allocUnsafe(CH));
  try {
    for (let pos = 0; ; ) {
      const { bytesRead } = await src.read(a, 0, CH, pos);
      await Promise.all(fhs.map(async (fh, i) => {
        if (!fh || result[i] !== true) return;
        try {
          let got = 0;
          while (got < Math.max(bytesRead, 1)) {
            const r = await fh.read(bufs[i], got, CH - got, pos + got);
            if (!r.bytesRead) break;
            got += r.bytesRead;
            if (!bytesRead) break;
          }
          if (got !== bytesRead || !a.subarray(0, bytesRead).equals(bufs[i].subarray(0, got))) result[i] = false;
        } catch (e) {
          result[i] = e;
        }
      }));
      if (!bytesRead) break;
      pos += bytesRead;
      onBytes(bytesRead * copies.length);
    }
  } finally {
    await src.close();
    for (const fh of fhs) await fh?.close();
  }
  return result;
}

function schoolInfo(db: DB): { org: string; group: string } {
  const s = db.prepare('SELECT short_name, inn FROM school WHERE id = 1').get() as { short_name: string; inn: string } | undefined;
  return { org: s?.short_name ?? 'Школьный регистр', group: `school-register:${s?.inn ?? path.basename(db.name)}` };
}

function writeSynced(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeTagFiles(d: Dest, bag: string, info: { org: string; group: string }, now: Date): void {
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
  for (const [name, text] of tags) writeSynced(path.join(d.dir, name), text);
  const tagEntries = tags.map(([name, text]) => ({ path: name, sha256: crypto.createHash('sha256').update(text).digest('hex') }));
  // the tag manifest last: a bag without it is not a bag
  writeSynced(path.join(d.dir, TAGMANIFEST), manifestText(tagEntries));
}
