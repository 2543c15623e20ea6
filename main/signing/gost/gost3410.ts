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

function double(c: GostCurve, P: Jacobian): Jacobian {
  const { p, a } = c;
  if (P.z === 0n || P.y === 0n) return INFINITY;
  const xx = (P.x * P.x) % p;
  const yy = (P.y * P.y) % p;
  const yyyy = (yy * yy) % p;
  const zz = (P.z * P.z) % p;
  const s = (4n * P.x * yy) % p;
  const m = (3n * xx + a * ((zz * zz) % p)) % p;
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * yyyy, p);
  const z3 = (2n * P.y * P.z) % p;
  return { x: x3, y: y3, z: z3 };
}

function add(c: GostCurve, P: Jacobian, Q: Jacobian): Jacobian {
  const { p } = c;
  if (P.z === 0n) return Q;
  if (Q.z === 0n) return P;
  const z1z1 = (P.z * P.z) % p;
  const z2z2 = (Q.z * Q.z) % p;
  const u1 = (P.x * z2z2) % p;
  const u2 = (Q.x * z1z1) % p;
  const s1 = (P.y * Q.z * z2z2) % p;
  const s2 = (Q.y * P.z * z1z1) % p;
  if (u1 === u2) return s1 === s2 ? double(c, P) : INFINITY;
  const hh = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const h2 = (hh * hh) % p;
  const h3 = (h2 * hh) % p;
  const u1h2 = (u1 * h2) % p;
  const x3 = mod(r * r - h3 - 2n * u1h2, p);
  const y3 = mod(r * (u1h2 - x3) - s1 * h3, p);
  const z3 = (hh * P.z * Q.z) % p;
  return { x: x3, y: y3, z: z3 };
}

/** k1·P1 + k2·P2 in one pass over the bits (Shamir's trick). */
function twoMultiply(c: GostCurve, k1: bigint, P1: Jacobian, k2: bigint, P2: Jacobian): Jacobian {
  const both = add(c, P1, P2);
  const bits = Math.max(k1.toString(2).length, k2.toString(2).length);
  let R = INFINITY;
  for (let i = bits - 1; i >= 0; i--) {
    R = double(c, R);
    const b1 = (k1 >> BigInt(i)) & 1n;
    const b2 = (k2 >> BigInt(i)) & 1n;
    if (b1 && b2) R = add(c, R, both);
    else if (b1) R = add(c, R, P1);
    else if (b2) R = add(c, R, P2);
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
  const C = twoMultiply(c, z1, { x: c.x, y: c.y, z: 1n }, z2, { x: qx, y: qy, z: 1n });
  if (C.z === 0n) return false;
  const zInv = invert(C.z, c.p);
  const x = (C.x * ((zInv * zInv) % c.p)) % c.p;
  return x % q === r;
}
