// The ledger methods as the handlers call them: the ledger of a class with its versions, printing, sealing,
// the year-end close (a job), verification and corrections. The work is in build.ts, seal.ts and verify.ts.
import type { DB } from '../../db/connection.ts';
import type { Ledger, LedgerCorrection, LedgerVerify, LedgerVersion, User } from '../../preload/contract.ts';
import type { Progress } from '../host/jobs.ts';
import { AppError } from '../shared/errors.ts';

export type Certificate = { p12: Buffer; password: string };

const todo = (): never => {
  throw new AppError('internal', 'Ведомости: метод ещё не готов');
};

export function getLedger(_db: DB, _classId: number): Ledger { return todo(); }
export function listLedgers(_db: DB, _yearId: number): Array<{ classId: number; className: string; state: Ledger['state']; version: number | null; code: string | null; missing: number }> { return todo(); }
export async function printLedger(_db: DB, _a: { classId: number; version?: number; format: 'pdf' | 'xlsx' }): Promise<{ fileName: string; bytes: Buffer }> { return todo(); }
export async function sealClass(_db: DB, _classId: number, _o: { user: User; certificate?: Certificate }): Promise<LedgerVersion> { return todo(); }
export async function closeYear(_db: DB, _yearId: number, _o: { user: User; certificate?: Certificate; allowNa: boolean }, _p: Progress): Promise<unknown> { return todo(); }
export async function verifyLedger(_db: DB, _a: { code: string } | { pdf: Buffer }): Promise<LedgerVerify> { return todo(); }
export function openCorrection(_db: DB, _classId: number, _a: { reason: string; orderNumber: string; orderDate: string }, _user: User): LedgerCorrection { return todo(); }
