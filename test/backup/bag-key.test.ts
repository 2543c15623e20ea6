// A copy says who wrote it (issue 15): every bag (plain and encrypted) carries an HMAC-SHA-256 tag over its tag manifest
// under the installation's backup key, kept in a key file outside registers and bags. A bag edited and re-manifested
// without the key (valid BagIt, coreutils agrees) is reported by verify-copies as not written by this program (its
// integrity intact), refused to the archivist by every restore (drill, --to, over the open register) with the reason,
// and restored by an admin who confirms (the app through dispatch, the CLI with --accept-foreign). A bag of another
// installation (another key) is foreign too; the recovery sheet holds the key (pdftotext), and importing it on a "new
// computer" (another key file) makes the old bags genuine again. The key is 0600 in a 0700 folder and appears in no
// register, bag or audit entry.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHENTICATION, backupKeyFile, FileKeyStore, keyId, parseTypedKey, SEALED_MAGIC, toBase32 } from '../../main/backup/key.ts';
import { runCli } from '../../main/cli/index.ts';
import type { RestoreJobResult, VerifyJobResult } from '../../preload/contract-archive.ts';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';
import { asUsers } from './as-users.ts';
import { coreutilsValidate, forgeCopy, rebag } from './fixtures.ts';

let f: SealingSchool;
let bag: string;
let encryptedBag: string;
let keyFile: string;
const PASSWORDS: Record<string, string> = { admin: 'correct horse 1', arch: 'archivist-password-1' };
const PASSPHRASE = 'фраза для шифрования копий';

const { sessions, call, value, signIn, jobEnd } = asUsers(() => f.c.backend, PASSWORDS);
async function cli(argv: string[]): Promise<{ code: number; said: string }> {
  let said = '';
  const code = await runCli(argv, { out: (s) => { said += s + '\n'; return true; }, err: (s) => { said += s + '\n'; return true; } });
  return { code, said };
}

let n = 0;
/** A copy of the genuine bag on a medium of its own, edited by `tamper` and re-bagged by someone without the key. */
async function forged(tamper: (raw: Database.Database) => void): Promise<{ dir: string; mediaId: number; name: string }> {
  const medium = path.join(f.dir, `forged-${++n}`);
  const dir = forgeCopy(bag, medium, tamper, rebag);
  const { id } = await value<{ id: number }>('admin', 'media.add', { label: `forged-${n}`, kind: 'usb', room: 'Каб. 12', path: medium, encrypted: false });
  return { dir, mediaId: id, name: path.basename(bag) };
}
const raiseArch = (raw: Database.Database) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); };

/** Every file under `dir` (recursively) that holds `needle`. */
function filesHolding(dir: string, needles: Buffer[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && p !== keyFile) {
        const bytes = fs.readFileSync(p);
        if (needles.some((x) => bytes.includes(x))) out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  // this file's own key, inside the school's folder so the byte search below can see everything at once
  f = await sealingSchool();
  keyFile = path.join(f.dir, 'profile', 'school-register', 'backup.key');
  process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = keyFile;
  sessions.admin = f.c.session!;
  await f.c.call('ledgers.seal', { classId: f.s.a.id });
  await f.c.call('users.create', { login: 'arch', fullName: 'Архивариус Ольга', role: 'archivist', password: PASSWORDS.arch });
  await signIn('arch');
  const ids: number[] = [];
  for (const [m, encrypted] of [['usb-A', false], ['usb-B', false], ['usb-C', true]] as const) {
    fs.mkdirSync(path.join(f.dir, m));
    ids.push((await value<{ id: number }>('arch', 'media.add', { label: m, kind: 'usb', room: 'Каб. 12', path: path.join(f.dir, m), encrypted })).id);
  }
  expect(fs.existsSync(keyFile)).toBe(false);
  const { jobId } = await value<{ jobId: string }>('arch', 'backup.start', { mediaIds: ids, confirmSameDevice: true, passphrase: PASSPHRASE });
  const done = await jobEnd<{ bag: string }>('arch', jobId);
  expect(done.state, done.message ?? '').toBe('done');
  bag = path.join(f.dir, 'usb-A', done.result.bag);
  encryptedBag = path.join(f.dir, 'usb-C', done.result.bag);
}, 120_000);
afterAll(() => f?.c.backend.close());

