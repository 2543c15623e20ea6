// The messages by which a render worker (render-worker.ts) is asked for a ledger's PDF, its XLSX or both (sealed, with
// its stamp, or a draft, without) and answers: plain data in, bytes out, errors as data. `warm`: render it that many
// times and answer with nothing (the kept worker's warm-up, render-pool.ts). Nothing here loads pdfmake or exceljs: the
// worker loads only what it prints.
import { AppError } from '../shared/errors.ts';
import type { LedgerData, LedgerStamp } from './model.ts';

export type RenderRequest = { id: number; data: LedgerData; stamp: LedgerStamp | null; pdf: boolean; xlsx: boolean; warm?: number };
type WireError = { name: string; message: string; stack?: string; code?: AppError['code']; fields?: Record<string, string> };
export type RenderReply =
  | { ready: true }
  | { id: number; pdf?: Uint8Array; xlsx?: Uint8Array }
  | { id: number; error: WireError };

/** A worker's answer: the files asked for, {} for a warm-up (their memory moved, not copied, when a buffer owns it
 *  whole), or the error as data. */
export function replyOf(id: number, r: { pdf?: Buffer; xlsx?: Buffer } | unknown): { reply: RenderReply; transfer: ArrayBuffer[] } {
  const moved = (b: Buffer) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? [b.buffer as ArrayBuffer] : []);
  const files = r as { pdf?: unknown; xlsx?: unknown } | null;
  if (files && typeof files === 'object' && !(files instanceof Error) && [files.pdf, files.xlsx].every((b) => b === undefined || Buffer.isBuffer(b))) {
    const pdf = files.pdf as Buffer | undefined, xlsx = files.xlsx as Buffer | undefined;
    return { reply: { id, ...(pdf ? { pdf } : {}), ...(xlsx ? { xlsx } : {}) }, transfer: [...(pdf ? moved(pdf) : []), ...(xlsx ? moved(xlsx) : [])] };
  }
  const e = r instanceof Error ? r : new Error(String(r));
  const error: WireError = { name: e.name, message: e.message, stack: e.stack };
  if (e instanceof AppError) Object.assign(error, { code: e.code }, e.fields ? { fields: e.fields } : {});
  return { reply: { id, error }, transfer: [] };
}

const BUILT_IN: Record<string, ErrorConstructor> = { TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError };

/** The error a worker reported, as the one thrown in this thread would have been: an AppError stays one, a TypeError
 *  a TypeError; the stack is the worker's. */
export function errorOf(w: WireError): Error {
  const e = w.code ? new AppError(w.code, w.message, w.fields) : new (BUILT_IN[w.name] ?? Error)(w.message);
  if (!w.code && e.name !== w.name) e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

export const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
