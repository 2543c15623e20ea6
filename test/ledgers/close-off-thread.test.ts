// The running program's year close prints nothing on its own thread (issue 19): that thread answers the other users
// while the close runs, and each PDF is a synchronous pdfmake run of a few hundred ms. The renderers this thread would
// call are counted here (a render worker loads its own copy of them, not these); the close through the running
// backend must seal every class with none of them called, and a close told to print here (the count's control) calls
// them once per class.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { closeYear } from '../../main/ledgers/seal.ts';
import type { Job } from '../../preload/contract.ts';
import { count } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';

const printedHere = vi.hoisted(() => ({ pdf: 0, xlsx: 0 }));
vi.mock('../../main/ledgers/pdf.ts', async (original) => {
  const m = await original<typeof import('../../main/ledgers/pdf.ts')>();
  return { ...m, renderLedgerPdf: (...a: Parameters<typeof m.renderLedgerPdf>) => { printedHere.pdf++; return m.renderLedgerPdf(...a); } };
});
vi.mock('../../main/ledgers/xlsx.ts', async (original) => {
  const m = await original<typeof import('../../main/ledgers/xlsx.ts')>();
  return { ...m, renderLedgerXlsx: (...a: Parameters<typeof m.renderLedgerXlsx>) => { printedHere.xlsx++; return m.renderLedgerXlsx(...a); } };
});

const admin = { id: 0, login: 'cli:test', fullName: 'Тест', role: 'admin' as const };
let c: Client & { dbPath: string };
let yearId: number;
let classes: number;
beforeAll(async () => {
  c = await adminClient();
  await generateDemo(c.backend.db, { students: 120, seed: 5 }, progressTo());
  const years = await c.call('years.list', {});
  yearId = years.find((y) => y.name === years.map((x) => x.name).sort().at(-1))!.id;
  classes = (await c.call('classes.list', { yearId })).length;
}, 120_000);
afterAll(() => c.backend.close());

async function finish(jobId: string): Promise<Job> {
  for (let i = 0; i < 6000; i++) {
    const j = await c.call('jobs.status', { id: jobId });
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the job did not finish');
}

describe('the year close in the running program', () => {
  it('seals every class with every PDF and XLSX printed by render workers, none on the backend thread', async () => {
    expect(classes).toBeGreaterThanOrEqual(3);
    const job = await finish((await c.call('ledgers.closeYear', { yearId, allowNa: true })).jobId);
    expect(job.state, job.message ?? "").toBe('done');
    expect((job.result as { sealed: unknown[] }).sealed.length).toBe(classes);
    expect(count(c.backend.db, 'ledger_versions')).toBe(classes);
    expect(printedHere).toEqual({ pdf: 0, xlsx: 0 });
  }, 300_000);

  it('the count sees this thread print: a close told to print here (no workers) calls the renderers once per class', async () => {
    const dir = tempDir();
    const db = openRegister(path.join(dir, 'here.sqlite'), { create: true });
    try {
      await generateDemo(db, { students: 120, seed: 5 }, progressTo());
      const r = await closeYear(db, yearId, { user: admin, allowNa: true, renderThreads: 0 }, progressTo());
      expect(r.sealed.length).toBe(classes);
      expect(printedHere).toEqual({ pdf: classes, xlsx: classes });
    } finally {
      db.close();
    }
  }, 300_000);
});
