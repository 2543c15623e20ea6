// What migration 0023_read_log_journals must leave behind: per side journal of the read-access log, the last line
// moved into read_log — named as the program names its journals, a positive line number that only goes forward, never
// removed.
import Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const put = db.prepare("INSERT INTO read_log_journals (journal, moved, at) VALUES (?, ?, '2026-12-05T08:00:00.000Z')");
  put.run('4242-0a1b2c3d', 3);
  expect(() => put.run('4242-0a1b2c3d', 5)).toThrow(/UNIQUE|PRIMARY KEY/);
  expect(() => put.run('register-x', 1)).toThrow(/CHECK constraint failed/);
  expect(() => put.run('4243-0A1B2C3D', 1)).toThrow(/CHECK constraint failed/);
  expect(() => put.run('4244-0a1b2c3d', 0)).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("INSERT INTO read_log_journals (journal, moved, at) VALUES ('4245-0a1b2c3d', 1, 'вчера')").run()).toThrow(/CHECK constraint failed/);

  const move = db.prepare("UPDATE read_log_journals SET moved = ? WHERE journal = '4242-0a1b2c3d'");
  move.run(7);
  expect(() => move.run(7)).toThrow(/только продвигается вперёд/);
  expect(() => move.run(2)).toThrow(/только продвигается вперёд/);
  expect(() => db.prepare("UPDATE read_log_journals SET journal = '1-00000000'").run()).toThrow(/только продвигается вперёд/);
  expect(() => db.prepare('DELETE FROM read_log_journals').run()).toThrow(/не удаляется/);
  expect(db.prepare('SELECT journal, moved FROM read_log_journals').all()).toEqual([{ journal: '4242-0a1b2c3d', moved: 7 }]);
}
