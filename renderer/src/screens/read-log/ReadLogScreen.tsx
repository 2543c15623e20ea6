// The read-access log for the administrator (issue 18): who read which student's card, list or printout, when and from
// which workplace; filtered by student and by user; the chain checked; the retention set and old entries purged (an
// audited command).
import { useState } from 'react';
import { asFailure, call, type ApiFailure } from '../../api';
import type { Output } from '../../../../preload/contract';
import { formatDate, formatDateTime } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { Pager } from '../../ui/Pager';
import { useQuery } from '../../ui/useQuery';

const tx = t.personalData;
const PAGE = 100;

export function ReadLogScreen() {
  const [student, setStudent] = useState('');
  const [login, setLogin] = useState('');
  const [offset, setOffset] = useState(0);
  const users = useQuery('users.list', {});
  const log = useQuery('readLog.list', { student: student.trim() || undefined, login: login || undefined, limit: PAGE, offset });
  const [verdict, setVerdict] = useState<Output<'readLog.verify'> | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const verify = async () => {
    setVerdict(null); setFailure(null);
    try { setVerdict(await call('readLog.verify', {})); } catch (e) { setFailure(asFailure(e)); }
  };

  return (
    <section data-testid="read-log-screen">
      <PageHeader title={tx.readLog}>
        <button type="button" onClick={() => void verify()}>{tx.verify}</button>
      </PageHeader>
      <p className="muted">{tx.readLogIntro}</p>
      {failure && <ErrorBox failure={failure} />}
      {verdict && <Notice kind={verdict.ok ? 'ok' : 'error'} testId="read-log-verdict">{verdict.message}</Notice>}
      <Retention onPurged={log.reload} />
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="read-log-student">{tx.filterStudent}</label>
          <input id="read-log-student" type="search" value={student} onChange={(e) => { setStudent(e.target.value); setOffset(0); }} />
        </div>
        <div className="toolbar-field">
          <label htmlFor="read-log-user">{tx.filterUser}</label>
          <select id="read-log-user" value={login} onChange={(e) => { setLogin(e.target.value); setOffset(0); }}>
            <option value="">{tx.allUsers}</option>
            {(users.data ?? []).map((u) => <option key={u.login} value={u.login}>{`${u.fullName} (${u.login})`}</option>)}
          </select>
        </div>
      </div>
      <Loaded query={log}>
        {(page) => (
          <>
            <p className="muted small" data-testid="read-log-total">{tx.total(page.total)}</p>
            <table className="grid compact" data-testid="read-log-table">
              <thead><tr>
                <th scope="col">{tx.colAt}</th><th scope="col">{tx.colUser}</th><th scope="col">{tx.colWorkplace}</th>
                <th scope="col">{tx.colKind}</th><th scope="col">{tx.colMethod}</th><th scope="col">{tx.colStudents}</th>
              </tr></thead>
              <tbody>
                {page.rows.length === 0 && <EmptyRow cols={6}>{tx.empty}</EmptyRow>}
                {page.rows.map((r) => (
                  <tr key={r.id} className={verdict?.brokenAt === r.id ? 'row-error' : undefined}>
                    <td className="nowrap">{formatDateTime(r.at)}</td>
                    <td>{r.userName ? `${r.userName} (${r.login})` : r.login}</td>
                    <td>{r.workplace}</td>
                    <td>{tx.kinds[r.kind] ?? r.kind}</td>
                    <td>{t.audit.methods[r.method as keyof typeof t.audit.methods] ?? r.method}<div className="mono small muted">{r.method}</div></td>
                    <td>{r.students.map((s) => s.fullName).join(', ')}{r.studentCount > r.students.length ? tx.andMore(r.studentCount - r.students.length) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager page={offset / PAGE + 1} pages={Math.max(1, Math.ceil(page.total / PAGE))} onPage={(p) => setOffset((p - 1) * PAGE)} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function Retention({ onPurged }: { onPurged: () => void }) {
  const settings = useQuery('readLog.settings', {});
  const [days, setDays] = useState<string | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (what: () => Promise<string>) => {
    setSaid(null);
    try { setSaid({ ok: true, text: await what() }); settings.reload(); } catch (e) { setSaid({ ok: false, text: asFailure(e).message }); }
  };
  return (
    <Loaded query={settings}>
      {(s) => (
        <div className="panel" data-testid="read-log-retention">
          <div className="toolbar">
            <div className="toolbar-field">
              <label htmlFor="read-log-days">{tx.retention}</label>
              <input id="read-log-days" type="number" min={30} max={3650} value={days ?? String(s.retentionDays)} onChange={(e) => setDays(e.target.value)} />
            </div>
            <button type="button" onClick={() => void act(async () => { await call('readLog.setRetention', { retentionDays: Number(days ?? s.retentionDays) }); setDays(null); return t.common.saved; })}>
              {tx.retentionSave}
            </button>
            <button type="button" className="danger" disabled={s.expired === 0} data-testid="read-log-purge"
              onClick={() => { if (window.confirm(tx.purgeConfirm(s.expired))) void act(async () => { const r = await call('readLog.purge', {}); onPurged(); return tx.purged(r.removed, formatDate(r.before)); }); }}>
              {tx.purge}
            </button>
          </div>
          <p className="muted small">
            {tx.retentionState(s.entries, s.oldest ? formatDateTime(s.oldest) : null, s.expired)}
            {s.lastPurge && <> {tx.lastPurge(formatDateTime(s.lastPurge.at), s.lastPurge.login, s.lastPurge.removed)}</>}
          </p>
          {said && <Notice kind={said.ok ? 'ok' : 'error'}>{said.text}</Notice>}
        </div>
      )}
    </Loaded>
  );
}
