// The central copy: a finished bag uploaded to a configured HTTP(S) resource, resumably. Protocol (a small subset of
// what resumable-upload servers speak; test/helpers/resumable-server.ts is the reference):
//   HEAD {base}/{bag}/{path}  → 200 with `Upload-Offset: N` (bytes the server holds) or 404 (nothing yet)
//   PUT  {base}/{bag}/{path}  with `Content-Range: bytes N-(size-1)/size`, the bytes from N on
//        → 201 when the file is complete, 202 when more is expected; 416 with `Upload-Offset` when N is not what the
//          server holds (the client then HEADs and continues from there).
// Payload files go first, then the tag files and the authentication tag (sr-authentication.txt, not listed in the tag
// manifest: it is made over it), the tag manifest last: the server may treat a bag as arrived when that file is complete,
// and a bag fetched back from it must still say who wrote it.
// A broken connection is resumed from the server's offset, never from zero.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { progressTo, type Progress } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { checkBag, TAGMANIFEST } from './bag.ts';
import { AUTHENTICATION, checkAuthenticity } from './key.ts';

/** `authentic`: the bag's tag verified under this installation's key before it was sent (the tag travels either way). */
export type UploadResult = { url: string; files: number; bytesSent: number; resumed: number; skipped: number; authentic: boolean; authenticity: string };

type Resp = { status: number; headers: http.IncomingHttpHeaders; body: string };

function request(url: URL, method: string, headers: Record<string, string>, body?: fs.ReadStream): Promise<Resp> {
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!lib) return Promise.reject(new AppError('validation', `Адрес центрального хранилища должен начинаться с http:// или https://: ${url}`));
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        .on('error', reject);
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    if (body) {
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    } else req.end();
  });
}

const fileUrl = (base: string, bag: string, rel: string) =>
  new URL(`${base.replace(/\/+$/, '')}/${encodeURIComponent(bag)}/${rel.split('/').map(encodeURIComponent).join('/')}`);

export async function uploadBag(bagDir: string, baseUrl: string, opts: { token?: string | null; retries?: number; progress?: Progress } = {}): Promise<UploadResult> {
  const progress = opts.progress ?? progressTo();
  const bag = path.resolve(bagDir);
  const check = await checkBag(bag);
  if (!check.ok) throw new AppError('validation', `Копия ${bag} повреждена, в центральное хранилище не отправлена: ${check.problems[0].message}`);
  const name = path.basename(bag);
  const tagged = fs.lstatSync(path.join(bag, AUTHENTICATION), { throwIfNoEntry: false })?.isFile() ?? false;
  const authenticity = checkAuthenticity(bag);
  const files = [...check.payload.keys(), ...[...check.tags.keys()].filter((f) => f !== TAGMANIFEST), ...(tagged ? [AUTHENTICATION] : []), TAGMANIFEST];
  const sizes = files.map((f) => fs.statSync(path.join(bag, f)).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  const retries = opts.retries ?? 5;
  let done = 0;
  const result: UploadResult = { url: fileUrl(baseUrl, name, '').toString(), files: files.length, bytesSent: 0, resumed: 0, skipped: 0,
    authentic: authenticity.genuine, authenticity: authenticity.reason };
  for (let i = 0; i < files.length; i++) {
    const rel = files[i];
    const size = sizes[i];
    const url = fileUrl(baseUrl, name, rel);
    let attempt = 0;
    let firstTry = true;
    for (;;) {
      progress.throwIfCancelled();
      try {
        const head = await request(url, 'HEAD', auth);
        if (head.status === 401 || head.status === 403) throw new AppError('forbidden', `Центральное хранилище отказало в доступе (${head.status}): ${url}`);
        const offset = head.status === 200 ? Number(head.headers['upload-offset'] ?? 0) : 0;
        if (head.status !== 200 && head.status !== 404) throw new Error(`HEAD ${url}: ${head.status}`);
        if (offset > size) throw new AppError('conflict', `Центральное хранилище держит ${rel} длиннее оригинала (${offset} > ${size}): это другой файл`);
        if (offset === size && size > 0) {
          if (firstTry) result.skipped++;
          break;
        }
        if (offset > 0) result.resumed++;
        const body = size > 0 ? fs.createReadStream(path.join(bag, rel), { start: offset }) : undefined;
        let sent = 0;
        body?.on('data', (d) => {
          sent += d.length;
          progress.report(done + offset + sent, total, `Отправка ${rel}`);
        });
        const put = await request(url, 'PUT', {
          ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size - offset),
          'content-range': size > 0 ? `bytes ${offset}-${size - 1}/${size}` : 'bytes */0',
        }, body);
        result.bytesSent += sent;
        if (put.status === 201 || put.status === 200) break;
        if (put.status === 401 || put.status === 403) throw new AppError('forbidden', `Центральное хранилище отказало в доступе (${put.status}): ${url}`);
        if (put.status !== 202 && put.status !== 416) throw new Error(`PUT ${url}: ${put.status} ${put.body.slice(0, 200)}`);
      } catch (e) {
        if (e instanceof AppError) throw e;
        if (++attempt > retries) {
          throw new AppError('conflict', `Не удалось отправить ${rel} в центральное хранилище после ${retries} попыток: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
      firstTry = false;
    }
    done += size;
    progress.report(done, total, `Отправлено ${rel}`);
  }
  return result;
}
