// Personal data (issue 18) on a real register over the real dispatcher: every reading of a card, list or printout is in
// the read-access log with its user and workplace, and that log is a hash chain purged only by an audited command;
// consents keep their history; the subject-access report (read by pdftotext) names who read the student; a stale
// save of a card is refused naming who saved since; the change counter moves on a write from another connection.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Input, Method, Output, Result } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { SCHOOL, expectError, removeScratchDirs, scratchDir, studentInput } from '../helpers/db.ts';

afterAll(removeScratchDirs);

type Admin = Awaited<ReturnType<typeof adminClient>>;
/** Another user of the same backend, calling from a workplace of its own (as a network transport would name it). */
async function userAt(admin: Admin, login: string, role: 'clerk' | 'admin' | 'archivist', workplace?: string, client?: string) {
  const password = 'correct horse 2';
  await admin.call('users.create', { login, fullName: `Петрова Ольга (${login})`, role, password });
  const c = {
    session: null as string | null,
    raw: (method: string, args: unknown): Promise<Result<unknown>> => admin.backend.call({ method, args, session: c.session }, 'http', client, workplace),
    async call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>> {
      const r = await c.raw(method, args);
      if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { api: r.error });
      return r.value as Output<M>;
    },
  };
  /** signs in (again): a session does not outlive a jump of the clock */
  const signIn = async () => { c.session = (await c.call('auth.signIn', { login, password })).session; };
  await signIn();
  return Object.assign(c, { signIn });
}

let admin: Admin;
let school: Awaited<ReturnType<typeof smallSchool>>;
let pupil: Output<'students.get'>;
let other: Output<'students.get'>;

beforeAll(async () => {
  admin = await adminClient(scratchDir('sr-pd-'));
  await admin.call('school.update', SCHOOL);
  school = await smallSchool(admin as Client);
  await admin.call('curriculum.set', { classId: school.a.id, subjectIds: [school.math.id] });
  pupil = await admin.call('students.create', { ...studentInput({ lastName: 'Ершова', firstName: 'Дарья', middleName: 'Олеговна', sex: 'Ж', address: 'Москва, ул. Тверская, 1' }),
    enrolment: { order: { number: 'PD-1', date: '2025-09-01' }, classId: school.a.id, date: '2025-09-01' } });
  other = await admin.call('students.create', { ...studentInput({ lastName: 'Фомин', firstName: 'Глеб' }),
    enrolment: { order: { number: 'PD-2', date: '2025-09-01' }, classId: school.a.id, date: '2025-09-01' } });
}, 180_000);
afterEach(() => vi.useRealTimers());

