// A minimal DER reader that hands back exact byte ranges: a certificate's signature covers its TBS bytes as they are
// in the file, so they are sliced, never re-encoded. Definite lengths only (DER).

export type Tlv = {
  /** the identifier octet: class, constructed bit and tag number (low tag numbers only) */
  tag: number;
  /** offset of the identifier octet */
  start: number;
  /** offset of the contents */
  contentStart: number;
  /** offset just past the element */
  end: number;
};

export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: high tag number');
  let len = buf[offset + 1];
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new Error('DER: truncated');
  return { tag, start: offset, contentStart: p, end: p + len };
}

/** The elements inside a constructed element. */
export function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.contentStart; p < t.end;) {
    const c = readTlv(buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const bytesOf = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end);
export const contentOf = (buf: Buffer, t: Tlv) => buf.subarray(t.contentStart, t.end);

/** Dotted text of an OBJECT IDENTIFIER's contents. */
export function oidText(content: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  if (!parts.length) return '';
  const first = parts[0] < 40 ? 0 : parts[0] < 80 ? 1 : 2;
  return [first, parts[0] - first * 40, ...parts.slice(1)].join('.');
}

export const TAG = { BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, OID: 0x06, SEQUENCE: 0x30, SET: 0x31 } as const;
