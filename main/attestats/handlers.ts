// Final marks for attestats (issue 17): computed by the rule set of the class's year, previewed, then written into the
// ledger's `final` slot (in dispatch's transaction, audited by dispatch with the rule set's id among the arguments).
import { defineHandlers, command, job, ownCommand, query, signedIn } from '../shared/handler.ts';
import { blankPreview, calibrationPdf, classBlanks, listCalibrations, reprintBlank, startClassPrint, setCalibration } from './prints.ts';
import { applyFinals, computeFinals, decideHonours } from './finals.ts';
import { workplaceOf } from '../personal-data/read-log.ts';

export const attestatsHandlers = defineHandlers({
  'attestats.computeFinals': query(({ db }, a) => computeFinals(db, a.classId)),
  'attestats.applyFinals': command(({ db }, a) => applyFinals(db, a.classId, a.ruleSetId)),
  'attestats.decideHonours': command(({ db, user }, a) => decideHonours(db, a, signedIn(user).login)),
  'attestats.classBlanks': query(({ db }, a) => classBlanks(db, a.classId)),
  'attestats.blankPreview': query(({ db }, a) => blankPreview(db, a)),
  // A class's batch: refused before the job when it cannot be printed; the job renders every page, then takes all the
  // blanks, registers the appendices and audits in one transaction (a cancel before it leaves nothing taken). It holds
  // the register meanwhile, so the blanks and registration numbers it planned stay free; the PDF is the starter's.
  'attestats.printClass': job({ writes: true, exclusive: true }, (ctx, a) => {
    const work = startClassPrint(ctx.db, a, signedIn(ctx.user), workplaceOf(ctx));
    return { work: (p) => work(p), label: 'печать аттестатов', privateResult: true };
  }),
  // a reprint renders (async): the spoiled blank and the next one in a transaction of its own, the appendix registered by printouts
  'attestats.reprint': ownCommand((ctx, a) => reprintBlank(ctx.db, a, signedIn(ctx.user), workplaceOf(ctx))),
  // calibrations are the calling workstation's: its workplace as the read-access log names it
  'attestats.calibrations': query((ctx) => listCalibrations(ctx.db, workplaceOf(ctx))),
  'attestats.setCalibration': command((ctx, a) => setCalibration(ctx.db, workplaceOf(ctx), a, signedIn(ctx.user).login)),
  'attestats.calibrationPage': query((ctx, a) => calibrationPdf(ctx.db, workplaceOf(ctx), a.printer, a.layoutId)),
});
