// Long work (demo generation now; imports, ledgers, backups, uploads later) runs as a job: it reports
// progress and can be cancelled. One mechanism for every transport: the caller polls jobs.status.
import crypto from 'node:crypto';
import type { Job } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';

export type Progress = { report(done: number, total: number, message?: string): void; readonly cancelled: boolean; throwIfCancelled(): void };

export class CancelledError extends AppError {
  constructor() {
    super('cancelled', 'Операция отменена');
  }
}

/** A progress sink for code run outside the job registry (CLI, tests). */
export function progressTo(onReport: (done: number, total: number, message?: string) => void = () => {}, signal?: AbortSignal): Progress {
  return {
    report: onReport,
    get cancelled() {
      return signal?.aborted ?? false;
    },
    throwIfCancelled() {
      if (signal?.aborted) throw new CancelledError();
    },
  };
}

export class Jobs {
  private jobs = new Map<string, Job & { abort: AbortController; owner: string | null }>();

  /** The kind of the running job that holds the register exclusively (writes wait for it), if any. */
  exclusive: string | null = null;

  start(kind: string, work: (p: Progress) => Promise<unknown>, opts: { exclusive?: boolean; owner?: string | null } = {}): string {
    if (opts.exclusive && this.exclusive) throw new AppError('conflict', `Реестр занят: идёт «${this.exclusive}»`);
    if (opts.exclusive) this.exclusive = kind;
    const id = crypto.randomUUID();
    const abort = new AbortController();
    const job = { id, kind, state: 'running' as Job['state'], done: 0, total: 0, message: null as string | null, result: undefined as unknown, abort, owner: opts.owner ?? null };
    this.jobs.set(id, job);
    const p = progressTo((done, total, message) => {
      job.done = done;
      job.total = total;
      if (message !== undefined) job.message = message;
    }, abort.signal);
    work(p).finally(() => {
      if (opts.exclusive) this.exclusive = null;
    }).then(
      (result) => {
        job.state = 'done';
        job.result = result;
      },
      (e: unknown) => {
        job.state = e instanceof CancelledError ? 'cancelled' : 'failed';
        job.message = e instanceof AppError ? e.message : `Внутренняя ошибка: ${(e as Error)?.message ?? e}`;
      },
    );
    return id;
  }

  status(id: string): Job {
    const j = this.jobs.get(id);
    if (!j) throw new AppError('not_found', 'Задание не найдено');
    const { abort: _a, owner: _o, ...pub } = j;
    return pub;
  }

  /** Only the one who started a job, or an admin, may cancel it. */
  cancel(id: string, by: { login: string; role: string } | null): Job {
    const j = this.jobs.get(id);
    if (!j) throw new AppError('not_found', 'Задание не найдено');
    if (!by || (by.role !== 'admin' && by.login !== j.owner)) throw new AppError('forbidden', 'Отменить задание может тот, кто его запустил, или администратор');
    j.abort.abort();
    return this.status(id);
  }
}
