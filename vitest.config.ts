import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e-web/**', 'test/e2e-electron/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores here: two workers keep the machine responsive.
    maxWorkers: 2,
  },
});
