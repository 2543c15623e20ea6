// Restore over the open register, through the backend as the app calls it: a real register file with sealed ledgers,
// real bags made by backup.start on two media, the swap while the backend keeps answering. After it the backend answers
// from the copy, the old file lies aside untouched with what the copy lacks, every old session is refused with the
// reason, and the restored register's audit chain verifies and records the restore. Refused — a wrong passphrase, a
// damaged copy, another job still running at the swap (a verification held on a medium that does not answer), a
// clerk — the open register stays as it was and keeps answering; a fault after the rename puts the old register back.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { appendAudit } from '../../main/audit/log.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import { restoreOpenRegister } from '../../main/backup/restore-open.ts';
import { openBackend, type Backend } from '../../main/host/backend.ts';
import { keepAnchor } from '../../main/host/dispatch.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { OpenRegister } from '../../main/shared/open-register.ts';
import { Sessions } from '../../main/users/users.ts';
import type { Result, User } from '../../preload/contract.ts';
import type { RestoreJobResult } from '../../preload/contract-archive.ts';
import { expectError } from '../helpers/db.ts';
import { sealTestLedger, testSigner } from '../helpers/ledger-versions.ts';
import { tempDir } from '../helpers/register.ts';

const STUDENT = (lastName: string) => ({ lastName, firstName: 'Пётр', middleName: 'Ильич', birthDate: '2014-03-01', sex: 'М' as const });
const signer = testSigner();

type School = {
  root: string; dbPath: string; backend: Backend; sessions: Record<'admin' | 'archivist' | 'clerk', string>;
  media: { plain: [number, number]; sealed: [number, number] }; bag: string; encryptedBag: string;
  /** the next open of a restored file fails (a disk gone at the worst moment); loseOld: the old register put aside is
   *  gone too, so it cannot be put back */
  fault: { next: boolean; loseOld?: boolean };
  call(who: 'admin' | 'archivist' | 'clerk' | string, method: string, args: unknown): Promise<Result<unknown>>;
  value<T>(who: string, method: string, args: unknown): Promise<T>;
};
const open: Backend[] = [];
afterEach(() => {
  for (const b of open.splice(0)) b.close();
});

