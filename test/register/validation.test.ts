// A bad value is refused with the field named and a message a clerk understands — and nothing is written:
// not the row, not an order, not an audit entry. Checked by a hash of every table, and once more by the
// sha256 of the closed register file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../main/host/backend.ts';
import type { Result, Student } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { BAD, GOOD, SCHOOL, contentHash, count, expectError, sha256File, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
let enrolled: Student; // in 5А since 2025-09-01, СНИЛС GOOD
let fresh: Student; // not enrolled anywhere

beforeAll(async () => {
  c = await adminClient(scratchDir());
  s = await smallSchool(c);
  enrolled = await c.call('students.create', studentInput({ lastName: 'Кузнецов', snils: GOOD.snils }));
  await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: enrolled.id, classId: s.a.id, date: '2025-09-01' });
  fresh = await c.call('students.create', studentInput({ lastName: 'Новикова', firstName: 'Ольга', sex: 'Ж', birthDate: '2015-06-01' }));
});
afterAll(() => c?.backend.close());

type Case = { name: string; method: string; args: () => unknown; field: string; says: RegExp };

const cases: Case[] = [
  { name: 'invalid СНИЛС 112-233-445 96', method: 'students.create', args: () => studentInput({ snils: BAD.snils }), field: 'snils', says: /СНИЛС.*контрольное число/ },
  { name: 'СНИЛС of the wrong shape', method: 'students.create', args: () => studentInput({ snils: '112-233-445 9' }), field: 'snils', says: /СНИЛС — 11 цифр/ },
  { name: 'duplicate СНИЛС (a second student with the same number)', method: 'students.create',
    args: () => studentInput({ lastName: 'Другой', snils: '11223344595' }), field: 'snils', says: /СНИЛС уже записан у ученика Кузнецов/ },
  { name: 'empty ФИО (lastName of spaces)', method: 'students.create', args: () => studentInput({ lastName: '  ' }), field: 'lastName', says: /фамилию/ },
  { name: 'empty first name', method: 'students.create', args: () => studentInput({ firstName: '\t' }), field: 'firstName', says: /имя/ },
  { name: 'birth date in the future', method: 'students.create', args: () => studentInput({ birthDate: '2999-01-01' }), field: 'birthDate', says: /будущем/ },
  { name: 'bad СНИЛС on updating a card', method: 'students.update',
    args: () => ({ id: enrolled.id, data: studentInput({ lastName: 'Кузнецов', snils: BAD.snils }) }), field: 'snils', says: /СНИЛС/ },
  { name: 'bad СНИЛС of a teacher', method: 'staff.create',
    args: () => ({ lastName: 'Орлов', firstName: 'Олег', position: 'Учитель', snils: BAD.snils }), field: 'snils', says: /СНИЛС/ },
  { name: 'invalid ИНН of the school', method: 'school.update', args: () => ({ ...SCHOOL, inn: BAD.inn }), field: 'inn', says: /ИНН: неверная контрольная цифра/ },
  { name: 'ИНН of the wrong length', method: 'school.update', args: () => ({ ...SCHOOL, inn: '77070838' }), field: 'inn', says: /ИНН организации — 10 цифр/ },
  { name: 'invalid ОГРН of the school', method: 'school.update', args: () => ({ ...SCHOOL, ogrn: BAD.ogrn }), field: 'ogrn', says: /ОГРН: неверная контрольная цифра/ },
  { name: 'a second class for a student in one year (enrolled in 5А, enrol into 5Б)', method: 'orders.enrol',
    args: () => ({ order: { number: '2-у', date: '2025-09-02' }, studentId: enrolled.id, classId: s.b.id, date: '2025-09-02' }),
    field: 'classId', says: /только в одном классе за год/ },
  { name: 'departure before enrolment', method: 'orders.depart',
    args: () => ({ order: { number: '3-в', date: '2025-08-20' }, studentId: enrolled.id, date: '2025-08-20', reason: 'Переезд' }),
    field: 'date', says: /раньше даты зачисления/ },
  { name: 'unknown class (classId 9999)', method: 'orders.enrol',
    args: () => ({ order: { number: '4-у', date: '2025-09-01' }, studentId: fresh.id, classId: 9999, date: '2025-09-01' }),
    field: 'classId', says: /Класс №9999 не найден/ },
  { name: 'enrolment on the birth date', method: 'orders.enrol',
    args: () => ({ order: { number: '5-у', date: '2015-06-01' }, studentId: fresh.id, classId: s.b.id, date: '2015-06-01' }),
    field: 'date', says: /позже даты рождения/ },
  { name: 'transfer to an unknown class', method: 'orders.transfer',
    args: () => ({ order: { number: '6-т', date: '2025-10-01' }, studentId: enrolled.id, toClassId: 9999, date: '2025-10-01' }),
    field: 'toClassId', says: /не найден/ },
  { name: 'wrong type: birthDate 5', method: 'students.create', args: () => ({ ...studentInput(), birthDate: 5 }), field: 'birthDate', says: /./ },
];

