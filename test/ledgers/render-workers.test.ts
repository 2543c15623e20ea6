// The year-end close prints on worker threads (main/ledgers/render-pool.ts). A worker prints the same PDF bytes
// and the same workbook as the main thread; its errors are the main thread's (an AppError keeps its code); a close
// with workers seals versions that verify, signed so that openssl accepts them, with the same hashes as a close
// without; a cancel or a failing worker stops the workers and leaves each class sealed whole or not at all. The
// bundled main process starts its workers from render-worker.cjs beside it, and prints in its own thread without.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { CancelledError, progressTo } from '../../main/shared/jobs.ts';
import { extractCodeFromPdf } from '../../main/ledgers/pdf.ts';
import { errorOf, replyOf } from '../../main/ledgers/render.ts';
import { openKeptRenderer, openRenderPool, renderLedgerFiles, renderThreadsFor, type LedgerRenderer } from '../../main/ledgers/render-pool.ts';
import { renderLedgerXlsx } from '../../main/ledgers/xlsx.ts';
import { closeYear, openSigner } from '../../main/ledgers/seal.ts';
import { verifyLedger } from '../../main/ledgers/verify.ts';
import type { LedgerData } from '../../main/ledgers/model.ts';
import { AppError } from '../../main/shared/errors.ts';
import type { Signer } from '../../main/signing/cms.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleElectron, importWorkerBeside, renderWorkerBeside, SRGB_ICC } from '../../build/scripts/bundle-electron.mjs';
import { count } from '../helpers/db.ts';
import { pdfaProblems } from '../helpers/pdfa-check.ts';
import { tempDir } from '../helpers/register.ts';
import { makeFixtures, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { ledgerFixture, stampFixture } from './fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const admin = { id: 0, login: 'cli:test', fullName: 'Тест', role: 'admin' as const };
/** A ledger pdfmake cannot lay out: its subjects are not a list. */
const broken = (d: LedgerData) => ({ ...d, subjects: null }) as unknown as LedgerData;
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e);

async function cells(xlsx: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  return wb.worksheets.flatMap((ws) => ws.getSheetValues().map((row) => (Array.isArray(row) ? row.slice(1) : [])));
}

describe('the render pool', () => {
  let pool: LedgerRenderer;
  beforeAll(() => { pool = openRenderPool(2, { here: false }); }); // only the workers print
  afterAll(() => pool.close());

  it('prints in its workers the same PDF bytes as this thread, and a workbook with the same cells', async () => {
    const data = ledgerFixture({ subjects: 9, students: 12 });
    const stamp = stampFixture(2);
    const [there, here] = await Promise.all([pool.render(data, stamp), renderLedgerFiles(data, stamp)]);
    expect(pool.threads).toBe(2);
    expect(Buffer.isBuffer(there.pdf) && Buffer.isBuffer(there.xlsx)).toBe(true);
    expect(there.pdf.equals(here.pdf)).toBe(true);
    expect(extractCodeFromPdf(there.pdf)).toBe(stamp.code);
    expect(await cells(there.xlsx)).toEqual(await cells(here.xlsx));
  });

  it('rejects with the error this thread throws, and keeps printing the next ledgers', async () => {
    const here = await failure(renderLedgerFiles(broken(ledgerFixture()), stampFixture()));
    const there = await failure(pool.render(broken(ledgerFixture()), stampFixture()));
    expect(here.message).toMatch(/subjects/);
    expect([there.constructor, there.name, there.message]).toEqual([here.constructor, here.name, here.message]);
    expect(extractCodeFromPdf((await pool.render(ledgerFixture(), stampFixture(3))).pdf)).toBe(stampFixture(3).code);
    expect(pool.threads).toBe(2);
  });

  it('carries an AppError across as one, code, message and fields kept', () => {
    const { reply } = replyOf(7, new AppError('validation', 'Не найден шрифт Roboto для PDF', { fonts: 'нет' }));
    const e = errorOf((reply as { error: Parameters<typeof errorOf>[0] }).error);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).toApi()).toEqual({ code: 'validation', message: 'Не найден шрифт Roboto для PDF', fields: { fonts: 'нет' } });
  });

  it('close() stops its workers at once: what they print is rejected as cancelled, nothing more is taken', async () => {
    const own = openRenderPool(1, { here: false });
    const big = ledgerFixture({ subjects: 16, students: 40 });
    const printing = [own.render(big, stampFixture()), own.render(big, stampFixture())].map(failure);
    await own.close();
    for (const e of await Promise.all(printing)) expect(e).toBeInstanceOf(CancelledError);
    expect(own.threads).toBe(0);
    expect(await failure(own.render(big, stampFixture()))).toBeInstanceOf(CancelledError);
  });
});

