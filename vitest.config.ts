import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e-web/**', 'test/e2e-electron/**', 'node_modules/**'],
    environment: 'node',
    // a backup key per test file, never the one in the user's profile
    setupFiles: ['test/setup/backup-key.ts'],
    // the CLI bundle the CLI tests run (main/cli/bin.mjs → out/cli/cli.cjs), made once
    globalSetup: ['test/setup/bundle-cli.ts'],
    testTimeout: 60_000,
    // set-ups build registers and workbooks: a loaded 2-core machine (CI after a session, other work beside) takes minutes
    hookTimeout: 180_000,
    // 2 cores here: two workers keep the machine responsive.
    maxWorkers: 2,
  },
});
