// The one journal reader, sheetRows, as the tests like to read it: its events one at a time, or the layouts alone.
import { sheetRows, type JournalEvent, type ReadOptions, type SheetLayout } from '../../main/workbooks/read.ts';

export async function* journalEvents(file: string, opts: ReadOptions = {}): AsyncGenerator<JournalEvent> {
  for await (const events of sheetRows(file, opts)) yield* events;
}

/** The layouts a preview would show for correction, and the sheets skipped; rows are read and dropped. */
export async function detectLayouts(file: string, opts: ReadOptions = {}): Promise<{ layouts: SheetLayout[]; skipped: Array<{ sheet: string; reason: string }> }> {
  const layouts: SheetLayout[] = [];
  const skipped: Array<{ sheet: string; reason: string }> = [];
  for await (const ev of journalEvents(file, opts)) {
    if (ev.type === 'sheet') layouts.push(ev.layout);
    else if (ev.type === 'skipped') skipped.push({ sheet: ev.sheet, reason: ev.reason });
  }
  return { layouts, skipped };
}