describe('the read-access log', () => {
  it('records every reading of a card, a list and a printout with the user and the workplace, and nothing for a refused call', async () => {
    const clerk = await userAt(admin, 'reader1', 'clerk', 'Кабинет 12 (завуч)');
    await clerk.call('students.get', { id: pupil.id });
    await clerk.call('students.search', { query: 'Ершова' });
    await clerk.call('classes.students', { classId: school.a.id });
    await clerk.call('grades.grid', { classId: school.a.id, subjectId: school.math.id });
    await clerk.call('printouts.certificateOfStudy', { studentId: pupil.id });
    expectError(await clerk.raw('students.get', { id: '00000000-0000-4000-8000-00000000dead' }), 'not_found');

    const log = await admin.call('readLog.list', { login: 'reader1', limit: 100 });
    expect(log.rows.map((r) => [r.method, r.kind, r.workplace, r.userName])).toEqual([
      ['printouts.certificateOfStudy', 'printout', 'Кабинет 12 (завуч)', 'Петрова Ольга (reader1)'],
      ['grades.grid', 'list', 'Кабинет 12 (завуч)', 'Петрова Ольга (reader1)'],
      ['classes.students', 'list', 'Кабинет 12 (завуч)', 'Петрова Ольга (reader1)'],
      ['students.search', 'list', 'Кабинет 12 (завуч)', 'Петрова Ольга (reader1)'],
      ['students.get', 'card', 'Кабинет 12 (завуч)', 'Петрова Ольга (reader1)'],
    ]);
    // a list names every student it showed; a card the one
    const byMethod = Object.fromEntries(log.rows.map((r) => [r.method, r]));
    expect(byMethod['classes.students'].students.map((s) => s.id).sort()).toEqual([pupil.id, other.id].sort());
    expect(byMethod['students.search'].students.map((s) => s.fullName)).toEqual(['Ершова Дарья Олеговна']);
    expect(byMethod['students.get'].students).toEqual([{ id: pupil.id, fullName: 'Ершова Дарья Олеговна' }]);

    // filtered by student (id or the start of the ФИО): Фомин was in the class list and the grid only
    const fomin = await admin.call('readLog.list', { studentId: other.id, login: 'reader1' });
    expect(fomin.rows.map((r) => r.method)).toEqual(['grades.grid', 'classes.students']);
    expect((await admin.call('readLog.list', { student: 'фомин', login: 'reader1' })).total).toBe(2);
  });

  it('names a remote peer as the workplace when the transport gives no name, and this computer for a local call', async () => {
    const remote = await userAt(admin, 'reader2', 'clerk', undefined, 'http:192.168.10.23');
    await remote.call('students.get', { id: other.id });
    const local = await userAt(admin, 'reader3', 'clerk', undefined, 'http:127.0.0.1'); // as the loopback transport names it
    await local.call('students.get', { id: other.id });
    expect((await admin.call('readLog.list', { login: 'reader2' })).rows[0].workplace).toBe('192.168.10.23');
    expect((await admin.call('readLog.list', { login: 'reader3' })).rows[0].workplace).toBe('этот компьютер');
    // through the network door (a browser on this very computer at https://127.0.0.1:…): a network workplace, by address
    const door = await userAt(admin, 'reader4', 'clerk', undefined, 'https:127.0.0.1');
    await door.call('students.get', { id: other.id });
    expect((await admin.call('readLog.list', { login: 'reader4' })).rows[0].workplace).toBe('127.0.0.1');
  });

  it('is a hash chain: an entry edited behind the program is found by readLog.verify', async () => {
    expect(await admin.call('readLog.verify', {})).toMatchObject({ ok: true, brokenAt: null });
    const raw = new Database(admin.dbPath);
    try {
      const id = (raw.prepare("SELECT max(id) AS n FROM read_log").get() as { n: number }).n;
      // the schema refuses an edit; dropping the trigger first is what a tamperer would have to do
      expect(() => raw.prepare("UPDATE read_log SET workplace = 'нигде' WHERE id = ?").run(id)).toThrow(/не изменяется/);
      raw.exec('DROP TRIGGER read_log_no_update');
      raw.prepare("UPDATE read_log SET workplace = 'нигде' WHERE id = ?").run(id);
      const v = await admin.call('readLog.verify', {});
      expect(v).toMatchObject({ ok: false, brokenAt: id });
      expect(v.message).toMatch(new RegExp(`запись ${id} изменена`));
    } finally {
      raw.close();
    }
  });
});

describe('retention', () => {
  it('purges only the entries older than the retention the admin set, as an audited admin command, and the kept chain still verifies', async () => {
    const dir = scratchDir('sr-pd-ret-');
    const a = await adminClient(dir);
    const s = await a.call('students.create', studentInput({ lastName: 'Сорокина', firstName: 'Вера', sex: 'Ж' }));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.now() - 400 * 86_400_000));
    const clerk = await userAt(a, 'oldreader', 'clerk', 'Архив');
    await clerk.call('students.get', { id: s.id });
    await clerk.call('students.get', { id: s.id });
    vi.useRealTimers();
    await clerk.signIn();
    a.session = (await a.call('auth.signIn', { login: 'admin', password: 'correct horse 1' })).session;
    await clerk.call('students.get', { id: s.id });

    expectError(await clerk.raw('readLog.purge', {}), 'forbidden');
    expect(expectError(await a.raw('readLog.setRetention', { retentionDays: 7 }), 'validation', 'retentionDays').message).toMatch(/не меньше 30/);
    const set = await a.call('readLog.setRetention', { retentionDays: 365 });
    expect(set).toMatchObject({ retentionDays: 365, entries: 3, expired: 2 });

    const purge = await a.call('readLog.purge', {});
    expect(purge.removed).toBe(2);
    const left = await a.call('readLog.list', { studentId: s.id });
    expect(left.total).toBe(1);
    expect(await a.call('readLog.verify', {})).toMatchObject({ ok: true, entries: 1 });
    // the purge is in the audit log, by whom and how many; the setting's change too
    const audit = await a.call('audit.list', { limit: 10 });
    const entry = audit.find((e) => e.method === 'readLog.purge')!;
    expect(entry.login).toBe('admin');
    expect(JSON.parse(entry.detail).result).toMatchObject({ removed: 2, upToId: purge.upToId });
    expect(audit.some((e) => e.method === 'readLog.setRetention' && JSON.parse(e.detail).args.retentionDays === 365)).toBe(true);
    expect(await a.call('audit.verify', {})).toMatchObject({ ok: true });
    // new readings go on the chain after the purge
    await clerk.call('students.get', { id: s.id });
    expect(await a.call('readLog.verify', {})).toMatchObject({ ok: true, entries: 2 });
    expect((await a.call('readLog.purge', {})).removed).toBe(0);
    a.backend.close();
  });
});

