// The backup key in the real Electron app: made by the app's first recovery sheet, it is sealed by Electron's
// safeStorage (main/electron/backup-key-store.ts) where the system can seal it — the key file starts with
// SR-SEALED-KEY-1 and does not hold the key — and stays plain 0600 where it cannot (Linux's basic_text backend).
// Skips without the Electron binary (see env.ts); test/electron/backup-key-store.test.ts runs the adapter against a
// stand-in safeStorage everywhere.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { Bridge } from '../../preload/bridge';
import { NO_BINARY, REPO, hasBinary } from './env';

declare global {
  interface Window { schoolRegister?: Bridge }
}

test.skip(!hasBinary, NO_BINARY);

let dir: string;
let app: ElectronApplication;
let page: Page;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'register-e2e-electron-key-'));
  const rootOnly = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  app = await electron.launch({ args: [...rootOnly, REPO, '--db', path.join(dir, 'register.sqlite')], cwd: REPO,
    env: { ...process.env, SCHOOL_REGISTER_BACKUP_KEY_FILE: path.join(dir, 'profile', 'backup.key') } });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the key the app makes is sealed by safeStorage where the system can seal it', async () => {
  const setup = await page.evaluate(() => window.schoolRegister!.call({ method: 'auth.setupAdmin',
    args: { login: 'admin', fullName: 'Иванова Мария Петровна', password: 'correct horse battery' }, session: null }));
  expect(setup.ok).toBe(true);
  const session = setup.ok ? (setup.value as { session: string }).session : null;
  const sheet = await page.evaluate((s) => window.schoolRegister!.call({ method: 'backup.keySheet', args: {}, session: s }), session);
  expect(sheet.ok, JSON.stringify(sheet)).toBe(true);
  const sealable = await app.evaluate(({ safeStorage }) => safeStorage.isEncryptionAvailable()
    && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'));
  const file = path.join(dir, 'profile', 'backup.key');
  const bytes = readFileSync(file);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(bytes.subarray(0, 16).toString('latin1') === 'SR-SEALED-KEY-1\n').toBe(sealable);
  if (!sealable) expect(bytes.length).toBe(32);
});
