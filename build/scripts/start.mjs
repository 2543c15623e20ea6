#!/usr/bin/env node
// npm start [-- --db FILE] [-- --browser]
// Builds the UI, then runs the app in Electron if its binary is here or can be fetched by Electron's own
// installer (given 60 s); otherwise — no network, say — runs the same app in the browser shell
// (main/host/serve.mjs, the bundled main/host/serve.ts, prints the 127.0.0.1 address to open). --browser skips Electron altogether.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleElectron } from './bundle-electron.mjs';
import { electronBinary, electronInstaller, ensureNativeModuleForElectron } from './electron-dev.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const INSTALL_TIMEOUT_MS = 60_000;
const isWindows = process.platform === 'win32';

const args = process.argv.slice(2);
const browserOnly = args.includes('--browser');
const passThrough = args.filter((a) => a !== '--browser');

function run(command, commandArgs, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', shell: isWindows && command === 'npm', ...opts });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('error', (error) => resolve({ code: 1, signal: null, output: String(error) }));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** Keeps Ctrl+C and friends going to the child, and leaves with its exit code. */
function handOver(command, commandArgs, opts = {}) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', ...opts });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`${path.basename(command)}: ${error.message}`);
    process.exit(1);
  });
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** Runs Electron's own installer; returns null on success, else why it failed, in one line. */
async function installElectron() {
  const started = Date.now();
  const { code, signal, output } = await run(process.execPath, [electronInstaller()],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: INSTALL_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (code === 0) return null;
  if (signal && Date.now() - started >= INSTALL_TIMEOUT_MS) return `no answer in ${INSTALL_TIMEOUT_MS / 1000} s`;
  const firstError = output.split('\n').map((l) => l.trim()).find((l) => /error/i.test(l)) ?? `installer exited ${code ?? signal}`;
  return firstError.slice(0, 200);
}

async function main() {
  const built = await run('npm', ['run', 'build:renderer']);
  if (built.code !== 0) process.exit(built.code ?? 1);

  let binary = browserOnly ? null : electronBinary();
  if (!binary && !browserOnly) {
    const failure = await installElectron();
    binary = electronBinary();
    if (!binary) {
      console.log(`Electron is not available (its binary could not be downloaded: ${failure ?? 'installer skipped'}); ` +
        'starting the same app in the browser shell instead.');
    }
  }

  if (binary) {
    await bundleElectron();
    await ensureNativeModuleForElectron();
    handOver(binary, ['.', ...passThrough]);
  } else {
    handOver(process.execPath, ['main/host/serve.mjs', ...passThrough]);
  }
}

main().catch((e) => {
  console.error(e?.message ?? e);
  process.exit(1);
});
