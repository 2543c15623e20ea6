// The screens speak the clerk's language: no word of the machinery (st_dev, integrity_check, «якорь», SQLite, fsync …)
// in any text of renderer/src/strings.ts, the one place the screens' words live. Read as text, the way a reviewer would.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const JARGON = [/st_dev/i, /integrity_check/i, /quick_check/i, /якор[а-яё]*/i, /\bsqlite\b/i, /\binode\b/i, /\bfsync\b/i, /\bbagit\b/i,
  /manifest/i, /\bpragma\b/i, /\berrno\b/i, /\bE(NOENT|ACCES|PERM|NOSPC|BUSY|CONNREFUSED|XDEV)\b/, /\bSQLITE_[A-Z_]+/];

/** Every string literal of the file that holds Russian text (keys and method names are not shown as such). */
function shownTexts(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g)) {
    const text = m[1] ?? m[2] ?? '';
    if (/[а-яё]/i.test(text)) out.push(text);
  }
  return out;
}

describe('the screens\' words', () => {
  const file = path.join(import.meta.dirname, '../../renderer/src/strings.ts');
  it('hold no jargon of the machinery', () => {
    const texts = shownTexts(file);
    expect(texts.length).toBeGreaterThan(500);
    const found = texts.flatMap((t) => JARGON.filter((j) => j.test(t)).map((j) => `${j}: ${t}`));
    expect(found).toEqual([]);
  });
});
