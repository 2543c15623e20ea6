// The running program's render worker, kept for as long as its register is open (issue 19): the year close, a seal and
// a draft's printout are printed there, never on the backend's thread, which answers the other users meanwhile; and it
// is warm, so a close does not pay a new thread's compile of pdfmake (its first PDFs take 3–5× a warm one) every time.
// It is started and warmed when «Ведомости» is opened (ledgers.list: the seal, the printouts and the close are asked
// from there) — not at the program's start: on two cores its ~3 s of CPU would share a core with the sign-in and the
// first screen, for users who may never print. The CLI prints in its own pool per command (render-pool.ts).
import type { DB } from '../../db/connection.ts';
import type { OpenRegister } from '../shared/open-register.ts';
import { buildLedger } from './build.ts';
import { openKeptRenderer, type KeptLedgerRenderer } from './render-pool.ts';

/** The open register's kept renderer, started on first use. */
export function keptRenderer(register: OpenRegister): KeptLedgerRenderer {
  return register.keep('ledgers.renderer', () => openKeptRenderer());
}

/** Warms the kept renderer on the year's first class (a real ledger: the same fonts, tables and code paths as the
 *  close's), in the background; once per worker. Nothing to warm on a year without classes. */
export function warmRenderer(register: OpenRegister, db: DB, classIds: number[]): void {
  if (classIds.length) void keptRenderer(register).warm(() => buildLedger(db, classIds[0]));
}
