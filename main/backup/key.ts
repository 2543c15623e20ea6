// The backup key: 32 random bytes that say a copy was written by this program on this installation. It lives outside
// every register and bag, in a key file in the user's profile (0600, its folder 0700), made on first use; an admin can
// print it once as a recovery sheet (key-sheet.ts) and type or load it on a new computer. Each bag carries an
// authentication tag, HMAC-SHA-256 under the key over the exact bytes of its tag manifest (which names the hashes of
// bagit.txt, bag-info.txt, the payload manifest and so every payload file): a copy edited and re-manifested by someone
// without the key no longer carries a tag that verifies. What it does not stop: someone who can read this OS user's
// files can read the key too. The key is never written to a register, a bag, the audit log or a log line.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_DIR, PRIVATE_FILE } from '../shared/private-files.ts';
import { TAGMANIFEST } from './bag.ts';

export const KEY_BYTES = 32;
/** The tag file beside the tag manifest. Not listed in it: it is computed over the tag manifest's bytes. */
export const AUTHENTICATION = 'sr-authentication.txt';

/**
 * Where the backup key lives: $SCHOOL_REGISTER_BACKUP_KEY_FILE (tests, a second installation), else the user's profile:
 * %APPDATA%\school-register\backup.key, ~/Library/Application Support/school-register/backup.key,
 * $XDG_CONFIG_HOME (or ~/.config)/school-register/backup.key.
 */
export function backupKeyFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.SCHOOL_REGISTER_BACKUP_KEY_FILE) return path.resolve(env.SCHOOL_REGISTER_BACKUP_KEY_FILE);
  const base = platform === 'win32' ? env.APPDATA || path.join(home, 'AppData', 'Roaming')
    : platform === 'darwin' ? path.join(home, 'Library', 'Application Support')
      : env.XDG_CONFIG_HOME || path.join(home, '.config');
  return path.join(base, 'school-register', 'backup.key');
}

/** Where the key is kept. `where` names the place for messages; nothing here ever names the key itself. */
export interface KeyStore {
  readonly where: string;
  /** the key, or null when there is none yet */
  load(): Buffer | null;
  /** Writes the key. Unless `replace`, only when there is none yet: false when another process was first. */
  save(key: Buffer, replace: boolean): boolean;
}

/** How a key is turned into the file's bytes and back: as it is, or sealed (Electron's safeStorage, main/electron). */
export type KeySealing = { seal(key: Buffer): Buffer; open(bytes: Buffer): Buffer };

/** A sealed key file starts with this; a plain one is the 32 bytes alone. */
export const SEALED_MAGIC = Buffer.from('SR-SEALED-KEY-1\n');

/** The key in a file of its own: written under a temporary name, fsynced, then linked (first use) or renamed (import). */
export class FileKeyStore implements KeyStore {
  constructor(readonly file: string, private readonly sealing: KeySealing | null = null) {}

  get where(): string {
    return this.file;
  }

