// The year-end close prints on worker threads: pdfmake and exceljs are most of its time and run one thread each,
// so a small pool of render workers (render-worker.ts) prints classes side by side while the main thread builds,
// signs and stores. What crosses is plain data: a LedgerData and its stamp in, the PDF and XLSX bytes out, and an
// error as the same AppError (code, message) the main thread would have thrown. Workers that cannot start (no
// script, no threads) leave the work to this thread; a worker that dies while printing fails that ledger.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../host/jobs.ts';
import { AppError } from '../shared/errors.ts';
import { logError } from '../shared/log.ts';
import { pdfFontDir } from '../shared/pdf.ts';
import type { LedgerData, LedgerStamp } from './model.ts';
import { asBuffer, errorOf, renderLedgerFiles, type RenderedLedger, type RenderReply, type RenderRequest } from './render.ts';
import { startRenderWorker } from './render-worker-entry.ts';

export type LedgerRenderer = {
  /** How many worker threads print; 0: this thread does. */
  readonly threads: number;
  render(data: LedgerData, stamp: LedgerStamp): Promise<RenderedLedger>;
  /** Stops the workers at once; whatever they were printing is rejected (CancelledError) and never delivered. */
  close(): Promise<void>;
};

/** Prints in this thread. */
export const renderHere: LedgerRenderer = { threads: 0, render: renderLedgerFiles, close: async () => {} };

/** The workers worth starting for `ledgers` ledgers: one per core, at most 3; none for a couple of ledgers (a
 *  worker's start costs about one ledger) or on a single core. */
export function renderThreadsFor(ledgers: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores < 2 || ledgers < 3 ? 0 : Math.min(3, cores, ledgers);
}

type Task = { id: number; data: LedgerData; stamp: LedgerStamp; resolve: (r: RenderedLedger) => void; reject: (e: Error) => void };
type Slot = { worker: Worker; ready: boolean; task: Task | null; error: Error | null };

/** A pool of `threads` render workers (renderHere when 0). Each worker prints one ledger at a time, in the order asked. */
export function openRenderPool(threads: number): LedgerRenderer {
  if (threads < 1) return renderHere;
  let fontDir: string;
  try {
    fontDir = pdfFontDir();
  } catch {
    return renderHere; // it will fail the first render with the same message, in this thread
  }
  const queue: Task[] = [];
  const slots: Slot[] = [];
  let closed = false;
  let nextId = 1;
  let fallback = false;

  const dispatch = () => {
    for (const s of slots) {
      if (s.task || !queue.length) continue;
      const t = queue.shift()!;
      s.task = t;
      s.worker.postMessage({ id: t.id, data: t.data, stamp: t.stamp } satisfies RenderRequest);
    }
    if (!slots.length && !closed) {
      // No worker could start: print here, one after another, as a plain close would.
      for (const t of queue.splice(0)) renderLedgerFiles(t.data, t.stamp).then(t.resolve, t.reject);
    }
  };

  const start = () => {
    let worker: Worker;
    try {
      worker = startRenderWorker({ workerData: { fontDir } });
    } catch (e) {
      noteFallback(e);
      return;
    }
    const s: Slot = { worker, ready: false, task: null, error: null };
    slots.push(s);
    worker.on('message', (m: RenderReply) => {
      if ('ready' in m) {
        s.ready = true;
        return;
      }
      const t = s.task;
      s.task = null;
      if (t && t.id === m.id) {
        if ('error' in m) t.reject(errorOf(m.error));
        else t.resolve({ pdf: asBuffer(m.pdf), xlsx: asBuffer(m.xlsx) });
      }
      dispatch();
    });
    worker.on('error', (e) => {
      s.error = e;
    });
    worker.on('exit', (code) => {
      slots.splice(slots.indexOf(s), 1);
      const t = s.task;
      s.task = null;
      if (closed) {
        t?.reject(new CancelledError());
        return;
      }
      if (!s.ready) {
        // It never started: its ledger goes back to the queue, for another worker or this thread.
        noteFallback(s.error ?? new Error(`render worker exited with code ${code} before it started`));
        if (t) queue.unshift(t);
      } else if (t) {
        t.reject(new AppError('internal', `Поток печати ведомостей завершился аварийно при печати ведомости класса ${t.data.class.name}: ${s.error?.message ?? `код ${code}`}`));
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
