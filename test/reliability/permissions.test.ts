// Secrets at rest (issue 15): every file and folder the program creates is its user's alone, 0600 and 0700. A register
// is built and sealed through the backend in this process (whose umask, 022, the program's own modes must not rely on),
// then the command line, as a clerk's script runs it (umask 077 set by the shell), seals the year, writes a plain and an
// encrypted backup, restores one to a new file, drills the encrypted one, checks the journal against it and prints a
// ledger; every file and folder left under the test's folder (the OS temp folder among them) is then stat'ed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStaleTemp } from '../../main/shared/private-files.ts';
import { ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { recordFigures } from './crash.ts';

afterAll(removeScratchDirs);

const PASSPHRASE = 'синий трактор едет 42';
let root: string;
let tmp: string;

function run(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp, TMP: tmp, TEMP: tmp, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await run({ SR_BACKUP_PASSPHRASE: PASSPHRASE }, ...args);
  if (r.code !== 0) throw new Error(`school-register ${args.join(' ')}: exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Every file and folder under `dir`, with its permission bits read back by stat. */
function walk(dir: string, out: Array<{ p: string; dir: boolean; mode: number }> = []) {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    out.push({ p, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) walk(p, out);
  }
  return out;
}

const POSIX = process.platform !== 'win32';

describe.skipIf(!POSIX)('secrets at rest: what the program creates is 0600/0700', () => {
  /** folders the test made itself (the media, where outputs go): not the program's */
  let made: Set<string>;
  let register: string;
  /** the register's folder while the register is open: SQLite's -wal and -shm go when the last connection closes */
  let whileOpen: Array<{ p: string; dir: boolean; mode: number }>;

  beforeAll(async () => {
    root = scratchDir('sr-test-perm-');
    tmp = path.join(root, 'tmp');
    const dirs = ['tmp', 'usb-1', 'hdd-2', 'usb-3', 'hdd-4', 'restored', 'out', 'school'].map((d) => path.join(root, d));
    for (const d of dirs) fs.mkdirSync(d);
    made = new Set([root, ...dirs]);
    const f = await sealingSchool(path.join(root, 'school'));
    whileOpen = walk(path.join(root, 'school')).map((e) => ({ ...e, p: `${e.p} (open)` }));
    f.c.backend.close();
    register = f.c.dbPath;
  }, 120_000);

  it('a register made, sealed, backed up plain and encrypted, restored, drilled and printed leaves nothing readable by others', async () => {
    const [a, b, c, d] = ['usb-1', 'hdd-2', 'usb-3', 'hdd-4'].map((x) => path.join(root, x));
    await ok('ledger', 'seal', '--year', '2025/2026', '--db', register);
    await ok('backup', '--db', register, '--to', a, '--to', b, '--yes');
    await ok('backup', '--db', register, '--to', c, '--to', d, '--yes', '--encrypt');
    const plainBag = path.join(a, fs.readdirSync(a).find((n) => n.startsWith('register-'))!);
    const encryptedBag = path.join(c, fs.readdirSync(c).find((n) => n.startsWith('register-'))!);
    await ok('restore', plainBag, '--to', path.join(root, 'restored', 'register.sqlite'));
    await ok('restore', encryptedBag, '--to', path.join(root, 'restored', 'register.sqlite')); // the first put aside
    await ok('restore', encryptedBag, '--drill');
    await ok('audit', 'verify', '--db', register, '--witness', c);
    await ok('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--db', register,
      '--out', path.join(root, 'out', 'ledger.pdf'), '--xlsx', path.join(root, 'out', 'ledger.xlsx'));
    // a second open of the restored register: its -wal and -shm, made by SQLite, are checked too
    await ok('years', 'list', '--db', path.join(root, 'restored', 'register.sqlite'));

    // tsx, which runs the TypeScript sources here, keeps its cache in the temp folder: not the program's
    const entries = [...whileOpen, ...walk(root).filter((e) => !made.has(e.p) && !path.relative(tmp, e.p).startsWith('tsx-'))];
    const kinds = (re: RegExp) => entries.filter((e) => re.test(e.p)).length;
    // the operations really left what is to be checked: register with WAL, anchor, archive, bags, restored file, outputs
    expect(kinds(/school[/\\]register\.sqlite$/)).toBe(1);
    expect(kinds(/register\.sqlite-wal \(open\)$/)).toBe(1);
    expect(kinds(/register\.sqlite-shm \(open\)$/)).toBe(1);
    expect(kinds(/\.audit-head$/)).toBeGreaterThanOrEqual(2);
    expect(kinds(/register\.sqlite\.archive[/\\]files[/\\][0-9a-f]{64}$/)).toBeGreaterThan(0);
    expect(kinds(/restored[/\\]register\.sqlite$/)).toBe(1);
    expect(kinds(/restored[/\\]register\.sqlite\.before-restore-/)).toBeGreaterThanOrEqual(1);
    for (const m of [a, b, c, d]) expect(entries.filter((e) => e.p.startsWith(m + path.sep) && !e.dir).length).toBeGreaterThan(5);
    expect(kinds(/ledger\.(pdf|xlsx)$/)).toBe(2);
    // nothing of the program's left in the temp folder
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('sr-'))).toEqual([]);

    const open = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${path.relative(root, e.p)} ${e.mode.toString(8)}`);
    recordFigures('permissions', {
      suite: 'permissions', runs: entries.length, detected: open.length, lost: 0, failures: open.length,
      worst: open.length ? `readable by others: ${open.slice(0, 3).join(', ')}` : `${entries.length} files and folders, all 0600/0700`,
    });
    expect(open).toEqual([]);
  }, 300_000);
});

describe('stale temp folders', () => {
  it('those of a process that is gone, and unnamed ones older than an hour, are removed; a live run\'s are kept', () => {
    const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
    const dir = scratchDir('sr-test-stale-');
    Object.assign(process.env, { TMPDIR: dir, TMP: dir, TEMP: dir });
    try {
      expect(os.tmpdir()).toBe(dir);
      const dead = 2 ** 22 + 12345; // above Linux's pid_max: no such process
      const names = {
        deadSnapshot: `sr-snapshot-${dead}-aB3dE9`, liveSnapshot: `sr-snapshot-${process.pid}-Zz9y8X`,
        oldUnnamed: 'sr-drill-Qw12Er', newUnnamed: 'sr-export-Ty34Ui', notOurs: 'sr-test-abcdef', otherApp: 'snapshot-abcdef',
      };
      for (const n of Object.values(names)) {
        fs.mkdirSync(path.join(dir, n));
        fs.writeFileSync(path.join(dir, n, 'register.sqlite'), 'SQLite format 3\0');
      }
      const hourAgo = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
      fs.utimesSync(path.join(dir, names.oldUnnamed), hourAgo, hourAgo);
      fs.utimesSync(path.join(dir, names.notOurs), hourAgo, hourAgo);
      const removed = removeStaleTemp();
      expect(removed.sort()).toEqual([names.deadSnapshot, names.oldUnnamed].sort());
      expect(fs.readdirSync(dir).sort()).toEqual([names.liveSnapshot, names.newUnnamed, names.notOurs, names.otherApp].sort());
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('each shell sets the umask and removes stale temp folders before it opens anything', () => {
    for (const entry of ['main/host/serve.ts', 'main/electron/main.ts', 'main/cli/index.ts']) {
      expect(fs.readFileSync(path.join(ROOT, entry), 'utf8'), entry).toMatch(/^[^/\n]*keepFilesPrivate\(\);/m);
    }
  });
});
