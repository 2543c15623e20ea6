// export.cityRegister over the real dispatcher: the workbook's bytes come back and read as the four sheets; a clerk
// may export, an archivist may not; a missing directory ID names the subject in the error's fields.
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';

let c: (Client & { dbPath: string }) | null = null;
afterEach(() => {
  c?.backend.close();
  c = null;
});

describe('export.cityRegister', () => {
  it('returns the workbook bytes; refuses an archivist; names a subject without its ID', async () => {
    c = await adminClient();
    const s = await smallSchool(c);
    await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
    const r = await c.call('export.cityRegister', { year: '2025/2026' });
    expect(r.fileName).toBe('Городской регистр 2025-2026.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(new Uint8Array(Buffer.from(r.dataBase64, 'base64')).buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Классы', 'Контингент', 'Сотрудники', 'Промежуточная аттестация']);
    expect(r.classes).toBe(2);

    await c.call('users.create', { login: 'arch', fullName: 'Архивариус Нина', role: 'archivist', password: 'archive-pass' });
    const admin = c.session;
    c.session = (await c.call('auth.signIn', { login: 'arch', password: 'archive-pass' })).session;
    const denied = await c.raw('export.cityRegister', { year: '2025/2026' });
    expect(denied.ok ? null : denied.error.code).toBe('forbidden');
    c.session = admin;

    const bare = await c.call('subjects.create', { name: 'Астрономия', shortName: 'Астр.' });
    await c.call('curriculum.set', { classId: s.b.id, subjectIds: [bare.id] });
    const refused = await c.raw('export.cityRegister', { year: '2025/2026' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.message).toContain('«Астрономия»');
      expect(Object.keys(refused.error.fields ?? {})).toEqual([`subjects.${bare.id}.cityRegisterId`]);
    }
  });
});
