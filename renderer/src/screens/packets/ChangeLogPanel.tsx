// The packets change log (migration 0009): how many entries it holds, how many came after the last full packet the
// region accepted, how many that packet lets go; and, for the admin, the compaction as a job (it also runs by itself
// when a full packet is accepted). Entries missing behind the program's back are shown with what to do.
import { useEffect } from 'react';
import type { ChangeLog, CompactionResult, Job } from '../../../../preload/contract';
import { t } from '../../strings';
import { ErrorBox, Facts, Loaded, Notice } from '../../ui/common';
import { useJob } from '../../ui/useJob';
import { useQuery } from '../../ui/useQuery';

const tx = t.changeLog;

export function ChangeLogPanel({ refresh }: { refresh?: unknown }) {
  const log = useQuery('packets.changeLog', {});
  const compaction = useJob('packets.compactChanges', () => log.reload());
  const { job, failure } = compaction;
  const running = job?.state === 'running';
  // the outbox changed (an upload may have compacted the log): read the figures again
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { log.reload(); }, [refresh]);
  const start = () => compaction.start({});
  return (
    <section className="card-section" aria-labelledby="pk-changelog" data-testid="change-log">
      <h2 id="pk-changelog">{tx.title}</h2>
      <Loaded query={log}>
        {(l: ChangeLog) => (
          <>
            <Facts testId="change-log-facts" items={[
              [tx.entries, <span data-testid="change-log-entries">{l.entries}</span>],
              [l.acceptedFull ? tx.sinceFull(l.acceptedFull.seq) : tx.sinceStart, <span data-testid="change-log-since">{l.sinceFull}</span>],
              [tx.removable, <span data-testid="change-log-removable">{l.removable}</span>],
            ]} />
            {!l.acceptedFull && <p className="muted">{tx.noFull}</p>}
            {l.missing.length > 0 && <Notice kind="error" testId="change-log-missing">{tx.missing(l.missing.map((h) => (h.from === h.to ? `№ ${h.from}` : `№ ${h.from}–${h.to}`)).join(', '))}</Notice>}
            <p>
              <button type="button" onClick={start} disabled={running || l.removable === 0} data-testid="compact-changes">{tx.compact}</button>
              {' '}<span className="muted">{tx.hint}</span>
            </p>
          </>
        )}
      </Loaded>
      {failure && <ErrorBox failure={failure} />}
      {job && <CompactionStatus job={job} result={compaction.result} onCancel={() => compaction.cancel()} />}
    </section>
  );
}

function CompactionStatus({ job, result, onCancel }: { job: Job; result: CompactionResult | undefined; onCancel: () => void }) {
  if (job.state === 'running') {
    return (
      <div className="notice notice-info" role="status" data-testid="compaction-progress">
        {tx.running} <progress max={job.total || 1} value={job.done} /> {tx.progress(job.done, job.total)}
        {' '}<button type="button" onClick={onCancel}>{tx.cancel}</button>
      </div>
    );
  }
  if (job.state === 'done') {
    if (!result) return null;
    const r = result;
    return <Notice kind="ok" testId="compaction-summary">{tx.done(r.removed, r.remaining)}</Notice>;
  }
  if (job.state === 'cancelled') return <Notice kind="warn" testId="compaction-summary">{tx.cancelled}</Notice>;
  return <Notice kind="error" testId="compaction-summary">{tx.failed}: {job.message}</Notice>;
}
