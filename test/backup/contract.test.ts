// archive.*, backup.*, media.* through the real dispatcher: the archivist (and admin) may, a clerk may not; backups,
// verifications and restores run as jobs with progress and cancel; the same-device warning comes back as a
// conflict naming the field to confirm.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../preload/contract.ts';
import type { BackupJobResult, RestoreJobResult, VerifyJobResult } from '../../preload/contract-archive.ts';
import { expectError } from '../helpers/db.ts';
import { dirs, registerWithArchive, type Fixture } from './fixtures.ts';

let f: Fixture;
let as: (role: 'archivist' | 'clerk') => (method: string, args: unknown) => Promise<Result<unknown>>;
const sessions: Record<string, string> = {};
beforeAll(async () => {
  f = await registerWithArchive();
  for (const role of ['clerk', 'archivist'] as const) {
    await f.c.call('users.create', { login: role, fullName: `Сотрудник ${role}`, role, password: `${role}-password-1` });
    const r = (await f.c.backend.call({ method: 'auth.signIn', args: { login: role, password: `${role}-password-1` } }, 'ipc')) as Result<{ session: string }>;
    if (!r.ok) throw new Error(r.error.message);
    sessions[role] = r.value.session;
  }
  as = (role) => (method, args) => f.c.backend.call({ method, args, session: sessions[role] }, 'ipc');
});
afterAll(() => f.c.backend.close());

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function finished<T>(jobId: string): Promise<{ state: string; result: T; message: string | null }> {
  for (;;) {
    const j = await value<{ state: string; result: T; message: string | null }>(as('archivist')('jobs.status', { id: jobId }));
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('archive and backup methods', () => {
  it('a clerk is refused every one of them', async () => {
    const clerk = as('clerk');
    for (const [m, a] of [['media.list', {}], ['archive.verify', {}], ['backup.history', {}], ['backup.start', { mediaIds: [1, 2] }]] as const) {
      expectError(await clerk(m, a), 'forbidden');
    }
  });

  it('the archivist registers two media, backs up (job), verifies, lists bags, drills a restore; all in the history', async () => {
    const call = as('archivist');
    const [a, b] = dirs(f.root, 'm-A', 'm-B');
    const ma = await value<{ id: number }>(call('media.add', { label: 'USB-1', kind: 'usb', room: 'Каб. 12', path: a }));
    const mb = await value<{ id: number }>(call('media.add', { label: 'HDD-2', kind: 'hdd', room: 'Каб. 31', path: b }));
    expectError(await call('media.add', { label: 'USB-1', kind: 'usb', room: 'Каб. 1', path: '/mnt/other' }), 'validation', 'label');
    expectError(await call('media.add', { label: 'X', kind: 'usb', room: 'Каб. 1', path: 'относительный/путь' }), 'validation', 'path');

    const warn = expectError(await call('backup.start', { mediaIds: [ma.id, mb.id] }), 'conflict', 'confirmSameDevice');
    expect(warn.message).toMatch(/ВНИМАНИЕ: .*на одном устройстве/);
    const { jobId } = await value<{ jobId: string }>(call('backup.start', { mediaIds: [ma.id, mb.id], confirmSameDevice: true }));
    const job = await finished<BackupJobResult>(jobId);
    expect(job.state).toBe('done');
    expect(job.result.state).toBe('ok');
    expect(job.result.destinations.map((d) => d.label)).toEqual(['USB-1', 'HDD-2']);

    const media = await value<Array<{ label: string; stale: boolean; unverified: boolean }>>(call('media.list', {}));
    expect(media.map((m) => [m.label, m.stale, m.unverified])).toEqual([['HDD-2', false, false], ['USB-1', false, false]]);

    const bags = await value<Array<{ name: string; bytes: number }>>(call('backup.bags', { mediaId: ma.id }));
    expect(bags.map((x) => x.name)).toEqual([job.result.bag]);
    expect(bags[0].bytes).toBeGreaterThan(0);

    // damage one copy, see it flagged, repair it
    fs.appendFileSync(path.join(a, job.result.bag, 'data/register.sqlite'), 'x');
    const v1 = await finished<VerifyJobResult>((await value<{ jobId: string }>(call('backup.verify', { mediaIds: [ma.id, mb.id] }))).jobId);
    expect(v1.result.state).toBe('damaged');
    const flagged = await value<Array<{ label: string; damaged: boolean }>>(call('media.list', {}));
    expect(flagged.map((m) => [m.label, m.damaged])).toEqual([['HDD-2', false], ['USB-1', true]]);
    const v2 = await finished<VerifyJobResult>((await value<{ jobId: string }>(call('backup.verify', { mediaIds: [ma.id, mb.id], repair: true }))).jobId);
    expect(v2.result.state).toBe('repaired');
    expect((await value<Array<{ damaged: boolean }>>(call('media.list', {}))).some((m) => m.damaged)).toBe(false);

    const drill = await finished<RestoreJobResult>((await value<{ jobId: string }>(call('backup.restore', { mediaId: mb.id, bag: job.result.bag, drill: true }))).jobId);
    expect(drill.result).toMatchObject({ ok: true, drill: true });
    expectError(await call('backup.restore', { mediaId: mb.id, bag: job.result.bag, drill: false, target: f.c.dbPath }), 'validation', 'target');
    expectError(await call('backup.restore', { mediaId: mb.id, bag: '../../etc', drill: true }), 'validation', 'bag');

    const history = await value<Array<{ kind: string; state: string; repairs: unknown[] }>>(call('backup.history', {}));
    expect(history.slice(0, 4).map((h) => [h.kind, h.state])).toEqual([['drill', 'ok'], ['verify', 'ok'], ['verify', 'damaged'], ['backup', 'ok']]);
    expect(history[1].repairs).toHaveLength(1);

    const arch = await value<{ ok: boolean; entries: number }>(call('archive.verify', {}));
    expect(arch).toMatchObject({ ok: true, entries: 3 });
  });

  it('a backup job can be cancelled by its owner: no bag is left', async () => {
    const call = as('archivist');
    const [a, b] = dirs(f.root, 'c-A', 'c-B');
    const ids = [
      (await value<{ id: number }>(call('media.add', { label: 'C-1', kind: 'usb', room: 'Каб. 1', path: a }))).id,
      (await value<{ id: number }>(call('media.add', { label: 'C-2', kind: 'nas', room: 'Серверная', path: b }))).id,
    ];
    const { jobId } = await value<{ jobId: string }>(call('backup.start', { mediaIds: ids, confirmSameDevice: true }));
    expectError(await as('clerk')('jobs.cancel', { id: jobId }), 'forbidden');
    await value(call('jobs.cancel', { id: jobId }));
    const j = await finished(jobId);
    expect(j.state).toBe('cancelled');
    expect(fs.readdirSync(a)).toEqual([]);
    expect(fs.readdirSync(b)).toEqual([]);
  });
});
