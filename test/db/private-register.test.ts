// A register is its user's alone (issue 15): created 0600 whatever the umask (SQLite's -wal and -shm take its mode), and
// a register an older version left readable by others (with its -wal and -shm) tightened when it is opened.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);
const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe.skipIf(process.platform === 'win32')('the register file\'s mode', () => {
  it('a new register, its -wal and -shm are 0600', () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const db = openRegister(file);
    try {
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    } finally {
      db.close();
    }
  });

  it('a register left 0644 by an older version is 0600 once opened (its -wal and -shm follow); a read-only one is still refused', () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    openRegister(file).close();
    fs.chmodSync(file, 0o644);
    const db = openRegister(file);
    try {
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    } finally {
      db.close();
    }
    fs.chmodSync(file, 0o444);
    expect(() => openRegister(file)).toThrow(/только для чтения/);
    expect(mode(file)).toBe(0o444);
  });
});
