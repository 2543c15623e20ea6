// A certified printout signed by the school: a detached CMS (CAdES-BES; with the register's TSA, CAdES-T) over the PDF
// exactly as registered and given out, so the file itself passes `openssl cms -verify -binary -content F.pdf` — with
// the GOST engine for a GOST key. One signature per printout, kept beside it (printout_signatures, append-only): the
// same справка printed again gives back the same PDF and the same signature.
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError } from '../shared/errors.ts';
import { nowIso } from '../../preload/core/dates.ts';
import type { Signer } from '../signing/cms.ts';
import { closeSigner, openCheckedThumbprintSigner, openPkcs12Signer } from '../signing/select-signer.ts';
import { timestampAsChosen } from '../signing/timestamp.ts';
import { tsaForSigning } from '../signing/tsa-store.ts';
import { printoutPdf } from './register.ts';

/** The school's PKCS#12 (the password for this call only) or a key in КриптоПро CSP by thumbprint. */
export type PrintoutCertificate = { p12Base64: string; password: string; fileName?: string } | { thumbprint: string; pin?: string };

export type PrintoutSignature = { code: string; fileName: string; signature: Buffer; signer: string; signedAt: string; already: boolean;
  timestamp?: { time: string; tsa: string; trusted: boolean } | null; timestampFailure?: string };

type Stored = { signature: Buffer; signer: string; signed_at: string };
const storedOf = (db: DB, id: number) => db.prepare('SELECT signature, signer, signed_at FROM printout_signatures WHERE printout_id = ?').get(id) as Stored | undefined;
const idOf = (db: DB, code: string) => db.prepare('SELECT id, code FROM printouts WHERE code = ?').get(code) as { id: number; code: string } | undefined;

/** The registered printout's signature (.p7s), or not_found. */
export function printoutSignature(db: DB, code: string): PrintoutSignature {
  const { fileName } = printoutPdf(db, code); // a code nobody registered: «не зарегистрирован»
  const r = idOf(db, code.trim().toUpperCase().replace(/-V/, '-v'))!;
  const s = storedOf(db, r.id);
  if (!s) throw new AppError('not_found', `Документ ${r.code} не подписан электронной подписью: подписать его может администратор с сертификатом школы`);
  return { code: r.code, fileName: `${fileName}.p7s`, signature: s.signature, signer: s.signer, signedAt: s.signed_at, already: true };
}

/**
 * Signs a registered printout's PDF with the school's certificate (admins): refused, before anything is written, for a
 * certificate that may not sign documents or is not valid now, a wrong password, or a TSA that fails when the admin
 * chose «refuse». A printout already signed keeps its signature (given back, `already`).
 */
export async function signPrintout(db: DB, user: User, a: { code: string; certificate: PrintoutCertificate }): Promise<PrintoutSignature> {
  if (user.role !== 'admin') throw new AppError('forbidden', 'Подписать заверенный документ может только администратор');
  const { fileName, pdf } = printoutPdf(db, a.code);
  const r = idOf(db, a.code.trim().toUpperCase().replace(/-V/, '-v'))!;
  const kept = storedOf(db, r.id);
  if (kept) return { code: r.code, fileName: `${fileName}.p7s`, signature: kept.signature, signer: kept.signer, signedAt: kept.signed_at, already: true };
  const c = a.certificate;
  const signer: Signer = 'thumbprint' in c ? await openCheckedThumbprintSigner({ thumbprint: c.thumbprint, pin: c.pin })
    : openPkcs12Signer(Buffer.from(c.p12Base64, 'base64'), c.password, { fileName: c.fileName });
  try {
    const signedAt = nowIso();
    let signature = await signer.sign(pdf, { signingTime: new Date(signedAt) });
    const tsa = tsaForSigning(db, undefined, true);
    const time = tsa ? await timestampAsChosen(signature, tsa, `документ ${r.code} не подписан`) : null;
    if (time) signature = time.cms;
    const who = signer.certificate.subject;
    db.transaction(() => {
      db.prepare('INSERT INTO printout_signatures (printout_id, signature, signer, signed_at, signed_by) VALUES (?, ?, ?, ?, ?)').run(r.id, signature, who, signedAt, user.login);
      appendAudit(db, user.login, 'printouts.sign', { code: r.code, signer: who, ...(time ? { timestamp: time.timestamp, timestampFailure: time.failure } : {}) });
    }).immediate();
    return { code: r.code, fileName: `${fileName}.p7s`, signature, signer: who, signedAt, already: false,
      ...(time ? { timestamp: time.timestamp, ...(time.failure ? { timestampFailure: time.failure } : {}) } : {}) };
  } finally {
    await closeSigner(signer);
  }
}
