// Packets to the regional segment: settings, certificates, build, sign, the outbox, the upload and the change log.
import { defineHandlers, command, job, ownCommand, query, signedIn } from '../shared/handler.ts';
import { buildPacket } from './build.ts';
import { compactionJob, loadCertificate, outbox, packetSettings, setEndpoint, signBuilt, uploadJob } from './api.ts';
import { chooseTlsClient } from './tls-client.ts';
import { changeLogState } from './compact.ts';

export const packetsHandlers = defineHandlers({
  'packets.settings': query(({ db }) => packetSettings(db)),
  'packets.setEndpoint': command(({ db }, a) => setEndpoint(db, a)),
  // The certificate file is not copied into the audit log: the handler audits its subject itself.
  'packets.loadCertificate': ownCommand(({ db, user }, a) => loadCertificate(db, signedIn(user), a)),
  'packets.build': command(({ db }, a) => buildPacket(db, { kind: a.kind })),
  // Signing is async (the CMS signer's interface is): it writes and audits in its own transaction.
  'packets.sign': ownCommand(({ db, user }, a) => signBuilt(db, signedIn(user), a)),
  'packets.list': query(({ db }, a) => outbox(db, a.limit)),
  'packets.upload': job({ writes: true }, ({ db, user }, a) => uploadJob(db, signedIn(user), a)),
  // The audit masks `password` and `p12Base64` (main/host/dispatch.ts).
  'packets.setTlsCertificate': command(({ db }, a) => chooseTlsClient(db, a)),
  'packets.changeLog': query(({ db }) => changeLogState(db)),
  // Small transactions, each its own; it audits its result itself when it ends.
  'packets.compactChanges': job({ writes: true }, ({ db, user }, a) => compactionJob(db, signedIn(user), a)),
});
