// Uploading the outbox: every pending packet of a register in chain order (the receiver refuses a gap, so one register's
// packets go one at a time), with retries that back off exponentially with jitter; and the district admin's batch over
// several register files (build, sign, upload each), a few files at a time. Both report progress, stop on cancel at
// the next safe point, and pick up after a crash where they stopped: the outbox in each file says what is left.
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { openRegister } from '../../db/connection.ts';
import { CancelledError, type Progress, progressTo } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { appendAudit } from '../audit/log.ts';
import { buildPacket } from './build.ts';
import { markAccepted, markRejected, markRetry, markSending, pendingPackets, resumeInterrupted } from './outbox.ts';
import { pkcs12PacketSigner, signPackets, type PacketSigner } from './sign.ts';
import { tsaForSigning } from '../signing/tsa-store.ts';
import { backoffMs, endpointAdvice, type UploadTarget } from './transport.ts';
import { PacketPipeline } from './pipeline.ts';
import { compactChanges, compactionPending } from './compact.ts';
import type { Reason } from './model.ts';

export type UploadOptions = {
  /** 'all': every pending packet; 'next': only the first in the chain */
  scope?: 'all' | 'next';
  /** failed rounds in this run before the chain is left waiting for the next run (default 6) */
  maxAttempts?: number;
  /** packets of the chain in flight at once on one connection (default 8; 1 = one at a time) */
  window?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  now?: () => Date;
  /** one line per event: packet number, UUID, state, HTTP status; never a body, a password or a name */
  log?: (line: string) => void;
};

export type UploadSummary = {
  accepted: Array<{ id: string; seq: number; receiptId: string; duplicate: boolean }>;
  rejected: Array<{ id: string; seq: number; reasons: Reason[] }>;
  /** still waiting (to retry, or behind one that waits) */
  pending: number;
  attempts: number;
  /** why the run stopped before the chain was through, when retrying could not help (the receiver refused our TLS certificate) */
  stopped?: string;
  /**
   * Why not everything got through, in words for the top of the summary: the first packet's failure (naming the
   * «Адрес приёмника» setting and the address when the address may be what is wrong) or its rejection. Absent when all went.
   */
  reason?: string;
  /** change-log entries removed because the region accepted a full packet (compact.ts) */
  changesRemoved: number;
};

/** Waits, checking for a cancel every 100 ms. */
const sleep = (ms: number, p: Progress) => new Promise<void>((resolve, reject) => {
  const end = Date.now() + ms;
  const tick = () => {
    if (p.cancelled) return reject(new CancelledError());
    const left = end - Date.now();
    if (left <= 0) return resolve();
    setTimeout(tick, Math.min(left, 100));
  };
  tick();
});

/** Rejections that say only "not after the packet you expected": after an earlier packet of the window failed, they mean "wait". */
const CHAIN_CODES = new Set(['sequence_gap', 'prev_hash_mismatch']);

/**
 * Sends the register's pending packets in chain order, up to `window` of them in flight on one connection (HTTP/1.1
 * pipelining; answers come back in order). When one fails for now (timeout, 5xx, dropped connection), the packets behind
 * it that the receiver refused as a gap are not rejected: they wait and go again after it, with the backoff of the first.
 * Each state change commits on its own, so a killed process resumes where it stopped; a packet whose answer was lost
 * goes again with its UUID and gets the receipt the receiver already gave.
 */
