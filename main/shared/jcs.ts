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

function str(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalizationError(path, 'a string holds a lone UTF-16 surrogate');
  // JSON.stringify of a string is exactly §3.2.2.2: \b \t \n \f \r, \" and \\, other controls as \u00xx (lower
  // case hex), everything else as itself.
  return JSON.stringify(s);
}

/** Compare by UTF-16 code units, independent of locale (what `<` on JS strings does). */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function write(v: unknown, path: string, out: string[]): void {
  if (v === null) { out.push('null'); return; }
  switch (typeof v) {
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'string': out.push(str(v, path)); return;
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalizationError(path, `${v} is not a JSON number`);
      // Number::toString is the algorithm the RFC names; -0 becomes "0".
      out.push(String(v));
      return;
    case 'object': {
      if (Array.isArray(v)) {
        out.push('[');
        v.forEach((x, i) => {
          if (i) out.push(',');
          write(x, `${path}[${i}]`, out);
        });
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalizationError(path, `a ${proto?.constructor?.name ?? 'non-plain'} object is not JSON data`);
      const keys = Object.keys(v).sort(byCodeUnits);
      out.push('{');
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) throw new CanonicalizationError(`${path}.${k}`, 'undefined is not JSON data');
        if (!first) out.push(',');
        first = false;
        out.push(str(k, `${path}.${k}`), ':');
        write(x, `${path}.${k}`, out);
      }
      out.push('}');
      return;
    }
    default:
      throw new CanonicalizationError(path, `a ${typeof v} is not JSON data`);
  }
}

/** The canonical JSON text of a value (RFC 8785). Throws CanonicalizationError for what is not I-JSON data. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', out);
  return out.join('');
}

/** The canonical form as the bytes that are hashed and signed: UTF-8. */
export const canonicalBytes = (value: unknown): Buffer => Buffer.from(canonicalJson(value), 'utf8');
