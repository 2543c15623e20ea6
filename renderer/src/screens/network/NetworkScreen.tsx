// The admin's choice to share the register on the office network (issue 18), the certificate's fingerprint workplaces
// compare, and who is connected.
import { useState } from 'react';
import { call } from '../../api';
import { t } from '../../strings';
import { EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { formatDateTime } from '../../../../preload/core/dates';
import { Form, FormActions, SelectField, SubmitButton, TextField, orNull, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

export function NetworkScreen() {
  const status = useQuery('network.status', {});
  const [address, setAddress] = useState('');
  const [port, setPort] = useState('8443');
  const [name, setName] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  return (
    <section>
      <PageHeader title={t.network.title} />
      {done && <Notice kind="ok" testId="network-done">{done}</Notice>}
      {failure && <ErrorBox failure={failure} />}
      <Loaded query={status}>
        {(s) => (
          <>
            {s.shared ? (
              <div data-testid="network-shared">
                <p><strong>{t.network.shared(s.url ?? '')}</strong></p>
                <p>{t.network.fingerprint}: <code className="mono" data-testid="network-fingerprint">{s.fingerprint}</code></p>
                <p className="muted small">{t.network.fingerprintHint}</p>
                <p className="muted small">{t.network.browserHowTo}</p>
                <button type="button" disabled={busy} onClick={() => {
                  if (window.confirm(t.network.confirmStop)) void run(async () => { await call('network.stop', {}); setDone(t.network.stopped); status.reload(); });
                }}>{t.network.stop}</button>
                <h2>{t.network.workplaces}</h2>
                <table className="grid" data-testid="network-workplaces">
                  <thead><tr><th scope="col">{t.network.colAddress}</th><th scope="col">{t.network.colLogin}</th><th scope="col">{t.network.colLastSeen}</th></tr></thead>
                  <tbody>
                    {s.workplaces.length === 0 && <EmptyRow cols={3}>{t.network.noWorkplaces}</EmptyRow>}
                    {s.workplaces.map((w) => (
                      <tr key={`${w.address}-${w.login}-${w.lastSeen}`}><td className="mono">{w.address}</td><td>{w.login}</td><td>{formatDateTime(w.lastSeen)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <>
                <p className="muted">{s.problem ?? t.network.off}</p>
                <Form failure={failure} busy={busy} testId="network-form" onSubmit={() => void run(async () => {
                  const r = await call('network.share', { address: address || s.address || s.addresses[0] || '127.0.0.1', port: Number(port), name: orNull(name) });
                  setDone(t.network.shared(r.url ?? ''));
                  status.reload();
                })}>
                  <SelectField name="address" label={t.network.address} value={address || s.address || s.addresses[0] || ''} onChange={setAddress}
                    options={[...s.addresses.map((a) => ({ value: a, label: a })), { value: '0.0.0.0', label: t.network.allAddresses }]} />
                  <TextField name="port" label={t.network.port} value={port} onChange={setPort} inputMode="numeric" size={6} />
                  <TextField name="name" label={t.network.name} value={name} onChange={setName} hint={t.network.nameHint} />
                  <FormActions><SubmitButton busy={busy}>{t.network.share}</SubmitButton></FormActions>
                </Form>
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
