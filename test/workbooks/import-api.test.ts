// The import over the real dispatcher, as the UI calls it: the workbook as base64, a preview with a wrong column name
// (the field is unmapped, the rows rejected), the corrected mapping (clean), the commit (rows written, one audit entry,
// the mapping remembered), the same file again (nothing written), who may import, and bytes that are not a workbook.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Input } from '../../preload/contract.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { writeBook } from './make.ts';

let c: Client;
let data: string;
const sessions: Record<string, string> = {};
const args = (more: Partial<Input<'import.preview'>> = {}): Input<'import.preview'> =>
  ({ kind: 'students', fileName: 'Журнал 5А.xlsx', dataBase64: data, ...more });
const auditCount = async () => (await c.call('audit.list', { limit: 1000 })).filter((e) => e.method === 'import.students').length;

beforeAll(async () => {
  c = await adminClient();
  const dir = tempDir('sr-import-api-');
  const file = await writeBook(dir, 'journal.xlsx', { '5А': [
    ['Журнал 5А'],
    ['ФИО', 'Дата рожд-я', 'Пол'],
    ['Соколова Мария Андреевна', '12.03.2014', 'Ж'],
    ['Кузнецов Илья Петрович', '01.09.2013', 'М'],
  ] });
  data = fs.readFileSync(file).toString('base64');
  for (const role of ['clerk', 'archivist'] as const) {
    await c.call('users.create', { login: role, fullName: `Тестовый ${role}`, role, password: 'long enough 1' });
    const r = await c.backend.call({ method: 'auth.signIn', args: { login: role, password: 'long enough 1' } }, 'http');
    if (!r.ok) throw new Error(r.error.message);
    sessions[role] = (r.value as { session: string }).session;
  }
});

describe('import over the API', () => {
  it('a wrong column name: the column is unmapped, the rows rejected; the corrected mapping is clean; commit writes once', async () => {
    const p = await c.call('import.preview', args());
    expect(p.sheets[0].headerRow).toBe(2);
    expect(p.sheets[0].mapping.birthDate).toBeUndefined();
    expect(p.sheets[0].unmapped).toContainEqual({ col: 'B', header: 'Дата рожд-я' });
    expect(p.rejected.length).toBeGreaterThan(0);
    expect(p.rejected[0]).toMatchObject({ sheet: '5А', row: 3 });

    const fixed = await c.call('import.preview', args({ mapping: { birthDate: 'B' } }));
    expect(fixed.sheets[0].mapping.birthDate).toBe('B');
    expect(fixed.rejected).toEqual([]);
    expect(fixed.counts).toEqual({ added: 2, changed: 0, unchanged: 0 });

    await expect(c.call('import.commit', { ...args({ mapping: { birthDate: 'B' } }), token: 'stale' })).rejects.toMatchObject({ api: { code: 'conflict' } });
    const r = await c.call('import.commit', { ...args({ mapping: { birthDate: 'B' } }), token: fixed.token });
    expect(r).toEqual({ added: 2, changed: 0, unchanged: 0, rejected: 0, written: true });
    expect((await c.call('students.search', { query: 'Соколова' })).total).toBe(1);
    expect(await auditCount()).toBe(1);

    // the same journal again starts from the remembered mapping: nothing to add, nothing written, no audit entry
    const again = await c.call('import.preview', args());
    expect(again.savedMapping).toBe(true);
    expect(again.sheets[0].mapping.birthDate).toBe('B');
    expect(again.counts).toEqual({ added: 0, changed: 0, unchanged: 2 });
    const r2 = await c.call('import.commit', { ...args(), token: again.token });
    expect(r2).toMatchObject({ added: 0, unchanged: 2, written: false });
    expect(await auditCount()).toBe(1);
  });

  it('refuses to commit rejected rows unless told to', async () => {
    const p = await c.call('import.preview', args({ fileName: 'другой.xlsx' }));
    expect(p.savedMapping).toBe(false);
    const r = await c.raw('import.commit', { ...args({ fileName: 'другой.xlsx' }), token: p.token });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('a clerk can import, an archivist cannot', async () => {
    const env = (role: string) => ({ method: 'import.preview', args: args(), session: sessions[role] });
    expect(await c.backend.call(env('clerk'), 'http')).toMatchObject({ ok: true });
    expect(await c.backend.call(env('archivist'), 'http')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('bytes that are not a workbook: a validation error naming the file', async () => {
    const r = await c.raw('import.preview', args({ fileName: 'оценки.xlsx', dataBase64: Buffer.from('просто текст, не книга').toString('base64') }));
    expect(r).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect((r as { error: { message: string } }).error.message).toContain('оценки.xlsx');
    const bad = await c.raw('import.preview', args({ dataBase64: 'не base64!' }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation' } });
  });
});
