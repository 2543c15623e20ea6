// The append-only audit log: who, when, which method, what changed; each entry carries the
// previous entry's hash, so a removed, edited or reordered entry breaks the chain.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import path from 'node:path';
import { nowIso } from '../shared/dates.ts';
import { anchorPath, readAnchor } from './anchor.ts';

export const GENESIS = '0'.repeat(64);

type Entry = { id: number; at: string; login: string | null; method: string; detail: string; prev_hash: string; hash: string };

export function entryHash(prev: string, e: { id: number; at: string; login: string | null; method: string; detail: string }): string {
  return crypto.createHash('sha256').update(JSON.stringify([prev, e.id, e.at, e.login, e.method, e.detail])).digest('hex');
}

/** Appends one entry; call inside the transaction of the change it records. */
export function appendAudit(db: DB, login: string | null, method: string, detail: unknown): void {
  const last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  const e = { id: (last?.id ?? 0) + 1, at: nowIso(), login, method, detail: JSON.stringify(detail ?? null) };
  const prev = last?.hash ?? GENESIS;
  db.prepare('INSERT INTO audit_log (id, at, login, method, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(e.id, e.at, e.login, e.method, e.detail, prev, entryHash(prev, e));
}

export function listAudit(db: DB, limit: number) {
  return (db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Entry[])
    .map((e) => ({ id: e.id, at: e.at, login: e.login, method: e.method, detail: e.detail, hash: e.hash }));
}

export type AuditReport = {
  ok: boolean; entries: number; brokenAt: number | null; message: string;
  /** the head anchored beside the register: the chain ends there (ok), goes past it (behind: entries no call of the
   *  program anchored), has no anchor file (missing), or does not reach it (broken) */
  anchor: 'ok' | 'behind' | 'missing' | 'broken' | 'none';
};

export function verifyAuditChain(db: DB): AuditReport {
  let prev = GENESIS;
  let expectedId = 1;
  let n = 0;
  const anchor = readAnchor(db);
  let anchorSeen = false;
  for (const e of db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as Iterable<Entry>) {
    n++;
    if (e.id !== expectedId) return broken(n, expectedId, `запись ${expectedId} отсутствует (за ней сразу ${e.id})`);
    if (e.prev_hash !== prev) return broken(n, e.id, `запись ${e.id} не ссылается на хеш предыдущей записи`);
    if (entryHash(prev, e) !== e.hash) return broken(n, e.id, `запись ${e.id} изменена: её хеш не сходится`);
    if (anchor && anchor !== 'unreadable' && e.id === anchor.id) {
      if (e.hash !== anchor.hash) return broken(n, e.id, `запись ${e.id} не та, что была записана последней (хеш не совпадает с якорем ${anchorName(db)})`);
      anchorSeen = true;
    }
    prev = e.hash;
    expectedId++;
  }
  if (anchor === 'unreadable') return broken(n, null, `якорь цепочки ${anchorName(db)} повреждён`);
  if (anchor && !anchorSeen) {
    return broken(n, anchor.id, `записи после ${n} удалены: последней была записана запись ${anchor.id} (якорь ${anchorName(db)})`);
  }
  const state = anchor ? (anchor.id === n ? 'ok' : 'behind') : anchorPath(db) && n ? 'missing' : 'none';
  // the anchor went missing and the program anchored the chain again: recorded in the chain, so shown every time
  const lost = db.prepare("SELECT id, at FROM audit_log WHERE method = 'audit.anchorLost' ORDER BY id").all() as Array<{ id: number; at: string }>;
  return {
    ok: true, entries: n, brokenAt: null, anchor: state,
    message: `Цепочка журнала аудита цела, записей: ${n}` +
      (lost.length ? `. Якорь ${anchorName(db)} пропадал и создан заново (${lost.map((l) => `запись ${l.id} от ${localDate(l.at)}`).join(', ')}): ` +
        'если его не удаляли при переносе реестра, последние записи могли быть удалены вместе с ним — сверьте журнал с резервной копией (audit verify --witness)' : '') +
      (state === 'missing' ? `. Якоря ${anchorName(db)} рядом с реестром нет (копия реестра без него?): удаление последних записей так не обнаружить` : '') +
      (state === 'behind' && anchor ? `. Записи ${anchor.id + 1}–${n} не закреплены якорем: их записали после последнего вызова программы ` +
        '(сбой до записи якоря) или дописали в обход неё — проверьте их' : ''),
  };
}

const anchorName = (db: DB) => path.basename(anchorPath(db) ?? '');
const localDate = (iso: string) => {
  const d = new Date(iso);
  return `${String(d.getDate()).padStart(2, '0')}.${String(d.getMonth() + 1).padStart(2, '0')}.${d.getFullYear()}`;
};

const broken = (n: number, id: number | null, why: string): AuditReport =>
  ({ ok: false, entries: n, brokenAt: id, anchor: 'broken', message: `Цепочка журнала аудита нарушена: ${why}` });