describe('the key and the tag', () => {
  it('the key is made by the first backup, 0600 in a 0700 folder, in the file the one function names', () => {
    expect(backupKeyFile()).toBe(keyFile);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(keyFile)).toHaveLength(32);
  });

  it('the default place is the user\'s profile', () => {
    expect(backupKeyFile({}, 'linux', '/home/u')).toBe('/home/u/.config/school-register/backup.key');
    expect(backupKeyFile({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/school-register/backup.key');
    expect(backupKeyFile({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/school-register[\\/]backup\.key$/);
  });

  it('every copy, plain and encrypted, carries the tag with the key\'s id and stays valid BagIt', () => {
    const id = keyId(fs.readFileSync(keyFile));
    for (const b of [bag, path.join(f.dir, 'usb-B', path.basename(bag)), encryptedBag]) {
      const text = fs.readFileSync(path.join(b, AUTHENTICATION), 'utf8');
      expect(text).toMatch(new RegExp(`^Key-Id: ${id}$`, 'm'));
      expect(text).toMatch(/^Tag: [0-9a-f]{64}$/m);
      expect(fs.readFileSync(path.join(b, 'tagmanifest-sha256.txt'), 'utf8')).not.toMatch(AUTHENTICATION);
      const v = coreutilsValidate(b);
      expect(v.ok, v.out).toBe(true);
    }
  });

  it('the key store: first use never overwrites a key another process made; a sealed key (the app\'s safeStorage) is named, not misread, by a plain reader', () => {
    const file = path.join(f.dir, 'store-test', 'backup.key');
    const plain = new FileKeyStore(file);
    expect(plain.load()).toBeNull();
    expect(plain.save(Buffer.alloc(32, 1), false)).toBe(true);
    expect(plain.save(Buffer.alloc(32, 2), false)).toBe(false); // someone was first: theirs stays
    expect(plain.load()).toEqual(Buffer.alloc(32, 1));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['backup.key']); // no temp file left
    // a stand-in for safeStorage: any reversible sealing
    const sealing = { seal: (k: Buffer) => Buffer.from(k.map((b) => b ^ 0x5a)), open: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)) };
    const sealed = new FileKeyStore(file, sealing);
    expect(sealed.load()).toEqual(Buffer.alloc(32, 1)); // a plain key file is read as it is
    expect(sealed.save(Buffer.alloc(32, 3), true)).toBe(true);
    expect(fs.readFileSync(file).subarray(0, SEALED_MAGIC.length)).toEqual(SEALED_MAGIC);
    expect(fs.readFileSync(file).includes(Buffer.alloc(32, 3))).toBe(false);
    expect(sealed.load()).toEqual(Buffer.alloc(32, 3));
    expect(() => plain.load()).toThrow(/защищён средствами системы .* командной строкой не читается/);
    fs.writeFileSync(file, Buffer.alloc(5));
    expect(() => plain.load()).toThrow(/повреждён: загрузите ключ с листа восстановления/);
  });

  it('a typed key reads the same in hex and in base32, with spaces', () => {
    const key = fs.readFileSync(keyFile);
    expect(parseTypedKey(key.toString('hex').replace(/(.{4})/g, '$1 '))).toEqual(key);
    expect(parseTypedKey(toBase32(key).toLowerCase().replace(/(.{4})/g, '$1-'))).toEqual(key);
    expect(() => parseTypedKey('ABCD')).toThrow(/Ключ не распознан/);
  });
});

describe('a copy edited without the key (the archivist raised to admin, manifests redone)', () => {
  it('verify-copies: its integrity is intact, but it is "не записана этой программой"', async () => {
    const copy = await forged(raiseArch);
    const { jobId } = await value<{ jobId: string }>('arch', 'backup.verify', { mediaIds: [copy.mediaId] });
    const j = await jobEnd<VerifyJobResult>('arch', jobId);
    expect(j.result.state).toBe('ok');
    expect(j.result.copies[0]).toMatchObject({ ok: true, genuine: false, authenticity: expect.stringMatching(/^не записана этой программой: метка подлинности не сходится/) });
    expect(j.result.message).toMatch(/не записаны этой программой .*: 1/);
    const r = await cli(['verify-copies', path.dirname(copy.dir), path.join(f.dir, 'usb-A')]);
    expect(r.code, r.said).toBe(0);
    expect(r.said).toMatch(/ЦЕЛА .*forged-\d+.*\n\s+НЕ ЗАПИСАНА ЭТОЙ ПРОГРАММОЙ: метка подлинности не сходится/);
    expect(r.said).not.toMatch(/usb-A\/register[^\n]*\n\s+НЕ ЗАПИСАНА/);
  });

  it('the CLI refuses it (exit 1) with the reason unless --accept-foreign; the genuine copy restores as before', async () => {
    const genuine = await cli(['restore', bag, '--drill']);
    expect(genuine.code, genuine.said).toBe(0);
    expect(genuine.said).toMatch(/OK Подлинность: копия записана этой программой \(ключ [0-9A-F]{16}\)/);
    const copy = await forged(raiseArch);
    const drill = await cli(['restore', copy.dir, '--drill']);
    expect(drill.code, drill.said).toBe(1);
    expect(drill.said).toMatch(/НЕТ Копия не записана этой программой: метка подлинности не сходится/);
    expect(drill.said).toMatch(/--accept-foreign/);
    const target = path.join(f.dir, 'restored-cli', 'register.sqlite');
    fs.mkdirSync(path.dirname(target));
    const refused = await cli(['restore', copy.dir, '--to', target]);
    expect(refused.code, refused.said).toBe(1);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
    const accepted = await cli(['restore', copy.dir, '--to', target, '--accept-foreign']);
    expect(accepted.code, accepted.said).toBe(0);
    expect(accepted.said).toMatch(/OK Копия не записана этой программой: .*Администратор \(cli:[^)]+\) подтвердил/);
    expect(fs.existsSync(target)).toBe(true);
  });

  it('the app: refused to the archivist with the reason, the confirmation refused to the archivist, restored by an admin who confirms', async () => {
    const copy = await forged(raiseArch);
    const j = await jobEnd<RestoreJobResult>('arch', (await value<{ jobId: string }>('arch', 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name })).jobId);
    expect(j.state).toBe('failed');
    expect(j.message).toMatch(/Копия не записана этой программой: метка подлинности не сходится.*Восстановить её может только администратор/);
    const toFile = await call('arch', 'backup.restore', { mediaId: copy.mediaId, bag: copy.name, drill: false, target: path.join(f.dir, 'arch-restore.sqlite') });
    expect(toFile.ok).toBe(true);
    const jf = await jobEnd<RestoreJobResult>('arch', (toFile as { value: { jobId: string } }).value.jobId);
    expect(jf.state).toBe('failed');
    expect(fs.existsSync(path.join(f.dir, 'arch-restore.sqlite'))).toBe(false);
    for (const method of ['backup.restoreOpen', 'backup.restore']) {
      const refused = await call('arch', method, { mediaId: copy.mediaId, bag: copy.name, acceptForeign: true, ...(method === 'backup.restore' ? { drill: true } : {}) });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/только администратор/) });
    }
    const admin = await jobEnd<RestoreJobResult>('admin', (await value<{ jobId: string }>('admin', 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name })).jobId);
    expect(admin.state).toBe('failed'); // an admin too must confirm
    expect(admin.message).toMatch(/не записана этой программой/);
    const ok = await jobEnd<RestoreJobResult>('admin', (await value<{ jobId: string }>('admin', 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name, acceptForeign: true })).jobId);
    expect(ok.state, ok.message ?? '').toBe('done');
    expect(ok.result.checks.find((c) => c.name === 'authentic')).toMatchObject({ ok: true, message: expect.stringMatching(/Администратор \(admin\) подтвердил/) });
    await signIn('arch');
    expect(await value('arch', 'auth.status', {})).toMatchObject({ user: { login: 'arch', role: 'archivist' } }); // the accounts kept, as before
  });
});

