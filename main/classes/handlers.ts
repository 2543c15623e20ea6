// Classes of a year, their students and curricula.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { classStudents } from '../students/students.ts';
import { listTemplates, seedTemplates, setTemplate } from './curriculum-templates.ts';
import { createClass, getCurriculum, getElectives, listClasses, setCurriculum, updateClass } from './classes.ts';

export const classesHandlers = defineHandlers({
  'classes.list': query(({ db }, a) => listClasses(db, a.yearId)),
  'classes.create': command(({ db }, a) => createClass(db, a)),
  'classes.update': command(({ db }, a) => updateClass(db, a)),
  'classes.students': query(({ db }, a) => classStudents(db, a.classId, { asOfYearEnd: a.asOfYearEnd })),
  'curriculum.get': query(({ db }, a) => getCurriculum(db, a.classId)),
  'curriculum.set': command(({ db }, a) => setCurriculum(db, a.classId, a.subjectIds, a.electiveSubjectIds)),
  'curriculum.electives': query(({ db }, a) => getElectives(db, a.classId)),
  'curriculum.templates': query(({ db }) => listTemplates(db)),
  'curriculum.setTemplate': command(({ db }, a) => setTemplate(db, a.grade, a.subjectIds)),
  'curriculum.seedTemplates': command(({ db }, a) => ({ seeded: seedTemplates(db, a.yearId) })),
});
