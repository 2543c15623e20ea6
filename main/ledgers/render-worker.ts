// A render worker: a thread that prints sealed ledgers — the stamped PDF and the XLSX — for the year-end close,
// while the main thread builds, signs and stores the other classes (render-pool.ts); what crosses is render.ts's. One ledger at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { renderLedgerFiles, replyOf, type RenderRequest } from './render.ts';

// The fonts are where the main thread found them (inside app.asar once packed).
if (typeof workerData?.fontDir === 'string') process.env.SCHOOL_REGISTER_FONTS_DIR = workerData.fontDir;

const port = parentPort!;
port.on('message', (m: RenderRequest) => {
  renderLedgerFiles(m.data, m.stamp).then(
    (r) => {
      const { reply, transfer } = replyOf(m.id, r);
      port.postMessage(reply, transfer);
    },
    (e: unknown) => port.postMessage(replyOf(m.id, e).reply),
  );
});
port.postMessage({ ready: true });
