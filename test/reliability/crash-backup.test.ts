// Crash suite: a two-destination backup (`backup --to A --to B`) killed with SIGKILL at 50 seeded moments (issue 7).
// After each kill: the register passes integrity_check and its audit chain; every bag that looks complete (named
// register-…, not .sr-partial-…) verifies against its manifests — no incomplete bag passes as complete; the next run
// cleans up the partial copies and writes a complete, verified bag to both media.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCopies } from '../../main/backup/verify.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { registerWithArchive } from '../backup/fixtures.ts';
import { recordFigures, runCrashSuite } from './crash.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 50);
afterAll(removeScratchDirs);

let templateDir: string;
const NAME = 'register.sqlite';

beforeAll(async () => {
  const f = await registerWithArchive();
  // some weight, so that the kills fall while files are being written, not only while the program starts
  const db = f.c.backend.db;
  db.exec('CREATE TABLE test_filler (b BLOB) STRICT');
  const ins = db.prepare('INSERT INTO test_filler VALUES (?)');
  for (let i = 0; i < 12; i++) ins.run(crypto.randomBytes(1024 * 1024));
  // the archive beside the register: a first backup run archives the sealed versions; do it once here
  f.c.backend.close();
  const raw = new Database(f.c.dbPath);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  templateDir = path.dirname(f.c.dbPath);
}, 120_000);

function copyTemplate(dir: string): string {
  for (const f of fs.readdirSync(templateDir).filter((x) => x.startsWith(NAME))) {
    fs.cpSync(path.join(templateDir, f), path.join(dir, f), { recursive: true });
  }
  return path.join(dir, NAME);
}

const completeBags = (dest: string) => (fs.existsSync(dest) ? fs.readdirSync(dest).filter((n) => n.startsWith('register-')).map((n) => path.join(dest, n)) : []);

async function bagsState(dests: string[]): Promise<{ complete: number[]; bad: string[] }> {
  const complete: number[] = [];
  const bad: string[] = [];
  for (const d of dests) {
    const bags = completeBags(d);
    complete.push(bags.length);
    for (const b of bags) {
      const r = await verifyCopies(null, [b]);
      if (r.state !== 'ok') bad.push(`${b}: ${r.message}`);
    }
  }
  return { complete, bad };
}

describe(`crash: a two-destination backup killed at ${RUNS} seeded moments`, () => {
  it('no incomplete bag passes as complete, and the next run writes a verified bag to both media', async () => {
    const figures = await runCrashSuite({
      name: 'backup', runs: RUNS, seed: 7003,
      prepare: (dir) => {
        const file = copyTemplate(dir);
        const a = path.join(dir, 'usb-1'), b = path.join(dir, 'hdd-2');
        fs.mkdirSync(a);
        fs.mkdirSync(b);
        return { file, dests: [a, b], before: [0, 0] };
      },
      argv: (c) => ['backup', '--db', c.file, '--to', c.dests[0], '--to', c.dests[1], '--yes'],
      classify: async (_db, c) => {
        const s = await bagsState(c.dests);
        if (s.bad.length) return `a bag that looks complete does not verify: ${s.bad.join('; ')}`;
        c.before = s.complete;
        return s.complete.every((n) => n >= 1) ? 'after' : 'before';
      },
      completed: async (_db, c) => {
        const s = await bagsState(c.dests);
        if (s.bad.length) throw new Error(`after the rerun: ${s.bad.join('; ')}`);
        if (!s.complete.every((n, i) => n === c.before[i] + 1)) throw new Error(`after the rerun the media hold ${s.complete.join(' and ')} bags (before: ${c.before.join(' and ')})`);
        const leftovers = c.dests.flatMap((d) => fs.readdirSync(d).filter((n) => n.startsWith('.sr-partial-')));
        if (leftovers.length) throw new Error(`partial copies left after the rerun: ${leftovers.join(', ')}`);
      },
    }, scratchDir());
    recordFigures('crash-backup', figures);
    console.log(JSON.stringify(figures));
    expect(figures.failuresDetail).toEqual([]);
    expect(figures.rerunsCompleted).toBe(RUNS);
  }, 1_200_000);
});
