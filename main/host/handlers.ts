// Every contract method bound to the capability that answers it. Each capability declares its own handlers
// (main/<capability>/handlers.ts); here they become one table. The compiler refuses a method no one handles, a method
// two capabilities handle and a handler of the wrong kind (main/shared/handler.ts); the same is checked again at start.
import { contract, type Method } from '../../preload/contract.ts';
import { defineHandlers, mergeHandlers, query, sessionCommand, type Handlers } from '../shared/handler.ts';
import { alphabetBookHandlers } from '../alphabet-book/handlers.ts';
import { attestatsHandlers } from '../attestats/handlers.ts';
import { auditHandlers } from '../audit/handlers.ts';
import { backupHandlers } from '../backup/handlers.ts';
import { classesHandlers } from '../classes/handlers.ts';
import { demoHandlers } from '../demo/handlers.ts';
import { gradesHandlers } from '../grades/handlers.ts';
import { ledgersHandlers } from '../ledgers/handlers.ts';
import { movementHandlers } from '../movement/handlers.ts';
import { networkHandlers } from '../network/handlers.ts';
import { packetsHandlers } from '../packets/handlers.ts';
import { personalDataHandlers } from '../personal-data/handlers.ts';
import { portfolioHandlers } from '../portfolio/handlers.ts';
import { printoutsHandlers } from '../printouts/handlers.ts';
import { schoolHandlers } from '../school/handlers.ts';
import { signingHandlers } from '../signing/handlers.ts';
import { staffHandlers } from '../staff/handlers.ts';
import { stateExamsHandlers } from '../state-exams/handlers.ts';
import { studentsHandlers } from '../students/handlers.ts';
import { subjectsHandlers } from '../subjects/handlers.ts';
import { usersHandlers } from '../users/handlers.ts';
import { workbooksHandlers } from '../workbooks/handlers.ts';
import { yearsHandlers } from '../years/handlers.ts';

export { getUser } from '../users/users.ts';
export type { Ctx } from '../shared/handler.ts';

/** Following jobs is the host's: every job of every capability runs in the one registry. */
const jobsHandlers = defineHandlers({
  'jobs.status': query(({ jobs }, a) => jobs.status(a.id)),
  'jobs.cancel': sessionCommand(({ jobs, user }, a) => jobs.cancel(a.id, user)),
  'jobs.result': query(({ jobs, user }, a) => jobs.outcome(a.id, null, user)),
});

export const handlers: Handlers = mergeHandlers(
  usersHandlers, schoolHandlers, yearsHandlers, staffHandlers, subjectsHandlers, classesHandlers, studentsHandlers,
  movementHandlers, gradesHandlers, workbooksHandlers, alphabetBookHandlers, auditHandlers, jobsHandlers, demoHandlers,
  ledgersHandlers, printoutsHandlers, backupHandlers, stateExamsHandlers, portfolioHandlers, packetsHandlers, signingHandlers,
  attestatsHandlers, personalDataHandlers, networkHandlers,
);

// What the types promise, checked once more at start: each method handled, by a handler of its own kind.
for (const method of Object.keys(contract) as Method[]) {
  const h = handlers[method] as { kind?: string } | undefined;
  if (!h) throw new Error(`no handler for ${method}`);
  if (h.kind !== contract[method].kind) throw new Error(`${method}: a ${contract[method].kind} answered by a ${h.kind} handler`);
}
for (const name of Object.keys(handlers)) if (!Object.hasOwn(contract, name)) throw new Error(`handler for ${name}, which the contract does not have`);
