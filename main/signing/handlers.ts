// Signing's own settings: the register's trust anchors.
import { defineHandlers, ownCommand, query, signedIn } from '../shared/handler.ts';
import { listTrustAnchors, setTrustAnchors } from './trust.ts';

export const signingHandlers = defineHandlers({
  'signing.trustAnchors': query(({ db }) => listTrustAnchors(db)),
  // Writes the file beside the register, then audits the anchors' names and fingerprints itself (not the PEM text).
  'signing.setTrustAnchors': ownCommand(({ db, user }, a) => setTrustAnchors(db, signedIn(user), a.pem)),
});
