// Passwords are stored only as scrypt hashes: scrypt$N$r$p$salt$hash (base64). Hashing runs in libuv's thread pool
// (crypto.scrypt, not scryptSync): a flood of sign-ins costs those threads, not the event loop every other call needs.
import crypto from 'node:crypto';

const N = 16384, R = 8, P = 1, KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: crypto.ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => crypto.scrypt(password.normalize('NFC'), salt, keylen, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [tag, n, r, p, salt, hash] = stored.split('$');
  if (tag !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  if (!expected.length) return false;
  const [cost, blockSize, parallel] = [Number(n), Number(r), Number(p)];
  // a hash with other parameters than ours is still checked, within scrypt's memory bound (a forged row cannot stall us)
  if (![cost, blockSize, parallel].every(Number.isInteger) || cost > 1 << 20 || blockSize > 32 || parallel > 16) return false;
  let actual: Buffer;
  try {
    actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: cost, r: blockSize, p: parallel, maxmem: 256 * 1024 * 1024 });
  } catch {
    return false;
  }
  return crypto.timingSafeEqual(expected, actual);
}
