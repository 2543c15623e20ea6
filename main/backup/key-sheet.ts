// The backup key's recovery sheet and its import on a new computer: the admin prints the key once and keeps the sheet
// in the safe; typed (or loaded) on a new computer it makes that computer's copies and the old ones genuine again.
// Both are audited with the key's id only. A second print of the same key needs an admin's reason (audited).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces.js';
import type { DB } from '../../db/connection.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError } from '../shared/errors.ts';
import { pdfFontDir } from '../shared/pdf.ts';
import { formatDate, formatDateTime } from '../../preload/core/dates.ts';
import { PRIVATE_DIR, PRIVATE_FILE } from '../shared/private-files.ts';
import { backupKey, backupKeyFile, grouped, KEY_BYTES, keyId, keyStore, parseTypedKey, toBase32 } from './key.ts';

const FONTS = { normal: 'Roboto-Regular.ttf', bold: 'Roboto-Medium.ttf', italics: 'Roboto-Italic.ttf', bolditalics: 'Roboto-MediumItalic.ttf' };

/** Groups of four, `perLine` groups a line (the sheet's lines break where the program says, not where the page does). */
const lines = (s: string, perLine: number) => (grouped(s).match(new RegExp(`(\\S+ ?){1,${perLine}}`, 'g')) ?? []).map((l) => l.trim()).join('\n');

/** The sheet as a PDF: the key in hex and base32 groups, its id, the date, the school, what to do with it. */
export async function renderKeySheet(key: Buffer, school: string, now = new Date()): Promise<Buffer> {
  const dir = pdfFontDir();
  const id = keyId(key);
  const mono = { fontSize: 14, bold: true, characterSpacing: 1, lineHeight: 1.4 };
  const definition: TDocumentDefinitions = {
    pageSize: 'A4',
    pageMargins: [50, 50, 50, 50],
    info: { title: 'Лист восстановления ключа резервных копий', creator: 'School Register', producer: 'School Register (pdfmake)' },
    defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1.15 },
    content: [
      { text: 'Лист восстановления ключа резервных копий', fontSize: 16, bold: true, margin: [0, 0, 0, 6] },
      { text: school, fontSize: 11, margin: [0, 0, 0, 2] },
      { text: `Дата печати: ${formatDate(now.toISOString().slice(0, 10))}`, margin: [0, 0, 0, 14] },
      { text: 'Ключ (шестнадцатеричный):', bold: true },
      { text: lines(key.toString('hex').toUpperCase(), 8), ...mono, margin: [0, 4, 0, 12] },
      { text: 'Тот же ключ (base32):', bold: true },
      { text: lines(toBase32(key), 7), ...mono, margin: [0, 4, 0, 12] },
      { text: `Номер ключа: ${id}`, bold: true, margin: [0, 0, 0, 14] },
      { text: 'Этим ключом программа подписывает каждую резервную копию. Копия, изменённая без ключа, восстанавливается '
        + 'только администратором после предупреждения. На новом компьютере введите ключ: «Архив», раздел «Ключ резервных копий» '
        + 'или в командной строке backup key import; номер ключа после ввода должен совпасть с напечатанным.' },
      { text: 'Храните лист в сейфе, как ключ от архива. Кто знает ключ, тот может подписать поддельную копию.', bold: true, margin: [0, 8, 0, 0] },
    ],
  };
  pdfmake.setFonts({ Roboto: Object.fromEntries(Object.entries(FONTS).map(([k, f]) => [k, path.join(dir, f)])) });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p: string) => path.resolve(p).startsWith(path.resolve(dir) + path.sep));
  return Buffer.from(await pdfmake.createPdf(definition).getBuffer());
}

/** The first print of a key's recovery sheet: who and when. Kept beside the key file (the key is per computer, not per
 *  register), never holding the key. */
export type SheetPrint = { keyId: string; printedAt: string; by: string };

const printsFile = () => `${backupKeyFile()}.printed`;

