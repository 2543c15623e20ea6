// How a backup's files reach its destinations fast, behind a few helpers that backup.ts names by what they do: a
// source read once and hashed once while every destination's copy is written (encrypted for those that want it;
// plain copies beyond the first made by the kernel, copy_file_range), fsyncs in the background while the copy goes
// on, and the read-back compare into reused buffers. Several files run at once (inTurns): while one is hashed on this
// thread, the others are read and written in libuv's threads, on the other core.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Progress } from '../shared/jobs.ts';
import { PRIVATE_FILE } from '../shared/private-files.ts';
import type { HashCache } from './bag.ts';
import { fileEncryptor } from './encryption.ts';

/** A destination as the copying sees it: where its copies go, how it encrypts, what was written there and how. */
export type Target = {
  /** the bag being written there, under its temporary name */
  dir: string;
  key: Buffer | null;
  /** the archivist's words for what went wrong there; once set, nothing more is written there */
  failed: string | null;
  /** bag path → sha256 of the bytes written there */
  manifest: Map<string, string>;
  copied: number;
  /** files written here as plain copies of a source: verified by comparing with the source, byte for byte */
  plain: Set<string>;
  /** fsyncs what is written here, while the copy goes on */
  sync: BackgroundSync;
  /** files already hashed (verified copies, reused files): checkBag does not read them again */
  cache: HashCache;
};

/**
 * A file of the bag: `rel` its path in the bag, read from `file` or held in memory (`bytes`: what must not touch a disk
 * unencrypted, such as the snapshot of a register whose copies are all encrypted); an archive file knows its hash.
 */
export type Source = { rel: string; size: number; archiveSha?: string } & ({ file: string; bytes?: undefined } | { file?: undefined; bytes: Buffer });

/** Writes all of `buf` (a short write is not an error for a regular file, but must be continued). */
async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

/**
 * Runs `work` over `items` in order; consecutive items whose `width` is above 1 run that many at a time.
 * The first failure stops taking new items and is rethrown once the running ones have settled.
 */
export async function inTurns<T>(items: T[], width: (item: T) => number, work: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  while (i < items.length) {
    const w = width(items[i]);
    if (w <= 1) {
      await work(items[i++]);
      continue;
    }
    let end = i;
    while (end < items.length && width(items[end]) > 1) end++;
    const batch = items.slice(i, end);
    i = end;
    let next = 0;
    let failure: unknown = null;
    await Promise.all(Array.from({ length: Math.min(w, batch.length) }, async () => {
      while (next < batch.length && failure === null) {
        const item = batch[next++];
        try {
          await work(item);
        } catch (e) {
          failure ??= e;
        }
      }
    }));
    if (failure !== null) throw failure;
  }
}

/**
 * A second stage that follows a first one item by item: `work` runs on each item once the first stage `release`s it
 * (in `items`' order, `width` at a time); `stop` releases every item and skips those whose work has not begun.
 * `done` settles when every item has been worked on or skipped, rejecting with the first failure.
 */
export function following<T>(items: T[], width: number, work: (item: T) => Promise<void>): { release: (item: T) => void; stop: () => void; done: Promise<void> } {
  let stopped = false;
  const gates = new Map(items.map((item) => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    return [item, { opened, open }] as const;
  }));
  const done = inTurns(items, () => width, async (item) => {
    await gates.get(item)!.opened;
    if (!stopped) await work(item);
  });
  done.catch(() => {}); // the caller settles it
  return {
    release: (item) => gates.get(item)!.open(),
    stop: () => {
      stopped = true;
      gates.forEach((g) => g.open());
    },
    done,
  };
}

/** Files up to this size are read and written whole, without the round trips of streaming (most archive files). */
export const SMALL = 8 * 1024 * 1024;

/**
 * `src` written to every target (encrypted for those with a key) and recorded in their manifests, each copy handed to
 * its destination's background fsync; returns the source's hash (null when there were no targets). The source is read
 * once and hashed once. A target that fails is marked through `fail` and the others go on. `onSynced` hears of each
 * plain copy of a large file the kernel made as soon as it is handed to its fsync (its read-back may begin once that
 * is over, while the source is still being hashed here).
 */
