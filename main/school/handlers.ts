// The school's profile.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { getSchool, updateSchool } from './profile.ts';
import { startChecklist } from './checklist.ts';

export const schoolHandlers = defineHandlers({
  'school.get': query(({ db }) => getSchool(db)),
  'school.update': command(({ db }, a) => updateSchool(db, a)),
  'register.checklist': query(({ db }) => startChecklist(db)),
});
