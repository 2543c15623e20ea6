// Issue 19: `import marks` of the 100,000-cell journal as a clerk's script runs it — a whole process of the installed
// command (main/cli/bin.mjs, from its bundle), wall time from spawn to exit — against a whole process that starts node,
// loads exceljs and reads the same workbook with its streaming reader (goal ≤ 1.2×). Node's own start (`node -e 0`) is
// shown beside them. Alternating, `runs` times each; each import into a fresh copy of the register. Then the CLI's
// `years list` and the browser shell's start to its first answer, whole processes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openRegister } from '../../db/connection.ts';
import { seedBigJournalSchool, writeBigJournal } from '../workbooks/make.ts';

const SUBJECTS = ['Математика', 'Русский язык', 'Литература', 'История', 'Биология'];
const PERIODS = ['1 четв.', '2 четв.', '3 четв.', '4 четв.'];
const YEAR = '2026/2027';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// the bare side as its own process: node, exceljs, every mark cell of the workbook touched (as import-side.ts's `bare`)
const BARE = `import ExcelJS from 'exceljs';
let n = 0;
const reader = new ExcelJS.stream.xlsx.WorkbookReader(process.argv[1], { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' });
for await (const ws of reader) for await (const row of ws) {
  if (row.number === 1) continue;
  const vals = row.values;
  for (let c = 4; c < vals.length; c++) if (vals[c] != null) n++;
}
process.stdout.write(String(n));`;

// CPU time (user + system) of each child beside its wall time, through GNU time where it is installed: on a shared
// machine the wall time measures the other sessions too, the CPU time what the process itself cost.
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function timed(args: string[], dir: string): { s: number; cpu: number; out: string } {
  const cpuFile = path.join(dir, 'cpu.txt');
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.slice(0, 3).join(' ')}: exit ${r.status}: ${r.stderr}`);
  const cpu = GNU_TIME ? fs.readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((x, v) => x + Number(v), 0) : NaN;
  return { s, cpu, out: r.stdout };
}

/** Seconds from spawning the browser shell's server on `db` to its first HTTP answer (any status), then stopped. */
async function shellStart(db: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'main/host/serve.mjs'), '--db', db, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`serve.mjs ended (${code}) before its address: ${out}`)));
    });
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    return (performance.now() - t0) / 1000;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const ended = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await ended;
    }
  }
}

export async function benchImportCli(a: { cells?: number; runs?: number } = {}): Promise<string[]> {
  const cells = a.cells ?? 100_000;
  const runs = a.runs ?? 3;
  const perRow = SUBJECTS.length * PERIODS.length;
  const rows = Math.ceil(cells / perRow);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-import-cli-'));
  try {
    const file = await writeBigJournal(path.join(dir, 'journal.xlsx'), rows, SUBJECTS, PERIODS);
    const template = path.join(dir, 'template.sqlite');
    const db = openRegister(template, { create: true });
    seedBigJournalSchool(db, rows, SUBJECTS, YEAR);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bin = path.join(ROOT, 'main/cli/bin.mjs');
    const fresh = (i: number) => {
      const f = path.join(dir, `register-${i}.sqlite`);
      fs.copyFileSync(template, f);
      return f;
    };
    // once untimed: the bundle made if a source is newer, the workbook in the page cache
    timed([bin, 'years', 'list', '--db', fresh(-1)], dir);
    timed(['--input-type=module', '-e', BARE, file], dir);
    const node: number[] = [], bare: number[] = [], ours: number[] = [], bareCpu: number[] = [], oursCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(timed(['-e', '0'], dir).s);
      const b = timed(['--input-type=module', '-e', BARE, file], dir);
      if (Number(b.out) !== rows * perRow) throw new Error(`bare read: ${b.out} cells`);
      bare.push(b.s);
      bareCpu.push(b.cpu);
      const reg = fresh(i);
      const o = timed([bin, 'import', 'marks', file, '--year', YEAR, '--json', '--db', reg], dir);
      if ((JSON.parse(o.out) as { added: number }).added !== rows * perRow) throw new Error(`import: ${o.out.slice(0, 200)}`);
      ours.push(o.s);
      oursCpu.push(o.cpu);
      fs.rmSync(reg);
    }
    // the command line's and the browser shell's start (issue 19: < 300 ms, < 700 ms), whole processes, the bundles'
    // code cache made by an untimed run first (as on any machine after the first start)
    const reg = fresh(100);
    const years: number[] = [], shell: number[] = [];
    await shellStart(reg);
    for (let i = 0; i < 5; i++) {
      years.push(timed([bin, 'years', 'list', '--db', reg], dir).s);
      shell.push(await shellStart(reg));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    return [
      `### Import as a whole process: \`school-register import marks\` of ${rows * perRow} cells (${rows} rows × ${perRow}) from its bundle`,
      '',
      `Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores.`,
      '',
      '| measure | result |',
      '| --- | --- |',
      `| node's own start, \`node -e 0\` (median of ${runs}: ${list(node)} s) | ${median(node).toFixed(2)} s |`,
      `| node + exceljs's streaming read of the workbook, whole process (median of ${runs}: ${list(bare)} s) | ${median(bare).toFixed(2)} s |`,
      `| \`node main/cli/bin.mjs import marks … --json --db …\`, whole process: preview, commit, audit (median of ${runs}: ${list(ours)} s) | ${median(ours).toFixed(2)} s |`,
      `| ratio import / bare read, whole processes (goal ≤ 1.2×) | ${(median(ours) / median(bare)).toFixed(2)}× |`,
      `| CPU time (user + system) of each whole process, median: bare read / import, ratio | ${median(bareCpu).toFixed(2)} s / ${median(oursCpu).toFixed(2)} s, ${(median(oursCpu) / median(bareCpu)).toFixed(2)}× |`,
      `| CLI \`years list\`, whole process (median of ${years.length}: ${list(years)} s; goal < 300 ms) | ${median(years).toFixed(2)} s |`,
      `| browser shell (\`node main/host/serve.mjs\`), spawn to its first HTTP answer (median of ${shell.length}: ${list(shell)} s; goal < 700 ms) | ${median(shell).toFixed(2)} s |`,
      '',
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
