// Every contract method bound to the service that does it. The `Handlers` type makes a missing or
// misspelled handler a compile error; `writes` says whether the call changes the register (and is audited).
import type { DB } from '../../db/connection.ts';
import type { Input, Method, Output, User } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { checkCredentials, createUser, listUsers, needsSetup, setupAdmin, type Sessions, getUser } from '../users/users.ts';
import { getSchool, updateSchool } from '../school/profile.ts';
import { createYear, listYears } from '../years/years.ts';
import { createStaff, listStaff, updateStaff } from '../staff/staff.ts';
import { createSubject, listSubjects, updateSubject } from '../subjects/subjects.ts';
import { createClass, getCurriculum, listClasses, setCurriculum, updateClass } from '../classes/classes.ts';
import { classStudents, createStudent, getStudent, searchStudents, updateStudent } from '../students/students.ts';
import { depart, enrol, listOrders, orderMovements, promote, studentHistory, transfer } from '../movement/orders.ts';
import { listBook } from '../alphabet-book/book.ts';
import { listAudit, verifyAuditChain } from '../audit/log.ts';
import { generateDemo } from '../demo/generate.ts';
import { classGrid, setAttendance, setExams, setMarks } from '../grades/grades.ts';
import { getSettings, setSettings } from '../grades/settings.ts';
import { commitImport, previewImport, startCommitJob, startPreviewJob } from '../workbooks/import-api.ts';
import { addStateExam, listStateExams, removeStateExam, updateStateExam } from '../state-exams/results.ts';
import { addPortfolioEntry, listPortfolio, removePortfolioEntry, updatePortfolioEntry } from '../portfolio/portfolio.ts';
import { buildPacket } from '../packets/build.ts';
import { loadCertificate, outbox, packetSettings, setEndpoint, signBuilt, startCompaction, startUpload } from '../packets/api.ts';
import { chooseTlsClient } from '../packets/tls-client.ts';
import { changeLogState } from '../packets/compact.ts';
import type { Jobs } from '../shared/jobs.ts';
import type { OpenRegister } from './open-register.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportCityRegister } from '../workbooks/city-register.ts';
import { classMarksWorkbook, studentsListWorkbook } from '../workbooks/lists.ts';
import { getLedger, listLedgers, openCorrection, printLedger } from '../ledgers/versions.ts';
import { closeYear, openSigner, sealClass, type Certificate } from '../ledgers/seal.ts';
import { verifyLedger } from '../ledgers/verify.ts';
import { certifyPrintout, listPrintouts, printoutPdf, verifyPrintout, type PrintoutRequest } from '../printouts/register.ts';
import { issueAttestat, listAttestats, listForms, receiveForms, spoilForm } from '../printouts/attestats.ts';
import { archiveReport, listBags, startBackup, startRestore, startRestoreOpen, startVerify } from '../backup/api.ts';
import { addMedia, getMedia, listMedia, listRuns, updateMedia } from '../backup/runs.ts';
import { checkAuditWitnesses } from '../backup/witness.ts';
import { WrongPassphraseError } from '../backup/encryption.ts';

/** `register` is there in the running program (not in the CLI): the open register, which a restore may replace. */
export type Ctx = { db: DB; user: User | null; session: string | null; sessions: Sessions; jobs: Jobs; register?: OpenRegister };
/** `writes`: run inside dispatch's transaction with its audit entry. `ownWrites`: writes in transactions of its own (it
 *  renders or signs asynchronously first). Neither runs while a job holds the register exclusively. */
type Handler<M extends Method> = { writes: boolean; ownWrites?: boolean; run: (ctx: Ctx, args: Input<M> & Output<never>) => Output<M> | Promise<Output<M>> };
export type Handlers = { [M in Method]: Handler<M> };

const read = <M extends Method>(run: (ctx: Ctx, a: any) => Output<M> | Promise<Output<M>>): Handler<M> => ({ writes: false, run });
const write = <M extends Method>(run: (ctx: Ctx, a: any) => Output<M> | Promise<Output<M>>): Handler<M> => ({ writes: true, run });
const ownWrite = <M extends Method>(run: (ctx: Ctx, a: any) => Output<M> | Promise<Output<M>>): Handler<M> => ({ writes: false, ownWrites: true, run });

