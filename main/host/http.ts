// The loopback HTTP transport: the browser shell (and the contract tests) reach the same backend over
// 127.0.0.1 with a random per-run token. Static files of the built renderer are served beside the API.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Result } from '../../preload/contract.ts';
import type { Backend } from './backend.ts';

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

export async function startHttpServer(opts: { backend: Backend; staticDir?: string; port?: number; host?: '127.0.0.1'; token?: string }): Promise<HttpServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const tokenBuf = Buffer.from(`Bearer ${token}`);
  let port = 0;

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type: string) => {
    res.writeHead(status, {
      'Content-Type': type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Resource-Policy': 'same-origin',
    });
    res.end(body);
  };
  const sendResult = (res: http.ServerResponse, status: number, r: Result<unknown>) => send(res, status, JSON.stringify(r), 'application/json; charset=utf-8');

  const server = http.createServer((req, res) => {
    // Only our own loopback origin: a page on another site (DNS rebinding, CSRF) gets nothing.
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== `${host}:${port}` && hostHeader !== `localhost:${port}`) return send(res, 421, 'wrong host', 'text/plain');
    const url = new URL(req.url ?? '/', `http://${hostHeader}`);
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain');
      const origin = req.headers.origin;
      if (origin && origin !== `http://${hostHeader}`) return sendResult(res, 403, { ok: false, error: { code: 'forbidden', message: 'Чужой источник запроса' } });
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== tokenBuf.length || !crypto.timingSafeEqual(auth, tokenBuf)) {
        return sendResult(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'Неверный ключ доступа к серверу' } });
      }
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
        let env: unknown;
        try {
          env = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return sendResult(res, 400, { ok: false, error: { code: 'validation', message: 'Неверный запрос: тело не JSON' } });
        }
        opts.backend.call(env as never, 'http', `http:${req.socket.remoteAddress ?? '?'}`).then((r) => sendResult(res, 200, r), (e) =>
          sendResult(res, 500, { ok: false, error: { code: 'internal', message: String((e as Error)?.message ?? e) } }));
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
  });

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
