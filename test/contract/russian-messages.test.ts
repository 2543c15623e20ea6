// No English from zod reaches a form: every refused field without words of its own gets Russian ones
// (preload/contract-messages.ts), at the one boundary every call passes (dispatch), and the first-run form names
// what is missing.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../../preload/contract.ts';
import { openBackend, type Backend } from '../../main/host/backend.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import path from 'node:path';

const ENGLISH = /[A-Za-z]{3,}/;
/** Russian words only (the request's own field names, quoted «name» or listed as unknown, aside). */
const russian = (msg: string) => !ENGLISH.test(msg.replace(/Неизвестные поля: .*/, 'Неизвестные поля').replace(/«[A-Za-z0-9_.]+»/g, '«»'));

const open: Backend[] = [];
afterEach(() => { while (open.length) open.pop()!.close(); });

describe('zod issues in Russian', () => {
  const cases: Array<[string, z.ZodType, unknown]> = [
    ['missing field', z.object({ a: z.string() }), {}],
    ['wrong type', z.object({ a: z.string() }), { a: 5 }],
    ['empty text', z.string().min(1), ''],
    ['short text', z.string().min(8), 'abc'],
    ['long text', z.string().max(3), 'abcdef'],
    ['number too small', z.number().int().min(1), 0],
    ['number too big', z.number().max(10), 11],
    ['not an integer', z.number().int(), 1.5],
    ['regex without words', z.string().regex(/^\d+$/), 'x'],
    ['email', z.email(), 'x'],
    ['enum', z.enum(['a', 'b']), 'c'],
    ['literal', z.literal(true), false],
    ['empty list', z.array(z.number()).min(1), []],
    ['long list', z.array(z.number()).max(1), [1, 2]],
    ['unknown keys', z.object({}).strict(), { extra: 1 }],
    ['union', z.union([z.string(), z.number()]), true],
    ['multiple of', z.number().multipleOf(5), 3],
    ['record key', z.record(z.enum(['a']), z.number()), { b: 1 }],
    ['custom refine', z.string().refine((s) => s === 'ok'), 'no'],
  ];
  for (const [name, schema, input] of cases) {
    it(name, () => {
      const r = schema.safeParse(input);
      expect(r.success).toBe(false);
      for (const issue of r.error!.issues) expect(russian(issue.message), `${name}: ${issue.message}`).toBe(true);
    });
  }

  it('a schema\'s own words still win', () => {
    expect(z.string().min(1, 'Укажите логин').safeParse('').error!.issues[0].message).toBe('Укажите логин');
  });

  it('the first-run form: an empty ФИО and login are named in Russian at their fields', async () => {
    const backend = openBackend({ dbPath: path.join(tempDir(), 'register.sqlite') });
    open.push(backend);
    const r = await backend.call({ method: 'auth.setupAdmin', args: { login: '', fullName: '  ', password: 'correct horse 1' } }, 'http');
    expect(r).toMatchObject({ ok: false, error: { code: 'validation', fields: { login: 'Укажите логин', fullName: 'Укажите ФИО' } } });
    const err = (r as { ok: false; error: { message: string; fields: Record<string, string> } }).error;
    for (const m of [err.message, ...Object.values(err.fields)]) expect(russian(m), m).toBe(true);
  });

  it('any method: a wrong type, an empty required field, a too long text come back in Russian', async () => {
    const c = await adminClient();
    open.push(c.backend);
    for (const [method, args] of [
      ['years.create', {}], ['years.create', { name: 5 }], ['staff.create', { lastName: 'x'.repeat(500), firstName: 'А', position: 'У' }],
      ['users.create', { login: 'a', fullName: '', role: 'nobody', password: 'p' }], ['school.update', { fullName: 'Школа' }],
    ] as const) {
      const r = await c.raw(method, args);
      expect(r.ok, method).toBe(false);
      const err = (r as { ok: false; error: { message: string; fields?: Record<string, string> } }).error;
      for (const m of [err.message, ...Object.values(err.fields ?? {})]) expect(russian(m), `${method}: ${m}`).toBe(true);
    }
  });
});
