// The year-end close prints on several threads: pdfmake is most of its time and runs on one thread, so a small pool
// of render workers (render-worker.ts) prints the classes' PDFs side by side with this thread, which also builds,
// signs and stores. What crosses is plain data: a LedgerData and its stamp in, the PDF's bytes out, and an error as
// the same AppError (code, message) this thread would have thrown. This thread prints its share of ledgers too, and
// writes the XLSX of those the workers print (a tenth of the work): its code is warm, while each worker compiles
// pdfmake anew (about a quarter of a year's printing in CPU time), so on two cores one worker and this thread do
// more with less than two workers. In the running program this thread answers other users meanwhile, and a PDF is a
// synchronous pdfmake run of a few hundred ms: there the pool is opened with `here: false`, and the workers print
// every PDF and write every XLSX (issue 19: other users' calls stalled 0.2–1.4 s every few classes otherwise). Workers that cannot start (no script, no fonts, no threads) leave the work to
// this thread; a worker that dies while printing fails that ledger.
// The running program keeps one such pool for as long as its register is open (openKeptRenderer, kept-renderer.ts):
// its worker is warmed once and then prints the close, a seal and a draft's printout alike, so neither the backend's
// thread nor a cold start is paid on every call; a worker that dies is replaced on the next call.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { logError } from '../shared/log.ts';
import { pdfFontDir } from '../shared/pdf.ts';
import type { LedgerData, LedgerStamp } from './model.ts';
import { renderLedgerPdf } from './pdf.ts';
import { asBuffer, errorOf, type RenderReply, type RenderRequest } from './render.ts';
import { renderLedgerXlsx } from './xlsx.ts';
import { startRenderWorker } from './render-worker-entry.ts';

export type RenderedLedger = { pdf: Buffer; xlsx: Buffer };

/** A sealed ledger's printouts, rendered in this thread. */
export async function renderLedgerFiles(data: LedgerData, stamp: LedgerStamp): Promise<RenderedLedger> {
  const [pdf, xlsx] = await Promise.all([renderLedgerPdf(data, stamp), renderLedgerXlsx(data, stamp)]);
  return { pdf, xlsx };
}

/** `signal`: once aborted, a ledger not yet handed to a worker is dropped (CancelledError); `urgent`: it goes before
 *  the ledgers waiting (a user's seal or printout waits for at most what the workers already have, not a year's close). */
export type RenderOptions = { signal?: AbortSignal; urgent?: boolean };

export type LedgerRenderer = {
  /** How many worker threads print (0: only this thread). */
  readonly threads: number;
  /** How many ledgers are worth handing over at once: enough to keep every printer busy (0: one at a time, here). */
  readonly capacity: number;
  render(data: LedgerData, stamp: LedgerStamp, o?: RenderOptions): Promise<RenderedLedger>;
  /** Stops the workers at once; whatever they were printing is rejected (CancelledError) and never delivered. */
  close(): Promise<void>;
};

/** A pool that lives between calls (the running program's): it also prints one file of a draft or a version, and warms up. */
export type KeptLedgerRenderer = LedgerRenderer & {
  print(data: LedgerData, stamp: LedgerStamp | null, format: 'pdf' | 'xlsx', o?: RenderOptions): Promise<Buffer>;
  /** Starts the workers and has each render a ledger (`data()`, called only when some worker is cold) a few times, so
   *  that the next ledgers print at full speed; once per worker (one that has printed a few ledgers is warm already).
   *  Resolves when they are warm; never rejects. A warm-up holds no process open (a script that awaits it holds its own). */
  warm(data: () => LedgerData): Promise<void>;
};

/** Prints in this thread. */
export const renderHere: LedgerRenderer = { threads: 0, capacity: 0, render: renderLedgerFiles, close: async () => {} };

/** The workers worth starting for `ledgers` ledgers beside this thread: one per other core, at most 3; none for a
 *  couple of ledgers (a worker's start costs more than it saves) or on a single core. SCHOOL_REGISTER_RENDER_WORKERS
 *  (0–3) overrides the count, for a machine whose cores are busy with other work (0: print in this thread only).
 *  `here` false (this thread prints nothing, but builds, signs, stores and answers other users): as many, and at
 *  least one for any ledger — the override's 0 then means one. Not one per core: each worker's start costs about a
 *  quarter of a year's printing in CPU, and a second worker would take the core this thread answers on. */
export function renderThreadsFor(ledgers: number, here = true): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const set = process.env.SCHOOL_REGISTER_RENDER_WORKERS;
  const wanted = set && /^[0-3]$/.test(set.trim()) ? Number(set) : Math.min(3, cores - 1);
  if (!here) return ledgers < 1 ? 0 : Math.max(1, Math.min(wanted, ledgers));
  return ledgers < 3 ? 0 : Math.max(0, Math.min(wanted, ledgers - 1));
}

type Files = { pdf?: Buffer; xlsx?: Buffer };
type Task = { id: number; data: LedgerData; stamp: LedgerStamp | null; pdf: boolean; xlsx: boolean; warm?: number;
  resolve: (r: Files) => void; reject: (e: Error) => void;
  /** forgets the caller's signal once the task has left the queue */
  taken?: () => void };
