// The backup key in the Electron shell (main/electron/backup-key-store.ts) against a stand-in for Electron's
// safeStorage (an AES key of the test's own, as DPAPI or the Keychain would be): the key file is sealed
// (SR-SEALED-KEY-1 then the sealed bytes, never the key), read back as the same key, 0600; a plain key file the command
// line made is read as it is and left so; where safeStorage cannot encrypt, or is Linux's 'basic_text' (a hard-coded
// password), the key is stored plain. The real safeStorage runs only in test/e2e-electron/backup-key.spec.ts, which
// skips without the Electron binary.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({ available: true, backend: 'gnome_libsecret' }));
vi.mock('electron', () => {
  const key = crypto.randomBytes(32);
  return {
    safeStorage: {
      isEncryptionAvailable: () => state.available,
      getSelectedStorageBackend: () => state.backend,
      encryptString: (s: string) => {
        const iv = crypto.randomBytes(12);
        const c = crypto.createCipheriv('aes-256-gcm', key, iv);
        const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
        return Buffer.concat([iv, c.getAuthTag(), body]);
      },
      decryptString: (b: Buffer) => {
        const d = crypto.createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
        d.setAuthTag(b.subarray(12, 28));
        return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
      },
    },
  };
});

const { safeStorageKeyStore } = await import('../../main/electron/backup-key-store.ts');
const { backupKey, FileKeyStore, keyId, SEALED_MAGIC } = await import('../../main/backup/key.ts');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-safe-storage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const keyFile = () => path.join(dir, `k${++n}`, 'backup.key');
beforeEach(() => Object.assign(state, { available: true, backend: 'gnome_libsecret' }));

describe('the backup key sealed by safeStorage', () => {
  it('is written sealed (never the key itself), 0600, and read back as the same key', () => {
    const file = keyFile();
    const store = safeStorageKeyStore(file);
    const key = backupKey(store);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC)).toBe(true);
    expect(bytes.includes(key)).toBe(false);
    expect(bytes.includes(Buffer.from(key.toString('hex')))).toBe(false);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(keyId(safeStorageKeyStore(file).load()!)).toBe(keyId(key));
    // the command line cannot open it, and says why
    expect(() => new FileKeyStore(file).load()).toThrow(/защищён средствами системы/);
  });

  it('a plain key file made by the command line is read as it is and left plain', () => {
    const file = keyFile();
    const key = backupKey(new FileKeyStore(file));
    expect(keyId(safeStorageKeyStore(file).load()!)).toBe(keyId(key));
    expect(fs.readFileSync(file).equals(key)).toBe(true);
  });

  it("is stored plain where safeStorage cannot encrypt, or only pretends to (Linux's basic_text)", () => {
    for (const s of [{ available: false, backend: 'unknown' }, { available: true, backend: 'basic_text' }]) {
      Object.assign(state, s);
      const file = keyFile();
      const key = backupKey(safeStorageKeyStore(file));
      const plainExpected = process.platform === 'linux' || !s.available;
      expect(fs.readFileSync(file).equals(key)).toBe(plainExpected);
    }
  });
});
