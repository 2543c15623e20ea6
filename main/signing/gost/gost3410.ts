// GOST R 34.10-2012 signature verification with BigInt (verification handles no secret: constant time is not needed).
// Points are kept in Jacobian coordinates (X, Y, Z) ~ (X/Z², Y/Z³); a is general (the TC 26 curves do not have a = −3).
import type { GostCurve } from './curves.ts';

type Jacobian = { x: bigint; y: bigint; z: bigint }; // z = 0: the point at infinity
const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

const mod = (v: bigint, m: bigint) => {
  const r = v % m;
  return r < 0n ? r + m : r;
};

/** v⁻¹ mod m by the extended Euclid; m prime, v not 0 mod m. */
function invert(v: bigint, m: bigint): bigint {
  let [a, b] = [mod(v, m), m];
  let [x0, x1] = [1n, 0n];
  while (b !== 0n) {
    const t = a / b;
    [a, b] = [b, a - t * b];
    [x0, x1] = [x1, x0 - t * x1];
  }
  if (a !== 1n) throw new Error('invert: not invertible');
  return mod(x0, m);
}

/** Per curve: whether a = −3 (all but the two twisted Edwards sets), and the base point's odd multiples. */
const prepared = new WeakMap<GostCurve, { aMinus3: boolean; baseTable: Jacobian[] }>();
const WINDOW = 5; // wNAF width: digits are odd, |d| < 16, one in six nonzero

function prepare(c: GostCurve) {
  let got = prepared.get(c);
  if (!got) {
    got = { aMinus3: c.a === c.p - 3n, baseTable: [] };
    prepared.set(c, got);
    got.baseTable = oddMultiples(c, { x: c.x, y: c.y, z: 1n });
  }
  return got;
}

function double(c: GostCurve, P: Jacobian): Jacobian {
  const { p } = c;
  if (P.z === 0n || P.y === 0n) return INFINITY;
  const yy = (P.y * P.y) % p;
  const zz = (P.z * P.z) % p;
  const s = (4n * P.x * yy) % p;
  // M = 3X² + aZ⁴; for a = −3 that is 3(X − Z²)(X + Z²)
  const m = prepare(c).aMinus3 ? (3n * (P.x - zz) * (P.x + zz)) % p : (3n * P.x * P.x + c.a * ((zz * zz) % p)) % p;
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * ((yy * yy) % p), p);
  const z3 = (2n * P.y * P.z) % p;
  return { x: x3, y: y3, z: z3 };
}

/** P + Q for Q with z = 1 (the tables below are kept that way). */
function addAffine(c: GostCurve, P: Jacobian, Q: Jacobian): Jacobian {
  const { p } = c;
  if (P.z === 0n) return Q;
  const zz = (P.z * P.z) % p;
  const u2 = (Q.x * zz) % p;
  const s2 = (((Q.y * zz) % p) * P.z) % p;
  if (u2 === P.x) return s2 === P.y ? double(c, P) : INFINITY;
  const h = mod(u2 - P.x, p);
  const r = mod(s2 - P.y, p);
  const hh = (h * h) % p;
  const hhh = (hh * h) % p;
  const v = (P.x * hh) % p;
  const x3 = mod(r * r - hhh - 2n * v, p);
  const y3 = mod(r * (v - x3) - P.y * hhh, p);
  const z3 = (P.z * h) % p;
  return { x: x3, y: y3, z: z3 };
}

function toAffine(c: GostCurve, P: Jacobian): Jacobian {
  if (P.z === 0n) return P;
  const zi = invert(P.z, c.p);
  const zi2 = (zi * zi) % c.p;
  return { x: (P.x * zi2) % c.p, y: (P.y * ((zi2 * zi) % c.p)) % c.p, z: 1n };
}

/** P, 3P, 5P, …, (2^(WINDOW−1) − 1)P, each with z = 1; P itself with z = 1. */
function oddMultiples(c: GostCurve, P: Jacobian): Jacobian[] {
  const twice = toAffine(c, double(c, P));
  const table = [P];
  for (let i = 1; i < 1 << (WINDOW - 2); i++) {
    const next = toAffine(c, addAffine(c, table[i - 1], twice));
    if (next.z === 0n) return []; // P of small order: not a key we accept (checked by the caller)
    table.push(next);
  }
  return table;
}

/** k in width-WINDOW non-adjacent form, least significant digit first. */
function wnaf(k: bigint): number[] {
  const digits: number[] = [];
  const full = 1n << BigInt(WINDOW);
  const half = full >> 1n;
  while (k > 0n) {
    let d = 0n;
    if (k & 1n) {
      d = k & (full - 1n);
      if (d >= half) d -= full;
      k -= d;
    }
    digits.push(Number(d));
    k >>= 1n;
  }
  return digits;
}

/** k1·G + k2·Q in one pass of doublings (interleaved wNAF), with G's odd multiples kept per curve. */
function twoMultiply(c: GostCurve, k1: bigint, k2: bigint, qTable: Jacobian[]): Jacobian {
  const gTable = prepare(c).baseTable;
  const n1 = wnaf(k1);
  const n2 = wnaf(k2);
  const pick = (table: Jacobian[], d: number): Jacobian => {
    const P = table[(Math.abs(d) - 1) >> 1];
    return d > 0 ? P : { x: P.x, y: c.p - P.y, z: 1n };
  };
  let R = INFINITY;
  for (let i = Math.max(n1.length, n2.length) - 1; i >= 0; i--) {
    R = double(c, R);
    const d1 = n1[i] ?? 0;
    const d2 = n2[i] ?? 0;
    if (d1) R = addAffine(c, R, pick(gTable, d1));
    if (d2) R = addAffine(c, R, pick(qTable, d2));
  }
  return R;
}

/** Whether (x, y) is a point of the curve (coordinates reduced mod p). */
export function isOnCurve(c: GostCurve, x: bigint, y: bigint): boolean {
  if (x < 0n || x >= c.p || y < 0n || y >= c.p) return false;
  return mod(y * y - (x * x * x + c.a * x + c.b), c.p) === 0n;
}

/** A big-endian unsigned integer. */
export function bigEndianToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** A little-endian unsigned integer (GOST keys and digests are little-endian). */
export function littleEndianToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/**
 * GOST R 34.10-2012 §6.2: whether (r, s) is a signature of the digest under the public key (qx, qy).
 * The digest is the Стрибог output as bytes; the standard reads it as the integer α with its first byte least
 * significant (the GOST engine's hashsum2bn does the same), e = α mod q, e = 1 when that is 0.
 */
export function verifyDigestSignature(c: GostCurve, qx: bigint, qy: bigint, digest: Uint8Array, r: bigint, s: bigint): boolean {
  const { q } = c;
  if (digest.length !== c.size) return false;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  if (!isOnCurve(c, qx, qy)) return false;
  let e = littleEndianToBigint(digest) % q;
  if (e === 0n) e = 1n;
  const v = invert(e, q);
  const z1 = (s * v) % q;
  const z2 = mod(-r * v, q);
  const qTable = oddMultiples(c, { x: qx, y: qy, z: 1n });
  if (qTable.length === 0) return false;
  const C = twoMultiply(c, z1, z2, qTable);
  if (C.z === 0n) return false;
  const zInv = invert(C.z, c.p);
  const x = (C.x * ((zInv * zInv) % c.p)) % c.p;
  return x % q === r;
}
