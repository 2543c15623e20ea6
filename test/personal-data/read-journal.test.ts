// Issue 18: a reading of personal data while another connection holds the register's write lock (the import's commit
// in its thread, another program's job) is answered at once, its read-access log entry durable in a side journal beside
// the register (0600, fsync'd), and moved into read_log — in order, chained — as soon as the lock is free; the log's
// readers wait for it. After a program is killed with lines waiting (a real child process, SIGKILL) the next open
// moves them; a journal moved twice adds nothing twice; a line cut short is dropped, a line altered is not moved and
// the journal is kept as `.damaged` with an audit entry. The register is a real file, the lock a second real connection.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Output } from '../../preload/contract.ts';
import { openBackend } from '../../main/host/backend.ts';
import { encodeLine, parseJournal, recoverReads } from '../../main/personal-data/read-journal.ts';
import { verifyReadLog } from '../../main/personal-data/read-log.ts';
import { openRegister } from '../../db/connection.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { expectError, removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WAIT = { timeout: 60_000, interval: 20 };

type Admin = Awaited<ReturnType<typeof adminClient>>;
let admin: Admin;
let pupil: Output<'students.get'>;
let clerk: Client;
let lock: Database.Database | null = null;

/** Another connection takes the register's write lock (as the import's commit thread does) and keeps it. */
function holdLock(dbPath: string): Database.Database {
  const c = new Database(dbPath);
  c.prepare('BEGIN IMMEDIATE').run();
  return c;
}
const release = (c: Database.Database | null) => {
  if (c?.inTransaction) c.prepare('ROLLBACK').run();
  c?.close();
};
/** The register as a third connection sees it now: the entries in read_log of one login. */
function readLogOf(dbPath: string, login: string) {
  const c = new Database(dbPath, { readonly: true });
  try {
    return c.prepare('SELECT id, at, method, kind, workplace FROM read_log WHERE login = ? ORDER BY id').all(login) as Array<{ id: number; at: string; method: string; kind: string; workplace: string }>;
  } finally {
    c.close();
  }
}
const journals = (dbPath: string, suffix = '.journal') =>
  fs.readdirSync(path.dirname(dbPath)).filter((n) => n.startsWith(`${path.basename(dbPath)}-reads-`) && n.endsWith(suffix)).map((n) => path.join(path.dirname(dbPath), n));

beforeAll(async () => {
  admin = await adminClient(scratchDir('sr-read-journal-'));
  const school = await smallSchool(admin as Client);
  pupil = await admin.call('students.create', { ...studentInput({ lastName: 'Ершова', firstName: 'Дарья', middleName: 'Олеговна', sex: 'Ж' }),
    enrolment: { order: { number: 'RJ-1', date: '2025-09-01' }, classId: school.a.id, date: '2025-09-01' } });
  await admin.call('users.create', { login: 'clerk1', fullName: 'Петрова Ольга Ивановна', role: 'clerk', password: 'correct horse 2' });
  const c: Client = {
    backend: admin.backend, session: null,
    raw: (method, args) => admin.backend.call({ method, args, session: c.session }, 'http', undefined, 'Кабинет 12'),
    async call(method, args) {
      const r = await c.raw(method, args);
      if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { api: r.error });
      return r.value as never;
    },
  };
  c.session = (await c.call('auth.signIn', { login: 'clerk1', password: 'correct horse 2' })).session;
  clerk = c;
}, 180_000);
afterEach(() => {
  release(lock);
  lock = null;
});
afterAll(() => {
  admin?.backend.close();
  removeScratchDirs();
});

