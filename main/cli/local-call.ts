// How a CLI command reaches the backend: dispatch, as the OS user with the administrator's rights (the one who can
// already write the register file), so the command meets the app's handler, audit entry and job rules. `db` is null
// for the commands that work without --db; dispatch lets through only the methods that need no register then.
import os from 'node:os';
import type { DB } from '../../db/connection.ts';
import type { Input, Method, Output, User } from '../../preload/contract.ts';
import { dispatch } from '../host/dispatch.ts';
import { AppError } from '../shared/errors.ts';
import { Jobs } from '../shared/jobs.ts';
import { Sessions } from '../users/users.ts';

export type OnReport = (done: number, total: number, message?: string) => void;

export type LocalCaller = {
  call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>>;
  /** Starts a job method and waits for its result in this process; Ctrl+C (or a scheduler's SIGTERM) cancels it. */
  job<R>(method: Method, args: unknown, onReport?: OnReport): Promise<R>;
};

export const cliUser = (): User => ({ id: 0, login: `cli:${os.userInfo().username}`, fullName: 'Командная строка', role: 'admin' });

export function localCaller(db: DB | null): LocalCaller {
  const jobs = new Jobs();
  const base = { db, sessions: new Sessions(), jobs, session: null, asUser: cliUser() };
  const call = async <M extends Method>(method: M, args: Input<M>): Promise<Output<M>> => {
    const r = await dispatch(base, { method, args });
    if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.fields);
    return r.value as Output<M>;
  };
  return {
    call,
    async job<R>(method: Method, args: unknown, onReport?: OnReport): Promise<R> {
      const { jobId } = await call(method, args as never) as { jobId: string };
      // the job stops at its next step and cleans up (a backup removes its partial copies); a second Ctrl+C kills
      const stop = () => void call('jobs.cancel', { id: jobId }).catch(() => {});
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        return await jobs.wait(jobId, onReport) as R;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  };
}
