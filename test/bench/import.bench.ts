// Issue 3: reading 100,000 mark cells from one journal workbook — our streaming read and normalization against a bare
// exceljs streaming read of the same file in the same run (goal ≤ 1.5×), with peak memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { readJournal } from '../../main/workbooks/read.ts';
import { writeBigJournal } from '../workbooks/make.ts';

const SUBJECTS = ['Математика', 'Русский язык', 'Литература', 'История', 'Биология'];
const PERIODS = ['1 четв.', '2 четв.', '3 четв.', '4 четв.'];

async function timed(work: () => Promise<number>): Promise<{ ms: number; cells: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const t = performance.now();
  try {
    const cells = await work();
    return { ms: performance.now() - t, cells, peakRss: Math.max(peakRss, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

/** Our reader: header found, columns mapped, every mark normalized to the register's kinds. */
async function ours(file: string): Promise<number> {
  let n = 0;
  for await (const ev of readJournal(file)) {
    if (ev.type !== 'row') continue;
    for (const [f, c] of Object.entries(ev.row.cells)) if (f.startsWith('mark:') && c.value) n++;
  }
  return n;
}

/** The floor: exceljs's streaming reader touching every cell value, nothing more. */
async function bare(file: string): Promise<number> {
  let n = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' });
  for await (const ws of reader) {
    for await (const row of ws) {
      if (row.number === 1) continue;
      const vals = row.values as unknown[];
      for (let c = 4; c < vals.length; c++) if (vals[c] != null) n++;
    }
  }
  return n;
}

export async function benchImport(a: { cells?: number; runs?: number } = {}): Promise<string[]> {
  const cells = a.cells ?? 100_000;
  const runs = a.runs ?? 5; // a shared two-core machine is noisy: the median of five
  const perRow = SUBJECTS.length * PERIODS.length;
  const rows = Math.ceil(cells / perRow);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-import-'));
  const file = await writeBigJournal(path.join(dir, 'journal.xlsx'), rows, SUBJECTS, PERIODS);
  const size = fs.statSync(file).size;
  const base = process.memoryUsage().rss;
  // alternate the two so that neither gets a warmer machine; take the median of each
  const o: Array<Awaited<ReturnType<typeof timed>>> = [];
  const b: Array<Awaited<ReturnType<typeof timed>>> = [];
  await bare(file);
  await ours(file);
  for (let i = 0; i < runs; i++) {
    b.push(await timed(() => bare(file)));
    o.push(await timed(() => ours(file)));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const om = median(o.map((r) => r.ms));
  const bm = median(b.map((r) => r.ms));
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  if (o[0].cells !== rows * perRow || b[0].cells !== rows * perRow) throw new Error(`cells read: ours ${o[0].cells}, bare ${b[0].cells}, written ${rows * perRow}`);
  return [
    `### Import: ${rows * perRow} mark cells from one workbook (${rows} rows × ${perRow} marks, ${(size / 2 ** 20).toFixed(1)} MiB)`,
    '',
    '| measure | result |',
    '| --- | --- |',
    `| bare exceljs streaming read (median of ${runs}) | ${(bm / 1000).toFixed(2)} s |`,
    `| our streaming read + normalization (median of ${runs}) | ${(om / 1000).toFixed(2)} s (${Math.round((rows * perRow) / (om / 1000))} cells/s) |`,
    `| ratio ours / bare (goal ≤ 1.5×) | ${(om / bm).toFixed(2)}× |`,
    `| peak RSS: bare / ours (process at start ${mib(base)}) | ${mib(Math.max(...b.map((r) => r.peakRss)))} / ${mib(Math.max(...o.map((r) => r.peakRss)))} |`,
    '',
  ];
}
