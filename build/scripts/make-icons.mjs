#!/usr/bin/env node
// Draws build/icon.png (512×512) and build/icon.ico (256…16, PNG-compressed entries): a register book on blue.
// Plain Node (zlib), so no image tool is needed. The images are committed; run this only to change them.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BLUE = [0x1f, 0x4e, 0x8c];
const WHITE = [0xff, 0xff, 0xff];

// The picture as a function of a point in a 512×512 square: [r, g, b, a] or null for transparent.
function paint(x, y) {
  const r = 96;
  const cx = Math.min(Math.max(x, 16 + r), 496 - r);
  const cy = Math.min(Math.max(y, 16 + r), 496 - r);
  if (x < 16 || x > 496 || y < 16 || y > 496 || (x - cx) ** 2 + (y - cy) ** 2 > r * r) return null;
  const leftPage = x >= 96 && x <= 246 && y >= 150 - (x - 96) * 0.2 && y <= 430 - (x - 96) * 0.2;
  const rightPage = x >= 266 && x <= 416 && y >= 120 + (x - 266) * 0.2 && y <= 400 + (x - 266) * 0.2;
  if (!leftPage && !rightPage) return BLUE;
  // ruled lines on each page
  for (const base of [205, 265, 325]) {
    const lineY = leftPage ? base - (x - 96) * 0.2 : base - 18 + (x - 266) * 0.2;
    const inLine = leftPage ? x >= 126 && x <= 216 : x >= 296 && x <= 386;
    if (inLine && Math.abs(y - lineY) <= 7) return BLUE;
  }
  return WHITE;
}

function render(size, samples = 4) {
  const px = Buffer.alloc(size * size * 4);
  const scale = 512 / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = paint((i + (sx + 0.5) / samples) * scale, (j + (sy + 0.5) / samples) * scale);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const o = (j * size + i) * 4;
      if (a) {
        px[o] = Math.round(r / a); px[o + 1] = Math.round(g / a); px[o + 2] = Math.round(b / a);
        px[o + 3] = Math.round((255 * a) / (samples * samples));
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size) {
  const px = render(size);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) px.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ico(sizes) {
  const images = sizes.map(png);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((size, k) => {
    const e = 6 + 16 * k;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(images[k].length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += images[k].length;
  });
  return Buffer.concat([header, ...images]);
}

const dir = fileURLToPath(new URL('..', import.meta.url));
writeFileSync(`${dir}icon.png`, png(512));
writeFileSync(`${dir}icon.ico`, ico([256, 128, 64, 48, 32, 24, 16]));
console.log('wrote build/icon.png and build/icon.ico');
