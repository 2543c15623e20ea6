// The year-end close as a job over the API: classes whose gaps are н/а are listed and left unsealed until the admin
// confirms н/а; progress is reported; a cancel stops between classes, leaving each class sealed whole or not at all,
// and the next close completes the year; while it runs, writes to the register wait (the job holds it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import type { Job } from '../../preload/contract.ts';
import { count, expectError } from '../helpers/db.ts';
import { pdfaProblems } from '../helpers/pdfa-check.ts';
import { adminClient, type Client } from '../helpers/register.ts';

type CloseResult = { year: string; sealed: Array<{ className: string; code: string }>; alreadySealed: Array<{ className: string }>;
  skipped: Array<{ className: string; reason: string; missing: number; na: number }> };

let c: Client & { dbPath: string };
let yearId: number;
let classes: number;
beforeAll(async () => {
  c = await adminClient();
  await generateDemo(c.backend.db, { students: 300, seed: 11 }, progressTo());
  const years = await c.call('years.list', {});
  const current = years.map((y) => y.name).sort().at(-1)!;
  yearId = years.find((y) => y.name === current)!.id;
  classes = (await c.call('classes.list', { yearId })).length;
}, 180_000);
afterAll(() => c.backend.close());

async function finish(jobId: string, onRunning?: (j: Job) => Promise<void>): Promise<Job> {
  for (let i = 0; i < 2400; i++) {
    const j = await c.call('jobs.status', { id: jobId });
    if (j.state !== 'running') return j;
    await onRunning?.(j);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the job did not finish');
}

describe('ledgers.closeYear', () => {
  it('lists classes with н/а and seals only those without gaps', async () => {
    const list = await c.call('ledgers.list', { yearId });
    const clean = list.filter((l) => l.missing === 0 && l.na === 0).map((l) => l.className);
    const withNa = list.filter((l) => l.na > 0).map((l) => l.className);
    expect(withNa.length).toBeGreaterThan(0);
    expect(clean.length).toBeGreaterThan(0); // first graders: зч, never н/а
    const job = await finish((await c.call('ledgers.closeYear', { yearId })).jobId);
    expect(job.state).toBe('done');
    const r = job.result as CloseResult;
    expect(r.sealed.map((s) => s.className)).toEqual(clean);
    expect(r.skipped.map((s) => s.className)).toEqual(withNa);
    for (const s of r.skipped) {
      expect(s.missing).toBe(0);
      expect(s.reason).toMatch(new RegExp(`^В ведомости класса ${s.className} есть «н/а»: ${s.na} \\(`));
    }
    expect(count(c.backend.db, 'ledger_versions')).toBe(clean.length);
    // every PDF the close stored is PDF/A-2b by our checks (qpdf, pdffonts, the XMP parsed)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-close-pdfa-'));
    const stored = c.backend.db.prepare('SELECT id, pdf FROM ledger_versions').all() as Array<{ id: number; pdf: Buffer }>;
    for (const v of stored) {
      const file = path.join(dir, `${v.id}.pdf`);
      fs.writeFileSync(file, v.pdf);
      expect(pdfaProblems(file), file).toEqual([]);
    }
  });

  it('reports progress, can be cancelled between classes, holds the register meanwhile; the next close completes', async () => {
    const before = count(c.backend.db, 'ledger_versions');
    const { jobId } = await c.call('ledgers.closeYear', { yearId, allowNa: true });
    const seen: number[] = [];
    let refusedWrite = false;
    const job = await finish(jobId, async (j) => {
      seen.push(j.done);
      if (!refusedWrite) {
        const w = await c.raw('settings.set', { allowMarkOne: false });
        expect(expectError(w, 'conflict').message).toMatch(/Реестр занят: идёт «ledgers.closeYear»/);
        refusedWrite = true;
      }
      if (count(c.backend.db, 'ledger_versions') > before) await c.call('jobs.cancel', { id: jobId });
    });
    expect(refusedWrite).toBe(true);
    expect(job.state).toBe('cancelled');
    expect(job.message).toBe('Операция отменена');
    expect(job.total).toBe(classes);
    expect(Math.max(...seen)).toBeLessThan(classes);
    const sealedNow = count(c.backend.db, 'ledger_versions');
    expect(sealedNow).toBeGreaterThan(before);
    expect(sealedNow).toBeLessThan(classes);
    // Each version is whole: it has its audit entry.
    expect(count(c.backend.db, 'audit_log', "method = 'ledgers.seal'")).toBe(sealedNow);

    const rest = await finish((await c.call('ledgers.closeYear', { yearId, allowNa: true })).jobId);
    expect(rest.state).toBe('done');
    const r = rest.result as CloseResult;
    expect(r.alreadySealed.length).toBe(sealedNow);
    expect(r.sealed.length).toBe(classes - sealedNow);
    expect(r.skipped).toEqual([]);
    expect(rest).toMatchObject({ done: classes, total: classes, message: 'Готово' });
    expect((await c.call('ledgers.list', { yearId })).every((l) => l.state === 'sealed')).toBe(true);
  }, 120_000);
});
