// The archive and its backups: media, copies, verification, restore (also over the open register).
import path from 'node:path';
import { AppError } from '../shared/errors.ts';
import { defineHandlers, command, job, ownCommand, query, signedIn } from '../shared/handler.ts';
import { archiveReport, renewArchive, backupJob, bagUploadJob, listBags, restoreJob, restoreOpenJob, verifyJob } from './api.ts';
import { addMedia, getMedia, listMedia, listRuns, updateMedia } from './runs.ts';
import { checkAuditWitnesses } from './witness.ts';
import { WrongPassphraseError } from './encryption.ts';
import { keyId, keyStore } from './key.ts';
import { importKey, keySheet, renewKey, sheetPrinted } from './key-sheet.ts';

export const backupHandlers = defineHandlers({
  'media.list': query(({ db }) => listMedia(db)),
  'media.add': command(({ db }, a) => addMedia(db, a)),
  'media.update': command(({ db }, a) => updateMedia(db, a.id, a.data)),
  'archive.verify': query(({ db, jobs }, a) => archiveReport(db, a, !!jobs.exclusive)),
  // the evidence chain's stamp, written beside the manifest (not in the register) after the TSA answers; audited by itself
  'archive.renew': ownCommand(({ db, user }, a) => renewArchive(db, signedIn(user).login, a)),
  'audit.witness': query(async ({ db }, a) => {
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
  // The same against backup copies in folders given on this computer (the CLI's audit verify --witness).
  'audit.witnessFolders': query(async ({ db }, a) => (await checkAuditWitnesses(db, a.folders, a.passphrase))
    .map((w) => ({ medium: path.dirname(w.bag), bag: path.basename(w.bag), state: w.state, message: w.message }))),
  // Backups, verifications and restores log their own runs and audit entries.
  'backup.start': job({ writes: true }, ({ db, user }, a) => backupJob(db, user, a)),
  'backup.verify': job({ writes: true }, ({ db, user }, a) => verifyJob(db, user, a)),
  'backup.bags': query(({ db }, a) => listBags(db, a.mediaId)),
  'backup.restore': job({ writes: true }, ({ db, user }, a) => restoreJob(db, user, a)),
  'backup.history': query(({ db }, a) => listRuns(db, a.limit)),
  // A finished copy to the central store; it writes nothing in the register.
  'backup.upload': job({ writes: false }, ({ user }, a) => bagUploadJob(user, a)),
  // Replaces the open register (ctx.register) and ends every session; it records itself in both registers (the old one
  // before it is put aside). The open register's accounts are kept unless an admin takes the copy's (takeAccountsFromCopy).
  'backup.restoreOpen': job({ writes: true, exclusive: true }, ({ db, jobs, user, register, sessions }, a) =>
    restoreOpenJob(db, user, { register, sessions, otherJobs: (self) => jobs.running().filter((j) => j.id !== self).map((j) => j.kind) }, a)),
  // The backup key: its id, the recovery sheet (made and audited here), its import on a new computer (audited here
  // when a register is open). The key itself goes into no audit entry: dispatch's audit is not used for these.
  'backup.keyStatus': query(() => {
    const store = keyStore();
    const key = store.load();
    const printed = key ? sheetPrinted(keyId(key)) : null;
    return { keyId: key ? keyId(key) : null, where: store.where, sheetPrinted: printed ? { at: printed.printedAt, by: printed.by } : null };
  }),
  'backup.keySheet': ownCommand(({ db, user }, a) => keySheet(db, signedIn(user).login, a.reason)),
  'backup.keyImport': ownCommand(({ db, user }, a) => importKey(db, signedIn(user).login, a.key, a.replace)),
  'backup.keyRenew': ownCommand(({ db, user }) => renewKey(db, signedIn(user).login)),
});
