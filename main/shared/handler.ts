// How a capability answers the contract. Each capability exports the handlers of its own methods
// (main/<capability>/handlers.ts, made with `defineHandlers`); main/host/handlers.ts merges them into one table that
// the compiler refuses when a method is missing, handled twice or handled by the wrong kind of handler.
// Dispatch (main/host/dispatch.ts) does the rest the same way for every method: validate, authorize, refuse writes
// while a job holds the register, run, audit, check the answer.
import type { DB } from '../../db/connection.ts';
import type { Args, Contract, JobMethod, JobResult, Method, Output, User } from '../../preload/contract.ts';
import { AppError } from './errors.ts';
import type { Jobs, Progress } from './jobs.ts';
import type { OpenRegister } from './open-register.ts';
import type { NetworkControl } from './network-control.ts';

/** The sign-in sessions of the running program (main/users/users.ts Sessions). */
export interface SessionStore {
  open(user: User): string;
  close(token: string | null | undefined): void;
  userId(token: string | null | undefined): number | null;
  endAll(reason: string): void;
  /** Ends one user's sessions (disabled, demoted, password changed), but `keep`. */
  endUser(userId: number, reason: string, keep?: string | null): void;
  endedReason(token: string | null | undefined): string | null;
}

/**
 * `register` is there in the running program (not in the CLI): the open register, which a restore may replace.
 * `client` says where the call came from, for throttling sign-ins: the HTTP peer's address, 'ipc', 'cli'.
 * `workplace`: the caller's workplace as the transport knows it (a connected PC's name or id), for the read-access log;
 * none: a remote peer's address, else «этот компьютер» (main/personal-data/read-log.ts workplaceOf).
 */
export type Ctx = { db: DB; user: User | null; session: string | null; sessions: SessionStore; jobs: Jobs; register?: OpenRegister; client?: string;
  workplace?: string;
  /** the office network's door (issue 18): there in the running program, absent in the CLI */
  network?: NetworkControl };

type Answer<M extends Method> = Output<M> | Promise<Output<M>>;
/** What a handler of M is given: for a method the contract lets run with no register open (the CLI without --db), a
 *  Ctx whose `db` may be null. */
export type CtxOf<M extends Method> = Contract[M] extends { register: 'optional' } ? Omit<Ctx, 'db'> & { db: DB | null } : Ctx;

/** Reads; changes nothing. Runs even while a job holds the register. */
export type QueryHandler<M extends Method> = { kind: 'query'; run: (ctx: CtxOf<M>, args: Args<M>) => Answer<M> };

/**
 * Changes something and answers at once. `tx` says where its writes go:
 * - 'dispatch': synchronous, inside dispatch's transaction together with its audit entry (all or nothing);
 * - 'own': it renders, signs or reads files first (async), then writes and audits in a transaction of its own;
 * - 'none': it changes no register's records (sign-in sessions, a job's cancel); a sign-in writes only its own audit
 *   entry and the account's count of failures, so that it works while a job holds the register.
 * Neither 'dispatch' nor 'own' runs while a job holds the register.
 */
export type CommandHandler<M extends Method> =
  | { kind: 'command'; tx: 'dispatch'; run: (ctx: Ctx, args: Args<M>) => Output<M> }
  | { kind: 'command'; tx: 'own' | 'none'; run: (ctx: CtxOf<M>, args: Args<M>) => Answer<M> };

/**
 * Long work, as a job (progress, cancel). `start` checks the request (a wrong password or a missing medium is the
 * call's own error, said before any job exists) and says what the job does; dispatch starts it and answers {jobId}.
 * `writes`: the job writes the register, so it is refused while another job holds the register; `exclusive`: it holds
 * the register itself while it runs (every write is refused until it ends). Both are checked before `start` runs.
 */
