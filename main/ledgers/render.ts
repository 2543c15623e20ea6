// A sealed ledger's printouts, the stamped PDF and the XLSX, rendered in this thread; and the messages by which a
// render worker (render-worker.ts) is asked for them and answers: plain data in, bytes out, errors as data.
import { AppError } from '../shared/errors.ts';
import type { LedgerData, LedgerStamp } from './model.ts';
import { renderLedgerPdf } from './pdf.ts';
import { renderLedgerXlsx } from './xlsx.ts';

export type RenderedLedger = { pdf: Buffer; xlsx: Buffer };

export async function renderLedgerFiles(data: LedgerData, stamp: LedgerStamp): Promise<RenderedLedger> {
  const [pdf, xlsx] = await Promise.all([renderLedgerPdf(data, stamp), renderLedgerXlsx(data, stamp)]);
  return { pdf, xlsx };
}

export type RenderRequest = { id: number; data: LedgerData; stamp: LedgerStamp };
type WireError = { name: string; message: string; stack?: string; code?: AppError['code']; fields?: Record<string, string> };
export type RenderReply =
  | { ready: true }
  | { id: number; pdf: Uint8Array; xlsx: Uint8Array }
  | { id: number; error: WireError };

/** A worker's answer: the bytes (their memory moved, not copied, when a buffer owns it whole), or the error as data. */
export function replyOf(id: number, r: RenderedLedger | unknown): { reply: RenderReply; transfer: ArrayBuffer[] } {
  if (r && typeof r === 'object' && 'pdf' in r && 'xlsx' in r && Buffer.isBuffer(r.pdf) && Buffer.isBuffer(r.xlsx)) {
    const own = (b: Buffer) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? [b.buffer as ArrayBuffer] : []);
    return { reply: { id, pdf: r.pdf, xlsx: r.xlsx }, transfer: [...own(r.pdf), ...own(r.xlsx)] };
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
