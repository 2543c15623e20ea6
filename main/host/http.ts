// The contract over HTTP. Two doors share one request handler: the loopback transport (127.0.0.1, a random per-run
// token: the browser shell and the contract tests) and the office network's HTTPS (main/host/network.ts: sign-in
// sessions bound to the workplace). Both check Host against their own names (DNS rebinding) and Origin against their
// own origin (CSRF) before anything else; static files of the built renderer are served beside the API.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ApiError, Envelope, Result } from '../../preload/contract.ts';

/** Whatever answers the contract: the backend (main/host/backend.ts), or a test's wrapper of it. */
export type ContractCaller = { call(env: Envelope, transport: 'ipc' | 'http', client?: string): Promise<Result<unknown>> };

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
  "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.json': 'application/json',
};
const MAX_BODY = 20 * 1024 * 1024;

export type HttpServer = { url: string; token: string; port: number; close(): Promise<void> };

/** A refusal at the door: the status and the error the caller gets. */
export type Refusal = { status: number; error: ApiError };

/** What differs between the doors: which Host and Origin are ours, and who may call. */
export type Gate = {
  scheme: 'http' | 'https';
  /** whether `host` (the Host header as sent) names this server */
  hostAllowed(host: string): boolean;
  /** before the body is read: the loopback token; null when the caller may go on */
  authorize(req: http.IncomingMessage): Refusal | null;
  /** the envelope read: whether this caller may make this call, and under which client name (throttling, idempotency) */
  admit(req: http.IncomingMessage, env: Envelope): Refusal | { client: string };
  /** after the call: what the door keeps of it (the network binds a new session to the workplace that signed in) */
  answered?(env: Envelope, r: Result<unknown>, client: string): void;
};

/**
 * Answers of commands by their idempotency key (the `Idempotency-Key` header), per client: a command sent again after
 * a cut connection gets the first one's answer instead of running twice; `/api/outcome` tells a client whether a
 * command whose answer it never got was done — and, if it never arrived, makes sure it never will be (the key is burnt).
 */
class Outcomes {
  private byKey = new Map<string, { at: number; method: string; result: Promise<Result<unknown>> | null }>();
  private static readonly KEEP_MS = 30 * 60_000;
  private static readonly MAX = 20_000;
  private prune(now: number) {
    if (this.byKey.size < Outcomes.MAX) return;
    for (const [k, v] of this.byKey) if (now - v.at > Outcomes.KEEP_MS) this.byKey.delete(k);
    while (this.byKey.size >= Outcomes.MAX) this.byKey.delete(this.byKey.keys().next().value!);
  }
  /** The answer of the first call with this key, or of `run` now; a burnt key, or one another method used, a conflict. */
  run(key: string, method: string, run: () => Promise<Result<unknown>>): Promise<Result<unknown>> {
    const seen = this.byKey.get(key);
    if (seen?.result && seen.method !== method) {
      return Promise.resolve({ ok: false, error: { code: 'conflict', message: 'Ключ команды уже использован другой командой: ничего не выполнено' } });
    }
    if (seen) {
      return seen.result ?? Promise.resolve({ ok: false, error: { code: 'conflict', message:
        'Эта команда уже признана не дошедшей до реестра и не выполнена: повторите её заново' } });
    }
    const now = Date.now();
    this.prune(now);
    const result = run();
    this.byKey.set(key, { at: now, method, result });
    return result;
  }
  /** What became of the command with this key: its answer, or 'absent' — and then it never runs. */
  async outcome(key: string): Promise<{ state: 'done'; result: Result<unknown> } | { state: 'absent' }> {
    const seen = this.byKey.get(key);
    if (seen?.result) return { state: 'done', result: await seen.result };
    if (!seen) {
      this.prune(Date.now());
      this.byKey.set(key, { at: Date.now(), method: '', result: null });
    }
    return { state: 'absent' };
  }
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,100}$/;

