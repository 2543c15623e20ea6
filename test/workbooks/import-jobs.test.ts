// The import as a long job over the real dispatcher, as the UI runs it: start → {jobId}, jobs.status with progress,
// the outcome fetched when done (a refusal keeps its code), and a commit cancelled on a real register file that writes
// nothing — then the same commit, not cancelled, writes, so the cancel is what kept the register unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Input, Job } from '../../preload/contract.ts';
import { CancelledError, progressTo } from '../../main/shared/jobs.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { count, openRaw, sha256File } from '../helpers/db.ts';
import { seedBigJournalSchool, writeBigJournal } from './make.ts';
import { commitAsClerk } from './import-as-clerk.ts';

const YEAR = '2026/2027';
const ROWS = 6000; // several of the reader's progress steps (1000 rows)
let c: Client & { dbPath: string };
let dir: string;
let file: string;
let args: Input<'import.preview'>;

async function settle(jobId: string): Promise<Job> {
  for (;;) {
    const s = await c.call('jobs.status', { id: jobId });
    if (s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** The register's marks and audit entries as they are on disk (WAL checkpointed first). */
function onDisk() {
  c.backend.db.pragma('wal_checkpoint(TRUNCATE)');
  const raw = openRaw(c.dbPath);
  try {
    return { marks: count(raw, 'marks'), audits: count(raw, 'audit_log', "method = 'import.marks'") };
  } finally {
    raw.close();
  }
}

beforeAll(async () => {
  dir = tempDir('sr-import-jobs-');
  c = await adminClient(dir);
  seedBigJournalSchool(c.backend.db, ROWS, ['Математика'], YEAR);
  file = await writeBigJournal(path.join(dir, 'Журнал.xlsx'), ROWS, ['Математика'], ['1 четв.', '2 четв.']);
  args = { kind: 'marks', fileName: 'Журнал.xlsx', dataBase64: fs.readFileSync(file).toString('base64'), year: YEAR };
}, 240_000); // a 5,000-row journal written by exceljs and a school seeded: minutes on a loaded 2-core machine

describe('import as a job', () => {
  it('preview: progress while it runs, the same preview as the direct call when done', async () => {
    const { jobId } = await c.call('import.previewStart', args);
    const seen: Job[] = [];
    for (let s = await c.call('jobs.status', { id: jobId }); ; s = await c.call('jobs.status', { id: jobId })) {
      seen.push(s);
      if (s.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const last = seen.at(-1)!;
    expect(last.state).toBe('done');
    expect(last.kind).toBe('import.preview');
    expect(last.total).toBeGreaterThan(0);
    expect(last.result).toBeUndefined(); // the preview is not in the status anyone may poll: only its owner fetches it
    expect(seen.some((s) => /Прочитано строк: 5000|Проверка по классам/.test(s.message ?? ''))).toBe(true);
    const p = await c.call('import.previewResult', { jobId });
    expect(p.counts).toEqual({ added: ROWS * 2, changed: 0, unchanged: 0 });
    expect(p.rejected).toEqual([]);
    expect(p.token).toBe((await c.call('import.preview', args)).token);
  }, 60_000);

  it('a cancelled commit writes nothing on the register file; the same commit not cancelled writes it all', async () => {
    const p = await c.call('import.preview', args);
    const before = sha256File(c.dbPath);
    const disk = onDisk();
    expect(disk).toEqual({ marks: 0, audits: 0 });

    const { jobId } = await c.call('import.commitStart', { ...args, token: p.token });
    const cancel = await c.call('jobs.cancel', { id: jobId });
    expect(cancel.id).toBe(jobId);
    expect((await settle(jobId)).state).toBe('cancelled');
    expect(await c.raw('import.commitResult', { jobId })).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(onDisk()).toEqual(disk);
    expect(sha256File(c.dbPath)).toBe(before);
    // the register is free again: a write goes through
    expect(await c.raw('subjects.create', { name: 'Черчение', shortName: 'Черч.' })).toMatchObject({ ok: true });

    const again = await c.call('import.commitStart', { ...args, token: p.token });
    // while it reads and writes, the register is its own: another write waits, told what runs
    expect(await c.raw('subjects.create', { name: 'Риторика', shortName: 'Рит.' }))
      .toMatchObject({ ok: false, error: { code: 'conflict', message: 'Реестр занят: идёт «импорт из журнала Журнал.xlsx». Повторите позже.' } });
    expect((await settle(again.jobId)).state).toBe('done');
    expect(await c.call('import.commitResult', { jobId: again.jobId })).toEqual({ added: ROWS * 2, changed: 0, unchanged: 0, rejected: 0, written: true });
    expect(onDisk()).toEqual({ marks: ROWS * 2, audits: 1 });
  }, 60_000);

  it('a refused commit comes back with its code; results are for the one who started the job', async () => {
    const stale = await c.call('import.commitStart', { ...args, token: 'не тот' });
    expect((await settle(stale.jobId)).state).toBe('failed');
    expect(await c.raw('import.commitResult', { jobId: stale.jobId })).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/изменились после предпросмотра/) } });

    const bad = await c.call('import.previewStart', { ...args, fileName: 'заметки.xlsx', dataBase64: Buffer.from('не книга').toString('base64') });
    expect((await settle(bad.jobId)).state).toBe('failed');
    const r = await c.raw('import.previewResult', { jobId: bad.jobId });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('заметки.xlsx') } });
    // a preview job is not a commit job
    expect(await c.raw('import.commitResult', { jobId: bad.jobId })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    await c.call('users.create', { login: 'clerk2', fullName: 'Второй Делопроизводитель', role: 'clerk', password: 'long enough 2' });
    const s = await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk2', password: 'long enough 2' } }, 'http');
    const session = (s as { value: { session: string } }).value.session;
    const other = await c.backend.call({ method: 'import.previewResult', args: { jobId: bad.jobId }, session }, 'http');
    expect(other).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  }, 60_000);

  it('the commit stops at the cancel heard while reading, before its one transaction', async () => {
    const file2 = await writeBigJournal(path.join(dir, 'Журнал-3.xlsx'), ROWS, ['Математика'], ['3 четв.']);
    const abort = new AbortController();
    const before = onDisk();
    let reports = 0;
    // cancelled at the reader's first report (row 1000 of 6000): the rows read so far are never written
    await expect(commitAsClerk(c.backend.db, file2, { year: YEAR }, { progress: progressTo(() => { reports++; abort.abort(); }, abort.signal) }))
      .rejects.toBeInstanceOf(CancelledError);
    expect(reports).toBe(1);
    expect(onDisk()).toEqual(before);
    const done = await commitAsClerk(c.backend.db, file2, { year: YEAR });
    expect(done.added).toBe(ROWS);
  }, 60_000);
});
