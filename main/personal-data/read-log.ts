// The read-access log (152-ФЗ): who read which student's card, list or printout, when, from which workplace. Written by
// dispatch after each successful call of a method the contract marks `personal` — never by the handlers themselves —
// and chained like the audit log (main/audit/log.ts): each entry carries the previous entry's hash, and the students it
// concerns are hashed with it, so an entry removed, edited or reordered breaks the chain. The oldest entries go only by
// a purge (the retention the admin sets), recorded first in read_log_purges with the hash the remaining chain goes on from.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { nowIso, todayIso } from '../../preload/core/dates.ts';
import { THIS_COMPUTER, type ReadKind } from '../../preload/core/consents.ts';
import { fullName, searchKey } from '../../preload/core/names.ts';
import type { ReadLogEntry } from '../../preload/contract.ts';
import { GENESIS } from '../audit/log.ts';

type Row = { id: number; at: string; login: string; workplace: string; method: string; kind: ReadKind; detail: string; prev_hash: string; hash: string };

export function readEntryHash(prev: string, e: Omit<Row, 'prev_hash' | 'hash'>, studentIds: readonly string[]): string {
  return crypto.createHash('sha256')
    .update(JSON.stringify([prev, e.id, e.at, e.login, e.workplace, e.method, e.kind, e.detail, [...studentIds].sort()])).digest('hex');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOCAL_CLIENTS = new Set(['ipc', 'http', 'cli', '?', '127.0.0.1', '::1', '::ffff:127.0.0.1', 'localhost']);

/**
 * The workplace a call came from: the one the transport names, else a remote peer's address (the HTTP transport's
 * client is `http:<address>`), else this computer (IPC, the command line, loopback). A call through the network door
 * (`https:<address>`) is a network workplace's even from this computer's own address: its address, not «этот компьютер».
 */
export function workplaceOf(ctx: { workplace?: string; client?: string }): string {
  if (ctx.workplace?.trim()) return ctx.workplace.trim();
  const peer = ctx.client?.replace(/^https?:/, '');
  if (peer && (ctx.client!.startsWith('https:') || !LOCAL_CLIENTS.has(peer))) return peer;
  return THIS_COMPUTER;
}

/**
 * The students a reading showed. A card or a printout: the one its arguments name (`id` or `studentId`); a list: every
 * student id in its answer (rows, marks, members), whatever the shape.
 */
export function studentsRead(kind: ReadKind, args: unknown, output: unknown): string[] {
  const found = new Set<string>();
  if (kind !== 'list') {
    const a = (args ?? {}) as Record<string, unknown>;
    for (const v of [a.studentId, a.id]) if (typeof v === 'string' && UUID.test(v)) { found.add(v); break; }
    return [...found];
  }
  const walk = (v: unknown, depth: number) => {
    if (depth > 6 || v == null || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return; }
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'id' || k === 'studentId') && typeof x === 'string' && UUID.test(x)) found.add(x);
      else walk(x, depth + 1);
    }
  };
  walk(output, 0);
  return [...found];
}

/** A reading as the log keeps it: when, who, from where, which call with which arguments (`detail`, JSON), whom it showed. */
export type ReadRecord = { at: string; login: string; workplace: string; method: string; kind: ReadKind; detail: string; studentIds: readonly string[] };

/** What dispatch knows of a reading: its arguments as given (the log keeps them as JSON) and the time it is logged. */
export function readRecord(r: { login: string; workplace: string; method: string; kind: ReadKind; args: unknown; studentIds: readonly string[] }, at = nowIso()): ReadRecord {
  return { at, login: r.login, workplace: r.workplace, method: r.method, kind: r.kind, detail: JSON.stringify(r.args ?? {}), studentIds: r.studentIds };
}

/**
 * Appends entries in the order given, each chained to the one before. The caller's transaction: a side journal's
 * entries (main/personal-data/read-journal.ts) go in with the mark of the last one moved, or not at all.
 */
