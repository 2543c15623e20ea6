// Issue 4: the year-end close of the demo school (1,000 students, ~40 classes of the current year): seal every class
// — build the ledger, canonical JSON, SHA-256, CMS signature, the stamped PDF and the XLSX, one transaction each —
// against pdfmake rendering the same ledger tables bare (ledgerContent of the same data, no stamp, no QR, no
// running head, no XLSX, no database, one thread), in the same run. Goal: ≤ 1.3× and ≤ 15 s.
// Ours is measured three times, on three copies of the register: as the CLI runs it (the printouts shared between
// render workers and the main thread, render-pool.ts; the workers' start and their cold code included), as the running
// program runs it (only workers print: its thread answers other users) and in one thread; the bare baseline runs
// before, between and after them. CPU time counts every thread of the process. The running program's way is measured
// twice: with a pool opened for the close (its worker's cold start included: the program before issue 19's warm
// worker), and with the program's kept render worker warmed beforehand, as «Ведомости» warms it when it is opened
// (main/ledgers/kept-renderer.ts) — the warm-up's time is given apart, not in the close's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { buildLedger } from '../../main/ledgers/build.ts';
import { ledgerContent, renderLedgerPdf } from '../../main/ledgers/pdf.ts';
import { renderLedgerXlsx } from '../../main/ledgers/xlsx.ts';
import type { LedgerData } from '../../main/ledgers/model.ts';
import { openKeptRenderer, renderThreadsFor } from '../../main/ledgers/render-pool.ts';
import { closeYear, openSigner } from '../../main/ledgers/seal.ts';
import { pdfFontDir } from '../../main/shared/pdf.ts';
import { makeFixtures, PASSWORD } from '../signing/openssl-fixtures.ts';

/** The baseline: the same tables through pdfmake with the same fonts, page and margins, and nothing else. */
async function renderBare(data: LedgerData): Promise<Buffer> {
  const dir = pdfFontDir();
  pdfmake.setFonts({ Roboto: { normal: path.join(dir, 'Roboto-Regular.ttf'), bold: path.join(dir, 'Roboto-Medium.ttf'),
    italics: path.join(dir, 'Roboto-Italic.ttf'), bolditalics: path.join(dir, 'Roboto-MediumItalic.ttf') } });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy(() => true);
  const doc: TDocumentDefinitions = { pageSize: 'A4', pageOrientation: 'landscape', pageMargins: [22, 34, 22, 52],
    defaultStyle: { font: 'Roboto', fontSize: 8, lineHeight: 1.05 }, content: ledgerContent(data) };
  return Buffer.from(await pdfmake.createPdf(doc).getBuffer());
}

/** Wall time, and this process's CPU time (user + system): the CPU time does not grow when other processes share the cores. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await work();
  const cpu = process.cpuUsage(c);
  return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

const timeAll = (ledgers: LedgerData[], render: (d: LedgerData) => Promise<Buffer>) => timed(async () => {
  let bytes = 0;
  for (const d of ledgers) bytes += (await render(d)).length;
  return bytes;
});

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `busyCore` (issue 19, `--only ledgers-load`): another process spins on one core for the whole measurement, the bare
 *  renders and ours alike — the goal (≤ 1.3×) holds under the same load. */
