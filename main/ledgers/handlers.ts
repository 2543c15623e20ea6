// The сводная ведомость: drafts, sealed versions, the year's close, verification and corrections.
import { AppError } from '../shared/errors.ts';
import { defineHandlers, command, job, ownCommand, query, signedIn } from '../shared/handler.ts';
import { getLedger, ledgerPdfSignature, listLedgers, openCorrection, printLedger } from './versions.ts';
import { closeYear, openSigner, sealClass, type Certificate } from './seal.ts';
import { verifyLedger } from './verify.ts';
import { closeYearSummary } from './close-summary.ts';
import { tsaForSigning, tsaTrustForVerifying } from '../signing/tsa-store.ts';
import { checkFileSignature } from '../signing/check.ts';
import { trustAnchors } from '../signing/trust.ts';
import { keptRenderer, warmRenderer } from './kept-renderer.ts';

const certificate = (c: { p12Base64: string; password: string; fileName?: string; chainPem?: string } | { thumbprint: string; pin?: string } | undefined): Certificate | undefined =>
  !c ? undefined : 'thumbprint' in c ? c : { p12: Buffer.from(c.p12Base64, 'base64'), password: c.password, fileName: c.fileName, chainPem: c.chainPem };

export const ledgersHandlers = defineHandlers({
  // «Ведомости» is where seals, printouts and the close are asked: the running program warms its render worker now
  'ledgers.list': query(({ db, register }, a) => {
    const list = listLedgers(db, a.yearId);
    if (register) warmRenderer(register, db, list.map((c) => c.classId));
    return list;
  }),
  'ledgers.get': query(({ db }, a) => getLedger(db, a.classId)),
  'ledgers.print': query(async ({ db, register }, a) => {
    const r = await printLedger(db, a, register && keptRenderer(register));
    return { fileName: r.fileName, dataBase64: r.bytes.toString('base64') };
  }),
  'ledgers.pdfSignature': query(({ db }, a) => {
    const r = ledgerPdfSignature(db, a);
    return { fileName: r.fileName, dataBase64: r.bytes.toString('base64') };
  }),
  // Sealing renders and signs (async), with the call's TSA or the stored one (signing.setTsa): it writes its version and its audit entry in one transaction of its own, and
  // the certificate (bytes and password) never reaches the audit log.
  // In the running program (`register`) its printouts come from the kept render worker: this thread answers meanwhile.
  'ledgers.seal': ownCommand(({ db, user, register }, a) => sealClass(db, a.classId, { user: signedIn(user), certificate: certificate(a.certificate), allowNa: a.allowNa,
    tsa: tsaForSigning(db, a.tsa, !!a.certificate), renderer: register && keptRenderer(register) })),
  'ledgers.closeYearSummary': query(({ db }, a) => closeYearSummary(db, a.yearId)),
  'ledgers.closeYear': job({ writes: true, exclusive: true }, ({ db, user, register }, a) => {
    const by = signedIn(user);
    if (by.role !== 'admin') throw new AppError('forbidden', 'Закрыть учебный год может только администратор');
    // The certificate is opened before the job starts: a wrong password or an expired certificate is the call's error.
    // (A key in КриптоПро CSP is opened by the job itself: cryptcp may wait for its PIN window.)
    const cert = certificate(a.certificate);
    const signer = cert && 'p12' in cert ? openSigner(cert) : undefined;
    // each class as it is done, to whoever follows the job in-process (the CLI prints a line per class); in the
    // running program (`register`) this thread answers other users meanwhile, so only its kept, warm render worker prints
    return { work: (p) => closeYear(db, a.yearId, { user: by, signer, certificate: signer ? undefined : cert, allowNa: a.allowNa, tsa: tsaForSigning(db, a.tsa, !!cert),
      printHere: !register, renderer: register && keptRenderer(register), onClass: (x) => p.event?.(x) }, p) };
  }),
  'ledgers.verify': query(async ({ db }, a) => {
    const v = await verifyLedger(db, { ...('code' in a ? { code: a.code } : { pdf: Buffer.from(a.pdfBase64, 'base64') }),
      trustedCertsPem: a.trustedCertsPem }, tsaTrustForVerifying(db, a.tsaTrustedCertsPem));
    // the PDF's own detached signature (.p7s), when brought with it
    if ('code' in a || !a.signatureBase64) return v;
    return { ...v, pdfSignature: await checkFileSignature(Buffer.from(a.signatureBase64, 'base64'), Buffer.from(a.pdfBase64, 'base64'),
      trustAnchors(a.trustedCertsPem, db), tsaTrustForVerifying(db, a.tsaTrustedCertsPem)) };
  }),
  // Audited by dispatch with its arguments: who opened it, the reason and the order.
  'ledgers.correct': command(({ db, user }, a) => openCorrection(db, a.classId, a, signedIn(user))),
});
