// The share's state on every screen (issue 18): whether the register is open to the office network, and where.
import { useEffect } from 'react';
import { t } from '../strings';
import { useQuery } from '../ui/useQuery';

/** How often the banner asks again: an admin may share or close the register from another window meanwhile. */
const REFRESH_MS = 30_000;

export function NetworkBanner() {
  const status = useQuery('network.status', {});
  const { reload } = status;
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  const s = status.data;
  if (!s) return null;
  const text = s.shared && s.url ? t.network.sharedBanner(s.url) : s.problem ? t.network.problemBanner(s.problem) : t.network.offBanner;
  return (
    <div className={`network-banner small ${s.shared ? 'network-on' : 'muted'}`} role="status" data-testid="network-banner">
      {text}
    </div>
  );
}
