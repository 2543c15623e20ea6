// Canonical JSON (RFC 8785, JCS): object members sorted by the UTF-16 code units of their names, no whitespace,
// strings and numbers serialised as ECMAScript's JSON.stringify does (which is what RFC 8785 prescribes).
// A copy for the packets until main/shared/jcs.ts (ledgers branch) is merged; the integrator keeps one.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The canonical form of `value`. Throws on what JSON cannot carry (undefined, NaN, Infinity, functions, BigInt). */
export function canonicalJson(value: unknown): string {
  return write(value, '');
}

function write(v: unknown, at: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`JCS: ${at || '/'} is not a finite number`);
      return JSON.stringify(v); // ECMAScript Number::toString, -0 → 0
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${at}/${i}`)).join(',')}]`;
      if ((v as { toJSON?: unknown }).toJSON) throw new TypeError(`JCS: ${at || '/'} has toJSON (a Date?): pass a string`);
      const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 section 3.2.3 asks.
      keys.sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k], `${at}/${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`JCS: ${at || '/'} is ${typeof v}, not JSON`);
  }
}
