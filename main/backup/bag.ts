// BagIt (RFC 8493) as the backups write and read it: bagit.txt, bag-info.txt, data/, manifest-sha256.txt,
// tagmanifest-sha256.txt. Reading refuses any manifest path that could leave the bag, and checking a bag re-hashes
// every file against its manifest: a bag is trusted only when every byte of it is what its manifests say.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/errors.ts';
import { hashFile } from '../archive/files.ts';
import { count } from '../../preload/core/plural.ts';

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
export const MANIFEST = 'manifest-sha256.txt';
export const TAGMANIFEST = 'tagmanifest-sha256.txt';
export const BAG_INFO = 'bag-info.txt';
export const ENCRYPTION = 'encryption.json';
/** Where a backup is written before it is renamed into place; `<pid>` tells a dead writer's leftovers from a live one's. */
export const PARTIAL_PREFIX = '.sr-partial-';

/** RFC 8493 §2.1.3: CR, LF and % in a path are percent-encoded in manifests. */
export const encodePath = (p: string) => p.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D');
const decodePath = (p: string) => p.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');

/** Manifest lines: `<sha256>  <path>` (two spaces, so coreutils' `sha256sum -c` reads them too). */
export function manifestText(entries: Array<{ path: string; sha256: string }>): string {
  return entries.map((e) => `${e.sha256}  ${encodePath(e.path)}\n`).join('');
}

export class UnsafeBagError extends AppError {
  constructor(bag: string, p: string, message?: string) {
    super('validation', message ?? `Копия ${bag}: в описи путь «${p}» ведёт за пределы копии — такая копия не принимается`);
  }
}

/** A symbolic link inside a bag (data/ itself, a payload file or folder, a tag file): what it names may lie anywhere. */
export class LinkInBagError extends UnsafeBagError {
  constructor(bag: string, p: string) {
    let to = '';
    try {
      to = fs.readlinkSync(path.join(bag, p));
    } catch {
      // gone meanwhile: the path is still named
    }
    super(bag, p, `Копия ${bag}: «${p}» — символическая ссылка${to ? ` (на ${to})` : ''}; копия со ссылками не принимается: ` +
      'её данные могли бы прийти из-за её пределов');
  }
}

/** The folders and tag files a bag may hold at its top. */
const TOP = ['data', 'bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'encryption.json'];

/**
 * Refuses a bag whose data/ or a tag file is a symbolic link, or resolves outside the bag (lstat, then realpath
 * containment): checked before anything of the bag is read. Links deeper in data/ are found by the walk of checkBag.
 */
export function refuseLinks(bag: string, more: Iterable<string> = []): void {
  let root: string;
  try {
    root = fs.realpathSync(bag);
  } catch {
    return; // no such folder: the caller says so
  }
  for (const p of new Set([...TOP, ...more])) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(bag, p));
    } catch {
      continue; // missing: reported as missing where it matters
    }
    if (st.isSymbolicLink()) throw new LinkInBagError(bag, p);
    const real = fs.realpathSync(path.join(bag, p));
    if (!real.startsWith(root + path.sep)) throw new UnsafeBagError(bag, p, `Копия ${bag}: «${p}» ведёт за пределы копии (в ${real}) — такая копия не принимается`);
  }
}

/** A manifest path must stay inside the bag: relative, no `..`, no empty or `.` segments, no backslashes or NUL. */
export function safeRelPath(bag: string, p: string, mustStartWith?: string): string {
  const segs = p.split('/');
  if (!p || p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\\') || p.includes('\0') ||
    segs.some((s) => s === '..' || s === '.' || s === '')) throw new UnsafeBagError(bag, p);
  const resolved = path.resolve(bag, p);
  if (!resolved.startsWith(path.resolve(bag) + path.sep)) throw new UnsafeBagError(bag, p);
  if (mustStartWith && !p.startsWith(mustStartWith)) throw new UnsafeBagError(bag, p);
  return p;
}

export type ManifestEntries = Map<string, string>;

/** Parses a manifest; refuses unsafe paths and lines that are not `<64 hex> <path>`. */
export function parseManifest(bag: string, text: string, name: string, payload: boolean): ManifestEntries {
  const out: ManifestEntries = new Map();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9a-fA-F]{64})[ \t]+\*?(.+)$/.exec(line);
    if (!m) throw new AppError('validation', `Копия ${bag}: ${name}, строка ${i + 1} не по формату BagIt («хеш путь»)`);
    const p = safeRelPath(bag, decodePath(m[2]), payload ? 'data/' : undefined);
    out.set(p, m[1].toLowerCase());
  });
  return out;
}

export function parseBagInfo(text: string): Map<string, string> {
  const info = new Map<string, string>();
  let last = '';
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) info.set(last, `${info.get(last)} ${line.trim()}`);
    else {
      const i = line.indexOf(':');
      if (i > 0) info.set((last = line.slice(0, i).trim()), line.slice(i + 1).trim());
    }
  }
  return info;
}

