// API fuzz over both transports (issue 7): seeded random method names and arguments, sent in process the way the
// Electron IPC handler does and over real loopback HTTP. Every answer must be a validation error in the Result
// envelope — never a crash, never another error code, never an HTTP 5xx — and neither register may change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../main/host/http.ts';
import { rng } from '../../main/demo/generate.ts';
import { contract, type Result } from '../../preload/contract.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { contentHash, removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { postBody, postCall, rawRequest } from '../helpers/http.ts';
import { recordFigures } from './crash.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const CALLS = Number(process.env.FUZZ_CALLS ?? 1500);
const METHODS = Object.keys(contract);

afterAll(removeScratchDirs);

/** Hostile values: wrong types, edge numbers, injection-looking text, huge and deep values, prototype keys. */
function hostileValue(r: ReturnType<typeof rng>, depth = 0): unknown {
  switch (r.int(0, 17)) {
    case 0: return null;
    case 1: return r.pick([true, false]);
    case 2: return r.pick([-1, 1.5, -0.000001, 1e308, -1e308, 2 ** 53 + 2, 4294967297]);
    case 3: return r.pick(['', ' ', '\u0000', "'; DROP TABLE students; --", '<script>alert(1)</script>', '../../etc/passwd', '%00', '\uFFFF\uD800']);
    case 4: return 'я'.repeat(r.int(1, 3) * 70_000);
    case 5: return r.pick(['2025-02-30', '31.12.2025', '2025/2026/2027', 'NaN', 'Infinity', '0x10', '1e3']);
    case 6: return [];
    case 7: return depth < 4 ? Array.from({ length: r.int(1, 5) }, () => hostileValue(r, depth + 1)) : [];
    case 8: return depth < 4 ? { [r.pick(['__proto__', 'constructor', 'prototype', 'toString'])]: hostileValue(r, depth + 1) } : {};
    case 9: { let v: unknown = 'deep'; for (let i = 0; i < 200; i++) v = [v]; return v; }
    case 10: return { $gt: '' };
    case 11: return r.pick(['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '{}']);
    case 12: return -r.int(1, 1000);
    case 13: return r.int(1, 5) + 0.25;
    case 14: return r.pick(['admin', 'clerk', 'root', 'superuser']);
    case 15: return Array.from({ length: 25_000 }, (_, i) => i % 2 ? -1 : 'x');
    case 16: return r.pick(['Иванов', 'ИВАНОВ ИВАН', 'ёжик']);
    default: return { nested: { deeper: hostileValue(r, depth + 1) } };
  }
}

/** Key names the method really takes (so the fuzz reaches past "unknown key"), plus made-up ones. */
function keysOf(method: string): string[] {
  const input = (contract as Record<string, { input: { shape?: Record<string, unknown> } }>)[method]?.input;
  return Object.keys(input?.shape ?? {});
}

function randomArgs(r: ReturnType<typeof rng>, method: string): unknown {
  const roll = r.int(0, 9);
  if (roll === 0) return hostileValue(r); // not an object at all
  const keys = keysOf(method);
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r.next() < 0.7) out[k] = hostileValue(r);
  if (roll === 1 || !keys.length) out[r.pick(['admin', 'role', 'sql', 'where', '__proto__', 'id2'])] = hostileValue(r);
  return out;
}

function randomMethod(r: ReturnType<typeof rng>): unknown {
  switch (r.int(0, 9)) {
    case 0: return r.pick(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', '__defineGetter__']);
    case 1: return r.pick(['students.drop', 'users.delete', 'db.exec', '', ' ', 'STUDENTS.CREATE', 'students.create ']);
    case 2: return hostileValue(r);
    default: return r.pick(METHODS);
  }
}

type Side = { c: Client; send(env: unknown): Promise<{ result: Result<unknown>; status: number }> };
let ipc: Side;
let web: Side;
let server: HttpServer;

async function side(): Promise<Client> {
  const c = await adminClient(scratchDir());
  await smallSchool(c);
  return c;
}

beforeAll(async () => {
  const [a, b] = await Promise.all([side(), side()]);
  ipc = { c: a, send: async (env) => ({ result: await a.backend.call(env as never, 'ipc'), status: 200 }) };
  server = await startHttpServer({ backend: b.backend });
  web = {
    c: b,
    send: async (env) => {
      const r = await postCall(server, env);
      return { result: r.json as Result<unknown>, status: r.status };
    },
  };
});
afterAll(async () => {
  await server?.close();
  ipc?.c.backend.close();
  web?.c.backend.close();
});

describe(`API fuzz (seed ${SEED}, ${CALLS} calls per transport)`, () => {
  it('every random call is refused as a validation error over IPC and over HTTP, and nothing is written', async () => {
    const before = [contentHash(ipc.c.backend.db), contentHash(web.c.backend.db)];
    const r = rng(SEED);
    const codes = new Map<string, number>();
    let sent = 0, skippedValid = 0;
    for (let i = 0; i < CALLS; i++) {
      const method = randomMethod(r);
      const args = randomArgs(r, typeof method === 'string' ? method : '');
      const session = r.pick([ipc.c.session, 'made-up', undefined, 42, { s: 1 }]);
      // What a transport carries is plain data (JSON over HTTP, a structured clone over IPC): no prototypes.
      const env = JSON.parse(JSON.stringify(r.int(0, 19) === 0 ? hostileValue(r) : { method, args, session }) ?? 'null') as unknown;
      const sentArgs = env && typeof env === 'object' ? (env as { args?: unknown }).args : undefined;
      // A call the contract accepts is not a fuzz case: it may legitimately write. Counted, not sent.
      const def = typeof method === 'string' && Object.hasOwn(contract, method) ? (contract as Record<string, { input: { safeParse(x: unknown): { success: boolean } } }>)[method] : null;
      if (env && typeof env === 'object' && !Array.isArray(env) && def?.input.safeParse(sentArgs ?? {}).success) {
        skippedValid++;
        continue;
      }
      for (const s of [ipc, web]) {
        const envForSide = env && typeof env === 'object' && 'session' in (env as object) && s === web
          ? { ...(env as object), session: (env as { session: unknown }).session === ipc.c.session ? web.c.session : (env as { session: unknown }).session }
          : env;
        const { result, status } = await s.send(envForSide);
        const where = `${s === ipc ? 'IPC' : 'HTTP'} call ${i}: ${JSON.stringify(envForSide)?.slice(0, 300)}`;
        expect(status, where).toBe(200);
        expect(result.ok, where).toBe(false);
        if (!result.ok) {
          codes.set(result.error.code, (codes.get(result.error.code) ?? 0) + 1);
          expect(result.error.code, `${where} → ${result.error.message}`).toBe('validation');
          expect(result.error.message.length, where).toBeGreaterThan(0);
        }
      }
      sent++;
    }
    console.log(`API fuzz: ${sent} calls per transport refused as validation errors; ${skippedValid} accidentally valid calls not sent`);
    expect(sent).toBeGreaterThan(CALLS * 0.9);
    const writes = [contentHash(ipc.c.backend.db), contentHash(web.c.backend.db)].filter((h, i) => h !== before[i]).length;
    recordFigures('api-fuzz', { suite: 'api-fuzz', runs: sent * 2, detected: codes.get('validation') ?? 0, repaired: 0, lost: writes,
      failures: sent * 2 - (codes.get('validation') ?? 0) + writes, worst: `seed ${SEED}: ${[...codes].map(([k, v]) => `${k} ${v}`).join(', ')}` });
    expect([contentHash(ipc.c.backend.db), contentHash(web.c.backend.db)]).toEqual(before);
    // and both still answer a good call
    expect((await ipc.send({ method: 'years.list', args: {}, session: ipc.c.session })).result.ok).toBe(true);
    expect((await web.send({ method: 'years.list', args: {}, session: web.c.session })).result.ok).toBe(true);
  }, 300_000);

  it('HTTP bodies that are not envelopes get a 4xx, never a 5xx, and the server keeps serving', async () => {
    const r = rng(SEED + 1);
    const bodies = ['', 'null', '{', '{"method":', '[1,2,3]', '"x"', '\u0000\u0001', 'я'.repeat(1000), '{"method":"years.list","args":' + '['.repeat(5000)];
    for (let i = 0; i < 40; i++) bodies.push(JSON.stringify(hostileValue(r)) ?? 'undefined');
    for (const body of bodies) {
      const res = await postBody(server, body).catch((e: Error) => ({ status: -1, json: String(e) }));
      expect(res.status, `body ${body.slice(0, 80)}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `body ${body.slice(0, 80)}`).toBeLessThan(500);
    }
    // a body over the limit, a wrong method and path, no token
    const big = await rawRequest(server.port, { method: 'POST', path: '/api/call', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: Buffer.alloc(25 * 1024 * 1024, 0x20) }).catch(() => ({ status: 413 }));
    expect(big.status).toBeGreaterThanOrEqual(400);
    expect(big.status).toBeLessThan(500);
    for (const [method, p] of [['GET', '/api/call'], ['PUT', '/api/call'], ['POST', '/api/../api/call'], ['DELETE', '/']]) {
      const res = await rawRequest(server.port, { method, path: p, headers: { Authorization: `Bearer ${server.token}` } });
      expect(res.status, `${method} ${p}`).toBeLessThan(500);
    }
    expect((await web.send({ method: 'years.list', args: {}, session: web.c.session })).result.ok).toBe(true);
  }, 120_000);
});
