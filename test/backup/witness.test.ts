// Backup copies as witnesses of the audit log: removing the newest audit entries together with the anchor beside the
// register passes the chain check (nothing left to compare with), but not a check against a copy on another medium.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister } from '../../main/backup/backup.ts';
import { checkAuditWitnesses, witnessBags } from '../../main/backup/witness.ts';
import { entryHash } from '../../main/audit/log.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import { openRegister } from '../../db/connection.ts';
import { cli } from '../helpers/cli.ts';
import { openRaw } from '../helpers/db.ts';
import { dirs, registerWithArchive, type Fixture } from './fixtures.ts';

let f: Fixture;
let a: string, b: string;
beforeAll(async () => {
  f = await registerWithArchive();
  [a, b] = dirs(f.root, 'witness-A', 'witness-B');
  await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b, passphrase: 'Фраза для второго носителя' }], confirmSameDevice: true, by: 'admin' });
  await f.c.call('years.create', { name: '2031/2032' }); // an audited change after the copy
});
afterAll(() => f.c.backend.close());

/** A copy of the register file (and its anchor unless told) to tamper with. */
function copyRegister(name: string, withAnchor = true): string {
  const db = f.c.backend.db;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const to = path.join(f.root, name);
  fs.copyFileSync(f.c.dbPath, to);
  if (withAnchor && fs.existsSync(`${f.c.dbPath}.audit-head`)) fs.copyFileSync(`${f.c.dbPath}.audit-head`, `${to}.audit-head`);
  return to;
}

describe('backup copies as witnesses of the audit log', () => {
  it('the live register holds the chain of its newest copy; an encrypted copy is read with its passphrase', async () => {
    const db = f.c.backend.db;
    expect(witnessBags(a)).toHaveLength(1);
    const plain = await checkAuditWitnesses(db, [a, b]);
    expect(plain.map((w) => w.state)).toEqual(['ok', 'encrypted']);
    expect(plain[0].message).toMatch(/запись журнала аудита № \d+ от \d\d\.\d\d\.\d{4} совпадает с копией/);
    const withKey = await checkAuditWitnesses(db, [b], 'Фраза для второго носителя');
    expect(withKey.map((w) => w.state)).toEqual(['ok']);
    expect(withKey[0].entry!.id).toBe(plain[0].entry!.id);
    await expect(checkAuditWitnesses(db, [b], 'не та фраза')).rejects.toThrow(/парольн/i);
  });

  it('the newest entries and the anchor removed together: the chain check passes, the copy does not', async () => {
    const file = copyRegister('tail-removed.sqlite', false);
    const witnessed = (await checkAuditWitnesses(f.c.backend.db, [a]))[0].entry!.id;
    const raw = openRaw(file);
    raw.exec('DROP TRIGGER IF EXISTS audit_log_no_delete');
    raw.prepare('DELETE FROM audit_log WHERE id >= ?').run(witnessed - 1);
    raw.close();
    const db = openRegister(file);
    try {
      expect(verifyAuditChain(db).ok).toBe(true); // whole, only shorter: nothing beside the file says otherwise
      const [w] = await checkAuditWitnesses(db, [a]);
      expect(w.state).toBe('entries_missing');
      expect(w.message).toMatch(new RegExp(`содержит записи журнала аудита до № ${witnessed}, а в реестре их только ${witnessed - 2}: записи удалены`));
    } finally {
      db.close();
    }
    const r = await cli('audit', 'verify', '--witness', a, '--db', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/!! .*записи удалены/);
  });

  it('an entry rewritten with the chain recomputed from it on, anchor and all: the copy names the entry', async () => {
    const file = copyRegister('rewritten.sqlite');
    const witnessed = (await checkAuditWitnesses(f.c.backend.db, [a]))[0].entry!.id;
    const raw = openRaw(file);
    raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
    type E = { id: number; at: string; login: string | null; method: string; detail: string; prev_hash: string; hash: string };
    const all = raw.prepare('SELECT * FROM audit_log ORDER BY id').all() as E[];
    let prev = all[0].prev_hash;
    for (const e of all) {
      const detail = e.id === witnessed ? e.detail.replace(/}$/, ',"x":1}') : e.detail;
      const hash = entryHash(prev, { ...e, detail });
      raw.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?').run(detail, prev, hash, e.id);
      prev = hash;
    }
    raw.close();
    fs.writeFileSync(`${file}.audit-head`, JSON.stringify({ id: all.at(-1)!.id, hash: prev }) + '\n');
    const db = openRegister(file);
    try {
      expect(verifyAuditChain(db).ok).toBe(true);
      const [w] = await checkAuditWitnesses(db, [a]);
      expect(w.state).toBe('rewritten');
      expect(w.message).toMatch(new RegExp(`запись журнала аудита № ${witnessed} в реестре не та, что в копии`));
    } finally {
      db.close();
    }
  });

  it('a folder without copies, or a copy without its snapshot, is said so', async () => {
    const [empty] = dirs(f.root, 'witness-empty');
    await expect(checkAuditWitnesses(f.c.backend.db, [empty])).rejects.toThrow(/в папке нет резервных копий/);
    const bag = witnessBags(a)[0];
    const broken = path.join(f.root, 'witness-broken', path.basename(bag));
    fs.cpSync(bag, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'data', 'register.sqlite'));
    const [w] = await checkAuditWitnesses(f.c.backend.db, [broken]);
    expect([w.state, w.message]).toEqual(['unreadable', expect.stringMatching(/это не резервная копия реестра/)]);
  });

  it('through the API: the archivist checks registered media (a passphrase for encrypted copies, never kept); a clerk may not', async () => {
    const c = f.c;
    const ma = await c.call('media.add', { label: 'USB-W', kind: 'usb', room: 'Каб. 12', path: a, encrypted: false });
    const mb = await c.call('media.add', { label: 'HDD-W', kind: 'hdd', room: 'Каб. 31', path: b, encrypted: true });
    const mc = await c.call('media.add', { label: 'NAS-W', kind: 'nas', room: 'Серверная', path: path.join(f.root, 'not-mounted'), encrypted: false });
    const plain = await c.call('audit.witness', { mediaIds: [ma.id, mb.id, mc.id] });
    expect(plain.map((w) => [w.medium, w.state])).toEqual([['USB-W (Каб. 12)', 'ok'], ['HDD-W (Каб. 31)', 'encrypted'], ['NAS-W (Серверная)', 'absent']]);
    expect(plain[2].message).toMatch(/NAS-W: носитель не подключён/);
    const keyed = await c.call('audit.witness', { mediaIds: [mb.id], passphrase: 'Фраза для второго носителя' });
    expect(keyed.map((w) => w.state)).toEqual(['ok']);
    const wrong = await c.raw('audit.witness', { mediaIds: [mb.id], passphrase: 'не та' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'validation', fields: { passphrase: 'Неверная парольная фраза' } } });
    const audit = JSON.stringify(f.c.backend.db.prepare('SELECT detail FROM audit_log').all());
    expect(audit).not.toContain('Фраза для второго носителя');
    await c.call('users.create', { login: 'clerk-w', fullName: 'Секретарь Вера', role: 'clerk', password: 'clerk-password-1' });
    const signIn = await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk-w', password: 'clerk-password-1' } }, 'ipc') as { ok: true; value: { session: string } };
    const refused = await c.backend.call({ method: 'audit.witness', args: { mediaIds: [ma.id] }, session: signIn.value.session }, 'ipc');
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
