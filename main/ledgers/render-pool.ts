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

export type LedgerRenderer = {
  /** How many worker threads print (0: only this thread). */
  readonly threads: number;
  /** How many ledgers are worth handing over at once: enough to keep every printer busy (0: one at a time, here). */
  readonly capacity: number;
  render(data: LedgerData, stamp: LedgerStamp): Promise<RenderedLedger>;
  /** Stops the workers at once; whatever they were printing is rejected (CancelledError) and never delivered. */
  close(): Promise<void>;
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

type Task = { id: number; data: LedgerData; stamp: LedgerStamp; resolve: (r: RenderedLedger) => void; reject: (e: Error) => void };
/** A ledger handed to a worker, its XLSX being written here meanwhile (null: the worker writes it too). */
type Handed = { task: Task; xlsx: Promise<Buffer> | null };
type Slot = { worker: Worker; ready: boolean; tasks: Handed[]; error: Error | null };
/** Ledgers handed to a worker at once: it starts the next as soon as one is done, even while this thread is busy. */
const PER_WORKER = 2;

/**
 * A pool of `threads` render workers (renderHere when 0), with this thread printing too unless `here` is false; with
 * `here` false the workers write the XLSX too, and this thread renders nothing (unless no worker could start).
 * Each worker prints the ledgers it is given one after another; each ledger goes to whoever is free first.
 */
export function openRenderPool(threads: number, o: { here?: boolean } = {}): LedgerRenderer {
  if (threads < 1) return renderHere;
  let fontDir: string;
  try {
    fontDir = pdfFontDir();
  } catch {
    return renderHere; // it will fail the first render with the same message, in this thread
  }
  const here = o.here ?? true;
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let closed = false;
  let nextId = 1;
  let fallback = false;
  let busyHere = false;

  const printHere = (t: Task) => {
    busyHere = true;
    renderLedgerFiles(t.data, t.stamp).then(t.resolve, t.reject).finally(() => {
      busyHere = false;
      dispatch();
    });
  };
  const dispatch = () => {
    if (closed) return;
    for (const s of slots) {
      while (s.tasks.length < PER_WORKER && queue.length) {
        const t = queue.shift()!;
        s.worker.postMessage({ id: t.id, data: t.data, stamp: t.stamp, ...(here ? {} : { xlsx: true }) } satisfies RenderRequest);
        const xlsx = here ? renderLedgerXlsx(t.data, t.stamp) : null;
        xlsx?.catch(() => {}); // delivered with the PDF's reply
        s.tasks.push({ task: t, xlsx });
      }
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
    const s: Slot = { worker, ready: false, tasks: [], error: null };
    slots.push(s);
    worker.on('message', (m: RenderReply) => {
      if ('ready' in m) {
        s.ready = true;
        return;
      }
      const at = s.tasks.findIndex((h) => h.task.id === m.id);
      if (at < 0) return;
      const [{ task: t, xlsx }] = s.tasks.splice(at, 1);
      if ('error' in m) t.reject(errorOf(m.error));
      else if (m.xlsx) t.resolve({ pdf: asBuffer(m.pdf), xlsx: asBuffer(m.xlsx) });
      else if (xlsx) xlsx.then((x) => t.resolve({ pdf: asBuffer(m.pdf), xlsx: x }), t.reject);
      else t.reject(new AppError('internal', `Поток печати ведомостей не вернул XLSX ведомости класса ${t.data.class.name}`));
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
        for (const t of tasks) {
          t.reject(new AppError('internal', `Поток печати ведомостей завершился аварийно при печати ведомости класса ${t.data.class.name}: ${s.error?.message ?? `код ${code}`}`));
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

  for (let i = 0; i < threads; i++) start();
  return {
    get threads() {
      return slots.length;
    },
    get capacity() {
      return slots.length * PER_WORKER + (here || !slots.length ? 1 : 0);
    },
    render(data, stamp) {
      if (closed) return Promise.reject(new CancelledError());
      return new Promise<RenderedLedger>((resolve, reject) => {
        queue.push({ id: nextId++, data, stamp, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of queue.splice(0)) t.reject(new CancelledError());
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