export function appendReads(db: DB, entries: readonly ReadRecord[]): void {
  if (!entries.length) return;
  const last = db.prepare('SELECT id, hash FROM read_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  let prev = last?.hash ?? lastPurgedHash(db) ?? GENESIS;
  let id = last?.id ?? lastPurgedId(db);
  const put = db.prepare('INSERT INTO read_log (id, at, login, workplace, method, kind, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const ins = db.prepare('INSERT INTO read_log_students (entry_id, student_id) VALUES (?, ?)');
  for (const r of entries) {
    const e = { id: ++id, at: r.at, login: r.login, workplace: r.workplace, method: r.method, kind: r.kind, detail: r.detail };
    const hash = readEntryHash(prev, e, r.studentIds);
    put.run(e.id, e.at, e.login, e.workplace, e.method, e.kind, e.detail, prev, hash);
    for (const s of new Set(r.studentIds)) ins.run(e.id, s);
    prev = hash;
  }
}

const lastPurgedHash = (db: DB) => (db.prepare('SELECT last_hash FROM read_log_purges ORDER BY up_to_id DESC LIMIT 1').get() as { last_hash: string } | undefined)?.last_hash ?? null;
const lastPurgedId = (db: DB) => (db.prepare('SELECT max(up_to_id) AS n FROM read_log_purges').get() as { n: number | null }).n ?? 0;

/** Walks the chain from the first entry kept: from the genesis, or from the hash the last purge recorded. */
export function verifyReadLog(db: DB): { ok: boolean; entries: number; brokenAt: number | null; message: string } {
  let prev = lastPurgedHash(db) ?? GENESIS;
  let expected = lastPurgedId(db) + 1;
  let n = 0;
  const ids = db.prepare('SELECT student_id FROM read_log_students WHERE entry_id = ?').pluck();
  const broken = (id: number, why: string) => ({ ok: false, entries: n, brokenAt: id, message: `Цепочка журнала чтения персональных данных нарушена: ${why}` });
  for (const e of db.prepare('SELECT * FROM read_log ORDER BY id').iterate() as Iterable<Row>) {
    n++;
    if (e.id !== expected) return broken(expected, `запись ${expected} отсутствует (за ней сразу ${e.id})`);
    if (e.prev_hash !== prev) return broken(e.id, `запись ${e.id} не ссылается на хеш предыдущей записи`);
    if (readEntryHash(prev, e, ids.all(e.id) as string[]) !== e.hash) return broken(e.id, `запись ${e.id} изменена: её хеш не сходится`);
    prev = e.hash;
    expected++;
  }
  return { ok: true, entries: n, brokenAt: null, message: `Цепочка журнала чтения персональных данных цела, записей: ${n}` };
}

const SHOWN = 20;

/** Newest first; by a student (id, or the start of the ФИО as the search finds it) and by a user's login. */
export function listReads(db: DB, a: { studentId?: string; student?: string; login?: string; limit: number; offset: number }): { rows: ReadLogEntry[]; total: number } {
  const where: string[] = [];
  const p: Record<string, unknown> = {};
  if (a.studentId) { where.push('r.id IN (SELECT entry_id FROM read_log_students WHERE student_id = @studentId)'); p.studentId = a.studentId; }
  if (a.student?.trim()) {
    where.push(`r.id IN (SELECT rs.entry_id FROM read_log_students rs JOIN students s ON s.id = rs.student_id
      WHERE s.search_key >= @lo AND s.search_key < @hi)`);
    p.lo = searchKey(a.student);
    p.hi = searchKey(a.student) + '\u{10FFFF}';
  }
  if (a.login?.trim()) { where.push('r.login = @login'); p.login = a.login.trim(); }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM read_log r ${w}`).get(p) as { n: number }).n;
  const rows = db.prepare(`SELECT r.*, u.full_name AS user_name FROM read_log r LEFT JOIN users u ON u.login = r.login ${w}
    ORDER BY r.id DESC LIMIT @limit OFFSET @offset`).all({ ...p, limit: a.limit, offset: a.offset }) as Array<Row & { user_name: string | null }>;
  const count = db.prepare('SELECT count(*) FROM read_log_students WHERE entry_id = ?').pluck();
  const named = db.prepare(`SELECT s.id, s.last_name, s.first_name, s.middle_name FROM read_log_students rs JOIN students s ON s.id = rs.student_id
    WHERE rs.entry_id = ? ORDER BY s.search_key LIMIT ${SHOWN}`);
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id, at: r.at, login: r.login, userName: r.user_name, workplace: r.workplace, method: r.method, kind: r.kind,
      studentCount: count.get(r.id) as number,
      students: (named.all(r.id) as Array<{ id: string; last_name: string; first_name: string; middle_name: string | null }>)
        .map((s) => ({ id: s.id, fullName: fullName({ lastName: s.last_name, firstName: s.first_name, middleName: s.middle_name }) })),
    })),
  };
}

/** Every reading of one student, oldest first (the subject-access report). */
export function readsOfStudent(db: DB, studentId: string): Array<{ at: string; login: string; userName: string | null; workplace: string; method: string; kind: ReadKind }> {
  return (db.prepare(`SELECT r.at, r.login, u.full_name AS user_name, r.workplace, r.method, r.kind FROM read_log_students rs
    JOIN read_log r ON r.id = rs.entry_id LEFT JOIN users u ON u.login = r.login WHERE rs.student_id = ? ORDER BY r.id`).all(studentId) as
    Array<{ at: string; login: string; user_name: string | null; workplace: string; method: string; kind: ReadKind }>)
    .map((r) => ({ at: r.at, login: r.login, userName: r.user_name, workplace: r.workplace, method: r.method, kind: r.kind }));
}

// ---------- retention ----------
const MS_DAY = 86_400_000;

export function readLogSettings(db: DB, today = todayIso()) {
  const days = (db.prepare('SELECT read_log_retention_days AS d FROM settings WHERE id = 1').get() as { d: number }).d;
  const before = cutoff(today, days);
  const stats = db.prepare('SELECT count(*) AS n, min(at) AS oldest FROM read_log').get() as { n: number; oldest: string | null };
  const expired = (db.prepare('SELECT count(*) AS n FROM read_log WHERE at < @before').get({ before }) as { n: number }).n;
  const last = db.prepare('SELECT at, login, before, removed FROM read_log_purges ORDER BY id DESC LIMIT 1').get() as
    { at: string; login: string; before: string; removed: number } | undefined;
  return { retentionDays: days, entries: stats.n, oldest: stats.oldest, expired, lastPurge: last ?? null };
}

export function setRetention(db: DB, days: number) {
  db.prepare('UPDATE settings SET read_log_retention_days = ? WHERE id = 1').run(days);
  return readLogSettings(db);
}

const cutoff = (today: string, days: number) => new Date(Date.parse(`${today}T00:00:00Z`) - days * MS_DAY).toISOString().slice(0, 10);

/**
 * Removes the entries read before (today − retention): a prefix of the chain. The purge is recorded first (who, up to
 * which entry, the hash the kept chain goes on from), so the schema lets those — and only those — entries go.
 * Runs in dispatch's transaction with its audit entry.
 */
export function purgeReads(db: DB, login: string, today = todayIso()): { removed: number; before: string; upToId: number | null } {
  const { retentionDays } = readLogSettings(db, today);
  const before = cutoff(today, retentionDays);
  // entries are appended in time order: the expired ones are those up to the last one read before the cut
  const last = db.prepare('SELECT id, hash FROM read_log WHERE at < ? ORDER BY id DESC LIMIT 1').get(before) as { id: number; hash: string } | undefined;
  if (!last) return { removed: 0, before, upToId: null };
  const removed = (db.prepare('SELECT count(*) AS n FROM read_log WHERE id <= ?').get(last.id) as { n: number }).n;
  db.prepare('INSERT INTO read_log_purges (at, login, before, up_to_id, last_hash, removed) VALUES (?, ?, ?, ?, ?, ?)')
    .run(nowIso(), login, before, last.id, last.hash, removed);
  db.prepare('DELETE FROM read_log WHERE id <= ?').run(last.id);
  return { removed, before, upToId: last.id };
}
