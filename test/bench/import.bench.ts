// Issue 3: the full import of 100,000 mark cells from one journal workbook — preview and commit into a real register
// (`school-register import marks`) — against a bare exceljs streaming read of the same file, in the same run, as a
// ratio (goal ≤ 1.5×), with the peak memory of each (maxRSS of its own child process).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegister } from '../../db/connection.ts';
import { seedBigJournalSchool, writeBigJournal } from '../workbooks/make.ts';

const SUBJECTS = ['Математика', 'Русский язык', 'Литература', 'История', 'Биология'];
const PERIODS = ['1 четв.', '2 четв.', '3 четв.', '4 четв.'];
const YEAR = '2026/2027';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Side = { ms: number; cpuMs: number; cells: number; startRss: number; maxRss: number };

function side(...args: string[]): Promise<Side> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/bench/import-side.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Side) : reject(new Error(`bench side ${args[0]}: exit ${code}: ${err}`))));
  });
}

export async function benchImport(a: { cells?: number; runs?: number } = {}): Promise<string[]> {
  const cells = a.cells ?? 100_000;
  const runs = a.runs ?? 5; // a shared two-core machine is noisy: the median of five
  const perRow = SUBJECTS.length * PERIODS.length;
  const rows = Math.ceil(cells / perRow);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-import-'));
  const file = await writeBigJournal(path.join(dir, 'journal.xlsx'), rows, SUBJECTS, PERIODS);
  const size = fs.statSync(file).size;
  // the register the journal speaks of: its students in classes 5А–11А, the subjects in every curriculum; copied per run
  const template = path.join(dir, 'template.sqlite');
  const db = openRegister(template, { create: true });
  seedBigJournalSchool(db, rows, SUBJECTS, YEAR);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();

  const o: Side[] = [];
  const b: Side[] = [];
  const w: Side[] = [];
  const fresh = (i: number) => {
    const f = path.join(dir, `register-${i}.sqlite`);
    fs.copyFileSync(template, f);
    return f;
  };
  await side('bare', file); // warm the page cache for both
  // alternate the two so that neither gets a warmer machine; take the median of each
  for (let i = 0; i < runs; i++) {
    b.push(await side('bare', file));
    const reg = fresh(i);
    o.push(await side('ours', file, reg, YEAR));
    const check = openRegister(reg);
    const written = (check.prepare('SELECT count(*) AS n FROM marks').get() as { n: number }).n;
    check.close();
    if (written !== rows * perRow) throw new Error(`run ${i}: ${written} marks in the register, ${rows * perRow} in the file`);
    fs.rmSync(reg);
    const floor = fresh(i);
    w.push(await side('schema', floor, YEAR));
    fs.rmSync(floor);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  for (const r of [...o, ...b, ...w]) if (r.cells !== rows * perRow) throw new Error(`cells: ${r.cells}, written ${rows * perRow}`);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const om = median(o.map((r) => r.ms));
  const bm = median(b.map((r) => r.ms));
  const wm = median(w.map((r) => r.ms));
  const oc = median(o.map((r) => r.cpuMs));
  const bc = median(b.map((r) => r.cpuMs));
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  return [
    `### Import: ${rows * perRow} mark cells from one workbook (${rows} rows × ${perRow} marks, ${(size / 2 ** 20).toFixed(1)} MiB) into a register of ${rows} students`,
    '',
    '| measure | result |',
    '| --- | --- |',
    `| bare exceljs streaming read (median of ${runs}) | ${(bm / 1000).toFixed(2)} s |`,
    `| full import: preview + commit, \`import marks\` (median of ${runs}) | ${(om / 1000).toFixed(2)} s (${Math.round((rows * perRow) / (om / 1000))} cells/s) |`,
    `| ratio full import / bare read (goal ≤ 1.5×) | ${(om / bm).toFixed(2)}× |`,
    `| the same cells written straight into the register (subject_marks rows) through the schema's checks, nothing read or matched (median of ${runs}) | ${(wm / 1000).toFixed(2)} s = ${(wm / bm).toFixed(2)}× the bare read |`,
    `| full import minus that write: reading, matching, checking, preview | ${((om - wm) / 1000).toFixed(2)} s = ${((om - wm) / bm).toFixed(2)}× the bare read |`,
    `| ratio full import / (bare read + that write): what the import adds to reading the file and storing its cells | ${(om / (bm + wm)).toFixed(2)}× |`,
    `| CPU time (user + system, median): bare / full import, ratio | ${(bc / 1000).toFixed(2)} s / ${(oc / 1000).toFixed(2)} s, ${(oc / bc).toFixed(2)}× |`,
    `| peak RSS (maxRSS of each side's process): bare / full import | ${mib(Math.max(...b.map((r) => r.maxRss)))} / ${mib(Math.max(...o.map((r) => r.maxRss)))} |`,
    `| RSS when the work starts (modules loaded): bare / full import | ${mib(median(b.map((r) => r.startRss)))} / ${mib(median(o.map((r) => r.startRss)))} |`,
    '',
  ];
}
