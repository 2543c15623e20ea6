// The messages by which a render worker (render-worker.ts) is asked for a sealed ledger's PDF (and its XLSX, when the
// main thread is to print nothing) and answers: plain data in, bytes out, errors as data. Nothing here loads pdfmake or exceljs: the worker loads only what it prints.
import { AppError } from '../shared/errors.ts';
import type { LedgerData, LedgerStamp } from './model.ts';

export type RenderRequest = { id: number; data: LedgerData; stamp: LedgerStamp; xlsx?: boolean };
type WireError = { name: string; message: string; stack?: string; code?: AppError['code']; fields?: Record<string, string> };
export type RenderReply =
  | { ready: true }
  | { id: number; pdf: Uint8Array; xlsx?: Uint8Array }
  | { id: number; error: WireError };

/** A worker's answer: the PDF, or the PDF and the XLSX (their memory moved, not copied, when a buffer owns it whole),
 *  or the error as data. */
export function replyOf(id: number, r: Buffer | { pdf: Buffer; xlsx: Buffer } | unknown): { reply: RenderReply; transfer: ArrayBuffer[] } {
  const moved = (b: Buffer) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? [b.buffer as ArrayBuffer] : []);
  if (Buffer.isBuffer(r)) return { reply: { id, pdf: r }, transfer: moved(r) };
  const both = r as { pdf?: unknown; xlsx?: unknown } | null;
  if (both && Buffer.isBuffer(both.pdf) && Buffer.isBuffer(both.xlsx)) {
    return { reply: { id, pdf: both.pdf, xlsx: both.xlsx }, transfer: [...moved(both.pdf), ...moved(both.xlsx)] };
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
