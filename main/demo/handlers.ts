// A realistic sample school, for trying the program out.
import { defineHandlers, job, signedIn } from '../shared/handler.ts';
import { generateDemo } from './generate.ts';

export const demoHandlers = defineHandlers({
  // It writes in chunked transactions of its own while it holds the register; it audits itself.
  'demo.generate': job({ writes: true, exclusive: true }, ({ db, user }, a) => {
    const by = signedIn(user).login;
    // as a school has it today: the previous year closed and complete, the current one marked up to today's period
    return { jobKind: 'demo', work: (p) => generateDemo(db, { students: a.students, seed: a.seed, by, currentYearMarks: 'to-today' }, p) };
  }),
});
