// The layers of the app, checked over the import graph on every `npm test` (issue 13). Bottom to top:
//   core          preload/contract*.ts, preload/core/**   pure: dates, names, identifiers, the contract; no Node, no DOM
//   db            db/**
//   lib           main/shared/**                          what every capability may use: errors, jobs, logging
//   capabilities  main/<folder>/**                        register, grades, ledgers, … plain Node services
//   shells        main/host/**, main/cli/**, main/electron/**
// A file may import its own layer and the layers below; capabilities may import each other (without circles); the
// electron and cli shells may import host. Off to the side: the renderer (renderer/**) and the preload bridge
// (preload/index.ts, preload/bridge.ts) may import only core, and the renderer takes nothing but types from the bridge.
// Only main/electron/** and preload/** import 'electron'. No file may be on an import circle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blankNonCode, findCycles, importGraph, isNodeBuiltin, packageName, type Edge } from './imports.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const graph = importGraph(root, ['preload', 'db', 'main', 'renderer']);

/**
 * Exact edges (`from → to`) allowed although they break a rule, each left out of both the circle and the layer checks.
 * Empty: the three there were (backup → host's OpenRegister, OpenRegister → dispatch) went when OpenRegister moved to
 * main/shared/. Keep it empty; a listed edge that no longer exists fails the test, so the list cannot go stale.
 */
const TOLERATED: string[] = [];

type Layer = 'core' | 'bridge' | 'db' | 'lib' | 'capability' | 'shell' | 'renderer';
const RANK: Record<Exclude<Layer, 'bridge' | 'renderer'>, number> = { core: 0, db: 1, lib: 2, capability: 3, shell: 4 };
const SHELLS = ['host', 'cli', 'electron'];

function layerOf(file: string): { layer: Layer; folder?: string } {
  if (/^preload\/contract[^/]*\.ts$/.test(file) || file.startsWith('preload/core/')) return { layer: 'core' };
  if (file.startsWith('preload/')) return { layer: 'bridge' };
  if (file.startsWith('db/')) return { layer: 'db' };
  if (file.startsWith('renderer/')) return { layer: 'renderer' };
  const m = /^main\/([^/]+)\//.exec(file);
  if (m?.[1] === 'shared') return { layer: 'lib' };
  if (m && SHELLS.includes(m[1])) return { layer: 'shell', folder: m[1] };
  if (m) return { layer: 'capability', folder: m[1] };
  throw new Error(`${file}: in no layer; say in test/architecture/layers.test.ts where it belongs`);
}

/** Why `edge` breaks a layer rule, or null when it keeps them. */
function layerBreach(edge: Edge): string | null {
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (from.layer === 'renderer') {
    if (to.layer === 'renderer' || to.layer === 'core') return null;
    if (edge.to === 'preload/bridge.ts' && edge.typeOnly) return null;
    return edge.to === 'preload/bridge.ts'
      ? 'the renderer takes only types from the bridge (import type)'
      : `the renderer may import only core (preload/contract*.ts, preload/core/**), not ${to.layer}`;
  }
  if (to.layer === 'renderer') return `${from.layer} may not import the renderer`;
  if (from.layer === 'bridge') return to.layer === 'core' || to.layer === 'bridge' ? null : `the preload bridge may import only core, not ${to.layer}`;
  if (to.layer === 'bridge') return `${from.layer} may not import the preload bridge (it runs in the renderer's process)`;
  if (RANK[to.layer] > RANK[from.layer]) return `${from.layer} may not import ${to.layer}: it is a layer above`;
  if (from.layer === 'shell' && to.layer === 'shell' && from.folder !== to.folder) {
    const allowed = (from.folder === 'electron' || from.folder === 'cli') && to.folder === 'host';
    if (!allowed) return `the ${from.folder} shell may not import the ${to.folder} shell (only electron and cli may import host)`;
  }
  return null;
}

const edgeName = (e: { from: string; to: string }) => `${e.from} → ${e.to}`;
const tolerated = new Set(TOLERATED);
const checked = graph.edges.filter((e) => !tolerated.has(edgeName(e)));

describe('the import graph', () => {
  it('is read whole: the scanner found the files and every relative import leads to one', () => {
    expect(graph.files).toContain('preload/contract.ts');
    expect(graph.files).toContain('main/host/dispatch.ts');
    expect(graph.files.some((f) => f.startsWith('renderer/src/'))).toBe(true);
    expect(graph.unresolved.map((u) => `${u.from}:${u.line}: '${u.specifier}' leads to no file`)).toEqual([]);
    for (const f of graph.files) layerOf(f); // throws for a file outside every layer
  });

  it('has no import circles', () => {
    const cycles = findCycles(graph.files, checked).map((c) => `circle: ${c.join(' → ')}`);
    expect(cycles, 'import circles (move the shared piece down to where both sides can import it)').toEqual([]);
  });

  it('has no import that goes up a layer', () => {
    const breaches = checked.flatMap((e) => {
      const why = layerBreach(e);
      return why ? [`${e.from}:${e.line} → ${e.to}: ${why}`] : [];
    });
    expect(breaches, 'imports that break the layers (see the top of test/architecture/layers.test.ts)').toEqual([]);
  });

  it('keeps core pure: no Node modules and no Electron', () => {
    const impure = graph.packages
      .filter((p) => layerOf(p.from).layer === 'core' && (isNodeBuiltin(p.specifier) || packageName(p.specifier) === 'electron'))
      .map((p) => `${p.from}:${p.line} → '${p.specifier}': core runs in the renderer too, it may import no Node module and not Electron`);
    expect(impure).toEqual([]);
  });

  it('keeps core pure: no globals of the browser or of Node', () => {
    // a global read in code, not a property (x.document) nor a key or parameter name (document: …)
    const global = /(?<![\w$.]|\.\s*)\b(window|document|navigator|localStorage|sessionStorage|location|process|Buffer|__dirname|__filename|require|globalThis|setImmediate)\b(?!\s*:)/g;
    const impure = graph.files
      .filter((f) => layerOf(f).layer === 'core')
      .flatMap((f) => {
        const code = blankNonCode(readFileSync(join(root, f), 'utf8'));
        return [...code.matchAll(global)].map((m) => `${f}:${code.slice(0, m.index).split('\n').length} uses ${m[1]}: core runs in the renderer and in Node, it may use neither's globals`);
      });
    expect(impure).toEqual([]);
  });

  it("lets only main/electron/** and preload/** import 'electron'", () => {
    const outside = graph.packages
      .filter((p) => packageName(p.specifier) === 'electron' && !p.from.startsWith('main/electron/') && !p.from.startsWith('preload/'))
      .map((p) => `${p.from}:${p.line} → 'electron': only main/electron/** and preload/** may import Electron`);
    expect(outside).toEqual([]);
  });

  it('tolerates only edges that still exist', () => {
    const present = new Set(graph.edges.map(edgeName));
    expect(TOLERATED.filter((e) => !present.has(e)).map((e) => `${e}: gone, remove it from TOLERATED`)).toEqual([]);
  });
});
