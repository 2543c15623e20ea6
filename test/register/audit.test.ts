// The audit log: every write call leaves exactly one entry (who, which method), reads and refused calls leave
// none, passwords never reach it, and the hash chain catches an entry edited or removed behind the program's back.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openRegister } from '../../db/connection.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../preload/contract.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { SCHOOL, count, expectError, openRaw, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const ADMIN_PASSWORD = 'correct horse 1'; // set by adminClient
const CLERK_PASSWORD = 'Секретный-пароль-42';

let c: Client & { dbPath: string };
let clerkSession = '';
const lastEntry = () => c.backend.db.prepare('SELECT id, login, method, detail FROM audit_log ORDER BY id DESC LIMIT 1').get() as
  { id: number; login: string | null; method: string; detail: string };
const entries = () => count(c.backend.db, 'audit_log');

beforeAll(async () => {
  c = await adminClient(scratchDir());
});
afterAll(() => c?.backend.close());

describe('what gets audited', () => {
  it('the first admin setup is entry 1, with the new login but not the password', () => {
    const first = c.backend.db.prepare('SELECT id, login, method, detail FROM audit_log').all() as Array<{ id: number; method: string; detail: string }>;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ id: 1, method: 'auth.setupAdmin' });
    expect(JSON.parse(first[0].detail)).toMatchObject({ args: { login: 'admin', password: '***' }, result: { user: 'admin' } });
  });

  it('every write call adds exactly one entry with the login and the method', async () => {
    const ids: Record<string, number> = {};
    const writes: Array<[string, () => unknown]> = [
      ['school.update', () => SCHOOL],
      ['years.create', () => ({ name: '2025/2026' })],
      ['subjects.create', () => ({ name: 'Математика', shortName: 'Матем.', cityRegisterId: 'M-1', federalCode: '05' })],
      ['subjects.update', () => ({ id: ids['subjects.create'], data: { name: 'Математика', shortName: 'Мат.', cityRegisterId: 'M-1', federalCode: '05' } })],
      ['staff.create', () => ({ lastName: 'Петрова', firstName: 'Анна', position: 'Учитель', subjectIds: [ids['subjects.create']] })],
      ['staff.update', () => ({ id: ids['staff.create'], data: { lastName: 'Петрова', firstName: 'Анна', position: 'Завуч', subjectIds: [] } })],
      ['classes.create', () => ({ yearId: ids['years.create'], parallel: 5, letter: 'А' })],
      ['classes.update', () => ({ id: ids['classes.create'], homeroomTeacherId: ids['staff.create'] })],
      ['curriculum.set', () => ({ classId: ids['classes.create'], subjectIds: [ids['subjects.create']] })],
      ['students.create', () => studentInput({ lastName: 'Аудитов' })],
      ['students.update', () => ({ id: ids['students.create'], data: studentInput({ lastName: 'Аудитов', firstName: 'Борис' }) })],
      ['orders.enrol', () => ({ order: { number: '1-у', date: '2025-09-01' }, studentId: ids['students.create'], classId: ids['classes.create'], date: '2025-09-01' })],
      ['orders.depart', () => ({ order: { number: '2-в', date: '2025-10-01' }, studentId: ids['students.create'], date: '2025-10-01', reason: 'Переезд' })],
      ['users.create', () => ({ login: 'clerk', fullName: 'Секретарь', role: 'clerk', password: CLERK_PASSWORD })],
    ];
    for (const [method, args] of writes) {
      const n = entries();
      const r = await c.raw(method, args());
      expect(r.ok, `${method}: ${JSON.stringify(r)}`).toBe(true);
      const v = (r as { value: { id?: number } }).value;
      if (v && typeof v === 'object' && 'id' in v) ids[method] = v.id as number;
      expect(entries(), method).toBe(n + 1);
      const e = lastEntry();
      expect(e).toMatchObject({ id: n + 1, login: 'admin', method });
      expect(JSON.parse(e.detail)).toHaveProperty('args');
    }
    // A clerk's write is signed with the clerk's login.
    const signIn = (await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: CLERK_PASSWORD } }, 'ipc')) as Result<{ session: string }>;
    clerkSession = signIn.ok ? signIn.value.session : '';
    const n = entries();
    expect((await c.backend.call({ method: 'students.create', args: studentInput({ lastName: 'Клерков' }), session: clerkSession }, 'ipc')).ok).toBe(true);
    expect(entries()).toBe(n + 1);
    expect(lastEntry()).toMatchObject({ login: 'clerk', method: 'students.create' });
  });

  it('reads add no entry', async () => {
    const n = entries();
    for (const [method, args] of [['students.search', {}], ['school.get', {}], ['audit.list', {}], ['audit.verify', {}], ['years.list', {}],
      ['alphabetBook.list', {}], ['orders.list', {}], ['auth.status', {}]] as const) {
      expect((await c.raw(method, args)).ok, method).toBe(true);
    }
    expect(entries()).toBe(n);
  });

  it('a sign-in adds one entry, with the login and where it came from, never the password', async () => {
    const n = entries();
    expect((await c.backend.call({ method: 'auth.signIn', args: { login: 'admin', password: ADMIN_PASSWORD } }, 'ipc')).ok).toBe(true);
    expect(entries()).toBe(n + 1);
    const e = lastEntry();
    expect(e).toMatchObject({ login: 'admin', method: 'auth.signIn' });
    expect(JSON.parse(e.detail)).toEqual({ login: 'admin', client: 'ipc' });
  });

  it('a refused write adds no entry (validation, forbidden, unauthenticated, not found)', async () => {
    const n = entries();
    expectError(await c.raw('students.create', studentInput({ snils: '112-233-445 96' })), 'validation', 'snils');
    expectError(await c.raw('students.create', { ...studentInput(), birthDate: 5 }), 'validation', 'birthDate');
    expectError(await c.raw('users.create', { login: 'clerk', fullName: 'Дубль', role: 'clerk', password: 'password-123' }), 'validation', 'login');
    expectError(await c.backend.call({ method: 'school.update', args: SCHOOL, session: clerkSession }, 'ipc'), 'forbidden');
    expectError(await c.backend.call({ method: 'years.create', args: { name: '2040/2041' } }, 'ipc'), 'unauthenticated');
    expectError(await c.raw('students.update', { id: crypto.randomUUID(), data: studentInput() }), 'not_found');
    expect(entries()).toBe(n);
  });

  it('passwords never appear in the audit log (nor anywhere in the register in clear)', async () => {
    const rows = c.backend.db.prepare('SELECT * FROM audit_log').all() as Array<{ method: string; detail: string }>;
    const text = rows.map((r) => Object.values(r).join('\t')).join('\n');
    const created = rows.filter((r) => r.method === 'users.create' || r.method === 'auth.setupAdmin');
    expect(created).toHaveLength(2);
    for (const r of created) expect(JSON.parse(r.detail).args.password).toBe('***');
    for (const p of [ADMIN_PASSWORD, CLERK_PASSWORD]) expect(text).not.toContain(p);
    const everything = JSON.stringify(['users', 'audit_log'].map((t) => c.backend.db.prepare(`SELECT * FROM ${t}`).all()));
    for (const p of [ADMIN_PASSWORD, CLERK_PASSWORD]) expect(everything).not.toContain(p);
    expect((await c.call('audit.list', { limit: 1000 })).some((e) => e.detail.includes(CLERK_PASSWORD))).toBe(false);
    // Session tokens (returned by auth.setupAdmin) are secrets too.
    for (const token of [c.session!, clerkSession]) expect(text).not.toContain(token);
  });
});