describe('consents', () => {
  it('a withdrawn consent keeps its history: the consent as given, and its withdrawal beside it', async () => {
    const clerk = await userAt(admin, 'consentclerk', 'clerk');
    const c = await clerk.call('consents.add', { studentId: pupil.id, givenBy: 'guardian', givenByName: 'Ершова Анна Викторовна',
      purposes: ['records', 'regional'], fromDate: '2025-09-01' });
    expect(c).toMatchObject({ givenBy: 'guardian', purposes: ['records', 'regional'], withdrawal: null, recordedBy: 'consentclerk' });
    expect(expectError(await clerk.raw('consents.add', { studentId: pupil.id, givenBy: 'guardian', givenByName: 'Ершова А. В.', purposes: [], fromDate: '2025-09-01' }),
      'validation', 'purposes').message).toMatch(/хотя бы одну цель/);
    expectError(await clerk.raw('consents.withdraw', { id: c.id, date: '2025-08-01' }), 'validation', 'date');
    const w = await clerk.call('consents.withdraw', { id: c.id, date: '2025-12-01', reason: 'заявление матери' });
    expect(w.withdrawal).toMatchObject({ date: '2025-12-01', reason: 'заявление матери', recordedBy: 'consentclerk' });
    expectError(await clerk.raw('consents.withdraw', { id: c.id, date: '2025-12-02' }), 'conflict');
    const again = await clerk.call('consents.add', { studentId: pupil.id, givenBy: 'guardian', givenByName: 'Ершова Анна Викторовна',
      purposes: ['records'], fromDate: '2025-12-02' });

    const list = await clerk.call('consents.list', { studentId: pupil.id });
    expect(list.map((x) => [x.id, x.fromDate, x.purposes, x.withdrawal?.date ?? null])).toEqual([
      [c.id, '2025-09-01', ['records', 'regional'], '2025-12-01'],
      [again.id, '2025-12-02', ['records'], null],
    ]);
    const audit = await admin.call('audit.list', { limit: 20 });
    expect(audit.filter((e) => e.method.startsWith('consents.')).map((e) => e.method)).toEqual(['consents.add', 'consents.withdraw', 'consents.add']);
  });
});

describe('the subject-access report', () => {
  it('is a PDF saying what the register holds on the student and naming who read the card, when and from where (pdftotext)', async () => {
    const reader = await userAt(admin, 'sarreader', 'clerk', 'Приёмная');
    await reader.call('students.get', { id: pupil.id });
    const r = await admin.call('students.accessReport', { studentId: pupil.id });
    const file = path.join(scratchDir('sr-pd-pdf-'), 'report.pdf');
    fs.writeFileSync(file, Buffer.from(r.dataBase64, 'base64'));
    // without -layout: each table cell's text in one run, whatever the column widths
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Сведения об обработке персональных данных обучающегося');
    expect(text).toContain('Ершова Дарья Олеговна');
    expect(text).toContain('Москва, ул. Тверская, 1');
    expect(text).toMatch(/5А/);
    expect(text).toContain('№ PD-1');
    expect(text).toContain('Ершова Анна Викторовна'); // the consent's giver
    expect(text).toMatch(/отозвано 01\.12\.2025: заявление матери/);
    // the readers, by name and login, and the workplaces
    expect(text).toContain('Петрова Ольга (sarreader) (sarreader)');
    expect(text).toContain('Петрова Ольга (reader1) (reader1)');
    expect(text).toContain('Приёмная');
    expect(text).toContain('Кабинет 12 (завуч)');
    // the report itself is a reading of the student, logged as a printout
    expect((await admin.call('readLog.list', { studentId: pupil.id, login: 'admin' })).rows[0]).toMatchObject({ method: 'students.accessReport', kind: 'printout' });
  });
});

