// A render worker: a thread that prints sealed ledgers' stamped PDFs for the year-end close, beside the main thread,
// which builds, signs, writes the XLSX and stores the classes (render-pool.ts); what crosses is render.ts's. Asked
// for the XLSX too (the running program, whose main thread prints nothing), it writes that as well, loading exceljs
// then. It prints the ledgers it is given one after another, in the order given.
import { parentPort, workerData } from 'node:worker_threads';
import { pdfFontDir } from '../shared/pdf.ts';
import { renderLedgerPdf } from './pdf.ts';
import { replyOf, type RenderRequest } from './render.ts';

// The fonts are where the main thread found them (inside app.asar once packed). A worker that cannot see them
// fails before it says it is ready, so the main thread prints instead (render-pool.ts).
if (typeof workerData?.fontDir === 'string') process.env.SCHOOL_REGISTER_FONTS_DIR = workerData.fontDir;
pdfFontDir();

const port = parentPort!;
let last: Promise<unknown> = Promise.resolve();
port.on('message', (m: RenderRequest) => {
  last = last.then(async () => {
    const pdf = await renderLedgerPdf(m.data, m.stamp);
    if (!m.xlsx) return pdf;
    const { renderLedgerXlsx } = await import('./xlsx.ts');
    return { pdf, xlsx: await renderLedgerXlsx(m.data, m.stamp) };
  }).then(
    (r) => {
      const { reply, transfer } = replyOf(m.id, r);
      port.postMessage(reply, transfer);
    },
    (e: unknown) => port.postMessage(replyOf(m.id, e).reply),
  );
});
port.postMessage({ ready: true });
