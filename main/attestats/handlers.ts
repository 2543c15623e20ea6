// Final marks for attestats (issue 17): computed by the rule set of the class's year, previewed, then written into the
// ledger's `final` slot (in dispatch's transaction, audited by dispatch with the rule set's id among the arguments).
import { defineHandlers, command, query, signedIn } from '../shared/handler.ts';
import { applyFinals, computeFinals, decideHonours } from './finals.ts';

export const attestatsHandlers = defineHandlers({
  'attestats.computeFinals': query(({ db }, a) => computeFinals(db, a.classId)),
  'attestats.applyFinals': command(({ db }, a) => applyFinals(db, a.classId, a.ruleSetId)),
  'attestats.decideHonours': command(({ db, user }, a) => decideHonours(db, a, signedIn(user).login)),
});
