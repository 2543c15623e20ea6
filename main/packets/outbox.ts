// The outbox as the UI and the CLI see it, and the state changes of a packet on its way. Every change is one small
// transaction, so a crash leaves a packet in a state from which it resumes ('sending' is resumed as a retry).
import type { Statement } from 'better-sqlite3';
import type { DB } from '../../db/connection.ts';
import type { PacketKind, PacketState, Reason, Receipt } from './model.ts';
import { AppError } from '../shared/errors.ts';
import { compactionPending, compactSlice } from './compact.ts';

export type OutboxRow = {
  id: string; seq: number; kind: PacketKind; state: PacketState; sha256: string; prevHash: string | null; students: number;
  attempts: number; nextAttemptAt: string | null; lastError: string | null; signer: string | null;
  receipt: Receipt | null; reasons: Reason[] | null; createdAt: string; signedAt: string | null; acceptedAt: string | null;
};

type Row = { id: string; seq: number; kind: PacketKind; state: PacketState; sha256: string; prev_hash: string | null; students: number;
  attempts: number; next_attempt_at: string | null; last_error: string | null; signer: string | null; receipt: string | null;
  reasons: string | null; created_at: string; signed_at: string | null; accepted_at: string | null };

const COLS = 'id, seq, kind, state, sha256, prev_hash, students, attempts, next_attempt_at, last_error, signer, receipt, reasons, created_at, signed_at, accepted_at';
const toRow = (r: Row): OutboxRow => ({
  id: r.id, seq: r.seq, kind: r.kind, state: r.state, sha256: r.sha256, prevHash: r.prev_hash, students: r.students, attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at, lastError: r.last_error, signer: r.signer, receipt: r.receipt ? JSON.parse(r.receipt) : null,
  reasons: r.reasons ? JSON.parse(r.reasons) : null, createdAt: r.created_at, signedAt: r.signed_at, acceptedAt: r.accepted_at,
});

export function listOutbox(db: DB, limit = 200): OutboxRow[] {
  return (db.prepare(`SELECT ${COLS} FROM packets ORDER BY seq DESC, created_at DESC LIMIT ?`).all(limit) as Row[]).map(toRow);
}

export function outboxCounts(db: DB): Record<PacketState, number> {
  const out: Record<PacketState, number> = { built: 0, signed: 0, sending: 0, accepted: 0, rejected: 0, retry: 0 };
  for (const r of db.prepare('SELECT state, count(*) AS n FROM packets GROUP BY state').all() as Array<{ state: PacketState; n: number }>) out[r.state] = r.n;
  return out;
}

/** Packets waiting to go, in chain order. */
export function pendingPackets(db: DB): Array<{ id: string; seq: number; state: PacketState; canonicalJson: string; signature: Buffer; nextAttemptAt: string | null }> {
  return (db.prepare("SELECT id, seq, state, canonical_json, signature, next_attempt_at FROM packets WHERE state IN ('signed', 'retry', 'sending') ORDER BY seq").all() as
    Array<{ id: string; seq: number; state: PacketState; canonical_json: string; signature: Buffer; next_attempt_at: string | null }>)
    .map((r) => ({ id: r.id, seq: r.seq, state: r.state, canonicalJson: r.canonical_json, signature: r.signature, nextAttemptAt: r.next_attempt_at }));
}

/**
 * Outbox state changes are committed without waiting for the disk (WAL with synchronous = NORMAL: durable at the next
 * checkpoint or FULL commit). Losing the last of them in a power cut only makes a packet go again with its UUID, which
 * the receiver answers with the receipt it already gave: exactly-once rests on the Idempotency-Key, not on these
 * writes. Each fsync costs ~5 ms here, two per packet; the register's own writes keep synchronous = FULL.
 */
function unsynced<T>(db: DB, write: () => T): T {
  if (db.inTransaction) return write();
  const before = stmt(db, 'PRAGMA synchronous').pluck().get() as number;
  stmt(db, 'PRAGMA synchronous = NORMAL').run();
  try {
    return write();
  } finally {
    stmt(db, `PRAGMA synchronous = ${Number(before)}`).run();
  }
}

