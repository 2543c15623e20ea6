// Academic years and their periods.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { createYear, listYears } from './years.ts';
import { openNextYear, previewNextYear } from './next-year.ts';

export const yearsHandlers = defineHandlers({
  'years.list': query(({ db }) => listYears(db)),
  'years.create': command(({ db }, a) => createYear(db, a)),
  'years.nextPreview': query(({ db }, a) => previewNextYear(db, a)),
  'years.openNext': command(({ db }, a) => openNextYear(db, a)),
});
