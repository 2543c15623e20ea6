// The append-only audit log: who, when, which method, what changed; each entry carries the
// previous entry's hash, so a removed, edited or reordered entry breaks the chain (verify.ts walks it).
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { nowIso } from '../../preload/core/dates.ts';

export const GENESIS = '0'.repeat(64);

export type Entry = { id: number; at: string; login: string | null; method: string; detail: string; prev_hash: string; hash: string };

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