/** A register with a school, sealed ledgers, an archivist and a clerk; backed up (plain and encrypted); then a student added. */
async function school(): Promise<School> {
  const root = tempDir('sr-restore-open-');
  const dbPath = path.join(root, 'register.sqlite');
  const fault: School['fault'] = { next: false };
  const backend = openBackend({
    dbPath,
    openRestored: (f) => {
      if (fault.next) {
        fault.next = false;
        if (fault.loseOld) {
          for (const n of fs.readdirSync(path.dirname(f))) {
            if (/^register\.sqlite\.before-restore-\d{8}T\d{6}Z-[0-9a-f]{4}$/.test(n)) fs.rmSync(path.join(path.dirname(f), n));
          }
        }
        throw new Error('сбой диска при открытии восстановленного файла');
      }
      return openRegister(f, { create: false });
    },
  });
  open.push(backend);
  const sessions = {} as School['sessions'];
  const call = (who: string, method: string, args: unknown) => backend.call({ method, args, session: (sessions as Record<string, string>)[who] ?? who }, 'http');
  const value = async <T>(who: string, method: string, args: unknown): Promise<T> => {
    const r = await call(who, method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  const s = { root, dbPath, backend, sessions, fault, call, value } as School;
  sessions.admin = (await value<{ session: string }>('', 'auth.setupAdmin', { login: 'admin', fullName: 'Администратор Иван Петрович', password: 'correct horse 1' })).session;
  for (const role of ['archivist', 'clerk'] as const) {
    await value('admin', 'users.create', { login: role, fullName: `Сотрудник ${role}`, role, password: `${role}-password-1` });
    sessions[role] = (await value<{ session: string }>('', 'auth.signIn', { login: role, password: `${role}-password-1` })).session;
  }
  const year = await value<{ id: number }>('admin', 'years.create', { name: '2025/2026' });
  const a = await value<{ id: number }>('admin', 'classes.create', { yearId: year.id, parallel: 5, letter: 'А' });
  await value('admin', 'students.create', STUDENT('Соколов'));
  await sealTestLedger(backend.db, signer.signer, { classId: a.id, version: 1, real: true });

  const mediaPair = async (name: string, encrypted: boolean): Promise<[number, number]> => {
    const ids: number[] = [];
    for (const n of ['A', 'B']) {
      const dir = path.join(root, `${name}-${n}`);
      fs.mkdirSync(dir);
      ids.push((await value<{ id: number }>('archivist', 'media.add', { label: `${name}-${n}`, kind: 'usb', room: 'Каб. 12', path: dir, encrypted })).id);
    }
    return ids as [number, number];
  };
  s.media = { plain: await mediaPair('usb', false), sealed: await mediaPair('enc', true) };
  s.bag = (await finished<{ bag: string; state: string }>(s, (await value<{ jobId: string }>('archivist', 'backup.start', { mediaIds: s.media.plain, confirmSameDevice: true })).jobId)).result.bag;
  s.encryptedBag = (await finished<{ bag: string }>(s, (await value<{ jobId: string }>('archivist', 'backup.start',
    { mediaIds: s.media.sealed, confirmSameDevice: true, passphrase: 'длинная парольная фраза' })).jobId)).result.bag;
  // after the copies: this student is in the open register only
  await value('admin', 'students.create', STUDENT('Новиков'));
  return s;
}

type JobEnd<T> = { state: string; result: T; message: string | null };
async function finished<T>(s: School, jobId: string, who = 'archivist'): Promise<JobEnd<T>> {
  for (;;) {
    const j = await s.value<JobEnd<T>>(who, 'jobs.status', { id: jobId });
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The job's end, read with a fresh admin session when the swap ended the archivist's. */
async function restoreOpen(s: School, args: Record<string, unknown>): Promise<JobEnd<RestoreJobResult>> {
  const { jobId } = await s.value<{ jobId: string }>('archivist', 'backup.restoreOpen', args);
  for (;;) {
    const r = await s.call('archivist', 'jobs.status', { id: jobId });
    if (!r.ok) {
      expect(r.error.code).toBe('unauthenticated'); // the swap ended the session: sign in again to read the outcome
      s.sessions.admin = (await s.value<{ session: string }>('', 'auth.signIn', { login: 'admin', password: 'correct horse 1' })).session;
      return finished<RestoreJobResult>(s, jobId, 'admin');
    }
    const j = r.value as JobEnd<RestoreJobResult>;
    if (j.state !== 'running') return j;
    await new Promise((x) => setTimeout(x, 20));
  }
}

const names = async (s: School, who = 'admin') => (await s.value<{ rows: Array<{ fullName: string }> }>(who, 'students.search', {})).rows.map((r) => r.fullName).sort();
const besides = (s: School) => fs.readdirSync(s.root).filter((n) => n.startsWith('register.sqlite')).sort();

describe('restore over the open register', () => {
  it('the archivist restores a copy: the backend answers from it, the old file lies aside with the new student, old sessions are refused, the audit records it', async () => {
    const s = await school();
    expect(await names(s)).toEqual(['Новиков Пётр Ильич', 'Соколов Пётр Ильич']);
    const oldDb = s.backend.db;
    const oldSessions = { ...s.sessions };

    const job = await restoreOpen(s, { mediaId: s.media.plain[1], bag: s.bag });
    expect(job.state, job.message ?? '').toBe('done');
    expect(job.result).toMatchObject({ ok: true, drill: false, target: s.dbPath });
    expect(job.result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bag', true], ['authentic', true], ['integrity_check', true], ['application_id', true], ['audit', true], ['seals', true], ['sealed_data', true], ['archive', true], ['archive_matches_register', true], ['audit_prefix', true], ['accounts', true],
    ]);
    const aside = job.result.keptAside!;
    expect(aside).toBe(`${s.dbPath}.before-restore-${/before-restore-(\d{8}T\d{6}Z-[0-9a-f]{4})$/.exec(aside)![1]}`);

    // the backend works on the restored file, at the same path, with a new connection; the old one is closed
    expect(s.backend.db).not.toBe(oldDb);
    expect(oldDb.open).toBe(false);
    expect(s.backend.db.open).toBe(true);
    expect(s.backend.db.name).toBe(s.dbPath);
    expect(await names(s)).toEqual(['Соколов Пётр Ильич']);

    // every session of before is refused, saying why; signing in works with the open register's users and passwords (kept)
    for (const who of ['admin', 'archivist', 'clerk'] as const) {
      const e = expectError(await s.backend.call({ method: 'students.search', args: {}, session: oldSessions[who] }, 'http'), 'unauthenticated', 'session');
      expect(e.message).toMatch(new RegExp(`Реестр восстановлен из копии ${s.bag}: войдите снова .*Прежний реестр сохранён как ${aside.replace(/[.]/g, '\\.')}`));
    }
    expect((await s.backend.call({ method: 'auth.status', args: {}, session: oldSessions.archivist }, 'http'))).toMatchObject({ ok: true, value: { user: null } });
    s.sessions.archivist = (await s.value<{ session: string }>('', 'auth.signIn', { login: 'archivist', password: 'archivist-password-1' })).session;

    // the old register lies aside whole, with the student the copy does not have, its anchor beside it
    expect(besides(s)).toEqual(['register.sqlite', `${path.basename(aside)}`, `${path.basename(aside)}.archive`, `${path.basename(aside)}.audit-head`,
      'register.sqlite-shm', 'register.sqlite-wal', 'register.sqlite.archive', 'register.sqlite.audit-head'].sort());
    const old = new Database(aside, { readonly: true, fileMustExist: true });
    expect(old.prepare("SELECT last_name FROM students ORDER BY last_name").pluck().all()).toEqual(['Новиков', 'Соколов']);
    expect(old.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(verifyAuditChain(old)).toMatchObject({ ok: true, anchor: 'ok' });
    old.close();
    expect(fs.readdirSync(s.root).filter((n) => n.startsWith('.sr-restore-'))).toEqual([]);

    // the restored register's chain verifies, anchored, and ends with the restore: who, which copy, what went aside
    expect(await s.value('admin', 'audit.verify', {})).toMatchObject({ ok: true, anchor: 'ok' });
    // (then only the sign-ins made since, each audited)
    const newest = await s.value<Array<{ login: string; method: string; detail: string }>>('admin', 'audit.list', { limit: 10 });
    const at = newest.findIndex((e) => e.method !== 'auth.signIn');
    expect(newest.slice(0, at).map((e) => e.login).sort()).toEqual(['admin', 'archivist']);
    const last = newest[at];
    expect(last).toMatchObject({ login: 'archivist', method: 'backup.restoreOpen' });
    expect(JSON.parse(last.detail)).toMatchObject({ bag: path.join(s.root, 'usb-B', s.bag), target: s.dbPath, ok: true, keptAside: aside });
    const [run] = await s.value<Array<{ kind: string; state: string; by: string; message: string }>>('archivist', 'backup.history', { limit: 1 });
    expect(run).toMatchObject({ kind: 'restore', state: 'ok', by: 'archivist' });
    expect(run.message).toContain(`прежний реестр сохранён как ${aside}`);

    // and it is a working register: writes go into the restored file
    await s.value('admin', 'students.create', STUDENT('Орлов'));
    expect(await names(s)).toEqual(['Орлов Пётр Ильич', 'Соколов Пётр Ильич']);
  });

  it('refused and untouched: a wrong passphrase, a missing one, a damaged copy; the register keeps answering, sessions kept', async () => {
    const s = await school();
    const db = s.backend.db;
    const wrong = await restoreOpen(s, { mediaId: s.media.sealed[0], bag: s.encryptedBag, passphrase: 'не та фраза' });
    expect(wrong.state).toBe('failed');
    expect(wrong.message).toMatch(/парольная фраза/i);
    expectError(await s.call('archivist', 'backup.restoreOpen', { mediaId: s.media.sealed[0], bag: s.encryptedBag }), 'validation', 'passphrase');

    const bagDir = path.join(s.root, 'usb-A', s.bag);
    fs.appendFileSync(path.join(bagDir, 'data/register.sqlite'), 'x');
    const damaged = await restoreOpen(s, { mediaId: s.media.plain[0], bag: s.bag });
    expect(damaged.state).toBe('failed');
    expect(damaged.message).toMatch(/Восстановление отклонено: Копия повреждена: .*data\/register\.sqlite/);

    expect(s.backend.db).toBe(db);
    expect(db.open).toBe(true);
    expect(await names(s, 'archivist')).toEqual(['Новиков Пётр Ильич', 'Соколов Пётр Ильич']);
    expect(besides(s)).toEqual(['register.sqlite', 'register.sqlite-shm', 'register.sqlite-wal', 'register.sqlite.archive', 'register.sqlite.audit-head']);
    expect(fs.readdirSync(s.root).filter((n) => n.startsWith('.sr-restore-'))).toEqual([]);
    // each refusal is on the open register's record, its chain whole
    const runs = await s.value<Array<{ kind: string; state: string; message: string }>>('archivist', 'backup.history', { limit: 2 });
    expect(runs.map((r) => [r.kind, r.state])).toEqual([['restore', 'failed'], ['restore', 'failed']]);
    expect(await s.value('admin', 'audit.verify', {})).toMatchObject({ ok: true, anchor: 'ok' });
    await s.value('admin', 'students.create', STUDENT('Орлов'));
  });

  it('cancelled before the swap: nothing replaced', async () => {
    const s = await school();
    const { jobId } = await s.value<{ jobId: string }>('archivist', 'backup.restoreOpen', { mediaId: s.media.plain[0], bag: s.bag });
    // while it runs the register is held: a write waits for it, saying what runs
    expect(expectError(await s.call('admin', 'students.create', STUDENT('Орлов')), 'conflict').message).toMatch(/идёт «восстановление открытого реестра»/);
    expectError(await s.call('clerk', 'jobs.cancel', { id: jobId }), 'forbidden');
    await s.value('archivist', 'jobs.cancel', { id: jobId });
    const j = await finished(s, jobId);
    expect(j.state).toBe('cancelled');
    expect(await names(s, 'archivist')).toEqual(['Новиков Пётр Ильич', 'Соколов Пётр Ильич']);
    expect(besides(s)).not.toContainEqual(expect.stringContaining('before-restore'));
    expect((await s.value<Array<{ state: string }>>('archivist', 'backup.history', { limit: 1 }))[0].state).toBe('cancelled');
  });

  it('a fault after the rename, before the restored file opens: the old register is back in place, open and answering', async () => {
    const s = await school();
    const before = besides(s);
    s.fault.next = true;
    const j = await restoreOpen(s, { mediaId: s.media.plain[0], bag: s.bag });
    expect(j.state).toBe('failed');
    expect(j.message).toMatch(/Восстановленный реестр не встал на место: сбой диска при открытии восстановленного файла\. Прежний реестр возвращён на место, ничего не заменено/);
    // the same sessions go on, on the old register reopened from its own file
    expect(s.backend.db.open).toBe(true);
    expect(await names(s, 'archivist')).toEqual(['Новиков Пётр Ильич', 'Соколов Пётр Ильич']);
    expect(besides(s)).toEqual(before);
    expect(fs.readdirSync(s.root).filter((n) => n.startsWith('.sr-restore-'))).toEqual([]);
    expect(await s.value('admin', 'audit.verify', {})).toMatchObject({ ok: true, anchor: 'ok' });
    expect((await s.value<Array<{ state: string; message: string }>>('archivist', 'backup.history', { limit: 1 }))[0]).toMatchObject({ state: 'failed' });
    await s.value('admin', 'students.create', STUDENT('Орлов'));
    // and the next attempt, without the fault, goes through
    const again = await restoreOpen(s, { mediaId: s.media.plain[0], bag: s.bag });
    expect(again.state, again.message ?? '').toBe('done');
    expect(await names(s)).toEqual(['Соколов Пётр Ильич']);
  });

  it('the copy will not open and the old register cannot be put back: nothing is served, every call says where the old one lies', async () => {
    const s = await school();
    s.fault.next = true;
    s.fault.loseOld = true;
    const { jobId } = await s.value<{ jobId: string }>('archivist', 'backup.restoreOpen', { mediaId: s.media.plain[0], bag: s.bag });
    // every call — even reading the job — now gets the one message: no file at the register's path is opened unchecked
    let r: Result<unknown>;
    do {
      await new Promise((x) => setTimeout(x, 20));
      r = await s.call('archivist', 'jobs.status', { id: jobId });
    } while (r.ok && (r.value as { state: string }).state === 'running');
    const lost = /^Восстановленный реестр не встал на место \(сбой диска при открытии восстановленного файла\), и прежний не удалось вернуть \(.+\): прежний реестр лежит как .+register\.sqlite\.before-restore-.+\. Закройте программу и верните его на место вручную$/;
    expect(r).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(lost) } });
    for (const [who, method] of [['admin', 'students.search'], ['clerk', 'students.search'], ['', 'auth.status']] as const) {
      expect(await s.call(who, method, {})).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(lost) } });
    }
    expect(() => s.backend.db).toThrow(lost);
    expect(fs.existsSync(s.dbPath)).toBe(false); // the copy went back into its stage, the old one could not come back
    expect(() => s.backend.close()).not.toThrow();
  });

  it('another job still running when the copy has been checked: refused, saying which; once it ends the restore goes through', async () => {
    const s = await school();
    // a verification held on a medium that does not answer: its copy's register file is a FIFO no one writes to yet
    const slow = path.join(s.root, 'slow');
    fs.cpSync(path.join(s.root, 'usb-A'), slow, { recursive: true });
    const fifo = path.join(slow, s.bag, 'data/register.sqlite');
    fs.rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    const medium = await s.value<{ id: number }>('archivist', 'media.add', { label: 'slow', kind: 'nas', room: 'Серверная', path: slow });
    const verify = await s.value<{ jobId: string }>('archivist', 'backup.verify', { mediaIds: [medium.id] });
    try {
      const j = await restoreOpen(s, { mediaId: s.media.plain[0], bag: s.bag });
      expect(j.state).toBe('failed');
      expect(j.message).toBe('Открытый реестр не заменён: идёт «проверка копий». Копия проверена и в порядке; дождитесь окончания и повторите восстановление.');
      expect((await s.value<{ state: string }>('archivist', 'jobs.status', { id: verify.jobId })).state).toBe('running');
      expect(await names(s, 'archivist')).toEqual(['Новиков Пётр Ильич', 'Соколов Пётр Ильич']);
      expect(besides(s)).not.toContainEqual(expect.stringContaining('before-restore'));
    } finally {
      // the medium answers at last (an empty file): the verification ends
      const w = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.closeSync(w);
    }
    expect((await finished<{ state: string }>(s, verify.jobId)).result.state).toBe('damaged');
    const again = await restoreOpen(s, { mediaId: s.media.plain[0], bag: s.bag });
    expect(again.state, again.message ?? '').toBe('done');
    expect(await names(s)).toEqual(['Соколов Пётр Ильич']);
  });

  it('a clerk is refused; a second restore while one runs is refused', async () => {
    const s = await school();
    const e = expectError(await s.call('clerk', 'backup.restoreOpen', { mediaId: s.media.plain[0], bag: s.bag }), 'forbidden');
    expect(e.message).toMatch(/Недостаточно прав: «backup\.restoreOpen»/);
    expectError(await s.call('archivist', 'backup.restoreOpen', { mediaId: s.media.plain[0], bag: '../../etc' }), 'validation', 'bag');
    const { jobId } = await s.value<{ jobId: string }>('archivist', 'backup.restoreOpen', { mediaId: s.media.plain[0], bag: s.bag });
    expect(expectError(await s.call('admin', 'backup.restoreOpen', { mediaId: s.media.plain[1], bag: s.bag }), 'conflict').message)
      .toBe('Реестр занят: идёт «восстановление открытого реестра». Повторите позже.');
    await s.value('archivist', 'jobs.cancel', { id: jobId });
    await finished(s, jobId);
  });
});