/** A ledger handed to a worker, its XLSX being written here meanwhile (null: the worker writes what is asked). */
type Handed = { task: Task; xlsx: Promise<Buffer> | null };
type Slot = { worker: Worker; ready: boolean; tasks: Handed[]; error: Error | null; printed: number; warmed: boolean };
/** Ledgers handed to a worker at once: it starts the next as soon as one is done, even while this thread is busy. */
const PER_WORKER = 2;
/** Renders of a real ledger that bring a new worker's PDFs to full speed (measured: 2.8 s, 1.1 s, 0.75 s, then 0.44 s). */
const WARM_RENDERS = 3;
/** A worker that has printed this many ledgers is warm. */
const WARM_AFTER = 3;

/**
 * A pool of `threads` render workers (renderHere when 0), with this thread printing too unless `here` is false; with
 * `here` false the workers write the XLSX too, and this thread renders nothing (unless no worker could start).
 * Each worker prints the ledgers it is given one after another; each ledger goes to whoever is free first.
 */
export function openRenderPool(threads: number, o: { here?: boolean } = {}): LedgerRenderer {
  if (threads < 1) return renderHere;
  return pool(threads, { here: o.here ?? true, keep: false }) ?? renderHere;
}

/**
 * The running program's pool (`threads` workers, this thread printing nothing): workers start when there is work (or
 * warm-up) for them, sleep without holding the process open (unref'd) while idle, and a worker that dies is replaced
 * by a new one for the next ledger — its own ledgers fail with a message that says so. Prints in this thread only when
 * no worker can start at all (no script, no fonts, no threads).
 */
export function openKeptRenderer(threads = renderThreadsFor(3, false)): KeptLedgerRenderer {
  const here: KeptLedgerRenderer = { ...renderHere, print: printFileHere, warm: async () => {} };
  return pool(Math.max(1, threads), { here: false, keep: true }) ?? here;
}

const printFileHere = async (data: LedgerData, stamp: LedgerStamp | null, format: 'pdf' | 'xlsx') =>
  format === 'pdf' ? renderLedgerPdf(data, stamp) : renderLedgerXlsx(data, stamp);

async function renderHereAsked(t: Task): Promise<Files> {
  if (t.warm) return {};
  const [pdf, xlsx] = await Promise.all([t.pdf ? renderLedgerPdf(t.data, t.stamp) : undefined, t.xlsx ? renderLedgerXlsx(t.data, t.stamp) : undefined]);
  return { pdf, xlsx };
}

