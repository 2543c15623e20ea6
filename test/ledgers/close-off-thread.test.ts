// The running program's year close prints nothing on its own thread (issue 19): that thread answers the other users
// while the close runs, and each PDF is a synchronous pdfmake run of a few hundred ms. The renderers this thread would
// call are counted here (a render worker loads its own copy of them, not these); the close through the running
// backend must seal every class with none of them called, and a close told to print here (the count's control) calls
// them once per class. A seal and a draft's printout go to the same kept render worker; a worker that dies fails its
// call with a message that says so and writes nothing, and the next call gets a new worker; an idle kept worker does
// not keep the process alive.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

// A render worker asked for this class dies (main/ledgers/render-worker.ts): set before any worker starts, which copies
// the environment. A class of the year before the closed one, so the close itself is not touched.
let victim: { id: number; name: string };

const admin = { id: 0, login: 'cli:test', fullName: 'Тест', role: 'admin' as const };
let c: Client & { dbPath: string };
let yearId: number;
let previousYearId: number;
let classes: number;
beforeAll(async () => {
  c = await adminClient();
  await generateDemo(c.backend.db, { students: 120, seed: 5 }, progressTo());
  const years = await c.call('years.list', {});
  const names = years.map((x) => x.name).sort();
  yearId = years.find((y) => y.name === names.at(-1))!.id;
  previousYearId = years.find((y) => y.name === names.at(-2))!.id;
  const before = await c.call('classes.list', { yearId: previousYearId });
  victim = { id: before[1].id, name: before[1].name };
  process.env.SCHOOL_REGISTER_TEST_KILL = `render-worker:${victim.name} ${names.at(-2)}`;
  classes = (await c.call('classes.list', { yearId })).length;
}, 120_000);
afterAll(() => {
  delete process.env.SCHOOL_REGISTER_TEST_KILL;
  c.backend.close();
});

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

  it('seals a correction and prints drafts (PDF and XLSX) with nothing rendered on the backend thread', async () => {
    printedHere.pdf = printedHere.xlsx = 0;
    const first = (await c.call('classes.list', { yearId }))[0];
    // «Ведомости» opened: the kept worker starts warming
    expect((await c.call('ledgers.list', { yearId })).length).toBe(classes);
    await c.call('ledgers.correct', { classId: first.id, reason: 'Опечатка в отметке', orderNumber: '15-о', orderDate: '2027-06-20' });
    const v2 = await c.call('ledgers.seal', { classId: first.id, allowNa: true });
    expect(v2.version).toBe(2);
    const pdf = await c.call('ledgers.print', { classId: first.id, format: 'pdf' });
    expect(Buffer.from(pdf.dataBase64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const xlsx = await c.call('ledgers.print', { classId: first.id, format: 'xlsx' });
    expect(Buffer.from(xlsx.dataBase64, 'base64').subarray(0, 2).toString()).toBe('PK');
    expect(printedHere).toEqual({ pdf: 0, xlsx: 0 });
  }, 300_000);

  it('a render worker that dies fails the seal with a message that says so and writes nothing; the next call gets a new worker', async () => {
    const other = (await c.call('classes.list', { yearId: previousYearId })).find((x) => x.id !== victim.id)!;
    const versions = count(c.backend.db, 'ledger_versions');
    const audit = count(c.backend.db, 'audit_log', "method = 'ledgers.seal'");
    const r = await c.raw('ledgers.seal', { classId: victim.id, allowNa: true });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(new RegExp(`^Поток печати ведомостей завершился аварийно при печати ведомости класса ${victim.name}: .*Ничего не записано`));
    expect([count(c.backend.db, 'ledger_versions'), count(c.backend.db, 'audit_log', "method = 'ledgers.seal'")]).toEqual([versions, audit]);
    // a draft's printout of that class fails the same way; another class's seal and printout work, in a new worker
    const p = await c.raw('ledgers.print', { classId: victim.id, format: 'pdf' });
    expect(!p.ok && p.error.message).toMatch(/^Поток печати ведомостей завершился аварийно/);
    expect((await c.call('ledgers.seal', { classId: other.id, allowNa: true })).version).toBe(1);
    expect(count(c.backend.db, 'ledger_versions')).toBe(versions + 1);
    expect(printedHere).toEqual({ pdf: 0, xlsx: 0 });
  }, 300_000);

  it('the count sees this thread print: a close told to print here (no workers) calls the renderers once per class', async () => {
    printedHere.pdf = printedHere.xlsx = 0;
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

describe('the kept render worker and the process', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  it('a program that printed and warmed, then left its backend open, still exits: an idle worker holds nothing', () => {
    const dir = tempDir();
    const script = path.join(dir, 'probe.mts');
    fs.writeFileSync(script, [
      `import { openBackend } from ${JSON.stringify(path.join(root, 'main/host/backend.ts'))};`,
      `import { generateDemo } from ${JSON.stringify(path.join(root, 'main/demo/generate.ts'))};`,
      `import { progressTo } from ${JSON.stringify(path.join(root, 'main/shared/jobs.ts'))};`,
      `const b = openBackend({ dbPath: ${JSON.stringify(path.join(dir, 'r.sqlite'))} });`,
      `const call = async (method: string, args: unknown, session: string | null) => { const r = await b.call({ method, args, session } as never, 'http');`,
      `  if (!r.ok) throw new Error(r.error.message); return r.value as any; };`,
      `const { session } = await call('auth.setupAdmin', { login: 'admin', fullName: 'Администратор Иван Петрович', password: 'correct horse 1' }, null);`,
      `await generateDemo(b.db, { students: 30, seed: 2 }, progressTo());`,
      `const years = await call('years.list', {}, session);`,
      `const list = await call('ledgers.list', { yearId: years[0].id }, session);`,
      `const pdf = await call('ledgers.print', { classId: list[0].classId, format: 'pdf' }, session);`,
      `console.log(pdf.dataBase64.length > 1000 ? 'printed' : 'empty');`,
      // the backend is left open on purpose: the warm-up may still be running, and then the worker sleeps
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    expect(r.error, 'the process did not exit by itself').toBeUndefined();
    expect(r.stdout.trim()).toBe('printed');
    expect(r.status, r.stderr).toBe(0);
  }, 200_000);
});
