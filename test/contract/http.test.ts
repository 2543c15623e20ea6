// What only the loopback HTTP transport has to get right: the per-run token, our own Host and Origin only,
// a body that is not JSON, static files that never leave their folder, and the security headers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../preload/contract.ts';
import { CSP, startHttpServer, type HttpServer } from '../../main/host/http.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { contentHash, count, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { postBody, postCall, rawRequest } from '../helpers/http.ts';

afterAll(removeScratchDirs);

const SECRET = 'СЕКРЕТ: этот файл лежит вне папки интерфейса';
const INDEX = '<!doctype html><title>Школьный регистр</title><script src="/app.js"></script>';

let c: Client & { dbPath: string };
let server: HttpServer;
let root: string;

beforeAll(async () => {
  c = await adminClient(scratchDir());
  const dir = scratchDir('sr-http-');
  root = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), INDEX);
  fs.writeFileSync(path.join(root, 'app.js'), 'console.log("app");');
  fs.writeFileSync(path.join(root, 'assets', 'style.css'), 'body { margin: 0 }');
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(dir, 'renderer-secret.txt'), SECRET); // a sibling whose name starts like the root
  server = await startHttpServer({ backend: c.backend, staticDir: root });
});
afterAll(async () => {
  await server?.close();
  c?.backend.close();
});

const call = (session: string | null = c.session) => ({ method: 'students.create', args: studentInput({ lastName: 'Сетевой' }), session });
const host = () => `127.0.0.1:${server.port}`;

describe('the server', () => {
  it('listens on 127.0.0.1 only and hands out a long random token in the URL fragment', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=`));
    expect(server.url.endsWith(server.token)).toBe(true);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('the good path works: a signed-in call over HTTP writes the student', async () => {
    const r = await postCall(server, call());
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, value: { lastName: 'Сетевой' } });
    expect(count(c.backend.db, 'students', "last_name = 'Сетевой'")).toBe(1);
  });
});

describe('refused at the door, nothing written', () => {
  let before: string;
  beforeAll(() => {
    before = contentHash(c.backend.db);
  });
  afterAll(() => {
    expect(contentHash(c.backend.db)).toBe(before);
  });

  it('a wrong token, a missing token, or the token without "Bearer" → 401', async () => {
    const body = JSON.stringify(call());
    const attempts: Array<Record<string, string>> = [
      { Authorization: 'Bearer wrong-token' },
      { Authorization: `Bearer ${server.token}x` },
      { Authorization: server.token },
      { Authorization: `bearer ${server.token}` },
      {},
    ];
    for (const headers of attempts) {
      const r = await rawRequest(server.port, { method: 'POST', path: '/api/call', headers: { Host: host(), 'Content-Type': 'application/json', ...headers }, body });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    }
  });

  it('a wrong Host header (DNS rebinding) → 421, for the API and for static files', async () => {
    for (const h of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const api = await rawRequest(server.port, { method: 'POST', path: '/api/call', headers: { Host: h, Authorization: `Bearer ${server.token}` }, body: JSON.stringify(call()) });
      expect(api.status, h).toBe(421);
      const page = await rawRequest(server.port, { path: '/', headers: { Host: h } });
      expect(page.status, h).toBe(421);
      expect(page.body).not.toContain('Школьный регистр');
    }
  });

  it('a foreign Origin (CSRF) → 403, even with the right token', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${server.port + 1}`, 'null', `https://${host()}`]) {
      const r = await postCall(server, call(), { Origin: origin });
      expect(r.status, origin).toBe(403);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('a body that is not JSON → 400 with a validation error', async () => {
    for (const body of ['', 'not json', '{"method": "students.create",', '\u0000\u0001']) {
      const r = await postBody(server, body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringMatching(/не JSON/) } });
    }
  });

  it('API calls only by POST', async () => {
    const r = await rawRequest(server.port, { path: '/api/call', headers: { Host: host(), Authorization: `Bearer ${server.token}` } });
    expect(r.status).toBe(405);
  });
});

