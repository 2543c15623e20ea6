// A small reader of a zip, for xlsx.ts: its central directory (enough to refuse a zip bomb before any XML is parsed),
// a small part whole (workbook.xml, its rels, a sheet under the whole-sheet limit), a large one streamed.
import fs from 'node:fs';
import zlib from 'node:zlib';

export type ZipEntry = { name: string; method: number; compressedSize: number; size: number; localOffset: number };

export class ZipFormatError extends Error {}

const EOCD_SIG = 0x06054b50;
const CD_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

/** Reads the central directory (the zip's own table of contents) from the end of the file. */
export function readCentralDirectory(fd: number, fileSize: number): ZipEntry[] {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = Buffer.alloc(tailLen);
  fs.readSync(fd, tail, 0, tailLen, fileSize - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end of central directory');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) throw new ZipFormatError('zip64 is not expected in a journal workbook');
  if (cdOffset + cdSize > fileSize) throw new ZipFormatError('central directory beyond the end of the file');
  const cd = Buffer.alloc(cdSize);
  fs.readSync(fd, cd, 0, cdSize, cdOffset);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CD_SIG) throw new ZipFormatError('broken central directory');
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    entries.push({
      method: cd.readUInt16LE(p + 10), compressedSize: cd.readUInt32LE(p + 20), size: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42), name: cd.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function dataStart(fd: number, e: ZipEntry): number {
  const h = Buffer.alloc(30);
  fs.readSync(fd, h, 0, 30, e.localOffset);
  if (h.readUInt32LE(0) !== LOCAL_SIG) throw new ZipFormatError(`broken local header of ${e.name}`);
  return e.localOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
}

/** The whole of a small entry (callers check e.size first). */
export function readEntry(fd: number, e: ZipEntry): Buffer {
  const raw = Buffer.alloc(e.compressedSize);
  fs.readSync(fd, raw, 0, e.compressedSize, dataStart(fd, e));
  if (e.method === 0) return raw;
  if (e.method === 8) return zlib.inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
  throw new ZipFormatError(`compression method ${e.method} of ${e.name}`);
}

/** Streams an entry's text in chunks: bounded memory however large the sheet. */
export async function* streamEntryText(file: string, fd: number, e: ZipEntry, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const dec = new TextDecoder('utf-8');
  for await (const chunk of streamEntry(file, fd, e, onBytes)) yield dec.decode(chunk, { stream: true });
  const tail = dec.decode();
  if (tail) yield tail;
}

/** Streams an entry's UTF-8 bytes as Latin-1 text, one character a byte: for parseSheetData's `bytes`. */
export async function* streamEntryBytesAsText(file: string, fd: number, e: ZipEntry, onBytes?: (n: number) => void): AsyncGenerator<string> {
  for await (const chunk of streamEntry(file, fd, e, onBytes)) yield chunk.toString('latin1');
}

/** Streams an entry's bytes in chunks, inflated: for a scan that needs no text (a sheet's merges are ASCII). */
export async function* streamEntry(file: string, fd: number, e: ZipEntry, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const start = dataStart(fd, e);
  // large chunks: each is a round trip to the thread that inflates it, and a sheet is megabytes of XML
  const src = fs.createReadStream(file, { start, end: start + Math.max(e.compressedSize, 1) - 1, highWaterMark: 256 * 1024 });
  const stream = e.method === 8 ? src.pipe(zlib.createInflateRaw({ chunkSize: 256 * 1024 })) : src;
  src.on('error', (err) => stream.destroy(err));
  let out = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    out += chunk.length;
    onBytes?.(chunk.length);
    // the sizes were checked against the limits; a part that inflates past its declared size lies about it
    if (out > e.size) {
      stream.destroy();
      throw new ZipFormatError(`${e.name} inflates past its declared size`);
    }
    yield chunk;
  }
}
