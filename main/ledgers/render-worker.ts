// A render worker: a thread that prints ledgers beside the main thread — the stamped PDFs of the year-end close, whose
// main thread builds, signs, writes the XLSX and stores the classes (render-pool.ts), and in the running program every
// PDF and XLSX of the close, a seal and a draft's printout, kept warm between calls; what crosses is render.ts's. It
// loads exceljs only when first asked for an XLSX, and prints the ledgers it is given one after another, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { pdfFontDir } from '../shared/pdf.ts';
import type { LedgerData, LedgerStamp } from './model.ts';
import { renderLedgerPdf } from './pdf.ts';
import { replyOf, type RenderRequest } from './render.ts';

// The fonts are where the main thread found them (inside app.asar once packed). A worker that cannot see them
// fails before it says it is ready, so the main thread prints instead (render-pool.ts).
if (typeof workerData?.fontDir === 'string') process.env.SCHOOL_REGISTER_FONTS_DIR = workerData.fontDir;
pdfFontDir();

async function print(m: { data: LedgerData; stamp: LedgerStamp | null; pdf: boolean; xlsx: boolean }): Promise<{ pdf?: Buffer; xlsx?: Buffer }> {
  const pdf = m.pdf ? await renderLedgerPdf(m.data, m.stamp) : undefined;
  if (!m.xlsx) return { pdf };
  const { renderLedgerXlsx } = await import('./xlsx.ts');
  return { pdf, xlsx: await renderLedgerXlsx(m.data, m.stamp) };
}

const port = parentPort!;
let last: Promise<unknown> = Promise.resolve();
port.on('message', (m: RenderRequest) => {
  last = last.then(async () => {
    // A test's way to see a worker die while printing (test/ledgers/close-off-thread.test.ts).
    if (process.env.SCHOOL_REGISTER_TEST_KILL === `render-worker:${m.data.class.name} ${m.data.year}`) process.exit(70);
    if (!m.warm) return print(m);
    // Warming: V8 compiles pdfmake's and exceljs's hot code only after a few runs (the first PDFs take 3–5× a warm one).
    for (let i = 0; i < m.warm; i++) await print(m);
    return {};
  }).then(
    (r) => {
      const { reply, transfer } = replyOf(m.id, r);
      port.postMessage(reply, transfer);
    },
    (e: unknown) => port.postMessage(replyOf(m.id, e).reply),
  );
});
port.postMessage({ ready: true });
