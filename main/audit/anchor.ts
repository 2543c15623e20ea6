// The audit chain's head, anchored outside the register file: `<register>.audit-head` beside it holds the id and hash of
// the newest entry. Every entry carries its predecessor's hash, so an edited, removed or reordered entry breaks the
// chain — but removing the newest entries leaves a shorter chain that is still whole. The anchor catches that: the
// chain must reach the anchored entry with the anchored hash. Removing the newest entries AND the anchor together is not
// caught here; a backup bag's register snapshot holds the chain as it was, a witness kept on other media.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { PRIVATE_FILE } from '../shared/private-files.ts';
import { appendAudit } from './log.ts';

export type AuditHead = { id: number; hash: string };

const written = new WeakMap<DB, string>();

/** The file beside the register, or null for an in-memory database. */
export function anchorPath(db: DB): string | null {
  return db.name && db.name !== ':memory:' && !db.memory ? `${db.name}.audit-head` : null;
}

export function auditHead(db: DB): AuditHead | null {
  return (db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as AuditHead | undefined) ?? null;
}

/**
 * `afresh`: the caller put the old anchor aside on purpose (a restore gives the restored register its own), so a
 * missing anchor is not a lost one.
 *
 * Writes the anchor when the head moved since this process last wrote it: after a commit, never inside a transaction
 * (a rolled-back entry must not be anchored). Written to a temporary name, flushed, then renamed: whole or not at all.
 */
export function anchorAudit(db: DB, opts: { afresh?: boolean } = {}): void {
  const file = anchorPath(db);
  if (!file || db.inTransaction || !db.open) return;
  let head = auditHead(db);
  if (!head) return;
  const missing = !fs.existsSync(file);
  if (!missing && written.get(db) === JSON.stringify({ id: head.id, hash: head.hash }) + '\n') return;
  const state = db.prepare('SELECT first_anchored_at AS at FROM audit_anchor_state').get() as { at: string } | undefined;
  if (missing && state && !opts.afresh) {
    // this register had an anchor and it is gone: say so in the chain itself before anchoring it again, so the loss
    // (and the head at that moment) stays on record whatever the next anchor says
    db.transaction(() => appendAudit(db, null, 'audit.anchorLost', { anchor: path.basename(file), headWhenFound: head, firstAnchoredAt: state.at }))();
    head = auditHead(db)!;
  }
  const text = JSON.stringify({ id: head.id, hash: head.hash }) + '\n';
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', PRIVATE_FILE);
  try {
    try {
      fs.fchmodSync(fd, PRIVATE_FILE); // the register's user's alone, as the register is (even over a stale temporary file)
    } catch {
      // a share that keeps no modes (CIFS) refuses: the anchor is still written
    }
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  written.set(db, text);
  if (!state) db.prepare('INSERT OR IGNORE INTO audit_anchor_state (id, first_anchored_at) VALUES (1, ?)').run(new Date().toISOString());
}

export function readAnchor(db: DB): AuditHead | null | 'unreadable' {
  const file = anchorPath(db);
  if (!file || !fs.existsSync(file)) return null;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as AuditHead;
    return Number.isInteger(v.id) && /^[0-9a-f]{64}$/.test(v.hash) ? v : 'unreadable';
  } catch {
    return 'unreadable';
  }
}
