// The read-access log while another connection writes (issue 18). A reading of personal data is answered only once its
// entry is durable. read_log lives in the register, and the register has one writer at a time: while the journal
// import commits its one transaction in its worker thread (or a backup writes its records, or another program's job
// runs), an entry written straight into read_log would keep the reader waiting for all of it — a search during an
// import took 0.7–1.4 s. So when the register is busy the entry goes to a side journal beside it instead:
//
//   <register>-reads-<pid>-<8 hex>.journal   one per running program and register, private to its user (0600)
//
// one line per reading — numbered, with its own SHA-256 so a torn or altered line is told from a whole one — appended
// with a single write and fsync'd (and the folder fsync'd when the file is new) before the answer goes out. As soon as
// the lock is free the lines are moved into read_log, in their order, chained as every entry is, in one transaction
// with the journal's mark (read_log_journals: the last line moved, migration 0023); then the file is removed. While a
// program has lines waiting, its next readings go to the journal too, so the log keeps the order they were answered in.
//
// After a crash or a power cut the lines of a program that is no longer running are moved when the register is next
// opened (recoverReads); the mark makes a journal moved twice — the program stopped between the commit and the
// removal — add nothing twice. A line cut short by the crash is the reading that was never answered (its fsync had not
// returned) and is dropped; a line that does not check out anywhere else is not a crash's doing: the valid lines are
// moved, the file is kept beside the register as `….journal.damaged` and the audit log says so.
//
// Whoever reads the log itself (its list, its chain, the subject-access report, a backup) first waits, without holding
// the backend's thread, until this program's waiting lines are in it (settleReads).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { tryWithoutWaiting, writeWhenFree } from '../../db/write-when-free.ts';
import { nowIso } from '../../preload/core/dates.ts';
import { AppError } from '../shared/errors.ts';
import { logError } from '../shared/log.ts';
import { appendAudit } from '../audit/log.ts';
import { fsyncDir } from '../archive/files.ts';
import { appendReads, readRecord, type ReadRecord } from './read-log.ts';
import type { ReadKind } from '../../preload/core/consents.ts';

const KINDS = new Set<string>(['card', 'list', 'printout']);
const NAME = /^(\d+)-([0-9a-f]{8})\.journal$/;

type Line = ReadRecord & { n: number };

const lineSum = (l: Line) => crypto.createHash('sha256')
  .update(JSON.stringify([l.n, l.at, l.login, l.workplace, l.method, l.kind, l.detail, [...l.studentIds]])).digest('hex');

export function encodeLine(l: Line): string {
  const { n, at, login, workplace, method, kind, detail, studentIds } = l;
  return JSON.stringify({ n, at, login, workplace, method, kind, detail, studentIds: [...studentIds], sum: lineSum(l) }) + '\n';
}

/**
 * The lines of a journal: the whole ones in order; `torn`: the text after the last newline (a write the crash cut
 * short); `damaged`: the numbers (1-based, in the file) of lines that are neither — altered, or out of order.
 */
export function parseJournal(text: string): { lines: Line[]; torn: boolean; damaged: number[] } {
  const parts = text.split('\n');
  const tail = parts.pop() ?? '';
  const lines: Line[] = [];
  const damaged: number[] = [];
  parts.forEach((raw, i) => {
    let l: (Line & { sum?: unknown }) | null = null;
    try {
      l = JSON.parse(raw) as Line & { sum?: unknown };
    } catch { /* damaged below */ }
    const whole = l && typeof l === 'object' && Number.isSafeInteger(l.n) && l.n > 0 && typeof l.at === 'string'
      && typeof l.login === 'string' && typeof l.workplace === 'string' && l.workplace.trim() !== '' && typeof l.method === 'string'
      && KINDS.has(l.kind as string) && typeof l.detail === 'string' && Array.isArray(l.studentIds)
      && l.studentIds.every((s) => typeof s === 'string') && l.sum === lineSum(l) && (lines.at(-1)?.n ?? 0) < l.n;
    if (!whole || !l) { damaged.push(i + 1); return; }
    lines.push({ n: l.n, at: l.at, login: l.login, workplace: l.workplace, method: l.method, kind: l.kind as ReadKind, detail: l.detail, studentIds: l.studentIds });
  });
  return { lines, torn: tail !== '', damaged };
}

