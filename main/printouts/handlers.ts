// Certified printouts (справки, pages of the алфавитная книга, the book of attestats), attestats and blank forms.
import type { DB } from '../../db/connection.ts';
import type { User } from '../../preload/contract.ts';
import { defineHandlers, command, ownCommand, query, signedIn } from '../shared/handler.ts';
import { certifyPrintout, listPrintouts, printoutPdf, verifyPrintout, type PrintoutRequest } from './register.ts';
import { issueAttestat, listAttestats, listForms, receiveForms, spoilForm } from './attestats.ts';
import { printoutSignature, signPrintout, type PrintoutSignature } from './sign.ts';
import { checkFileSignature } from '../signing/check.ts';
import { trustAnchors } from '../signing/trust.ts';
import { tsaTrustForVerifying } from '../signing/tsa-store.ts';

const p7s = ({ signature, ...s }: PrintoutSignature) => ({ ...s, dataBase64: signature.toString('base64') });

async function certified(db: DB, user: User | null, req: PrintoutRequest) {
  const { pdf, ...p } = await certifyPrintout(db, req, signedIn(user));
  return { ...p, dataBase64: pdf.toString('base64') };
}

export const printoutsHandlers = defineHandlers({
  // Rendering is async, so a printout registers itself and its audit entry in one transaction of its own.
  'printouts.certificateOfStudy': ownCommand(({ db, user }, a) => certified(db, user, { kind: 'certificate_of_study', student: a.studentId })),
  'printouts.alphabetBook': ownCommand(({ db, user }, a) => certified(db, user, { kind: 'alphabet_book', letter: a.letter })),
  'printouts.attestatBook': ownCommand(({ db, user }, a) => certified(db, user, { kind: 'attestat_book', year: a.year })),
  'printouts.list': query(({ db }, a) => listPrintouts(db, a)),
  'printouts.get': query(({ db }, a) => {
    const r = printoutPdf(db, a.code);
    return { fileName: r.fileName, dataBase64: r.pdf.toString('base64') };
  }),
  // Signing is async: it writes the signature and its audit entry in one transaction of its own (never the certificate).
  'printouts.sign': ownCommand(async ({ db, user }, a) => p7s(await signPrintout(db, signedIn(user), a))),
  'printouts.signature': query(({ db }, a) => p7s(printoutSignature(db, a.code))),
  'printouts.verify': query(async ({ db }, a) => {
    const v = verifyPrintout(db, 'code' in a ? { code: a.code } : { pdf: Buffer.from(a.pdfBase64, 'base64') });
    // the PDF's detached signature (.p7s, printouts.sign), when brought with it: checked even when the file has no code
    if ('code' in a || !a.signatureBase64) return v;
    return { ...v, pdfSignature: await checkFileSignature(Buffer.from(a.signatureBase64, 'base64'), Buffer.from(a.pdfBase64, 'base64'),
      trustAnchors(undefined, db), tsaTrustForVerifying(db, undefined)) };
  }),
  'attestats.receiveForms': command(({ db, user }, a) => receiveForms(db, a, signedIn(user).login)),
  'attestats.spoilForm': command(({ db }, a) => spoilForm(db, a)),
  'attestats.issue': command(({ db, user }, a) => issueAttestat(db, a, signedIn(user).login)),
  'attestats.list': query(({ db }, a) => listAttestats(db, { year: a.year })),
  'attestats.forms': query(({ db }, a) => listForms(db, a)),
});
