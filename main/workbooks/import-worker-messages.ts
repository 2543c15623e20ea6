// What the backend's thread and the import's commit worker (import-worker.ts) say to each other: a module of its own,
// so that import-api.ts, which starts the worker, and the worker, which runs import-api's commit, need not import each
// other.
import type { Input, User } from '../../preload/contract.ts';

export type ImportWorkerData = { file: string; user: User; args: Input<'import.commit'>; cancel: Int32Array;
  /** the busy wait of the connection that started it */
  busyTimeoutMs?: number;
  /** tests only: the thread ends itself inside the transaction, after the rows are written and before the commit */
  exitBeforeCommit?: boolean };
export type ImportWorkerMessage =
  | { progress: [done: number, total: number, message: string | undefined] }
  | { ok: true; value: unknown }
  | { ok: false; cancelled?: true; error: { code: string; message: string; fields?: Record<string, string>; rows?: unknown[] } };
