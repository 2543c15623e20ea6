// Compacting the change log (migration 0009). A delta carries the entries after the head of the chain (build.ts,
// chainHead): the latest packet not rejected. Once the region has accepted a full packet, the head is that packet or
// one built after it, so the entries it covers (seq ≤ its changes_to) are never read again and may go; the database
// refuses any other deletion. The first slice goes in the transaction that records the acceptance (outbox.ts,
// markAccepted); the rest right after, a slice per transaction, so that a large log (900k entries: about a second and
// a 116 MB WAL in one transaction) never holds the register for long. A crash between slices leaves the lowest
// entries removed and the others whole; the next run (an upload, or `packets compact`) goes on from there.
import type { DB } from '../../db/connection.ts';
import { progressTo, type Progress } from '../shared/jobs.ts';
import type { ChangeLog, CompactionResult } from '../../preload/contract.ts';

/** Entries per transaction: a few milliseconds each on a large register. */
export const COMPACTION_SLICE = 5000;

/** The latest full packet the region accepted: the entries up to its changes_to are no longer needed. */
export function acceptedFull(db: DB): { seq: number; changesTo: number } | undefined {
  return db.prepare("SELECT seq, changes_to AS changesTo FROM packets WHERE kind = 'full' AND state = 'accepted' ORDER BY changes_to DESC LIMIT 1")
    .get() as { seq: number; changesTo: number } | undefined;
}

/**
 * The seq of the newest change ever logged. AUTOINCREMENT keeps it in sqlite_sequence, which stays when the entries go:
 * after a compaction the table may be empty, and max(seq) would then say 0 and move the next packet's changes_to back.
 */
export function lastChangeSeq(db: DB): number {
  const r = db.prepare(`SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0),
    coalesce((SELECT max(seq) FROM changes), 0)) AS n`).get() as { n: number };
  return r.n;
}

/**
 * The seq numbers missing from (after, upTo]: entries are numbered one by one and only a compaction removes any, at or
 * below an accepted full packet's changes_to, so a hole above it means entries deleted behind the program.
 */
export function missingChanges(db: DB, after: number, upTo: number): Array<{ from: number; to: number }> {
  const present = (db.prepare('SELECT count(*) AS n FROM changes WHERE seq > ? AND seq <= ?').get(after, upTo) as { n: number }).n;
  if (present === upTo - after) return [];
  const holes: Array<{ from: number; to: number }> = [];
  let prev = after;
  for (const { seq } of db.prepare('SELECT seq FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq').iterate(after, upTo) as IterableIterator<{ seq: number }>) {
    if (seq > prev + 1) holes.push({ from: prev + 1, to: seq - 1 });
    prev = seq;
  }
  if (upTo > prev) holes.push({ from: prev + 1, to: upTo });
  return holes;
}

export const holesText = (holes: Array<{ from: number; to: number }>) =>
  holes.slice(0, 5).map((h) => (h.from === h.to ? `№ ${h.from}` : `№ ${h.from}–${h.to}`)).join(', ') + (holes.length > 5 ? ` и ещё ${holes.length - 5}` : '');

export function changeLogState(db: DB): ChangeLog {
  const full = acceptedFull(db) ?? null;
  const to = full?.changesTo ?? 0;
  const r = db.prepare('SELECT count(*) AS entries, coalesce(sum(seq <= ?), 0) AS removable FROM changes').get(to) as { entries: number; removable: number };
  return { entries: r.entries, sinceFull: r.entries - r.removable, removable: r.removable, acceptedFull: full, missing: missingChanges(db, to, lastChangeSeq(db)) };
}

/**
 * Removes up to `limit` of the lowest entries an accepted full packet covers, in the caller's transaction (or as one
 * statement). Returns how many went; 0 when nothing is left to remove.
 */
export function compactSlice(db: DB, limit = COMPACTION_SLICE): number {
  const full = acceptedFull(db);
  if (!full) return 0;
  const lo = (db.prepare('SELECT min(seq) AS lo FROM changes').get() as { lo: number | null }).lo;
  if (lo == null || lo > full.changesTo) return 0;
  // seq is the rowid: a range, and the lowest first, so what a crash leaves is a log whose oldest entries are gone
  return db.prepare('DELETE FROM changes WHERE seq <= ?').run(Math.min(full.changesTo, lo + limit - 1)).changes;
}

/** Whether entries wait to be removed (after a crash mid-compaction, or while one runs). */
export function compactionPending(db: DB): boolean {
  const full = acceptedFull(db);
  const lo = (db.prepare('SELECT min(seq) AS lo FROM changes').get() as { lo: number | null }).lo;
  return !!full && lo != null && lo <= full.changesTo;
}

/** One IMMEDIATE transaction committed with synchronous = NORMAL; the register's other writes keep their setting. */
function unsyncedTransaction<T>(db: DB, work: () => T): T {
  if (db.inTransaction) return work();
  const before = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = NORMAL');
  try {
    return db.transaction(work).immediate();
  } finally {
    db.pragma(`synchronous = ${Number(before)}`);
  }
}

/**
 * Removes every entry an accepted full packet covers, `slice` per transaction, giving the event loop its turn between
 * slices (the app's other calls run meanwhile). A cancel stops between slices: what is removed stays removed.
 * Each slice commits without waiting for the disk: a slice lost in a power cut is only removed again by the next run.
 */
export async function compactChanges(db: DB, opts: { slice?: number } = {}, progress: Progress = progressTo()): Promise<CompactionResult> {
  const slice = Math.max(1, opts.slice ?? COMPACTION_SLICE);
  const total = changeLogState(db).removable;
  let removed = 0;
  progress.report(0, total);
  for (;;) {
    progress.throwIfCancelled();
    const n = unsyncedTransaction(db, () => compactSlice(db, slice));
    if (!n) break;
    removed += n;
    progress.report(Math.min(removed, total), total);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const after = changeLogState(db);
  return { removed, remaining: after.entries, acceptedFull: after.acceptedFull };
}
