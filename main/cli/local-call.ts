// How a CLI command reaches the backend: dispatch, as the OS user with the administrator's rights (the one who can
// already write the register file), so the command meets the app's handler, audit entry and job rules. `db` is null
// for the commands that work without --db; dispatch lets through only the methods that need no register then.
import os from 'node:os';
import type { DB } from '../../db/connection.ts';
import type { Input, JobMethod, JobResult, Method, Output, User } from '../../preload/contract.ts';
import { dispatch } from '../host/dispatch.ts';
import { AppError } from '../shared/errors.ts';
import { Jobs, type Follower } from '../shared/jobs.ts';
import { Sessions } from '../users/users.ts';

export type OnReport = (done: number, total: number, message?: string) => void;

export type LocalCaller = {
  call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>>;
  /**
   * Starts a job method and waits for its result in this process. Its reports (and events) reach `follow` from its
   * first report: a job may report before its id is back. Ctrl+C or a scheduler's SIGTERM cancels it at its next safe
   * point (a backup removes its partial copies); a second Ctrl+C leaves at once.
   */
  job<M extends JobMethod>(method: M, args: Input<M>, follow?: Follower | OnReport, started?: (jobId: string) => void): Promise<JobResult<M>>;
};

/**
 * How long a CLI command waits for a register another program holds (the app importing, restoring): 30 s, or
 * SCHOOL_REGISTER_BUSY_WAIT seconds; then it is refused as «реестр занят другой программой», naming the wait.
 */
export function cliBusyWaitMs(): number {
  const s = Number(process.env.SCHOOL_REGISTER_BUSY_WAIT);
  return Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : 30_000;
}

export const cliUser = (): User => ({ id: 0, login: `cli:${os.userInfo().username}`, fullName: 'Командная строка', role: 'admin' });

/** `onWaiting`: where the command says what it waits for when another program's job holds the register (stderr). */
export function localCaller(db: DB | null, onWaiting: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): LocalCaller {
  const jobs = new Jobs({ oneCaller: true }); // nobody else to answer meanwhile (main/shared/jobs.ts)
  const base = { db, sessions: new Sessions(), jobs, session: null, asUser: cliUser(), client: 'cli', otherProgram: { waitMs: cliBusyWaitMs(), onWaiting } };
  const call = async <M extends Method>(method: M, args: Input<M>): Promise<Output<M>> => {
    const r = await dispatch(base, { method, args });
    if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.fields, r.error.rows);
    return r.value as Output<M>;
  };
  return {
    call,
    async job<M extends JobMethod>(method: M, args: Input<M>, follow: Follower | OnReport = {}, started?: (jobId: string) => void): Promise<JobResult<M>> {
      const follower: Follower = typeof follow === 'function' ? { onReport: (done, total, message) => follow(done, total, message ?? undefined) } : follow;
      const stopFollowing = jobs.follow('*', follower);
      let jobId: string | null = null;
      const leave = () => process.exit(130);
      const cancel = () => {
        process.off('SIGINT', cancel);
        process.once('SIGINT', leave);
        if (jobId) void call('jobs.cancel', { id: jobId }).catch(() => {});
      };
      process.on('SIGINT', cancel);
      process.on('SIGTERM', cancel);
      try {
        jobId = ((await call(method, args)) as { jobId: string }).jobId;
        started?.(jobId);
        return await jobs.wait(jobId) as JobResult<M>;
      } finally {
        stopFollowing();
        process.off('SIGINT', cancel);
        process.off('SIGTERM', cancel);
        process.off('SIGINT', leave);
      }
    },
  };
}
