// Issue 19: every query a screen or job runs is planned. The screens' calls run against a populated demo register
// through the real dispatcher while every statement the backend prepares is recorded; each recorded statement is
// then explained (EXPLAIN QUERY PLAN, with the same bound values) and the test fails on a full scan of a large
// table — the way Signal Desktop tests its migrations. A scan of a small table (years, subjects, classes) is fine.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend } from '../../main/host/backend.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { currentYearStart } from '../../preload/core/dates.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

/** Tables that grow with the register: a scan of any of them costs by the register, not by the work. */
// (orders is not here: a school issues some hundred a year, a few thousand in a register's life.)
const LARGE = ['students', 'class_memberships', 'subject_marks', 'movements', 'audit_log', 'changes',
  'alphabet_book', 'guardians', 'attendance'];

/** Scans that are not by the register's size, each with why. */
const ALLOWED: Array<{ sql: RegExp; why: string }> = [
  // rowid order read backwards and stopped at the first row: one page, whatever the log's length
  { sql: /^SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1$/, why: 'the head of the audit chain' },
];

type Recorded = { sql: string; args: unknown[] };

let backend: Backend;
let session: string;
const recorded = new Map<string, Recorded>();
let recording = false;

beforeAll(async () => {
  const dir = scratchDir('sr-plans-');
  backend = openBackend({ dbPath: path.join(dir, 'register.sqlite') });
  await generateDemo(backend.db, { students: 1500, by: 'test', seed: 7 }, progressTo());
  const r = await backend.call({ method: 'auth.setupAdmin', args: { login: 'admin', fullName: 'Администратор Иван Петрович', password: 'correct horse 1' } }, 'ipc');
  if (!r.ok) throw new Error(r.error.message);
  session = (r.value as { session: string }).session;

  // Record every statement run through any Statement of this connection (prepared before or after this point).
  const proto = Object.getPrototypeOf(backend.db.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ['all', 'get', 'run', 'iterate']) {
    const orig = proto[m];
    proto[m] = function (this: Database.Statement, ...args: unknown[]) {
      if (recording) {
        const sql = this.source.trim();
        if (!recorded.has(sql)) recorded.set(sql, { sql, args });
      }
      return orig.apply(this, args);
    };
  }
}, 300_000);

afterAll(() => {
  backend?.close();
  removeScratchDirs();
});

async function call(method: string, args: unknown): Promise<unknown> {
  const r = await backend.call({ method, args, session }, 'ipc');
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value;
}

