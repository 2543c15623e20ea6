// A full disk and a register held by another program are the user's to act on, not internal errors: a write that does
// not fit (SQLITE_FULL, made here by lowering max_page_count) is a validation error naming the register, and nothing of
// it is kept; a write that waited its bound for another connection's lock (SQLITE_BUSY) is «реестр занят другой
// программой», naming the register and how long it waited; ENOSPC and EDQUOT from a file write name the file.
import { afterAll, describe, expect, it } from 'vitest';
import { placeError } from '../../main/shared/errors.ts';
import { count, openRaw, studentInput } from '../helpers/db.ts';
import { adminClient, tempDir } from '../helpers/register.ts';

const letters = (i: number) => [...i.toString(8)].map((d) => 'абвгдежз'[Number(d)]).join('');
const clients: Array<{ backend: { close(): void } }> = [];
afterAll(() => clients.forEach((c) => c.backend.close()));

describe('a full register', () => {
  it('is a validation error naming the register file; the refused write leaves neither its row nor its audit entry', async () => {
    const c = await adminClient(tempDir('sr-full-'));
    clients.push(c);
    const db = c.backend.db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const before = { students: count(db, 'students'), audit: count(db, 'audit_log') };
    let added = 0;
    let refused: Awaited<ReturnType<typeof c.raw>> | null = null;
    // each student (and its audit entry) takes room; the register's last page runs out within a few hundred
    for (let i = 0; i < 2000 && !refused; i++) {
      const r = await c.raw('students.create', studentInput({ lastName: `Заполнитель${'я'.repeat(80)}`, firstName: `Ученик${letters(i)}`, address: 'адрес '.repeat(150) }));
      if (r.ok) added++;
      else refused = r;
    }
    expect(refused).not.toBeNull();
    expect(refused!.ok).toBe(false);
    if (refused!.ok) return;
    expect(refused!.error.code).toBe('validation');
    expect(refused!.error.message).toBe(`Нет места на диске: реестр ${c.dbPath} не может записать изменения (диск или носитель заполнен). ` +
      'Ничего не записано — освободите место и повторите');
    // every added student has its audit entry; the refused one has neither
    expect(count(db, 'students')).toBe(before.students + added);
    expect(count(db, 'audit_log', "method = 'students.create'")).toBe(added);
    db.pragma('max_page_count = 1073741823');
    expect((await c.raw('students.create', studentInput({ firstName: 'После' }))).ok).toBe(true);
  });
});

describe('a register held by another program', () => {
  it('is a conflict «реестр занят другой программой» naming the register and the wait, and writes nothing', async () => {
    const c = await adminClient(tempDir('sr-busy-'));
    clients.push(c);
    const db = c.backend.db;
    db.pragma('busy_timeout = 200'); // the bound of this test; the app's is BUSY_TIMEOUT_MS
    const other = openRaw(c.dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      const r = await c.raw('students.create', studentInput());
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('conflict');
      expect(r.error.message).toBe(`Реестр занят другой программой: ${c.dbPath} — она держит запись; ждали 200 мс. ` +
        'Ничего не записано; повторите, когда она закончит (идёт импорт, копия или восстановление в программе?)');
      expect(r.error.message).not.toMatch(/предпросмотр|Внутренняя/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(count(db, 'students')).toBe(0);
    expect((await c.raw('students.create', studentInput())).ok).toBe(true);
  });
});

describe('placeError', () => {
  it('names the file of a full medium or exhausted quota, and leaves other errors alone', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/media/usb/register-1/data/register.sqlite' });
    expect(placeError(full)?.toApi()).toEqual({ code: 'validation',
      message: 'Нет места на диске: /media/usb/register-1/data/register.sqlite не записан (диск или носитель заполнен). Освободите место и повторите' });
    expect(placeError(Object.assign(new Error('quota'), { code: 'EDQUOT', path: '/home/u/x.pdf' }))?.message).toMatch(/\/home\/u\/x\.pdf не записан \(исчерпана дисковая квота\)/);
    expect(placeError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeNull();
    expect(placeError(new Error('plain'))).toBeNull();
    expect(placeError(Object.assign(new Error('UNIQUE'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
  });
});
