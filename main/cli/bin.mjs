#!/usr/bin/env node
// `npx school-register …`: runs the bundled CLI, out/cli/cli.cjs (build/scripts/bundle-cli.mjs) — no TypeScript is
// compiled at run time and the heavy libraries load only for the commands that use them (issue 19). From a checkout
// whose sources are newer than the bundle (or without one) it bundles first, about a second, so it never runs stale code.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = path.join(root, 'out', 'cli', 'cli.cjs');

/** Whether any file under dir changed after `since` (ms); stops at the first one. */
function changedAfter(dir, since) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? changedAfter(p, since) : e.isFile() && fs.statSync(p).mtimeMs > since) return true;
  }
  return false;
}

function stale() {
  let built;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return true;
  }
  return ['main', 'preload', 'db'].some((d) => fs.existsSync(path.join(root, d)) && changedAfter(path.join(root, d), built));
}

if (stale()) {
  const { bundleCli } = await import('../../build/scripts/bundle-cli.mjs');
  await bundleCli();
}
createRequire(import.meta.url)(bundle);
