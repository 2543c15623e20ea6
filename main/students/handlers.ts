// Students' cards.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { enrol } from '../movement/orders.ts';
import { createStudent, getStudent, searchStudents, updateStudent } from './students.ts';

export const studentsHandlers = defineHandlers({
  'students.search': query(({ db }, a) => searchStudents(db, a)),
  'students.get': query(({ db }, a) => getStudent(db, a.id)),
  // With an enrolment: the card and its order in dispatch's one transaction, so a refused enrolment leaves no student.
  'students.create': command(({ db }, a) => {
    const { enrolment, ...card } = a;
    const s = createStudent(db, card);
    if (!enrolment) return s;
    enrol(db, { ...enrolment, studentId: s.id });
    return getStudent(db, s.id);
  }),
  'students.update': command(({ db }, a) => updateStudent(db, a.id, a.data, a.version)),
});
