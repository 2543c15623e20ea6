// «Закрыть год»: seals every class of the year as one job — a progress bar while it runs, «Отменить» to stop it,
// then what was sealed and which classes were not (with the marks they lack).
import { useEffect, useRef, useState } from 'react';
import { call } from '../../api';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { useJob } from '../../ui/useJob';
import { CertificateFields, useCertificate } from './Certificate';

export function CloseYear({ yearId, yearName, onChanged }: { yearId: number; yearName: string; onChanged: () => void }) {
  const tx = t.ledgers;
  const cert = useCertificate();
  const [allowNa, setAllowNa] = useState(false);
  const close = useJob('ledgers.closeYear', onChanged);
  const { job, failure, cancelling } = close;
  const cancelButton = useRef<HTMLButtonElement>(null);
  const runButton = useRef<HTMLButtonElement>(null);
  const running = job?.state === 'running';
  // The start button is disabled while the job runs and «Отменить» goes away after it: keep the keyboard's place.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (running) cancelButton.current?.focus();
    else if (wasRunning.current) runButton.current?.focus();
    wasRunning.current = running;
  }, [running]);

  const start = () => close.start(() => cert.withCertificate((certificate) => call('ledgers.closeYear', { yearId, allowNa, ...(certificate ? { certificate } : {}) })));
  const cancel = () => close.cancel();

  const result = close.result;
  return (
    <section className="panel" aria-labelledby="close-year-h" data-testid="close-year">
      <h2 id="close-year-h">{tx.closeYear(yearName)}</h2>
      <p className="lead">{tx.closeYearLead}</p>
      <CertificateFields cert={cert} disabled={running} />
      <div className="field field-check">
        <label>
          <input type="checkbox" checked={allowNa} onChange={(e) => setAllowNa(e.target.checked)} disabled={running} /> {tx.allowNa}
        </label>
      </div>
      <div className="form-actions">
        <button type="button" ref={runButton} className="primary" onClick={start} disabled={running} data-testid="close-year-run">
          {running ? tx.closing : tx.closeYear(yearName)}
        </button>
        {running && (
          <button type="button" ref={cancelButton} onClick={cancel} disabled={cancelling} data-testid="close-year-cancel">
            {cancelling ? tx.cancelling : tx.cancel}
          </button>
        )}
      </div>
      {job && running && (
        <div className="job-progress" data-testid="close-year-progress">
          <progress value={job.done} max={job.total || 1} aria-label={tx.closing}
            aria-valuetext={job.total ? tx.jobProgress(job.done, job.total) : undefined} />
          <span className="small muted" aria-live="polite">
            {job.total ? tx.jobProgress(job.done, job.total) : t.common.loading}{job.message ? ` · ${job.message}` : ''}
          </span>
        </div>
      )}
      {failure && <ErrorBox failure={failure} />}
      {job?.state === 'cancelled' && <Notice kind="warn" testId="close-year-cancelled">{tx.closeCancelled}</Notice>}
      {job?.state === 'failed' && <Notice kind="error" testId="close-year-failed"><strong>{tx.closeFailed}:</strong> {job.message}</Notice>}
      {result && (
        <div data-testid="close-year-done">
          <Notice kind={result.skipped.length ? 'warn' : 'ok'}>{tx.closeDone(result.sealed.length, result.alreadySealed.length, result.skipped.length)}</Notice>
          {result.skipped.length > 0 && (
            <>
              <h3 className="small strong">{tx.skippedTitle}</h3>
              <ul className="skipped-list scroll-box" data-testid="close-year-skipped">
                {result.skipped.map((s) => (
                  <li key={s.classId}><Link to={`/ledgers/${s.classId}`}>{s.className}</Link>: {s.reason}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