describe('an optimistic version per student card', () => {
  it('refuses a save of a stale version, naming who saved since and what differs; nothing is written', async () => {
    const one = await userAt(admin, 'editor1', 'clerk', 'ПК-1');
    const two = await userAt(admin, 'editor2', 'clerk', 'ПК-2');
    const read1 = await one.call('students.get', { id: other.id });
    const read2 = await two.call('students.get', { id: other.id });
    const { id: _i, currentClass: _c, bookEntry: _b, status: _s, version: _v, ...card } = read1;
    const saved = await one.call('students.update', { id: other.id, version: read1.version, data: { ...card, address: 'Москва, ул. Первая, 1' } });
    expect(saved.version).toBeGreaterThan(read1.version);

    const refused = expectError(await two.raw('students.update', { id: other.id, version: read2.version, data: { ...card, address: 'Москва, ул. Вторая, 2' } }), 'conflict');
    expect(refused.message).toMatch(/уже изменили на другом рабочем месте/);
    expect(refused.message).toContain('Петрова Ольга (editor1) (editor1)');
    expect(refused.message).toMatch(/Отличается: адрес/);
    expect(refused.rows).toEqual([{ field: 'address', now: 'Москва, ул. Первая, 1', yours: 'Москва, ул. Вторая, 2' }]);
    expect((await admin.call('students.get', { id: other.id })).address).toBe('Москва, ул. Первая, 1');

    // with the version read again the second save goes through
    const fresh = await two.call('students.get', { id: other.id });
    expect((await two.call('students.update', { id: other.id, version: fresh.version, data: { ...card, address: 'Москва, ул. Вторая, 2' } })).address)
      .toBe('Москва, ул. Вторая, 2');
  });
});

describe('the change counter', () => {
  it('moves when another connection writes a mark of the class, and not for another class', async () => {
    const clerk = await userAt(admin, 'poller', 'clerk', 'ПК-3');
    const before = (await clerk.call('register.changes', { area: 'marks', classId: school.a.id })).counter;
    const otherClass = (await clerk.call('register.changes', { area: 'marks', classId: school.b.id })).counter;
    const year = (await admin.call('years.list', {}))[0];
    const raw = new Database(admin.dbPath);
    try {
      raw.pragma('busy_timeout = 10000');
      raw.prepare("INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, mark) VALUES (?, ?, ?, ?, 'annual', '5')")
        .run(pupil.id, school.math.id, year.id, school.a.id);
    } finally {
      raw.close();
    }
    expect((await clerk.call('register.changes', { area: 'marks', classId: school.a.id })).counter).toBeGreaterThan(before);
    expect((await clerk.call('register.changes', { area: 'marks', classId: school.b.id })).counter).toBe(otherClass);
    // and through the grid's own writer too
    const mid = (await clerk.call('register.changes', { area: 'marks', classId: school.a.id })).counter;
    await clerk.call('grades.set', { classId: school.a.id, cells: [{ studentId: other.id, subjectId: school.math.id, slot: 'annual', mark: '4' }] });
    expect((await clerk.call('register.changes', { area: 'marks', classId: school.a.id })).counter).toBeGreaterThan(mid);
  });
});

describe('a mark changed on another workplace', () => {
  it('is refused to the grid that showed the old mark, naming who changed it; nothing of the batch is written', async () => {
    const one = await userAt(admin, 'marks1', 'clerk', 'ПК-5');
    const two = await userAt(admin, 'marks2', 'clerk', 'ПК-6');
    const cell = { studentId: pupil.id, subjectId: school.math.id, slot: 'final' as const };
    await one.call('grades.set', { classId: school.a.id, cells: [{ ...cell, mark: '4', was: null }] });
    // both grids show «4»; the first clerk makes it «5»
    await one.call('grades.set', { classId: school.a.id, cells: [{ ...cell, mark: '5', was: '4' }] });
    const other2 = { studentId: other.id, subjectId: school.math.id, slot: 'final' as const };
    const e = expectError(await two.raw('grades.set', { classId: school.a.id, cells: [{ ...other2, mark: '3', was: null }, { ...cell, mark: '3', was: '4' }] }), 'conflict');
    expect(e.message).toMatch(/изменены на другом рабочем месте|уже изменили на другом рабочем месте/);
    expect(e.fields!['cells.1']).toMatch(/Ершова Дарья, «Математика», итоговая: оценку уже изменили на другом рабочем месте — сейчас «5», у вас была «4»/);
    expect(e.fields!['cells.1']).toContain('Петрова Ольга (marks1) (marks1)');
    expect(e.rows).toEqual([expect.objectContaining({ cell: 1, now: '5', was: '4', yours: '3', by: 'marks1' })]);
    const grid = await admin.call('grades.grid', { classId: school.a.id, subjectId: school.math.id });
    const finals = grid.marks.filter((m) => m.column === 'final').map((m) => [m.studentId, m.mark]);
    expect(finals).toEqual([[pupil.id, '5']]); // the other cell of the batch was not written either
    // seen again, the same change goes through; a call that names no previous mark (a script) is not checked
    await two.call('grades.set', { classId: school.a.id, cells: [{ ...cell, mark: '3', was: '5' }] });
    await two.call('grades.set', { classId: school.a.id, cells: [{ ...cell, mark: '4' }] });
  });
});
