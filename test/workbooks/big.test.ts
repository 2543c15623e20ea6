// A 200,000-row journal is read through with bounded memory: the reader streams, it never holds the sheet. Counting
// every mark also guards against exceljs splitting a Cyrillic letter between two chunks (see fromUtf8Bytes).
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { sheetRows } from '../../main/workbooks/read.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBigJournal } from './make.ts';

it('200,000 rows: every row read, RSS growth under 150 MB', async () => {
  const dir = tempDir();
  // one mark column keeps the run short (it shares two cores with the rest of the suite); rows are what is measured
  const file = await writeBigJournal(path.join(dir, 'big.xlsx'), 200_000, ['Математика'], ['Годовая']);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  let rows = 0;
  let marks = 0;
  for await (const events of sheetRows(file)) for (const ev of events) {
    if (ev.type !== 'row') continue;
    rows++;
    for (const [f, c] of Object.entries(ev.row.cells)) if (f.startsWith('mark:') && c.value) marks++;
    if (rows % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  fs.rmSync(dir, { recursive: true, force: true });
  expect(rows).toBe(200_000);
  expect(marks).toBe(200_000);
  expect((peak - before) / 1024 ** 2).toBeLessThan(150);
}, 120_000);
