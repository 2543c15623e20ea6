// The project's import graph, read from the source text: a small scanner, no parser and no dependency. It finds
// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')` and `require('…')` outside comments and strings,
// and resolves relative specifiers to files the way tsx (`./x.ts`) and Vite (`./x`) do.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type Import = {
  specifier: string;
  /** `import type …` / `export type …`: erased by the compiler, no module is loaded at run time. */
  typeOnly: boolean;
  line: number;
};

export type Edge = { from: string; to: string; typeOnly: boolean; line: number };

export type Graph = {
  /** Scanned files, relative to the root, with '/' separators. */
  files: string[];
  /** Imports of scanned files resolved to other scanned files. */
  edges: Edge[];
  /** Imports of packages: `zod`, `electron`, `node:fs`, `fs`. */
  packages: { from: string; specifier: string; line: number }[];
  /** Relative specifiers that lead to no file: a typo the scanner must not silently skip. */
  unresolved: { from: string; specifier: string; line: number }[];
};

const SOURCE = /\.(ts|tsx|mts)$/;

/**
 * Blanks out comments and the insides of string, template and regex literals, keeping every other character (and every
 * line break) where it was, so that line numbers stay right. The quotes stay, so `from '…'` is still recognisable: the
 * specifiers themselves are read back from the original text at the same offsets.
 */
export function blankNonCode(src: string): string {
  const out = src.split('');
  let i = 0;
  // the last significant character before a '/', to tell a regex literal from a division
  let prev = '';
  let prevWord = '';
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c !== '`' && src[j] === '\n') break; // an unterminated quote ends at the line
        j++;
      }
      // a specifier is never a template literal, so `${…}` needs no care: it is blanked with the rest
      blank(i + 1, Math.min(j, src.length));
      i = j + 1;
      prev = c;
      prevWord = '';
      continue;
    }
    if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || /^(return|typeof|case|do|else|in|of|void|yield|await)$/.test(prevWord))) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
      prev = '/';
      prevWord = '';
      continue;
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_$]/.test(src[j])) j++;
      prevWord = src.slice(i, j);
      prev = src[j - 1];
      i = j;
      continue;
    }
    if (!/\s/.test(c)) {
      prev = c;
      prevWord = '';
    }
    i++;
  }
  return out.join('');
}

/** Every module specifier `src` names, with whether the import is type-only and its line. */
export function scanImports(src: string): Import[] {
  const code = blankNonCode(src);
  const found: Import[] = [];
  const lineAt = (offset: number) => code.slice(0, offset).split('\n').length;
  // the specifier sits between the quotes at the same offsets in `src`
  const specifierAt = (quoteOffset: number) => {
    const q = src[quoteOffset];
    return src.slice(quoteOffset + 1, src.indexOf(q, quoteOffset + 1));
  };
  // import … from '…' / export … from '…' (the clause may span lines; braces hold no quotes once blanked)
  const fromClause = /(?<![\w$.])(import|export)(\s+type(?=[\s{*]))?\s[^;'"`()]*?\bfrom\s*(['"])/g;
  for (let m; (m = fromClause.exec(code)); ) {
    const quote = m.index + m[0].length - 1;
    found.push({ specifier: specifierAt(quote), typeOnly: Boolean(m[2]), line: lineAt(m.index) });
  }
  // import '…' (for its side effects)
  const bare = /(?<![\w$.])import\s*(['"])/g;
  for (let m; (m = bare.exec(code)); ) {
    const quote = m.index + m[0].length - 1;
    found.push({ specifier: specifierAt(quote), typeOnly: false, line: lineAt(m.index) });
  }
  // import('…'), require('…'), and import type's `typeof import('…')`
  const call = /(?<![\w$.])(import|require)\s*\(\s*(['"])/g;
  for (let m; (m = call.exec(code)); ) {
    const quote = m.index + m[0].length - 1;
    const typeOnly = m[1] === 'import' && /typeof\s*$/.test(code.slice(Math.max(0, m.index - 20), m.index));
    found.push({ specifier: specifierAt(quote), typeOnly, line: lineAt(m.index) });
  }
  return found.sort((a, b) => a.line - b.line);
}

export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}

/** The package a bare specifier names: `zod`, `@scope/name`, `node:fs`. */
export function packageName(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base,
    ...['.ts', '.tsx', '.mts'].map((ext) => base + ext),
    ...(/\.(m?js|jsx)$/.test(base) ? ['.ts', '.tsx', '.mts'].map((ext) => base.replace(/\.(m?js|jsx)$/, ext)) : []),
    ...['index.ts', 'index.tsx'].map((name) => join(base, name)),
  ];
  return candidates.find((p) => existsSync(p) && statSync(p).isFile()) ?? null;
}

function walk(dir: string, into: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, into);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) into.push(path);
  }
}

/** The import graph of the source files under `dirs` (relative to `root`). */
export function importGraph(root: string, dirs: string[]): Graph {
  const abs: string[] = [];
  for (const d of dirs) if (existsSync(join(root, d))) walk(join(root, d), abs);
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  const graph: Graph = { files: abs.map(rel).sort(), edges: [], packages: [], unresolved: [] };
  const scanned = new Set(graph.files);
  for (const file of abs) {
    const from = rel(file);
    for (const imp of scanImports(readFileSync(file, 'utf8'))) {
      if (!imp.specifier.startsWith('.') && !imp.specifier.startsWith('/')) {
        graph.packages.push({ from, specifier: imp.specifier, line: imp.line });
        continue;
      }
      const target = resolveRelative(file, imp.specifier);
      if (!target) graph.unresolved.push({ from, specifier: imp.specifier, line: imp.line });
      else if (scanned.has(rel(target))) graph.edges.push({ from, to: rel(target), typeOnly: imp.typeOnly, line: imp.line });
    }
  }
  return graph;
}

/**
 * The import circles of a graph: for every edge u → v that lies on a circle, the shortest way back from v to u, so each
 * such edge is shown in at least one circle. Each circle is given once, starting at its alphabetically first file.
 */
export function findCycles(files: string[], edges: { from: string; to: string }[]): string[][] {
  const out = new Map<string, string[]>();
  for (const f of files) out.set(f, []);
  for (const e of edges) if (!out.get(e.from)!.includes(e.to)) out.get(e.from)!.push(e.to);
  for (const list of out.values()) list.sort();
  const shortestPath = (from: string, to: string): string[] | null => {
    const before = new Map<string, string>([[from, from]]);
    const queue = [from];
    while (queue.length) {
      const node = queue.shift()!;
      if (node === to) {
        const path = [to];
        for (let n = to; n !== from; ) path.unshift((n = before.get(n)!));
        return path;
      }
      for (const n of out.get(node) ?? []) if (!before.has(n)) (before.set(n, node), queue.push(n));
    }
    return null;
  };
  const cycles = new Map<string, string[]>();
  for (const [u, targets] of out) {
    for (const v of targets) {
      const back = shortestPath(v, u);
      if (!back) continue;
      const ring = [u, ...back.slice(0, -1)];
      const start = ring.indexOf([...ring].sort()[0]);
      const rotated = [...ring.slice(start), ...ring.slice(0, start)];
      cycles.set(rotated.join(' → '), [...rotated, rotated[0]]);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join().localeCompare(b.join()));
}
