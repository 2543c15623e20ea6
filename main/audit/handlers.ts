// The hash-chained audit log.
import { defineHandlers, query } from '../shared/handler.ts';
import { listAudit } from './log.ts';
import { verifyAuditChain } from './verify.ts';

export const auditHandlers = defineHandlers({
  'audit.list': query(({ db }, a) => listAudit(db, a.limit)),
  'audit.verify': query(({ db }) => verifyAuditChain(db)),
});
