// State-exam results (ОГЭ, ЕГЭ, ГВЭ).
import { defineHandlers, command, query } from '../shared/handler.ts';
import { addStateExam, listStateExams, removeStateExam, updateStateExam } from './results.ts';

export const stateExamsHandlers = defineHandlers({
  'exams.results': query(({ db }, a) => listStateExams(db, a)),
  'exams.addResult': command(({ db }, a) => addStateExam(db, a)),
  'exams.updateResult': command(({ db }, a) => updateStateExam(db, a.id, a.data)),
  'exams.removeResult': command(({ db }, a) => removeStateExam(db, a.id)),
});
