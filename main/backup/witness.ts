// Backup copies as witnesses of the audit log. The anchor beside the register catches the newest audit entries removed,
// but not the entries and the anchor removed together: both sit in the same folder. A bag on another medium, in another
// room, holds a snapshot of the register and so the chain as it was when the copy was made. The live register must
// still hold that chain's newest entry, with the same hash; if it has fewer entries, entries were removed (or the
// register was restored from an older copy), and if the entry differs, the log was rewritten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DB } from '../../db/connection.ts';
import { formatLocalDate } from '../../preload/core/dates.ts';
import { AppError } from '../shared/errors.ts';
import { BAGIT_TXT, BAG_INFO, ENCRYPTION, PARTIAL_PREFIX } from './bag.ts';
import { decryptFile, openEncryption } from './encryption.ts';

export type WitnessState = 'ok' | 'entries_missing' | 'rewritten' | 'encrypted' | 'unreadable';
export type WitnessResult = {
  bag: string;
  state: WitnessState;
  /** the newest audit entry the copy holds */
  entry: { id: number; hash: string; at: string } | null;
  message: string;
};

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0');

/** The bags a path names: itself when it is a bag, else the newest complete bag in it (a medium's folder). */
export function witnessBags(dir: string): string[] {
  if (fs.existsSync(path.join(dir, 'bagit.txt'))) return [dir];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('validation', `${dir}: нет такой папки`);
  const bags = fs.readdirSync(dir)
    .filter((n) => !n.startsWith(PARTIAL_PREFIX) && fs.existsSync(path.join(dir, n, 'bagit.txt')) && fs.existsSync(path.join(dir, n, BAG_INFO)))
    .map((n) => ({ n, date: /^Bagging-Date:\s*(\S+)/m.exec(fs.readFileSync(path.join(dir, n, BAG_INFO), 'utf8'))?.[1] ?? '' }))
    .sort((a, b) => a.date.localeCompare(b.date) || a.n.localeCompare(b.n));
  if (!bags.length) throw new AppError('validation', `${dir}: в папке нет резервных копий (BagIt)`);
  return [path.join(dir, bags[bags.length - 1].n)];
}

/** The newest audit entry of a bag's register snapshot; read from a temporary copy so the bag is never touched. */
async function bagEntry(bag: string, passphrase?: string): Promise<{ id: number; hash: string; at: string } | WitnessResult> {
  const name = path.basename(bag);
  const snapshot = path.join(bag, 'data', 'register.sqlite');
  if (!fs.existsSync(path.join(bag, 'bagit.txt')) || fs.readFileSync(path.join(bag, 'bagit.txt'), 'utf8') !== BAGIT_TXT || !fs.existsSync(snapshot)) {
    return { bag, state: 'unreadable', entry: null, message: `${name}: это не резервная копия реестра (нет bagit.txt или data/register.sqlite)` };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-witness-'));
  try {
    const file = path.join(tmp, 'register.sqlite');
    const head = Buffer.alloc(16);
    const fd = fs.openSync(snapshot, 'r');
    try { fs.readSync(fd, head, 0, 16, 0); } finally { fs.closeSync(fd); }
    if (head.equals(SQLITE_MAGIC)) fs.copyFileSync(snapshot, file);
    else if (fs.existsSync(path.join(bag, ENCRYPTION))) {
      if (!passphrase) return { bag, state: 'encrypted', entry: null, message: `${name}: копия зашифрована — без парольной фразы её журнал не прочитать` };
      const key = openEncryption(path.join(bag, ENCRYPTION), passphrase, name);
      await decryptFile(key, snapshot, file, `${name}: data/register.sqlite`);
    } else return { bag, state: 'unreadable', entry: null, message: `${name}: data/register.sqlite — не файл SQLite` };
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const e = db.prepare('SELECT id, hash, at FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string; at: string } | undefined;
      return e ?? { bag, state: 'unreadable', entry: null, message: `${name}: в снимке реестра журнал аудита пуст` };
    } finally {
      db.close();
    }
  } catch (e) {
    if (e instanceof AppError) throw e; // a wrong passphrase says so itself
    return { bag, state: 'unreadable', entry: null, message: `${name}: снимок реестра не прочитан (${(e as Error).message})` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Checks the live register's audit log against the newest copy in each given folder (a bag, or a medium's folder). */
export async function checkAuditWitnesses(db: DB, dirs: readonly string[], passphrase?: string): Promise<WitnessResult[]> {
  const out: WitnessResult[] = [];
  const entry = db.prepare('SELECT hash FROM audit_log WHERE id = ?');
  const last = () => (db.prepare('SELECT max(id) AS n FROM audit_log').get() as { n: number | null }).n ?? 0;
  for (const dir of dirs) {
    for (const bag of witnessBags(dir)) {
      const w = await bagEntry(bag, passphrase);
      if ('state' in w) { out.push(w); continue; }
      const name = path.basename(bag);
      const here = entry.get(w.id) as { hash: string } | undefined;
      if (!here) {
        out.push({ bag, state: 'entries_missing', entry: w, message: `${name}: копия от ${formatLocalDate(w.at)} содержит записи журнала аудита до № ${w.id}, ` +
          `а в реестре их только ${last()}: записи удалены (вместе с отметкой последней записи) или реестр восстановлен из более старой копии` });
      } else if (here.hash !== w.hash) {
        out.push({ bag, state: 'rewritten', entry: w, message: `${name}: запись журнала аудита № ${w.id} в реестре не та, что в копии от ${formatLocalDate(w.at)}: журнал переписан` });
      } else {
        out.push({ bag, state: 'ok', entry: w, message: `${name}: запись журнала аудита № ${w.id} от ${formatLocalDate(w.at)} совпадает с копией` });
      }
    }
  }
  return out;
}
