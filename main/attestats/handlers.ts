// Final marks for attestats (issue 17): computed by the rule set of the class's year, previewed, then written into the
// ledger's `final` slot (in dispatch's transaction, audited by dispatch with the rule set's id among the arguments).
import { defineHandlers, command, ownCommand, query, signedIn } from '../shared/handler.ts';
import { blankPreview, calibrationPdf, classBlanks, listCalibrations, printClass, reprintBlank, setCalibration } from './prints.ts';
import { applyFinals, computeFinals, decideHonours } from './finals.ts';

export const attestatsHandlers = defineHandlers({
  'attestats.computeFinals': query(({ db }, a) => computeFinals(db, a.classId)),
  'attestats.applyFinals': command(({ db }, a) => applyFinals(db, a.classId, a.ruleSetId)),
  'attestats.decideHonours': command(({ db, user }, a) => decideHonours(db, a, signedIn(user).login)),
  'attestats.classBlanks': query(({ db }, a) => classBlanks(db, a.classId)),
  'attestats.blankPreview': query(({ db }, a) => blankPreview(db, a)),
  // printing renders (async): blanks are taken and audited in a transaction of its own, each appendix registered by printouts
  'attestats.printClass': ownCommand(({ db, user }, a) => printClass(db, a, signedIn(user))),
  'attestats.reprint': ownCommand(({ db, user }, a) => reprintBlank(db, a, signedIn(user))),
  'attestats.calibrations': query(({ db }) => listCalibrations(db)),
  'attestats.setCalibration': command(({ db, user }, a) => setCalibration(db, a, signedIn(user).login)),
  'attestats.calibrationPage': query(({ db }, a) => calibrationPdf(db, a.printer, a.layoutId)),
});
