// One side of the import benchmark, run in its own process so that its peak memory is its own
// (process.resourceUsage().maxRSS): `bare FILE` reads the workbook with exceljs's streaming reader and nothing more;
// `ours FILE DB YEAR` runs `school-register import marks FILE --year YEAR --db DB` — preview, then the commit of that
// preview into the register in one transaction with its audit entry — as a clerk's script would.
import { performance } from 'node:perf_hooks';
import ExcelJS from 'exceljs';

/** The floor: exceljs's own streaming reader touching every cell value of the mark columns, nothing more. */
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

async function ours(file: string, db: string, year: string): Promise<number> {
  const { runCli } = await import('../../main/cli/index.ts');
  let out = '';
  let err = '';
  const t = performance.now();
  cpuFrom = process.cpuUsage();
  const code = await runCli(['import', 'marks', file, '--year', year, '--json', '--db', db], { out: (s) => (out += s, true), err: (s) => (err += s, true) });
  timed = performance.now() - t;
  if (code !== 0) throw new Error(`import marks: exit ${code}: ${err}`);
  return (JSON.parse(out) as { added: number }).added;
}

let timed = 0;
let cpuFrom = process.cpuUsage();
const [side, file, db, year] = process.argv.slice(2);
const startRss = process.memoryUsage().rss;
const t = performance.now();
const cells = side === 'bare' ? await bare(file) : await ours(file, db, year);
const ms = side === 'bare' ? performance.now() - t : timed; // ours: the CLI's work, not the loading of its modules
const cpu = process.cpuUsage(cpuFrom);
// CPU time (user + system) beside wall time: on a shared machine it says what the work cost, not what it waited for
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, cells, startRss, maxRss: process.resourceUsage().maxRSS * 1024 }));
