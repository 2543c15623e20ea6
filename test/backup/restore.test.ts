// Restore: into a new file, or over the current register which is kept aside; refused — with nothing replaced — when
// SQLite's integrity_check, the audit chain or a seal fails, even in a bag whose manifests were redone to match.
// The drill restores into a scratch folder, checks, reports and leaves nothing behind.
import { verifyAuditChain } from '../../main/audit/verify.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDirFor, verifyArchive } from '../../main/archive/archive.ts';
import { backupRegister } from '../../main/backup/backup.ts';
import { restoreBag, RestoreRefused } from '../../main/backup/restore.ts';
import { listRuns } from '../../main/backup/runs.ts';
import { openRegister } from '../../db/connection.ts';
import { dirs, rebag, registerWithArchive, type Fixture } from './fixtures.ts';

let f: Fixture;
let bagA: string;
beforeAll(async () => {
  f = await registerWithArchive();
  const [a, b] = dirs(f.root, 'r-A', 'r-B');
  const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
  bagA = r.destinations[0].bagPath!;
});
afterAll(() => f.c.backend.close());

const fileSha = (p: string) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
const tamperedCopy = (name: string) => {
  const d = path.join(dirs(f.root, name)[0], path.basename(bagA));
  fs.cpSync(bagA, d, { recursive: true });
  return d;
};

