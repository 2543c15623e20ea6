// Signing's own settings: the register's trust anchors and its time-stamping service.
import { defineHandlers, ownCommand, query, signedIn } from '../shared/handler.ts';
import { listTrustAnchors, setTrustAnchors } from './trust.ts';
import { setTsa, tsaSettings } from './tsa-store.ts';

export const signingHandlers = defineHandlers({
  'signing.trustAnchors': query(({ db }) => listTrustAnchors(db)),
  // Writes the file beside the register, then audits the anchors' names and fingerprints itself (not the PEM text).
  'signing.setTrustAnchors': ownCommand(({ db, user }, a) => setTrustAnchors(db, signedIn(user), a.pem)),
  'signing.tsa': query(({ db }) => tsaSettings(db)),
  // Audits the address, the choice and the CA's fingerprints itself (not the PEM text), in the write's transaction.
  'signing.setTsa': ownCommand(({ db, user }, a) => setTsa(db, signedIn(user), a)),
});
