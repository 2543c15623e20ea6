// Secrets at rest in a backup (issue 15): when every copy is encrypted the register's snapshot is taken in memory, so no
// unencrypted register is written anywhere — not to the temp folder, not to the media; the archive manifest does not
// pass through the temp folder either. The bag, the archive beside the register and every file in them are 0600/0700
// whatever the process's umask (this test runs at vitest's, not the shells' 077).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDirFor } from '../../main/archive/archive.ts';
import { backupRegister } from '../../main/backup/backup.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { dirs, registerWithArchive, type Fixture } from './fixtures.ts';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'binary');
let f: Fixture;
beforeAll(async () => {
  f = await registerWithArchive();
}, 180_000);
afterAll(() => {
  f.c.backend.close();
  fs.rmSync(f.root, { recursive: true, force: true });
});

/** Every file and folder under `dir` with its permission bits. */
function modes(dir: string): Array<[string, number, boolean]> {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
    const p = path.join(e.parentPath, e.name);
    return [path.relative(dir, p), fs.lstatSync(p).mode & 0o777, e.isDirectory()];
  });
}

/**
 * Runs `work` with the OS temp folder pointed at a new empty folder; returns every name created in it meanwhile (seen
 * by a watcher: a folder made and removed again counts) and what was left.
 */
async function inEmptyTemp<T>(work: () => Promise<T>): Promise<{ value: T; created: string[]; left: string[] }> {
  const tmp = dirs(f.root, `tmp-${crypto.randomBytes(3).toString('hex')}`)[0];
  const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
  const created: string[] = [];
  const END = 'end-of-test';
  let ended = () => {};
  const end = new Promise<void>((resolve) => (ended = resolve));
  const watcher = fs.watch(tmp, (_event, name) => {
    if (name === END) ended();
    else if (name && !created.includes(name)) created.push(name);
  });
  Object.assign(process.env, { TMPDIR: tmp, TMP: tmp, TEMP: tmp });
  try {
    const value = await work();
    // the watcher's events come in order: once it sees this file, it has seen everything made before it
    fs.writeFileSync(path.join(tmp, END), '');
    await end;
    fs.rmSync(path.join(tmp, END));
    return { value, created, left: fs.readdirSync(tmp, { recursive: true }) as string[] };
  } finally {
    watcher.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('an encrypted backup never writes the register unencrypted', () => {
  for (const size of ['small', 'large'] as const) {
    it(`a ${size} register (${size === 'small' ? 'written whole' : 'streamed in chunks'}): nothing in the temp folder, no SQLite header on the media, the copy restores`, async () => {
      const db = f.c.backend.db;
      if (size === 'large') {
        db.exec('CREATE TABLE test_big (b BLOB) STRICT');
        for (let i = 0; i < 4; i++) db.prepare('INSERT INTO test_big VALUES (?)').run(crypto.randomBytes(3 * 1024 * 1024));
      }
      try {
        const [a, b] = dirs(f.root, `enc-${size}-A`, `enc-${size}-B`);
        const { value: r, created, left } = await inEmptyTemp(() => backupRegister(db, {
          destinations: [{ path: a, passphrase: 'тайная фраза' }, { path: b, passphrase: 'тайная фраза' }], confirmSameDevice: true,
        }));
        expect(r.state).toBe('ok');
        expect(created).toEqual([]);
        expect(left).toEqual([]);
        for (const d of [a, b]) {
          for (const [rel, , isDir] of modes(d)) {
            if (!isDir) expect(fs.readFileSync(path.join(d, rel)).includes(SQLITE_HEADER), rel).toBe(false);
          }
        }
        const registerSize = fs.statSync(path.join(a, r.bag, 'data/register.sqlite')).size;
        expect(size === 'large' ? registerSize > 8 * 1024 * 1024 : registerSize < 8 * 1024 * 1024).toBe(true);
        const drill = await restoreBag(path.join(b, r.bag), { drill: true, passphrase: 'тайная фраза' });
        expect(drill.ok, drill.message).toBe(true);
      } finally {
        if (size === 'large') db.exec('DROP TABLE test_big');
      }
    });
  }
});

describe('what a backup writes is its user\'s alone, at any umask', () => {
  it('bags (plain and encrypted) and the archive beside the register: files 0600, folders 0700', async () => {
    const [a, b] = dirs(f.root, 'modes-A', 'modes-B');
    const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b, passphrase: 'тайная фраза' }], confirmSameDevice: true });
    expect(r.state).toBe('ok');
    const archive = archiveDirFor(f.c.dbPath);
    const open = [a, b, archive].flatMap((d) => modes(d).filter(([, mode, isDir]) => mode !== (isDir ? 0o700 : 0o600))
      .map(([rel, mode]) => `${path.join(path.basename(d), rel)} ${mode.toString(8)}`));
    expect(modes(a).length).toBeGreaterThan(5);
    expect(fs.statSync(archive).mode & 0o777).toBe(0o700);
    expect(open).toEqual([]);
  });
});
