// Raw HTTP for transport tests: node:http lets a test set Host and Origin and send a path exactly as written
// (fetch would normalize "/../x" and refuse to set Host).
import http from 'node:http';

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

export function rawRequest(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** POST /api/call the way the browser shell does it: the envelope as JSON, the Bearer token. */
export function postCall(base: { port: number; token: string }, envelope: unknown, headers: Record<string, string> = {}) {
  return postBody(base, JSON.stringify(envelope) ?? 'null', headers);
}

/** POST /api/call with a body sent exactly as given (for bodies that are not JSON). */
export async function postBody(base: { port: number; token: string }, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${base.port}/api/call`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${base.token}`, ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as unknown };
}
