// The scanner behind layers.test.ts: it must see every kind of import and nothing in comments or strings.
import { describe, expect, it } from 'vitest';
import { findCycles, scanImports } from './imports.ts';

const specifiers = (src: string) => scanImports(src).map((i) => `${i.line}:${i.specifier}${i.typeOnly ? ' (type)' : ''}`);

describe('scanImports', () => {
  it('finds static, re-exported, bare, dynamic and required imports, over several lines too', () => {
    const src = [
      "import { a } from './a.ts';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b';",
      "import type { D } from './d.ts';",
      "export * from './e.ts';",
      "export type { F } from './f.ts';",
      "import './side-effect.ts';",
      "const g = await import('./g.ts');",
      "const h = require('node:fs');",
      "type I = typeof import('./i.ts');",
      "import def, * as ns from 'zod';",
    ].join('\n');
    expect(specifiers(src)).toEqual([
      '1:./a.ts', '2:../b', '6:./d.ts (type)', '7:./e.ts', '8:./f.ts (type)', '9:./side-effect.ts', '10:./g.ts',
      '11:node:fs', '12:./i.ts (type)', '13:zod',
    ]);
  });

  it('skips comments, strings, templates and regex literals that look like imports', () => {
    const src = [
      "// import { x } from './commented.ts';",
      "/* export * from './block.ts'; */",
      "const s = \"import { y } from './in-string.ts'\";",
      "const t = `require('./in-template.ts')`;",
      "const r = /import('.\\/in-regex')/;",
      "const ratio = a / b; const other = c / d;",
      "import { real } from './real.ts';",
    ].join('\n');
    expect(specifiers(src)).toEqual(['7:./real.ts']);
  });
});

describe('findCycles', () => {
  it('names each circle once, from its first file, and leaves the rest of the graph out', () => {
    const edges = [
      { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'a', to: 'b' }, // a → b → c → a
      { from: 'c', to: 'd' }, { from: 'd', to: 'e' }, // no way back from d
      { from: 'x', to: 'x' }, // a file importing itself
    ];
    expect(findCycles(['a', 'b', 'c', 'd', 'e', 'x'], edges)).toEqual([['a', 'b', 'c', 'a'], ['x', 'x']]);
  });
});
