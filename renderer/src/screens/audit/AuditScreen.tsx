import { useState } from 'react';
import { asFailure, call, type ApiFailure } from '../../api';
import type { Method, Output } from '../../../../preload/contract';
import { formatDateTime } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';

const LIMITS = [100, 500, 1000];

export function AuditScreen() {
  const [limit, setLimit] = useState(100);
  const entries = useQuery('audit.list', { limit });
  const [verifying, setVerifying] = useState(false);
  const [verdict, setVerdict] = useState<Output<'audit.verify'> | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  const verify = async () => {
    setVerifying(true); setVerdict(null); setFailure(null);
    try { setVerdict(await call('audit.verify', {})); } catch (e) { setFailure(asFailure(e)); } finally { setVerifying(false); }
  };

  return (
    <section>
      <PageHeader title={t.audit.title}>
        <button type="button" className="primary" onClick={verify} disabled={verifying}>{verifying ? t.audit.verifying : t.audit.verify}</button>
      </PageHeader>
      {failure && <ErrorBox failure={failure} />}
      {verdict && (
        <Notice kind={verdict.ok ? 'ok' : 'error'} testId="audit-verdict">
          <strong>{verdict.ok ? t.audit.verifyOk(verdict.entries) : t.audit.verifyBroken(verdict.brokenAt)}</strong>
          {!verdict.ok && verdict.message && <> {verdict.message}</>}
        </Notice>
      )}
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="audit-limit">{t.audit.limit}</label>
          <select id="audit-limit" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMITS.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </div>
      </div>
      <Loaded query={entries}>
        {(list) => (
          <table className="grid compact" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col" className="num">№</th>
                <th scope="col">{t.audit.colAt}</th>
                <th scope="col">{t.audit.colLogin}</th>
                <th scope="col">{t.audit.colMethod}</th>
                <th scope="col">{t.audit.colDetail}</th>
                <th scope="col">{t.audit.colHash}</th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={6}>{t.audit.empty}</EmptyRow>}
              {list.map((e) => (
                <tr key={e.id} className={verdict?.brokenAt === e.id ? 'row-error' : undefined}>
                  <td className="num">{e.id}</td>
                  <td className="nowrap">{formatDateTime(e.at)}</td>
                  <td>{e.login ?? <span className="muted">{t.audit.system}</span>}</td>
                  <td>
                    {t.audit.methods[e.method as Method] ?? e.method}
                    <div className="mono small muted">{e.method}</div>
                  </td>
                  <td className="detail"><AuditDetail detail={e.detail} /></td>
                  <td className="mono hash" title={e.hash}>{e.hash.slice(0, 12)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

/** The recorded arguments: one line at a glance, the whole of them on request. */
function AuditDetail({ detail }: { detail: string }) {
  let pretty = detail;
  try { pretty = JSON.stringify(JSON.parse(detail), null, 2); } catch { /* not JSON: shown as recorded */ }
  if (detail.length <= 90) return <span className="mono small">{detail}</span>;
  return (
    <details>
      <summary className="mono small">{detail.slice(0, 90)}…</summary>
      <pre className="mono small">{pretty}</pre>
    </details>
  );
}
