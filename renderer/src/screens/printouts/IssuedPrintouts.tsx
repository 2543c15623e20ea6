// The certified printouts already given out (справки, pages of the алфавитная книга, книги учёта аттестатов), newest
// first, each with its code: «Скачать ещё раз» gives back the registered file itself (same bytes, same code).
import { useId, useState } from 'react';
import { PRINTOUT_KINDS, type PrintoutT } from '../../../../preload/contract';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { formatDateTime } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, Notice } from '../../ui/common';
import { saveFile } from '../../ui/files';
import { useQuery } from '../../ui/useQuery';

type Kind = (typeof PRINTOUT_KINDS)[number];

/** What the printout is about: the backend's label (the student's ФИО, «буква А», the academic year). */
const subjectOf = (p: PrintoutT) => p.label;

export function IssuedPrintouts() {
  const tx = t.printouts;
  const filterId = useId();
  const [kind, setKind] = useState<'' | Kind>('');
  const list = useQuery('printouts.list', { kind: kind || undefined });
  const canGet = useCan('printouts.get');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function download(code: string) {
    setBusy(code);
    setError(null);
    try {
      const r = await call('printouts.get', { code });
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setError(asFailure(e).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card-section" aria-labelledby="issued-printouts-h" data-testid="issued-printouts">
      <h2 id="issued-printouts-h">{tx.listTitle}</h2>
      <p className="lead">{tx.listLead}</p>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor={filterId}>{tx.kindFilter}</label>
          <select id={filterId} value={kind} onChange={(e) => setKind(e.target.value as '' | Kind)}>
            <option value="">{tx.allKinds}</option>
            {PRINTOUT_KINDS.map((k) => <option key={k} value={k}>{tx.kinds[k]}</option>)}
          </select>
        </div>
      </div>
      {error && <Notice kind="error" testId="printout-get-error">{error}</Notice>}
      <Loaded query={list}>
        {(rows) => (
          <table className="grid compact" data-testid="printouts-table">
            <thead>
              <tr>
                <th scope="col">{tx.colKind}</th>
                <th scope="col">{tx.colWhat}</th>
                <th scope="col" className="num">{tx.colVersion}</th>
                <th scope="col">{tx.colCode}</th>
                <th scope="col">{tx.colDate}</th>
                <th scope="col">{tx.colBy}</th>
                <th scope="col"><span className="visually-hidden">{t.student.actions}</span></th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && <EmptyRow cols={7}>{tx.empty}</EmptyRow>}
              {rows.map((p) => {
                const what = subjectOf(p);
                const student = /^student:(.+)$/.exec(p.subjectRef)?.[1];
                return (
                  <tr key={p.id} data-testid="printout-row" data-code={p.code}>
                    <td>{tx.kinds[p.kind]}</td>
                    <td>{student ? <Link to={`/students/${student}`}>{what}</Link> : what}</td>
                    <td className="num">{p.version}</td>
                    <th scope="row" className="mono nowrap">{p.code}</th>
                    <td className="nowrap">{formatDateTime(p.createdAt)}</td>
                    <td>{p.createdBy}</td>
                    <td className="row-actions">
                      {canGet && (
                        <button type="button" className="link-button" disabled={busy !== null} aria-label={tx.downloadOf(p.code)}
                          onClick={() => void download(p.code)}>{busy === p.code ? t.printouts.printing : tx.download}</button>
                      )}
                      {' '}<Link to={`/verify?code=${encodeURIComponent(p.code)}`} aria-label={tx.checkOf(p.code)}>{tx.check}</Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}
