import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { BASE_URL, HTTP_TOKEN, PORT, REPO } from './env';

// A fresh register for every run. Set once in the runner process; workers inherit it.
process.env.E2E_DB ??= path.join(os.tmpdir(), `school-register-e2e-${Date.now()}.sqlite`);
// …and a backup key of its own (the server inherits it): never the user's profile, never a sheet printed by a past run.
process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE ??= path.join(os.tmpdir(), `school-register-e2e-key-${Date.now()}`, 'backup.key');

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: path.join(REPO, 'test-results', 'e2e-web'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL: BASE_URL,
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    viewport: { width: 1366, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Playwright's own browser cannot be downloaded here: use Debian's Chromium.
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `npm run build:renderer && node main/host/serve.mjs --db "${process.env.E2E_DB}" --port ${PORT}`,
    cwd: REPO,
    url: `${BASE_URL}/`,
    env: { SCHOOL_REGISTER_HTTP_TOKEN: HTTP_TOKEN },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
