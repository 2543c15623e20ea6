// Encryption of a copy on removable media (personal data): AES-256-GCM, the key derived from the archivist's
// passphrase by scrypt. Each payload file is `IV (12 bytes) | ciphertext | tag (16 bytes)`; the bag's manifests hash
// these encrypted bytes, so the bag stays valid BagIt and can be verified and repaired without the passphrase.
// encryption.json (a tag file) holds the scrypt salt and parameters and a key check, so a wrong passphrase is
// refused with a clear message before anything is decrypted.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AppError } from '../shared/errors.ts';

export const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const CHECK_PLAINTEXT = Buffer.from('school-register backup key check');

export type EncryptionInfo = {
  format: 'school-register-aes-256-gcm-1';
  cipher: 'AES-256-GCM';
  kdf: 'scrypt';
  N: number; r: number; p: number;
  salt: string; // base64
  /** IV | AES-256-GCM(CHECK_PLAINTEXT) | tag, base64 */
  check: string;
  layout: string;
};

export class WrongPassphraseError extends AppError {
  constructor(where: string) {
    super('validation', `Неверная парольная фраза для зашифрованной копии ${where}: ключ не подходит, ничего не расшифровано`, { passphrase: 'Неверная парольная фраза' });
  }
}

export function deriveKey(passphrase: string, salt: Buffer, p: { N: number; r: number; p: number } = SCRYPT): Buffer {
  if (!passphrase) throw new AppError('validation', 'Для зашифрованной копии нужна парольная фраза', { passphrase: 'Укажите парольную фразу' });
  return crypto.scryptSync(passphrase.normalize('NFC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT.maxmem });
}

export function encryptBuffer(key: Buffer, plain: Buffer): Buffer {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
}

export function decryptBuffer(key: Buffer, sealed: Buffer, where: string): Buffer {
  if (sealed.length < 28) throw new AppError('validation', `${where}: зашифрованный файл обрезан`);
  const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
  } catch {
    throw new AppError('validation', `${where}: расшифровка не прошла проверку подлинности (файл изменён или ключ не тот)`);
  }
}

export function newEncryption(passphrase: string, salt = crypto.randomBytes(16)): { key: Buffer; info: EncryptionInfo } {
  const key = deriveKey(passphrase, salt);
  return {
    key,
    info: {
      format: 'school-register-aes-256-gcm-1', cipher: 'AES-256-GCM', kdf: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p,
      salt: salt.toString('base64'), check: encryptBuffer(key, CHECK_PLAINTEXT).toString('base64'),
      layout: 'each payload file: 12-byte IV | ciphertext | 16-byte GCM tag; key = scrypt(passphrase NFC, salt, 32)',
    },
  };
}

/** The key of an encrypted bag, or WrongPassphraseError. */
export function openEncryption(infoFile: string, passphrase: string | null | undefined, where: string): Buffer {
  let info: EncryptionInfo;
  try {
    info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as EncryptionInfo;
  } catch (e) {
    throw new AppError('validation', `${where}: описание шифрования ${infoFile} не читается: ${(e as Error).message}`);
  }
  if (info.format !== 'school-register-aes-256-gcm-1') throw new AppError('validation', `${where}: неизвестный формат шифрования «${info.format}»`);
  if (!passphrase) throw new AppError('validation', `Копия ${where} зашифрована: нужна парольная фраза`, { passphrase: 'Укажите парольную фразу' });
  const key = deriveKey(passphrase, Buffer.from(info.salt, 'base64'), info);
  try {
    decryptBuffer(key, Buffer.from(info.check, 'base64'), where);
  } catch {
    throw new WrongPassphraseError(where);
  }
  return key;
}

/** Streaming encryptor for one file: write `head()` first, `update()` each chunk, `final()` last. */
/** What encryption adds to a payload file: the 12-byte IV before the ciphertext and the 16-byte GCM tag after it. */
export const SEALED_OVERHEAD = 12 + 16;

export function fileEncryptor(key: Buffer) {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  return { head: () => iv, update: (b: Buffer) => c.update(b), final: () => Buffer.concat([c.final(), c.getAuthTag()]) };
}

/** Decrypts a file to another, streaming; the tag is checked at the end (the output is discarded on failure). */
export async function decryptFile(key: Buffer, src: string, dst: string, where: string): Promise<void> {
  const size = fs.statSync(src).size;
  if (size < 28) throw new AppError('validation', `${where}: зашифрованный файл обрезан`);
  const fh = await fs.promises.open(src, 'r');
  const out = await fs.promises.open(dst, 'wx');
  try {
    const iv = Buffer.alloc(12);
    await fh.read(iv, 0, 12, 0);
    const tag = Buffer.alloc(16);
    await fh.read(tag, 0, 16, size - 16);
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    const buf = Buffer.allocUnsafe(1 << 22);
    let pos = 12;
    while (pos < size - 16) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - 16 - pos), pos);
      if (!bytesRead) break;
      pos += bytesRead;
      await out.write(d.update(buf.subarray(0, bytesRead)));
    }
    try {
      await out.write(d.final());
    } catch {
      throw new AppError('validation', `${where}: расшифровка не прошла проверку подлинности (файл изменён или ключ не тот)`);
    }
    await out.sync();
  } catch (e) {
    await out.close();
    fs.rmSync(dst, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  await out.close();
}
