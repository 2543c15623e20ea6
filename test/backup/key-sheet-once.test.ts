// The backup key's recovery sheet is printed once (issue 15): a second print of the same key is refused — named as
// such, at the reason field — unless an admin gives the reason, which the audit log keeps beside the first print; an
// archivist may not print at all; a new key (imported with --replace) is a first print again. The record of the first
// print lies beside the key file, 0600, without the key. Through dispatch as the app calls it, and through the CLI.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/index.ts';
import { backupKeyFile } from '../../main/backup/key.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { asUsers } from './as-users.ts';

let c: Client & { dbPath: string };
let dir: string;
const before = process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE;
const PASSWORDS: Record<string, string> = { admin: 'correct horse 1', arch: 'archivist-password-1' };
const { call, value, signIn } = asUsers(() => c.backend, PASSWORDS);

async function cli(argv: string[]): Promise<{ code: number; said: string }> {
  let said = '';
  const code = await runCli(argv, { out: (s) => { said += s + '\n'; return true; }, err: (s) => { said += s + '\n'; return true; } });
  return { code, said };
}

beforeAll(async () => {
  dir = scratchDir('sr-key-once-');
  process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = path.join(dir, 'profile', 'backup.key');
  c = await adminClient(dir);
  await c.call('users.create', { login: 'arch', fullName: 'Полякова Нина', role: 'archivist', password: PASSWORDS.arch });
  await signIn('admin');
  await signIn('arch');
});
afterAll(() => {
  c.backend.close();
  process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = before;
  removeScratchDirs();
});

type Sheet = { keyId: string; fileName: string; dataBase64: string };
const keySheets = () => (c.backend.db.prepare("SELECT login, detail FROM audit_log WHERE method = 'backup.keySheet' ORDER BY id").all() as Array<{ login: string; detail: string }>)
  .map((e) => ({ login: e.login, ...JSON.parse(e.detail) }));

