#!/usr/bin/env node
// Bundles the CLI (and the browser shell's server) into out/cli/*.cjs, so that `npx school-register …` starts without
// compiling TypeScript at run time (issue 19: `years list` took 1.3–1.8 s, almost all of it tsx and eager imports).
// - Our TypeScript (backend, migrations, zod) is inlined, as in the Electron bundle.
// - The heavy libraries only some commands use (exceljs, pdfmake, node-forge) stay in node_modules and
//   are loaded on first use: each default import becomes a proxy that requires the package when a property is first
//   read. Every import of them in main/ is a default import (checked below: a named import fails the build).
// - better-sqlite3 is native and stays external; the ledgers' render worker is render-worker.cjs beside cli.cjs.
// main/cli/bin.mjs runs out/cli/cli.cjs, rebuilding it first when a source file is newer (a checkout being worked on).
import { build } from 'esbuild';
import { mkdir, rename, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyPdfAssets, importWorkerBeside, renderWorkerBeside } from './bundle-electron.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_OUT = path.join(root, 'out', 'cli');
/** Folders whose sources the bundle is made of: bin.mjs rebuilds when any file under them is newer than the bundle. */
export const CLI_SOURCES = ['main', 'preload', 'db'].map((d) => path.join(root, d));

const LAZY = ['exceljs', 'pdfmake', 'node-forge'];

const lazyLibraries = {
  name: 'lazy-libraries',
  setup(b) {
    const filter = new RegExp(`^(${LAZY.map((n) => n.replace(/[-/]/g, '\\$&')).join('|')})$`);
    // our import → the proxy module below; the proxy's own require → the package itself, left in node_modules
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy-library'
      ? { path: args.path, external: true }
      : { path: args.path, namespace: 'lazy-library' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-library' }, (args) => ({
      loader: 'js',
      resolveDir: root,
      contents: [
        `let loaded;`,
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        // the default export as the package's CommonJS exports, read through on first use
        `export default new Proxy(function lazy() {}, {`,
        `  get: (_, key) => { const m = load(); const v = m[key]; return typeof v === 'function' && !/^[A-Z]/.test(String(key)) ? v.bind(m) : v; },`,
        `  has: (_, key) => key in load(),`,
        `  ownKeys: () => Reflect.ownKeys(load()),`,
        `  getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }),`,
        `  apply: (_, self, args) => load().apply(self, args),`,
        `  construct: (_, args) => new (load())(...args),`,
        `});`,
      ].join('\n'),
    }));
  },
};

/** Fails the build on a named or namespace import of a lazy library: only a default import can be loaded lazily. */
const defaultImportsOnly = {
  name: 'default-imports-only',
  setup(b) {
    b.onLoad({ filter: /[\\/](main|preload|db)[\\/].*\.ts$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      for (const m of source.matchAll(/^import\s+(?!type\b)(.+?)\s+from\s+'([^']+)';/gm)) {
        if (LAZY.includes(m[2]) && !/^[A-Za-z_$][\w$]*$/.test(m[1].trim())) {
          return { errors: [{ text: `${path.relative(root, args.path)}: «${m[0]}» — import ${m[2]} by its default export only, so the CLI can load it lazily` }] };
        }
      }
      return undefined;
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  // a smaller file is parsed sooner: the whole bundle is read at every start (names are kept for stack traces)
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  keepNames: true,
  logLevel: 'warning',
  logOverride: { 'empty-import-meta': 'error' },
  // import.meta.url is the bundle's own file (main/host/serve.ts finds out/renderer from it: out/cli/../../out/renderer)
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: ['electron', 'better-sqlite3', 'tsx', 'tsx/*'],
};

/** Writes cli.cjs, serve.cjs, render-worker.cjs and import-worker.cjs into out/cli (written beside, then renamed: a concurrent run
 *  sees the old bundle or the new one, never half of one). */
export async function bundleCli({ outDir = CLI_OUT } = {}) {
  const started = new Date(); // the bundle is dated when its sources were read: an edit meanwhile makes it stale
  const tmp = path.join(outDir, `.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  const outputs = [
    ['main/cli/index.ts', 'cli.cjs', [lazyLibraries, defaultImportsOnly, renderWorkerBeside, importWorkerBeside]],
    ['main/host/serve.ts', 'serve.cjs', [lazyLibraries, defaultImportsOnly, renderWorkerBeside, importWorkerBeside]],
    ['main/ledgers/render-worker.ts', 'render-worker.cjs', [renderWorkerBeside, importWorkerBeside]],
    ['main/workbooks/import-worker.ts', 'import-worker.cjs', [renderWorkerBeside, importWorkerBeside]],
  ];
  try {
    // the render worker inlines pdfmake (a worker's start is not the CLI's start): its fonts and ICC profile beside it
    await copyPdfAssets(outDir);
    await Promise.all(outputs.map(([entry, out, plugins]) => build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(tmp, out), plugins })));
    // the worker and the maps first, the entry points last: a run that sees the new cli.cjs finds its worker beside it
    for (const [, out] of [...outputs].reverse()) {
      await rename(path.join(tmp, out + '.map'), path.join(outDir, out + '.map'));
      await utimes(path.join(tmp, out), started, started);
      await rename(path.join(tmp, out), path.join(outDir, out));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { cli: path.join(outDir, 'cli.cjs'), serve: path.join(outDir, 'serve.cjs') };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleCli().then(
    (files) => console.log(`bundled ${path.relative(root, files.cli)} and ${path.relative(root, files.serve)}`),
    (e) => {
      console.error(e.message ?? e);
      process.exit(1);
    },
  );
}
