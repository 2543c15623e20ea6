// Academic years and their periods.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { createYear, listYears } from './years.ts';

export const yearsHandlers = defineHandlers({
  'years.list': query(({ db }) => listYears(db)),
  'years.create': command(({ db }, a) => createYear(db, a)),
});