export const handlers: Handlers = {
  'auth.status': read(({ db, user }) => ({ needsSetup: needsSetup(db), user })),
  'auth.setupAdmin': write((ctx, a) => {
    const user = setupAdmin(ctx.db, a);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signIn': read((ctx, a) => {
    const user = checkCredentials(ctx.db, a.login, a.password);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signOut': read((ctx) => {
    ctx.sessions.close(ctx.session);
    return { ok: true as const };
  }),
  'users.list': read(({ db }) => listUsers(db)),
  'users.create': write(({ db }, a) => createUser(db, a)),
  'school.get': read(({ db }) => getSchool(db)),
  'school.update': write(({ db }, a) => updateSchool(db, a)),
  'years.list': read(({ db }) => listYears(db)),
  'years.create': write(({ db }, a) => createYear(db, a)),
  'staff.list': read(({ db }) => listStaff(db)),
  'staff.create': write(({ db }, a) => createStaff(db, a)),
  'staff.update': write(({ db }, a) => updateStaff(db, a.id, a.data)),
  'subjects.list': read(({ db }) => listSubjects(db)),
  'subjects.create': write(({ db }, a) => createSubject(db, a)),
  'subjects.update': write(({ db }, a) => updateSubject(db, a.id, a.data)),
  'classes.list': read(({ db }, a) => listClasses(db, a.yearId)),
  'classes.create': write(({ db }, a) => createClass(db, a)),
  'classes.update': write(({ db }, a) => updateClass(db, a)),
  'classes.students': read(({ db }, a) => classStudents(db, a.classId)),
  'curriculum.get': read(({ db }, a) => getCurriculum(db, a.classId)),
  'curriculum.set': write(({ db }, a) => setCurriculum(db, a.classId, a.subjectIds)),
  'students.search': read(({ db }, a) => searchStudents(db, a)),
  'students.get': read(({ db }, a) => getStudent(db, a.id)),
  'students.create': write(({ db }, a) => {
    const { enrolment, ...card } = a;
    const s = createStudent(db, card);
    if (!enrolment) return s;
    enrol(db, { ...enrolment, studentId: s.id });
    return getStudent(db, s.id);
  }),
  'students.update': write(({ db }, a) => updateStudent(db, a.id, a.data)),
  'students.history': read(({ db }, a) => studentHistory(db, a.id)),
  'orders.list': read(({ db }, a) => listOrders(db, a.limit)),
  'orders.movements': read(({ db }, a) => orderMovements(db, a.orderId)),
  'orders.enrol': write(({ db }, a) => enrol(db, a)),
  'orders.transfer': write(({ db }, a) => transfer(db, a)),
  'orders.depart': write(({ db }, a) => depart(db, a)),
  'orders.promote': write(({ db }, a) => promote(db, a)),
  'settings.get': read(({ db }) => getSettings(db)),
  'settings.set': write(({ db }, a) => setSettings(db, a)),
  'exams.set': write(({ db }, a) => setExams(db, a.classId, a.subjectIds)),
  'grades.grid': read(({ db }, a) => classGrid(db, a.classId, a.subjectId)),
  'grades.set': write(({ db }, a) => setMarks(db, a.classId, a.cells)),
  'attendance.set': write(({ db }, a) => setAttendance(db, a.classId, a.rows)),
  // An export changes nothing in the register; the file reaches the UI as bytes, to be saved where the clerk chooses.
  'export.cityRegister': read(async ({ db }, a) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-export-'));
    try {
      const fileName = `Городской регистр ${a.year.replace('/', '-')}.xlsx`;
      const r = await exportCityRegister(db, { year: a.year, out: path.join(dir, fileName) });
      return { fileName, dataBase64: fs.readFileSync(r.file).toString('base64'), classes: r.classes, students: r.students, staff: r.staff, marks: r.marks };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }),
  'export.list': read(async ({ db }, a) => {
    const r = a.list === 'students' ? await studentsListWorkbook(db, a) : await classMarksWorkbook(db, a.classId);
    return { fileName: r.fileName, dataBase64: r.bytes.toString('base64') };
  }),
  'import.preview': read(({ db }, a) => previewImport(db, a)),
  // Reading the file is async, a `writes` handler must not be: the commit reads, then writes and audits in its own transaction.
  'import.commit': read(({ db, jobs, user }, a) => {
    if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
    return commitImport(db, jobs, user, a);
  }),
  'alphabetBook.list': read(({ db }, a) => listBook(db, a)),
  'audit.list': read(({ db }, a) => listAudit(db, a.limit)),
  'audit.verify': read(({ db }) => verifyAuditChain(db)),
  'jobs.status': read(({ jobs }, a) => jobs.status(a.id)),
  'jobs.cancel': read(({ jobs, user }, a) => jobs.cancel(a.id, user)),
  // The demo writes in its own chunked transactions (it is a job); it audits itself.
  'demo.generate': read(({ db, jobs, user }, a) => {
    if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
    return { jobId: jobs.start('demo', (p) => generateDemo(db, { students: a.students, seed: a.seed, by: user.login }, p), { exclusive: true, owner: user.login }) };
  }),

  // Import as a long job (issue 3): the commit job audits itself and holds the register while it runs.
  'import.previewStart': read(({ db, jobs, user }, a) => startPreviewJob(db, jobs, signedIn(user), a)),
  'import.previewResult': read(({ jobs, user }, a) => jobs.outcome(a.jobId, 'import.preview', user) as Output<'import.previewResult'>),
  'import.commitStart': read(({ db, jobs, user }, a) => startCommitJob(db, jobs, signedIn(user), a)),
  'import.commitResult': read(({ jobs, user }, a) => jobs.outcome(a.jobId, 'import.commit', user) as Output<'import.commitResult'>),
  // ---------- ledgers ----------
  'ledgers.list': read(({ db }, a) => listLedgers(db, a.yearId)),
  'ledgers.get': read(({ db }, a) => getLedger(db, a.classId)),
  'ledgers.print': read(async ({ db }, a) => {
    const r = await printLedger(db, a);
    return { fileName: r.fileName, dataBase64: r.bytes.toString('base64') };
  }),
  // Sealing renders and signs (async), so it is not a `write`: it writes its version and its audit entry in one
  // transaction of its own, and the certificate (bytes and password) never reaches the audit log.
  'ledgers.seal': ownWrite(({ db, user }, a) => {
    if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
    return sealClass(db, a.classId, { user, certificate: certificate(a.certificate), allowNa: a.allowNa });
  }),
  'ledgers.closeYear': read(({ db, jobs, user }, a) => {
    if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
    const cert = certificate(a.certificate);
    if (user.role !== 'admin') throw new AppError('forbidden', 'Закрыть учебный год может только администратор');
    // The certificate is opened before the job starts: a wrong password or an expired certificate is the call's error.
    const signer = cert ? openSigner(cert) : undefined;
    return { jobId: jobs.start('ledgers.closeYear', (p) => closeYear(db, a.yearId, { user, signer, allowNa: a.allowNa, onClass: (x) => p.event?.(x) }, p), { exclusive: true, owner: user.login }) };
  }),
  'ledgers.verify': read(({ db }, a) => verifyLedger(db, 'code' in a ? { code: a.code } : { pdf: Buffer.from(a.pdfBase64, 'base64') })),
  // Audited by dispatch with its arguments: who opened it, the reason and the order.
  'ledgers.correct': write(({ db, user }, a) => openCorrection(db, a.classId, a, user!)),

  // ---------- certified printouts, attestats and blank forms ----------
  // Rendering is async, so a printout is not a `write`: it registers itself and its audit entry in one transaction.
  'printouts.certificateOfStudy': ownWrite(({ db, user }, a) => certified(db, user, { kind: 'certificate_of_study', student: a.studentId })),
  'printouts.alphabetBook': ownWrite(({ db, user }, a) => certified(db, user, { kind: 'alphabet_book', letter: a.letter })),
  'printouts.attestatBook': ownWrite(({ db, user }, a) => certified(db, user, { kind: 'attestat_book', year: a.year })),
  'printouts.list': read(({ db }, a) => listPrintouts(db, a)),
  'printouts.get': read(({ db }, a) => {
    const r = printoutPdf(db, a.code);
    return { fileName: r.fileName, dataBase64: r.pdf.toString('base64') };
  }),
  'printouts.verify': read(({ db }, a) => verifyPrintout(db, 'code' in a ? { code: a.code } : { pdf: Buffer.from(a.pdfBase64, 'base64') })),
  'attestats.receiveForms': write(({ db, user }, a) => receiveForms(db, a, user!.login)),
  'attestats.spoilForm': write(({ db }, a) => spoilForm(db, a)),
  'attestats.issue': write(({ db, user }, a) => issueAttestat(db, a, user!.login)),
  'attestats.list': read(({ db }, a) => listAttestats(db, { year: a.year })),
  'attestats.forms': read(({ db }, a) => listForms(db, a)),
  // ---------- archive and backups (issue 5) ----------
  'media.list': read(({ db }) => listMedia(db)),
  'media.add': write(({ db }, a) => addMedia(db, a)),
  'media.update': write(({ db }, a) => updateMedia(db, a.id, a.data)),
  'archive.verify': read(({ db }) => archiveReport(db)),
  'audit.witness': read(async ({ db }, a) => {
    const out = [];
    for (const mediaId of a.mediaIds) {
      const m = getMedia(db, mediaId);
      const medium = `${m.label} (${m.room})`;
      if (!m.present) {
        out.push({ medium, bag: null, state: 'absent' as const, message: `${m.label}: носитель не подключён (${m.path})` });
        continue;
      }
      try {
        for (const w of await checkAuditWitnesses(db, [m.path], a.passphrase)) out.push({ medium, bag: path.basename(w.bag), state: w.state, message: `${m.label}: ${w.message}` });
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'validation' || e instanceof WrongPassphraseError) throw e; // a wrong passphrase: at its field
        out.push({ medium, bag: null, state: 'absent' as const, message: `${m.label}: ${e.message}` });
      }
    }
    return out;
  }),
  'audit.witnessFolders': read(async ({ db }, a) => (await checkAuditWitnesses(db, a.folders, a.passphrase))
    .map((w) => ({ medium: path.dirname(w.bag), bag: path.basename(w.bag), state: w.state, message: w.message }))),
  // Backups, verifications and restores are jobs: they log their own runs and audit entries.
  'backup.start': read(({ db, jobs, user }, a) => startBackup(db, jobs, user, a)),
  'backup.verify': read(({ db, jobs, user }, a) => startVerify(db, jobs, user, a)),
  'backup.bags': read(({ db }, a) => listBags(db, a.mediaId)),
  'backup.restore': read(({ db, jobs, user }, a) => startRestore(db, jobs, user, a)),
  'backup.history': read(({ db }, a) => listRuns(db, a.limit)),
  // ---------- packets to the regional segment, state exams, portfolio (issue 6) ----------
  'exams.results': read(({ db }, a) => listStateExams(db, a)),
  'exams.addResult': write(({ db }, a) => addStateExam(db, a)),
  'exams.updateResult': write(({ db }, a) => updateStateExam(db, a.id, a.data)),
  'exams.removeResult': write(({ db }, a) => removeStateExam(db, a.id)),
  'portfolio.list': read(({ db }, a) => listPortfolio(db, a.studentId)),
  'portfolio.add': write(({ db }, a) => addPortfolioEntry(db, a)),
  'portfolio.update': write(({ db }, a) => updatePortfolioEntry(db, a.id, a.data)),
  'portfolio.remove': write(({ db }, a) => removePortfolioEntry(db, a.id)),
  'packets.settings': read(({ db }) => packetSettings(db)),
  'packets.setEndpoint': write(({ db }, a) => setEndpoint(db, a)),
  // The certificate file is not copied into the audit log: the handler audits its subject itself.
  'packets.loadCertificate': ownWrite(({ db, user }, a) => loadCertificate(db, signedIn(user), a)),
  'packets.build': write(({ db }, a) => buildPacket(db, { kind: a.kind })),
  // Signing is async (the CMS signer's interface is): it writes and audits in its own transaction.
  'packets.sign': ownWrite(({ db, user }, a) => signBuilt(db, signedIn(user), a.password)),
  'packets.list': read(({ db }, a) => outbox(db, a.limit)),
  'packets.upload': read(({ db, jobs, user }, a) => startUpload(db, jobs, signedIn(user), a)),
  // ---------- restore over the open register ----------
  // The job replaces the open register (ctx.register) and ends every session; it records itself in the restored one.
  'backup.restoreOpen': read(({ db, jobs, user, register, sessions }, a) => startRestoreOpen(db, jobs, user, { register, sessions }, a)),
  // ---------- packets: the TLS client certificate (the audit masks `password` and `p12Base64`, see dispatch.ts) ----------
  'packets.setTlsCertificate': write(({ db }, a) => chooseTlsClient(db, a)),
  // ---------- the packets change log's compaction (migration 0009) ----------
  'packets.changeLog': read(({ db }) => changeLogState(db)),
  // A job of small transactions, each its own; it audits its result itself when it ends.
  'packets.compactChanges': read(({ db, jobs, user }) => startCompaction(db, jobs, signedIn(user))),
};

async function certified(db: DB, user: User | null, req: PrintoutRequest) {
  if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
  const { pdf, ...p } = await certifyPrintout(db, req, user);
  return { ...p, dataBase64: pdf.toString('base64') };
}


function signedIn(user: User | null): User {
  if (!user) throw new AppError('unauthenticated', 'Войдите в систему');
  return user;
}

export { getUser };

const certificate = (c: { p12Base64: string; password: string } | undefined): Certificate | undefined =>
  c ? { p12: Buffer.from(c.p12Base64, 'base64'), password: c.password } : undefined;
