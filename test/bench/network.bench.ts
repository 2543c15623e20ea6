// Issue 18: ten workplaces on one register over the office network. The register is served by the browser shell in a
// process of its own (as on the office's main PC), shared over HTTPS on loopback through the network door; ten
// simulated workplaces — each its own HTTPS client with the certificate pinned after comparing its fingerprint, each
// signed in as a clerk of its own (its own session) — enter marks in a class of their own and search students, while
// (1) nothing else runs, (2) an admin's workplace runs a 100,000-cell journal import and a backup to two media at once.
// Latency from the request's send to its answer, p50/p95/max per call (goal: p95 < 200 ms for a grid save and a search).
// Then, with outside referees and the register's own checks: every save answered «written» is in the file (sqlite3
// reads the cells back), nothing written twice, the audit chain and the read-access log's chain intact.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openBackend } from '../../main/host/backend.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { connectToRegister, NetworkError, PinStore, type RegisterClient } from '../../main/network/client.ts';
import type { Method } from '../../preload/contract.ts';
import { freePort } from '../network/helpers.ts';
import { seedBigJournalSchool, writeBigJournal } from '../workbooks/make.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SUBJECTS = ['Краеведение', 'Шахматы', 'Риторика', 'Логика', 'Экология'];
const PERIODS = ['1 четв.', '2 четв.', '3 четв.', '4 четв.'];
const JOURNAL_YEAR = '2020/2021';
const SEARCHES = ['Ив', 'Пе', 'Сми', 'Ку', 'Со', 'Ва', 'Ми', 'Ко', 'Ан', 'Фе'];
const ADMIN = { login: 'bench', fullName: 'Бенчмарк Админ Сетевой', password: 'bench-admin-password-2026' };
const clerk = (i: number) => ({ login: `workplace${i + 1}`, fullName: `Рабочее Место ${i + 1}`, password: `bench-clerk-password-${i + 1}` });

type Sample = { method: string; ms: number; ok: boolean; busy: boolean };
type Cell = { studentId: string; subjectId: number; periodId: number };
type Written = Cell & { mark: string };
type Grid = { students: Array<{ id: string; inClass: boolean }>; subjects: Array<{ id: number }>; columns: Array<{ slot: string; periodId: number | null }> };

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

/** The register's PC: the browser shell on the register, which shares it again at start (the admin left it shared). */
function startServer(dbPath: string, url: string): Promise<ChildProcess> {
  // BENCH_SERVER_NODE_ARGS: node's options for the server, to profile it (test/bench/stall-monitor.mjs, --cpu-prof)
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', 'main/host/serve.ts', '--db', dbPath], {
    cwd: ROOT, env: { ...process.env, SCHOOL_REGISTER_HTTP_TOKEN: 'bench-loopback-token-not-used-0000000000' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes(`Реестр открыт для сети: ${url}`)) resolve(child);
    });
    child.stdout!.resume();
    child.on('exit', (code) => reject(new Error(`the server left (${code}): ${err}`)));
  });
}