describe("the running program's kept pool", () => {
  it('warms up, prints a draft in either format, and drops the ledgers a caller no longer wants that its worker has not taken', async () => {
    const kept = openKeptRenderer(1);
    try {
      const data = ledgerFixture({ subjects: 4, students: 5 });
      await kept.warm(() => data);
      expect(kept.threads).toBe(1);
      await kept.warm(() => { throw new Error('a warm worker is not warmed again'); });
      const pdf = await kept.print(data, null, 'pdf');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(await cells(await kept.print(data, null, 'xlsx'))).toEqual(await cells(await renderLedgerXlsx(data, null)));
      const stop = new AbortController();
      const five = Array.from({ length: 5 }, () => kept.render(data, stampFixture(), { signal: stop.signal })
        .then(() => 'printed', (e: Error) => (e instanceof CancelledError ? 'dropped' : e.message)));
      stop.abort();
      // two were handed to the worker at once (it keeps two in hand); the other three were still waiting
      expect((await Promise.all(five)).sort()).toEqual(['dropped', 'dropped', 'dropped', 'printed', 'printed']);
    } finally {
      await kept.close();
    }
    expect(kept.threads).toBe(0);
  }, 120_000);
});

describe('how many render workers', () => {
  const saved = process.env.SCHOOL_REGISTER_RENDER_WORKERS;
  afterAll(() => { if (saved === undefined) delete process.env.SCHOOL_REGISTER_RENDER_WORKERS; else process.env.SCHOOL_REGISTER_RENDER_WORKERS = saved; });

  it('one per other core, at most 3, none for a couple of ledgers; SCHOOL_REGISTER_RENDER_WORKERS overrides, a bad value does not', () => {
    const cores = os.availableParallelism();
    delete process.env.SCHOOL_REGISTER_RENDER_WORKERS;
    expect(renderThreadsFor(44)).toBe(Math.min(3, cores - 1));
    expect([renderThreadsFor(0), renderThreadsFor(2)]).toEqual([0, 0]);
    process.env.SCHOOL_REGISTER_RENDER_WORKERS = '0';
    expect(renderThreadsFor(44)).toBe(0);
    process.env.SCHOOL_REGISTER_RENDER_WORKERS = '3';
    expect([renderThreadsFor(44), renderThreadsFor(3), renderThreadsFor(2)]).toEqual([3, 2, 0]);
    process.env.SCHOOL_REGISTER_RENDER_WORKERS = '8';
    expect(renderThreadsFor(44)).toBe(Math.min(3, cores - 1));
  });

  it('when this thread prints nothing (the running program): as many, and at least one for any ledger', () => {
    const cores = os.availableParallelism();
    delete process.env.SCHOOL_REGISTER_RENDER_WORKERS;
    expect(renderThreadsFor(44, false)).toBe(Math.max(1, Math.min(3, cores - 1)));
    expect([renderThreadsFor(0, false), renderThreadsFor(1, false)]).toEqual([0, 1]);
    process.env.SCHOOL_REGISTER_RENDER_WORKERS = '0';
    expect(renderThreadsFor(44, false)).toBe(1);
    process.env.SCHOOL_REGISTER_RENDER_WORKERS = '3';
    expect([renderThreadsFor(44, false), renderThreadsFor(2, false)]).toEqual([3, 2]);
  });
});

