// The contract methods of issue 6 over the real dispatcher: state exams and portfolio (clerks), packets (admins only),
// the certificate kept without its password, and the upload job with progress against the reference receiver.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateSummary } from '../../main/packets/sign.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { packetSchool, SCHOOL, waitJob } from './fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup() {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  const s = await packetSchool(c);
  const as = async (role: 'clerk' | 'archivist') => {
    await c.call('users.create', { login: role, fullName: role === 'clerk' ? 'Секретарь Анна' : 'Архивариус Олег', role, password: 'password-123' });
    const r = await c.backend.call({ method: 'auth.signIn', args: { login: role, password: 'password-123' } }, 'http');
    const session = (r as { ok: true; value: { session: string } }).value.session;
    return (method: string, args: unknown) => c.backend.call({ method, args, session }, 'http');
  };
  return { c, ...s, as };
}
const err = (r: { ok: boolean }) => (r as { ok: false; error: { code: string; message: string; fields?: Record<string, string> } }).error;

describe('state exams and portfolio', () => {
  it('a clerk records ОГЭ/ЕГЭ/ГВЭ results; each bad value is refused naming its field; an archivist may only read', async () => {
    const { c, withSnils, math, rus, as } = await setup();
    const clerk = await as('clerk');
    const added = await clerk('exams.addResult', { studentId: withSnils.id, kind: 'ОГЭ', subjectId: math.id, year: 2026, score: 27, mark: 5 });
    expect(added).toMatchObject({ ok: true, value: { kind: 'ОГЭ', subject: 'Математика', score: 27, mark: 5, studentName: 'Орлова Мария Игоревна' } });
    expect(err(await clerk('exams.addResult', { studentId: withSnils.id, kind: 'ЕГЭ', subjectId: rus.id, year: 2027, score: 80, mark: 5 })))
      .toMatchObject({ code: 'validation', fields: { mark: 'За ЕГЭ отметка не ставится: только тестовые баллы' } });
    expect(err(await clerk('exams.addResult', { studentId: withSnils.id, kind: 'ЕГЭ', subjectId: rus.id, year: 2027, score: 101 })))
      .toMatchObject({ fields: { score: 'Баллы — целое число от 0 до 100' } });
    expect(err(await clerk('exams.addResult', { studentId: withSnils.id, kind: 'ГВЭ', subjectId: rus.id, year: 2020, mark: 4 })))
      .toMatchObject({ fields: { year: expect.stringContaining('Год экзамена 2020 невозможен для ученика Орлова Мария') } });
    expect(err(await clerk('exams.addResult', { studentId: withSnils.id, kind: 'ОГЭ', subjectId: math.id, year: 2026, score: 20, mark: 4 })))
      .toMatchObject({ code: 'conflict', message: 'Результат ОГЭ по этому предмету за 2026 год у ученика уже записан' });
    const archivist = await as('archivist');
    expect(err(await archivist('exams.addResult', { studentId: withSnils.id, kind: 'ГВЭ', subjectId: rus.id, year: 2026, mark: 4 })).code).toBe('forbidden');
    expect((await archivist('exams.results', { studentId: withSnils.id }) as { value: unknown[] }).value).toHaveLength(1);
    const id = (added as { value: { id: number } }).value.id;
    await c.call('exams.updateResult', { id, data: { studentId: withSnils.id, kind: 'ОГЭ', subjectId: math.id, year: 2026, score: 29, mark: 5 } });
    expect((await c.call('exams.results', {}))[0].score).toBe(29);
    await c.call('exams.removeResult', { id });
    expect(await c.call('exams.results', {})).toEqual([]);
  });

  it('portfolio entries: added, listed newest first, refused with a date before birth, removed', async () => {
    const { c, withDoc } = await setup();
    await c.call('portfolio.add', { studentId: withDoc.id, eventName: '  Конкурс   чтецов ', status: 'school', date: '2024-03-01', result: 'participant' });
    const win = await c.call('portfolio.add', { studentId: withDoc.id, eventName: 'Олимпиада по математике', status: 'regional', date: '2025-02-10', result: 'winner', title: 'Победитель регионального этапа' });
    expect((await c.call('portfolio.list', { studentId: withDoc.id })).map((e) => [e.eventName, e.result, e.title]))
      .toEqual([['Олимпиада по математике', 'winner', 'Победитель регионального этапа'], ['Конкурс чтецов', 'participant', null]]);
    const r = await c.raw('portfolio.add', { studentId: withDoc.id, eventName: 'Олимпиада', status: 'school', date: '2010-01-01', result: 'winner' });
    expect(err(r)).toMatchObject({ code: 'validation', fields: { date: 'Дата мероприятия раньше даты рождения ученика Ёлкин Пётр' } });
    expect(err(await c.raw('portfolio.add', { studentId: withDoc.id, eventName: 'Олимпиада', status: 'galactic', date: '2025-01-01', result: 'winner' })).code).toBe('validation');
    await c.call('portfolio.remove', { id: win.id });
    expect(await c.call('portfolio.list', { studentId: withDoc.id })).toHaveLength(1);
  });
});

