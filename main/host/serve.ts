// The browser shell: the same backend over loopback HTTP, for machines without the Electron binary.
// Usage: node main/host/serve.mjs [--db FILE] [--port N] (its bundle), or tsx main/host/serve.ts
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBackend, RegisterOpenError } from './backend.ts';
import { startHttpServer } from './http.ts';
import { keepFilesPrivate } from '../shared/private-files.ts';

/** The same file the Electron shell opens by default (<userData>/register.sqlite), so both shells share a register. */
export function defaultDbPath(): string {
  const appData = process.platform === 'win32' ? (process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'))
    : process.platform === 'darwin' ? path.join(os.homedir(), 'Library', 'Application Support')
    : (process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'));
  const base = process.env.SCHOOL_REGISTER_HOME ?? path.join(appData, 'School Register');
  fs.mkdirSync(base, { recursive: true });
  return path.join(base, 'register.sqlite');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  keepFilesPrivate(); // every file this process creates is 0600, every folder 0700; stale temp folders removed
  const dbPath = arg('--db') ?? process.env.SCHOOL_REGISTER_DB ?? defaultDbPath();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const staticDir = path.resolve(here, '../../out/renderer');
  let backend;
  try {
    backend = openBackend({ dbPath, staticDir });
  } catch (e) {
    if (e instanceof RegisterOpenError) {
      // among them: a register another program serves on the office network — its address, to connect instead
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const server = await startHttpServer({ backend, staticDir, port: Number(arg('--port') ?? 0), token: process.env.SCHOOL_REGISTER_HTTP_TOKEN || undefined });
  console.log(`School Register: ${server.url}`);
  console.error(`Реестр: ${dbPath}. Откройте адрес выше в браузере. Остановить: Ctrl+C.`);
  // an admin left the register shared on the office network: shared again, with the same certificate
  const net = await backend.network.resume();
  if (net.shared) console.error(`Реестр открыт для сети: ${net.url} (отпечаток сертификата SHA-256: ${net.fingerprint})`);
  else if (net.problem) console.error(`Реестр не открыт для сети: ${net.problem}`);
  const stop = async () => {
    await backend.network.close();
    await server.close();
    backend.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // however the process ends, the marker that says it serves the register goes with it (close's first, synchronous step)
  process.on('exit', () => void backend.network.close());
}

main();
