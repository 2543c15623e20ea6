// The school's staff.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { createStaff, listStaff, updateStaff } from './staff.ts';

export const staffHandlers = defineHandlers({
  'staff.list': query(({ db }) => listStaff(db)),
  'staff.create': command(({ db }, a) => createStaff(db, a)),
  'staff.update': command(({ db }, a) => updateStaff(db, a.id, a.data)),
});