export function bagInfoText(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${k}: ${v.replace(/\r?\n/g, ' ')}\n`).join('');
}

/** Every regular file under `dir`, as bag-relative paths with '/'. Symlinks are reported, never followed. */
export function listFiles(root: string, sub: string): { files: string[]; links: string[] } {
  const files: string[] = [];
  const links: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${d.name}`;
      if (d.isSymbolicLink()) links.push(r);
      else if (d.isDirectory()) walk(r);
      else files.push(r);
    }
  };
  walk(sub);
  return { files, links };
}

export type BagProblem = {
  file: string;
  problem: 'damaged' | 'missing' | 'unexpected' | 'incomplete';
  /** what the manifest says the file's sha256 must be (damaged, missing) */
  expected?: string;
  message: string;
};

export type BagCheck = {
  bag: string;
  ok: boolean;
  payload: ManifestEntries;
  tags: ManifestEntries;
  info: Map<string, string>;
  encrypted: boolean;
  files: number;
  bytes: number;
  problems: BagProblem[];
};

export type HashCache = Map<string, string | null>;

async function hashOrNull(file: string, cache?: HashCache, onBytes?: (n: number) => void): Promise<string | null> {
  if (cache?.has(file)) return cache.get(file)!;
  let h: string | null = null;
  try {
    h = (await hashFile(file, onBytes)).sha256;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  cache?.set(file, h);
  return h;
}

/** Files up to this size are read whole (most archive files); larger ones stream. */
const WHOLE = 8 * 1024 * 1024;
/** How many files are read ahead of the one being hashed: reads run in libuv's threads while this thread hashes. */
const AHEAD = 4;
const CHUNK = 1 << 22;

/** sha256 of a large file: the next chunk is read while this one is hashed. */
async function hashStreaming(file: string, onBytes?: (n: number) => void): Promise<string> {
  const h = crypto.createHash('sha256');
  const fh = await fs.promises.open(file, 'r');
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let cur = 0;
  let pending: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, CHUNK, null);
  try {
    for (;;) {
      const { bytesRead } = await pending!;
      pending = null;
      if (!bytesRead) break;
      const chunk = bufs[cur].subarray(0, bytesRead);
      cur ^= 1;
      pending = fh.read(bufs[cur], 0, CHUNK, null);
      h.update(chunk);
      onBytes?.(bytesRead);
    }
  } finally {
    await pending?.catch(() => {});
    await fh.close();
  }
  return h.digest('hex');
}

/** One reader of hashFiles: its buffer is reused from file to file (few allocations, little for the garbage collector). */
class Lane {
  private buf = Buffer.allocUnsafe(0);

  /** sha256 of `file`, or null when it does not exist. Open, size, one read, close: few round trips per small file. */
  async hash(file: string, onBytes?: (n: number) => void): Promise<string | null> {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      if (size > WHOLE) {
        await fh.close().catch(() => {});
        return await hashStreaming(file, onBytes);
      }
      if (this.buf.length < size + 1) this.buf = Buffer.allocUnsafe(Math.max(size + 1, 1 << 20));
      // one byte more than its size: a short read is its end; a file that grew meanwhile is read on to its end
      const h = crypto.createHash('sha256');
      for (;;) {
        const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, null);
        if (!bytesRead) break;
        h.update(this.buf.subarray(0, bytesRead));
        onBytes?.(bytesRead);
        if (bytesRead < this.buf.length) break;
      }
      return h.digest('hex');
    } finally {
      await fh.close().catch(() => {});
    }
  }
}

/**
 * sha256 of each file (null for a missing one), in order, with reads running ahead of the hashing (AHEAD files at a
 * time): the device and the hash work at once instead of taking turns. The first error stops it and is thrown.
 */
export async function hashFiles(files: string[], cache?: HashCache, onBytes?: (n: number) => void): Promise<Array<string | null>> {
  const out: Array<string | null> = new Array(files.length).fill(null);
  let next = 0;
  let failure: unknown = null;
  await Promise.all(Array.from({ length: Math.min(AHEAD, files.length) }, async () => {
    const lane = new Lane();
    while (next < files.length && failure === null) {
      const i = next++;
      const file = files[i];
      try {
        if (cache?.has(file)) out[i] = cache.get(file)!;
        else {
          out[i] = await lane.hash(file, onBytes);
          cache?.set(file, out[i]);
        }
      } catch (e) {
        failure ??= e;
      }
    }
  }));
  if (failure !== null) throw failure;
  return out;
}

/**
 * Checks a bag: structure, every tag file against the tag manifest, every payload file against the payload manifest
 * (`payloadManifest` overrides the bag's own, e.g. a twin's when this one's manifest is damaged), files in data/ the
 * manifest does not name, and Payload-Oxum. Unsafe paths throw (UnsafeBagError): such a bag is refused, not checked.
 */
