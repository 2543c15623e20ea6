// Issue 5: a generated 1 GiB register + archive. (1) The two-destination backup (snapshot by SQLite's online backup,
// one read and one hash of the source, the first copy written, the others by copy_file_range, fsync, every copy read
// back and compared with its source) against `cp -r` to A, `cp -r` to B and one `sha256sum` pass over the source —
// goal ≤ 1.2×. (2) verify-copies of both copies against hashing the same bytes with Node's crypto — goal ≤ 1.1×.
// (3) Issue 19: the backup again with nothing changed in the archive against restic's backup again of the same data
// (goal ≤ 1.0×), or against cp of the register file where restic is not installed; the full backup against the
// baseline with `sync` (goal ≤ 1.0×).
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRegister } from '../../db/connection.ts';
import { archiveDirFor, GENESIS } from '../../main/archive/archive.ts';
import { hashFile } from '../../main/archive/files.ts';
import { backupRegister, type StageTimes } from '../../main/backup/backup.ts';
import { verifyCopies } from '../../main/backup/verify.ts';

const MiB = 1024 * 1024;

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

/** A register with `registerMiB` of rows and an archive of `files` × `fileMiB` random (incompressible) files. */
export function generate(root: string, registerMiB: number, files: number, fileMiB: number): string {
  const file = path.join(root, 'src', 'register.sqlite');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openRegister(file);
  db.exec('CREATE TABLE bench_filler (b BLOB) STRICT');
  const ins = db.prepare('INSERT INTO bench_filler VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < registerMiB; i++) ins.run(crypto.randomBytes(MiB - 512));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  // The archive as archiveSealed leaves it: files named by their SHA-256 and a hash-chained manifest.
  const dir = archiveDirFor(file);
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
  let prev = GENESIS;
  const lines: string[] = [];
  for (let i = 0; i < files; i++) {
    const bytes = crypto.randomBytes(fileMiB * MiB);
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(dir, 'files', sha), bytes);
    const line = JSON.stringify({ seq: i + 1, at: new Date().toISOString(), ledgerVersionId: i + 1, classId: 1, version: i + 1, ledgerSha256: sha,
      prevLedgerSha256: null, sealedAt: new Date().toISOString(), signer: null, files: [{ role: 'json', sha256: sha, size: bytes.length }], prev });
    lines.push(line);
    prev = crypto.createHash('sha256').update(line).digest('hex');
  }
  fs.writeFileSync(path.join(dir, 'manifest.jsonl'), lines.join('\n') + '\n');
  return file;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');

/**
 * The stages of a backup (the `stages` its runs recorded, one list a run) as a table: each stage's median start, end and
 * length in ms from the run's start, in the order they begin. Stages overlap: a stage inside another (the snapshot in
 * «copied …») or beside it (the archive's links while the snapshot is taken) shows by its start and end. A stage that
 * comes back within a run (the snapshot's write-outs) counts from its first start to its last end, its lengths summed.
 */
export function stageTable(runs: StageTimes[]): string[] {
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const names = [...new Set(runs.flat().map((x) => x.stage))];
  const rows = names.map((stage) => {
    const per = runs.map((r) => r.filter((x) => x.stage === stage)).filter((xs) => xs.length).map((xs) => ({
      n: xs.length, start: Math.min(...xs.map((x) => x.start)), end: Math.max(...xs.map((x) => x.end)), took: xs.reduce((t, x) => t + x.end - x.start, 0),
    }));
    const n = median(per.map((x) => x.n));
    return { stage: n > 1 ? `${stage} (×${n})` : stage, start: median(per.map((x) => x.start)), end: median(per.map((x) => x.end)), took: median(per.map((x) => x.took)) };
  }).sort((a, b) => a.start - b.start || b.end - a.end);
  return ['| stage | began (ms) | ended (ms) | took (ms) |', '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.stage} | ${r.start.toFixed(0)} | ${r.end.toFixed(0)} | ${r.took.toFixed(0)} |`)];
}
const dropCaches = () => spawnSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' }).status === 0;

export async function benchBackup(a: { registerMiB?: number; files?: number; fileMiB?: number; rounds?: number } = {}): Promise<string[]> {
  const registerMiB = a.registerMiB ?? 256;
  const files = a.files ?? 768;
  const fileMiB = a.fileMiB ?? 1;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-backup-'));
  const loadStart = loadavg();
  try {
    const file = generate(root, registerMiB, files, fileMiB);
    const srcDir = path.dirname(file);
    const srcFiles = listFiles(srcDir);
    const bytes = srcFiles.reduce((n, f) => n + fs.statSync(f).size, 0);
    const fresh = (name: string) => {
      const d = path.join(root, name);
      fs.rmSync(d, { recursive: true, force: true });
      fs.mkdirSync(d);
      return d;
    };
    const canDrop = dropCaches();
    const rows: string[][] = [];

    // (1) baseline: cp to A, cp to B, one sha256sum pass; then a sync so that it is as durable as ours
    const baseline = () => {
      const A = fresh('cpA');
      const B = fresh('cpB');
      dropCaches();
      const t0 = performance.now();
      execFileSync('cp', ['-r', srcDir, A]);
      execFileSync('cp', ['-r', srcDir, B]);
      execFileSync('sh', ['-c', `find "${srcDir}" -type f -print0 | xargs -0 sha256sum > /dev/null`]);
      const plain = seconds(t0);
      execFileSync('sync');
      return { plain, synced: seconds(t0) };
    };
    const fullStages: StageTimes[] = [];
    const ours = async () => {
      const A = fresh('bagA');
      const B = fresh('bagB');
      dropCaches();
      const db = openRegister(file);
      try {
        const stages: StageTimes = [];
        fullStages.push(stages);
        const t0 = performance.now();
        const r = await backupRegister(db, { destinations: [{ path: A }, { path: B }], confirmSameDevice: true, stages });
        if (r.state !== 'ok') throw new Error(r.message);
        return { s: seconds(t0), A, B };
      } finally {
        db.close();
      }
    };
    // Alternating rounds, medians: the machine is shared, and one round can land on a busy moment.
    const rounds = a.rounds ?? 3;
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const bs: Array<{ plain: number; synced: number }> = [];
    const os_: number[] = [];
    let last: { A: string; B: string } | null = null;
    for (let i = 0; i < rounds; i++) {
      bs.push(baseline());
      const o = await ours();
      os_.push(o.s);
      last = o;
    }
    const base = median(bs.map((b) => b.plain));
    const baseSynced = median(bs.map((b) => b.synced));
    const our = median(os_);
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    rows.push([`cp -r to A + cp -r to B + one sha256sum pass (median of ${rounds}: ${list(bs.map((b) => b.plain))} s)`, `${base.toFixed(2)} s`]);
    rows.push([`the same + sync (as durable as ours)`, `${baseSynced.toFixed(2)} s`]);
    rows.push([`backupRegister to A and B: snapshot, one read + one hash of the source, A written, B by copy_file_range, fsync, read-back compare (median of ${rounds}: ${list(os_)} s)`, `${our.toFixed(2)} s`]);
    rows.push([`ratio ours / cp+cp+sha256sum (issue 5's goal ≤ 1.2×)`, `${(our / base).toFixed(2)}×`]);
    rows.push([`ratio ours / cp+cp+sha256sum+sync (issue 19's goal ≤ 1.0×)`, `${(our / baseSynced).toFixed(2)}×`]);

    // (2) verify both copies against hashing the same bytes with Node's crypto, alternating
    const copyFiles = [...listFiles(last!.A), ...listFiles(last!.B)];
    const bare: number[] = [];
    const ver: number[] = [];
    for (let i = 0; i < rounds; i++) {
      dropCaches();
      let t0 = performance.now();
      for (const f of copyFiles) await hashFile(f);
      bare.push(seconds(t0));
      dropCaches();
      t0 = performance.now();
      const v = await verifyCopies(null, [last!.A, last!.B]);
      ver.push(seconds(t0));
      if (v.state !== 'ok') throw new Error(v.message);
    }
    rows.push([`hash every file of both copies with Node's crypto, one after another (${copyFiles.length} files; median of ${rounds}: ${list(bare)} s)`, `${median(bare).toFixed(2)} s`]);
    rows.push([`verifyCopies A B: manifests, tag manifests, Payload-Oxum, unexpected files (median of ${rounds}: ${list(ver)} s)`, `${median(ver).toFixed(2)} s`]);
    rows.push([`ratio verify / bare hashing (goal ≤ 1.1×)`, `${(median(ver) / median(bare)).toFixed(2)}×`]);
    let t0 = 0;

    // (3) the nightly backup with nothing changed in the archive (issue 19): ours onto A and B, which hold the last
    // bag, against restic's second backup of the same unchanged data into its repository, alternating, same run.
    // Ours still takes a new snapshot of the register (a real register changes every day; this one did not).
    const noChangeStages: StageTimes[] = [];
    const noChange = async (profile = false) => {
      dropCaches();
      const db = openRegister(file);
      try {
        const stages: StageTimes = [];
        if (profile) noChangeStages.push(stages);
        const t0 = performance.now();
        const r = await backupRegister(db, { destinations: [{ path: last!.A }, { path: last!.B }], confirmSameDevice: true, stages });
        if (r.state !== 'ok') throw new Error(r.message);
        return { s: seconds(t0), reused: r.destinations.map((d) => d.reused) };
      } finally {
        db.close();
      }
    };
    const restic = spawnSync('restic', ['version'], { encoding: 'utf8' });
    const ourNoChange: number[] = [];
    let reused: number[] = [];
    if (restic.status === 0) {
      const repo = fresh('restic');
      const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: path.join(root, 'restic-cache') };
      execFileSync('restic', ['init', '--quiet'], { env });
      dropCaches();
      t0 = performance.now();
      execFileSync('restic', ['backup', '--quiet', srcDir], { env });
      const rs = seconds(t0);
      const version = restic.stdout.trim().split(' ').slice(0, 2).join(' ');
      rows.push([`restic backup to one repository (${version}; encrypted, deduplicated, one destination), first`, `${rs.toFixed(2)} s`]);
      const resticNoChange: number[] = [];
      for (let i = 0; i < rounds; i++) {
        dropCaches();
        t0 = performance.now();
        execFileSync('restic', ['backup', '--quiet', srcDir], { env });
        resticNoChange.push(seconds(t0));
        const o = await noChange(true);
        ourNoChange.push(o.s);
        reused = o.reused;
      }
      rows.push([`restic backup again, nothing changed (median of ${rounds}: ${list(resticNoChange)} s)`, `${median(resticNoChange).toFixed(2)} s`]);
      rows.push([`backupRegister again to A and B, nothing changed: new snapshot of the register, archive files linked from the last bag (reused ${reused.join(' / ')}; median of ${rounds}: ${list(ourNoChange)} s)`, `${median(ourNoChange).toFixed(2)} s`]);
      rows.push([`ratio ours / restic, nothing changed (goal ≤ 1.0×)`, `${(median(ourNoChange) / median(resticNoChange)).toFixed(2)}×`]);
      // A school's register changes every day (the audit log at least): one row written before each pair, so that
      // restic too reads the register file again (it skips a file by its size and time) — the archive still unchanged.
      const touch = () => {
        const db = openRegister(file);
        db.prepare('INSERT INTO bench_filler VALUES (?)').run(crypto.randomBytes(100));
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      };
      const resticDay: number[] = [], ourDay: number[] = [];
      for (let i = 0; i < rounds; i++) {
        touch();
        dropCaches();
        t0 = performance.now();
        execFileSync('restic', ['backup', '--quiet', srcDir], { env });
        resticDay.push(seconds(t0));
        ourDay.push((await noChange()).s);
      }
      rows.push([`restic backup again, the register changed by one row, the archive unchanged (median of ${rounds}: ${list(resticDay)} s)`, `${median(resticDay).toFixed(2)} s`]);
      rows.push([`backupRegister again, the same (median of ${rounds}: ${list(ourDay)} s)`, `${median(ourDay).toFixed(2)} s`]);
      rows.push([`ratio ours / restic, a day's change in the register`, `${(median(ourDay) / median(resticDay)).toFixed(2)}×`]);
    } else {
      // no restic here: the floor is copying the register file twice (what changed daily) with cp
      const cpNoChange: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const A = fresh('cpRegA'), B = fresh('cpRegB');
        dropCaches();
        t0 = performance.now();
        execFileSync('cp', [file, A]);
        execFileSync('cp', [file, B]);
        execFileSync('sync');
        cpNoChange.push(seconds(t0));
        ourNoChange.push((await noChange(true)).s);
      }
      rows.push(['restic', 'not installed (apt-get install restic): compared with cp of the register file to A and B + sync instead']);
      rows.push([`cp register to A + cp register to B + sync (median of ${rounds}: ${list(cpNoChange)} s)`, `${median(cpNoChange).toFixed(2)} s`]);
      rows.push([`backupRegister again to A and B, nothing changed (median of ${rounds}: ${list(ourNoChange)} s)`, `${median(ourNoChange).toFixed(2)} s`]);
      rows.push([`ratio ours / cp of the register`, `${(median(ourNoChange) / median(cpNoChange)).toFixed(2)}×`]);
    }

    return [
      `### Backup: ${(bytes / 2 ** 30).toFixed(2)} GiB (register ${registerMiB} MiB + ${files} archive files of ${fileMiB} MiB), two destinations on one disk`,
      '',
      `Page cache ${canDrop ? 'dropped before each timed step' : 'NOT dropped (no permission): warm-cache numbers'}. Load average at the start: ${loadStart}; at the end: ${loadavg()} on ${os.cpus().length} cores.`,
      '',
      '| measure | result |',
      '| --- | --- |',
      ...rows.map(([k, val]) => `| ${k} | ${val} |`),
      '',
      `The no-change backup by stage (backupRegister's \`stages\`; medians of its ${noChangeStages.length} rounds above):`,
      '',
      ...stageTable(noChangeStages),
      '',
      `The full backup by stage (medians of its ${fullStages.length} rounds):`,
      '',
      ...stageTable(fullStages),
      '',
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Issue 15: the drill of a genuine copy of the demo school (1,000 students, the current year's classes sealed): the
 * whole `restore --drill` and, apart, its re-derivation of every sealed class (rederiveSealed), medians of `rounds`.
 */
export async function benchDrill(a: { students?: number; rounds?: number } = {}): Promise<string[]> {
  const { generateDemo } = await import('../../main/demo/generate.ts');
  const { closeYear } = await import('../../main/ledgers/seal.ts');
  const { progressTo } = await import('../../main/shared/jobs.ts');
  const { restoreBag } = await import('../../main/backup/restore.ts');
  const { rederiveSealed } = await import('../../main/ledgers/verify.ts');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-bench-drill-'));
  const prevKey = process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE;
  process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = path.join(root, 'backup.key');
  try {
    const file = path.join(root, 'register.sqlite');
    const db = openRegister(file);
    await generateDemo(db, { students: a.students ?? 1000, by: 'bench', seed: 4 }, progressTo());
    const year = db.prepare('SELECT id FROM academic_years ORDER BY name DESC LIMIT 1').pluck().get() as number;
    const admin = { id: 0, login: 'cli:bench', fullName: 'Бенчмарк', role: 'admin' as const };
    const closed = await closeYear(db, year, { user: admin, allowNa: true }, progressTo());
    const A = path.join(root, 'A'), B = path.join(root, 'B');
    for (const d of [A, B]) fs.mkdirSync(d);
    const out = await backupRegister(db, { destinations: [{ path: A }, { path: B }], by: 'bench', confirmSameDevice: true });
    db.close();
    const bag = out.destinations.find((d) => d.ok && d.bagPath)!.bagPath!;
    const rounds = a.rounds ?? 5;
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const drills: number[] = [], derives: number[] = [];
    let checked = 0;
    for (let i = 0; i < rounds; i++) {
      let t0 = performance.now();
      const r = await restoreBag(bag, { drill: true });
      drills.push(seconds(t0));
      if (!r.ok) throw new Error(`the drill of a genuine copy failed: ${JSON.stringify(r.checks)}`);
      const reg = openRegister(file, { create: false, migrate: false });
      t0 = performance.now();
      checked = rederiveSealed(reg).checked;
      derives.push(seconds(t0));
      reg.close();
    }
    const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    return ['### Restore drill of a genuine copy (issue 15)', '',
      `Demo school, ${a.students ?? 1000} students, ${closed.sealed.length} classes sealed; ${checked} re-derived per drill.`, '',
      '| measure | seconds |', '| --- | --- |',
      `| restore --drill, whole (median of ${rounds}: ${list(drills)}) | ${median(drills).toFixed(2)} |`,
      `| rederiveSealed alone (median of ${rounds}: ${list(derives)}) | ${median(derives).toFixed(2)} |`, ''];
  } finally {
    if (prevKey === undefined) delete process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE;
    else process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = prevKey;
    fs.rmSync(root, { recursive: true, force: true });
  }
}