export async function uploadPending(db: DB, target: UploadTarget, opts: UploadOptions = {}, progress: Progress = progressTo()): Promise<UploadSummary> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  const maxAttempts = opts.maxAttempts ?? 6;
  const window = Math.max(1, opts.window ?? 8);
  resumeInterrupted(db, now());
  let todo = pendingPackets(db);
  if (opts.scope === 'next') todo = todo.slice(0, 1);
  const summary: UploadSummary = { accepted: [], rejected: [], pending: 0, attempts: 0, changesRemoved: 0 };
  // the change log goes on being compacted between slices: quietly (this job counts packets), but a cancel reaches it
  const quiet: Progress = { report: () => {}, get cancelled() { return progress.cancelled; }, throwIfCancelled: () => progress.throwIfCancelled() };
  const compact = async () => {
    summary.changesRemoved += (await compactChanges(db, {}, quiet)).removed;
  };
  // a compaction a crash interrupted is finished first
  if (compactionPending(db)) await compact();
  const pipe = new PacketPipeline(target);
  const finished = new Set<string>();
  let i = 0;
  let failedRounds = 0;
  let reasonNow: string | null = null;
  /** the summary, with why the rest waits when it does */
  const waitingBecause = () => {
    if (summary.pending && reasonNow) summary.reason = `${summary.pending === 1 ? 'пакет ждёт отправки' : 'пакеты ждут отправки'}: ${reasonNow}`;
    return summary;
  };
  let wait = todo[0]?.nextAttemptAt ? Math.max(0, Date.parse(todo[0].nextAttemptAt) - now().getTime()) : 0;
  try {
    progress.report(0, todo.length);
    while (i < todo.length) {
      progress.throwIfCancelled();
      if (wait > 0) await sleep(wait, progress);
      wait = 0;
      const next: typeof todo = [];
      for (let j = i; j < todo.length && next.length < window; j++) if (!finished.has(todo[j].id)) next.push(todo[j]);
      const round = next.map((p) => {
        const attempt = markSending(db, p.id, now());
        summary.attempts++;
        return { p, attempt, answer: pipe.send(p) };
      });
      let failed: string | null = null;
      let stop: string | null = null;
      let compactionDue = false;
      for (const { p, attempt, answer } of round) {
        let out = await answer;
        if (failed && out.kind === 'rejected' && out.reasons.every((r) => CHAIN_CODES.has(r.code))) {
          out = { kind: 'retry', error: `ждёт пакет перед ним (${failed})`, status: out.status };
        }
        if (out.kind === 'accepted') {
          const acc = markAccepted(db, p.id, out.receipt, now());
          summary.changesRemoved += acc.changesRemoved;
          compactionDue ||= acc.compactionPending;
          summary.accepted.push({ id: p.id, seq: p.seq, receiptId: out.receipt.receiptId, duplicate: !!out.receipt.duplicate });
          log(`пакет № ${p.seq} ${p.id}: принят (HTTP ${out.status}, квитанция ${out.receipt.receiptId}${out.receipt.duplicate ? ', повтор' : ''})`);
        } else if (out.kind === 'rejected') {
          summary.reason ??= `пакет № ${p.seq} отклонён приёмником: ${out.reasons.map((r) => r.message).join('; ')}`;
          markRejected(db, p.id, out.reasons, now());
          summary.rejected.push({ id: p.id, seq: p.seq, reasons: out.reasons });
          log(`пакет № ${p.seq} ${p.id}: отклонён (HTTP ${out.status}: ${out.reasons.map((r) => r.code).join(', ')})`);
        } else {
          if (out.giveUp) stop ??= out.error;
          if (!failed) {
            failed = out.error;
            // the latest round's failure: the packets wait because of it
            reasonNow = out.endpoint && !out.error.includes('«Адрес приёмника»') ? `${out.error}: ${endpointAdvice(target.endpoint)}` : out.error;
            wait = backoffMs(attempt, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs }, opts.random);
          }
          markRetry(db, p.id, out.error, new Date(now().getTime() + wait), now());
          log(`пакет № ${p.seq} ${p.id}: попытка ${attempt} не удалась (${out.error}); повтор через ${wait} мс`);
          continue;
        }
        finished.add(p.id);
      }
      if (compactionDue) await compact();
      // The chain resumes at the first packet not accepted or rejected (one answered after a failed one stays answered).
      const head = i;
      while (i < todo.length && finished.has(todo[i].id)) i++;
      progress.report(finished.size, todo.length, i < todo.length ? `пакет № ${todo[i].seq}` : undefined);
      if (stop) {
        // The next round would be refused the same way: the packets wait for the settings to change.
        summary.pending = todo.length - finished.size;
        summary.stopped = stop;
        progress.report(finished.size, todo.length, stop);
        return waitingBecause();
      }
      if (!failed) failedRounds = 0;
      else {
        // rounds in a row in which the first waiting packet did not get through
        failedRounds = i === head ? failedRounds + 1 : 1;
        if (failedRounds >= maxAttempts) {
          // The rest of the chain waits behind this packet: the receiver would refuse them as a gap.
          summary.pending = todo.length - finished.size;
          progress.report(finished.size, todo.length, `пакет № ${todo[i].seq} ждёт повтора`);
          return waitingBecause();
        }
      }
    }
    return summary;
  } finally {
    pipe.close();
  }
}

