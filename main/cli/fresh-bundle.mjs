// The bundles in out/cli (build/scripts/bundle-cli.mjs), made again first when a source under main/, preload/ or db/,
// the bundling scripts or the lock file is newer than they are (a checkout being worked on) or they are missing: the
// CLI and the browser shell's server start from a bundle and never run stale code. Plain JavaScript, no esbuild loaded when the bundle is fresh.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Whether any file under dir changed after `since` (ms); stops at the first one. */
function changedAfter(dir, since) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? changedAfter(p, since) : e.isFile() && fs.statSync(p).mtimeMs > since) return true;
  }
  return false;
}

/** The path of out/cli/<name>, bundled first if it is missing or older than a source. */
export async function freshBundle(name) {
  const file = path.join(root, 'out', 'cli', name);
  let built = null;
  try {
    built = fs.statSync(file).mtimeMs;
  } catch {
    // not bundled yet
  }
  // the sources, the bundling scripts, and the lock file (zod and the other inlined packages come from node_modules)
  const files = ['build/scripts/bundle-cli.mjs', 'build/scripts/bundle-electron.mjs', 'package-lock.json'].map((f) => path.join(root, f));
  const stale = built === null
    || ['main', 'preload', 'db'].some((d) => fs.existsSync(path.join(root, d)) && changedAfter(path.join(root, d), built))
    || files.some((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs > built);
  if (stale) {
    const { bundleCli } = await import('../../build/scripts/bundle-cli.mjs');
    await bundleCli();
  }
  return file;
}
