// Walks the audit chain from its first entry: every hash must follow from the one before, and the chain must reach the
// head anchored beside the register (anchor.ts). Apart from log.ts because the anchor writes into the log: the log
// cannot import the anchor back.
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { formatLocalDate } from '../../preload/core/dates.ts';
import { anchorPath, readAnchor } from './anchor.ts';
import { entryHash, GENESIS, type Entry } from './log.ts';

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
      if (e.hash !== anchor.hash) return broken(n, e.id, `запись ${e.id} не та, что была записана последней (хеш не совпадает с отметкой последней записи в файле ${anchorName(db)})`);
      anchorSeen = true;
    }
    prev = e.hash;
    expectedId++;
  }
  if (anchor === 'unreadable') return broken(n, null, `отметка последней записи (файл ${anchorName(db)}) повреждена`);
  if (anchor && !anchorSeen) {
    return broken(n, anchor.id, `записи после ${n} удалены: последней была записана запись ${anchor.id} (отметка в файле ${anchorName(db)})`);
  }
  const state = anchor ? (anchor.id === n ? 'ok' : 'behind') : anchorPath(db) && n ? 'missing' : 'none';
  // the anchor went missing and the program anchored the chain again: recorded in the chain, so shown every time
  const lost = db.prepare("SELECT id, at FROM audit_log WHERE method = 'audit.anchorLost' ORDER BY id").all() as Array<{ id: number; at: string }>;
  return {
    ok: true, entries: n, brokenAt: null, anchor: state,
    message: `Цепочка журнала аудита цела, записей: ${n}` +
      (lost.length ? `. Якорь ${anchorName(db)} пропадал и создан заново (${lost.map((l) => `запись ${l.id} от ${formatLocalDate(l.at)}`).join(', ')}): ` +
        'если его не удаляли при переносе реестра, последние записи могли быть удалены вместе с ним — сверьте журнал с резервной копией (audit verify --witness)' : '') +
      (state === 'missing' ? `. Якоря ${anchorName(db)} рядом с реестром нет (копия реестра без него?): удаление последних записей так не обнаружить` : '') +
      (state === 'behind' && anchor ? `. Записи ${anchor.id + 1}–${n} не закреплены отметкой последней записи: их записали после последнего вызова программы ` +
        '(сбой до записи отметки) или дописали в обход неё — проверьте их' : ''),
  };
}

const anchorName = (db: DB) => path.basename(anchorPath(db) ?? '');

const broken = (n: number, id: number | null, why: string): AuditReport =>
  ({ ok: false, entries: n, brokenAt: id, anchor: 'broken', message: `Цепочка журнала аудита нарушена: ${why}` });
