// Crash suite (issue 15): an encrypted two-destination backup (`backup --to A --to B --encrypt`) killed with SIGKILL at
// seeded moments. After each kill no file under the temp folder or on either medium holds the register unencrypted
// (the SQLite header "SQLite format 3\0" is searched for in every byte of every file left), no incomplete bag passes
// as complete; the next run removes the temp folders killed runs left (an older version's plain snapshot planted in
// the temp folder among them) and writes a complete, verified bag to both media.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCopies } from '../../main/backup/verify.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { registerWithArchive } from '../backup/fixtures.ts';
import { recordFigures, runCrashSuite } from './crash.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 20);
const PASSPHRASE = 'зелёный карандаш 17';
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'binary');
const NAME = 'register.sqlite';
afterAll(removeScratchDirs);

let templateDir: string;
let tmp: string;

beforeAll(async () => {
  const f = await registerWithArchive();
  // some weight, so that the kills fall while the snapshot and the copies are being made
  const db = f.c.backend.db;
  db.exec('CREATE TABLE test_filler (b BLOB) STRICT');
  const ins = db.prepare('INSERT INTO test_filler VALUES (?)');
  for (let i = 0; i < 12; i++) ins.run(crypto.randomBytes(1024 * 1024));
  f.c.backend.close();
  const raw = new Database(f.c.dbPath);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  templateDir = path.dirname(f.c.dbPath);
  tmp = scratchDir('sr-test-tmpdir-');
}, 120_000);

/** Every file under `dir` that holds a SQLite database's header anywhere in its bytes. */
function plainRegisters(dir: string, except: string | null = null): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    if (!e.isFile() || (except && p.startsWith(except))) continue;
    if (fs.readFileSync(p).includes(SQLITE_HEADER)) found.push(p);
  }
  return found;
}

const completeBags = (dest: string) => fs.readdirSync(dest).filter((n) => n.startsWith('register-')).map((n) => path.join(dest, n));

async function badBags(dests: string[]): Promise<string[]> {
  const bad: string[] = [];
  for (const b of dests.flatMap(completeBags)) {
    const r = await verifyCopies(null, [b]);
    if (r.state !== 'ok') bad.push(`${b}: ${r.message}`);
  }
  return bad;
}

type Run = { file: string; dests: string[]; before: number[]; planted: string };

describe(`crash: an encrypted backup killed at ${RUNS} seeded moments`, () => {
  it('leaves no unencrypted register in the temp folder or on the media, and the next run cleans up and completes', async () => {
    const figures = await runCrashSuite<Run>({
      name: 'encrypted-backup', runs: RUNS, seed: 1515,
      env: { SR_BACKUP_PASSPHRASE: PASSPHRASE, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
      prepare: (dir) => {
        for (const f of fs.readdirSync(templateDir).filter((x) => x.startsWith(NAME))) {
          fs.cpSync(path.join(templateDir, f), path.join(dir, f), { recursive: true });
        }
        const dests = ['usb-1', 'hdd-2'].map((n) => path.join(dir, n));
        for (const d of dests) fs.mkdirSync(d);
        // what an older version's killed backup left: the register, unencrypted, in a temp folder of a process now gone
        const planted = path.join(tmp, `sr-snapshot-${2 ** 22 + 4321}-${crypto.randomBytes(3).toString('hex')}`);
        fs.mkdirSync(planted);
        fs.copyFileSync(path.join(dir, NAME), path.join(planted, NAME));
        return { file: path.join(dir, NAME), dests, before: [0, 0], planted };
      },
      argv: (c) => ['backup', '--db', c.file, '--to', c.dests[0], '--to', c.dests[1], '--yes', '--encrypt'],
      classify: async (_db, c) => {
        const plain = [...plainRegisters(tmp, c.planted), ...c.dests.flatMap((d) => plainRegisters(d))];
        if (plain.length) return `an unencrypted register left after the kill: ${plain.join(', ')}`;
        const bad = await badBags(c.dests);
        if (bad.length) return `a bag that looks complete does not verify: ${bad.join('; ')}`;
        c.before = c.dests.map((d) => completeBags(d).length);
        return c.before.every((n) => n >= 1) ? 'after' : 'before';
      },
      completed: async (_db, c) => {
        if (fs.existsSync(c.planted)) throw new Error(`the rerun left the stale plain snapshot ${c.planted} in the temp folder`);
        const plain = [...plainRegisters(tmp), ...c.dests.flatMap((d) => plainRegisters(d))];
        if (plain.length) throw new Error(`after the rerun an unencrypted register is left: ${plain.join(', ')}`);
        const left = fs.readdirSync(tmp).filter((n) => n.startsWith('sr-'));
        if (left.length) throw new Error(`temp folders left after the rerun: ${left.join(', ')}`);
        const bad = await badBags(c.dests);
        if (bad.length) throw new Error(`after the rerun: ${bad.join('; ')}`);
        const now = c.dests.map((d) => completeBags(d).length);
        if (!now.every((n, i) => n === c.before[i] + 1)) throw new Error(`after the rerun the media hold ${now.join(' and ')} bags (before: ${c.before.join(' and ')})`);
        const partial = c.dests.flatMap((d) => fs.readdirSync(d).filter((n) => n.startsWith('.sr-partial-')));
        if (partial.length) throw new Error(`partial copies left after the rerun: ${partial.join(', ')}`);
      },
    }, scratchDir());
    recordFigures('crash-encrypted-backup', figures);
    console.log(JSON.stringify(figures));
    expect(figures.failuresDetail).toEqual([]);
    expect(figures.rerunsCompleted).toBe(RUNS);
  }, 1_200_000);
});
