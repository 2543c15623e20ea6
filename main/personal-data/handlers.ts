// Personal data (issue 18): consents, the read-access log and its retention, the subject-access report; and the change
// counters open screens poll. Reads of personal data are recorded by dispatch (the contract's `personal`), not here.
import { command, defineHandlers, query, signedIn } from '../shared/handler.ts';
import { accessReport } from './access-report.ts';
import { addConsent, listConsents, withdrawConsent } from './consents.ts';
import { listReads, purgeReads, readLogSettings, setRetention, verifyReadLog } from './read-log.ts';
import { changeCounter } from './changes.ts';
import { settleReads } from './read-journal.ts';

export const personalDataHandlers = defineHandlers({
  'consents.list': query(({ db }, a) => listConsents(db, a.studentId)),
  'consents.add': command(({ db, user }, a) => addConsent(db, signedIn(user).login, a)),
  'consents.withdraw': command(({ db, user }, a) => withdrawConsent(db, signedIn(user).login, a)),
  // the log read whole: this program's readings waiting in its side journal (a busy register) moved in first
  'readLog.list': query(async ({ db }, a) => { await settleReads(db); return listReads(db, a); }),
  'readLog.verify': query(async ({ db }) => { await settleReads(db); return verifyReadLog(db); }),
  'readLog.settings': query(({ db }) => readLogSettings(db)),
  'readLog.setRetention': command(({ db }, a) => setRetention(db, a.retentionDays)),
  'readLog.purge': command(({ db, user }) => purgeReads(db, signedIn(user).login)),
  'students.accessReport': query(async ({ db, user }, a) => { await settleReads(db); return accessReport(db, a.studentId, signedIn(user).login); }),
  'register.changes': query(({ db }, a) => ({ counter: changeCounter(db, a.area, a.classId) })),
});