describe('closeYear with render workers', () => {
  let dir: string;
  let template: string;
  let fx: Fixtures;
  let signer: Signer;
  let yearId: number;
  let classes: number;
  const opened: DB[] = [];
  beforeAll(async () => {
    dir = tempDir('sr-render-workers-');
    fx = makeFixtures();
    signer = openSigner({ p12: fs.readFileSync(fx.p12Default), password: PASSWORD });
    template = path.join(dir, 'template.sqlite');
    const db = openRegister(template, { create: true });
    await generateDemo(db, { students: 120, by: 'test', seed: 5 }, progressTo());
    yearId = db.prepare('SELECT id FROM academic_years ORDER BY name DESC LIMIT 1').pluck().get() as number;
    classes = count(db, 'classes', `year_id = ${yearId}`);
    db.close();
  }, 60_000);
  afterAll(() => {
    for (const db of opened) db.open && db.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });
  /** A fresh copy of the demo school's register. */
  const register = (name: string) => {
    fs.copyFileSync(template, path.join(dir, name));
    const db = openRegister(path.join(dir, name), {});
    opened.push(db);
    return db;
  };
  const versions = (db: DB) => db.prepare(`SELECT c.parallel || c.letter AS name, v.sha256, v.version, v.canonical_json, v.signature, v.pdf
    FROM ledger_versions v JOIN classes c ON c.id = v.class_id ORDER BY c.parallel, c.letter`).all() as
    Array<{ name: string; sha256: string; version: number; canonical_json: string; signature: Buffer; pdf: Buffer }>;
  /** Every stored version is whole: it verifies as intact and current, and has its audit entry. */
  const allWhole = async (db: DB) => {
    for (const v of versions(db)) {
      const r = await verifyLedger(db, { code: `${v.sha256.slice(0, 8).toUpperCase()}-v${v.version}` });
      expect(r, v.name).toMatchObject({ sealed: true, intact: true, current: true });
    }
    expect(count(db, 'audit_log', "method = 'ledgers.seal'")).toBe(count(db, 'ledger_versions'));
  };

  it('seals every class, signed: each version verifies, openssl accepts its signature; the same hashes as without workers', async () => {
    expect(classes).toBeGreaterThanOrEqual(6);
    const db = register('workers.sqlite');
    const order: string[] = [];
    const r = await closeYear(db, yearId, { user: admin, signer, allowNa: true, renderThreads: 2, onClass: (x) => order.push(x.className) }, progressTo());
    expect(r.sealed.length).toBe(classes);
    expect(order).toEqual(r.sealed.map((s) => s.className)); // reported in the order of the classes
    const sealed = versions(db);
    expect(sealed.map((v) => v.name)).toEqual(order);
    await allWhole(db);
    for (const v of sealed) {
      expect(opensslVerify(fx.dir, v.signature, Buffer.from(v.canonical_json, 'utf8'), fx.certPem).status, v.name).toBe(0);
      expect(extractCodeFromPdf(v.pdf)).toBe(`${v.sha256.slice(0, 8).toUpperCase()}-v1`);
    }
    const single = register('single.sqlite');
    await closeYear(single, yearId, { user: admin, signer, allowNa: true, renderThreads: 0 }, progressTo());
    expect(versions(single).map((v) => [v.name, v.sha256])).toEqual(sealed.map((v) => [v.name, v.sha256]));
  }, 120_000);

  it('a cancel mid-year stops the workers, leaves only whole classes sealed, and the next close seals the rest', async () => {
    const db = register('cancel.sqlite');
    const abort = new AbortController();
    const seen: number[] = [];
    const e = await failure(closeYear(db, yearId, { user: admin, allowNa: true, renderThreads: 2, onClass: (x) => { if (x.outcome === 'sealed') abort.abort(); } },
      progressTo((done) => seen.push(done), abort.signal)));
    expect(e).toBeInstanceOf(CancelledError);
    const sealed = count(db, 'ledger_versions');
    expect(sealed).toBe(1); // stored only the class that was being reported when the cancel came
    expect(Math.max(...seen)).toBeLessThan(classes);
    await allWhole(db);
    const rest = await closeYear(db, yearId, { user: admin, allowNa: true, renderThreads: 2 }, progressTo());
    expect([rest.alreadySealed.length, rest.sealed.length]).toEqual([1, classes - 1]);
    await allWhole(db);
  }, 120_000);

  it('another connection changing a class already printing: that class is refused by name, those stored before stay whole', async () => {
    const db = register('changed.sqlite');
    const names = db.prepare('SELECT parallel || letter FROM classes WHERE year_id = ? ORDER BY parallel, letter').pluck().all(yearId) as string[];
    const classOf = (name: string) => db.prepare('SELECT id FROM classes WHERE year_id = ? AND parallel || letter = ?').pluck().get(yearId, name) as number;
    const other = openRegister(path.join(dir, 'changed.sqlite'), {});
    opened.push(other);
    let changed = 0;
    // With 2 workers the close has prepared the next classes when it stores class 0: class 1 changes now, behind its back.
    const e = await failure(closeYear(db, yearId, { user: admin, allowNa: true, renderThreads: 2, onClass: () => {
      if (changed) return;
      changed = other.prepare(`UPDATE subject_marks SET annual = CASE annual WHEN '5' THEN '4' WHEN 'зч' THEN 'нз' ELSE '5' END
        WHERE id = (SELECT min(id) FROM subject_marks WHERE class_id = ? AND annual IS NOT NULL)`).run(classOf(names[1])).changes;
    } }, progressTo()));
    expect(changed).toBe(1);
    expect(e.message).toBe(`Данные класса ${names[1]} изменились, пока ведомость печаталась: запечатайте ещё раз`);
    expect(versions(db).map((v) => v.name)).toEqual([names[0]]);
    await allWhole(db);
  }, 120_000);

  it('a worker failing on one class stops the close with its error: the classes before it are sealed whole, it and the rest are not', async () => {
    const db = register('failing.sqlite');
    const names = db.prepare('SELECT parallel || letter FROM classes WHERE year_id = ? ORDER BY parallel, letter').pluck().all(yearId) as string[];
    const victim = names[3];
    const pool = openRenderPool(2, { here: false }); // the failing class is printed by a worker
    const failing: LedgerRenderer = { get threads() { return pool.threads; }, get capacity() { return pool.capacity; }, close: () => pool.close(),
      render: (d, s) => pool.render(d.class.name === victim ? broken(d) : d, s) };
    try {
      const e = await failure(closeYear(db, yearId, { user: admin, allowNa: true, renderer: failing }, progressTo()));
      const expected = await failure(renderLedgerFiles(broken(ledgerFixture()), stampFixture()));
      expect([e.name, e.message]).toEqual([expected.name, expected.message]);
    } finally {
      await pool.close();
    }
    expect(versions(db).map((v) => v.name)).toEqual(names.slice(0, 3));
    await allWhole(db);
  }, 120_000);
});