export async function benchNetwork(a: { workplaces?: number; students?: number; cells?: number } = {}): Promise<string[]> {
  const W = a.workplaces ?? 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-network-'));
  const dbPath = path.join(dir, 'register.sqlite');
  const rows = Math.ceil((a.cells ?? 100_000) / (SUBJECTS.length * PERIODS.length));
  let server: ChildProcess | null = null;
  const clients: RegisterClient[] = [];
  try {
    // ---- the register prepared on its PC, then left shared by the admin ----
    const local = openBackend({ dbPath });
    let session: string | null = null;
    const localCall = async <T>(method: string, args: unknown): Promise<T> => {
      const r = await local.call({ method, args, session }, 'ipc');
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.value as T;
    };
    session = (await localCall<{ session: string }>('auth.setupAdmin', ADMIN)).session;
    await generateDemo(local.db, { students: a.students ?? 1000, by: ADMIN.login, seed: 18 }, progressTo());
    seedBigJournalSchool(local.db, rows, SUBJECTS, JOURNAL_YEAR);
    for (let i = 0; i < W; i++) await localCall('users.create', { ...clerk(i), role: 'clerk' });
    const A = path.join(dir, 'A'), B = path.join(dir, 'B');
    fs.mkdirSync(A);
    fs.mkdirSync(B);
    const ma = await localCall<{ id: number }>('media.add', { label: 'A', kind: 'usb', room: 'Каб. 1', path: A });
    const mb = await localCall<{ id: number }>('media.add', { label: 'B', kind: 'hdd', room: 'Каб. 2', path: B });
    const shared = await localCall<{ url: string; fingerprint: string }>('network.share', { address: '127.0.0.1', port: await freePort() });
    local.close();
    const journal = await writeBigJournal(path.join(dir, 'journal.xlsx'), rows, SUBJECTS, PERIODS);
    server = await startServer(dbPath, shared.url);

    // ---- the workplaces: each pins the certificate after comparing it, and signs in as its own user ----
    const connect = async (login: string, password: string, n: number) => {
      const c = await connectToRegister({ url: shared.url, pins: new PinStore(path.join(dir, `pins-${n}.json`)), confirm: (fp) => fp === shared.fingerprint, connections: 2 });
      clients.push(c);
      const r = await c.signIn(login, password);
      if (!r.ok) throw new Error(`${login}: ${r.error.message}`);
      return c;
    };
    const value = async <T>(c: RegisterClient, method: Method, args: unknown): Promise<T> => {
      const r = await c.call(method, args);
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.value as T;
    };
    const admin = await connect(ADMIN.login, ADMIN.password, 0);
    const years = await value<Array<{ id: number; name: string }>>(admin, 'years.list', {});
    const year = years.filter((y) => y.name !== JOURNAL_YEAR).sort((x, y) => y.name.localeCompare(x.name))[0];
    const classes = (await value<Array<{ id: number; name: string; studentCount: number }>>(admin, 'classes.list', { yearId: year.id }))
      .filter((c) => c.studentCount > 0);
    if (classes.length < W) throw new Error(`the demo has ${classes.length} classes with students in ${year.name}: fewer than ${W} workplaces`);

    type Place = { n: number; client: RegisterClient; classId: number; cells: Cell[]; next: number; written: Written[] };
    const places: Place[] = [];
    for (let i = 0; i < W; i++) {
      const client = await connect(clerk(i).login, clerk(i).password, i + 1);
      const cls = classes[Math.floor((i * classes.length) / W)];
      const grid = await value<Grid>(client, 'grades.grid', { classId: cls.id });
      const periods = grid.columns.filter((c) => c.slot === 'period').map((c) => c.periodId!);
      const students = grid.students.filter((s) => s.inClass);
      // every save writes a cell of its own: the count of saves answered «written» is the count of cells to find
      const cells: Cell[] = [];
      for (const subject of grid.subjects) for (const periodId of periods) for (const s of students) cells.push({ studentId: s.id, subjectId: subject.id, periodId });
      places.push({ n: i, client, classId: cls.id, cells, next: 0, written: [] });
    }

    let working = false;
    let faults = 0;
    const samples: Sample[] = [];
    const work = async (p: Place) => {
      for (let i = 0; working; i++) {
        const save = i % 2 === 0;
        let method: Method;
        let args: unknown;
        let cell: Written | null = null;
        if (save) {
          if (p.next >= p.cells.length) throw new Error(`workplace ${p.n + 1}: out of cells`);
          cell = { ...p.cells[p.next++], mark: String(3 + ((p.n + i) % 3)) };
          method = 'grades.set';
          args = { classId: p.classId, cells: [{ studentId: cell.studentId, subjectId: cell.subjectId, slot: 'period', periodId: cell.periodId, mark: cell.mark }] };
        } else {
          method = 'students.search';
          args = { query: SEARCHES[(p.n + i) % SEARCHES.length], limit: 50 };
        }
        const t0 = performance.now();
        let r;
        try {
          r = await p.client.call(method, args);
        } catch (e) {
          if (!(e instanceof NetworkError)) throw e;
          faults++;
          samples.push({ method, ms: performance.now() - t0, ok: false, busy: false });
          continue;
        }
        samples.push({ method, ms: performance.now() - t0, ok: r.ok, busy: !r.ok && r.error.code === 'conflict' });
        if (!r.ok && r.error.code !== 'conflict') throw new Error(`workplace ${p.n + 1}: ${method}: ${r.error.message}`);
        if (r.ok && cell) p.written.push(cell);
        await new Promise((res) => setTimeout(res, 100)); // a clerk's pace is slower; ten of these keep the register asked
      }
    };
    const waitJob = async (jobId: string) => {
      for (;;) {
        const j = await value<{ state: string; message: string | null }>(admin, 'jobs.status', { id: jobId });
        if (j.state !== 'running') {
          if (j.state !== 'done') throw new Error(`job ${jobId}: ${j.state}: ${j.message}`);
          return;
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    const phase = async (name: string, during: () => Promise<void>) => {
      samples.length = 0;
      working = true;
      const all = Promise.all(places.map(work));
      const t0 = performance.now();
      await during();
      const s = (performance.now() - t0) / 1000;
      working = false;
      await all;
      return { name, s, samples: [...samples] };
    };

    const results = [];
    results.push(await phase(`${W} workplaces, nothing else running (10 s)`, () => new Promise((res) => setTimeout(res, 10_000))));
    let imported = { added: 0, changed: 0, rejected: 0 };
    const dataBase64 = fs.readFileSync(journal).toString('base64');
    results.push(await phase(`${W} workplaces while the import of ${rows * SUBJECTS.length * PERIODS.length} marks and a backup to two media run`, async () => {
      const backup = await value<{ jobId: string }>(admin, 'backup.start', { mediaIds: [ma.id, mb.id], confirmSameDevice: true });
      const imp = await value<{ jobId: string }>(admin, 'import.commitStart', { kind: 'marks', fileName: 'journal.xlsx', dataBase64, year: JOURNAL_YEAR });
      await Promise.all([waitJob(backup.jobId), waitJob(imp.jobId)]);
      imported = await value<{ added: number; changed: number; rejected: number }>(admin, 'import.commitResult', { jobId: imp.jobId });
    }));

    // ---- nothing lost: every save answered «written» is in the file with its mark (sqlite3 reads them back) ----
    const written = places.flatMap((p) => p.written);
    const values = written.map((c) => `('${c.studentId}', ${c.subjectId}, ${c.periodId}, '${c.mark}')`);
    let found = 0;
    for (let i = 0; i < values.length; i += 500) {
      const sql = `WITH w(student_id, subject_id, period_id, mark) AS (VALUES ${values.slice(i, i + 500).join(', ')})
        SELECT count(*) FROM w JOIN marks m ON m.student_id = w.student_id AND m.subject_id = w.subject_id AND m.slot = 'period'
        AND m.period_id = w.period_id AND m.mark = w.mark AND m.year_id = ${year.id};`;
      found += Number(execFileSync('sqlite3', ['-readonly', dbPath], { input: sql }).toString().trim());
    }
    const audit = await value<{ ok: boolean; entries: number; message: string }>(admin, 'audit.verify', {});
    const reads = await value<{ ok: boolean; entries: number; message: string }>(admin, 'readLog.verify', {});
    const status = await value<{ workplaces: Array<{ login: string }> }>(admin, 'network.status', {});

    const out = [
      `### ${W} workplaces over the office network (HTTPS on loopback, the register served by its own process; demo ${a.students ?? 1000} students + a journal school of ${rows} students)`,
      '',
      `Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores. ` +
      `Workplaces signed in (network.status): ${new Set(status.workplaces.map((w) => w.login)).size}. Network faults seen by the workplaces: ${faults}.`,
      '',
      '| while | phase took | call | answers (refused: register busy) | p50 | p95 | max | goal p95 < 200 ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const r of results) {
      const rowOf = (label: string, xs: Sample[], goal: boolean) => {
        const ms = xs.map((x) => x.ms);
        if (!xs.length) return;
        out.push(`| ${r.name} | ${r.s.toFixed(1)} s | ${label} | ${xs.length} (${xs.filter((x) => x.busy).length}) | ${q(ms, 0.5).toFixed(1)} ms | ${q(ms, 0.95).toFixed(1)} ms | ${Math.max(...ms).toFixed(1)} ms | ${goal ? (q(ms, 0.95) < 200 ? 'met' : 'not met') : '—'} |`);
      };
      for (const m of ['grades.set', 'students.search']) rowOf(m, r.samples.filter((x) => x.method === m), true);
      // the saves written apart from those refused while the import held the register (how soon a refusal comes)
      rowOf('grades.set, written', r.samples.filter((x) => x.method === 'grades.set' && x.ok), false);
      rowOf('grades.set, refused «Реестр занят»', r.samples.filter((x) => x.method === 'grades.set' && x.busy), false);
    }
    out.push('', `The import wrote ${imported.added} marks (${imported.changed} changed, ${imported.rejected} cells rejected); a save refused while it held the register was told so («Реестр занят»), nothing written.`,
      '', `Nothing lost: ${written.length} saves answered «written», ${found} of them found in the register file with their marks (sqlite3) — ${found === written.length ? 'all' : `${written.length - found} MISSING`}. ` +
      `Audit chain: ${audit.ok ? 'intact' : 'BROKEN'} (${audit.entries} entries); read-access log chain: ${reads.ok ? 'intact' : 'BROKEN'} (${reads.entries} entries).`, '');
    if (found !== written.length || !audit.ok || !reads.ok) out.push(`**Failed:** ${audit.message}; ${reads.message}`, '');
    return out;
  } finally {
    for (const c of clients) c.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await exited(server);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