  load(): Buffer | null {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AppError('validation', `Файл ключа резервных копий ${this.file} не читается (${(e as NodeJS.ErrnoException).code ?? 'ошибка'})`);
    }
    let key = bytes;
    if (bytes.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC)) {
      if (!this.sealing) {
        throw new AppError('validation', `Ключ резервных копий ${this.file} защищён средствами системы для программы и командной строкой не читается: `
          + 'запустите проверку в программе или загрузите ключ с листа восстановления в отдельный файл (SCHOOL_REGISTER_BACKUP_KEY_FILE)');
      }
      key = this.sealing.open(bytes.subarray(SEALED_MAGIC.length));
    }
    if (key.length !== KEY_BYTES) throw new AppError('validation', `Файл ключа резервных копий ${this.file} повреждён: загрузите ключ с листа восстановления`);
    return key;
  }

  save(key: Buffer, replace: boolean): boolean {
    if (key.length !== KEY_BYTES) throw new Error('a backup key is 32 bytes');
    const dir = path.dirname(this.file);
    // the folder is made 0700; one made by an older version (or by hand) is tightened when it is the program's own
    const made = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
    if (made || path.basename(dir) === 'school-register') makePrivate(dir);
    const tmp = `${this.file}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', PRIVATE_FILE);
    try {
      fs.writeFileSync(fd, this.sealing ? Buffer.concat([SEALED_MAGIC, this.sealing.seal(key)]) : key);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      if (replace) fs.renameSync(tmp, this.file);
      else {
        try {
          fs.linkSync(tmp, this.file); // fails when another process made the key first: theirs stays
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw e;
        }
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    try {
      const dfd = fs.openSync(dir, 'r');
      fs.fsyncSync(dfd);
      fs.closeSync(dfd);
    } catch {
      // directories cannot be fsynced on Windows
    }
    return true;
  }
}

let chosen: KeyStore | null = null;

/** The Electron shell keeps the key sealed by safeStorage (main/electron/backup-key-store.ts); every other shell, in a plain file. */
export function useKeyStore(store: KeyStore | null): void {
  chosen = store;
}

/** The store in use: the shell's, or the plain key file at backupKeyFile() (read each time: tests change the path). */
export function keyStore(): KeyStore {
  return chosen ?? new FileKeyStore(backupKeyFile());
}

/** The key of this installation, made on first use (what a backup signs with). */
export function backupKey(store = keyStore()): Buffer {
  const have = store.load();
  if (have) return have;
  if (store.save(crypto.randomBytes(KEY_BYTES), false)) return store.load()!;
  const theirs = store.load(); // another process made it meanwhile
  if (!theirs) throw new AppError('internal', `Ключ резервных копий не записан в ${store.where}`);
  return theirs;
}

/** The key's id: the first 8 bytes of its SHA-256, in hex — names the key without giving it away. */
export const keyId = (key: Buffer) => crypto.createHash('sha256').update(key).digest().subarray(0, 8).toString('hex').toUpperCase();

/** The key as typed from the recovery sheet: 64 hex digits or 52 base32 letters; spaces, dashes and case do not matter. */
export function parseTypedKey(text: string): Buffer {
  const s = text.replace(/[\s-]+/g, '').toUpperCase();
  if (/^[0-9A-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Z2-7]{52}$/.test(s)) {
    const key = fromBase32(s);
    if (key.length === KEY_BYTES && toBase32(key) === s) return key;
  }
  throw new AppError('validation', 'Ключ не распознан: введите 64 шестнадцатеричные цифры или 52 знака base32 с листа восстановления (пробелы не важны)',
    { key: 'ключ — 64 цифры 0–9, A–F или 52 знака A–Z, 2–7' });
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function toBase32(b: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}
function fromBase32(s: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    value = (value << 5) | B32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Groups of four for reading aloud and typing. */
export const grouped = (s: string) => s.match(/.{1,4}/g)!.join(' ');

const tagOf = (key: Buffer, tagManifest: Buffer) => crypto.createHmac('sha256', key).update(tagManifest).digest();

/** The tag file's text for a bag whose tag manifest is `tagManifest` (its exact bytes). */
export function authenticationText(key: Buffer, tagManifest: Buffer): string {
  return [
    'School-Register-Authentication: 1',
    'Algorithm: HMAC-SHA-256',
    `Covers: ${TAGMANIFEST}`,
    `Key-Id: ${keyId(key)}`,
    `Tag: ${tagOf(key, tagManifest).toString('hex')}`,
    '',
  ].join('\n');
}

export type Authenticity = { genuine: boolean; keyId: string | null; reason: string };

/** The local key, when there is one (a check never makes a key: no key here means no copy is known to be ours). */
export function localKey(): { key: Buffer | null; where: string } {
  const store = keyStore();
  return { key: store.load(), where: store.where };
}

/**
 * Was this bag written by this program with this installation's key? The reason, when not, names what is wrong: no
 * tag, no key here, another installation's key, or a tag that no longer fits the tag manifest.
 */
export function checkAuthenticity(bag: string, local = localKey()): Authenticity {
  let text: string;
  try {
    text = fs.readFileSync(path.join(bag, AUTHENTICATION), 'utf8');
  } catch {
    return { genuine: false, keyId: null, reason: `в копии нет метки подлинности (${AUTHENTICATION}): её записала не эта программа (или версия до появления ключа копий)` };
  }
  const id = /^Key-Id:\s*([0-9A-Fa-f]{16})\s*$/m.exec(text)?.[1]?.toUpperCase() ?? null;
  const tag = /^Tag:\s*([0-9a-fA-F]{64})\s*$/m.exec(text)?.[1] ?? null;
  if (!id || !tag) return { genuine: false, keyId: id, reason: `метка подлинности (${AUTHENTICATION}) не по формату` };
  if (!local.key) {
    return { genuine: false, keyId: id, reason: `на этом компьютере нет ключа резервных копий (${local.where}); копия подписана ключом ${id} — загрузите его с листа восстановления (backup key import)` };
  }
  const mine = keyId(local.key);
  if (mine !== id) {
    return { genuine: false, keyId: id, reason: `копия подписана другим ключом (${id}), а ключ этого компьютера — ${mine}: она записана другой установкой программы; если это ваша копия, загрузите её ключ с листа восстановления` };
  }
  let manifest: Buffer;
  try {
    manifest = fs.readFileSync(path.join(bag, TAGMANIFEST));
  } catch {
    return { genuine: false, keyId: id, reason: `в копии нет ${TAGMANIFEST}, по которой сделана метка подлинности` };
  }
  const ok = crypto.timingSafeEqual(tagOf(local.key, manifest), Buffer.from(tag, 'hex'));
  return ok
    ? { genuine: true, keyId: id, reason: `копия записана этой программой (ключ ${id})` }
    : { genuine: false, keyId: id, reason: `метка подлинности не сходится: опись копии (${TAGMANIFEST}) изменена после записи — копию правили без ключа` };
}