describe('what the audit log keeps of arguments', () => {
  it('secrets by name at any depth become ***; an uploaded file becomes its size and SHA-256', async () => {
    const { auditableArgs } = await import('../../main/host/dispatch.ts');
    const file = Buffer.from('PK\x03\x04 a workbook');
    const kept = auditableArgs({ fileName: 'журнал.xlsx', dataBase64: file.toString('base64'),
      certificate: { p12Base64: 'MIIKsecret', password: 'пароль-школы' }, nested: [{ passphrase: 'x' }] }) as Record<string, unknown>;
    expect(kept).toEqual({
      fileName: 'журнал.xlsx',
      dataBase64: { bytes: file.length, sha256: crypto.createHash('sha256').update(file).digest('hex') },
      certificate: { p12Base64: '***', password: '***' }, nested: [{ passphrase: '***' }],
    });
    expect(JSON.stringify(kept)).not.toMatch(/MIIKsecret|пароль-школы/);
  });
});

describe('audit.verify and tampering behind the program', () => {
  const verify = () => c.call('audit.verify', {});

  it('an intact chain verifies', async () => {
    const r = await verify();
    expect(r).toEqual({ ok: true, entries: entries(), brokenAt: null, anchor: 'ok', message: expect.stringMatching(/цела/) });
    expect(r.entries).toBeGreaterThan(15);
  });

  it('an entry edited with the trigger dropped: verify points at that entry; restored, it verifies again', async () => {
    const target = 5;
    const raw = openRaw(c.dbPath);
    const original = (raw.prepare('SELECT detail FROM audit_log WHERE id = ?').get(target) as { detail: string }).detail;
    try {
      expect(() => raw.prepare('UPDATE audit_log SET detail = ? WHERE id = ?').run('{}', target)).toThrow(/append-only/);
      raw.exec('DROP TRIGGER audit_log_no_update');
      raw.prepare('UPDATE audit_log SET detail = ? WHERE id = ?').run(original.replace('"admin"', '"someone"').replace('2025', '2024') + ' ', target);
    } finally {
      raw.close();
    }
    const r = await verify();
    expect(r).toMatchObject({ ok: false, brokenAt: target });
    expect(r.message).toMatch(new RegExp(`запись ${target} изменена`));

    const fix = openRaw(c.dbPath);
    fix.prepare('UPDATE audit_log SET detail = ? WHERE id = ?').run(original, target);
    fix.close();
    expect(await verify()).toMatchObject({ ok: true, brokenAt: null });
  });

  it('an entry whose login was changed is caught too', async () => {
    const raw = openRaw(c.dbPath);
    raw.prepare("UPDATE audit_log SET login = 'clerk' WHERE id = 3").run();
    raw.close();
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 3 });
    const fix = openRaw(c.dbPath);
    fix.prepare("UPDATE audit_log SET login = 'admin' WHERE id = 3").run();
    fix.close();
    expect((await verify()).ok).toBe(true);
  });

  it('an entry deleted with the trigger dropped: verify reports the chain broken at that entry', async () => {
    const target = 7;
    const raw = openRaw(c.dbPath);
    try {
      expect(() => raw.prepare('DELETE FROM audit_log WHERE id = ?').run(target)).toThrow(/append-only/);
      raw.exec('DROP TRIGGER audit_log_no_delete');
      raw.prepare('DELETE FROM audit_log WHERE id = ?').run(target);
    } finally {
      raw.close();
    }
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(new RegExp(`запись ${target} отсутствует`));
    expect(r.brokenAt).toBe(target);
  });

  it('the newest entries deleted (the chain stays whole): the anchor beside the register catches it', async () => {
    const d = await adminClient(tempDir());
    for (const name of ['2030/2031', '2031/2032', '2032/2033']) await d.call('years.create', { name });
    const raw = openRaw(d.dbPath);
    const last = (raw.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id;
    raw.exec('DROP TRIGGER audit_log_no_delete');
    raw.prepare('DELETE FROM audit_log WHERE id > ?').run(last - 2);
    raw.close();
    const r = await d.call('audit.verify', {});
    expect(r).toMatchObject({ ok: false, anchor: 'broken', brokenAt: last });
    expect(r.message).toBe(`Цепочка журнала аудита нарушена: записи после ${last - 2} удалены: последней была записана запись ${last} (отметка в файле register.sqlite.audit-head)`);
    d.backend.close();
  });

  it('a register copied without its anchor verifies, and says that a removed tail could not be seen', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'register.sqlite');
    const d = await adminClient(dir);
    d.backend.close();
    expect(fs.existsSync(`${file}.audit-head`)).toBe(true);
    fs.rmSync(`${file}.audit-head`);
    const db = openRegister(file);
    try {
      const r = verifyAuditChain(db);
      expect(r).toMatchObject({ ok: true, anchor: 'missing' });
      expect(r.message).toMatch(/Якоря register\.sqlite\.audit-head рядом с реестром нет/);
    } finally {
      db.close();
    }
  });

  it('the newest entries and the anchor removed together: the next call records the lost anchor in the chain, for good', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'register.sqlite');
    const d = await adminClient(dir);
    for (const name of ['2030/2031', '2031/2032', '2032/2033']) await d.call('years.create', { name });
    const first = (d.backend.db.prepare('SELECT first_anchored_at AS at FROM audit_anchor_state').get() as { at: string }).at;
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(d.backend.db.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'audit.anchorLost'").get()).toEqual({ n: 0 });
    const raw = openRaw(file);
    const last = (raw.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id;
    raw.exec('DROP TRIGGER audit_log_no_delete');
    raw.prepare('DELETE FROM audit_log WHERE id > ?').run(last - 2);
    raw.close();
    fs.rmSync(`${file}.audit-head`);
    // a clerk's ordinary call: the program anchors the chain again, but first writes down that the anchor was gone
    await d.call('years.list', {});
    const lost = d.backend.db.prepare("SELECT id, login, detail FROM audit_log WHERE method = 'audit.anchorLost'").all() as Array<{ id: number; login: string | null; detail: string }>;
    expect(lost).toHaveLength(1);
    expect(lost[0].id).toBe(last - 1);
    expect(JSON.parse(lost[0].detail)).toMatchObject({ anchor: 'register.sqlite.audit-head', headWhenFound: { id: last - 2 }, firstAnchoredAt: first });
    expect(JSON.parse(fs.readFileSync(`${file}.audit-head`, 'utf8'))).toMatchObject({ id: last - 1 });
    const r = await d.call('audit.verify', {});
    expect(r).toMatchObject({ ok: true, anchor: 'ok' });
    expect(r.message).toMatch(new RegExp(`Якорь register\\.sqlite\\.audit-head пропадал и создан заново \\(запись ${last - 1} от \\d\\d\\.\\d\\d\\.\\d{4}\\): .*audit verify --witness`));
    // a register that never had an anchor (a fresh one) records no loss: its first anchor is just the first
    const fresh = await adminClient(tempDir());
    expect(fresh.backend.db.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'audit.anchorLost'").get()).toEqual({ n: 0 });
    fresh.backend.close();
    d.backend.close();
  });
});