describe('a reading while another connection holds the register', () => {
  it('is answered while the lock is held, its entry durable in a private side journal, and moved into read_log in order once the lock is free', async () => {
    const before = readLogOf(admin.dbPath, 'clerk1').length;
    lock = holdLock(admin.dbPath);
    // three readings, each answered while the other connection still holds the lock
    expect((await clerk.call('students.search', { query: 'Ершова' })).rows.map((r) => r.id)).toEqual([pupil.id]);
    expect((await clerk.call('students.get', { id: pupil.id })).id).toBe(pupil.id);
    await clerk.call('students.search', { query: 'Ерш' });
    expect(lock.inTransaction).toBe(true);

    // nothing in read_log yet; the journal beside the register holds the three, whole, in order, private to its user
    expect(readLogOf(admin.dbPath, 'clerk1')).toHaveLength(before);
    const [file, ...more] = journals(admin.dbPath);
    expect(more).toEqual([]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const parsed = parseJournal(fs.readFileSync(file, 'utf8'));
    expect(parsed.torn).toBe(false);
    expect(parsed.damaged).toEqual([]);
    expect(parsed.lines.map((l) => [l.method, l.kind, l.workplace, l.studentIds])).toEqual([
      ['students.search', 'list', 'Кабинет 12', [pupil.id]],
      ['students.get', 'card', 'Кабинет 12', [pupil.id]],
      ['students.search', 'list', 'Кабинет 12', [pupil.id]],
    ]);

    // the lock freed: the program moves them in by itself, in the order they were answered, and removes the journal
    release(lock);
    lock = null;
    await vi.waitFor(() => expect(journals(admin.dbPath)).toEqual([]), WAIT);
    const log = readLogOf(admin.dbPath, 'clerk1').slice(before);
    expect(log.map((e) => [e.method, e.kind, e.workplace])).toEqual([
      ['students.search', 'list', 'Кабинет 12'], ['students.get', 'card', 'Кабинет 12'], ['students.search', 'list', 'Кабинет 12']]);
    expect(log.map((e) => e.at)).toEqual(parsed.lines.map((l) => l.at));
    expect(await admin.call('readLog.verify', {})).toMatchObject({ ok: true });
    const marks = new Database(admin.dbPath, { readonly: true });
    expect(marks.prepare('SELECT journal, moved FROM read_log_journals').all()).toEqual([{ journal: path.basename(file).replace(/^.*-reads-|\.journal$/g, ''), moved: 3 }]);
    marks.close();

    // the register free: a reading goes straight into read_log, no journal
    await clerk.call('students.get', { id: pupil.id });
    expect(readLogOf(admin.dbPath, 'clerk1')).toHaveLength(before + 4);
    expect(journals(admin.dbPath)).toEqual([]);
  }, 120_000);

  it('the log read whole waits for the lines still in the journal: the list, the chain and the subject-access report hold them', async () => {
    lock = holdLock(admin.dbPath);
    await clerk.call('students.get', { id: pupil.id });
    expect(journals(admin.dbPath)).toHaveLength(1);
    // the admin asks for the log while the lock is held: the answer waits for the lock (not on the backend's thread)…
    let listed = false;
    const list = admin.call('readLog.list', { login: 'clerk1', limit: 1 }).finally(() => { listed = true; });
    const years = await admin.call('years.list', {}); // …whose other callers are answered meanwhile
    expect(years.length).toBeGreaterThan(0);
    expect(listed).toBe(false);
    release(lock);
    lock = null;
    const rows = (await list).rows;
    expect(rows[0]).toMatchObject({ method: 'students.get', kind: 'card', workplace: 'Кабинет 12' });
    expect(journals(admin.dbPath)).toEqual([]);
  }, 120_000);

  it('a reading the journal cannot hold is not answered', async () => {
    lock = holdLock(admin.dbPath);
    const dir = path.dirname(admin.dbPath);
    await clerk.call('students.get', { id: pupil.id }); // the journal exists now: make its name a folder instead
    const [file] = journals(admin.dbPath);
    const text = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    fs.mkdirSync(file);
    try {
      const r = await clerk.raw('students.get', { id: pupil.id });
      expect(r).toMatchObject({ ok: false, error: { message: expect.stringContaining(`Данные не выданы: запись о чтении персональных данных не сохранена в журнале ${file}`) } });
      expect(JSON.stringify(r)).not.toContain('Ершова');
      expect(fs.readdirSync(dir).some((n) => n.endsWith('.damaged'))).toBe(false);
    } finally {
      fs.rmdirSync(file);
      fs.writeFileSync(file, text, { mode: 0o600 });
    }
    release(lock);
    lock = null;
    await vi.waitFor(() => expect(journals(admin.dbPath)).toEqual([]), WAIT);
    expect(await admin.call('readLog.verify', {})).toMatchObject({ ok: true });
  }, 120_000);
});

describe('after a crash', () => {
  it('the lines of a program killed while the register was busy are moved in when the register is next opened', async () => {
    const dir = scratchDir('sr-read-journal-crash-');
    const dbPath = path.join(dir, 'register.sqlite');
    openRegister(dbPath).close();
    lock = holdLock(dbPath);
    // a real program logs two readings while the lock is held, says so, and is killed before the lock frees
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/personal-data/read-journal-child.ts'), dbPath],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await vi.waitFor(() => expect(out + err).toContain('logged 2'), { timeout: 120_000, interval: 50 });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const [file] = journals(dbPath);
    expect(parseJournal(fs.readFileSync(file, 'utf8')).lines.map((l) => l.login)).toEqual(['crashed', 'crashed']);
    release(lock);
    lock = null;
    expect(readLogOf(dbPath, 'crashed')).toEqual([]);

    // the next program to open the register moves them in and removes the journal
    const backend = openBackend({ dbPath });
    try {
      expect(readLogOf(dbPath, 'crashed').map((e) => e.method)).toEqual(['students.get', 'students.search']);
      expect(journals(dbPath)).toEqual([]);
      expect(verifyReadLog(backend.db)).toMatchObject({ ok: true, entries: 2 });
    } finally {
      backend.close();
    }
  }, 180_000);

  it('a journal moved again (stopped between the commit and the removal) adds nothing twice', () => {
    const dir = scratchDir('sr-read-journal-twice-');
    const dbPath = path.join(dir, 'register.sqlite');
    const db = openRegister(dbPath);
    try {
      const file = `${dbPath}-reads-${process.pid}-0badf00d.journal`;
      const text = [1, 2].map((n) => encodeLine({ n, at: `2026-12-05T08:0${n}:00.000Z`, login: 'twice', workplace: 'Кабинет 3', method: 'students.get',
        kind: 'card', detail: '{}', studentIds: [] })).join('');
      fs.writeFileSync(file, text, { mode: 0o600 });
      expect(recoverReads(db)).toEqual({ journals: 1, moved: 2, damaged: [] });
      expect(fs.existsSync(file)).toBe(false);
      fs.writeFileSync(file, text, { mode: 0o600 }); // the file the crash left although its lines were moved
      expect(recoverReads(db)).toEqual({ journals: 1, moved: 0, damaged: [] });
      expect(readLogOf(dbPath, 'twice').map((e) => e.at)).toEqual(['2026-12-05T08:01:00.000Z', '2026-12-05T08:02:00.000Z']);
      expect(verifyReadLog(db)).toMatchObject({ ok: true, entries: 2 });
    } finally {
      db.close();
    }
  });

  it('drops a line cut short by the crash; moves the valid lines of an altered journal, keeps it as .damaged and says so in the audit', () => {
    const dir = scratchDir('sr-read-journal-damaged-');
    const dbPath = path.join(dir, 'register.sqlite');
    const db = openRegister(dbPath);
    const line = (n: number, login: string) => encodeLine({ n, at: `2026-12-05T09:0${n}:00.000Z`, login, workplace: 'Кабинет 3', method: 'students.get',
      kind: 'card', detail: '{}', studentIds: [] });
    try {
      // torn: the last write cut short (its reading was never answered)
      const torn = `${dbPath}-reads-${process.pid}-00000001.journal`;
      fs.writeFileSync(torn, line(1, 'torn') + line(2, 'torn').slice(0, 40), { mode: 0o600 });
      expect(recoverReads(db)).toEqual({ journals: 1, moved: 1, damaged: [] });
      expect(readLogOf(dbPath, 'torn')).toHaveLength(1);
      expect(fs.existsSync(torn)).toBe(false);

      // altered in the middle: the second line's login changed behind the program
      const altered = `${dbPath}-reads-${process.pid}-00000002.journal`;
      fs.writeFileSync(altered, line(1, 'altered') + line(2, 'altered').replace('"login":"altered"', '"login":"someone"') + line(3, 'altered'), { mode: 0o600 });
      const r = recoverReads(db);
      expect(r).toEqual({ journals: 1, moved: 2, damaged: [`${path.basename(altered)}.damaged`] });
      expect(readLogOf(dbPath, 'altered').map((e) => e.at)).toEqual(['2026-12-05T09:01:00.000Z', '2026-12-05T09:03:00.000Z']);
      expect(readLogOf(dbPath, 'someone')).toEqual([]);
      expect(fs.existsSync(`${altered}.damaged`)).toBe(true);
      const audit = db.prepare("SELECT detail FROM audit_log WHERE method = 'readLog.journalDamaged'").pluck().all() as string[];
      expect(audit.map((d) => JSON.parse(d))).toEqual([{ journal: path.basename(altered), damagedLines: [2], moved: 2 }]);
      expect(verifyReadLog(db)).toMatchObject({ ok: true, entries: 3 });
      // a journal whose name is not one of ours is left alone
      fs.writeFileSync(`${dbPath}-reads-notours.journal`, line(1, 'x'));
      expect(recoverReads(db)).toEqual({ journals: 0, moved: 0, damaged: [] });
    } finally {
      db.close();
    }
  });
});

describe('the refusals stay as they were', () => {
  it('a signed-out caller gets no reading and leaves no journal line', async () => {
    lock = holdLock(admin.dbPath);
    expectError(await admin.backend.call({ method: 'students.get', args: { id: pupil.id }, session: null }, 'http'), 'unauthenticated');
    expect(journals(admin.dbPath)).toEqual([]);
  });
});