describe('paths on the backend\'s machine are the local command line\'s only', () => {
  it('every argument the contract marks `local` is refused over HTTP, even for the admin; nothing is read or written', async () => {
    const before = contentHash(c.backend.db);
    const dir = scratchDir('sr-local-');
    const calls: Array<{ method: string; args: unknown; local: string }> = [
      { method: 'backup.start', args: { folders: [path.join(dir, 'a'), path.join(dir, 'b')], confirmSameDevice: true }, local: 'folders' },
      { method: 'backup.verify', args: { folders: [dir] }, local: 'folders' },
      { method: 'backup.restore', args: { bagPath: dir, drill: true }, local: 'bagPath' },
      { method: 'backup.upload', args: { bagPath: dir, url: 'http://127.0.0.1:1/' }, local: 'bagPath' },
      { method: 'archive.verify', args: { archive: dir }, local: 'archive' },
      { method: 'audit.witnessFolders', args: { folders: [dir] }, local: 'folders' },
    ];
    const marked = Object.entries(contract).flatMap(([m, d]) => ((d as { local?: readonly string[] }).local ?? []).map((k) => `${m}.${k}`));
    expect(calls.map((x) => `${x.method}.${x.local}`).sort()).toEqual(marked.sort());
    for (const x of calls) {
      const r = await postCall(server, { method: x.method, args: x.args, session: c.session });
      expect(r.status, x.method).toBe(200);
      expect(r.json, x.method).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining(`«${x.local}»`) } });
    }
    // the same methods without those arguments are the app's, as before
    expect((await postCall(server, { method: 'archive.verify', args: {}, session: c.session })).json).toMatchObject({ ok: true });
    expect(contentHash(c.backend.db)).toBe(before);
  });
});

describe('the same origin is accepted', () => {
  it('Origin of our own loopback address, and Host localhost:port', async () => {
    const r = await postCall(server, { method: 'auth.status', args: {} }, { Origin: `http://${host()}` });
    expect(r.status).toBe(200);
    const viaLocalhost = await rawRequest(server.port, { method: 'POST', path: '/api/call',
      headers: { Host: `localhost:${server.port}`, Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'auth.status', args: {} }) });
    expect(viaLocalhost.status).toBe(200);
    expect(JSON.parse(viaLocalhost.body)).toMatchObject({ ok: true });
  });
});

describe('static files', () => {
  it('serves files from the renderer folder with their type; unknown paths get index.html (the SPA)', async () => {
    const js = await rawRequest(server.port, { path: '/app.js', headers: { Host: host() } });
    expect(js).toMatchObject({ status: 200, body: 'console.log("app");' });
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const css = await rawRequest(server.port, { path: '/assets/style.css', headers: { Host: host() } });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const spa = await rawRequest(server.port, { path: '/students/123', headers: { Host: host() } });
    expect(spa).toMatchObject({ status: 200, body: INDEX });
  });

  it('path traversal never leaves the folder', async () => {
    const attempts = [
      '/../secret.txt', '/../../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/../renderer-secret.txt', '/..%2frenderer-secret.txt', `/${encodeURIComponent(path.join(path.dirname(root), 'secret.txt'))}`,
      '//secret.txt', '/%00../secret.txt', '/%',
    ];
    for (const p of attempts) {
      const r = await rawRequest(server.port, { path: p, headers: { Host: host() } });
      expect(r.body, p).not.toContain('СЕКРЕТ');
      expect(r.body, p).not.toMatch(/root:x:0:0/);
      expect([200, 400, 403, 404], p).toContain(r.status);
      if (r.status === 200) expect(r.body, p).toBe(INDEX);
    }
  });
});

describe('security headers', () => {
  it('every response carries the CSP and the other security headers — API, static, errors', async () => {
    const responses = [
      await rawRequest(server.port, { path: '/app.js', headers: { Host: host() } }),
      await rawRequest(server.port, { method: 'POST', path: '/api/call', headers: { Host: host(), Authorization: `Bearer ${server.token}` }, body: JSON.stringify({ method: 'auth.status', args: {} }) }),
      await rawRequest(server.port, { method: 'POST', path: '/api/call', headers: { Host: host() }, body: '{}' }),
      await rawRequest(server.port, { path: '/', headers: { Host: 'evil.example' } }),
    ];
    for (const r of responses) {
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(CSP).toContain("default-src 'self'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(CSP).not.toMatch(/unsafe-eval/);
    expect(CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
  });
});