export async function benchLedgers(a: { students?: number; busyCore?: boolean } = {}): Promise<string[]> {
  const n = a.students ?? 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-ledgers-'));
  const fx = makeFixtures();
  const spinner = a.busyCore ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
  try {
    const file = path.join(dir, 'register.sqlite');
    const gen = openRegister(file, { create: true });
    const demo = await generateDemo(gen, { students: n, by: 'bench', seed: 4 }, progressTo());
    gen.close();
    fs.copyFileSync(file, path.join(dir, 'single.sqlite'));
    fs.copyFileSync(file, path.join(dir, 'workers.sqlite'));
    fs.copyFileSync(file, path.join(dir, 'warm.sqlite'));
    const db = openRegister(file, {});
    const single = openRegister(path.join(dir, 'single.sqlite'), {});
    const onlyWorkers = openRegister(path.join(dir, 'workers.sqlite'), {});
    const warmDb = openRegister(path.join(dir, 'warm.sqlite'), {});
    const year = db.prepare('SELECT id, name FROM academic_years ORDER BY name DESC LIMIT 1').get() as { id: number; name: string };
    const classIds = db.prepare('SELECT id FROM classes WHERE year_id = ? ORDER BY parallel, letter').pluck().all(year.id) as number[];
    const ledgers = classIds.map((id) => buildLedger(db, id));
    const students = ledgers.reduce((x, l) => x + l.students.length, 0);
    const maxSubjects = Math.max(...ledgers.map((l) => l.subjects.length));
    const admin = { id: 0, login: 'cli:bench', fullName: 'Бенчмарк', role: 'admin' as const };
    const threads = renderThreadsFor(classIds.length);
    const threadsAlone = renderThreadsFor(classIds.length, false);

    // Warm-up: fonts parsed, code paths compiled, for both sides alike.
    await renderBare(ledgers[ledgers.length - 1]);
    await renderLedgerPdf(ledgers[ledgers.length - 1], null);
    await renderLedgerXlsx(ledgers[ledgers.length - 1], null);

    const signer = openSigner({ p12: fs.readFileSync(fx.p12Default), password: PASSWORD });
    const close = (on: typeof db, renderThreads: number, printHere = true, renderer?: ReturnType<typeof openKeptRenderer>) =>
      timed(() => closeYear(on, year.id, { user: admin, signer, allowNa: true, renderThreads, printHere, renderer }, progressTo()));
    const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(', ');
    const bare1 = await timeAll(ledgers, renderBare);
    const ours = await close(db, threads);
    const bare2 = await timeAll(ledgers, renderBare);
    const ours1 = await close(single, 0);
    const bare3 = await timeAll(ledgers, renderBare);
    const oursW = await close(onlyWorkers, threadsAlone, false);
    const bare4 = await timeAll(ledgers, renderBare);
    // the running program's kept worker, warmed as opening «Ведомости» warms it (on the year's first class), then the close
    const kept = openKeptRenderer();
    const awake = setInterval(() => {}, 1000); // an idle or warming kept worker holds no process open (the app is held by its window)
    const warmUp = await timed(() => kept.warm(() => buildLedger(warmDb, classIds[0]))).finally(() => clearInterval(awake));
    const oursK = await close(warmDb, threadsAlone, false, kept);
    const keptThreads = kept.threads;
    await kept.close();
    const bare5 = await timeAll(ledgers, renderBare);
    const bares = [bare1, bare2, bare3, bare4, bare5];
    const bareMs = bares.reduce((x, b) => x + b.ms, 0) / bares.length;
    const bareCpu = bares.reduce((x, b) => x + b.cpuMs, 0) / bares.length;
    // Where our time goes, measured apart on the same data, in one thread: the stamped PDFs alone, and the XLSX alone.
    const stamp = { code: '00000000-v1', version: 1, sha256: '0'.repeat(64), sealedAt: new Date().toISOString(), signer: signer.certificate.subject };
    const pdfOnly = await timeAll(ledgers, (d) => renderLedgerPdf(d, stamp));
    const xlsxOnly = await timeAll(ledgers, (d) => renderLedgerXlsx(d, stamp));
    const stored = db.prepare('SELECT count(*) AS n, sum(length(pdf)) AS pdf, sum(length(xlsx)) AS xlsx FROM ledger_versions').get() as { n: number; pdf: number; xlsx: number };
    const storedSingle = single.prepare('SELECT count(*) AS n FROM ledger_versions').pluck().get() as number;
    const storedW = onlyWorkers.prepare('SELECT count(*) AS n FROM ledger_versions').pluck().get() as number;
    const storedK = warmDb.prepare('SELECT count(*) AS n FROM ledger_versions').pluck().get() as number;
    db.close();
    single.close();
    onlyWorkers.close();
    warmDb.close();
    for (const [name, r] of [['with workers', ours.value], ['in one thread', ours1.value], ['only workers', oursW.value], ['kept warm worker', oursK.value]] as const) {
      if (r.sealed.length !== classIds.length) throw new Error(`${name}: sealed ${r.sealed.length} of ${classIds.length}: ${JSON.stringify(r.skipped.slice(0, 2))}`);
    }
    if (stored.n !== classIds.length || storedSingle !== classIds.length || storedW !== classIds.length || storedK !== classIds.length) {
      throw new Error(`stored ${stored.n}, ${storedSingle}, ${storedW} and ${storedK} versions of ${classIds.length}`);
    }
    const row = (what: string, m: { ms: number; cpuMs: number }) => [
      `| ours: closeYear ${what} — build, RFC 8785, SHA-256, CMS signature, stamped PDF + XLSX, one transaction per class | ${s(m.ms)} (${(m.ms / classIds.length).toFixed(0)} ms per class) | ${s(m.cpuMs)} |`,
      `| ratio ours ${what} / bare (goal ≤ 1.3×) | ${(m.ms / bareMs).toFixed(2)}× | ${(m.cpuMs / bareCpu).toFixed(2)}× |`,
      `| goal ≤ 15 s | ${m.ms <= 15000 ? 'met' : 'not met'} | ${m.cpuMs <= 15000 ? 'met' : 'not met'} |`,
    ];
    return [
      `### Ledgers: year-end close of the demo school${spinner ? ', another process spinning on one core throughout' : ''} (${demo.students} students; ${classIds.length} classes, ${students} students and up to ${maxSubjects} subjects in ${year.name})`,
      '',
      `Load average before / after: ${loadBefore} / ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}. CPU time is the whole process's (every thread, the render workers' included).`,
      '',
      '| measure | wall time | CPU time of this process |',
      '| --- | --- | --- |',
      `| bare pdfmake, the same tables (ledgerContent), all classes, one thread (mean of runs before, between and after ours) | ${s(bareMs)} (${bares.map((b) => s(b.ms)).join(', ')}) | ${s(bareCpu)} |`,
      ...row(`with ${threads} render worker${threads === 1 ? '' : 's'} beside the main thread`, ours),
      ...row('in one thread (no workers)', ours1),
      ...row(`with ${threadsAlone} render worker${threadsAlone === 1 ? '' : 's'} only, started for the close (cold), the main thread printing nothing`, oursW),
      ...row(`with the running program's kept render worker${keptThreads === 1 ? '' : 's'} (${keptThreads}), warmed before, the main thread printing nothing (the running program)`, oursK),
      `| the kept worker's warm-up before it (as when «Ведомости» is opened; not in the close's time) | ${s(warmUp.ms)} | ${s(warmUp.cpuMs)} |`,
      `| of which, measured apart in one thread: stamped PDFs alone / XLSX alone | ${s(pdfOnly.ms)} / ${s(xlsxOnly.ms)} | ${s(pdfOnly.cpuMs)} / ${s(xlsxOnly.cpuMs)} |`,
      `| stored (with workers) | ${stored.n} versions, PDFs ${(stored.pdf / 2 ** 20).toFixed(1)} MiB, XLSX ${(stored.xlsx / 2 ** 20).toFixed(1)} MiB | |`,
    ];
  } finally {
    spinner?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
}