describe('the recovery sheet prints once', () => {
  it('the first print is the key (pdftotext); a second is refused without a reason, printed with one, both audited', async () => {
    expect((await call('arch', 'backup.keySheet', {})).ok).toBe(false); // admin only
    const first = await value<Sheet>('admin', 'backup.keySheet', {});
    const pdf = path.join(dir, first.fileName);
    fs.writeFileSync(pdf, Buffer.from(first.dataBase64, 'base64'));
    const key = fs.readFileSync(backupKeyFile());
    expect(execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '')).toContain(key.toString('hex').toUpperCase());
    const status = await value<{ keyId: string; sheetPrinted: { at: string; by: string } | null }>('admin', 'backup.keyStatus', {});
    expect(status).toMatchObject({ keyId: first.keyId, sheetPrinted: { by: 'admin' } });

    const again = await call('admin', 'backup.keySheet', {});
    expect(again.ok).toBe(false);
    if (!again.ok) {
      expect(again.error.code).toBe('conflict');
      expect(again.error.message).toMatch(new RegExp(`^Лист восстановления ключа ${first.keyId} уже напечатан \\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d \\(admin\\): второй экземпляр печатается только с указанием причины$`));
      expect(again.error.fields).toEqual({ reason: 'укажите причину повторной печати' });
    }
    expect((await call('admin', 'backup.keySheet', { reason: '' })).ok).toBe(false); // an empty reason is no reason
    expect((await call('arch', 'backup.keySheet', { reason: 'лист утерян при переезде' })).ok).toBe(false);
    const second = await value<Sheet>('admin', 'backup.keySheet', { reason: 'лист утерян при переезде' });
    expect(second.keyId).toBe(first.keyId);
    expect(second.fileName).not.toBe(first.fileName);
    expect(keySheets()).toEqual([
      { login: 'admin', keyId: first.keyId },
      { login: 'admin', keyId: first.keyId, reprint: true, reason: 'лист утерян при переезде', firstPrintedAt: status.sheetPrinted!.at, firstBy: 'admin' },
    ]);

    // the record of the first print: beside the key, 0600, without the key
    const record = `${backupKeyFile()}.printed`;
    expect(fs.statSync(record).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(record, 'utf8');
    expect(text).toContain(first.keyId);
    for (const needle of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64')]) expect(text).not.toContain(needle);
  });

  it('the CLI: refused without --reason (exit 1, nothing written), printed with it; a replaced key prints once again', async () => {
    const out = path.join(dir, 'cli-sheet.pdf');
    const refused = await cli(['backup', 'key', 'print', '--out', out, '--db', c.dbPath]);
    expect(refused.code, refused.said).toBe(1);
    expect(refused.said).toMatch(/уже напечатан .* второй экземпляр печатается только с указанием причины/);
    expect(fs.existsSync(out)).toBe(false);
    const shown = await cli(['backup', 'key', 'show-id', '--db', c.dbPath]);
    expect(shown.said).toMatch(/лист восстановления напечатан \d\d\.\d\d\.\d{4}/);
    const ok = await cli(['backup', 'key', 'print', '--out', out, '--reason', 'второй экземпляр для сейфа директора', '--db', c.dbPath]);
    expect(ok.code, ok.said).toBe(0);
    expect(fs.statSync(out).size).toBeGreaterThan(1000);
    expect(keySheets().at(-1)).toMatchObject({ login: expect.stringMatching(/^cli:/), reprint: true, reason: 'второй экземпляр для сейфа директора' });

    // the admin re-keys (another key, imported with --replace): its sheet is a first print
    const typed = path.join(dir, 'new-key.txt');
    fs.writeFileSync(typed, '07'.repeat(32));
    expect((await cli(['backup', 'key', 'import', '--file', typed, '--replace', '--db', c.dbPath])).code).toBe(0);
    const fresh = await cli(['backup', 'key', 'print', '--out', path.join(dir, 'new-sheet.pdf'), '--db', c.dbPath]);
    expect(fresh.code, fresh.said).toBe(0);
    expect(keySheets().at(-1)).not.toHaveProperty('reprint');
    expect((await cli(['backup', 'key', 'print', '--out', path.join(dir, 'new-sheet-2.pdf'), '--db', c.dbPath])).code).toBe(1);
  });

  it('an admin re-keys: a new key, its sheet a first print again; refused to the archivist and without confirmation; audited', async () => {
    const before = await value<{ keyId: string }>('admin', 'backup.keyStatus', {});
    expect((await call('arch', 'backup.keyRenew', { confirm: true })).ok).toBe(false);
    expect((await call('admin', 'backup.keyRenew', {})).ok).toBe(false);
    const refused = await cli(['backup', 'key', 'new', '--db', c.dbPath]);
    expect(refused.code).toBe(1);
    expect(refused.said).toMatch(/Подтвердите: backup key new --yes/);
    expect((await call('admin', 'backup.keySheet', {})).ok).toBe(false); // this key's sheet is printed already
    const r = await value<{ keyId: string; replaced: string | null }>('admin', 'backup.keyRenew', { confirm: true });
    expect(r.replaced).toBe(before.keyId);
    expect(r.keyId).not.toBe(before.keyId);
    expect(fs.statSync(backupKeyFile()).mode & 0o777).toBe(0o600);
    expect((await value<{ keyId: string; sheetPrinted: unknown }>('admin', 'backup.keyStatus', {}))).toMatchObject({ keyId: r.keyId, sheetPrinted: null });
    expect((await value<Sheet>('admin', 'backup.keySheet', {})).keyId).toBe(r.keyId); // a first print, no reason asked
    const viaCli = await cli(['backup', 'key', 'new', '--yes', '--db', c.dbPath]);
    expect(viaCli.code, viaCli.said).toBe(0);
    expect(viaCli.said).toContain(`прежний ключ ${r.keyId} заменён`);
    const renewals = (c.backend.db.prepare("SELECT login, detail FROM audit_log WHERE method = 'backup.keyRenew' ORDER BY id").all() as Array<{ login: string; detail: string }>);
    expect(renewals.map((e) => JSON.parse(e.detail).replaced)).toEqual([before.keyId, r.keyId]);
    expect(renewals[0].login).toBe('admin');
  });
});
