#!/usr/bin/env node
// Bundles the Electron main process and the preload into out/electron/*.cjs.
// Main: all our TypeScript inlined (backend, migrations, zod); electron and the native better-sqlite3 stay
// external. Preload: CommonJS for the browser side, because a sandboxed preload may only require('electron').
// The ledgers' render worker (a worker thread of the main process): render-worker.cjs beside main.cjs.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta is empty in CommonJS: a module that relies on it would break only once packed, so fail here.
  logOverride: { 'empty-import-meta': 'error' },
};

// The preload needs one constant from preload/contract.ts, but importing that module would drag all of zod
// (≈750 KB, run on every page load) into it. So the preload sees contract.ts as just that constant.
const contractConstantsOnly = {
  name: 'contract-constants-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]preload[\\/]contract\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const found = /^export const IPC_CHANNEL = ('[^'\n]*'|"[^"\n]*");$/m.exec(source);
      if (!found) return { errors: [{ text: 'preload/contract.ts: no `export const IPC_CHANNEL = \'…\';` line to take' }] };
      return { contents: `export const IPC_CHANNEL = ${found[1]};\n`, loader: 'ts' };
    });
  },
};

// From a checkout the render worker is started from its TypeScript through tsx (main/ledgers/render-worker-entry.ts);
// in the bundle it is render-worker.cjs beside main.cjs, where __dirname points.
export const renderWorkerBeside = {
  name: 'render-worker-beside',
  setup(b) {
    b.onLoad({ filter: /[\\/]main[\\/]ledgers[\\/]render-worker-entry\.ts$/ }, () => ({
      contents: [
        "import path from 'node:path';",
        "import { Worker } from 'node:worker_threads';",
        "export function startRenderWorker(options) { return new Worker(path.join(__dirname, 'render-worker.cjs'), options); }",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

// The journal import's commit worker the same way (main/workbooks/import-worker-entry.ts): import-worker.cjs beside.
export const importWorkerBeside = {
  name: 'import-worker-beside',
  setup(b) {
    b.onLoad({ filter: /[\\/]main[\\/]workbooks[\\/]import-worker-entry\.ts$/ }, () => ({
      contents: [
        "import path from 'node:path';",
        "import { Worker } from 'node:worker_threads';",
        "export function startImportWorker(options) { return new Worker(path.join(__dirname, 'import-worker.cjs'), options); }",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

export const SRGB_ICC = 'sRGB_IEC61966_2_1.icc';

/** pdfmake's code is bundled, its fonts are files: Roboto (which covers Cyrillic) goes beside the bundle, where
 *  main/shared/pdf.ts looks first once packed (app.asar/out/electron/fonts/Roboto; Electron reads files in an asar).
 *  pdfkit's PDF/A mode (sealed documents, main/shared/pdf.ts) reads the sRGB ICC profile from data/ beside its own
 *  code, which once bundled is the bundle's folder. Used by the Electron and the CLI bundles. */
export async function copyPdfAssets(outDir) {
  const fontsFrom = path.join(path.dirname(require.resolve('pdfmake/package.json')), 'fonts', 'Roboto');
  const fontsTo = path.join(outDir, 'fonts', 'Roboto');
  await mkdir(fontsTo, { recursive: true });
  for (const f of (await readdir(fontsFrom)).filter((x) => x.endsWith('.ttf'))) await copyFile(path.join(fontsFrom, f), path.join(fontsTo, f));
  const iccFrom = path.join(path.dirname(require.resolve('pdfkit')), 'data', SRGB_ICC);
  await mkdir(path.join(outDir, 'data'), { recursive: true });
  await copyFile(iccFrom, path.join(outDir, 'data', SRGB_ICC));
}

/** Writes main.cjs, render-worker.cjs, import-worker.cjs and preload.cjs into outDir (out/electron by default). */
export async function bundleElectron({ outDir = path.join(root, 'out', 'electron') } = {}) {
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(root, 'main/electron/main.ts')],
      outfile: path.join(outDir, 'main.cjs'),
      platform: 'node',
      target: 'node22',
      external: ['electron', 'better-sqlite3'],
      plugins: [renderWorkerBeside, importWorkerBeside],
    }),
    build({
      ...common,
      entryPoints: [path.join(root, 'main/workbooks/import-worker.ts')],
      outfile: path.join(outDir, 'import-worker.cjs'),
      platform: 'node',
      target: 'node22',
      external: ['electron', 'better-sqlite3'],
      // a worker's own code may reach a module that starts workers (not started from it, but bundled): beside it too
      plugins: [renderWorkerBeside, importWorkerBeside],
    }),
    build({
      ...common,
      entryPoints: [path.join(root, 'main/ledgers/render-worker.ts')],
      outfile: path.join(outDir, 'render-worker.cjs'),
      platform: 'node',
      target: 'node22',
      external: ['electron', 'better-sqlite3'],
      // a worker's own code may reach a module that starts workers (not started from it, but bundled): beside it too
      plugins: [renderWorkerBeside, importWorkerBeside],
    }),
    build({
      ...common,
      entryPoints: [path.join(root, 'preload/index.ts')],
      outfile: path.join(outDir, 'preload.cjs'),
      platform: 'browser',
      target: 'chrome130',
      external: ['electron'],
      plugins: [contractConstantsOnly],
    }),
  ]);
  await copyPdfAssets(outDir);
  const fontsTo = path.join(outDir, 'fonts', 'Roboto');
  return { main: path.join(outDir, 'main.cjs'), renderWorker: path.join(outDir, 'render-worker.cjs'), preload: path.join(outDir, 'preload.cjs'), fonts: fontsTo };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleElectron().then(
    (files) => console.log(`bundled ${path.relative(root, files.main)} and ${path.relative(root, files.preload)}`),
    (e) => {
      console.error(e.message ?? e);
      process.exit(1);
    },
  );
}
