// The messages by which a render worker (render-worker.ts) is asked for a sealed ledger's PDF and answers: plain
// data in, bytes out, errors as data. Nothing here loads pdfmake or exceljs: the worker loads only what it prints.
import { AppError } from '../shared/errors.ts';
import type { LedgerData, LedgerStamp } from './model.ts';

export type RenderRequest = { id: number; data: LedgerData; stamp: LedgerStamp };
type WireError = { name: string; message: string; stack?: string; code?: AppError['code']; fields?: Record<string, string> };
export type RenderReply =
  | { ready: true }
  | { id: number; pdf: Uint8Array }
  | { id: number; error: WireError };

/** A worker's answer: the PDF (its memory moved, not copied, when the buffer owns it whole), or the error as data. */
export function replyOf(id: number, r: Buffer | unknown): { reply: RenderReply; transfer: ArrayBuffer[] } {
  if (Buffer.isBuffer(r)) {
    const whole = r.byteOffset === 0 && r.byteLength === r.buffer.byteLength;
    return { reply: { id, pdf: r }, transfer: whole ? [r.buffer as ArrayBuffer] : [] };
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
