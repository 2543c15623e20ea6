// The one way the renderer follows a backend job: start it (a job method of the contract), poll jobs.status while it
// runs, then take its result — typed and checked by the job method's `result` schema — from jobs.result, which also
// gives a job's error with its code and fields, and works for results only the starter may see.
import { useEffect, useRef, useState } from 'react';
import { contract, type Input, type Job, type JobMethod, type JobResult } from '../../../preload/contract';
import { ApiFailure, asFailure, call } from '../api';
import { t } from '../strings';

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How a job is begun: its arguments, or a function that starts it (when starting needs a certificate or a dialog first). */
export type JobStart<M extends JobMethod> = Input<M> | (() => Promise<{ jobId: string }>);

/**
 * Follows a started job until it ends, giving each status to `onStatus`. Resolves with the job's result when it is done,
 * with null when it was cancelled; a failed job rejects with its error (code and fields kept).
 */
export async function followJob<M extends JobMethod>(method: M, jobId: string, onStatus: (job: Job) => void, gone: () => boolean = () => false): Promise<JobResult<M> | null> {
  for (;;) {
    const status = await call('jobs.status', { id: jobId });
    if (gone()) return null;
    onStatus(status);
    if (status.state === 'cancelled') return null;
    if (status.state !== 'running') break;
    await sleep(POLL_MS);
  }
  const value = await call('jobs.result', { id: jobId }); // a failed job's error is thrown here, with its code
  const parsed = (contract[method] as { result: { safeParse(v: unknown): { success: boolean; data?: unknown } } }).result.safeParse(value);
  if (!parsed.success) throw new ApiFailure({ code: 'internal', message: t.errors.contractMismatch(method) });
  return parsed.data as JobResult<M>;
}

/**
 * A job of `method` as a screen shows it: `job` (progress, state, message), `result` when done, `failure` when it could
 * not start. `start` is for panels (a failed job shows in `job`); `run` is for a screen that goes on with the result
 * (it resolves with the result, null when cancelled, and rejects with the error). `onEnd` runs when a job has ended.
 */
export function useJob<M extends JobMethod>(method: M, onEnd?: () => void) {
  const [job, setJob] = useState<Job | null>(null);
  const [result, setResult] = useState<JobResult<M> | undefined>(undefined);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const alive = useRef(true);
  const current = useRef<string | null>(null);
  const lastState = useRef<Job['state'] | null>(null);
  useEffect(() => {
    alive.current = true;
    return () => { alive.current = false; };
  }, []);

  async function run(how: JobStart<M>): Promise<JobResult<M> | null> {
    setFailure(null);
    setResult(undefined);
    setJob(null);
    setCancelling(false);
    lastState.current = null;
    const { jobId } = typeof how === 'function' ? await how() : (await call(method, how)) as { jobId: string };
    current.current = jobId;
    setJob({ id: jobId, kind: method, state: 'running', done: 0, total: 0, message: null });
    try {
      const r = await followJob(method, jobId, (s) => {
        lastState.current = s.state;
        if (alive.current && current.current === jobId) setJob(s);
      }, () => !alive.current);
      if (alive.current && r !== null) setResult(r);
      return r;
    } finally {
      if (alive.current) {
        setCancelling(false);
        onEnd?.();
      }
    }
  }

  return {
    job,
    result,
    failure,
    running: job?.state === 'running',
    cancelling,
    run,
    start(how: JobStart<M>): void {
      run(how).catch((e) => {
        // a job that failed shows in `job` (its state and message); a refused start, or a lost connection, is the failure
        if (alive.current && lastState.current !== 'failed') setFailure(asFailure(e));
      });
    },
    cancel(): void {
      if (!job || job.state !== 'running') return;
      setCancelling(true);
      call('jobs.cancel', { id: job.id }).then((j) => { if (alive.current) setJob(j); }, (e) => { if (alive.current) setFailure(asFailure(e)); });
    },
  };
}
