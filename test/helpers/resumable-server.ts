// The reference receiver for resumable uploads (protocol in main/backup/upload.ts): HEAD tells the offset held,
// PUT with Content-Range appends from exactly that offset, streaming to disk as bytes arrive (so a dropped connection
// leaves a resumable prefix). `dropAfter` cuts the connection once that many bytes of a PUT body have arrived, on the
// first PUT only: the fault a resumable client must survive.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export type ResumableServer = { url: string; root: string; puts: Array<{ path: string; start: number }>; close(): Promise<void> };

export async function startResumableServer(root: string, opts: { dropAfter?: number; token?: string } = {}): Promise<ResumableServer> {
  const puts: ResumableServer['puts'] = [];
  let dropArmed = opts.dropAfter !== undefined;
  const server = http.createServer((req, res) => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return res.writeHead(401).end();
    const rel = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep) || rel.split('/').includes('..')) return res.writeHead(400).end('bad path');
    const have = fs.existsSync(file) ? fs.statSync(file).size : null;
    if (req.method === 'HEAD') return res.writeHead(have === null ? 404 : 200, have === null ? {} : { 'upload-offset': String(have) }).end();
    if (req.method !== 'PUT') return res.writeHead(405).end();
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '') ?? /^bytes \*\/(0)$/.exec(req.headers['content-range'] ?? '');
    if (!m) return res.writeHead(400).end('Content-Range required');
    const start = m.length === 4 ? Number(m[1]) : 0;
    const total = m.length === 4 ? Number(m[3]) : 0;
    if (start !== (have ?? 0)) return res.writeHead(416, { 'upload-offset': String(have ?? 0) }).end();
    puts.push({ path: rel, start });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const out = fs.createWriteStream(file, { flags: 'a' });
    let got = 0;
    req.on('data', (chunk: Buffer) => {
      if (dropArmed && got + chunk.length > opts.dropAfter!) {
        dropArmed = false;
        out.end(chunk.subarray(0, opts.dropAfter! - got), () => req.socket.destroy());
        req.pause();
        return;
      }
      got += chunk.length;
      out.write(chunk);
    });
    req.on('end', () => out.end(() => {
      const size = fs.statSync(file).size;
      res.writeHead(size === total ? 201 : 202, { 'upload-offset': String(size) }).end();
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/central`, root, puts, close: () => new Promise((r) => server.close(() => r())) };
}
