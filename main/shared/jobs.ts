// Long work (the demo, imports, the year close, backups, restores, uploads) runs as a job: it reports progress and can
// be cancelled. Dispatch starts every job method of the contract here; every transport follows it through jobs.status.
import crypto from 'node:crypto';
import type { ApiError, Job } from '../../preload/contract.ts';
import { AppError } from './errors.ts';

/** `event`: something a follower of the job may want as it happens (a year close's class, sealed or not), kept nowhere. */
export type Progress = { report(done: number, total: number, message?: string): void; readonly cancelled: boolean; throwIfCancelled(): void;
  event?(data: unknown): void };
/** Who follows a job in-process (the CLI): each report and event as it happens. */
export type Follower = { onReport?: (done: number, total: number, message: string | null) => void; onEvent?: (data: unknown) => void };

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

const ALL = '*';

export class Jobs {
  private jobs = new Map<string, Job & { abort: AbortController; owner: string | null; error?: ApiError; privateResult: boolean;
    thrown?: AppError; settled: Promise<void> }>();
  private followers = new Map<string, Set<Follower>>();

  /** The kind of the running job that holds the register exclusively (writes wait for it), if any. */
  exclusive: string | null = null;

  /**
   * `oneCaller`: the process answers one caller and nobody else (the local command line): a job need not keep the
   * thread free for other users' calls, so work that a served register does in a thread of its own (the import's commit)
   * may run on this one and spare the thread's start.
   */
  constructor(readonly opts: { oneCaller?: boolean } = {}) {}

  /**
   * `label` names an exclusive job to those it keeps waiting; `keepMs` forgets a finished job (and its result, which
   * may be large: an import's preview) that long after it ends; a `privateResult` is not in the status anyone may
   * poll, only in outcome() for the one who started the job.
   */
  start(kind: string, work: (p: Progress, id: string) => Promise<unknown>,
    opts: { exclusive?: boolean; owner?: string | null; label?: string; keepMs?: number; privateResult?: boolean } = {}): string {
    if (opts.exclusive && this.exclusive) throw new AppError('conflict', `Реестр занят: идёт «${this.exclusive}»`);
    if (opts.exclusive) this.exclusive = opts.label ?? kind;
    const id = crypto.randomUUID();
    const abort = new AbortController();
    const job = { id, kind, state: 'running' as Job['state'], done: 0, total: 0, message: null as string | null, result: undefined as unknown, abort, owner: opts.owner ?? null,
      error: undefined as ApiError | undefined, thrown: undefined as AppError | undefined, privateResult: !!opts.privateResult, settled: Promise.resolve() };
    this.jobs.set(id, job);
    const p: Progress = Object.assign(progressTo((done, total, message) => {
      job.done = done;
      job.total = total;
      if (message !== undefined) job.message = message;
      for (const f of this.followersOf(id)) f.onReport?.(done, total, job.message);
    }, abort.signal), { event: (data: unknown) => { for (const f of this.followersOf(id)) f.onEvent?.(data); } });
    job.settled = work(p, id).finally(() => {
      if (opts.exclusive) this.exclusive = null;
      if (opts.keepMs !== undefined) setTimeout(() => this.jobs.delete(id), opts.keepMs).unref();
    }).then(
      (result) => {
        job.state = 'done';
        job.result = result;
      },
      (e: unknown) => {
        job.state = e instanceof CancelledError ? 'cancelled' : 'failed';
        job.message = e instanceof AppError ? e.message : `Внутренняя ошибка: ${(e as Error)?.message ?? e}`;
        // kept whole for outcome(): a refused import stays a validation error, not just a line of text
        job.error = e instanceof AppError ? e.toApi() : { code: 'internal', message: job.message };
        // kept as thrown for wait(): an error's own fields (a refused restore's checks) reach the in-process caller
        job.thrown = e instanceof AppError ? e : undefined;
      },
    ).finally(() => this.followers.delete(id));
    return id;
  }

  /**
   * Each report and event of a running job, as it happens, until it ends; the returned function stops following.
   * `'*'`: every job this registry runs, from its first report (a job may report before its starter has its id): the
   * CLI's own registry, which runs one job at a time.
   */
  follow(id: string, f: Follower): () => void {
    if (id !== ALL && !this.jobs.has(id)) throw new AppError('not_found', 'Задание не найдено');
    const set = this.followers.get(id) ?? new Set<Follower>();
    this.followers.set(id, set.add(f));
    return () => set.delete(f);
  }

  private followersOf(id: string): Follower[] {
    return [...this.followers.get(id) ?? [], ...this.followers.get(ALL) ?? []];
  }

  /**
   * For a caller in the same process (the CLI): the job's progress as it comes, then its result; rejects with the
   * AppError the job threw (a refused restore keeps its report; an import its rejected rows), or CancelledError.
   */
  async wait(id: string, onReport?: (done: number, total: number, message?: string) => void): Promise<unknown> {
    const j = this.jobs.get(id);
    if (!j) throw new AppError('not_found', 'Задание не найдено');
    const stop = onReport ? this.follow(id, { onReport: (done, total, message) => onReport(done, total, message ?? undefined) }) : () => {};
    try {
      await j.settled;
    } finally {
      stop();
    }
    if (j.state === 'done') return j.result;
    throw j.thrown ?? (j.state === 'cancelled' ? new CancelledError() : new AppError(j.error!.code, j.error!.message, j.error!.fields, j.error!.rows));
  }

  /** The jobs still running, by id and kind. */
  running(): Array<{ id: string; kind: string }> {
    return [...this.jobs.values()].filter((j) => j.state === 'running').map((j) => ({ id: j.id, kind: j.kind }));
  }

  status(id: string): Job {
    const j = this.jobs.get(id);
    if (!j) throw new AppError('not_found', 'Задание не найдено');
    const { abort: _a, owner: _o, error: _e, thrown: _t, settled: _s, privateResult, result, ...pub } = j;
    return privateResult ? pub : { ...pub, result };
  }

  /** Only the one who started a job, or an admin, may cancel it. */
  cancel(id: string, by: { login: string; role: string } | null): Job {
    const j = this.jobs.get(id);
    if (!j) throw new AppError('not_found', 'Задание не найдено');
    if (!by || (by.role !== 'admin' && by.login !== j.owner)) throw new AppError('forbidden', 'Отменить задание может тот, кто его запустил, или администратор');
    j.abort.abort();
    return this.status(id);
  }

  /**
   * What a finished job of `kind` (any kind: null) gave, for the one who started it (or an admin): its result when done; its error,
   * code and fields kept, when it failed; `cancelled` when cancelled; a conflict while it still runs.
   */
  outcome(id: string, kind: string | null, by: { login: string; role: string } | null): unknown {
    const j = this.jobs.get(id);
    if (!j || (kind !== null && j.kind !== kind)) throw new AppError('not_found', 'Задание не найдено');
    if (!by || (by.role !== 'admin' && by.login !== j.owner)) throw new AppError('forbidden', 'Результат задания доступен тому, кто его запустил, или администратору');
    if (j.state === 'running') throw new AppError('conflict', 'Задание ещё выполняется');
    if (j.state === 'cancelled') throw new CancelledError();
    if (j.state === 'failed') throw new AppError(j.error!.code, j.error!.message, j.error!.fields, j.error!.rows);
    return j.result;
  }
}