function pool(threads: number, o: { here: boolean; keep: boolean }): KeptLedgerRenderer | null {
  let fontDir: string;
  try {
    fontDir = pdfFontDir();
  } catch {
    return null; // it will fail the first render with the same message, in this thread
  }
  const { here, keep } = o;
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let closed = false;
  let nextId = 1;
  let fallback = false;
  let busyHere = false;

  const printHere = (t: Task) => {
    t.taken?.();
    busyHere = true;
    renderHereAsked(t).then(t.resolve, t.reject).finally(() => {
      busyHere = false;
      dispatch();
    });
  };
  /** An idle worker does not keep the process alive (tests and the CLI exit; the app quits); one printing a call's ledger does. */
  const holdWhileBusy = (s: Slot) => {
    if (!keep) return;
    if (s.tasks.some((h) => !h.task.warm)) s.worker.ref();
    else s.worker.unref();
  };
  const hand = (s: Slot, t: Task) => {
    t.taken?.();
    // With `here`, the worker prints the stamped PDF and this thread writes the XLSX meanwhile.
    const xlsxHere = here && t.xlsx && !t.warm;
    s.worker.postMessage({ id: t.id, data: t.data, stamp: t.stamp, pdf: t.pdf, xlsx: xlsxHere ? false : t.xlsx,
      ...(t.warm ? { warm: t.warm } : {}) } satisfies RenderRequest);
    const xlsx = xlsxHere ? renderLedgerXlsx(t.data, t.stamp) : null;
    xlsx?.catch(() => {}); // delivered with the PDF's reply
    s.tasks.push({ task: t, xlsx });
    holdWhileBusy(s);
  };
  const dispatch = () => {
    if (closed) return;
    // A kept pool starts a worker when every one it has is full (or it has none: the first, or the one that died).
    if (keep && !fallback && queue.length && slots.length < threads && slots.every((s) => s.tasks.length >= PER_WORKER)) start();
    for (const s of slots) {
      while (s.tasks.length < PER_WORKER && queue.length) hand(s, queue.shift()!);
    }
    // This thread takes one when it is free (and everything when no worker could start).
    if (queue.length && !busyHere && (here || !slots.length)) printHere(queue.shift()!);
  };

  const start = () => {
    let worker: Worker;
    try {
      worker = startRenderWorker({ workerData: { fontDir } });
    } catch (e) {
      noteFallback(e);
      return;
    }
    const s: Slot = { worker, ready: false, tasks: [], error: null, printed: 0, warmed: false };
    slots.push(s);
    holdWhileBusy(s);
    worker.on('message', (m: RenderReply) => {
      if ('ready' in m) {
        s.ready = true;
        return;
      }
      const at = s.tasks.findIndex((h) => h.task.id === m.id);
      if (at < 0) return;
      const [{ task: t, xlsx }] = s.tasks.splice(at, 1);
      if (t.warm) s.warmed = true;
      else if (++s.printed >= WARM_AFTER) s.warmed = true;
      holdWhileBusy(s);
      if ('error' in m) t.reject(errorOf(m.error));
      else if (xlsx) xlsx.then((x) => t.resolve({ pdf: m.pdf && asBuffer(m.pdf), xlsx: x }), t.reject);
      else if (t.xlsx && !t.warm && !m.xlsx) t.reject(new AppError('internal', `Поток печати ведомостей не вернул XLSX ведомости класса ${t.data.class.name}`));
      else if (t.pdf && !t.warm && !m.pdf) t.reject(new AppError('internal', `Поток печати ведомостей не вернул PDF ведомости класса ${t.data.class.name}`));
      else t.resolve({ pdf: m.pdf && asBuffer(m.pdf), xlsx: m.xlsx && asBuffer(m.xlsx) });
      dispatch();
    });
    worker.on('error', (e) => {
      s.error = e;
    });
    worker.on('exit', (code) => {
      slots.splice(slots.indexOf(s), 1);
      const tasks = s.tasks.splice(0).map((h) => h.task);
      if (closed) {
        for (const t of tasks) t.reject(new CancelledError());
        return;
      }
      if (!s.ready) {
        // It never started: its ledgers go back to the queue, for another worker or this thread.
        noteFallback(s.error ?? new Error(`render worker exited with code ${code} before it started`));
        queue.unshift(...tasks);
      } else {
        logError(`[ledgers] a render worker died (exit code ${code}):`, s.error ?? '');
        for (const t of tasks) {
          t.reject(new AppError('internal', `Поток печати ведомостей завершился аварийно при печати ведомости класса ${t.data.class.name}: `
            + `${s.error?.message ?? `код ${code}`}. Ничего не записано; повторите — печать начнётся в новом потоке`));
        }
      }
      dispatch();
    });
  };

  const noteFallback = (e: unknown) => {
    if (fallback) return;
    fallback = true;
    logError('[ledgers] a render worker could not start; printing in the main thread:', e);
  };

  const enqueue = (t: Omit<Task, 'id' | 'resolve' | 'reject'>, ro: RenderOptions = {}) => {
    if (closed || ro.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<Files>((resolve, reject) => {
      const task: Task = { ...t, id: nextId++, resolve, reject };
      if (ro.urgent) queue.unshift(task);
      else queue.push(task);
      // dropped, if still waiting, when the caller no longer wants it
      const signal = ro.signal;
      if (signal) {
        const drop = () => {
          const at = queue.indexOf(task);
          if (at >= 0) {
            queue.splice(at, 1);
            reject(new CancelledError());
          }
        };
        signal.addEventListener('abort', drop, { once: true });
        task.taken = () => signal.removeEventListener('abort', drop);
      }
      dispatch();
    });
  };

  let warming: Promise<void> | null = null;
  if (!keep) for (let i = 0; i < threads; i++) start();
  return {
    get threads() {
      return slots.length;
    },
    get capacity() {
      // a kept pool counts the workers it may start, not only those it has now
      if (keep) return fallback && !slots.length ? 1 : threads * PER_WORKER;
      return slots.length * PER_WORKER + (here || !slots.length ? 1 : 0);
    },
    async render(data, stamp, ro) {
      const r = await enqueue({ data, stamp, pdf: true, xlsx: true }, ro);
      return { pdf: r.pdf!, xlsx: r.xlsx! };
    },
    async print(data, stamp, format, ro) {
      const r = await enqueue({ data, stamp, pdf: format === 'pdf', xlsx: format === 'xlsx' }, ro);
      return (format === 'pdf' ? r.pdf : r.xlsx)!;
    },
    warm(data) {
      if (closed || fallback) return Promise.resolve();
      while (slots.length < threads && !fallback) {
        const before = slots.length;
        start();
        if (slots.length === before) break;
      }
      const cold = slots.filter((s) => !s.warmed && !s.tasks.some((h) => h.task.warm));
      if (!cold.length) return warming ?? Promise.resolve();
      let ledger: LedgerData;
      try {
        ledger = data();
      } catch (e) {
        logError('[ledgers] the render worker was not warmed:', e);
        return Promise.resolve();
      }
      const stamp: LedgerStamp = { code: '00000000-v1', version: 1, sha256: '0'.repeat(64), sealedAt: new Date(0).toISOString(), signer: null };
      warming = Promise.all(cold.map((s) => new Promise<void>((done) => {
        // handed to its worker at once, beside whatever it has: a warm-up waits in no queue
        hand(s, { id: nextId++, data: ledger, stamp, pdf: true, xlsx: true, warm: WARM_RENDERS, resolve: () => done(), reject: () => done() });
      }))).then(() => {});
      return warming;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of queue.splice(0)) t.reject(new CancelledError());
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
