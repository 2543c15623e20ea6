// One table of calls, two transports: (a) in process, backend.call(env, 'ipc') — exactly what the Electron IPC
// handler does — and (b) real loopback HTTP, POST /api/call with the Bearer token. Two registers set up the same
// way receive the same calls in the same order; the Results must be identical (ids and tokens normalized).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../main/host/http.ts';
import type { Envelope, Result } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { BAD, count, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { postCall } from '../helpers/http.ts';

afterAll(removeScratchDirs);

type World = { c: Client; admin: string; clerk: string; archivist: string; send(env: unknown): Promise<Result<unknown>> };

async function world(): Promise<World> {
  const c = await adminClient(scratchDir());
  await smallSchool(c);
  const sessions: Record<string, string> = {};
  for (const role of ['clerk', 'archivist'] as const) {
    await c.call('users.create', { login: role, fullName: `Сотрудник ${role}`, role, password: `${role}-password-1` });
    const r = (await c.backend.call({ method: 'auth.signIn', args: { login: role, password: `${role}-password-1` } }, 'ipc')) as Result<{ session: string }>;
    if (!r.ok) throw new Error(r.error.message);
    sessions[role] = r.value.session;
  }
  return { c, admin: c.session!, clerk: sessions.clerk, archivist: sessions.archivist, send: async () => { throw new Error('no transport'); } };
}

let ipc: World;
let web: World;
let server: HttpServer;
const httpStatuses: number[] = [];

beforeAll(async () => {
  [ipc, web] = await Promise.all([world(), world()]);
  ipc.send = (env) => ipc.c.backend.call(env as Envelope, 'ipc');
  server = await startHttpServer({ backend: web.c.backend });
  web.send = async (env) => {
    const r = await postCall(server, env);
    httpStatuses.push(r.status);
    return r.json as Result<unknown>;
  };
});
afterAll(async () => {
  await server?.close();
  ipc?.c.backend.close();
  web?.c.backend.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Makes two Results comparable: random uuids, session tokens and clock times differ by nature. */
function normalize(v: unknown, key = ''): unknown {
  if (key === 'session' && typeof v === 'string') return '<session>';
  if (typeof v === 'string') return UUID.test(v) ? '<uuid>' : v.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  if (Array.isArray(v)) return v.map((x) => normalize(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, k)]));
  return v;
}

type Expect = { ok: true } | { code: string; field?: string };
type Case = { name: string; env: (w: World) => unknown; expect: Expect };

const cases: Case[] = [
  { name: 'a good read (years.list)', env: (w) => ({ method: 'years.list', args: {}, session: w.admin }), expect: { ok: true } },
  { name: 'a good write (students.create)', env: (w) => ({ method: 'students.create', args: studentInput({ lastName: 'Транспортов', snils: '112-233-445 95' }), session: w.clerk }), expect: { ok: true } },
  { name: 'a good write (years.create)', env: (w) => ({ method: 'years.create', args: { name: '2026/2027' }, session: w.admin }), expect: { ok: true } },
  { name: 'a read after the writes (students.search)', env: (w) => ({ method: 'students.search', args: { query: 'транс' }, session: w.archivist }), expect: { ok: true } },
  { name: 'a validation error from the schema (birthDate: 5)', env: (w) => ({ method: 'students.create', args: { ...studentInput(), birthDate: 5 }, session: w.clerk }), expect: { code: 'validation', field: 'birthDate' } },
  { name: 'a validation error from the service (bad СНИЛС)', env: (w) => ({ method: 'students.create', args: studentInput({ snils: BAD.snils }), session: w.clerk }), expect: { code: 'validation', field: 'snils' } },
  { name: 'a duplicate СНИЛС', env: (w) => ({ method: 'students.create', args: studentInput({ snils: '11223344595' }), session: w.clerk }), expect: { code: 'validation', field: 'snils' } },
  { name: 'extra keys', env: (w) => ({ method: 'years.create', args: { name: '2027/2028', admin: true }, session: w.admin }), expect: { code: 'validation', field: '_' } },
  { name: 'an unknown method', env: (w) => ({ method: 'students.drop', args: {}, session: w.admin }), expect: { code: 'validation' } },
  { name: 'a non-object envelope (null)', env: () => null, expect: { code: 'validation' } },
  { name: 'a non-object envelope (array)', env: () => ['students.create', {}], expect: { code: 'validation' } },
  { name: 'a non-object envelope (string)', env: () => 'years.list', expect: { code: 'validation' } },
  { name: 'forbidden: a clerk creating a user', env: (w) => ({ method: 'users.create', args: { login: 'x', fullName: 'X', role: 'admin', password: 'password-123' }, session: w.clerk }), expect: { code: 'forbidden' } },
  { name: 'forbidden: a clerk verifying the audit log', env: (w) => ({ method: 'audit.verify', args: {}, session: w.clerk }), expect: { code: 'forbidden' } },
  { name: 'forbidden: an archivist creating a student', env: (w) => ({ method: 'students.create', args: studentInput(), session: w.archivist }), expect: { code: 'forbidden' } },
  { name: 'unauthenticated: no session', env: () => ({ method: 'students.search', args: {} }), expect: { code: 'unauthenticated' } },
  { name: 'unauthenticated: a made-up session', env: () => ({ method: 'students.create', args: studentInput(), session: 'made-up' }), expect: { code: 'unauthenticated' } },
  { name: 'not found', env: (w) => ({ method: 'students.get', args: { id: '00000000-0000-4000-8000-000000000000' }, session: w.admin }), expect: { code: 'not_found' } },
  { name: 'sign in', env: () => ({ method: 'auth.signIn', args: { login: 'clerk', password: 'clerk-password-1' } }), expect: { ok: true } },
  { name: 'sign in with a wrong password', env: () => ({ method: 'auth.signIn', args: { login: 'clerk', password: 'nope-nope' } }), expect: { code: 'unauthenticated' } },
  { name: 'the audit chain (admin)', env: (w) => ({ method: 'audit.verify', args: {}, session: w.admin }), expect: { ok: true } },
];

describe('the same calls over IPC and over HTTP give identical Results', () => {
  for (const k of cases) {
    it(k.name, async () => {
      const a = await ipc.send(k.env(ipc));
      const b = await web.send(k.env(web));
      if ('ok' in k.expect) {
        expect(a.ok, JSON.stringify(a)).toBe(true);
      } else {
        expect(a.ok).toBe(false);
        if (!a.ok) {
          expect(a.error.code).toBe(k.expect.code);
          if (k.expect.field) expect(Object.keys(a.error.fields ?? {})).toContain(k.expect.field);
        }
      }
      expect(normalize(b)).toEqual(normalize(a));
    });
  }

  it('HTTP answered every call with 200: errors travel in the envelope', () => {
    expect(httpStatuses).toHaveLength(cases.length);
    expect(new Set(httpStatuses)).toEqual(new Set([200]));
  });

  it('both registers hold the same rows afterwards (the refused calls wrote nothing on either side)', () => {
    for (const t of ['students', 'academic_years', 'users', 'audit_log', 'orders', 'classes']) {
      expect(count(web.c.backend.db, t), t).toBe(count(ipc.c.backend.db, t));
    }
    expect(count(web.c.backend.db, 'students')).toBe(1);
    expect(count(web.c.backend.db, 'users')).toBe(3);
  });
});