export async function writeToAll<T extends Target>(src: Source, targets: T[], progress: Progress, onBytes: (n: number) => void, fail: (d: T, e: unknown) => void,
  onSynced?: (d: T, file: string) => void): Promise<string | null> {
  if (!targets.length) return null;
  if (src.size <= SMALL) return copySmall(src, targets, onBytes, fail);
  // Plain copies of a file are made by the kernel (copy_file_range, nothing passes through this process) while the
  // source is read once here for its hash and for the encrypted copies; each plain copy is compared with the source
  // after its fsync, like any other. A cancel waits for a copy in flight (the loop below stops at once). The copy takes
  // its source's mode: made private after (where the medium keeps modes; a NAS share may refuse: no reason to fail).
  // Its fsync begins as soon as the kernel has made it, while the source is still being hashed here (the fsync needs
  // the copy's bytes, not its hash). A source in memory is written to every target from here.
  const from = src.file;
  const plain = from === undefined ? [] : targets.filter((d) => !d.key).map((d) => ({
    d, copy: fs.promises.copyFile(from, path.join(d.dir, src.rel), fs.constants.COPYFILE_EXCL)
      .then(() => fs.promises.chmod(path.join(d.dir, src.rel), PRIVATE_FILE).catch(() => {}))
      .then(() => {
        if (d.failed) return;
        d.sync.add(path.join(d.dir, src.rel));
        onSynced?.(d, path.join(d.dir, src.rel));
      }),
  }));
  plain.forEach((p) => p.copy.catch(() => {})); // settled (and reported) below, whatever happens first
  // One encryptor per key: destinations sharing a key get the same encrypted bytes (and one hash of them).
  type Cipher = { enc: ReturnType<typeof fileEncryptor>; hash: crypto.Hash; head: Buffer; chunk: Buffer; tail: Buffer | null; sha: string | null };
  type Out = { d: T; fh: FileHandle | null; cipher: Cipher | null };
  const ciphers = new Map<Buffer, Cipher>();
  const outs: Out[] = [];
  for (const d of targets.filter((t) => t.key || from === undefined)) {
    try {
      const fh = await fs.promises.open(path.join(d.dir, src.rel), 'wx', PRIVATE_FILE);
      let cipher: Cipher | null = null;
      if (d.key) {
        cipher = ciphers.get(d.key) ?? null;
        if (!cipher) {
          const enc = fileEncryptor(d.key);
          const head = enc.head();
          cipher = { enc, hash: crypto.createHash('sha256').update(head), head, chunk: Buffer.alloc(0), tail: null, sha: null };
          ciphers.set(d.key, cipher);
        }
        await writeAll(fh, cipher.head);
      }
      outs.push({ d, fh, cipher });
    } catch (e) {
      fail(d, e);
    }
  }
  const closeAll = async () => {
    for (const o of outs) await o.fh?.close().catch(() => {});
  };
  const h = crypto.createHash('sha256');
  const fh = from === undefined ? null : await fs.promises.open(from, 'r').catch(async (e) => {
    await closeAll();
    await Promise.allSettled(plain.map((p) => p.copy));
    throw e;
  });
  // Two buffers: the next chunk is read while this one is hashed and written (a source in memory is taken in slices).
  const CH = 1 << 22;
  const bufs = fh ? [Buffer.allocUnsafe(CH), Buffer.allocUnsafe(CH)] : [];
  let cur = 0;
  let pos = 0;
  const next = (): Promise<Buffer> => {
    if (!fh) {
      const slice = src.bytes!.subarray(pos, pos + CH);
      pos += slice.length;
      return Promise.resolve(slice);
    }
    const buf = bufs[cur];
    cur ^= 1;
    return fh.read(buf, 0, CH, null).then(({ bytesRead }) => buf.subarray(0, bytesRead));
  };
  let pending: Promise<Buffer> | null = next();
  try {
    for (;;) {
      progress.throwIfCancelled();
      const chunk = await pending!;
      pending = null;
      const bytesRead = chunk.length;
      if (!bytesRead) break;
      pending = next();
      h.update(chunk);
      for (const c of ciphers.values()) {
        c.chunk = c.enc.update(chunk);
        c.hash.update(c.chunk);
      }
      await Promise.all(outs.map(async (o) => {
        if (o.d.failed || !o.fh) return;
        try {
          await writeAll(o.fh, o.cipher ? o.cipher.chunk : chunk);
        } catch (e) {
          fail(o.d, e);
        }
      }));
      onBytes(bytesRead);
    }
    const sha = h.digest('hex');
    for (const c of ciphers.values()) {
      c.tail = c.enc.final();
      c.sha = c.hash.update(c.tail).digest('hex');
    }
    for (const p of plain) {
      try {
        await p.copy;
        if (p.d.failed) continue;
        p.d.manifest.set(src.rel, sha);
        p.d.plain.add(src.rel);
        p.d.copied++;
      } catch (e) {
        fail(p.d, e);
      }
    }
    for (const o of outs) {
      if (o.d.failed || !o.fh) continue;
      try {
        if (o.cipher) await writeAll(o.fh, o.cipher.tail!);
        o.d.sync.add(path.join(o.d.dir, src.rel)); // every write has returned: fsync through its own descriptor
        o.d.manifest.set(src.rel, o.cipher ? o.cipher.sha! : sha);
        if (!o.cipher) o.d.plain.add(src.rel);
        o.d.copied++;
      } catch (e) {
        fail(o.d, e);
      }
    }
    return sha;
  } finally {
    await pending?.catch(() => {});
    await fh?.close();
    await closeAll();
    await Promise.allSettled(plain.map((p) => p.copy));
  }
}

