// The office network in tests: a free port on loopback, raw HTTPS requests that set Host, Origin and the source address
// exactly as written, and a TCP proxy between a workplace and the server that can cut the connection.
import https from 'node:https';
import net from 'node:net';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export type RawAnswer = { status: number; body: string; json: unknown };

/** POST over HTTPS without trusting anything (the server's certificate is checked by the tests that need it). */
export function rawHttps(port: number, opts: { path?: string; headers?: Record<string, string>; body: string; from?: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method: 'POST', path: opts.path ?? '/api/call', rejectUnauthorized: false, agent: false,
      localAddress: opts.from, headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json', ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          // not JSON: a plain refusal
        }
        resolve({ status: res.statusCode ?? 0, body, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A TCP proxy from `listen` to 127.0.0.1:`target`: the TLS passes through it untouched. `holdOpen` makes every connection
 * open now cut as soon as the workplace sends anything more on it (nothing of that forwarded); `cutAll` cuts what is
 * open now. Connections made later pass.
 */
export async function cuttingProxy(target: number, listen: { host: string; port: number }) {
  const pairs = new Set<{ a: net.Socket; b: net.Socket; held: boolean }>();
  const server = net.createServer((a) => {
    const b = net.connect(target, '127.0.0.1');
    const pair = { a, b, held: false };
    pairs.add(pair);
    a.on('data', (d) => {
      if (pair.held) {
        a.destroy();
        b.destroy();
        return;
      }
      b.write(d);
    });
    b.on('data', (d) => a.write(d));
    const end = () => {
      a.destroy();
      b.destroy();
      pairs.delete(pair);
    };
    a.on('close', end).on('error', end);
    b.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(listen.port, listen.host, () => r()));
  return {
    open: () => pairs.size,
    holdOpen() {
      for (const p of pairs) p.held = true;
    },
    cutAll() {
      for (const p of pairs) {
        p.a.destroy();
        p.b.destroy();
      }
    },
    close: () => new Promise<void>((r) => {
      for (const p of pairs) {
        p.a.destroy();
        p.b.destroy();
      }
      server.close(() => r());
    }),
  };
}
