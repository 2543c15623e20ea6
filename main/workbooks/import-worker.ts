// The journal import's commit, in a thread of its own (import-commit.ts starts it): it reads and checks the file again
// and writes the rows, the audit entry and the remembered mapping in one transaction, on a connection of its own to
// the same register file. The backend's thread meanwhile answers other users: their reads come from the WAL as it was
// before this transaction, and a write of theirs (the read-access log's entry) waits for it without holding that thread
// (db/write-when-free.ts). Progress goes back as messages; a cancel is a flag shared with the backend's thread, seen
// between rows and classes until the transaction starts — after that it runs to its end, as in one thread.
import { parentPort, workerData } from 'node:worker_threads';
import { openRegister } from '../../db/connection.ts';
import { AppError, placeError } from '../shared/errors.ts';
import { CancelledError, type Jobs, type Progress } from '../shared/jobs.ts';
import { commitImport } from './import-api.ts';
import type { ImportWorkerData, ImportWorkerMessage } from './import-worker-messages.ts';


const { file, user, args, cancel, exitBeforeCommit, busyTimeoutMs } = workerData as ImportWorkerData;
const port = parentPort!;
const progress: Progress = {
  report: (done, total, message) => port.postMessage({ progress: [done, total, message] } satisfies ImportWorkerMessage),
  get cancelled() {
    return Atomics.load(cancel, 0) === 1;
  },
  throwIfCancelled() {
    if (Atomics.load(cancel, 0) === 1) throw new CancelledError();
  },
};

async function main() {
  const db = openRegister(file, { create: false, migrate: false, busyTimeoutMs });
  try {
    // the job that started this thread holds the register (no other job, every other write refused), as it would in one thread
    const jobs = { exclusive: null } as Jobs;
    const value = await commitImport(db, jobs, user, args, progress, exitBeforeCommit ? { inTransaction: () => process.exit(70) } : undefined);
    port.postMessage({ ok: true, value } satisfies ImportWorkerMessage);
  } catch (e) {
    const placed = placeError(e, db);
    const error = e instanceof AppError ? e.toApi() : placed ? placed.toApi() : { code: 'internal', message: `Внутренняя ошибка: ${(e as Error)?.message ?? e}` };
    port.postMessage({ ok: false, ...(e instanceof CancelledError ? { cancelled: true } : {}), error } as ImportWorkerMessage);
  } finally {
    db.close();
  }
}
void main(); // not a top-level await: the bundles are CommonJS
