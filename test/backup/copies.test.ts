// The read-back compare and the kernel's copies of large files (main/backup/copies.ts), on real files: the compare reads
// the source and its copies side by side with the next chunk read ahead, and must still find a copy that differs
// anywhere, is longer or shorter (at a chunk's edge too), or is missing; a plain copy the kernel made is handed to its
// read-back only once it is whole and given to its fsync.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundSync, BufferPool, compareWithSource, SMALL, SYNC_WHILE_COPYING, writeToAll, type Target } from '../../main/backup/copies.ts';
import { progressTo } from '../../main/shared/jobs.ts';

const MiB = 1024 * 1024;
/** A background fsync that remembers what it was given. */
class RecordingSync extends BackgroundSync {
  added: string[] = [];
  add(file: string): void {
    this.added.push(file);
    super.add(file);
  }
}
const CHUNK = 4 * MiB; // the compare's chunk
let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-copies-test-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (name: string, bytes: Buffer) => {
  const p = path.join(root, name);
  fs.writeFileSync(p, bytes);
  return p;
};

describe('compareWithSource, a large file (chunks read side by side, the next one ahead)', () => {
  // an exact number of chunks (the end falls on a chunk's edge) and a size that does not
  for (const size of [3 * CHUNK, 3 * CHUNK + 5]) {
    it(`${size} bytes: only an identical copy passes; a change in any chunk, a byte more or less, or no file fails it`, async () => {
      expect(size).toBeGreaterThan(SMALL);
      const bytes = crypto.randomBytes(size);
      const source = write(`src-${size}`, bytes);
      const changed = (at: number) => {
        const b = Buffer.from(bytes);
        b[at] ^= 0x01;
        return b;
      };
      const copies = [
        write(`same-${size}`, bytes),
        write(`first-${size}`, changed(0)),
        write(`edge-${size}`, changed(2 * CHUNK)), // the first byte of the third chunk
        write(`last-${size}`, changed(size - 1)),
        write(`longer-${size}`, Buffer.concat([bytes, Buffer.from([0])])),
        write(`shorter-${size}`, bytes.subarray(0, size - 1)),
        path.join(root, `missing-${size}`),
      ];
      let counted = 0;
      for (const from of [source, bytes]) { // a source on disk, and one in memory
        const result = await compareWithSource(from, copies, new BufferPool(), (n) => (counted += n));
        expect(result.slice(0, 6)).toEqual([true, false, false, false, false, false]);
        expect((result[6] as NodeJS.ErrnoException).code).toBe('ENOENT');
      }
      expect(counted).toBeGreaterThan(0);
    });
  }
});

describe('writeToAll, a large file\'s plain copies (made by the kernel)', () => {
  it('each is handed to its read-back whole and queued for its fsync; the hash is the source\'s and every copy holds its bytes', async () => {
    const bytes = crypto.randomBytes(SMALL + 3 * MiB);
    const source = write('big-src', bytes);
    const targets: Array<Target & { sync: RecordingSync }> = ['A', 'B'].map((n) => {
      const dir = path.join(root, `dest-${n}`);
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      return { dir, key: null, failed: null, manifest: new Map(), copied: 0, plain: new Set(), sync: new RecordingSync(SYNC_WHILE_COPYING), cache: new Map() };
    });
    const heard: Array<{ dir: string; size: number; queued: boolean }> = [];
    const sha = await writeToAll({ rel: 'data/big', file: source, size: bytes.length }, targets, progressTo(), () => {}, (d, e) => {
      d.failed = String(e);
    }, (d, file) => heard.push({ dir: d.dir, size: fs.statSync(file).size, queued: d.sync.added.includes(file) }));
    expect(sha).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(heard.map((h) => h.dir).sort()).toEqual(targets.map((d) => d.dir));
    for (const h of heard) expect(h).toMatchObject({ size: bytes.length, queued: true }); // whole, and given to its fsync
    for (const d of targets) {
      await d.sync.drain();
      expect([d.failed, d.manifest.get('data/big'), d.plain.has('data/big')]).toEqual([null, sha, true]);
      expect(fs.readFileSync(path.join(d.dir, 'data/big')).equals(bytes)).toBe(true);
    }
  });
});
