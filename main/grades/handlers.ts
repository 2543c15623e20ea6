// Marks, attendance, exam subjects and the school's grading settings.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { classGrid, setAttendance, setExams, setMarks } from './grades.ts';
import { getSettings, setSettings } from './settings.ts';
import { refuseChangedElsewhere } from './unchanged.ts';

export const gradesHandlers = defineHandlers({
  'settings.get': query(({ db }) => getSettings(db)),
  'settings.set': command(({ db }, a) => setSettings(db, a)),
  'exams.set': command(({ db }, a) => setExams(db, a.classId, a.subjectIds)),
  'grades.grid': query(({ db }, a) => classGrid(db, a.classId, a.subjectId)),
  'grades.set': command(({ db }, a) => {
    refuseChangedElsewhere(db, a.classId, a.cells);
    return setMarks(db, a.classId, a.cells);
  }),
  'attendance.set': command(({ db }, a) => setAttendance(db, a.classId, a.rows)),
});
