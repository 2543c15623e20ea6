// «Закрыть год»: seals every class of the year as one job — a progress bar while it runs, «Отменить» to stop it,
// then what was sealed and which classes were not (with the marks they lack). Before the job starts, a confirmation
// says what it would do: which classes would be sealed, how many marks, what keeps the others back.
import { useEffect, useRef, useState } from 'react';
import type { CloseYearSummary } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
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
  // the confirmation: the year as closing would find it, read when asked
  const dialog = useRef<HTMLDialogElement>(null);
  const [summary, setSummary] = useState<CloseYearSummary | null>(null);
  const [asking, setAsking] = useState(false);
  const [summaryFailure, setSummaryFailure] = useState<ApiFailure | null>(null);
  const ask = async () => {
    setAsking(true);
    setSummaryFailure(null);
    try {
      setSummary(await call('ledgers.closeYearSummary', { yearId }));
      dialog.current?.showModal();
    } catch (e) {
      setSummaryFailure(asFailure(e));
    } finally {
      setAsking(false);
    }
  };
  const confirm = () => {
    dialog.current?.close();
    start();
  };
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
        <button type="button" ref={runButton} className="primary" onClick={ask} disabled={running || asking} data-testid="close-year-run">
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
      {summaryFailure && <ErrorBox failure={summaryFailure} />}
      {failure && <ErrorBox failure={failure} />}
      <dialog ref={dialog} className="confirm" aria-labelledby="close-confirm-h" data-testid="close-year-confirm-dialog">
        {summary && <CloseSummary summary={summary} allowNa={allowNa} />}
        <div className="form-actions">
          <button type="button" className="primary" onClick={confirm} data-testid="close-year-confirm">{t.closeConfirm.confirm}</button>
          <button type="button" onClick={() => dialog.current?.close()} autoFocus data-testid="close-year-back">{t.closeConfirm.back}</button>
        </div>
      </dialog>
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

/** What closing would do, class by class: sealed now, already sealed, or held back and why. */
function CloseSummary({ summary, allowNa }: { summary: CloseYearSummary; allowNa: boolean }) {
  const tc = t.closeConfirm;
  const fate = (c: CloseYearSummary['classes'][number]) =>
    c.state === 'sealed' ? 'sealed' : c.missing === 0 && (c.na === 0 || allowNa) ? 'seal' : 'hold';
  const count = (f: string) => summary.classes.filter((c) => fate(c) === f).length;
  return (
    <div data-testid="close-year-summary">
      <h2 id="close-confirm-h">{tc.title(summary.year)}</h2>
      <p>{tc.lead}</p>
      <p><strong data-testid="close-year-totals">{tc.totals(summary.classes.length, summary.marks)}</strong></p>
      <ul>
        <li data-testid="close-year-will-seal">{tc.willSeal(count('seal'))}</li>
        {count('sealed') > 0 && <li>{tc.already(count('sealed'))}</li>}
        {count('hold') > 0 && <li data-testid="close-year-held">{tc.held(count('hold'))}</li>}
      </ul>
      <div className="scroll-box">
        <table className="grid confirm-table">
          <thead><tr>
            <th scope="col">{tc.colClass}</th><th scope="col" className="num">{tc.colStudents}</th><th scope="col" className="num">{tc.colMarks}</th>
            <th scope="col">{tc.colWhat}</th><th scope="col">{tc.colMissing}</th>
          </tr></thead>
          <tbody>
            {summary.classes.map((c) => (
              <tr key={c.classId} data-testid="close-year-class" data-fate={fate(c)}>
                <th scope="row">{c.className}</th>
                <td className="num">{c.students}</td>
                <td className="num">{c.marks}</td>
                <td>{tc[fate(c) as 'seal' | 'sealed' | 'hold']}</td>
                <td className="small">{c.state === 'open' && c.gaps
                  ? [c.missing ? t.ledgers.missing(c.missing) : null, c.na ? t.ledgers.naCount(c.na) : null, c.gaps].filter(Boolean).join('. ') : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
