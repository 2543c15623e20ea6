// Long work as a job: demo.generate returns a job id at once, jobs.status reports progress to the end,
// jobs.cancel stops it with nothing written (the demo is one transaction), and writes meanwhile get 'conflict'.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Job, Result } from '../../preload/contract.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { contentHash, count, expectError, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const clients: Client[] = [];
afterEach(() => {
  while (clients.length) clients.pop()!.backend.close();
});
async function client() {
  const c = await adminClient(scratchDir());
  clients.push(c);
  return c;
}

/** Polls jobs.status until the job leaves 'running'; returns every status seen. */
// The demo now fills a year of marks too: under a loaded CI machine that takes a while.
async function untilSettled(c: Client, id: string, timeoutMs = 150_000): Promise<Job[]> {
  const seen: Job[] = [];
  const end = Date.now() + timeoutMs;
  for (;;) {
    const j = await c.call('jobs.status', { id });
    seen.push(j);
    if (j.state !== 'running') return seen;
    if (Date.now() > end) throw new Error(`job ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('demo.generate as a job', () => {
  it('returns a job id, reports growing progress, and ends done with the summary; the register is filled', async () => {
    const c = await client();
    const { jobId } = await c.call('demo.generate', { students: 2500 });
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    const seen = await untilSettled(c, jobId);
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ id: jobId, kind: 'demo', state: 'done', done: 5000, total: 5000 });
    expect(last.result).toMatchObject({ students: 2500, subjects: expect.any(Number) });
    const dones = seen.map((j) => j.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b)); // never goes back
    expect(seen.some((j) => j.state === 'running' && j.done > 0 && j.done < 5000)).toBe(true); // progress seen mid-run
    expect(seen.filter((j) => j.done > 0).every((j) => j.total === 5000)).toBe(true);
    expect(count(c.backend.db, 'students')).toBe(2500);
    const audit = c.backend.db.prepare("SELECT login, method FROM audit_log WHERE method = 'demo.generate'").all();
    expect(audit).toEqual([{ login: 'admin', method: 'demo.generate' }]);
    expect(await c.call('audit.verify', {})).toMatchObject({ ok: true });
  }, 180_000);

  it("writes during the job get 'conflict' and write nothing; reads still answer", async () => {
    const c = await client();
    const { jobId } = await c.call('demo.generate', { students: 2500 });
    expect((await c.call('jobs.status', { id: jobId })).state).toBe('running');
    const e = expectError(await c.raw('students.create', studentInput({ lastName: 'Конфликтов' })), 'conflict');
    expect(e.message).toMatch(/Реестр занят.*demo/);
    expectError(await c.raw('years.create', { name: '2040/2041' }), 'conflict');
    // A second demo job at the same time is refused too.
    expectError(await c.raw('demo.generate', { students: 10 }), 'conflict');
    // So is a certified printout, which writes in a transaction of its own after rendering (its number, its copy).
    expect(expectError(await c.raw('printouts.alphabetBook', { letter: 'А' }), 'conflict').message).toMatch(/Реестр занят.*demo/);
    expect((await c.raw('jobs.status', { id: jobId })).ok).toBe(true);
    expect((await untilSettled(c, jobId)).pop()!.state).toBe('done');
    expect(count(c.backend.db, 'students', "last_name = 'Конфликтов'")).toBe(0);
    expect(count(c.backend.db, 'academic_years', "name = '2040/2041'")).toBe(0);
    expect(count(c.backend.db, 'audit_log', "method IN ('students.create', 'years.create', 'printouts.alphabetBook')")).toBe(0);
    expect(count(c.backend.db, 'printouts')).toBe(0);
    expect(count(c.backend.db, 'audit_log', "method = 'demo.generate'")).toBe(1);
    // After the job, writes go through again.
    expect((await c.raw('students.create', studentInput({ lastName: 'Послеков' }))).ok).toBe(true);
  }, 180_000);

  it('jobs.cancel mid-run ends in cancelled and leaves the register exactly as before (0 students)', async () => {
    const c = await client();
    const before = contentHash(c.backend.db);
    const { jobId } = await c.call('demo.generate', { students: 4500 });
    // Wait for the first progress report: the job is truly mid-run, with students written in its transaction.
    let mid = await c.call('jobs.status', { id: jobId });
    while (mid.state === 'running' && mid.done === 0) {
      await new Promise((r) => setTimeout(r, 5));
      mid = await c.call('jobs.status', { id: jobId });
    }
    expect(mid.state).toBe('running');
    expect(mid.done).toBeGreaterThan(0);
    expect(mid.done).toBeLessThan(4500);
    const r = await c.call('jobs.cancel', { id: jobId });
    expect(r.id).toBe(jobId);
    const last = (await untilSettled(c, jobId)).pop()!;
    expect(last.state).toBe('cancelled');
    expect(last.message).toMatch(/отменена/);
    expect(last.done).toBeLessThan(4500);
    for (const t of ['students', 'staff', 'subjects', 'classes', 'academic_years', 'orders', 'movements', 'alphabet_book', 'school']) {
      expect(count(c.backend.db, t), t).toBe(0);
    }
    expect(count(c.backend.db, 'audit_log', "method = 'demo.generate'")).toBe(0);
    expect(c.backend.db.inTransaction).toBe(false);
    expect(contentHash(c.backend.db)).toBe(before);
    // The register is free again.
    expect((await c.raw('students.create', studentInput())).ok).toBe(true);
  });

  it('a second demo on a non-empty register is refused and changes nothing', async () => {
    const c = await client();
    await c.call('students.create', studentInput({ lastName: 'Первый' }));
    const before = contentHash(c.backend.db);
    const { jobId } = await c.call('demo.generate', { students: 20 });
    const last = (await untilSettled(c, jobId)).pop()!;
    expect(last.state).toBe('failed');
    expect(last.message).toMatch(/только в пустом реестре/);
    expect(contentHash(c.backend.db)).toBe(before);
    expect(count(c.backend.db, 'students')).toBe(1);
  });

  it('an unknown job id is not_found, for status and cancel', async () => {
    const c = await client();
    for (const method of ['jobs.status', 'jobs.cancel']) {
      const r = (await c.raw(method, { id: 'no-such-job' })) as Result<unknown>;
      expectError(r, 'not_found');
    }
  });
});