describe('another installation, the recovery sheet and a new computer', () => {
  it('a copy made under another key is foreign; the sheet holds the key; imported on a new computer, the old copies are genuine again', async () => {
    const original = fs.readFileSync(keyFile);
    const sheet = await value<{ keyId: string; fileName: string; dataBase64: string }>('admin', 'backup.keySheet', {});
    expect(sheet.keyId).toBe(keyId(original));
    const pdf = path.join(f.dir, sheet.fileName);
    fs.writeFileSync(pdf, Buffer.from(sheet.dataBase64, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text.replace(/\s+/g, '')).toContain(original.toString('hex').toUpperCase());
    expect(text.replace(/\s+/g, '')).toContain(toBase32(original));
    expect(text).toContain(sheet.keyId);
    expect(text).toMatch(/ГБОУ|Школа|школа/);
    expect((await call('arch', 'backup.keySheet', {})).ok).toBe(false); // admin only

    // another installation: its own key file, its own key
    const other = path.join(f.dir, 'other-pc', 'backup.key');
    process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = other;
    try {
      const st = await value<{ keyId: string | null }>('admin', 'backup.keyStatus', {});
      expect(st.keyId).toBeNull();
      const drill = await cli(['restore', bag, '--drill']);
      expect(drill.code, drill.said).toBe(1);
      expect(drill.said).toMatch(/на этом компьютере нет ключа резервных копий/);
      fs.mkdirSync(path.dirname(other));
      fs.writeFileSync(other, Buffer.alloc(32, 7), { mode: 0o600 });
      const foreign = await cli(['restore', bag, '--drill']);
      expect(foreign.code, foreign.said).toBe(1);
      expect(foreign.said).toMatch(new RegExp(`копия подписана другим ключом \\(${sheet.keyId}\\)`));

      // the key from the sheet, typed as printed (the hex line of pdftotext's output)
      const hexLines = text.slice(text.indexOf('Ключ (шестнадцатеричный):'), text.indexOf('Тот же ключ')).split('\n').slice(1).filter((l) => l.trim());
      expect(hexLines).toHaveLength(2);
      const typed = path.join(f.dir, 'typed-key.txt');
      fs.writeFileSync(typed, hexLines.join('\n'));
      const noReplace = await cli(['backup', 'key', 'import', '--file', typed, '--db', f.c.dbPath]);
      expect(noReplace.code, noReplace.said).toBe(1);
      expect(noReplace.said).toMatch(/уже есть другой ключ/);
      const imported = await cli(['backup', 'key', 'import', '--file', typed, '--replace', '--db', f.c.dbPath]);
      expect(imported.code, imported.said).toBe(0);
      expect(imported.said).toContain(`Ключ ${sheet.keyId} записан`);
      expect(fs.readFileSync(other)).toEqual(original);
      expect(fs.statSync(other).mode & 0o777).toBe(0o600);
      const again = await cli(['restore', bag, '--drill']);
      expect(again.code, again.said).toBe(0);
      const enc = await cli(['verify-copies', path.dirname(encryptedBag)]);
      expect(enc.said).not.toMatch(/НЕ ЗАПИСАНА/);
      expect((await cli(['backup', 'key', 'show-id'])).said).toContain(sheet.keyId);
    } finally {
      process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = keyFile;
    }
    const log = await value<Array<{ method: string; detail: string }>>('admin', 'audit.list', { limit: 50 });
    expect(log.filter((e) => e.method === 'backup.keySheet').map((e) => JSON.parse(e.detail))).toEqual([{ keyId: sheet.keyId }]);
    expect(log.filter((e) => e.method === 'backup.keyImport').map((e) => JSON.parse(e.detail))).toEqual([{ keyId: sheet.keyId, replaced: keyId(Buffer.alloc(32, 7)) }]);
  });

  it('the key\'s bytes are in no register, bag, archive or audit entry (hex, base32 or raw)', () => {
    const key = fs.readFileSync(keyFile);
    const hex = key.toString('hex');
    const needles = [key, Buffer.from(hex), Buffer.from(hex.toUpperCase()), Buffer.from(toBase32(key)), Buffer.from(key.toString('base64'))];
    const found = filesHolding(f.dir, needles).filter((p) => !p.endsWith('.pdf') && !p.endsWith('typed-key.txt') && !p.includes(`${path.sep}other-pc${path.sep}`));
    expect(found).toEqual([]);
  });
});
