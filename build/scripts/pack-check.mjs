#!/usr/bin/env node
// Checks build/electron-builder.yml without the Electron binary (it cannot be downloaded here): packs the
// linux `dir` target against a stub Electron directory, then looks inside what came out — app.asar with the
// bundled main process (migrations inlined), the preload and the UI; better-sqlite3's .node unpacked beside
// it; nothing that should stay behind (sources, source maps, React, zod); the fuses flipped in the executable.
// Usage: node build/scripts/pack-check.mjs [--keep]   (--keep leaves the temp dir for a look)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleElectron } from './bundle-electron.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

// The fuse wire Electron carries in its executable (see @electron/fuses): sentinel, version 1, length, states.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges'];
const ELECTRON_DEFAULT_FUSES = '10110001'; // Electron's own defaults, in FUSES order

function makeStubElectron(dir) {
  mkdirSync(path.join(dir, 'locales'), { recursive: true });
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([1, FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES)]);
  writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stub Electron for pack-check"\nexit 0\n#'), wire, Buffer.from('\n')]),
    { mode: 0o755 });
  writeFileSync(path.join(dir, 'LICENSE'), 'stub');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), 'stub');
  writeFileSync(path.join(dir, 'version'), require('electron/package.json').version);
  writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'stub');
}

function run(command, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(args[0] ?? command)} exited ${code}:\n${output}`))));
  });
}

function readFuses(executable) {
  const bytes = readFileSync(executable);
  const at = bytes.indexOf(FUSE_SENTINEL);
  if (at < 0) throw new Error(`no fuse wire in ${executable}`);
  const start = at + FUSE_SENTINEL.length + 2;
  return Object.fromEntries(FUSES.map((name, i) => [name, String.fromCharCode(bytes[start + i]) === '1']));
}

/**
 * Packs the checkout itself (as a real build would: same project dir, same node_modules) into a temp dir and
 * returns what it found; throws listing every problem. Writes only the usual build output under out/.
 */
export async function packCheck({ keep = false } = {}) {
  await bundleElectron();
  if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    await run('npm', ['run', '--silent', 'build:renderer'], { cwd: root });
  }
  const work = mkdtempSync(path.join(tmpdir(), 'register-pack-'));
  const stub = path.join(work, 'electron-stub');
  const output = path.join(work, 'dist');
  makeStubElectron(stub);
  try {
    const log = await run(process.execPath, [require.resolve('electron-builder/cli.js'),
      '-c', 'build/electron-builder.yml', '--linux', '--dir', '--publish', 'never',
      `-c.electronDist=${stub}`, '-c.npmRebuild=false', `-c.directories.output=${output}`,
    ], { cwd: root, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CI: '1' } });

    const unpacked = path.join(output, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked');
    const asarPath = path.join(unpacked, 'resources', 'app.asar');
    const problems = [];
    const expect = (condition, problem) => condition || problems.push(problem);
    if (!existsSync(asarPath)) throw new Error(`no ${path.relative(work, asarPath)}; electron-builder said:\n${log}`);

    const asar = require('@electron/asar');
    const files = asar.listPackage(asarPath, {}).map((f) => f.split(path.sep).join('/'));
    const has = (f) => files.includes(f);
    for (const f of ['/package.json', '/out/electron/main.cjs', '/out/electron/render-worker.cjs', '/out/electron/import-worker.cjs', '/out/electron/preload.cjs', '/out/renderer/index.html',
      '/node_modules/better-sqlite3/package.json', '/node_modules/bindings/package.json']) expect(has(f), `app.asar lacks ${f}`);

    const main = asar.extractFile(asarPath, 'out/electron/main.cjs').toString('utf8');
    expect(/CREATE TABLE school/.test(main), 'main.cjs does not carry the migrations (no CREATE TABLE school)');
    expect(main.includes('require("better-sqlite3")') && main.includes('require("electron")'),
      'main.cjs should require electron and better-sqlite3 and inline the rest');
    // The year-end close's render workers are started from render-worker.cjs beside main.cjs, not from TypeScript.
    expect(main.includes('"render-worker.cjs"') && !main.includes('render-worker.ts"'), 'main.cjs does not start its render workers from render-worker.cjs');
    const pkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8'));
    expect(pkg.main === 'out/electron/main.cjs', `package.json main is ${pkg.main}`);

    const leaked = files.filter((f) => /\.map$|^\/(main|db|preload|renderer|test|build)\/|^\/node_modules\/(react|react-dom|scheduler|zod|electron)\/|\/obj(\.target)?\//.test(f));
    expect(leaked.length === 0, `app.asar carries what it should not: ${leaked.slice(0, 10).join(', ')}${leaked.length > 10 ? ' …' : ''}`);

    // Every bare require() of what is shipped must be shipped too (electron comes with the runtime).
    for (const file of files.filter((f) => f === '/out/electron/main.cjs' || f === '/out/electron/render-worker.cjs' || /^\/node_modules\/.*\.c?js$/.test(f))) {
      const source = file === '/out/electron/main.cjs' ? main : asar.extractFile(asarPath, file.slice(1)).toString('utf8');
      // (not `require(…)` inside a string or template literal: ajv writes such text for its standalone code generator)
      for (const [, spec] of source.matchAll(/(?<![`'"\w$.])require\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (isBuiltin(spec) || name === 'electron') continue;
        expect(has(`/node_modules/${name}/package.json`), `${file} requires ${spec}, which is not in app.asar`);
      }
    }

    const nativeAddon = path.join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    expect(existsSync(nativeAddon), 'better_sqlite3.node is not unpacked next to app.asar');

    const executable = path.join(unpacked, 'school-register');
    expect(existsSync(executable), 'the executable is not named school-register');
    const fuses = existsSync(executable) ? readFuses(executable) : {};
    const wanted = { runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true, grantFileProtocolExtraPrivileges: false };
    for (const [name, value] of Object.entries(wanted)) expect(fuses[name] === value, `fuse ${name} is ${fuses[name]}, want ${value}`);

    if (problems.length) throw new Error(`pack-check found ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
    return { unpacked, files, fuses, asarBytes: readFileSync(asarPath).length };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  packCheck({ keep: process.argv.includes('--keep') }).then(
    (r) => console.log(`pack-check ok in ${((Date.now() - started) / 1000).toFixed(1)} s: app.asar ${(r.asarBytes / 1e6).toFixed(1)} MB, ` +
      `${r.files.length} entries, fuses ${JSON.stringify(r.fuses)}${process.argv.includes('--keep') ? `\nkept ${r.unpacked}` : ''}`),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
