// Issue 19: the CLI starts from one bundle (out/cli/cli.cjs) without compiling TypeScript, loads exceljs, pdfmake and
// node-forge only for the commands that use them, and a checkout whose sources are newer than the bundle is bundled
// again before it runs (never stale code).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const BUNDLE = path.join(ROOT, 'out', 'cli', 'cli.cjs');

/** Runs the bundle with a hook that lists every package it required, printed to stderr on exit. */
function packagesLoaded(args: string[]): Promise<{ code: number | null; packages: string[]; stdout: string; stderr: string }> {
  const dir = scratchDir('sr-bundle-');
  const hook = path.join(dir, 'hook.cjs');
  fs.writeFileSync(hook, `const M = require('module'); const isBuiltin = M.isBuiltin; const seen = new Set(); const load = M._load;
M._load = function (request) { if (!request.startsWith('.') && !request.startsWith('node:') && !isBuiltin(request)) seen.add(request.split('/')[0]); return load.apply(this, arguments); };
process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen]) + '\\n'));`);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-r', hook, BUNDLE, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const m = /LOADED (\[.*\])/.exec(stderr);
      resolve({ code, stdout, stderr, packages: m ? JSON.parse(m[1]) : [] });
    });
  });
}

describe('the CLI bundle', () => {
  it('is what bin.mjs runs, and it does not load TypeScript tooling', async () => {
    const db = path.join(scratchDir('sr-bundle-'), 'r.sqlite');
    expect((await cli('demo', '--students', '20', '--db', db)).code).toBe(0);
    const r = await packagesLoaded(['years', 'list', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}\/\d{4}\t/m);
    expect(r.packages).toContain('better-sqlite3'); // the hook sees packages: a list that cannot be empty
    for (const heavy of ['tsx', 'typescript', 'esbuild', 'exceljs', 'pdfmake', 'pdfkit', 'node-forge']) expect(r.packages, heavy).not.toContain(heavy);
  });

  it('loads exceljs when a command writes a workbook, and the workbook is real', async () => {
    const dir = scratchDir('sr-bundle-');
    const db = path.join(dir, 'r.sqlite');
    expect((await cli('demo', '--students', '30', '--db', db)).code).toBe(0);
    const years = (await cli('years', 'list', '--db', db)).stdout.trim().split('\n').map((l) => l.split('\t')[0]);
    const out = path.join(dir, 'city.xlsx');
    const r = await packagesLoaded(['export', 'city-register', '--year', years[0], '--out', out, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages).toContain('exceljs');
    expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK'); // a zip: an xlsx container
  });

  it('is bundled again when a source is newer than it, before it runs', async () => {
    const old = new Date(Date.UTC(2000, 0, 1));
    fs.utimesSync(BUNDLE, old, old);
    const r = await cli('--help');
    expect(r.stdout + r.stderr).toMatch(/years list/);
    expect(fs.statSync(BUNDLE).mtime.getTime()).toBeGreaterThan(old.getTime());
  });
});