/**
 * A small file whole: read, hashed, written to every target. Asynchronous, so that several run at once (see inTurns):
 * while one is hashed on this thread, the others are read and written in libuv's threads, on the other core.
 */
async function copySmall<T extends Target>(src: Source, targets: T[], onBytes: (n: number) => void, fail: (d: T, e: unknown) => void): Promise<string> {
  const data = src.bytes ?? await fs.promises.readFile(src.file);
  const sealed = new Map<Buffer, { bytes: Buffer; sha: string }>(); // one encryption per key: destinations sharing it get identical bytes
  for (const d of targets) {
    if (!d.key || sealed.has(d.key)) continue;
    const enc = fileEncryptor(d.key);
    const bytes = Buffer.concat([enc.head(), enc.update(data), enc.final()]);
    sealed.set(d.key, { bytes, sha: crypto.createHash('sha256').update(bytes).digest('hex') });
  }
  // The writes start first and the source is hashed while they run. The first plain copy is written from memory; the
  // other plain copies are copied from it by the kernel (copy_file_range: no second pass through this process), and
  // every one of them is still compared with the source after its fsync.
  let firstPlain: Promise<string | null> | null = null;
  const writes = targets.map(async (d) => {
    const file = path.join(d.dir, src.rel);
    if (d.key) return fs.promises.writeFile(file, sealed.get(d.key)!.bytes, { flag: 'wx', mode: PRIVATE_FILE });
    if (!firstPlain) {
      // the copies made from this one take its mode
      const mine = fs.promises.writeFile(file, data, { flag: 'wx', mode: PRIVATE_FILE }).then(() => file);
      firstPlain = mine.catch(() => null);
      return mine;
    }
    const from = await firstPlain;
    if (from) {
      try {
        return await fs.promises.copyFile(from, file, fs.constants.COPYFILE_EXCL);
      } catch {
        // the first copy's medium failed under it: this one is written from memory, and fails only on its own error
        await fs.promises.rm(file, { force: true });
      }
    }
    return fs.promises.writeFile(file, data, { flag: 'wx', mode: PRIVATE_FILE });
  });
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  const done = await Promise.allSettled(writes);
  targets.forEach((d, i) => {
    const r = done[i];
    if (r.status === 'rejected') return fail(d, r.reason);
    if (d.failed) return;
    d.sync.add(path.join(d.dir, src.rel));
    d.manifest.set(src.rel, d.key ? sealed.get(d.key)!.sha : sha);
    if (!d.key) d.plain.add(src.rel);
    d.copied++;
  });
  onBytes(data.length);
  return sha;
}

/**
 * How many fsyncs of one destination run while the copy goes on: the device writes the first files out while later
 * ones are read and hashed, instead of all of it waiting for the end. Few, so that reads and writes keep libuv's threads.
 */
export const SYNC_WHILE_COPYING = 2;
/**
 * At the end, many at a time: the file system commits them together (one at a time, a thousand small archive files
 * cost a thousand journal commits).
 */
export const SYNC_AT_END = 8;

/**
 * fsyncs files in the background, at most `width` at a time; `synced` waits for one file, `drain` for all of them and
 * throws the first failure (after which nothing more is synced: that destination has failed).
 */
export class BackgroundSync {
  private queue: string[] = [];
  private pending = new Set<string>();
  private waiting = new Map<string, Array<() => void>>();
  private running = 0;
  private failure: unknown = null;
  private idle: Array<() => void> = [];
  constructor(private width: number) {}

  add(file: string): void {
    this.queue.push(file);
    this.pending.add(file);
    this.pump();
  }

  /** Resolves once `file`'s fsync is over, or will not happen (a failure: drain reports it); at once for a file never added. */
  synced(file: string): Promise<void> {
    if (!this.pending.has(file)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(file, [...(this.waiting.get(file) ?? []), resolve]));
  }

  async drain(width = this.width): Promise<void> {
    this.width = width;
    this.pump();
    if (this.running) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.failure !== null) throw this.failure;
  }

  private finished(file: string): void {
    this.pending.delete(file);
    this.waiting.get(file)?.forEach((resolve) => resolve());
    this.waiting.delete(file);
  }

  private pump(): void {
    if (this.failure !== null) this.queue.splice(0).forEach((file) => this.finished(file));
    while (this.running < this.width && this.queue.length) {
      const file = this.queue.shift()!;
      this.running++;
      fsyncFile(file).catch((e) => {
        this.failure ??= e;
      }).finally(() => {
        this.running--;
        this.finished(file);
        this.pump();
        if (!this.running) this.idle.splice(0).forEach((resolve) => resolve());
      });
    }
  }
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.promises.open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Buffers handed out and back again, so that reading many small files allocates few. */
export class BufferPool {
  private free: Buffer[] = [];
  take(n: number, size: number): Buffer[] {
    return Array.from({ length: n }, () => {
      const i = this.free.findIndex((b) => b.length >= size);
      return i >= 0 ? this.free.splice(i, 1)[0] : Buffer.allocUnsafe(Math.max(size, 1 << 20));
    });
  }
  give(bufs: Buffer[]): void {
    this.free.push(...bufs);
  }
}