export type RegisterResult = {
  file: string;
  built: { id: string; seq: number; kind: string } | null;
  /** why nothing was built (nothing changed since the last packet) */
  note: string | null;
  signed: number;
  upload: UploadSummary | null;
  error: string | null;
};
export type BatchSummary = { registers: RegisterResult[]; accepted: number; rejected: number; pending: number; failed: number };

/**
 * Builds, signs and uploads for several register files, `concurrency` files at a time (each file's chain in order).
 * All are signed with the one certificate given (`p12`, opened with `password` for this run and then dropped).
 * A file that fails (locked, not a register, certificate refused) is reported and the others go on.
 */
export async function uploadRegisters(files: string[], target: UploadTarget,
  opts: UploadOptions & { p12: Buffer; password: string; concurrency?: number; by?: string }, progress: Progress = progressTo()): Promise<BatchSummary> {
  const signer: PacketSigner = pkcs12PacketSigner(opts.p12, opts.password); // a wrong password fails here, before any file is touched
  const results: RegisterResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  progress.report(0, files.length);
  const worker = async () => {
    while (next < files.length) {
      if (progress.cancelled) return;
      const i = next++;
      results[i] = await oneRegister(files[i], target, signer, opts, progress);
      progress.report(++done, files.length, path.basename(files[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 3, files.length)) }, worker));
  progress.throwIfCancelled();
  const regs = results.filter(Boolean);
  return {
    registers: regs,
    accepted: regs.reduce((n, r) => n + (r.upload?.accepted.length ?? 0), 0),
    rejected: regs.reduce((n, r) => n + (r.upload?.rejected.length ?? 0), 0),
    pending: regs.reduce((n, r) => n + (r.upload?.pending ?? 0), 0),
    failed: regs.filter((r) => r.error).length,
  };
}

async function oneRegister(file: string, target: UploadTarget, signer: PacketSigner, opts: UploadOptions & { by?: string }, progress: Progress): Promise<RegisterResult> {
  const r: RegisterResult = { file, built: null, note: null, signed: 0, upload: null, error: null };
  let db: DB | null = null;
  try {
    db = openRegister(file, { create: false });
    const by = opts.by ?? null;
    try {
      db.transaction(() => {
        const b = buildPacket(db!);
        appendAudit(db!, by, 'packets.build', { args: { file: path.basename(file) }, result: { id: b.id, seq: b.seq, kind: b.kind } });
        r.built = { id: b.id, seq: b.seq, kind: b.kind };
      }).immediate();
    } catch (e) {
      if (!(e instanceof AppError && e.fields?.kind === 'нет изменений')) throw e;
      r.note = e.message;
    }
    const hasBuilt = !!db.prepare("SELECT 1 FROM packets WHERE state = 'built'").get();
    if (hasBuilt) {
      // each register's own stored TSA, as packets.sign uses it
      const s = await signPackets(db, signer, { tsa: tsaForSigning(db, undefined, true), audit: (sum) => appendAudit(db!, by, 'packets.sign', { result: sum }) });
      r.signed = s.signed.length;
    }
    // the file's own progress is not shown (the batch counts files), but a cancel reaches it
    const quiet: Progress = { report: () => {}, get cancelled() { return progress.cancelled; }, throwIfCancelled: () => progress.throwIfCancelled() };
    r.upload = await uploadPending(db, target, opts, quiet);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    r.error = e instanceof Error ? e.message : String(e);
  } finally {
    db?.close();
  }
  return r;
}