/** EXPLAIN QUERY PLAN rows that scan a large table without an index. */
function fullScans(db: Database.Database, rec: Recorded): string[] {
  if (ALLOWED.some((a) => a.sql.test(rec.sql.replace(/\s+/g, ' ')))) return [];
  let plan: Array<{ detail: string }>;
  try {
    plan = db.prepare(`EXPLAIN QUERY PLAN ${rec.sql}`).all(...(rec.args as never[])) as Array<{ detail: string }>;
  } catch {
    return []; // statements EXPLAIN cannot take (PRAGMA, BEGIN, …) have no plan
  }
  // The plan names a table by its alias where it has one ("SCAN r"), inside views too: resolve aliases from the
  // statement and every view's text. An alias used for several tables counts as large if any of them is.
  // The statement's own aliases come first; a view's only where the statement does not use that alias.
  const aliasesIn = (text: string) => {
    const found = new Map<string, Set<string>>();
    for (const m of text.matchAll(/\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?/gi)) {
      const alias = m[2] && !/^(WHERE|JOIN|LEFT|INNER|CROSS|ON|USING|GROUP|ORDER|LIMIT|UNION|INDEXED|NOT|AND|OR)$/i.test(m[2]) ? m[2] : m[1];
      (found.get(alias) ?? found.set(alias, new Set()).get(alias)!).add(m[1]);
    }
    return found;
  };
  const own = aliasesIn(rec.sql);
  const inViews = aliasesIn((db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'view'").all() as Array<{ sql: string }>).map((v) => v.sql).join('\n'));
  const tablesOf = (name: string) => [name, ...(own.get(name) ?? inViews.get(name) ?? [])];
  return plan.map((p) => p.detail).filter((d) => {
    const m = /^SCAN (\w+)(?: AS \w+)?(.*)$/.exec(d);
    if (!m) return false;
    if (/USING (COVERING )?INDEX|VIRTUAL TABLE/.test(m[2])) return false;
    return tablesOf(m[1]).some((t) => LARGE.includes(t));
  });
}

describe('the queries the screens run are planned on indexes', () => {
  it('no full scan of a large table in the calls of the main screens', async () => {
    const Y = currentYearStart();
    const years = (await call('years.list', {})) as Array<{ id: number; name: string }>;
    const year = years.find((y) => y.name === `${Y}/${Y + 1}`)!;
    const old = years.find((y) => y.name === `${Y - 1}/${Y}`)!;
    const classes = (await call('classes.list', { yearId: year.id })) as Array<{ id: number; name: string }>;
    const oldClasses = (await call('classes.list', { yearId: old.id })) as Array<{ id: number }>;
    const someClass = classes[Math.floor(classes.length / 2)];

    recording = true;
    await call('classes.list', { yearId: year.id });
    await call('classes.students', { classId: someClass.id });
    await call('curriculum.get', { classId: someClass.id });
    await call('grades.grid', { classId: someClass.id });
    await call('grades.grid', { classId: oldClasses[0].id });
    await call('ledgers.get', { classId: someClass.id });
    await call('ledgers.list', { yearId: year.id });
    await call('students.search', { limit: 50, offset: 0 });
    await call('students.search', { limit: 50, offset: 100 });
    await call('students.search', { query: 'Иван', limit: 50 });
    await call('students.search', { classId: someClass.id, limit: 50 });
    const page = (await call('students.search', { yearId: year.id, limit: 5 })) as { rows: Array<{ id: string }> };
    await call('students.get', { id: page.rows[0].id });
    await call('students.history', { id: page.rows[0].id });
    await call('alphabetBook.list', {});
    await call('alphabetBook.list', { limit: 100, offset: 300 });
    await call('alphabetBook.list', { letter: 'И' });
    await call('orders.list', { limit: 50 });
    recording = false;

    expect(recorded.size).toBeGreaterThan(10); // the recorder saw the calls: a test that cannot fail is a defect
    const db = new Database((backend.db as unknown as { name: string }).name, { readonly: true });
    try {
      const bad: string[] = [];
      for (const rec of recorded.values()) {
        const scans = fullScans(db, rec);
        if (scans.length) bad.push(`${scans.join('; ')}\n    in: ${rec.sql.replace(/\s+/g, ' ').slice(0, 300)}`);
      }
      expect(bad, `full scans of large tables:\n${bad.join('\n')}`).toEqual([]);
    } finally {
      db.close();
    }
  }, 300_000);

  it('the scan detector itself catches a scan of a large table', () => {
    const db = new Database((backend.db as unknown as { name: string }).name, { readonly: true });
    try {
      expect(fullScans(db, { sql: 'SELECT count(*) FROM class_memberships WHERE start_date > ?', args: ['2020-01-01'] })).not.toEqual([]);
      expect(fullScans(db, { sql: 'SELECT * FROM class_memberships WHERE student_id = ?', args: ['x'] })).toEqual([]);
      // through an alias and through a view
      expect(fullScans(db, { sql: 'SELECT count(*) FROM class_memberships cm WHERE cm.start_date > ?', args: ['2020-01-01'] })).not.toEqual([]);
      expect(fullScans(db, { sql: "SELECT count(*) FROM marks WHERE mark = ?", args: ['5'] })).not.toEqual([]);
    } finally {
      db.close();
    }
  });
});

// Keep the file list honest: a table named above that the schema does not have is a typo.
it('every large table named exists', () => {
  const names = new Set((backend.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
  const missing = LARGE.filter((t) => !names.has(t));
  expect(missing).toEqual([]);
  expect(fs.existsSync((backend.db as unknown as { name: string }).name)).toBe(true);
});
