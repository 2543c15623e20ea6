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
  backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
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
  ];
}
