// Running the real Electron from the checkout (npm start, test/e2e-electron): where its binary is, and a
// better-sqlite3 built for its ABI. Nothing here is needed to build installers (electron-builder rebuilds).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const electronDir = () => path.dirname(require.resolve('electron/package.json'));

/** The Electron executable that `npm install` (or electron/install.js) put in node_modules, or null. */
export function electronBinary() {
  try {
    const binary = path.join(electronDir(), 'dist', readFileSync(path.join(electronDir(), 'path.txt'), 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export const electronInstaller = () => path.join(electronDir(), 'install.js');

// node_modules/better-sqlite3 stays built for Node (the tests and the browser shell load it). Electron needs
// its own ABI, so it gets a copy in out/node_modules, which out/electron/main.cjs resolves before the root's.
export async function ensureNativeModuleForElectron() {
  const electronVersion = require('electron/package.json').version;
  const tag = `${electronVersion}-${process.platform}-${process.arch}`;
  const outDir = path.join(root, 'out');
  const target = path.join(outDir, 'node_modules', 'better-sqlite3');
  const marker = path.join(target, '.built-for-electron');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === tag) return;
  console.log(`Building better-sqlite3 for Electron ${electronVersion} into out/node_modules (once per Electron version)…`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  const source = path.dirname(require.resolve('better-sqlite3/package.json'));
  cpSync(source, target, { recursive: true, filter: (src) => path.relative(source, src).split(path.sep)[0] !== 'build' });
  writeFileSync(path.join(outDir, 'package.json'),
    `${JSON.stringify({ name: 'school-register-electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }, null, 2)}\n`);
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: outDir, electronVersion, onlyModules: ['better-sqlite3'], force: true });
  writeFileSync(marker, tag);
}
