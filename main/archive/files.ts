// Durable file writing shared by the archive and the backups: write under a temporary name, fsync the file,
// rename, fsync the directory, so that after a crash a file is either whole or absent. Every file is its user's alone
// (0600), whatever the process's umask.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE } from '../shared/private-files.ts';

export const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** sha256 and size of a file, read in chunks (files may be far larger than memory). */
export async function hashFile(file: string, onBytes?: (n: number) => void): Promise<{ sha256: string; size: number }> {
  // Small files (most archive files) whole: streaming them costs more in round trips than in reading.
  if (fs.statSync(file).size <= 8 * 1024 * 1024) {
    const b = fs.readFileSync(file);
    onBytes?.(b.length);
    return { sha256: sha256(b), size: b.length };
  }
  const h = crypto.createHash('sha256');
  const fh = await fs.promises.open(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
      onBytes?.(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return { sha256: h.digest('hex'), size };
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: temporary name, fsync, rename, fsync of the directory. */
export function writeFileDurably(file: string, data: Buffer | string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', PRIVATE_FILE);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Appends one line and fsyncs (unless the caller fsyncs a batch of lines later): the manifest is append-only. */
export function appendLineDurably(file: string, line: string, o: { fsync?: boolean } = {}): void {
  const fd = fs.openSync(file, 'a', PRIVATE_FILE);
  try {
    fs.writeSync(fd, line + '\n');
    if (o.fsync !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync of a file or folder in libuv's threads: the caller's thread goes on meanwhile. */
export async function fsyncInBackground(p: string): Promise<void> {
  const fh = await fs.promises.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * writeFileDurably in libuv's threads (write, fsync, rename): the caller's thread goes on meanwhile. The folder is
 * not fsynced here: a caller writing several files fsyncs it once after them (fsyncInBackground).
 */
export async function writeFileInBackground(file: string, data: Buffer | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  const fh = await fs.promises.open(tmp, 'wx', PRIVATE_FILE);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fs.promises.rename(tmp, file);
}
