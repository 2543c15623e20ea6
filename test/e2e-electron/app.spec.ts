// The real Electron app: it opens on app://, exposes only the bridge, keeps the page sandboxed, and its
// sign-in screen works over IPC. Skips without the Electron binary (see env.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { Bridge } from '../../preload/bridge';
import { t } from '../../renderer/src/strings';
import { NO_BINARY, REPO, hasBinary } from './env';

declare global {
  interface Window { schoolRegister?: Bridge }
}

test.skip(!hasBinary, NO_BINARY);

let dir: string;
let app: ElectronApplication;
let page: Page;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'register-e2e-electron-'));
  // Chromium refuses to start its sandbox as root; CI containers often run as root.
  const rootOnly = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  app = await electron.launch({ args: [...rootOnly, REPO, '--db', path.join(dir, 'register.sqlite')], cwd: REPO });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('opens our page over app:// with only the bridge exposed', async () => {
  expect(page.url()).toMatch(/^app:\/\/register\//);
  expect(await page.evaluate(() => Object.keys(window.schoolRegister ?? {}))).toEqual(['call']);
  expect(await page.evaluate(() => [typeof (window as any).require, typeof (window as any).process])).toEqual(['undefined', 'undefined']);
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
});

test('refuses inline script, new windows, navigation away and network requests', async () => {
  expect(await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
    return (window as any).__inlineRan ?? false;
  })).toBe(false);
  expect(await page.evaluate(() => window.open('https://example.org/') === null)).toBe(true);
  expect(await page.evaluate(() => fetch('https://example.org/').then(() => 'fetched', () => 'refused'))).toBe('refused');
  await page.evaluate(() => { window.location.href = 'https://example.org/'; });
  await page.waitForTimeout(500);
  expect(page.url()).toMatch(/^app:\/\/register\//);
  expect(app.windows()).toHaveLength(1);
});

test('shows the sign-in screen and signs in over IPC', async () => {
  await expect(page.getByRole('heading', { name: t.auth.setupTitle })).toBeVisible();
  // The first administrator is made through the bridge, as the setup screen would; then the app starts over.
  const setup = await page.evaluate(() => window.schoolRegister!.call({ method: 'auth.setupAdmin',
    args: { login: 'admin', fullName: 'Иванова Мария Петровна', password: 'correct horse battery' }, session: null }));
  expect(setup.ok).toBe(true);
  await page.reload();

  await expect(page.getByRole('heading', { name: t.auth.signInTitle })).toBeVisible();
  const form = page.getByTestId('sign-in-form');
  await form.getByLabel(t.auth.login).fill('admin');
  await form.getByLabel(t.auth.password).fill('correct horse battery');
  await form.getByRole('button', { name: t.auth.signInSubmit }).click();
  await expect(page.getByRole('heading', { name: t.auth.signInTitle })).toBeHidden();
});
