// Opening a file that is not a register we can work on: refused with a reason and a message a clerk can act
// on, and the file's bytes stay exactly as they were (no WAL, no migration, no pragma written).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegister, RegisterOpenError, APPLICATION_ID } from '../../db/connection.ts';
import { latestVersion } from '../../db/migrate.ts';
import { openBackend } from '../../main/host/backend.ts';
import { sha256File, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

/** A real, closed register file with one year in it. */
function realRegister(dir = scratchDir()): string {
  const file = path.join(dir, 'register.sqlite');
  const db = openRegister(file);
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  db.close();
  return file;
}

/** Asserts that opening `file` is refused for `reason`, through both the db layer and the backend, leaving it byte-identical. */
function expectRefused(file: string, reason: RegisterOpenError['reason'], message: RegExp) {
  const before = sha256File(file);
  const siblings = () => fs.readdirSync(path.dirname(file)).sort();
  const filesBefore = siblings();
  for (const open of [() => openRegister(file), () => openBackend({ dbPath: file })]) {
    let err: unknown;
    try {
      const db = open();
      (db as { close(): void }).close();
    } catch (e) {
      err = e;
    }
    expect(err, `opening ${file} should fail`).toBeInstanceOf(RegisterOpenError);
    const e = err as RegisterOpenError;
    expect(e.reason).toBe(reason);
    expect(e.file).toBe(file);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(file);
  }
  expect(sha256File(file)).toBe(before);
  expect(siblings()).toEqual(filesBefore); // no -wal / -shm left behind
}

describe('openRegister refuses, leaving the file unchanged', () => {
  it('a file that is not SQLite at all', () => {
    const file = path.join(scratchDir(), 'letter.sqlite');
    fs.writeFileSync(file, 'Уважаемая Мария Петровна! Это текстовый файл, а не база данных.\n'.repeat(50));
    expectRefused(file, 'not_sqlite', /не является базой данных SQLite/);
  });

  it('a register written by a newer version of the program (user_version 99)', () => {
    const file = realRegister();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expectRefused(file, 'future_version', /более новой версией программы.*схема 99.*Обновите программу/s);
    expect(latestVersion()).toBeLessThan(99);
  });

  it('a read-only register (no write bits, even for root)', () => {
    const file = realRegister();
    fs.chmodSync(file, 0o444);
    try {
      expectRefused(file, 'read_only', /только для чтения/);
    } finally {
      fs.chmodSync(file, 0o644);
    }
    // Writable again, it opens fine: the refusal was about the bits, not the content.
    openRegister(file).close();
  });

  it("another application's SQLite database", () => {
    const file = path.join(scratchDir(), 'notes.db');
    const other = new Database(file);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('купить хлеб');");
    other.pragma('user_version = 1');
    other.close();
    expectRefused(file, 'foreign', /база SQLite, но не файл школьного реестра/);
  });

  it('an empty SQLite database stamped with another application_id', () => {
    const file = path.join(scratchDir(), 'other.db');
    const other = new Database(file);
    other.pragma('application_id = 1234');
    other.exec('CREATE TABLE t (x); DROP TABLE t;');
    other.close();
    expectRefused(file, 'foreign', /не файл школьного реестра/);
  });

  it('a file with the SQLite header but garbage after it', () => {
    const file = path.join(scratchDir(), 'broken.sqlite');
    const garbage = Buffer.alloc(8192, 0xab);
    Buffer.from('SQLite format 3\0', 'binary').copy(garbage, 0);
    fs.writeFileSync(file, garbage);
    expectRefused(file, 'corrupt', /повреждён|Не удалось открыть/);
  });

  it('a missing file when creating is not allowed', () => {
    const file = path.join(scratchDir(), 'nope.sqlite');
    expect(() => openRegister(file, { create: false })).toThrow(RegisterOpenError);
    try {
      openRegister(file, { create: false });
    } catch (e) {
      expect((e as RegisterOpenError).reason).toBe('missing');
      expect((e as RegisterOpenError).message).toMatch(/не найден/);
    }
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('openRegister accepts', () => {
  it('its own register again, without changing the data', () => {
    const file = realRegister();
    const db = openRegister(file);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect((db.prepare('SELECT name FROM academic_years').all() as Array<{ name: string }>).map((r) => r.name)).toEqual(['2025/2026']);
    db.close();
  });
});
