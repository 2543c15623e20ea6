// One side of the import benchmark, run in its own process so that its peak memory is its own
// (process.resourceUsage().maxRSS): `bare FILE` reads the workbook with exceljs's streaming reader and nothing more;
// `ours FILE DB YEAR` runs `school-register import marks FILE --year YEAR --db DB` — preview, then the commit of that
// preview into the register in one transaction with its audit entry — as a clerk's script would; `schema DB YEAR` writes
// the same cells straight into the register's subject_marks table in one transaction — no workbook, no matching, no preview —
// through the schema's own checks (foreign keys, the marks triggers, the indexes): what storing them costs at least.
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

/** The floor of the write: every cell the journal holds (its students × subjects × quarters), stored as the import
 *  stores them — a row of subject_marks per student × subject × class with its quarters as columns (migration 0011),
 *  in the order of the rows' key, 250 rows per statement — timed from BEGIN to COMMIT. */
async function schema(db: string, year: string): Promise<number> {
  const { openRegister } = await import('../../db/connection.ts');
  const reg = openRegister(db);
  const y = reg.prepare('SELECT id FROM academic_years WHERE name = ?').get(year) as { id: number };
  const members = reg.prepare(`SELECT m.student_id, m.class_id FROM class_memberships m JOIN classes c ON c.id = m.class_id
    WHERE c.year_id = ? ORDER BY m.student_id`).all(y.id) as Array<{ student_id: string; class_id: number }>;
  const rows: unknown[][] = [];
  let cells = 0;
  for (const m of members) {
    const subjects = reg.prepare('SELECT subject_id FROM curriculum WHERE class_id = ? ORDER BY subject_id').pluck().all(m.class_id) as number[];
    const periods = reg.prepare(`SELECT p.number FROM periods p JOIN classes c ON c.year_id = p.year_id
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel AND g.kind = p.kind WHERE c.id = ? ORDER BY p.number`).pluck().all(m.class_id) as number[];
    for (const s of subjects) {
      const marks: Array<string | null> = [null, null, null, null, null, null, null];
      for (const n of periods) { marks[n - 1] = '5'; cells++; }
      rows.push([m.student_id, s, y.id, m.class_id, ...marks]);
    }
  }
  const BATCH = 250;
  const VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  const columns = 'student_id, subject_id, year_id, class_id, p1, p2, p3, p4, annual, exam, final';
  const insert = reg.prepare(`INSERT INTO subject_marks (${columns}) VALUES ${Array(BATCH).fill(VALUES).join(', ')}`);
  const one = reg.prepare(`INSERT INTO subject_marks (${columns}) VALUES ${VALUES}`);
  const t = performance.now();
  cpuFrom = process.cpuUsage();
  reg.transaction(() => {
    const full = rows.length - (rows.length % BATCH);
    for (let i = 0; i < full; i += BATCH) insert.run(rows.slice(i, i + BATCH).flat());
    for (let i = full; i < rows.length; i++) one.run(rows[i]);
  })();
  timed = performance.now() - t;
  reg.close();
  return cells;
}

let timed = 0;
let cpuFrom = process.cpuUsage();
const [side, ...args] = process.argv.slice(2);
const [file, db, year] = side === 'schema' ? ['', ...args] : args;
const startRss = process.memoryUsage().rss;
const t = performance.now();
const cells = side === 'bare' ? await bare(file) : side === 'schema' ? await schema(db, year) : await ours(file, db, year);
const ms = side === 'bare' ? performance.now() - t : timed; // ours: the CLI's work, not the loading of its modules
const cpu = process.cpuUsage(cpuFrom);
// CPU time (user + system) beside wall time: on a shared machine it says what the work cost, not what it waited for
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, cells, startRss, maxRss: process.resourceUsage().maxRSS * 1024 }));
