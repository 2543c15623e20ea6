// What migration 0007_archive must leave behind (see test/db/migrations.test.ts): the media register, backup runs
// with per-destination results, and an append-only repair log, each refusing what makes no sense.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
  expect(tables).toEqual(expect.arrayContaining(['media', 'backup_runs', 'backup_results', 'repair_log']));
  const at = '2026-11-23T10:00:00.000Z';

  const media = db.prepare('INSERT INTO media (label, kind, room, path, encrypted, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  media.run('USB-1', 'usb', 'Каб. 12 (канцелярия)', '/media/usb1', 1, at);
  expect(() => media.run('USB-1', 'hdd', 'Каб. 3', '/media/other', 0, at)).toThrow(/UNIQUE constraint failed: media.label/);
  expect(() => media.run('USB-2', 'hdd', 'Каб. 3', '/media/usb1', 0, at)).toThrow(/UNIQUE constraint failed: media.path/);
  expect(() => media.run('Флешка', 'floppy', 'Каб. 3', '/m/f', 0, at)).toThrow(/CHECK constraint failed/);
  expect(() => media.run('Без комнаты', 'hdd', '  ', '/m/x', 0, at)).toThrow(/CHECK constraint failed/);
  expect(() => media.run('Шифр', 'hdd', 'Каб. 3', '/m/y', 2, at)).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("UPDATE media SET last_verified_at = '23.11.2026' WHERE id = 1").run()).toThrow(/CHECK constraint failed/);
  // STRICT: a wrong type is refused
  expect(() => media.run('N', 'nas', 'Серверная', '/m/n', 'да', at)).toThrow(/cannot store TEXT/);

  const run = db.prepare('INSERT INTO backup_runs (kind, started_at, finished_at, state) VALUES (?, ?, ?, ?)');
  run.run('backup', at, null, 'running');
  expect(() => run.run('backup', at, null, 'ok')).toThrow(/CHECK constraint failed/); // finished state without an end
  expect(() => run.run('backup', at, at, 'running')).toThrow(/CHECK constraint failed/); // running yet finished
  expect(() => run.run('backup', at, '2026-11-22T10:00:00.000Z', 'ok')).toThrow(/CHECK constraint failed/); // ends before it starts
  expect(() => run.run('copy', at, at, 'ok')).toThrow(/CHECK constraint failed/);

  const result = db.prepare('INSERT INTO backup_results (run_id, path, media_id, state) VALUES (?, ?, ?, ?)');
  result.run(1, '/media/usb1', 1, 'ok');
  expect(() => result.run(1, '/media/usb1', 1, 'ok')).toThrow(/UNIQUE constraint failed/);
  db.pragma('foreign_keys = ON');
  expect(() => result.run(99, '/media/usb1', 1, 'ok')).toThrow(/FOREIGN KEY constraint failed/);

  const repair = db.prepare('INSERT INTO repair_log (run_id, at, copy_path, file, problem, action, source_path, sha256) VALUES (1, ?, ?, ?, ?, ?, ?, ?)');
  repair.run(at, '/media/usb1/bag', 'data/register.sqlite', 'damaged', 'replaced', '/media/usb2/bag', 'a'.repeat(64));
  expect(() => repair.run(at, '/b', 'data/x', 'damaged', 'replaced', null, null)).toThrow(/CHECK constraint failed/); // from where?
  expect(() => repair.run(at, '/b', 'data/x', 'damaged', 'unrepairable', '/c', null)).toThrow(/CHECK constraint failed/);
  expect(() => repair.run(at, '/b', 'data/x', 'damaged', 'replaced', '/c', 'A'.repeat(64))).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("UPDATE repair_log SET action = 'removed'").run()).toThrow(/append-only/);
  expect(() => db.prepare('DELETE FROM repair_log').run()).toThrow(/append-only/);
}
