// RFC 8785 JSON Canonicalization Scheme: one byte sequence for one JSON value, so that a hash or a signature
// over it can be recomputed by anyone. Numbers are written as ECMAScript's Number::toString writes them
// (RFC 8785 §3.2.2.3), strings with the minimal JSON escaping (§3.2.2.2), object members sorted by their
// names' UTF-16 code units (§3.2.3), no whitespace. The caller encodes the result as UTF-8 (§3.2.4).

export class CanonicalizationError extends Error {
  constructor(path: string, why: string) {
    super(`JSON canonicalization (RFC 8785): ${path}: ${why}`);
    this.name = 'CanonicalizationError';
  }
}

// A lone surrogate cannot be encoded as UTF-8: I-JSON (RFC 7493), which RFC 8785 builds on, forbids it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// String.prototype.isWellFormed (ES2024) says the same without a regular expression, where the runtime has it
const wellFormed: (s: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
  ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed() : (s) => !LONE_SURROGATE.test(s);

/**
 * Where a value sits ($.students[3].marks), kept as the segments walked so far and made into text only for an error:
 * building it for every value was most of the time a large ledger took to canonicalize.
 */
type Path = Array<string | number>;
const pathText = (path: Path, last?: string | number) => [...path, ...(last === undefined ? [] : [last])]
  .map((p, i) => (i === 0 ? String(p) : typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

function str(s: string, path: Path, last?: string | number): string {
  if (!wellFormed(s)) throw new CanonicalizationError(pathText(path, last), 'a string holds a lone UTF-16 surrogate');
  // JSON.stringify of a string is exactly §3.2.2.2: \b \t \n \f \r, \" and \\, other controls as \u00xx (lower
  // case hex), everything else as itself.
  return JSON.stringify(s);
}

/** Compare by UTF-16 code units, independent of locale (what `<` on JS strings does). */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function write(v: unknown, path: Path, out: string[]): void {
  if (v === null) { out.push('null'); return; }
  switch (typeof v) {
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'string': out.push(str(v, path)); return;
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalizationError(pathText(path), `${v} is not a JSON number`);
      // Number::toString is the algorithm the RFC names; -0 becomes "0".
      out.push(String(v));
      return;
    case 'object': {
      if (Array.isArray(v)) {
        out.push('[');
        for (let i = 0; i < v.length; i++) {
          if (i) out.push(',');
          path.push(i);
          write(v[i], path, out);
          path.pop();
        }
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalizationError(pathText(path), `a ${proto?.constructor?.name ?? 'non-plain'} object is not JSON data`);
      const keys = Object.keys(v).sort(byCodeUnits);
      out.push('{');
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) throw new CanonicalizationError(pathText(path, k), 'undefined is not JSON data');
        if (!first) out.push(',');
        first = false;
        out.push(str(k, path, k), ':');
        path.push(k);
        write(x, path, out);
        path.pop();
      }
      out.push('}');
      return;
    }
    default:
      throw new CanonicalizationError(pathText(path), `a ${typeof v} is not JSON data`);
  }
}

/** The canonical JSON text of a value (RFC 8785). Throws CanonicalizationError for what is not I-JSON data. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, ['$'], out);
  return out.join('');
}

/** The canonical form as the bytes that are hashed and signed: UTF-8. */
export const canonicalBytes = (value: unknown): Buffer => Buffer.from(canonicalJson(value), 'utf8');
