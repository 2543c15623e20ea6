// How the import's commit worker is started from a checkout (tsx, vitest, the CLI): import-worker.ts beside this file,
// loaded through tsx's ESM API inside the new thread, as the ledgers' render worker is (render-worker-entry.ts). The
// bundles replace this module with one that starts import-worker.cjs beside them (build/scripts/bundle-electron.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startImportWorker(options: WorkerOptions): Worker {
  const script = new URL('./import-worker.ts', import.meta.url).href;
  const pkg = createRequire(script).resolve('tsx/package.json');
  const api = pathToFileURL(path.join(path.dirname(pkg), JSON.parse(fs.readFileSync(pkg, 'utf8')).exports['./esm/api'].import.default)).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(script)}, ${JSON.stringify(script)}));`, { ...options, eval: true });
}
