// The register's time-stamping service: every seal, year close and packet signed with a certificate asks it for
// trusted time. Everyone sees it; an administrator sets the address, the service's CA and what to do when it fails.
import { useEffect, useState } from 'react';
import { call } from '../../api';
import { useUser } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { FilePicker } from '../../ui/FilePicker';
import { Form, FormActions, RadioField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

type OnFailure = 'refuse' | 'without_time';

export function TsaSettings() {
  const tx = t.tsaSettings;
  const admin = useUser().role === 'admin';
  const tsa = useQuery('signing.tsa', {});
  const [url, setUrl] = useState('');
  const [onFailure, setOnFailure] = useState<OnFailure>('refuse');
  const [file, setFile] = useState<File | null>(null);
  const [done, setDone] = useState(false);
  // the form starts from what is stored, and follows it until the admin edits it (a late answer must not wipe typing)
  const [edited, setEdited] = useState(false);
  const { busy, failure, run } = useSubmit();
  useEffect(() => {
    if (tsa.data && !edited) {
      setUrl(tsa.data.url ?? '');
      setOnFailure(tsa.data.onFailure);
    }
  }, [tsa.data, edited]);
  const edit = () => {
    setDone(false);
    setEdited(true);
  };
  const save = (clear: boolean) => run(async () => {
    const caPem = !clear && file ? await file.text() : undefined;
    await call('signing.setTsa', { url: clear ? null : url.trim() || null, onFailure, ...(caPem ? { caPem } : {}) });
    setDone(true);
    setFile(null);
    setEdited(false);
    tsa.reload();
  });
  return (
    <section className="card-section" aria-labelledby="tsa-h" data-testid="tsa-settings">
      <h2 id="tsa-h">{tx.title}</h2>
      <p className="muted">{tx.lead}</p>
      {tsa.error && <ErrorBox failure={tsa.error} />}
      {tsa.data && (tsa.data.url
        ? <div data-testid="tsa-current"><p>{tx.current(tsa.data.url)} {tsa.data.onFailure === 'refuse' ? tx.refuse : tx.withoutTime}</p>
          <ul>{tsa.data.ca.map((a) => <li key={a.sha256Fingerprint}>{tx.ca}: <strong>{a.commonName}</strong> — {tx.until(formatDate(a.notAfter))}</li>)}</ul></div>
        : <Notice kind="info" testId="tsa-none">{tx.none}</Notice>)}
      {done && <Notice kind="ok">{tx.saved}</Notice>}
      {admin && (
        <Form failure={failure} busy={busy} onSubmit={() => void save(false)} testId="tsa-form" label={tx.save}>
          <TextField name="url" label={tx.url} value={url} onChange={(v) => { edit(); setUrl(v); }} placeholder="http://…" wide />
          <div className="field" data-field="caPem">
            <label htmlFor="tsa-ca-file">{tx.caFile}</label>
            <FilePicker id="tsa-ca-file" accept=".pem,.crt,.cer" fileName={file?.name ?? null} onChange={(e) => { edit(); setFile(e.target.files?.[0] ?? null); }} />
          </div>
          <RadioField name="onFailure" label={tx.onFailure} value={onFailure} onChange={(v) => { edit(); setOnFailure(v as OnFailure); }}
            options={[{ value: 'refuse', label: tx.refuse }, { value: 'without_time', label: tx.withoutTime }]} />
          <FormActions>
            <SubmitButton busy={busy}>{tx.save}</SubmitButton>
            {!!tsa.data?.url && <button type="button" disabled={busy} onClick={() => void save(true)}>{tx.clear}</button>}
          </FormActions>
        </Form>
      )}
    </section>
  );
}
