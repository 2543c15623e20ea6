// Students' cards.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { createStudent, getStudent, searchStudents, updateStudent } from './students.ts';

export const studentsHandlers = defineHandlers({
  'students.search': query(({ db }, a) => searchStudents(db, a)),
  'students.get': query(({ db }, a) => getStudent(db, a.id)),
  'students.create': command(({ db }, a) => createStudent(db, a)),
  'students.update': command(({ db }, a) => updateStudent(db, a.id, a.data)),
});