// The statements of a send are prepared once per connection: an upload runs them thousands of times.
const prepared = new WeakMap<DB, Map<string, Statement<unknown[]>>>();
function stmt(db: DB, sql: string): Statement<unknown[]> {
  let m = prepared.get(db);
  if (!m) prepared.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

/** After a restart: a packet left 'sending' may or may not have reached the receiver; it is sent again (same UUID). */
export function resumeInterrupted(db: DB, now: Date): number {
  return db.prepare("UPDATE packets SET state = 'retry', next_attempt_at = ?, last_error = 'отправка прервана (перезапуск программы)', updated_at = ? WHERE state = 'sending'")
    .run(now.toISOString(), now.toISOString()).changes;
}

export function markSending(db: DB, id: string, now: Date): number {
  const r = unsynced(db, () => stmt(db, "UPDATE packets SET state = 'sending', attempts = attempts + 1, next_attempt_at = NULL, updated_at = ? WHERE id = ? AND state IN ('signed', 'retry') RETURNING attempts")
    .get(now.toISOString(), id) as { attempts: number } | undefined);
  // Another process or job took it first (the app and the CLI on one file): stop rather than send it twice at once.
  if (!r) throw new AppError('conflict', `Пакет ${id} уже отправляется другим процессом или заданием: дождитесь его окончания`);
  return r.attempts;
}

/**
 * The region accepted the packet. A full one makes the change-log entries it covers unneeded: the first slice of them
 * goes in this same transaction, the rest after it (compact.ts). Returns how many entries went now and whether more wait.
 */
export function markAccepted(db: DB, id: string, receipt: Receipt, now: Date): { changesRemoved: number; compactionPending: boolean } {
  return unsynced(db, () => db.transaction(() => {
    const r = stmt(db, "UPDATE packets SET state = 'accepted', receipt = ?, accepted_at = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'sending' RETURNING kind")
      .get(JSON.stringify(receipt), receipt.acceptedAt ?? now.toISOString(), now.toISOString(), id) as { kind: PacketKind } | undefined;
    if (r?.kind !== 'full') return { changesRemoved: 0, compactionPending: false };
    const changesRemoved = compactSlice(db);
    return { changesRemoved, compactionPending: compactionPending(db) };
  }).immediate());
}

export function markRejected(db: DB, id: string, reasons: Reason[], now: Date): void {
  db.prepare("UPDATE packets SET state = 'rejected', reasons = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending'")
    .run(JSON.stringify(reasons), reasons.map((r) => r.message).join('; '), now.toISOString(), id);
}

export function markRetry(db: DB, id: string, error: string, at: Date, now: Date): void {
  unsynced(db, () => stmt(db, "UPDATE packets SET state = 'retry', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending'")
    .run(at.toISOString(), error, now.toISOString(), id));
}

/** Where packets go: kept in the register (the CA is public; no password is). */
export type PacketSettings = { endpoint: string | null; caPem: string | null; timeoutMs: number;
  certificate: { subject: string; issuer: string; notBefore: string; notAfter: string } | null };

export function getPacketSettings(db: DB): PacketSettings {
  const r = db.prepare('SELECT endpoint, ca_pem, timeout_ms, cert_subject, cert_issuer, cert_not_before, cert_not_after FROM packet_settings WHERE id = 1').get() as
    { endpoint: string | null; ca_pem: string | null; timeout_ms: number; cert_subject: string | null; cert_issuer: string | null; cert_not_before: string | null; cert_not_after: string | null };
  return { endpoint: r.endpoint, caPem: r.ca_pem, timeoutMs: r.timeout_ms,
    certificate: r.cert_subject ? { subject: r.cert_subject, issuer: r.cert_issuer!, notBefore: r.cert_not_before!, notAfter: r.cert_not_after! } : null };
}