const markOf = (db: DB, journal: string) =>
  (db.prepare('SELECT moved FROM read_log_journals WHERE journal = ?').pluck().get(journal) as number | undefined) ?? 0;

/**
 * Moves a journal's lines not yet in read_log into it, with the journal's mark, in one transaction (IMMEDIATE: when the
 * register is busy it fails before writing anything). A damaged journal is kept as `.damaged` and the audit says so.
 * Returns the number of the last whole line (0: none, or no file).
 */
function moveJournal(db: DB, file: string, journal: string): { last: number; moved: number; damaged: number[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { last: 0, moved: 0, damaged: [] };
    throw e;
  }
  const { lines, damaged } = parseJournal(text);
  const moved = db.transaction(() => {
    const fresh = lines.filter((l) => l.n > markOf(db, journal));
    appendReads(db, fresh);
    if (fresh.length) {
      db.prepare(`INSERT INTO read_log_journals (journal, moved, at) VALUES (?, ?, ?)
        ON CONFLICT (journal) DO UPDATE SET moved = excluded.moved, at = excluded.at`).run(journal, fresh.at(-1)!.n, nowIso());
    }
    if (damaged.length) {
      appendAudit(db, null, 'readLog.journalDamaged', { journal: path.basename(file), damagedLines: damaged, moved: fresh.length });
    }
    return fresh.length;
  }).immediate();
  if (damaged.length) {
    fs.renameSync(file, `${file}.damaged`);
    logError('[school-register] read-access journal', `${path.basename(file)}: lines ${damaged.join(', ')} do not check out; `
      + `the valid lines were moved into the read-access log, the file is kept as ${path.basename(file)}.damaged`);
  }
  return { last: lines.at(-1)?.n ?? 0, moved, damaged };
}

/** This program's journal for one register. */
class ReadJournal {
  readonly id = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  readonly file: string;
  #written = 0;
  #moved = 0;
  #timer: NodeJS.Timeout | null = null;
  #db: DB | null = null;
  #pause = MIN_PAUSE_MS;

  constructor(register: string) {
    this.file = `${register}-reads-${this.id}.journal`;
  }

  get pending(): boolean {
    return this.#written > this.#moved;
  }

