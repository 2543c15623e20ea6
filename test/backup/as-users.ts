// Calls to a backend as its signed-in users, by login, over the HTTP transport's path: what the forged-copy and
// backup-key tests share. A restore over the open register ends every session, so a job's end is read after signing in
// again when the backend says the session is gone.
import { expect } from 'vitest';
import type { Backend } from '../../main/host/backend.ts';
import type { Result } from '../../preload/contract.ts';

export type JobEnd<T> = { state: string; result: T; message: string | null };

export function asUsers(backend: () => Backend, passwords: Record<string, string>) {
  const sessions: Record<string, string> = {};
  const call = (who: string, method: string, args: unknown): Promise<Result<unknown>> =>
    backend().call({ method, args, session: sessions[who] ?? null }, 'http');
  async function value<T>(who: string, method: string, args: unknown): Promise<T> {
    const r = await call(who, method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  }
  const signIn = async (who: string) => {
    sessions[who] = (await value<{ session: string }>('', 'auth.signIn', { login: who, password: passwords[who] })).session;
  };
  /** The job's end; the swap ends every session, so the outcome is read after signing in again. */
  async function jobEnd<T>(who: string, jobId: string): Promise<JobEnd<T>> {
    for (;;) {
      const r = await call(who, 'jobs.status', { id: jobId });
      if (!r.ok) {
        expect(r.error.code).toBe('unauthenticated');
        await signIn(who);
        continue;
      }
      const j = r.value as JobEnd<T>;
      if (j.state !== 'running') return j;
      await new Promise((x) => setTimeout(x, 20));
    }
  }
  return { sessions, call, value, signIn, jobEnd };
}
