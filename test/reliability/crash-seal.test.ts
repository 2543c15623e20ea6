// Crash suite: sealing a year (`ledger seal --year`) killed with SIGKILL at 50 seeded moments (issue 7). After each
// kill: integrity_check, the audit chain, every class either sealed whole (its version verifies intact) or untouched,
// the archive beside the register never damaged (it may lack the versions whose archive write the kill cut short);
// the rerun seals the rest, each class ends with exactly one version, and the archive holds every one of them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/connection.ts';
import { archiveDirFor, readManifest, verifyArchive } from '../../main/archive/archive.ts';
import { verifyLedger } from '../../main/ledgers/verify.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { recordFigures, runCrashSuite } from './crash.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 50);
afterAll(removeScratchDirs);

let template: string;
let classes = 0;

beforeAll(async () => {
  const f = await sealingSchool(scratchDir());
  classes = (f.c.backend.db.prepare('SELECT count(*) AS n FROM classes').get() as { n: number }).n;
  f.c.backend.close();
  template = f.c.dbPath;
}, 120_000);

/** Each sealed class's versions, and whether each verifies as intact. */
async function sealedState(db: DB) {
  const rows = db.prepare('SELECT class_id, count(*) AS n, max(sha256) AS sha, max(version) AS v FROM ledger_versions GROUP BY class_id').all() as
    Array<{ class_id: number; n: number; sha: string; v: number }>;
  const broken: typeof rows = [];
  for (const r of rows) {
    const check = r.n === 1 ? await verifyLedger(db, { code: `${r.sha.slice(0, 8).toUpperCase()}-v${r.v}` }) : null;
    if (!check || !(check.sealed && check.intact && check.current)) broken.push(r);
  }
  return { sealed: rows.length, broken };
}

describe(`crash: sealing a year killed at ${RUNS} seeded moments`, () => {
  it('no class is left half-sealed, nothing sealed is lost, and the rerun seals the rest', async () => {
    expect(classes).toBeGreaterThanOrEqual(2);
    const figures = await runCrashSuite({
      name: 'seal', runs: RUNS, seed: 7002,
      prepare: (dir) => {
        for (const f of fs.readdirSync(path.dirname(template)).filter((x) => x.startsWith(path.basename(template)))) {
          fs.copyFileSync(path.join(path.dirname(template), f), path.join(dir, f.replace(path.basename(template), 'register.sqlite')));
        }
        return { file: path.join(dir, 'register.sqlite') };
      },
      argv: (c) => ['ledger', 'seal', '--year', '2025/2026', '--db', c.file],
      classify: async (db, c) => {
        const s = await sealedState(db);
        if (s.broken.length) return `classes ${s.broken.map((b) => b.class_id).join(', ')} sealed but not whole`;
        const archive = fs.existsSync(archiveDirFor(c.file)) ? readManifest(archiveDirFor(c.file)).problems : [];
        if (archive.length) return `archive damaged: ${archive[0].message}`;
        return s.sealed === classes ? 'after' : 'before';
      },
      completed: async (db) => {
        const s = await sealedState(db);
        if (s.sealed !== classes || s.broken.length) throw new Error(`after the rerun ${s.sealed} of ${classes} classes sealed, ${s.broken.length} not whole`);
        const archive = await verifyArchive(archiveDirFor(db.name), { register: db, complete: true });
        if (!archive.ok || archive.entries !== classes) throw new Error(`after the rerun the archive holds ${archive.entries} of ${classes} versions: ${archive.message}`);
      },
    }, scratchDir());
    recordFigures('crash-seal', figures);
    console.log(JSON.stringify(figures));
    expect(figures.failuresDetail).toEqual([]);
    expect(figures.rerunsCompleted).toBe(RUNS);
  }, 1_200_000);
});
