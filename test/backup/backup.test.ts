// Backups to two media: one pass, BagIt that an independent reader (coreutils) accepts, two devices or a loud
// warning, reuse of archive files already there, per-destination encryption, and the faults: a full medium, a medium
// that disappears mid-write, a cancel. A bag is complete or absent.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister, SameMediaError } from '../../main/backup/backup.ts';
import { bagsOn, checkBag, partialsOn } from '../../main/backup/bag.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { verifyCopies } from '../../main/backup/verify.ts';
import { CancelledError, progressTo } from '../../main/shared/jobs.ts';
import { addMedia, listMedia, listRuns } from '../../main/backup/runs.ts';
import { coreutilsValidate, dirs, mountTmpfs, registerWithArchive, unmount, type Fixture } from './fixtures.ts';

let f: Fixture;
const mounts: Array<string | null> = [];
beforeAll(async () => {
  f = await registerWithArchive();
});
afterAll(() => {
  f.c.backend.close();
  mounts.forEach(unmount);
});

const countRows = (db: Database.Database, t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;

describe('backup to two destinations', () => {
  it('two folders on one device: refused with a loud warning unless confirmed; confirmed, both bags are complete BagIt', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'one-A', 'one-B');
    const refused = await backupRegister(db, { destinations: [{ path: a }, { path: b }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(SameMediaError);
    expect(refused.message).toMatch(/ВНИМАНИЕ: .*на одном устройстве/);
    expect(fs.readdirSync(a)).toEqual([]); // nothing written before the confirmation
    const same = await backupRegister(db, { destinations: [{ path: a }, { path: a }] }).catch((e) => e);
    expect(same.message).toMatch(/одна и та же папка/);

    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, by: 'admin' });
    expect(r.state).toBe('ok');
    expect(r.warnings.join()).toMatch(/на одном устройстве/);
    for (const d of r.destinations) {
      expect(d.ok).toBe(true);
      expect(bagsOn(d.path)).toEqual([r.bag]);
      expect(partialsOn(d.path)).toEqual([]);
      const v = coreutilsValidate(d.bagPath!);
      expect(v.ok, v.out).toBe(true);
      const info = fs.readFileSync(path.join(d.bagPath!, 'bag-info.txt'), 'utf8');
      for (const k of ['Source-Organization', 'Bagging-Date', 'Payload-Oxum', 'External-Identifier', 'Bag-Group-Identifier']) expect(info).toMatch(new RegExp(`^${k}: \\S`, 'm'));
      expect(info).toContain(`External-Identifier: ${r.bag}`);
      expect(fs.readFileSync(path.join(d.bagPath!, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    }
    // the two plain copies are byte-identical
    const [ba, bb] = r.destinations.map((d) => d.bagPath!);
    expect(fs.readFileSync(path.join(ba, 'manifest-sha256.txt'))).toEqual(fs.readFileSync(path.join(bb, 'manifest-sha256.txt')));
    // the snapshot is a consistent, whole SQLite database with the register's rows
    const snap = new Database(path.join(ba, 'data/register.sqlite'), { readonly: true });
    expect(snap.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(countRows(snap, 'classes')).toBe(countRows(db, 'classes'));
    expect(countRows(snap, 'ledger_versions')).toBe(3);
    snap.close();
    // the archive travels along, every sealed file included
    expect(fs.readdirSync(path.join(ba, 'data/archive/files'))).toHaveLength(12);
    // the run and its per-destination results are in the history
    const run = listRuns(db, 1)[0];
    expect(run).toMatchObject({ kind: 'backup', state: 'ok', bag: r.bag, by: 'admin' });
    expect(run.results.map((x) => x.state)).toEqual(['ok', 'ok']);
  });

  it('two real devices (tmpfs mounts): no warning; registered media get their last-written date', async (ctx) => {
    const a = mountTmpfs(f.root, 'dev-A', '64m');
    const b = mountTmpfs(f.root, 'dev-B', '64m');
    mounts.push(a, b);
    if (!a || !b) return ctx.skip(); // mount refused on this machine: the device check is then covered by the test above
    const db = f.c.backend.db;
    const ma = addMedia(db, { label: 'USB-1', kind: 'usb', room: 'Каб. 12 (канцелярия)', path: a });
    const mb = addMedia(db, { label: 'HDD-2', kind: 'hdd', room: 'Каб. 31 (архив)', path: b });
    expect(listMedia(db).every((m) => m.stale && m.unverified)).toBe(true);
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }] });
    expect(r.state).toBe('ok');
    expect(r.warnings).toEqual([]);
    const media = listMedia(db);
    expect(media.find((m) => m.id === ma.id)).toMatchObject({ stale: false, unverified: false, present: true });
    expect(media.find((m) => m.id === mb.id)!.lastWrittenAt).not.toBeNull();
    expect(listRuns(db, 1)[0].results.map((x) => x.mediaId).sort()).toEqual([ma.id, mb.id].sort());
  });

  it('archive files already on a destination are not written again (hard-linked), and the new bag is still whole', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'reuse-A', 'reuse-B');
    const first = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
    expect(first.destinations.map((d) => d.reused)).toEqual([0, 0]);
    const second = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
    expect(second.destinations.map((d) => d.reused)).toEqual([12, 12]);
    const sha = fs.readdirSync(path.join(a, first.bag, 'data/archive/files'))[0];
    const ino = (bag: string) => fs.statSync(path.join(a, bag, 'data/archive/files', sha)).ino;
    expect(ino(second.bag)).toBe(ino(first.bag)); // the same bytes on disk, not a second copy
    expect(coreutilsValidate(path.join(a, second.bag)).ok).toBe(true);
  });

  it('a no-change backup confirms what it reuses without reading it (issue 19): a file written since its bag was sealed, or of another size, is copied again; bytes rotted in place are verify-copies\' to find', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'meta-A', 'meta-B');
    const first = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
    const files = path.join(a, first.bag, 'data/archive/files');
    const [rotted, rewritten, cut] = fs.readdirSync(files).sort();
    const sealed = fs.statSync(path.join(a, first.bag, 'tagmanifest-sha256.txt')).mtimeMs;
    const before = new Date(sealed - 60_000);
    const flip = (name: string) => {
      const p = path.join(files, name);
      const bytes = fs.readFileSync(p);
      bytes[0] ^= 0xff;
      fs.writeFileSync(p, bytes);
      return p;
    };
    const rottedPath = flip(rotted);
    fs.utimesSync(rottedPath, before, before); // the same size, its old time back: only a read of its bytes could tell
    flip(rewritten); // written after its bag was sealed
    fs.truncateSync(path.join(files, cut), 10);
    fs.utimesSync(path.join(files, cut), before, before); // another size, whatever its time says

    const second = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
    expect(second.state).toBe('ok');
    expect(second.destinations.map((d) => d.reused)).toEqual([10, 12]);
    const files2 = path.join(a, second.bag, 'data/archive/files');
    const sha = (p: string) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    for (const name of [rewritten, cut]) {
      expect(sha(path.join(files2, name))).toBe(name); // copied again from the archive
      expect(fs.statSync(path.join(files2, name)).ino).not.toBe(fs.statSync(path.join(files, name)).ino);
    }
    expect(fs.statSync(path.join(files2, rotted)).ino).toBe(fs.statSync(rottedPath).ino); // linked, not read
    // verify-copies reads every byte of every copy: the rotted file is found, in both bags of that medium
    const v = await verifyCopies(null, [a]);
    expect(v.state).not.toBe('ok');
    expect(JSON.stringify(v.copies)).toContain(rotted);
    expect((await verifyCopies(null, [b])).state).toBe('ok');
  });

  it('an encrypted medium reuses its last bag\'s encrypted archive files too (same passphrase: same key, sizes with IV and tag)', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'enc-reuse-A', 'enc-reuse-B');
    const dests = [{ path: a }, { path: b, passphrase: 'Зима-2026 длинная фраза' }];
    const first = await backupRegister(db, { destinations: dests, confirmSameDevice: true });
    expect(first.destinations.map((d) => d.reused)).toEqual([0, 0]);
    const second = await backupRegister(db, { destinations: dests, confirmSameDevice: true });
    expect(second.destinations.map((d) => d.reused)).toEqual([12, 12]);
    const enc = second.destinations[1].bagPath!;
    expect(coreutilsValidate(enc).ok).toBe(true);
    expect((await checkBag(enc)).ok).toBe(true);
  });

  it('encrypts a destination with a passphrase: still valid BagIt over the ciphertext, no plaintext on it; wrong passphrase is a clear error', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'enc-A', 'enc-B');
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b, passphrase: 'Осень-2026 длинная фраза' }], confirmSameDevice: true });
    const enc = r.destinations[1].bagPath!;
    expect(coreutilsValidate(enc).ok).toBe(true);
    expect((await checkBag(enc)).ok).toBe(true);
    const cipher = fs.readFileSync(path.join(enc, 'data/register.sqlite'));
    expect(cipher.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    // the canonical JSON of a seal is not readable on the encrypted medium
    const json = fs.readdirSync(path.join(a, r.bag, 'data/archive/files')).map((n) => fs.readFileSync(path.join(a, r.bag, 'data/archive/files', n), 'utf8')).find((t) => t.includes('Иванов'))!;
    const all = fs.readdirSync(path.join(enc, 'data/archive/files')).map((n) => fs.readFileSync(path.join(enc, 'data/archive/files', n)));
    expect(all.some((x) => x.includes(Buffer.from(json)))).toBe(false);
    expect(fs.readFileSync(path.join(enc, 'encryption.json'), 'utf8')).toMatch(/AES-256-GCM/);

    const wrong = await restoreBag(enc, { drill: true, passphrase: 'не та фраза' }).catch((e) => e);
    expect(wrong.message).toMatch(/Неверная парольная фраза для зашифрованной копии/);
    const none = await restoreBag(enc, { drill: true }).catch((e) => e);
    expect(none.message).toMatch(/зашифрована: нужна парольная фраза/);
    const ok = await restoreBag(enc, { drill: true, passphrase: 'Осень-2026 длинная фраза' });
    expect(ok.ok).toBe(true);
    expect(ok.ledgerVersions).toBe(3);
  });

  it('a register larger than the whole-file threshold is streamed in chunks: plain and encrypted copies both restore', async () => {
    const db = f.c.backend.db;
    db.exec('CREATE TABLE test_big (b BLOB) STRICT');
    for (let i = 0; i < 5; i++) db.prepare('INSERT INTO test_big VALUES (?)').run(crypto.randomBytes(3 * 1024 * 1024));
    try {
      const [a, b, c] = dirs(f.root, 'big-A', 'big-B', 'big-C');
      const r = await backupRegister(db, { destinations: [{ path: a }, { path: b, passphrase: 'большая фраза' }, { path: c, passphrase: 'большая фраза' }], confirmSameDevice: true });
      expect(r.state).toBe('ok');
      // the two encrypted copies share one key and one encryption: byte-identical twins
      const reg = (d: string) => fs.readFileSync(path.join(d, r.bag, 'data/register.sqlite'));
      expect(reg(b).equals(reg(c))).toBe(true);
      expect(reg(b).equals(reg(a))).toBe(false);
      expect(fs.statSync(path.join(r.destinations[0].bagPath!, 'data/register.sqlite')).size).toBeGreaterThan(15 * 1024 * 1024);
      for (const d of r.destinations) expect(coreutilsValidate(d.bagPath!).ok).toBe(true);
      const plain = await restoreBag(r.destinations[0].bagPath!, { drill: true });
      const enc = await restoreBag(r.destinations[1].bagPath!, { drill: true, passphrase: 'большая фраза' });
      expect([plain.ok, enc.ok]).toEqual([true, true]);
    } finally {
      db.exec('DROP TABLE test_big');
    }
  });
});