describe('restore', () => {
  it('into a new file: the register and its archive, every check passed and reported', async () => {
    const target = path.join(dirs(f.root, 'new-home')[0], 'реестр.sqlite');
    const r = await restoreBag(bagA, { target, trustedCertsPem: [f.certPem], log: { db: f.c.backend.db, by: 'admin' } });
    expect(r.ok).toBe(true);
    expect(r.keptAside).toBeNull();
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bag', true], ['authentic', true], ['integrity_check', true], ['application_id', true], ['audit', true], ['seals', true], ['sealed_data', true], ['archive', true], ['archive_matches_register', true],
    ]);
    const db = openRegister(target, { create: false });
    expect((db.prepare('SELECT count(*) AS n FROM ledger_versions').get() as { n: number }).n).toBe(3);
    expect((db.prepare('SELECT count(*) AS n FROM classes').get() as { n: number }).n).toBe(2);
    db.close();
    expect((await verifyArchive(archiveDirFor(target), { trustedCertsPem: [f.certPem] })).ok).toBe(true);
    expect(fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith('.sr-restore-'))).toEqual([]);
    expect(listRuns(f.c.backend.db, 1)[0]).toMatchObject({ kind: 'restore', state: 'ok' });
  });

  it('over an existing register: the current one (with its archive) is kept aside, byte for byte', async () => {
    const home = dirs(f.root, 'over')[0];
    const target = path.join(home, 'register.sqlite');
    const old = new Database(target);
    old.exec('CREATE TABLE before (x)');
    old.close();
    fs.mkdirSync(`${target}.archive`);
    fs.writeFileSync(`${target}.archive/manifest.jsonl`, 'старый архив\n');
    // the current register's audit anchor, further along than the snapshot's chain
    const oldAnchor = JSON.stringify({ id: 9999, hash: 'a'.repeat(64) }) + '\n';
    fs.writeFileSync(`${target}.audit-head`, oldAnchor);
    const before = fileSha(target);
    const r = await restoreBag(bagA, { target });
    expect(fs.readFileSync(`${r.keptAside}.audit-head`, 'utf8')).toBe(oldAnchor);
    expect(r.keptAside).toMatch(/register\.sqlite\.before-restore-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(fileSha(r.keptAside!)).toBe(before);
    expect(fs.readFileSync(`${r.keptAside}.archive/manifest.jsonl`, 'utf8')).toBe('старый архив\n');
    const db = openRegister(target, { create: false });
    expect(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'before'").get()).toBeUndefined();
    // the restored register has its own anchor: its chain verifies, with no entries reported removed
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, anchor: 'ok' });
    // and its old anchor was put aside on purpose: no lost anchor is recorded in its chain
    expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'audit.anchorLost'").get()).toEqual({ n: 0 });
    db.close();
  });

  const refusedCases: Array<[string, (bag: string) => void, RegExp]> = [
    ['a seal whose JSON was changed', (b) => {
      const db = new Database(path.join(b, 'data/register.sqlite'));
      db.exec('DROP TRIGGER ledger_versions_no_update'); // as someone bypassing the program would
      db.prepare("UPDATE ledger_versions SET canonical_json = replace(canonical_json, '\"format\"', '\"formaT\"') WHERE id = 1").run();
      db.close();
    }, /Печати ведомостей не сходятся: класс \d+, версия 1: канонический JSON не совпадает с печатью/],
    ['an audit entry edited behind the triggers', (b) => {
      const db = new Database(path.join(b, 'data/register.sqlite'));
      db.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{}' WHERE id = 2");
      db.close();
    }, /Цепочка журнала аудита нарушена: запись 2 изменена/],
    ['a b-tree page of the classes table overwritten', (b) => {
      const p = path.join(b, 'data/register.sqlite');
      const db = new Database(p, { readonly: true });
      const page = (db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'classes'").get() as { rootpage: number }).rootpage;
      const size = db.pragma('page_size', { simple: true }) as number;
      db.close();
      for (const x of ['-wal', '-shm']) fs.rmSync(p + x, { force: true }); // a read-only connection leaves them
      const bytes = fs.readFileSync(p);
      bytes.fill(0xa5, (page - 1) * size, (page - 1) * size + 64); // the page header: no longer a b-tree page
      fs.writeFileSync(p, bytes);
    }, /Файл реестра повреждён: |Файл реестра не читается/],
    ['an archived signature replaced', (b) => {
      const dir = path.join(b, 'data/archive/files');
      const sig = fs.readdirSync(dir).find((n) => fs.readFileSync(path.join(dir, n))[0] === 0x30)!;
      const bytes = fs.readFileSync(path.join(dir, sig));
      bytes[bytes.length - 10] ^= 1;
      fs.writeFileSync(path.join(dir, sig), bytes);
    }, /Архив повреждён/],
  ];
  for (const [name, tamper, message] of refusedCases) {
    it(`refused, nothing replaced: ${name} (in a bag whose manifests were redone to match)`, async () => {
      const b = tamperedCopy(name.replace(/\W+/g, '-'));
      tamper(b);
      rebag(b);
      const target = path.join(dirs(f.root, `t-${name.replace(/\W+/g, '-')}`)[0], 'register.sqlite');
      fs.writeFileSync(target, '');
      const e = await restoreBag(b, { target }).catch((x) => x);
      expect(e, String(e?.message)).toBeInstanceOf(RestoreRefused);
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/ничего не заменено/);
      expect(fs.readdirSync(path.dirname(target))).toEqual(['register.sqlite']); // untouched, no stage left
      expect(fs.statSync(target).size).toBe(0);
    });
  }

  it('a damaged bag is refused before anything is unpacked', async () => {
    const b = tamperedCopy('damaged-bag');
    fs.appendFileSync(path.join(b, 'data/register.sqlite'), 'x');
    await expect(restoreBag(b, { drill: true })).rejects.toThrow(/Копия повреждена: .*data\/register\.sqlite повреждён/);
  });
});

describe('restore drill', () => {
  it('restores into a scratch folder, checks, reports, and discards it', async () => {
    const scratch = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('sr-drill-')).sort();
    const before = scratch();
    const r = await restoreBag(bagA, { drill: true, trustedCertsPem: [f.certPem], log: { db: f.c.backend.db, by: 'admin' } });
    expect(r).toMatchObject({ ok: true, drill: true, target: null, keptAside: null, ledgerVersions: 3, archiveEntries: 3 });
    expect(r.message).toMatch(/Учебное восстановление прошло.*Восстановленная копия удалена/);
    expect(scratch()).toEqual(before);
    expect(listRuns(f.c.backend.db, 1)[0]).toMatchObject({ kind: 'drill', state: 'ok' });
  });
});