/** The request handler both doors share. */
export function contractRequestHandler(opts: { backend: ContractCaller; staticDir?: string; gate: Gate }): http.RequestListener {
  const { gate } = opts;
  const outcomes = new Outcomes();
  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string) => {
    res.writeHead(status, {
      'Content-Type': type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Resource-Policy': 'same-origin',
    });
    res.end(body);
  };
  const sendResult = (res: http.ServerResponse, status: number, r: unknown) => send(res, status, JSON.stringify(r), 'application/json; charset=utf-8');
  const readJson = (req: http.IncomingMessage, res: http.ServerResponse, then: (body: unknown) => void) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        sendResult(res, 413, { ok: false, error: { code: 'validation', message: 'Слишком большой запрос' } });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return sendResult(res, 400, { ok: false, error: { code: 'validation', message: 'Неверный запрос: тело не JSON' } });
      }
      then(body);
    });
  };

  return (req, res) => {
    // Only our own names: a page on another site (DNS rebinding, CSRF) gets nothing.
    const hostHeader = req.headers.host ?? '';
    if (!gate.hostAllowed(hostHeader)) return send(res, 421, 'wrong host', 'text/plain');
    const url = new URL(req.url ?? '/', `${gate.scheme}://${hostHeader}`);
    if (url.pathname === '/api/call' || url.pathname === '/api/outcome') {
      if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain');
      const origin = req.headers.origin;
      if (origin && origin !== `${gate.scheme}://${hostHeader}`) return sendResult(res, 403, { ok: false, error: { code: 'forbidden', message: 'Чужой источник запроса' } });
      const refused = gate.authorize(req);
      if (refused) return sendResult(res, refused.status, { ok: false, error: refused.error });
      readJson(req, res, (body) => {
        const env = (body && typeof body === 'object' ? body : {}) as Envelope;
        const who = gate.admit(req, env);
        if ('status' in who) return sendResult(res, who.status, { ok: false, error: who.error });
        const key = req.headers['idempotency-key'];
        const keyed = typeof key === 'string' && IDEMPOTENCY_KEY.test(key) ? `${who.client}|${key}` : null;
        if (url.pathname === '/api/outcome') {
          if (!keyed) return sendResult(res, 400, { ok: false, error: { code: 'validation', message: 'Неверный запрос: нет ключа команды (Idempotency-Key)' } });
          outcomes.outcome(keyed).then((o) => sendResult(res, 200, { ok: true, value: o }));
          return;
        }
        const run = () => opts.backend.call(body as Envelope, 'http', who.client);
        (keyed ? outcomes.run(keyed, String(env.method), run) : run()).then((r) => {
          gate.answered?.(env, r, who.client);
          sendResult(res, 200, r);
        }, (e) => sendResult(res, 500, { ok: false, error: { code: 'internal', message: String((e as Error)?.message ?? e) } }));
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    if (!opts.staticDir) return send(res, 404, 'not found', 'text/plain');
    const root = path.resolve(opts.staticDir);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'bad path', 'text/plain');
    }
    let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, 'forbidden', 'text/plain');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) return send(res, 404, 'Интерфейс не собран: выполните npm run build:renderer', 'text/plain; charset=utf-8');
    send(res, 200, fs.readFileSync(file), TYPES[path.extname(file)] ?? 'application/octet-stream');
  };
}

export async function startHttpServer(opts: { backend: ContractCaller; staticDir?: string; port?: number; host?: '127.0.0.1'; token?: string }): Promise<HttpServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const tokenBuf = Buffer.from(`Bearer ${token}`);
  let port = 0;
  const gate: Gate = {
    scheme: 'http',
    hostAllowed: (h) => h === `${host}:${port}` || h === `localhost:${port}`,
    authorize: (req) => {
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== tokenBuf.length || !crypto.timingSafeEqual(auth, tokenBuf)) {
        return { status: 401, error: { code: 'unauthenticated', message: 'Неверный ключ доступа к серверу' } };
      }
      return null;
    },
    admit: (req) => ({ client: `http:${req.socket.remoteAddress ?? '?'}` }),
  };
  const server = http.createServer(contractRequestHandler({ backend: opts.backend, staticDir: opts.staticDir, gate }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/#token=${token}`, token, port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
