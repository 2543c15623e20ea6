import { useEffect, useRef, useState } from 'react';
import { asFailure, call, type ApiFailure } from '../api';
import type { Job } from '../../../preload/contract';

/** Starts a backend job and follows it (jobs.status) until it ends (then `onEnd`); cancel() asks the backend to stop it. */
export function useJob<R>(onEnd?: () => void) {
  const [job, setJob] = useState<Job | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  const follow = (id: string) => {
    call('jobs.status', { id }).then((j) => {
      setJob(j);
      if (j.state === 'running') timer.current = setTimeout(() => follow(id), 250);
      else onEnd?.();
    }, (e) => setFailure(asFailure(e)));
  };
  return {
    job,
    failure,
    running: job?.state === 'running',
    result: job?.state === 'done' ? (job.result as R) : undefined,
    async start(begin: () => Promise<{ jobId: string }>) {
      setFailure(null);
      setJob(null);
      try {
        const { jobId } = await begin();
        follow(jobId);
      } catch (e) {
        setFailure(asFailure(e));
      }
    },
    cancel() {
      if (job) call('jobs.cancel', { id: job.id }).catch((e) => setFailure(asFailure(e)));
    },
  };
}
