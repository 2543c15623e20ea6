// The archivist's CLI as a scheduler runs it: real child processes judged by exit code and output. Two media, a
// backup, damage, verify (3), repair (0), damage in both copies (4), restore and drill, archive verify, encryption
// and a wrong passphrase, and a backup killed with SIGKILL mid-write: the next run cleans up and succeeds, and the
// half-written bag never passes as a copy.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../helpers/cli.ts';
import { dirs, registerWithArchive } from '../backup/fixtures.ts';
import { startResumableServer } from '../helpers/resumable-server.ts';
import { adminClient, tempDir } from '../helpers/register.ts';

let root: string;
let dbPath: string;
let certPem: string;
beforeAll(async () => {
  const f = await registerWithArchive();
  root = f.root;
  dbPath = f.c.dbPath;
  certPem = path.join(f.signer.dir, 'cert.pem');
  f.c.backend.close();
});
afterAll(() => {
  delete process.env.SR_BACKUP_PASSPHRASE;
});

const bagOf = (dest: string) => fs.readdirSync(dest).filter((n) => n.startsWith('register-')).sort().at(-1)!;

describe('archive and backups from a script', () => {
  let a: string, b: string;
  it('media add / media list: two media in two rooms, flagged unverified until a backup', async () => {
    [a, b] = dirs(root, 'usb1', 'hdd2');
    expect((await cli('media', 'add', '--db', dbPath, '--label', 'USB-1', '--kind', 'usb', '--room', 'Каб. 12', '--path', a)).code).toBe(0);
    expect((await cli('media', 'add', '--db', dbPath, '--label', 'HDD-2', '--kind', 'hdd', '--room', 'Каб. 31 (архив)', '--path', b)).code).toBe(0);
    const dup = await cli('media', 'add', '--db', dbPath, '--label', 'USB-1', '--kind', 'usb', '--room', 'Каб. 1', '--path', '/mnt/x');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/Носитель с меткой «USB-1» уже есть/);
    const list = await cli('media', 'list', '--db', dbPath);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/HDD-2\thdd\tКаб\. 31 \(архив\)\t.*записан: никогда \(УСТАРЕЛ\)\tпроверен: никогда \(НЕ ПРОВЕРЕН\)/);
  });

  it('backup: same device refused (1) with a loud warning; confirmed with --yes (0); media now fresh', async () => {
    const refused = await cli('backup', '--db', dbPath, '--to', a, '--to', b);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ВНИМАНИЕ: .*на одном устройстве/);
    const r = await cli('backup', '--db', dbPath, '--to', a, '--to', b, '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'ok', destinations: [{ ok: true, label: 'USB-1' }, { ok: true, label: 'HDD-2' }] });
    const list = JSON.parse((await cli('media', 'list', '--db', dbPath, '--json')).stdout);
    expect(list.map((m: { stale: boolean; unverified: boolean }) => [m.stale, m.unverified])).toEqual([[false, false], [false, false]]);
  });

  it('verify-copies: damage → 3 naming the file; --repair → 0; damaged in both copies → 4', async () => {
    const bag = bagOf(a);
    const reg = path.join(a, bag, 'data/register.sqlite');
    const bytes = fs.readFileSync(reg);
    bytes[100] ^= 1;
    fs.writeFileSync(reg, bytes);
    const found = await cli('verify-copies', a, b, '--db', dbPath);
    expect(found.code).toBe(3);
    expect(found.stdout).toMatch(/ПОВРЕЖДЕНА .*\n\s+повреждён: data\/register\.sqlite/);
    const fixed = await cli('verify-copies', a, b, '--repair', '--db', dbPath);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/заменён из .*hdd2/);
    expect((await cli('verify-copies', a, b)).code).toBe(0); // without --db: checks, logs nothing

    const bothA = path.join(a, bag, 'data/archive/manifest.jsonl');
    const bothB = path.join(b, bag, 'data/archive/manifest.jsonl');
    const keep = fs.readFileSync(bothA);
    fs.appendFileSync(bothA, 'x');
    fs.appendFileSync(bothB, 'y');
    const lost = await cli('verify-copies', a, b, '--repair', '--db', dbPath);
    expect(lost.code).toBe(4);
    expect(lost.stdout).toMatch(/НЕ ИСПРАВИТЬ/);
    fs.writeFileSync(bothA, keep);
    fs.writeFileSync(bothB, keep);
    expect((await cli('verify-copies', a, b)).code).toBe(0);
  });

  it('restore --drill (0), restore --to a new file (0), a damaged bag refused (1); archive verify 0 then 3', async () => {
    const bag = path.join(a, bagOf(a));
    const drill = await cli('restore', bag, '--drill', '--trust', certPem, '--db', dbPath);
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stdout).toMatch(/Учебное восстановление прошло/);
    const target = path.join(root, 'restored', 'реестр.sqlite');
    fs.mkdirSync(path.dirname(target));
    const r = await cli('restore', bag, '--to', target);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK Файл реестра цел: проверка целостности базы данных пройдена/);
    expect(r.stdout).toMatch(/OK Цепочка журнала аудита цела/);
    expect((await cli('archive', 'verify', '--db', target, '--trust', certPem)).code).toBe(0);
    const archived = path.join(`${target}.archive`, 'files');
    const victim = fs.readdirSync(archived)[0];
    fs.appendFileSync(path.join(archived, victim), 'x');
    const bad = await cli('archive', 'verify', '--db', target);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain(victim);
    expect((await cli('restore', bag, '--to', dbPath, '--db', dbPath)).code).toBe(1); // over the open register: refused

    const copy = path.join(root, 'bad-bag');
    fs.cpSync(bag, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'data/register.sqlite'));
    const refused = await cli('restore', copy, '--drill');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/нет файла data\/register\.sqlite/);
  });

  it('--encrypt needs a passphrase (1); with one (0); the encrypted copy with a wrong passphrase is refused (1)', async () => {
    const [c, d] = dirs(root, 'enc-c', 'enc-d');
    const none = await cli('backup', '--db', dbPath, '--to', c, '--to', d, '--yes', '--encrypt');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/задайте парольную фразу/);
    process.env.SR_BACKUP_PASSPHRASE = 'длинная фраза для флешки';
    try {
      expect((await cli('backup', '--db', dbPath, '--to', c, '--to', d, '--yes', '--encrypt')).code).toBe(0);
      process.env.SR_BACKUP_PASSPHRASE = 'не та';
      const wrong = await cli('restore', path.join(c, bagOf(c)), '--drill');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/Неверная парольная фраза для зашифрованной копии/);
      const pf = path.join(root, 'pass.txt');
      fs.writeFileSync(pf, 'длинная фраза для флешки\n');
      expect((await cli('restore', path.join(c, bagOf(c)), '--drill', '--passphrase-file', pf)).code).toBe(0);
    } finally {
      delete process.env.SR_BACKUP_PASSPHRASE;
    }
  });

  it('backup --central uploads the finished bag to the central resource (token from SR_CENTRAL_TOKEN)', async () => {
    const store = dirs(root, 'central')[0];
    const server = await startResumableServer(store, { token: 'central-token' });
    const [c, d] = dirs(root, 'cen-c', 'cen-d');
    process.env.SR_CENTRAL_TOKEN = 'central-token';
    try {
      const r = await cli('backup', '--db', dbPath, '--to', c, '--to', d, '--yes', '--central', server.url, '--json');
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.central).toMatchObject({ skipped: 0, resumed: 0 });
      const received = path.join(store, 'central', out.bag);
      expect(fs.readFileSync(path.join(received, 'data/register.sqlite'))).toEqual(fs.readFileSync(path.join(c, out.bag, 'data/register.sqlite')));
      expect((await cli('verify-copies', received)).code).toBe(0);
      process.env.SR_CENTRAL_TOKEN = 'wrong';
      const refused = await cli('upload', path.join(c, out.bag), '--url', server.url);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/отказало в доступе \(401\)/);
    } finally {
      delete process.env.SR_CENTRAL_TOKEN;
      await server.close();
    }
  });

  it('a backup killed with SIGKILL mid-write: no bag looks complete; the next run cleans up and succeeds', async () => {
    // a register big enough that writing it takes a while
    const big = path.join(root, 'big.sqlite');
    fs.copyFileSync(dbPath, big);
    for (const x of ['-wal']) if (fs.existsSync(dbPath + x)) fs.copyFileSync(dbPath + x, big + x);
    const raw = new Database(big);
    raw.exec('CREATE TABLE test_filler (b BLOB) STRICT');
    const ins = raw.prepare('INSERT INTO test_filler VALUES (?)');
    for (let i = 0; i < 48; i++) ins.run(crypto.randomBytes(4 * 1024 * 1024));
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const [k1, k2] = dirs(root, 'kill-1', 'kill-2');
    const child = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'backup', '--db', big, '--to', k1, '--to', k2, '--yes', '--progress'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        // stop it the moment it starts writing the register to the second medium
        if (/"message":"Запись data\/register\.sqlite"/.test(stderr)) {
          child.kill('SIGSTOP');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`finished before it could be stopped: ${stderr.slice(-500)}`)));
    });
    const partials = (d: string) => fs.readdirSync(d).filter((n) => n.startsWith('.sr-partial-'));
    expect(partials(k1).length + partials(k2).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(fs.readdirSync(k1).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(fs.readdirSync(k2).filter((n) => !n.startsWith('.'))).toEqual([]);
    const v = await cli('verify-copies', k1, k2);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/нет ни одной завершённой резервной копии \(незавершённых, не считающихся копиями: [12]/);
    const half = path.join(k2, partials(k2)[0] ?? partials(k1)[0]);
    expect((await cli('restore', fs.existsSync(half) ? half : path.join(k1, partials(k1)[0]), '--drill')).code).toBe(1);

    const again = await cli('backup', '--db', big, '--to', k1, '--to', k2, '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(partials(k1)).toEqual([]);
    expect(partials(k2)).toEqual([]);
    expect((await cli('verify-copies', k1, k2)).code).toBe(0);

    // a scheduler's SIGTERM (or Ctrl+C) cancels the job: exit 1, the partial copies removed, no new bag
    const bags = [...fs.readdirSync(k1), ...fs.readdirSync(k2)].sort();
    const term = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'backup', '--db', big, '--to', k1, '--to', k2, '--yes', '--progress'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let termErr = '';
    term.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (!termErr.includes('Запись data/register.sqlite') && /"message":"Запись data\/register\.sqlite"/.test(termErr + d)) term.kill('SIGTERM');
      termErr += d;
    });
    const code = await new Promise((r) => term.on('close', r));
    expect(code, termErr.slice(-500)).toBe(1);
    expect(termErr).toContain('Ошибка: Операция отменена');
    expect([...fs.readdirSync(k1), ...fs.readdirSync(k2)].sort()).toEqual(bags);
  });
});

describe('the CLI and the app leave the same audit entry', () => {
  it('media add: the method, the arguments and the result the app\'s media.add records, only the login differs', async () => {
    const c = await adminClient(tempDir());
    const [x, y] = dirs(root, 'audit-x', 'audit-y');
    await c.call('media.add', { label: 'Из программы', kind: 'usb', room: 'Каб. 1', path: x });
    c.backend.close();
    expect((await cli('media', 'add', '--db', c.dbPath, '--label', 'Из командной строки', '--kind', 'usb', '--room', 'Каб. 1', '--path', y)).code).toBe(0);
    const db = new Database(c.dbPath, { readonly: true });
    const rows = db.prepare("SELECT login, method, detail FROM audit_log WHERE method = 'media.add' ORDER BY id").all() as Array<{ login: string; method: string; detail: string }>;
    db.close();
    expect(rows).toHaveLength(2);
    expect(rows[1].login).toMatch(/^cli:/);
    const [app, cmd] = rows.map((r) => JSON.parse(r.detail));
    expect(cmd).toEqual({ ...app, args: { ...app.args, label: 'Из командной строки', path: y }, result: { id: app.result.id + 1 } });
  });
});