describe('the swap point', () => {
  /** The backend's own parts around a register file that has a copy: what restoreOpenRegister is given in the program. */
  async function parts() {
    const s = await school();
    s.backend.close();
    open.splice(open.indexOf(s.backend), 1);
    const register = new OpenRegister(s.dbPath, undefined, keepAnchor);
    const sessions = new Sessions();
    const user = { id: 1, login: 'admin' } as User;
    const token = sessions.open(user);
    const bag = path.join(s.root, 'usb-A', s.bag);
    return { s, register, sessions, token, bag };
  }
  const count = (db: DB) => (db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n;

  it('another job still running when the copy is checked: refused, saying which, and the register is not touched', async () => {
    const { s, register, sessions, token, bag } = await parts();
    const db = register.db;
    const e = await restoreOpenRegister(bag, { register, sessions, by: 'archivist', passphrase: null, progress: progressTo(), otherJobs: () => ['backup', 'import.commit'] })
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error & { code: string }).code).toBe('conflict');
    expect((e as Error).message).toBe('Открытый реестр не заменён: идёт «резервное копирование», «импорт». Копия проверена и в порядке; дождитесь окончания и повторите восстановление.');
    expect(register.db).toBe(db);
    expect(count(db)).toBe(2);
    expect(sessions.userId(token)).toBe(1);
    expect(besides(s)).not.toContainEqual(expect.stringContaining('before-restore'));

    // a call still awaiting its work holds the connection it started with: refused too
    const leave = register.enter('ledgers.seal');
    await expect(restoreOpenRegister(bag, { register, sessions, by: 'archivist', passphrase: null, progress: progressTo(), otherJobs: () => [] }))
      .rejects.toThrow('Открытый реестр не заменён: выполняется запрос «ledgers.seal». Повторите восстановление.');
    leave();
    expect(register.db).toBe(db);

    // nothing running: the swap goes through and the sessions end with the reason
    const r = await restoreOpenRegister(bag, { register, sessions, by: 'archivist', passphrase: null, progress: progressTo(), otherJobs: () => [] });
    expect(r.ok).toBe(true);
    expect(register.db).not.toBe(db);
    expect(count(register.db)).toBe(1);
    expect(sessions.userId(token)).toBeNull();
    expect(sessions.endedReason(token)).toMatch(/^Реестр восстановлен из копии/);
    register.close();
  });

  it('the file put aside is whole by itself: its last write, still in the WAL before the swap, is folded into it', async () => {
    const { s, register, bag } = await parts();
    // a write still in the WAL, not yet in the main file
    register.db.transaction(() => appendAudit(register.db, 'admin', 'test.inWal', {}))();
    expect(fs.statSync(`${s.dbPath}-wal`).size).toBeGreaterThan(0);
    const r = await restoreOpenRegister(bag, { register, sessions: new Sessions(), by: 'archivist', passphrase: null, progress: progressTo(), otherJobs: () => [] });
    const copy = path.join(s.root, 'alone.sqlite');
    fs.copyFileSync(r.keptAside!, copy); // the main file alone, as a file manager would copy it
    for (const x of ['-wal', '-shm']) expect(fs.existsSync(r.keptAside + x)).toBe(false);
    const old = new Database(copy, { readonly: true });
    expect(old.prepare('SELECT last_name FROM students ORDER BY last_name').pluck().all()).toEqual(['Новиков', 'Соколов']);
    // the write from the WAL, then the old register's own record of the restore that put it aside
    expect(old.prepare('SELECT method FROM audit_log ORDER BY id DESC LIMIT 2').pluck().all()).toEqual(['backup.restoreOpen', 'test.inWal']);
    old.close();
    register.close();
  });
});
