// The audit chain's head, anchored outside the register file: `<register>.audit-head` beside it holds the id and hash of
// the newest entry. Every entry carries its predecessor's hash, so an edited, removed or reordered entry breaks the
// chain — but removing the newest entries leaves a shorter chain that is still whole. The anchor catches that: the
// chain must reach the anchored entry with the anchored hash. Removing the newest entries AND the anchor together is not
// caught here; a backup bag's register snapshot holds the chain as it was, a witness kept on other media.
import fs from 'node:fs';
import type { DB } from '../../db/connection.ts';

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
 * Writes the anchor when the head moved since this process last wrote it: after a commit, never inside a transaction
 * (a rolled-back entry must not be anchored). Written to a temporary name, flushed, then renamed: whole or not at all.
 */
export function anchorAudit(db: DB): void {
  const file = anchorPath(db);
  if (!file || db.inTransaction || !db.open) return;
  const head = auditHead(db);
  if (!head) return;
  const text = JSON.stringify({ id: head.id, hash: head.hash }) + '\n';
  if (written.get(db) === text) return;
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  written.set(db, text);
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
