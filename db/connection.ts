// Opening a register file: refuse what is not ours (not SQLite, read-only, from a newer version)
// with a message a clerk can act on, then set the pragmas every connection needs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, latestVersion } from './migrate.ts';
import { otherServer, servedBy } from './served-marker.ts';

export type DB = Database.Database;

/** 'SREG' — marks a SQLite file as a School Register file. */
export const APPLICATION_ID = 0x53524547;

export class RegisterOpenError extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'not_sqlite' | 'read_only' | 'future_version' | 'foreign' | 'corrupt' | 'missing' | 'served',
    message: string,
  ) {
    super(message);
    this.name = 'RegisterOpenError';
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'binary');

function checkFileBeforeOpen(file: string, create: boolean): void {
  if (!fs.existsSync(file)) {
    if (!create) throw new RegisterOpenError(file, 'missing', `Файл реестра не найден: ${file}`);
    const dir = path.dirname(path.resolve(file));
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new RegisterOpenError(file, 'read_only', `Нельзя создать реестр: папка ${dir} недоступна для записи`);
    }
    return;
  }
  // a register another program serves on the network is opened by it alone: connect to it instead (db/served-marker.ts)
  const server = otherServer(file);
  if (server) throw new RegisterOpenError(file, 'served', servedBy(server));
  const st = fs.statSync(file);
  if (!st.isFile()) throw new RegisterOpenError(file, 'not_sqlite', `${file}: это не файл`);
  if (st.size > 0) {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(16);
    try {
      fs.readSync(fd, head, 0, 16, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (!head.equals(SQLITE_HEADER)) {
      throw new RegisterOpenError(file, 'not_sqlite', `Файл ${file} не является базой данных SQLite — это не файл реестра`);
    }
  }
  // Permission bits that deny every write mean "read-only" even to root, who could write anyway.
  if ((st.mode & 0o222) === 0) {
    throw new RegisterOpenError(file, 'read_only', `Файл реестра ${file} помечен только для чтения: реестр нельзя открыть для работы`);
  }
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch {
    throw new RegisterOpenError(file, 'read_only',
      `Файл реестра ${file} (или его папка) доступен только для чтения: реестр нельзя открыть для работы`);
  }
}

/**
 * The register is its user's alone (0600), whatever the process's umask: created so before SQLite opens it (SQLite gives
 * the -wal, -shm and -journal it creates the database file's mode), and tightened, with its -wal and -shm, where an
 * older version left it readable by others. POSIX only: on Windows the folder's ACL (the user's profile) applies.
 */
function keepPrivate(file: string): void {
  if (process.platform === 'win32' || file === ':memory:' || file === '') return;
  if (!fs.existsSync(file)) {
    try {
      fs.closeSync(fs.openSync(file, 'wx', 0o600));
    } catch {
      // made meanwhile by another process, or refused: SQLite's open says what is wrong
    }
    return;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const st = fs.statSync(f);
      if (st.mode & 0o077 && st.uid === process.getuid?.()) fs.chmodSync(f, st.mode & 0o700);
    } catch {
      // not there (no -wal yet), or not ours to change
    }
  }
}

/**
 * How long a write waits for another program that holds the register (the app's long transaction, a CLI import) before
 * it is refused as «реестр занят другой программой»: the app's calls wait this long, so a screen never hangs longer.
 */
export const BUSY_TIMEOUT_MS = 5000;

export type OpenOptions = { create?: boolean; migrate?: boolean;
  /** the bound of that wait for this connection (a scheduled CLI run may wait longer than a screen): BUSY_TIMEOUT_MS by default */
  busyTimeoutMs?: number };

/** Opens (and by default creates and migrates) a register file. */
export function openRegister(file: string, opts: OpenOptions = {}): DB {
  const create = opts.create ?? true;
  checkFileBeforeOpen(file, create);
  keepPrivate(file);
  let db: DB;
  try {
    db = new Database(file, { fileMustExist: !create });
  } catch (e) {
    throw new RegisterOpenError(file, 'corrupt', `Не удалось открыть ${file}: ${(e as Error).message}`);
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId !== APPLICATION_ID && (appId !== 0 || version !== 0 || hasTables(db))) {
      throw new RegisterOpenError(file, 'foreign', `Файл ${file} — база SQLite, но не файл школьного реестра`);
    }
    if (version > latestVersion()) {
      throw new RegisterOpenError(file, 'future_version',
        `Реестр ${file} создан более новой версией программы (схема ${version}, эта версия знает до ${latestVersion()}). ` +
        'Обновите программу; файл не изменён.');
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    if (opts.migrate ?? true) migrate(db);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof RegisterOpenError) throw e;
    const msg = (e as Error).message;
    if (/not a database|malformed/i.test(msg)) {
      throw new RegisterOpenError(file, 'corrupt', `Файл ${file} повреждён или не является базой SQLite: ${msg}`);
    }
    if (/readonly/i.test(msg)) throw new RegisterOpenError(file, 'read_only', `Файл реестра ${file} доступен только для чтения`);
    throw e;
  }
}

function hasTables(db: DB): boolean {
  return (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n > 0;
}

/** The schema version the register file is at (its migrations applied): PRAGMA user_version. */
export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}
