// The trust anchors every verifier builds a signer's path to, chosen in one place: the roots given for this check (the
// command line's --trust ФАЙЛ.pem, the reference receiver's --trust) if any, else the register's own: the PEM bundle
// `<register>.trust.pem` beside the register file (the root of the school's CA — e.g. Минцифры's head CA — and any
// other root the region names), else none, and then a signature is checked for integrity only and said to be so.
// The same rule for ledger verify, archive verify and restore; the check itself is check.ts.
import fs from 'node:fs';
import type { DB } from '../../db/connection.ts';
import { AppError } from '../shared/errors.ts';
import { pemCertificates } from './chain.ts';

export type TrustAnchors = { pems: string[]; source: 'given' | 'register' | 'none' };

/** `<register>.trust.pem`, or null for an in-memory register. */
export function trustFilePath(db: DB | null): string | null {
  return db && db.name && db.name !== ':memory:' && !db.memory ? `${db.name}.trust.pem` : null;
}

/** The anchors for one check: `given` (non-empty) wins, then the register's file, then none. */
export function trustAnchors(given: string[] | undefined, db: DB | null): TrustAnchors {
  if (given?.length) return { pems: given, source: 'given' };
  const file = trustFilePath(db);
  if (file && fs.existsSync(file)) {
    const pem = fs.readFileSync(file, 'utf8');
    if (!pemCertificates([pem]).length) throw new AppError('validation', `Файл доверенных корневых сертификатов ${file} не содержит сертификатов PEM`);
    return { pems: [pem], source: 'register' };
  }
  return { pems: [], source: 'none' };
}
