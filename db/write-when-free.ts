// A short write on the running program's connection while another connection holds the register's write lock (the
// journal import's commit in its worker thread, or another program's job): SQLite's own busy wait (busy_timeout) would
// hold this thread — and every other user's call with it — until that writer commits. Here the write is tried with no
// busy wait, and on SQLITE_BUSY tried again after a few milliseconds of the event loop turning, within the same bound
// a write waits otherwise (BUSY_TIMEOUT_MS), then refused as busy. `write` must be one transaction (BEGIN IMMEDIATE,
// or a deferred one whose first statement writes): a busy one has written nothing, so trying it again is safe.
import { setTimeout as sleep } from 'node:timers/promises';
import { BUSY_TIMEOUT_MS, type DB } from './connection.ts';

const isBusy = (e: unknown) => /^SQLITE_BUSY/.test((e as { code?: string })?.code ?? '');

export async function writeWhenFree<T>(db: DB, write: () => T, waitMs?: number): Promise<T> {
  // the connection's own bound (the CLI's SCHOOL_REGISTER_BUSY_WAIT, else BUSY_TIMEOUT_MS): the wait a refusal names
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  const until = Date.now() + (waitMs ?? (timeout > 0 ? timeout : BUSY_TIMEOUT_MS));
  for (let pause = 2; ; pause = Math.min(pause * 2, 20)) {
    db.pragma('busy_timeout = 0');
    try {
      return write();
    } catch (e) {
      if (!isBusy(e) || Date.now() >= until) throw e;
    } finally {
      db.pragma(`busy_timeout = ${timeout}`);
    }
    await sleep(pause);
  }
}

/** `write` tried once with no busy wait: `done: false` when another connection holds the write lock (nothing written). */
export function tryWithoutWaiting<T>(db: DB, write: () => T): { done: true; value: T } | { done: false } {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return { done: true, value: write() };
  } catch (e) {
    if (isBusy(e)) return { done: false };
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