  /** Appends one line, durably, or throws having left the file as it was (a reading that cannot be logged is not answered). */
  append(r: ReadRecord): void {
    const line = encodeLine({ ...r, n: this.#written + 1 });
    const created = !fs.existsSync(this.file);
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      const size = fs.fstatSync(fd).size;
      try {
        const bytes = Buffer.from(line, 'utf8');
        if (fs.writeSync(fd, bytes) !== bytes.length) throw new Error(`${this.file}: the line was written only in part`);
        fs.fsyncSync(fd);
      } catch (e) {
        try { fs.ftruncateSync(fd, size); } catch { /* the torn line is dropped when the journal is read */ }
        throw e;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (created && process.platform !== 'win32') fsyncDir(path.dirname(this.file));
    this.#written++;
  }

  /** Moves what is written, the lock taken with the connection's current busy wait; the file goes when all is in. */
  move(db: DB): void {
    const { last } = moveJournal(db, this.file, this.id);
    this.#moved = Math.max(this.#moved, last);
    if (this.#moved >= this.#written) fs.rmSync(this.file, { force: true });
  }

  /** Moves what is written if the register is free this moment; false when another connection holds it. */
  tryMove(db: DB): boolean {
    return !this.pending || tryWithoutWaiting(db, () => this.move(db)).done;
  }

  /** Tries again after a pause (longer each time the register is still busy), on whichever connection is the register's then. */
  schedule(db: DB, pause = this.#pause): void {
    this.#db = db;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const d = this.#db;
      if (!d?.open || !this.pending) return;
      try {
        if (this.tryMove(d)) { this.#pause = MIN_PAUSE_MS; return; }
        this.#pause = Math.min(this.#pause * 2, MAX_PAUSE_MS);
        this.schedule(d);
      } catch (e) {
        logError('[school-register] the read-access journal could not be moved into the register; tried again in 5 s:', e);
        this.schedule(d, 5000);
      }
    }, pause);
    this.#timer.unref();
  }

  /** Waits (without holding the thread, within the connection's bound) until everything written is in read_log. */
  async settle(db: DB): Promise<void> {
    if (this.pending) await writeWhenFree(db, () => this.move(db));
  }
}

const MIN_PAUSE_MS = 5;
const MAX_PAUSE_MS = 200;
const journals = new Map<string, ReadJournal>();

function journalOf(db: DB): ReadJournal | null {
  if (db.memory || !db.name || db.readonly) return null;
  const register = path.resolve(db.name);
  let j = journals.get(register);
  if (!j) journals.set(register, (j = new ReadJournal(register)));
  return j;
}

/**
 * Logs a reading. Resolves once the entry is durable: in read_log when the register is free, else in this program's
 * journal (moved into read_log as soon as it is free). A register in memory (tests) waits for the lock instead.
 */
export async function logRead(db: DB, r: Parameters<typeof readRecord>[0]): Promise<void> {
  const entry = readRecord(r);
  const write = () => db.transaction(() => appendReads(db, [entry])).immediate();
  const j = journalOf(db);
  if (!j) {
    await writeWhenFree(db, write);
    return;
  }
  if (!j.pending && tryWithoutWaiting(db, write).done) return;
  try {
    j.append(entry);
  } catch (e) {
    throw new AppError('internal', `Данные не выданы: запись о чтении персональных данных не сохранена в журнале ${j.file} `
      + `(реестр занят другой записью): ${(e as Error).message}`);
  }
  try {
    if (j.tryMove(db)) return;
  } catch (e) {
    logError('[school-register] the read-access journal could not be moved into the register yet:', e);
  }
  j.schedule(db);
}

/** Before the log itself is read (its list, chain, a subject-access report, a backup): this program's waiting lines moved in. */
export async function settleReads(db: DB): Promise<void> {
  const j = db.memory || !db.name ? null : journals.get(path.resolve(db.name));
  if (j) await j.settle(db);
}

/** Before the connection closes (the program's end, a restore): what waits is moved with the connection's busy wait; what
 *  cannot be stays in the journal for the next open. Never throws. */
export function moveReadsBeforeClose(db: DB): void {
  const j = db.memory || !db.name ? null : journals.get(path.resolve(db.name));
  if (!j?.pending) return;
  try {
    j.move(db);
  } catch (e) {
    logError('[school-register] the read-access journal stays beside the register until it is next opened:', e);
  }
}

const running = (pid: number) => {
  if (pid === process.pid) return false; // an earlier run under the same number (a container restarts with the same pids)
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * At open: the journals of programs no longer running (a crash, a power cut) moved into read_log and removed. Uses the
 * connection's busy wait. A journal of a program still running is its own to move. Returns what it did.
 */
export function recoverReads(db: DB): { journals: number; moved: number; damaged: string[] } {
  const out = { journals: 0, moved: 0, damaged: [] as string[] };
  if (db.memory || !db.name) return out;
  const register = path.resolve(db.name);
  const own = journals.get(register)?.id;
  const prefix = `${path.basename(register)}-reads-`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(register));
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = NAME.exec(name.slice(prefix.length));
    if (!m) continue;
    const id = `${m[1]}-${m[2]}`;
    if (id === own || running(Number(m[1]))) continue;
    const file = path.join(path.dirname(register), name);
    const r = moveJournal(db, file, id);
    out.journals++;
    out.moved += r.moved;
    if (r.damaged.length) out.damaged.push(`${name}.damaged`);
    else fs.rmSync(file, { force: true });
  }
  return out;
}
