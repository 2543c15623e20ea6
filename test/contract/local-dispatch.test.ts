// The command line's way in without a register (--db left out): dispatch lets through only the methods the contract
// marks `register: 'optional'`, and the paths marked `local` only from the local user (asUser).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../main/host/dispatch.ts';
import { Jobs } from '../../main/shared/jobs.ts';
import { Sessions } from '../../main/users/users.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const cli = { id: 0, login: 'cli:test', fullName: 'Командная строка', role: 'admin' as const };
const base = () => ({ db: null, sessions: new Sessions(), jobs: new Jobs(), session: null, asUser: cli });

describe('dispatch with no register', () => {
  it('refuses a method that needs one, before any handler runs', async () => {
    expect(await dispatch(base(), { method: 'media.list', args: {} })).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('нужен открытый реестр') } });
    expect(await dispatch(base(), { method: 'backup.start', args: { folders: ['/a', '/b'] } })).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('answers a method marked register-optional: an archive folder of its own, a verify of folders (as a job)', async () => {
    const dir = path.join(scratchDir(), 'no-archive');
    const r = await dispatch(base(), { method: 'archive.verify', args: { archive: dir } });
    expect(r).toMatchObject({ ok: true, value: { ok: true, entries: 0, dir, message: `Архива ещё нет (${dir}): запечатанных ведомостей не было` } });
    // the register's own archive cannot be meant when there is no register
    expect(await dispatch(base(), { method: 'archive.verify', args: {} })).toMatchObject({ ok: false, error: { code: 'validation', fields: { archive: expect.any(String) } } });
    const b = base();
    const started = await dispatch(b, { method: 'backup.verify', args: { folders: [scratchDir()] } });
    expect(started.ok).toBe(true);
    await expect(b.jobs.wait((started as { value: { jobId: string } }).value.jobId)).rejects.toMatchObject({ code: 'validation' });
  });

  it('without asUser (the app, HTTP) a local argument is refused', async () => {
    const { asUser: _, ...app } = base();
    expect(await dispatch(app, { method: 'archive.verify', args: { archive: scratchDir() } })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('«archive»') } });
  });
});