describe('the bundled main process', () => {
  // bundleElectron's main.cjs starts its workers from render-worker.cjs beside it; a program bundled the same way
  // (with the same plugin) next to that file opens a pool and prints through it.
  let out: string;
  beforeAll(async () => {
    out = path.join(tempDir('sr-bundle-workers-'), 'out', 'electron');
    await bundleElectron({ outDir: out });
    const entry = path.join(out, '..', 'probe.ts');
    fs.writeFileSync(entry, [
      `import { writeFileSync } from 'node:fs';`,
      `import { openRenderPool } from ${JSON.stringify(path.join(root, 'main/ledgers/render-pool.ts'))};`,
      `import { ledgerFixture, stampFixture } from ${JSON.stringify(path.join(root, 'test/ledgers/fixtures.ts'))};`,
      `const pool = openRenderPool(1, { here: false });`,
      `pool.render(ledgerFixture({ subjects: 3, students: 4 }), stampFixture()).then(async (r) => {`,
      `  writeFileSync(process.argv[2], r.pdf);`,
      `  writeFileSync(process.argv[2] + '.xlsx', r.xlsx);`,
      `  console.log(JSON.stringify({ threads: pool.threads }));`,
      `  await pool.close();`,
      `}, (e) => { console.error(e.message); process.exit(3); });`,
    ].join('\n'));
    await build({ entryPoints: [entry], outfile: path.join(out, 'probe.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      logLevel: 'silent', logOverride: { 'empty-import-meta': 'error' }, plugins: [renderWorkerBeside, importWorkerBeside] });
  }, 120_000);
  const run = (pdf: string) => spawnSync(process.execPath, [path.join(out, 'probe.cjs'), pdf], { cwd: path.dirname(out), encoding: 'utf8',
    env: { PATH: process.env.PATH }, timeout: 60_000 });

  it('starts its render worker from render-worker.cjs, which finds the fonts and the sRGB profile copied beside it', async () => {
    const r = run(path.join(out, 'worker.pdf'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ threads: 1 });
    expect(extractCodeFromPdf(fs.readFileSync(path.join(out, 'worker.pdf')))).toBe(stampFixture().code);
    // PDF/A: pdfkit read its ICC profile from data/ beside the bundle (bundleElectron copies it there)
    expect(fs.existsSync(path.join(out, 'data', SRGB_ICC))).toBe(true);
    expect(pdfaProblems(path.join(out, 'worker.pdf'))).toEqual([]);
    // a pool whose main thread prints nothing (`here: false`) has the bundled worker write the XLSX too, the same cells
    const sameHere = await renderLedgerFiles(ledgerFixture({ subjects: 3, students: 4 }), stampFixture());
    expect(await cells(fs.readFileSync(path.join(out, 'worker.pdf.xlsx')))).toEqual(await cells(sameHere.xlsx));
  });

  it('without render-worker.cjs, says so in its log and prints in its own thread', () => {
    fs.rmSync(path.join(out, 'render-worker.cjs'));
    const r = run(path.join(out, 'here.pdf'));
    expect(r.stderr).toMatch(/a render worker could not start; printing in the main thread/);
    expect(JSON.parse(r.stdout)).toEqual({ threads: 0 });
    expect(extractCodeFromPdf(fs.readFileSync(path.join(out, 'here.pdf')))).toBe(stampFixture().code);
    expect(pdfaProblems(path.join(out, 'here.pdf'))).toEqual([]);
  });
});
