import { useEffect, useState } from 'react';
import { asFailure, call, hasTransport, onUnauthenticated, session, type ApiFailure } from '../api';
import type { User } from '../../../preload/contract';
import { SetupAdmin } from '../screens/auth/SetupAdmin';
import { SignIn } from '../screens/auth/SignIn';
import { t } from '../strings';
import { ErrorBox, Loading } from '../ui/common';
import { Shell } from './Shell';
import { UserContext } from './user';

type Phase =
  | { kind: 'loading' }
  | { kind: 'failed'; failure: ApiFailure }
  | { kind: 'setup' }
  | { kind: 'signIn'; notice?: string }
  | { kind: 'ready'; user: User };

export function App() {
  const [phase, setPhase] = useState<Phase>(() =>
    hasTransport() ? { kind: 'loading' } : { kind: 'failed', failure: asFailure(new Error(t.errors.noLink)) });

  useEffect(() => {
    if (phase.kind !== 'loading') return;
    call('auth.status', {}).then(
      (status) => setPhase(status.needsSetup ? { kind: 'setup' } : status.user ? { kind: 'ready', user: status.user } : { kind: 'signIn' }),
      (error) => setPhase({ kind: 'failed', failure: asFailure(error) }),
    );
  }, [phase.kind]);

  useEffect(() => onUnauthenticated((why) => setPhase({ kind: 'signIn', notice: why ?? t.auth.sessionEnded })), []);

  const signedIn = (result: { session: string; user: User }) => {
    session.set(result.session);
    setPhase({ kind: 'ready', user: result.user });
  };
  const signOut = async () => {
    try { await call('auth.signOut', {}); } catch { /* the session is dropped locally either way */ }
    session.clear();
    setPhase({ kind: 'signIn' });
  };

  switch (phase.kind) {
    case 'loading':
      return <main className="centered"><Loading /></main>;
    case 'failed':
      return <main className="centered"><div className="auth-card"><h1>{t.app.title}</h1><ErrorBox failure={phase.failure} /></div></main>;
    case 'setup':
      return <SetupAdmin onDone={signedIn} />;
    case 'signIn':
      return <SignIn notice={phase.notice} onDone={signedIn} />;
    case 'ready':
      return <UserContext.Provider value={phase.user}><Shell onSignOut={signOut} /></UserContext.Provider>;
  }
}
