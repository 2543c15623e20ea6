// The register's trust anchors: the roots «Проверка документа», archive checks and restores build a signer's path to.
// Everyone sees the list; an administrator replaces it from a PEM file or clears it.
import { useState } from 'react';
import { call } from '../../api';
import { useUser } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { FilePicker } from '../../ui/FilePicker';
import { Form, FormActions, SubmitButton, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

export function TrustAnchors() {
  const tx = t.trustAnchors;
  const admin = useUser().role === 'admin';
  const anchors = useQuery('signing.trustAnchors', {});
  const [file, setFile] = useState<File | null>(null);
  const [done, setDone] = useState(false);
  const { busy, failure, run } = useSubmit();
  const replace = (pem: string) => run(async () => {
    await call('signing.setTrustAnchors', { pem });
    setDone(true);
    anchors.reload();
  });
  return (
    <section className="card-section" aria-labelledby="trust-h" data-testid="trust-anchors">
      <h2 id="trust-h">{tx.title}</h2>
      <p className="muted">{tx.lead}</p>
      {anchors.error && <ErrorBox failure={anchors.error} />}
      {anchors.data && (anchors.data.length
        ? <ul data-testid="trust-anchor-list">{anchors.data.map((a) => (
          <li key={a.sha256Fingerprint}><strong>{a.commonName}</strong> — {tx.until(formatDate(a.notAfter))}{a.isCa ? '' : `, ${tx.notCa}`}
            <div className="small muted mono">{a.sha256Fingerprint}</div></li>))}</ul>
        : <Notice kind="warn" testId="trust-none">{tx.none}</Notice>)}
      {done && <Notice kind="ok">{tx.saved}</Notice>}
      {admin && (
        <Form failure={failure} busy={busy} onSubmit={() => { if (file) void file.text().then(replace); }} testId="trust-form" label={tx.replace}>
          <div className="field" data-field="pem">
            <label htmlFor="trust-file">{tx.file}</label>
            <FilePicker id="trust-file" accept=".pem,.crt,.cer" fileName={file?.name ?? null} onChange={(e) => { setDone(false); setFile(e.target.files?.[0] ?? null); }} />
          </div>
          <FormActions>
            <SubmitButton busy={busy}>{tx.replace}</SubmitButton>
            {!!anchors.data?.length && <button type="button" disabled={busy} onClick={() => void replace('')}>{tx.clear}</button>}
          </FormActions>
        </Form>
      )}
    </section>
  );
}