describe('packets.* (admins)', () => {
  it('a clerk may not build, sign or upload packets', async () => {
    const { as } = await setup();
    const clerk = await as('clerk');
    for (const [method, args] of [['packets.build', {}], ['packets.sign', { password: 'x' }], ['packets.upload', {}], ['packets.list', {}], ['packets.settings', {}]] as const) {
      expect(err(await clerk(method, args)).code).toBe('forbidden');
    }
  });

  it('certificate loaded (kept encrypted, password not kept), endpoint set, full + delta built, signed, uploaded as a job with receipts', async () => {
    const { c, a } = await setup();
    const p12Base64 = fs.readFileSync(fx.p12Default).toString('base64');
    expect(err(await c.raw('packets.loadCertificate', { p12Base64, password: 'не тот' }))).toMatchObject({ code: 'validation', message: 'Неверный пароль сертификата' });
    const cert = await c.call('packets.loadCertificate', { p12Base64, password: PASSWORD });
    expect(cert).toMatchObject({ subject: 'C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна', expired: false, expiresSoon: false });
    expect(cert.daysLeft).toBeGreaterThan(360);
    // the password is nowhere in the file
    const fileBytes = fs.readFileSync(c.dbPath);
    expect(fileBytes.includes(Buffer.from(PASSWORD))).toBe(false);
    const audit = await c.call('audit.list', { limit: 5 });
    expect(audit[0]).toMatchObject({ method: 'packets.loadCertificate' });
    expect(audit[0].detail).not.toContain(p12Base64.slice(0, 40));

    const receiver: Receiver = await startReceiver({ port: 0, dataDir: tempDir('sr-rcv-'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')], faults: '500,drop-after-store' });
    open.push(receiver);
    expect(err(await c.raw('packets.upload', {}))).toMatchObject({ code: 'validation', fields: { endpoint: 'не указан' } });
    expect(err(await c.raw('packets.setEndpoint', { endpoint: 'ftp://x' })).code).toBe('validation');
    expect((await c.call('packets.setEndpoint', { endpoint: receiver.url, timeoutMs: 2000 })).endpoint).toBe(receiver.url);

    expect((await c.call('packets.build', {})).kind).toBe('full');
    const st = await c.call('students.create', { lastName: 'Новикова', firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' });
    await c.call('orders.enrol', { order: { number: '20-у', date: '2025-10-01' }, studentId: st.id, classId: a.id, date: '2025-10-02' });
    expect(await c.call('packets.build', {})).toMatchObject({ kind: 'delta', seq: 2, students: 1 });
    expect(err(await c.raw('packets.sign', { password: 'не тот' })).message).toBe('Неверный пароль сертификата');
    expect((await c.call('packets.sign', { password: PASSWORD })).signed.map((p) => p.seq)).toEqual([1, 2]);

    const { jobId } = await c.call('packets.upload', {});
    // a second upload while the first runs would race it for the same packets
    expect(err(await c.raw('packets.upload', {}))).toMatchObject({ code: 'conflict', message: expect.stringContaining('Отправка пакетов уже идёт') });
    const job = await waitJob(c, jobId);
    expect(job).toMatchObject({ state: 'done', done: 2, total: 2 });
    expect((job.result as { accepted: unknown[] }).accepted).toHaveLength(2);
    const list = await c.call('packets.list', {});
    expect(list.counts).toMatchObject({ accepted: 2, built: 0, signed: 0 });
    expect(list.rows.map((r) => [r.seq, r.state, typeof r.receipt?.receiptId])).toEqual([[2, 'accepted', 'string'], [1, 'accepted', 'string']]);
    expect([...receiver.acceptances().values()]).toEqual([1, 1]);
    expect(err(await c.raw('packets.upload', {}))).toMatchObject({ code: 'validation', message: 'Нет пакетов к отправке: соберите и подпишите пакет' });
  });

  it('batch upload for several register files as a job: progress per file, summary, a wrong password refused before it starts', async () => {
    const { c } = await setup();
    const other = await adminClient(tempDir());
    await packetSchool(other);
    await other.call('school.update', { ...SCHOOL, shortName: 'ГБОУ Школа № 2', inn: '7710140679', ogrn: '1027700070518' });
    other.backend.close();
    const receiver = await startReceiver({ port: 0, dataDir: tempDir('sr-rcv-'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')], faults: '500' });
    open.push(receiver);
    await c.call('packets.setEndpoint', { endpoint: receiver.url });
    await c.call('packets.loadCertificate', { p12Base64: fs.readFileSync(fx.p12Default).toString('base64'), password: PASSWORD });
    expect(err(await c.raw('packets.upload', { registers: [other.dbPath], password: 'не тот' })).message).toBe('Неверный пароль сертификата');
    const { jobId } = await c.call('packets.upload', { registers: [c.dbPath.replace('register.sqlite', 'missing.sqlite'), other.dbPath], password: PASSWORD });
    const job = await waitJob(c, jobId);
    expect(job).toMatchObject({ state: 'done', done: 2, total: 2 });
    const result = job.result as { accepted: number; failed: number; registers: Array<{ file: string; error: string | null; built: { seq: number } | null }> };
    expect(result).toMatchObject({ accepted: 1, failed: 1 });
    expect(result.registers[0].error).toContain('Файл реестра не найден');
    expect(result.registers[1]).toMatchObject({ file: other.dbPath, error: null, built: { seq: 1 } });
    expect([...receiver.acceptances().values()]).toEqual([1]);
  });

  it('the certificate screen warns 30 days before the end of validity', () => {
    const cert = { subject: 'CN=Школа', issuer: 'CN=УЦ', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-12-31T00:00:00Z') };
    expect(certificateSummary(cert, new Date('2026-11-30T00:00:00Z'))).toMatchObject({ daysLeft: 31, expiresSoon: false, expired: false });
    expect(certificateSummary(cert, new Date('2026-12-02T00:00:00Z'))).toMatchObject({ daysLeft: 29, expiresSoon: true, expired: false });
    expect(certificateSummary(cert, new Date('2027-01-02T00:00:00Z'))).toMatchObject({ expiresSoon: false, expired: true });
  });
});
