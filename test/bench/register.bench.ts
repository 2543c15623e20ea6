// Issue 2: `demo --students 300000` (a regional-size stress register): time, file size, and the latency
// of a student search and of a class list on it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openBackend } from '../../main/host/backend.ts';
import { generateDemo, currentYearStart } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { SURNAMES } from '../../main/demo/names.ts';

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms (${s.length} runs)`;
}

type Call = (method: string, args: unknown) => Promise<{ ms: number; value: unknown }>;

/** Issue 19: the calls of the screens a clerk opens, on one register. */
async function screenCalls(call: Call, yearId: number, oldYearId: number) {
  const classes = (await call('classes.list', { yearId })).value as Array<{ id: number; studentCount: number }>;
  const old = (await call('classes.list', { yearId: oldYearId })).value as Array<{ id: number; studentCount: number }>;
  const full = classes.filter((c) => c.studentCount > 0);
  const pick = (i: number) => full[(i * 7) % full.length].id;
  const emptyOld = old.find((c) => c.studentCount === 0) ?? old[0];
  const m = { ledgersList: [] as number[], grid: [] as number[], ledger: [] as number[], oldGrid: [] as number[], firstPage: [] as number[], alphabet: [] as number[] };
  for (let i = 0; i < 3; i++) m.ledgersList.push((await call('ledgers.list', { yearId })).ms);
  for (let i = 0; i < 30; i++) m.grid.push((await call('grades.grid', { classId: pick(i) })).ms);
  for (let i = 0; i < 30; i++) m.ledger.push((await call('ledgers.get', { classId: pick(i) })).ms);
  for (let i = 0; i < 30; i++) m.oldGrid.push((await call('grades.grid', { classId: emptyOld.id })).ms);
  for (let i = 0; i < 20; i++) m.firstPage.push((await call('students.search', { limit: 50, offset: 0 })).ms);
  for (let i = 0; i < 5; i++) m.alphabet.push((await call('alphabetBook.list', {})).ms);
  return { classes: classes.length, ...m };
}

const median = (ms: number[]) => [...ms].sort((x, y) => x - y)[Math.floor(ms.length / 2)];

/** A register opened (and filled when new) with a signed-in admin, calling through the real dispatcher. */
async function registerWith(students: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-'));
  const dbPath = path.join(dir, 'register.sqlite');
  const backend = openBackend({ dbPath });
  await generateDemo(backend.db, { students, by: 'bench' }, progressTo());
  const session = (await backend.call({ method: 'auth.setupAdmin', args: { login: 'bench', fullName: 'Бенчмарк', password: 'bench-password' } }, 'ipc'));
  if (!session.ok) throw new Error(session.error.message);
  const token = (session.value as { session: string }).session;
  const call: Call = async (method, args) => {
    const t = performance.now();
    const r = await backend.call({ method, args, session: token }, 'ipc');
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return { ms: performance.now() - t, value: r.value };
  };
  return { backend, call, close: () => { backend.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

async function yearsOf(call: Call) {
  const Y = currentYearStart();
  const years = (await call('years.list', {})).value as Array<{ id: number; name: string }>;
  return { yearId: years.find((y) => y.name === `${Y}/${Y + 1}`)!.id, oldYearId: years.find((y) => y.name === `${Y - 20}/${Y - 19}`)?.id ?? years[0].id };
}

export async function benchRegister(a: { students: number }): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-'));
  const dbPath = path.join(dir, 'register.sqlite');
  const backend = openBackend({ dbPath });
  const t0 = performance.now();
  const s = await generateDemo(backend.db, { students: a.students, by: 'bench' }, progressTo());
  const genMs = performance.now() - t0;
  backend.db.pragma('wal_checkpoint(TRUNCATE)');
  const size = fs.statSync(dbPath).size;

  const session = (await backend.call({ method: 'auth.setupAdmin', args: { login: 'bench', fullName: 'Бенчмарк', password: 'bench-password' } }, 'ipc'));
  if (!session.ok) throw new Error(session.error.message);
  const token = (session.value as { session: string }).session;
  const call = async (method: string, args: unknown) => {
    const t = performance.now();
    const r = await backend.call({ method, args, session: token }, 'ipc');
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return { ms: performance.now() - t, value: r.value };
  };
  const search: number[] = [];
  for (let i = 0; i < 100; i++) search.push((await call('students.search', { query: SURNAMES[(i * 7) % SURNAMES.length].slice(0, 5), limit: 50 })).ms);
  const snils: number[] = [];
  for (let i = 0; i < 50; i++) snils.push((await call('students.search', { query: String(100 + i * 9), limit: 50 })).ms);
  const Y = currentYearStart();
  const years = (await call('years.list', {})).value as Array<{ id: number; name: string }>;
  const yearId = years.find((y) => y.name === `${Y}/${Y + 1}`)!.id;
  const classList: number[] = [];
  const classStudents: number[] = [];
  let classes: Array<{ id: number }> = [];
  for (let i = 0; i < 30; i++) {
    const r = await call('classes.list', { yearId });
    classList.push(r.ms);
    classes = r.value as Array<{ id: number }>;
  }
  for (let i = 0; i < 50; i++) classStudents.push((await call('classes.students', { classId: classes[(i * 13) % classes.length].id })).ms);
  const big = await screenCalls(call, yearId, (await yearsOf(call)).oldYearId);
  backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
  // The same screens on the 1,000-student demo, in the same run: per-class calls must cost by the class (≤ 2×).
  const small = await registerWith(1000);
  const smallYears = await yearsOf(small.call);
  const base = await screenCalls(small.call, smallYears.yearId, smallYears.oldYearId);
  small.close();
  const row = (what: string, goal: string, b: number[], d: number[]) =>
    `| ${what} | ${stats(b)} | ${median(d).toFixed(2)} ms | ${(median(b) / median(d)).toFixed(2)}× | ${goal} |`;
  return [
    `### Register: demo --students ${a.students}`,
    '',
    '| measure | result |',
    '| --- | --- |',
    `| generate (${s.students} students, ${s.classes} classes, ${s.years} years, ${s.movements} movements, ${s.orders} orders) | ${(genMs / 1000).toFixed(1)} s (${Math.round(s.students / (genMs / 1000))} students/s) |`,
    `| register file size | ${(size / 2 ** 20).toFixed(1)} MiB (${Math.round(size / s.students)} bytes/student) |`,
    `| student search by ФИО prefix (students.search, 50 rows + total) | ${stats(search)} |`,
    `| student search by СНИЛС prefix | ${stats(snils)} |`,
    `| class list of the current year (classes.list, ${classes.length} classes with counts) | ${stats(classList)} |`,
    `| one class's students (classes.students) | ${stats(classStudents)} |`,
    '',
    `Screens (issue 19) on ${a.students} students vs the 1,000-student demo, same run:`,
    '',
    `| call | ${a.students} students | demo 1,000, median | ratio of medians | goal |`,
    '| --- | --- | --- | --- | --- |',
    row(`ledgers.list, current year (${big.classes} classes; demo ${base.classes})`, '< 500 ms', big.ledgersList, base.ledgersList),
    row('grades.grid, a class of the current year', '< 20 ms, ≤ 2×', big.grid, base.grid),
    row('ledgers.get, a class of the current year', '< 20 ms, ≤ 2×', big.ledger, base.ledger),
    row('grades.grid, an old year\'s empty class', '< 20 ms, ≤ 2×', big.oldGrid, base.oldGrid),
    row('students.search, first page of 50 with the total', '< 100 ms', big.firstPage, base.firstPage),
    row('alphabetBook.list, no letter', '—', big.alphabet, base.alphabet),
    '',
  ];
}