/** Reads `file` into `buf` up to its length; returns how many bytes were read. */
async function readInto(file: string, buf: Buffer): Promise<number> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    return got;
  } finally {
    await fh.close();
  }
}

/**
 * Reads the source (a file, or bytes in memory) and each copy side by side: true when a copy holds exactly the source's
 * bytes, the error otherwise.
 */
export async function compareWithSource(source: string | Buffer, copies: string[], pool: BufferPool, onBytes: (n: number) => void): Promise<Array<true | false | unknown>> {
  const result: Array<true | false | unknown> = copies.map(() => true);
  const size = typeof source === 'string' ? (await fs.promises.stat(source)).size : source.length;
  if (size <= SMALL) {
    // into reused buffers: a thousand small files read three times would otherwise keep the garbage collector busy
    const bufs = pool.take(1 + copies.length, size + 1); // one byte more: a copy longer than its source shows
    try {
      const [a, ...read] = await Promise.allSettled([source, ...copies].map((f, i) => (typeof f === 'string' ? readInto(f, bufs[i]) : Promise.resolve(f.length))));
      if (a.status === 'rejected') throw a.reason;
      const want = typeof source === 'string' ? bufs[0].subarray(0, a.value) : source;
      read.forEach((r, i) => {
        result[i] = r.status === 'rejected' ? r.reason : r.value === a.value && bufs[i + 1].subarray(0, r.value).equals(want);
      });
      onBytes(a.value * copies.length);
    } finally {
      pool.give(bufs);
    }
    return result;
  }
  // Large: chunk by chunk, the source and every copy read at the same time (in libuv's threads), the next chunk read
  // while this one is compared. Each read fills its chunk up to the end of its file, so a copy longer or shorter than
  // its source shows in the chunk where the source ends.
  const src = typeof source === 'string' ? await fs.promises.open(source, 'r') : null;
  const fhs: Array<FileHandle | null> = [];
  for (const [i, c] of copies.entries()) {
    try {
      fhs.push(await fs.promises.open(c, 'r'));
    } catch (e) {
      fhs.push(null);
      result[i] = e;
    }
  }
  const CH = 1 << 22;
  const fill = async (fh: FileHandle, buf: Buffer, pos: number): Promise<number> => {
    let got = 0;
    while (got < CH) {
      const r = await fh.read(buf, got, CH - got, pos + got);
      if (!r.bytesRead) break;
      got += r.bytesRead;
    }
    return got;
  };
  type Chunk = { got: number; a: Buffer; bufs: Buffer[]; copyGot: Array<number | { error: unknown } | null> };
  const slots = [0, 1].map(() => ({ a: Buffer.allocUnsafe(CH), bufs: copies.map(() => Buffer.allocUnsafe(CH)) }));
  const readChunk = async (pos: number, slot: (typeof slots)[number]): Promise<Chunk> => {
    const [got, ...copyGot] = await Promise.all([
      src ? fill(src, slot.a, pos) : Promise.resolve((source as Buffer).copy(slot.a, 0, pos, pos + CH)),
      ...fhs.map((fh, i) => (!fh || result[i] !== true ? Promise.resolve(null) : fill(fh, slot.bufs[i], pos).catch((error: unknown) => ({ error })))),
    ]);
    return { got, a: slot.a, bufs: slot.bufs, copyGot };
  };
  let next: Promise<Chunk> | null = null;
  try {
    next = readChunk(0, slots[0]);
    for (let pos = 0, k = 0; ; k++) {
      const chunk: Chunk = await next!;
      next = null;
      if (chunk.got === CH) next = readChunk(pos + CH, slots[(k + 1) % 2]); // the next chunk, while this one is compared
      chunk.copyGot.forEach((g, i) => {
        if (g === null || result[i] !== true) return;
        if (typeof g !== 'number') result[i] = g.error;
        else if (g !== chunk.got || !chunk.a.subarray(0, chunk.got).equals(chunk.bufs[i].subarray(0, g))) result[i] = false;
      });
      onBytes(chunk.got * copies.length);
      if (chunk.got < CH) break;
      pos += CH;
    }
  } finally {
    await next?.catch(() => {});
    await src?.close();
    for (const fh of fhs) await fh?.close();
  }
  return result;
}
