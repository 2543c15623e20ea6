// The archive is written as a seal commits, not at the next backup: a class sealed from the command line has its
// canonical JSON, signature, PDF and XLSX beside the register, named by SHA-256 (checked with sha256sum), and its
// manifest line, before any backup; `archive verify --trust` verifies it. A kill between the seal's commit and the
// archive's write (SCHOOL_REGISTER_TEST_KILL) leaves the register sealed, and the next run — archive verify, the next
// seal, the rerun of the year close — catches the archive up without calling it damage. A register with seals whose
// archive is gone is told so.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { MANIFEST, readManifest, type ManifestEntry } from '../../main/archive/archive.ts';
import { backupRegister } from '../../main/backup/backup.ts';
import { ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';

let fx: Fixtures;
let template: string;
let classes = 0;

beforeAll(async () => {
  fx = makeFixtures();
  const f = await sealingSchool(scratchDir());
  classes = (f.c.backend.db.prepare('SELECT count(*) AS n FROM classes').get() as { n: number }).n;
  f.c.backend.close();
  template = f.c.dbPath;
}, 120_000);
afterAll(() => {
  removeScratchDirs();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

/** A copy of the unsealed school in a folder of its own. */
function fresh(): string {
  const dir = scratchDir();
  for (const f of fs.readdirSync(path.dirname(template)).filter((x) => x.startsWith(path.basename(template)))) {
    fs.cpSync(path.join(path.dirname(template), f), path.join(dir, f.replace(path.basename(template), 'register.sqlite')), { recursive: true });
  }
  return path.join(dir, 'register.sqlite');
}

type Run = { code: number | null; signal: NodeJS.Signals | null; out: string };
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: '1', SCHOOL_REGISTER_CERT_PASSWORD: PASSWORD, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

const seal = (file: string, cls: string | null, env: Record<string, string> = {}) =>
  run(['ledger', 'seal', '--year', '2025/2026', ...(cls ? ['--class', cls] : []), '--cert', fx.leafP12, '--db', file], env);
const verify = (file: string) => run(['archive', 'verify', '--db', file, '--trust', fx.caCertPem]);
const KILL = { SCHOOL_REGISTER_TEST_KILL: 'after-seal-commit' };

type Row = { id: number; class_id: number; version: number; sha256: string; canonical_json: string; signature: Buffer | null; pdf: Buffer; xlsx: Buffer };
function versions(file: string): Row[] {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare('SELECT id, class_id, version, sha256, canonical_json, signature, pdf, xlsx FROM ledger_versions ORDER BY id').all() as Row[];
  } finally {
    db.close();
  }
}

const archiveOf = (file: string) => `${file}.archive`;
const manifestLines = (file: string) => fs.readFileSync(path.join(archiveOf(file), MANIFEST), 'utf8').split('\n').filter(Boolean);

/** Every version of the register is in the archive: its bytes read back, named by the hashes sha256sum computes. */
function expectArchived(file: string): ManifestEntry[] {
  const dir = archiveOf(file);
  const rows = versions(file);
  const m = readManifest(dir);
  expect(m.problems).toEqual([]);
  expect(m.entries.map((e) => e.ledgerVersionId).sort()).toEqual(rows.map((r) => r.id).sort());
  const names = fs.readdirSync(path.join(dir, 'files'));
  const sums = execFileSync('sha256sum', names, { cwd: path.join(dir, 'files'), encoding: 'utf8' }).trim().split('\n').map((l) => l.split(/\s+\*?/));
  for (const [hash, name] of sums) expect(hash).toBe(name);
  for (const r of rows) {
    const e = m.entries.find((x) => x.ledgerVersionId === r.id)!;
    expect(e).toMatchObject({ classId: r.class_id, version: r.version, ledgerSha256: r.sha256 });
    const bytes = (role: string) => fs.readFileSync(path.join(dir, 'files', e.files.find((f) => f.role === role)!.sha256));
    expect(bytes('json').toString('utf8')).toBe(r.canonical_json);
    expect(bytes('signature')).toEqual(r.signature);
    expect(bytes('pdf')).toEqual(r.pdf);
    expect(bytes('xlsx')).toEqual(r.xlsx);
  }
  return m.entries;
}

describe('the archive is written as the seal commits', () => {
  it('a sealed class has its JSON, signature, PDF and XLSX by SHA-256 and its manifest line before any backup; archive verify --trust verifies', async () => {
    const file = fresh();
    expect(fs.existsSync(archiveOf(file))).toBe(false);
    const r = await seal(file, '5А');
    expect(r.code, r.out).toBe(0);
    const entries = expectArchived(file);
    expect(entries).toHaveLength(1);
    expect(entries[0].files.map((f) => f.role)).toEqual(['json', 'signature', 'pdf', 'xlsx']);
    expect(entries[0].signer).toMatch(/Школа/);
    // no backup was made: nothing but the register's files and its archive beside it
    expect(fs.readdirSync(path.dirname(file)).filter((x) => !x.startsWith('register.sqlite'))).toEqual([]);
    // the archive is its user's alone
    if (process.platform !== 'win32') {
      const mode = (p: string) => fs.statSync(p).mode & 0o777;
      expect(mode(archiveOf(file))).toBe(0o700);
      expect(mode(path.join(archiveOf(file), 'files'))).toBe(0o700);
      expect(mode(path.join(archiveOf(file), MANIFEST))).toBe(0o600);
      for (const f of fs.readdirSync(path.join(archiveOf(file), 'files'))) expect(mode(path.join(archiveOf(file), 'files', f))).toBe(0o600);
    }
    const v = await verify(file);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain('Архив цел: записей 1, файлов 4, подписей проверено 1');
    expect(v.out).not.toMatch(/Дописано/);
  }, 120_000);

  it('a year close writes every class\'s files and manifest line', async () => {
    const file = fresh();
    const r = await seal(file, null);
    expect(r.code, r.out).toBe(0);
    const entries = expectArchived(file);
    expect(entries).toHaveLength(classes);
    expect(new Set(entries.map((e) => e.classId)).size).toBe(classes);
    const v = await verify(file);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain(`Архив цел: записей ${classes}, файлов ${classes * 4}, подписей проверено ${classes}`);
  }, 120_000);
});

describe('the backup after a seal', () => {
  it('finds the archive written, adds nothing, and carries it into the bag as it is', async () => {
    const file = fresh();
    expect((await seal(file, null)).code).toBe(0);
    const before = fs.readFileSync(path.join(archiveOf(file), MANIFEST));
    const files = fs.readdirSync(path.join(archiveOf(file), 'files')).sort();
    const dests = ['usb-1', 'hdd-2'].map((d) => path.join(path.dirname(file), d));
    for (const d of dests) fs.mkdirSync(d);
    const db = openRegister(file);
    try {
      const r = await backupRegister(db, { destinations: dests.map((d) => ({ path: d })), confirmSameDevice: true });
      expect(r.state, r.message).toBe('ok');
      expect(r.archiveEntries).toBe(classes);
      expect(fs.readFileSync(path.join(archiveOf(file), MANIFEST))).toEqual(before);
      for (const d of dests) {
        const bag = path.join(d, r.bag, 'data', 'archive');
        expect(fs.readFileSync(path.join(bag, MANIFEST))).toEqual(before);
        expect(fs.readdirSync(path.join(bag, 'files')).sort()).toEqual(files);
        for (const f of files) expect(fs.readFileSync(path.join(bag, 'files', f))).toEqual(fs.readFileSync(path.join(archiveOf(file), 'files', f)));
      }
    } finally {
      db.close();
    }
  }, 120_000);
});

describe('a kill between the seal\'s commit and the archive\'s write', () => {
  it('leaves the register sealed; archive verify catches the archive up and says so, not as damage', async () => {
    const file = fresh();
    const killed = await seal(file, '5А', KILL);
    expect(killed.signal, killed.out).toBe('SIGKILL');
    expect(versions(file)).toHaveLength(1);
    // the archive's folder was made before the commit; the version's line is not in it
    expect(manifestLines(file)).toEqual([]);
    const v = await verify(file);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toMatch(/Архив цел: записей 1, файлов 4, подписей проверено 1\. Дописано из реестра версий, запечатанных, но не попавших в архив \(запись прервалась\): 1/);
    expectArchived(file);
    const again = await verify(file);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toMatch(/Дописано/);
  }, 120_000);

  it('the next seal archives the version the kill left out together with its own', async () => {
    const file = fresh();
    expect((await seal(file, '5А', KILL)).signal).toBe('SIGKILL');
    const next = await seal(file, '5Б');
    expect(next.code, next.out).toBe(0);
    expect(expectArchived(file)).toHaveLength(2);
    expect((await verify(file)).out).not.toMatch(/Дописано/);
  }, 120_000);

  it('a year close killed after its first class: the rerun seals the rest and the archive holds every class', async () => {
    const file = fresh();
    const killed = await seal(file, null, KILL);
    expect(killed.signal, killed.out).toBe('SIGKILL');
    expect(versions(file)).toHaveLength(1);
    const rerun = await seal(file, null);
    expect(rerun.code, rerun.out).toBe(0);
    expect(expectArchived(file)).toHaveLength(classes);
    const v = await verify(file);
    expect(v.code, v.out).toBe(0);
    expect(v.out).not.toMatch(/Дописано/);
  }, 120_000);
});

describe('archive verify without an archive', () => {
  it('a register with seals whose archive is gone: the archive is reported lost (damage)', async () => {
    const file = fresh();
    expect((await seal(file, '5А')).code).toBe(0);
    fs.rmSync(archiveOf(file), { recursive: true });
    const v = await verify(file);
    expect(v.code, v.out).toBe(3);
    expect(v.out).toMatch(/Архив утрачен: архива .* нет, а в реестре запечатанных версий ведомостей 1/);
    expect(v.out).not.toMatch(/не было/);
    // verify reports it and leaves the folder alone; the next seal writes it anew from the register
    expect(fs.existsSync(archiveOf(file))).toBe(false);
    expect((await seal(file, '5Б')).code).toBe(0);
    expect(expectArchived(file)).toHaveLength(2);
  }, 120_000);

  it('a register with no seals: nothing to archive yet', async () => {
    const file = fresh();
    const v = await verify(file);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toMatch(/в реестре нет запечатанных ведомостей — архивировать пока нечего/);
  }, 60_000);
});
