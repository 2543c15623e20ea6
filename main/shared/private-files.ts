// Files and folders the program creates are its user's alone: 0600 and 0700 on POSIX. One process-wide umask (077),
// set by each shell as it starts, reaches every file the process creates: the register and SQLite's own -wal, -shm and
// -journal (which the program never creates itself), the audit anchor, the archive, bags, exports, temp files, what a
// library writes, and code written later. A umask cannot narrow a mode that is carried over rather than made: copyFile
// gives the copy its source's mode, rename and hard links keep a file's mode, and files an older version made stay as
// they were; makePrivate tightens those where the program meets them. On Windows there are no mode bits: the files
// live under the user's profile (or a folder the user chose) and its ACL applies.
// Temp folders are named `sr-<kind>-<pid>-XXXXXX`, so that whatever a killed run left is removed by the next one
// without touching the folders of a run still going on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;
const POSIX = process.platform !== 'win32';

/**
 * Called once by each shell (the app, the browser shell's server, the command line) before it opens anything: from
 * then on every file the process creates is 0600 and every folder 0700; temp folders killed runs left are removed.
 */
export function keepFilesPrivate(): void {
  if (POSIX) process.umask(0o077);
  removeStaleTemp();
}

/** Takes group's and others' bits off a file or folder of this user (no-op for a symlink, someone else's file, Windows). */
export function makePrivate(p: string): void {
  if (!POSIX) return;
  try {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink() || (st.mode & 0o077) === 0 || st.uid !== process.getuid?.()) return;
    fs.chmodSync(p, st.mode & 0o700);
  } catch {
    // gone, or a file system without modes (FAT on a USB stick): nothing to tighten
  }
}

/** The kinds of temp folder the program makes in the OS temp folder (`sr-<kind>-…`). */
const TEMP_KINDS = ['snapshot', 'export', 'list', 'import', 'witness', 'drill'] as const;
export type TempKind = (typeof TEMP_KINDS)[number];
const TEMP_NAME = new RegExp(`^sr-(?:${TEMP_KINDS.join('|')})-(?:(\\d+)-)?[A-Za-z0-9]{6}$`);
/**
 * A folder named without a process id (as an older version, or a module not yet moved to privateTempDir, makes them)
 * is taken for abandoned once it is this old: every operation that makes one ends within minutes.
 */
const UNNAMED_STALE_MS = 60 * 60 * 1000;

/** A new temp folder (0700) named by this process, so that the next run can tell it was abandoned if this one is killed. */
export function privateTempDir(kind: TempKind): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sr-${kind}-${process.pid}-`));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the program's temp folders that killed runs left in the OS temp folder: those of a process that is gone,
 * and those without a process id older than an hour. Returns the names removed. Never throws: a temp folder that
 * cannot be removed is no reason to refuse the work asked for.
 */
export function removeStaleTemp(now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const full = path.join(os.tmpdir(), name);
    try {
      const st = fs.lstatSync(full);
      if (!st.isDirectory() || (POSIX && st.uid !== process.getuid?.())) continue;
      const pid = m[1] ? Number(m[1]) : null;
      const stale = pid !== null ? pid !== process.pid && !alive(pid) : now - st.mtimeMs > UNNAMED_STALE_MS;
      if (!stale) continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // removed meanwhile, or not ours to remove
    }
  }
  return removed;
}
