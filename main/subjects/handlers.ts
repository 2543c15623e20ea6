// The subjects directory, with the codes of outside directories.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { createSubject, listSubjects, updateSubject } from './subjects.ts';

export const subjectsHandlers = defineHandlers({
  'subjects.list': query(({ db }) => listSubjects(db)),
  'subjects.create': command(({ db }, a) => createSubject(db, a)),
  'subjects.update': command(({ db }, a) => updateSubject(db, a.id, a.data)),
});
