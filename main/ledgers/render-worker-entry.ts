// How a render worker is started from a checkout (tsx, vitest, the CLI): render-worker.ts beside this file, loaded
// through tsx's ESM API inside the new thread. The Electron bundle replaces this module with one that starts
// render-worker.cjs beside main.cjs (build/scripts/bundle-electron.mjs), so none of this is bundled.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startRenderWorker(options: WorkerOptions): Worker {
  const script = new URL('./render-worker.ts', import.meta.url).href;
  // tsx's ESM API by its package's exports (its CommonJS build cannot register the ESM loader from a worker)
  const pkg = createRequire(script).resolve('tsx/package.json');
  const api = pathToFileURL(path.join(path.dirname(pkg), JSON.parse(fs.readFileSync(pkg, 'utf8')).exports['./esm/api'].import.default)).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(script)}, ${JSON.stringify(script)}));`, { ...options, eval: true });
}
