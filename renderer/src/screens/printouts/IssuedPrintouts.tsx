// The certified printouts already given out (справки, pages of the алфавитная книга, книги учёта аттестатов), newest
// first, each with its code: «Скачать ещё раз» gives back the registered file itself (same bytes, same code).
import { useId, useState } from 'react';
import { PRINTOUT_KINDS, type Input, type PrintoutT } from '../../../../preload/contract';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { formatDateTime } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, Notice } from '../../ui/common';
import { saveFile } from '../../ui/files';
import { useQuery } from '../../ui/useQuery';
import { Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { CertificateFields, useCertificate } from '../ledgers/Certificate';

type Kind = (typeof PRINTOUT_KINDS)[number];

/** What the printout is about: the backend's label (the student's ФИО, «буква А», the academic year). */
const subjectOf = (p: PrintoutT) => p.label;

const LIST_LIMIT = 200;

export function IssuedPrintouts() {
  const tx = t.printouts;
  const filterId = useId();
  const [kind, setKind] = useState<'' | Kind>('');
  const list = useQuery('printouts.list', { kind: kind || undefined, limit: LIST_LIMIT });
  const canGet = useCan('printouts.get');
  const canSign = useCan('printouts.sign');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function download(code: string, what: 'pdf' | 'p7s' = 'pdf') {
    setBusy(code);
    setError(null);
    try {
      const r = what === 'pdf' ? await call('printouts.get', { code }) : await call('printouts.signature', { code });
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
      {canSign && <SignPrintout />}
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
        {(rows) => (<>
          {rows.length >= LIST_LIMIT && <p className="table-caption" data-testid="printouts-latest-only">{tx.latestOnly(LIST_LIMIT)}</p>}
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
                      {canGet && (
                        <>{' '}<button type="button" className="link-button" disabled={busy !== null} aria-label={tx.signatureOf(p.code)}
                          onClick={() => void download(p.code, 'p7s')}>{tx.signature}</button></>
                      )}
                      {' '}<Link to={`/verify?code=${encodeURIComponent(p.code)}`} aria-label={tx.checkOf(p.code)}>{tx.check}</Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>)}
      </Loaded>
    </section>
  );
}

/** An administrator signs a registered printout by its code with the school's certificate (a .p12 or a key in
 *  КриптоПро CSP); the signature (.p7s) is saved beside where the PDF went. */
function SignPrintout() {
  const tx = t.printouts;
  const cert = useCertificate();
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  return (
    <Form failure={failure} busy={busy} testId="printout-sign-form" label={tx.signTitle} onSubmit={() => run(async () => {
      setDone(null);
      // without a certificate the backend names the missing field (the contract requires one)
      const r = await cert.withCertificate((certificate) => call('printouts.sign', { code: code.trim(), ...(certificate ? { certificate } : {}) } as Input<'printouts.sign'>));
      saveFile(r.fileName, r.dataBase64);
      setDone(tx.signed(r.fileName, r.signer, r.already));
    })}>
      <h3 className="small strong">{tx.signTitle}</h3>
      <p className="muted small">{tx.signLead}</p>
      <TextField name="code" label={tx.signCode} value={code} onChange={setCode} autoComplete="off" size={16} required />
      <CertificateFields cert={cert} disabled={busy} />
      <FormActions><SubmitButton busy={busy}>{tx.sign}</SubmitButton></FormActions>
      {done && <Notice kind="ok" testId="printout-signed">{done}</Notice>}
    </Form>
  );
}