describe('faults while writing', () => {
  it('a large register\'s second plain copy is made by the kernel and still verified: whole, it passes; changed before its read-back, that copy fails', async () => {
    const db = f.c.backend.db;
    db.exec('CREATE TABLE test_big2 (b BLOB) STRICT');
    for (let i = 0; i < 4; i++) db.prepare('INSERT INTO test_big2 VALUES (?)').run(crypto.randomBytes(3 * 1024 * 1024));
    try {
      const [a, b] = dirs(f.root, 'bigplain-A', 'bigplain-B');
      const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
      expect(r.state).toBe('ok');
      const reg = (d: string) => fs.readFileSync(path.join(d, r.bag, 'data/register.sqlite'));
      expect(reg(a).length).toBeGreaterThan(12 * 1024 * 1024);
      expect(reg(b).equals(reg(a))).toBe(true);
      for (const d of r.destinations) expect(coreutilsValidate(d.bagPath!).ok).toBe(true);

      // The copy is read back as soon as its fsync is over (while the snapshot may still be hashed), 4 MiB at a time
      // with the next chunk read ahead: a byte at 9 MiB changed when the first chunk has been compared is changed after
      // the copy's fsync and before the read-back reaches it.
      const [c, d] = dirs(f.root, 'bigplain-C', 'bigplain-D');
      let flipped = false;
      const progress = progressTo((_d, _t, msg) => {
        if (!flipped && msg === 'Проверка копий: data/register.sqlite') {
          const partial = fs.readdirSync(d).find((n) => n.startsWith('.sr-partial-'))!;
          const p = path.join(d, partial, 'data/register.sqlite');
          const fd = fs.openSync(p, 'r+');
          const byte = Buffer.alloc(1);
          fs.readSync(fd, byte, 0, 1, 9 * 1024 * 1024);
          byte[0] ^= 0x80;
          fs.writeSync(fd, byte, 0, 1, 9 * 1024 * 1024);
          fs.closeSync(fd);
          flipped = true;
        }
      });
      const r2 = await backupRegister(db, { destinations: [{ path: c }, { path: d }], confirmSameDevice: true, progress });
      expect(flipped).toBe(true);
      expect(r2.state).toBe('partial');
      expect(r2.destinations[0].ok).toBe(true);
      expect(r2.destinations[1].message).toMatch(/data\/register\.sqlite: записанная копия не совпала с источником при проверке/);
      expect(fs.readdirSync(d)).toEqual([]);
    } finally {
      db.exec('DROP TABLE test_big2');
    }
  });

  it('a destination that fills up (1 MiB tmpfs): that copy fails and leaves nothing, the other is complete', async (ctx) => {
    const small = mountTmpfs(f.root, 'full', '1m');
    mounts.push(small);
    if (!small) return ctx.skip(); // mount refused: ENOSPC cannot be produced without a small file system
    const db = f.c.backend.db;
    db.exec('CREATE TABLE IF NOT EXISTS test_filler (b BLOB) STRICT');
    db.prepare('INSERT INTO test_filler VALUES (?)').run(crypto.randomBytes(3 * 1024 * 1024)); // the register outgrows the medium
    const [big] = dirs(f.root, 'roomy');
    const r = await backupRegister(db, { destinations: [{ path: big }, { path: small }], confirmSameDevice: true });
    expect(r.state).toBe('partial');
    const failed = r.destinations.find((d) => d.path === small)!;
    expect(failed).toMatchObject({ ok: false, bagPath: null });
    expect(failed.message).toMatch(/не хватило места/);
    expect(fs.readdirSync(small)).toEqual([]); // no partial left behind, no bag
    expect(coreutilsValidate(r.destinations.find((d) => d.path === big)!.bagPath!).ok).toBe(true);
    expect(listRuns(db, 1)[0]).toMatchObject({ state: 'partial' });
    db.exec('DROP TABLE test_filler');
  });

  it('a destination that disappears mid-write: reported as gone, the other copy completes', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'stay', 'vanish');
    let pulled = false;
    const progress = progressTo((_done, _total, msg) => {
      if (!pulled && msg?.startsWith('Запись')) {
        pulled = true;
        // the USB disk is pulled out: the folder is gone at once. (Removing it file by file raced with the copies the
        // backup writes meanwhile in libuv's threads: rmdir met a file created after its listing, ENOTEMPTY.)
        fs.renameSync(b, `${b}-pulled`);
      }
    });
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress });
    fs.rmSync(`${b}-pulled`, { recursive: true, force: true });
    expect(pulled).toBe(true);
    expect(r.state).toBe('partial');
    expect(r.destinations[1]).toMatchObject({ ok: false, bagPath: null });
    expect(r.destinations[1].message).toMatch(/пропал во время записи/);
    expect(r.destinations[0].ok).toBe(true);
    expect(coreutilsValidate(r.destinations[0].bagPath!).ok).toBe(true);
  });

  it('a real device unmounted mid-write (tmpfs, lazy unmount: the USB disk pulled): that copy fails, the other completes', async (ctx) => {
    const usb = mountTmpfs(f.root, 'pulled', '64m');
    if (!usb) return ctx.skip(); // mount refused on this machine: the folder-removal test above covers the behaviour
    const db = f.c.backend.db;
    const [a] = dirs(f.root, 'stays');
    let pulled = false;
    const progress = progressTo((_d, _t, msg) => {
      if (!pulled && msg?.startsWith('Запись')) {
        pulled = true;
        unmount(usb);
      }
    });
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: usb }], confirmSameDevice: true, progress });
    expect(pulled).toBe(true);
    expect(r.state).toBe('partial');
    expect(r.destinations[1]).toMatchObject({ ok: false, bagPath: null });
    expect(r.destinations[1].message).toMatch(/пропал во время записи/);
    expect(fs.readdirSync(usb)).toEqual([]); // the mount point left behind holds nothing that looks like a bag
    expect(coreutilsValidate(r.destinations[0].bagPath!).ok).toBe(true);
  });

  it('a medium that does not keep what was written (bytes change before the read-back) fails that copy, not the run', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'liar-A', 'liar-B');
    let flipped = false;
    const progress = progressTo((_d, _t, msg) => {
      if (!flipped && msg === 'Запись data/archive/manifest.jsonl') {
        // the register copy on B is written and fsynced by now; a bad medium hands back other bytes
        const partial = fs.readdirSync(b).find((n) => n.startsWith('.sr-partial-'))!;
        const p = path.join(b, partial, 'data/register.sqlite');
        const bytes = fs.readFileSync(p);
        bytes[bytes.length - 1] ^= 0xff;
        fs.writeFileSync(p, bytes);
        flipped = true;
      }
    });
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress });
    expect(flipped).toBe(true);
    expect(r.state).toBe('partial');
    expect(r.destinations[1].message).toMatch(/data\/register\.sqlite: записанная копия не совпала с источником при проверке/);
    expect(fs.readdirSync(b)).toEqual([]);
    expect(coreutilsValidate(r.destinations[0].bagPath!).ok).toBe(true);
  });

  it('cancelled: no bag and no partial anywhere, the run recorded as cancelled', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'cancel-A', 'cancel-B');
    const abort = new AbortController();
    const progress = progressTo((_d, _t, msg) => {
      if (msg?.startsWith('Запись')) abort.abort();
    }, abort.signal);
    const e = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress }).catch((x) => x);
    expect(e).toBeInstanceOf(CancelledError);
    expect(fs.readdirSync(a)).toEqual([]);
    expect(fs.readdirSync(b)).toEqual([]);
    expect(listRuns(db, 1)[0]).toMatchObject({ kind: 'backup', state: 'cancelled' });
  });

  it('an archive file\'s second copy (copied in the kernel from the first) changed on disk before its read-back fails that copy only', async () => {
    const db = f.c.backend.db;
    const [a, b] = dirs(f.root, 'kcopy-A', 'kcopy-B');
    let flipped: string | null = null;
    const progress = progressTo((_d, _t, msg) => {
      const rel = /^Запись (data\/archive\/files\/[0-9a-f]{64})$/.exec(msg ?? '')?.[1];
      if (!flipped && rel) {
        // both copies of this file are written by now (A from memory, B from A by copy_file_range); none verified yet
        const partial = fs.readdirSync(b).find((n) => n.startsWith('.sr-partial-'))!;
        const p = path.join(b, partial, rel);
        const bytes = fs.readFileSync(p);
        bytes[Math.floor(bytes.length / 2)] ^= 0x01;
        fs.writeFileSync(p, bytes);
        flipped = rel;
      }
    });
    const r = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress });
    expect(flipped).not.toBeNull();
    expect(r.state).toBe('partial');
    expect(r.destinations[0].ok).toBe(true);
    expect(r.destinations[1]).toMatchObject({ ok: false, bagPath: null });
    expect(r.destinations[1].message).toContain(`${flipped}: записанная копия не совпала с источником при проверке`);
    expect(fs.readdirSync(b)).toEqual([]);
    expect(coreutilsValidate(r.destinations[0].bagPath!).ok).toBe(true);
  });

  // A cancel while the snapshot is taken and archive files are copied at the same time, one while archive files are
  // copied several at a time with fsyncs running in the background, and one while files are being verified as their
  // fsyncs finish: whatever is in flight settles, then nothing is left.
  for (const [when, at, nth] of [
    ['during the snapshot (archive files copied meanwhile)', /^Снимок реестра/, 1],
    ['mid-copy of the archive', /^Запись data\/archive\/files\//, 5],
    ['mid-verification', /^Проверка копий: data\/archive\/files\//, 5],
  ] as const) {
    it(`cancelled ${when}: no bag under its final name and no partial anywhere`, async () => {
      const db = f.c.backend.db;
      const [a, b] = dirs(f.root, `cancel-${when.replace(/\W+/g, '-')}-A`, `cancel-${when.replace(/\W+/g, '-')}-B`);
      const abort = new AbortController();
      let seen = 0;
      const progress = progressTo((_d, _t, msg) => {
        if (at.test(msg ?? '') && ++seen === nth) abort.abort();
      }, abort.signal);
      const e = await backupRegister(db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true, progress }).catch((x) => x);
      expect(seen).toBeGreaterThanOrEqual(nth);
      expect(e).toBeInstanceOf(CancelledError);
      expect(fs.readdirSync(a)).toEqual([]);
      expect(fs.readdirSync(b)).toEqual([]);
      expect(listRuns(db, 1)[0]).toMatchObject({ kind: 'backup', state: 'cancelled' });
    });
  }

  it('fewer than two destinations, or a destination that is not there, is refused before anything is written', async () => {
    const db = f.c.backend.db;
    const [a] = dirs(f.root, 'lonely');
    await expect(backupRegister(db, { destinations: [{ path: a }] })).rejects.toThrow(/не меньше чем на два носителя/);
    await expect(backupRegister(db, { destinations: [{ path: a }, { path: path.join(f.root, 'нет-такого') }] })).rejects.toThrow(/не найдена \(носитель не подключён\?\)/);
    expect(fs.readdirSync(a)).toEqual([]);
  });
});