/** The first print of this key's sheet, if it was printed (a record of another key — replaced since — does not count). */
export function sheetPrinted(id: string): SheetPrint | null {
  try {
    const r = JSON.parse(fs.readFileSync(printsFile(), 'utf8')) as Partial<SheetPrint>;
    return r.keyId === id && typeof r.printedAt === 'string' && typeof r.by === 'string' ? { keyId: id, printedAt: r.printedAt, by: r.by } : null;
  } catch {
    return null;
  }
}

function recordPrint(p: SheetPrint): void {
  const file = printsFile();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR });
  fs.writeFileSync(tmp, JSON.stringify(p), { mode: PRIVATE_FILE });
  fs.renameSync(tmp, file);
}

/**
 * The sheet of this installation's key (made now if there is none yet). Printed once: a second print of the same key
 * is refused unless an admin gives the reason (a lost sheet, a second safe) — or the key was replaced, whose sheet is a
 * first print again. Every print is audited by the key's id, a second one with its reason and the first print named.
 */
export async function keySheet(db: DB, by: string, reason?: string): Promise<{ keyId: string; fileName: string; dataBase64: string }> {
  const key = backupKey();
  const id = keyId(key);
  const first = sheetPrinted(id);
  if (first && !reason?.trim()) {
    const why = `Лист восстановления ключа ${id} уже напечатан ${formatDateTime(first.printedAt)} (${first.by}): второй экземпляр печатается только с указанием причины`;
    throw new AppError('conflict', why, { reason: 'укажите причину повторной печати' });
  }
  const school = db.prepare('SELECT full_name FROM school WHERE id = 1').pluck().get() as string | undefined;
  const pdf = await renderKeySheet(key, school ?? 'Школьный регистр');
  const now = new Date().toISOString();
  if (!first) recordPrint({ keyId: id, printedAt: now, by });
  db.transaction(() => appendAudit(db, by, 'backup.keySheet', first
    ? { keyId: id, reprint: true, reason: reason!.trim(), firstPrintedAt: first.printedAt, firstBy: first.by }
    : { keyId: id }))();
  return { keyId: id, fileName: `backup-key-${id}${first ? `-copy-${now.slice(0, 10)}` : ''}.pdf`, dataBase64: pdf.toString('base64') };
}

/** The key from the sheet saved as this installation's key; a different key already here only with `replace`. */
export function importKey(db: DB | null, by: string, typed: string, replace: boolean): { keyId: string; replaced: string | null; where: string } {
  const key = parseTypedKey(typed);
  const store = keyStore();
  const id = keyId(key);
  const before = store.load();
  const beforeId = before ? keyId(before) : null;
  if (beforeId && beforeId !== id && !replace) {
    throw new AppError('conflict', `На этом компьютере уже есть другой ключ (${beforeId}): копии, подписанные им, после замены станут «не записанными этой программой». `
      + 'Напечатайте его лист восстановления, если его нет, и подтвердите замену', { replace: 'подтвердите замену ключа' });
  }
  if (beforeId !== id) store.save(key, true);
  const replaced = beforeId && beforeId !== id ? beforeId : null;
  if (db) db.transaction(() => appendAudit(db, by, 'backup.keyImport', { keyId: id, replaced }))();
  return { keyId: id, replaced, where: store.where };
}

/**
 * A new key for this installation, replacing the one here (a sheet lost beyond reprinting, a key that may have been
 * read): copies signed with the old key become «not written by this program» unless its sheet is imported again. The
 * new key's sheet prints once, as a first print. Audited with both ids, never a key.
 */
export function renewKey(db: DB | null, by: string): { keyId: string; replaced: string | null; where: string } {
  const store = keyStore();
  const before = store.load();
  const key = crypto.randomBytes(KEY_BYTES);
  store.save(key, true);
  const id = keyId(key);
  const replaced = before ? keyId(before) : null;
  if (db) db.transaction(() => appendAudit(db, by, 'backup.keyRenew', { keyId: id, replaced }))();
  return { keyId: id, replaced, where: store.where };
}

