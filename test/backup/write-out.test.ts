// A register large enough for its snapshot to be written out to the device while SQLite is still copying it (a
// background fdatasync every few 4 MiB steps, issue 19): the copies are still whole, equal and restorable, the bags
// pass an outside BagIt check; cancelled after a write-out, nothing is left. Its own register: the 40 MiB it grows by
// would slow every later test of the shared fixture.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister, type StageTimes } from '../../main/backup/backup.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { listRuns } from '../../main/backup/runs.ts';
import { CancelledError, progressTo } from '../../main/shared/jobs.ts';
import { coreutilsValidate, dirs, registerWithArchive, type Fixture } from './fixtures.ts';

const WRITE_OUT = 'snapshot: written out ahead (fdatasync while copying)';
let f: Fixture;
beforeAll(async () => {
  f = await registerWithArchive();
  const db = f.c.backend.db;
  db.exec('CREATE TABLE test_large (b BLOB) STRICT');
  for (let i = 0; i < 10; i++) db.prepare('INSERT INTO test_large VALUES (?)').run(crypto.randomBytes(4 * 1024 * 1024));
});
afterAll(() => f.c.backend.close());

describe('a snapshot written out while it is taken', () => {
  it('is written out at least once before its end, and both copies are still whole, equal and restorable', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'large-A', 'large-B');
    const stages: StageTimes = [];
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, stages });
    expect(r.state).toBe('ok');
    const snapshot = stages.find((s) => s.stage === 'snapshot: online backup into the first plain copy')!;
    const writeOuts = stages.filter((s) => s.stage === WRITE_OUT);
    expect(writeOuts.length).toBeGreaterThanOrEqual(1);
    expect(writeOuts[0].start).toBeLessThan(snapshot.end);
    const reg = (d: string) => fs.readFileSync(path.join(d, r.bag, 'data/register.sqlite'));
    expect(reg(a).length).toBeGreaterThan(40 * 1024 * 1024);
    expect(reg(b).equals(reg(a))).toBe(true);
    for (const d of r.destinations) expect(coreutilsValidate(d.bagPath!).ok).toBe(true);
    const drill = await restoreBag(r.destinations[0].bagPath!, { drill: true });
    expect(drill.ok).toBe(true);
  });

  it('cancelled after a write-out: no bag and no partial anywhere, the run recorded as cancelled', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'large-cancel-A', 'large-cancel-B');
    const abort = new AbortController();
    const stages: StageTimes = [];
    let steps = 0;
    const progress = progressTo((_d, _t, msg) => {
      if (msg === 'Снимок реестра' && ++steps === 9) abort.abort(); // the first write-out began at the 8th step
    }, abort.signal);
    const e = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress, stages }).catch((x) => x);
    expect(e).toBeInstanceOf(CancelledError);
    expect(stages.filter((s) => s.stage === WRITE_OUT).length).toBeGreaterThanOrEqual(1);
    expect(fs.readdirSync(a)).toEqual([]);
    expect(fs.readdirSync(b)).toEqual([]);
    expect(listRuns(db, 1)[0]).toMatchObject({ kind: 'backup', state: 'cancelled' });
  });
});
