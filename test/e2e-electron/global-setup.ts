// With the Electron binary present: build the UI and the bundles, and better-sqlite3 for Electron's ABI.
// Without it there is nothing to launch, and the specs skip.
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasBinary } from './env';

export default async function globalSetup() {
  if (!hasBinary) return;
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  execSync('npm run build', { cwd: repo, stdio: 'inherit' });
  // @ts-expect-error: a plain .mjs build script without type declarations
  const { ensureNativeModuleForElectron } = await import('../../build/scripts/electron-dev.mjs');
  await ensureNativeModuleForElectron();
}
