// db/write-when-free.ts: a short write while another connection holds the register's write lock waits for it without
// holding this thread (the event loop keeps turning), lands once the lock is free, and is refused as busy past its
// bound — nothing written then. Real SQLite file, two real connections; no timing asserted.
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { writeWhenFree } from '../../db/write-when-free.ts';
import { tempDir } from '../helpers/register.ts';

let open: DB[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});
function two() {
  const file = path.join(tempDir('sr-write-free-'), 'r.sqlite');
  const a = openRegister(file);
  a.exec('CREATE TABLE IF NOT EXISTS t_probe (n INTEGER)');
  const b = openRegister(file);
  open.push(a, b);
  return { a, b };
}

describe('writeWhenFree', () => {
  it('waits for the other connection with the event loop turning, then writes; the busy timeout is kept', async () => {
    const { a, b } = two();
    const timeout = a.pragma('busy_timeout', { simple: true });
    b.exec('BEGIN IMMEDIATE');
    b.prepare('INSERT INTO t_probe (n) VALUES (1)').run();
    let settled = false;
    const w = writeWhenFree(a, () => a.transaction(() => a.prepare('INSERT INTO t_probe (n) VALUES (2)').run()).immediate())
      .finally(() => { settled = true; });
    let turns = 0;
    while (turns < 20) { await turn(); turns++; } // the thread is free: the loop turns while the write waits
    expect(settled).toBe(false);
    b.exec('COMMIT');
    await w;
    expect(a.prepare('SELECT n FROM t_probe ORDER BY rowid').pluck().all()).toEqual([1, 2]);
    expect(a.pragma('busy_timeout', { simple: true })).toBe(timeout);
  });

  it('past its bound it is refused as busy and writes nothing', async () => {
    const { a, b } = two();
    b.exec('BEGIN IMMEDIATE');
    await expect(writeWhenFree(a, () => a.transaction(() => a.prepare('INSERT INTO t_probe (n) VALUES (3)').run()).immediate(), 30))
      .rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    b.exec('ROLLBACK');
    expect(a.prepare('SELECT count(*) FROM t_probe').pluck().get()).toBe(0);
  });
});
