// Helpers for tests that look at the register file itself: hashes of the file and of its contents,
// raw connections that bypass the backend, seeded random identifiers, and Result assertions.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { ApiError, ErrorCode, Result, StudentInputT } from '../../preload/contract.ts';
import { rng } from '../../main/demo/generate.ts';

export type RawDb = Database.Database;

/** sha256 of a file's bytes (close every connection first, or the WAL holds the latest pages). */
export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A plain better-sqlite3 connection: no pragmas, no migrations, foreign keys off — only the schema guards it. */
export function openRaw(file: string): RawDb {
  return new Database(file);
}

/** Every user table's rows in rowid order, plus the schema: equal hashes mean nothing was written. */
export function contentHash(db: RawDb, exceptTables: readonly string[] = []): string {
  const h = crypto.createHash('sha256');
  const objects = db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as
    Array<{ type: string; name: string; sql: string | null }>;
  h.update(JSON.stringify(objects));
  for (const o of objects.filter((x) => x.type === 'table' && !exceptTables.includes(x.name))) {
    h.update(o.name);
    for (const row of db.prepare(`SELECT * FROM "${o.name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
  }
  h.update(String(db.pragma('user_version', { simple: true })));
  return h.digest('hex');
}

/** Rows of a table (or a join written out) matching a condition. */
export function count(db: RawDb, table: string, where = '1'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
}

/** Asserts a failed Result with this code and, when given, this field named in `fields`; returns the error. */
export function expectError(r: Result<unknown>, code: ErrorCode, field?: string): ApiError {
  expect(r.ok, `expected a ${code} error, got ${JSON.stringify(r)}`).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error.code).toBe(code);
  expect(typeof r.error.message).toBe('string');
  expect(r.error.message.length).toBeGreaterThan(0);
  if (field) {
    expect(Object.keys(r.error.fields ?? {}), `fields of ${JSON.stringify(r.error)}`).toContain(field);
    expect(r.error.fields![field].length).toBeGreaterThan(0);
  }
  return r.error;
}

/** Deterministic PRNG (the demo's mulberry32): a failing property test can be replayed from its seed. */
export function seeded(seed: number) {
  const r = rng(seed);
  const digits = (n: number) => Array.from({ length: n }, () => r.int(0, 9)).join('');
  return { next: r.next, int: r.int, digits };
}

/** The СНИЛС check number computed independently of preload/core/identifiers.ts (the official rule, spelled out). */
export function snilsControl(body9: string): string {
  const sum = body9.split('').reduce((a, d, i) => a + Number(d) * (9 - i), 0);
  const c = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101 === 100 ? 0 : sum % 101;
  return String(c).padStart(2, '0');
}

export const withSnilsControl = (body9: string) => body9 + snilsControl(body9);

/** Real-world requisites with correct check digits (ПАО Сбербанк), and the same with the last digit changed. */
export const GOOD = { inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', snils: '112-233-445 95', snilsDigits: '11223344595' };
export const BAD = { inn: '7707083894', ogrn: '1027700132196', snils: '112-233-445 96', snilsDigits: '11223344596' };

export const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение «Школа № 7»', shortName: 'ГБОУ Школа № 7',
  inn: GOOD.inn, kpp: GOOD.kpp, ogrn: GOOD.ogrn, address: '101000, г. Москва, ул. Мясницкая, д. 1',
  director: 'Иванова Мария Петровна', regionCode: '77',
};

/** A valid student card. */
export function studentInput(over: Partial<StudentInputT> = {}): StudentInputT {
  return { lastName: 'Смирнов', firstName: 'Алексей', middleName: 'Иванович', birthDate: '2014-03-15', sex: 'М', snils: null, guardians: [], ...over };
}

const scratch: string[] = [];
/** A fresh temp folder that removeScratchDirs() deletes: call that in a file-level afterAll. */
export function scratchDir(prefix = 'sr-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}
export function removeScratchDirs(): void {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