export async function checkBag(bag: string, opts: { payloadManifest?: ManifestEntries; tagManifest?: ManifestEntries; cache?: HashCache; onBytes?: (n: number) => void } = {}): Promise<BagCheck> {
  const problems: BagProblem[] = [];
  const at = (f: string) => path.join(bag, f);
  // Links first, before a byte is read: a data/ (or a file in it, or a tag file) that points elsewhere is refused.
  refuseLinks(bag, opts.tagManifest?.keys());
  const { files: present, links } = listFiles(bag, 'data');
  if (links.length) throw new LinkInBagError(bag, links[0]);
  const read = (f: string) => (fs.existsSync(at(f)) ? fs.readFileSync(at(f), 'utf8') : null);
  const bagit = read('bagit.txt');
  if (bagit === null || !/^BagIt-Version: 1\.\d+/m.test(bagit)) {
    problems.push({ file: 'bagit.txt', problem: bagit === null ? 'missing' : 'damaged', message: `Копия ${bag}: нет объявления BagIt (bagit.txt)` });
  }
  const tagText = read(TAGMANIFEST);
  const tags = opts.tagManifest ?? (tagText === null ? new Map<string, string>() : parseManifest(bag, tagText, TAGMANIFEST, false));
  if (tagText === null) problems.push({ file: TAGMANIFEST, problem: 'missing', message: `Копия ${bag}: нет ${TAGMANIFEST}` });
  refuseLinks(bag, tags.keys());
  for (const [file, expected] of tags) {
    if (file.startsWith('data/')) throw new UnsafeBagError(bag, file);
    const h = await hashOrNull(at(file), opts.cache);
    if (h === null) problems.push({ file, problem: 'missing', expected, message: `Копия ${bag}: нет служебного файла ${file}` });
    else if (h !== expected) problems.push({ file, problem: 'damaged', expected, message: `Копия ${bag}: служебный файл ${file} изменён (хеш не совпадает с ${TAGMANIFEST})` });
  }
  for (const f of ['bagit.txt', BAG_INFO, MANIFEST]) {
    if (tags.size && !tags.has(f) && fs.existsSync(at(f))) problems.push({ file: f, problem: 'unexpected', message: `Копия ${bag}: ${f} не указан в ${TAGMANIFEST}` });
  }
  const manifestText = read(MANIFEST);
  if (manifestText === null && !opts.payloadManifest) problems.push({ file: MANIFEST, problem: 'missing', expected: tags.get(MANIFEST), message: `Копия ${bag}: нет ${MANIFEST}` });
  const payload = opts.payloadManifest ?? (manifestText === null ? new Map<string, string>() : parseManifest(bag, manifestText, MANIFEST, true));
  let bytes = 0;
  const entries = [...payload];
  const sizes = entries.map(([file]) => {
    try {
      const st = fs.lstatSync(at(file));
      if (st.isSymbolicLink()) throw new LinkInBagError(bag, file);
      return st.size;
    } catch (e) {
      if (e instanceof UnsafeBagError) throw e;
      return 0;
    }
  });
  const hashes = await hashFiles(entries.map(([file]) => at(file)), opts.cache, opts.onBytes);
  for (const [i, [file, expected]] of entries.entries()) {
    const h = hashes[i];
    const size = sizes[i];
    bytes += size;
    if (h === null) problems.push({ file, problem: 'missing', expected, message: `Копия ${bag}: нет файла ${file}` });
    else if (h !== expected) problems.push({ file, problem: 'damaged', expected, message: `Копия ${bag}: файл ${file} повреждён (размер ${count(size, 'байт', 'байта', 'байт')}, хеш не совпадает с описью)` });
  }
  for (const f of present) {
    if (!payload.has(f)) problems.push({ file: f, problem: 'unexpected', message: `Копия ${bag}: лишний файл ${f} (его нет в описи)` });
  }
  const infoText = read(BAG_INFO);
  const info = infoText === null ? new Map<string, string>() : parseBagInfo(infoText);
  const oxum = info.get('Payload-Oxum');
  const expectedOxum = `${bytes}.${payload.size}`; // sizes as found while hashing (a missing file counts 0)
  if (infoText !== null && oxum && oxum !== expectedOxum && !problems.some((p) => p.problem !== 'unexpected')) {
    problems.push({ file: BAG_INFO, problem: 'damaged', message: `Копия ${bag}: Payload-Oxum ${oxum}, а в копии ${expectedOxum}` });
  }
  return { bag, ok: problems.length === 0, payload, tags, info, encrypted: tags.has(ENCRYPTION) || fs.existsSync(at(ENCRYPTION)), files: payload.size, bytes, problems };
}

/** Is this folder a bag (as opposed to a destination holding bags)? */
export const isBag = (dir: string) => fs.existsSync(path.join(dir, 'bagit.txt')) || fs.existsSync(path.join(dir, 'data'));

/** The finished bags on a destination, oldest first (bag names sort by their UTC time). */
export function bagsOn(dest: string): string[] {
  if (!fs.existsSync(dest)) return [];
  return fs.readdirSync(dest, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && isBag(path.join(dest, d.name)))
    .map((d) => d.name).sort();
}

/** Leftovers of interrupted backups on a destination: `.sr-partial-<bag>-<pid>`. */
export function partialsOn(dest: string): Array<{ name: string; pid: number }> {
  if (!fs.existsSync(dest)) return [];
  return fs.readdirSync(dest).filter((n) => n.startsWith(PARTIAL_PREFIX))
    .map((name) => ({ name, pid: Number(/-(\d+)$/.exec(name)?.[1] ?? 0) }));
}