export type JobSpec<R> = {
  /** the work; `jobId` is this job's own id (a job that waits for the others must not wait for itself) */
  work: (p: Progress, jobId: string) => Promise<R>;
  /** how an exclusive job is named to those it keeps waiting */
  label?: string;
  /** the job's kind in jobs.status, when it is not the method's name */
  jobKind?: string;
  keepMs?: number;
  privateResult?: boolean;
};
export type JobHandler<M extends JobMethod> = {
  kind: 'job'; writes: boolean; exclusive: boolean; start: (ctx: CtxOf<M>, args: Args<M>) => JobSpec<JobResult<M>>;
};

/** The handler a method of each kind must have. */
export type Handler<M extends Method> =
  Contract[M]['kind'] extends 'query' ? QueryHandler<M>
    : Contract[M]['kind'] extends 'command' ? CommandHandler<M>
      : M extends JobMethod ? JobHandler<M> : never;
export type Handlers = { [M in Method]: Handler<M> };

/** A handler as dispatch sees it, whatever its method: arguments already validated, answers checked afterwards. */
export type AnyHandler =
  | { kind: 'query'; run: (ctx: Ctx, args: never) => unknown }
  | { kind: 'command'; tx: 'dispatch' | 'own' | 'none'; run: (ctx: Ctx, args: never) => unknown }
  | { kind: 'job'; writes: boolean; exclusive: boolean; start: (ctx: Ctx, args: never) => JobSpec<unknown> };

export const query = <M extends Method>(run: (ctx: CtxOf<M>, args: Args<M>) => Answer<M>): QueryHandler<M> => ({ kind: 'query', run });
/** A command whose writes and audit entry commit together in dispatch's transaction. */
export const command = <M extends Method>(run: (ctx: Ctx, args: Args<M>) => Output<M>): CommandHandler<M> => ({ kind: 'command', tx: 'dispatch', run });
/** A command that writes (and audits) in a transaction of its own, after async work. */
export const ownCommand = <M extends Method>(run: (ctx: CtxOf<M>, args: Args<M>) => Answer<M>): CommandHandler<M> => ({ kind: 'command', tx: 'own', run });
/** A command that changes no register. */
export const sessionCommand = <M extends Method>(run: (ctx: CtxOf<M>, args: Args<M>) => Answer<M>): CommandHandler<M> => ({ kind: 'command', tx: 'none', run });
export const job = <M extends JobMethod>(how: { writes: boolean; exclusive?: boolean }, start: (ctx: CtxOf<M>, args: Args<M>) => JobSpec<JobResult<M>>): JobHandler<M> =>
  ({ kind: 'job', writes: how.writes, exclusive: how.exclusive ?? false, start });

/** A capability's handlers: only contract methods, each of its own kind. */
export function defineHandlers<const T extends Partial<Handlers>>(handlers: T & Record<Exclude<keyof T, Method>, never>): T {
  return handlers;
}

type KeysOf<T> = T extends readonly [infer H, ...infer R] ? keyof H | KeysOf<R> : never;
type Duplicates<T> = T extends readonly [infer H, ...infer R] ? (keyof H & KeysOf<R>) | Duplicates<R> : never;
type Merged<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * The capabilities' handlers as one table. A method handled by two capabilities does not compile (the argument list
 * then expects a single impossible argument); assigning the result to `Handlers` fails on a method no one handles.
 * The same is checked again at start, for whatever the types could not see.
 */
export function mergeHandlers<const T extends readonly object[]>(...parts: [Duplicates<T>] extends [never] ? T : [duplicateHandlers: Duplicates<T>]): Merged<T[number]> {
  const out: Record<string, unknown> = {};
  for (const part of parts as readonly object[]) {
    for (const [name, h] of Object.entries(part)) {
      if (Object.hasOwn(out, name)) throw new Error(`two handlers for ${name}`);
      out[name] = h;
    }
  }
  return out as Merged<T[number]>;
}

/** The signed-in user, for handlers of methods that need one (dispatch has already refused anyone else). */
export function signedIn(user: User | null): User {
  if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
  return user;
}