describe('refused with the field named, nothing written', () => {
  for (const k of cases) {
    it(`${k.method}: ${k.name} → fields.${k.field}`, async () => {
      const db = c.backend.db;
      const before = contentHash(db);
      const audit = count(db, 'audit_log');
      const r = await c.raw(k.method, k.args());
      const e = expectError(r, 'validation', k.field);
      expect(e.fields![k.field]).toMatch(k.says);
      expect(e.message).toMatch(k.says); // the top-line message says the same, so a CLI or a toast is clear too
      expect(count(db, 'audit_log')).toBe(audit);
      expect(contentHash(db)).toBe(before);
    });
  }

  it('the student stayed in 5А after the refused second enrolment; the fresh one is still not enrolled', async () => {
    expect((await c.call('students.get', { id: enrolled.id })).currentClass?.name).toBe('5А');
    expect((await c.call('students.get', { id: fresh.id })).status).toBe('new');
    expect(count(c.backend.db, 'class_memberships', `student_id = '${enrolled.id}'`)).toBe(1);
    expect(count(c.backend.db, 'orders')).toBe(1);
  });
});

describe('valid identifiers pass', () => {
  it('СНИЛС 112-233-445 95 is stored as its 11 digits', async () => {
    const st = await c.call('students.get', { id: enrolled.id });
    expect(st.snils).toBe(GOOD.snilsDigits);
    expect(c.backend.db.prepare('SELECT snils FROM students WHERE id = ?').get(enrolled.id)).toEqual({ snils: GOOD.snilsDigits });
  });

  it('СНИЛС up to 001-001-998 skip the checksum; 001-001-999 does not', async () => {
    const old = await c.call('students.create', studentInput({ lastName: 'Старый', snils: '001-001-998 77' }));
    expect(old.snils).toBe('00100199877');
    const r = await c.raw('students.create', studentInput({ lastName: 'Новый', snils: '001-001-999 00' }));
    expectError(r, 'validation', 'snils');
    const ok = await c.call('students.create', studentInput({ lastName: 'Новый', snils: '001-001-999 65' }));
    expect(ok.snils).toBe('00100199965');
  });

  it('school.update with a valid ИНН and ОГРН writes the one school row', async () => {
    expect(count(c.backend.db, 'school')).toBe(0);
    const saved = await c.call('school.update', { ...SCHOOL, kpp: '773601001' });
    expect(saved).toMatchObject({ inn: GOOD.inn, ogrn: GOOD.ogrn });
    expect(c.backend.db.prepare('SELECT inn, ogrn, kpp FROM school WHERE id = 1').get()).toEqual({ inn: GOOD.inn, ogrn: GOOD.ogrn, kpp: '773601001' });
    // and a later bad update leaves it as it was
    expectError(await c.raw('school.update', { ...SCHOOL, ogrn: BAD.ogrn }), 'validation', 'ogrn');
    expect(c.backend.db.prepare('SELECT ogrn FROM school WHERE id = 1').get()).toEqual({ ogrn: GOOD.ogrn });
  });
});

describe('the register file itself', () => {
  it('is byte-identical after every refused call (sha256 of the closed file)', async () => {
    c.backend.close();
    const backend = openBackend({ dbPath: c.dbPath });
    const signIn = (await backend.call({ method: 'auth.signIn', args: { login: 'admin', password: 'correct horse 1' } }, 'ipc')) as Result<{ session: string }>;
    expect(signIn.ok).toBe(true);
    // the sign-in itself is audited: the file is taken as it stands after it, the WAL moved into it
    backend.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = sha256File(c.dbPath);
    const session = signIn.ok ? signIn.value.session : null;
    for (const k of cases) {
      const r = await backend.call({ method: k.method, args: k.args(), session }, 'ipc');
      expectError(r, 'validation', k.field);
    }
    backend.close();
    expect(sha256File(c.dbPath)).toBe(before);
    c = await reopen(c.dbPath); // for afterAll
  });
});

async function reopen(dbPath: string): Promise<Client & { dbPath: string }> {
  const backend = openBackend({ dbPath });
  return { backend, dbPath, session: null, raw: (method, args) => backend.call({ method, args }, 'ipc'), call: async () => { throw new Error('unused'); } };
}
