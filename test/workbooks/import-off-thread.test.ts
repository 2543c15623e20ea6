// Issues 18 and 19: the journal import's commit runs in a thread of its own, on its own connection to the register file,
// so the backend's thread answers other users while the commit reads the file and while its one transaction writes.
// Proved without timing, on a real register file through the real dispatcher: a second connection that asks for the
// write lock with no busy wait tells when the commit's transaction holds it, and calls are answered in that very
// window (in one thread no call can be, the transaction being synchronous); a search made then is answered too, its
// read-access log entry kept in the side journal and moved into read_log once the commit is done. A cancel heard while the thread reads writes nothing; a thread that dies inside
// its transaction writes nothing and leaves the register free.
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Input, Job, User } from '../../preload/contract.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { commitInWorker } from '../../main/workbooks/import-api.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { count, openRaw, type RawDb } from '../helpers/db.ts';
import { seedBigJournalSchool, writeBigJournal } from './make.ts';

const YEAR = '2026/2027';
const ROWS = 5000;
const SUBJECTS = ['Математика', 'Физика'];
const ADMIN: User = { id: 1, login: 'admin', fullName: 'Администратор Иван Петрович', role: 'admin' };
let c: Client & { dbPath: string };
let dir: string;
let raw: RawDb;
const args: Record<string, Input<'import.commit'>> = {};

/** Whether another connection holds the register's write lock now: asked with no busy wait, nothing written. */
function writeLockHeld(): boolean {
  try {
    raw.exec('BEGIN IMMEDIATE');
    raw.exec('ROLLBACK');
    return false;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw e;
  }
}
async function settle(jobId: string): Promise<Job> {
  for (;;) {
    const s = await c.call('jobs.status', { id: jobId });
    if (s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const onDisk = () => ({ marks: count(raw, 'marks'), audits: count(raw, 'audit_log', "method = 'import.marks'") });

beforeAll(async () => {
  dir = tempDir('sr-import-thread-');
  c = await adminClient(dir);
  seedBigJournalSchool(c.backend.db, ROWS, SUBJECTS, YEAR);
  for (const [name, periods] of [['first', ['1 четв.', '2 четв.']], ['second', ['3 четв.']], ['third', ['4 четв.']]] as const) {
    const file = await writeBigJournal(path.join(dir, `Журнал-${name}.xlsx`), ROWS, SUBJECTS, [...periods]);
    args[name] = { kind: 'marks', fileName: path.basename(file), dataBase64: fs.readFileSync(file).toString('base64'), year: YEAR };
  }
  raw = openRaw(c.dbPath);
  raw.pragma('busy_timeout = 0');
}, 120_000);
afterAll(() => {
  raw?.close();
  c?.backend.close();
});

describe('the import commit in its own thread', () => {
  it('while its transaction holds the register, other calls are answered; a search is answered, its read-log entry kept', async () => {
    const before = onDisk();
    const readsBefore = count(raw, 'read_log', "method = 'students.search'");
    const { jobId } = await c.call('import.commitStart', args.first);
    let answeredInside = 0;
    let searched = 0;
    for (;;) {
      const s = await c.call('jobs.status', { id: jobId });
      if (s.state !== 'running') break;
      if (!writeLockHeld()) {
        await turn();
        continue;
      }
      // the commit's transaction holds the write lock: this thread answers a query meanwhile…
      const years = await c.call('years.list', {});
      expect(years.some((y) => y.name === YEAR)).toBe(true);
      if (writeLockHeld()) answeredInside++; // …and the lock is still held after the answer: answered inside it
      // a search is answered too, once its read-access log entry is written (it waits for the lock, not on this thread)
      const found = await c.raw('students.search', { query: 'Иван', limit: 5 });
      expect(found).toMatchObject({ ok: true });
      searched++;
    }
    expect((await settle(jobId)).state).toBe('done');
    expect(answeredInside).toBeGreaterThan(0);
    expect(await c.call('import.commitResult', { jobId })).toEqual({ added: ROWS * 4, changed: 0, unchanged: 0, rejected: 0, written: true });
    expect(onDisk()).toEqual({ marks: before.marks + ROWS * 4, audits: before.audits + 1 });
    // every search answered has its entry (those answered while the commit held the register from the side journal,
    // moved in once it was free — readLog.verify waits for that): none lost
    expect(await c.call('readLog.verify', {})).toMatchObject({ ok: true });
    expect(count(raw, 'read_log', "method = 'students.search'")).toBe(readsBefore + searched);
    expect(await c.call('audit.verify', {})).toMatchObject({ ok: true });
  }, 120_000);

  it('a cancel heard while the thread reads the file writes nothing', async () => {
    const before = onDisk();
    const { jobId } = await c.call('import.commitStart', args.second);
    // cancelled at the thread's first report of rows read: well before its one transaction
    for (let s = await c.call('jobs.status', { id: jobId }); s.state === 'running' && !/Прочитано строк/.test(s.message ?? ''); s = await c.call('jobs.status', { id: jobId })) await turn();
    await c.call('jobs.cancel', { id: jobId });
    expect((await settle(jobId)).state).toBe('cancelled');
    expect(onDisk()).toEqual(before);
    // the register is free: a write goes through at once
    expect(writeLockHeld()).toBe(false);
    expect(await c.raw('subjects.create', { name: 'Черчение', shortName: 'Черч.' })).toMatchObject({ ok: true });
  }, 120_000);

  it('a thread that dies inside its transaction writes nothing and leaves the register free; the same commit then writes it all', async () => {
    const before = onDisk();
    await expect(commitInWorker(c.backend.db, ADMIN, args.third, progressTo(), { exitBeforeCommit: true }))
      .rejects.toThrow(`Импорт из ${args.third.fileName} прерван: поток импорта остановился (код 70); ничего не записано`);
    expect(onDisk()).toEqual(before);
    expect(writeLockHeld()).toBe(false);
    expect(await c.call('audit.verify', {})).toMatchObject({ ok: true });
    const done = await commitInWorker(c.backend.db, ADMIN, args.third, progressTo());
    expect(done).toMatchObject({ added: ROWS * 2, written: true });
    expect(onDisk()).toEqual({ marks: before.marks + ROWS * 2, audits: before.audits + 1 });
  }, 120_000);
});
