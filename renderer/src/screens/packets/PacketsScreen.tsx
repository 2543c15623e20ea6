// Admins: the school's certificate (with a warning 30 days before it expires), the receiver's address, building,
// signing and uploading packets (a job with progress and cancel), the batch for several register files, and the
// outbox with each packet's state and receipt or the receiver's reasons.
import { useState } from 'react';
import type { CertificateSummary, Job, JobResult, OutboxPacket, TlsClientSettings } from '../../../../preload/contract';
import { ApiFailure, asFailure, call } from '../../api';
import { formatDate, formatDateTime } from '../../../../preload/core/dates';
import { personFromSubject, signerIdentifiers, signerName } from '../../../../preload/core/signer';
import { t } from '../../strings';
import { Badge, EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { Form, FormActions, RadioField, SelectField, SubmitButton, TextAreaField, TextField, useSubmit } from '../../ui/form';
import { useJob } from '../../ui/useJob';
import { useQuery } from '../../ui/useQuery';
import { readBase64 } from '../../ui/files';
import { FilePicker } from '../../ui/FilePicker';
import { ChangeLogPanel } from './ChangeLogPanel';

const tx = t.packets;
const tt = t.packetsTls;


const OUTBOX_LIMIT = 200;

export function PacketsScreen() {
  const settings = useQuery('packets.settings', {});
  const outbox = useQuery('packets.list', { limit: OUTBOX_LIMIT });
  const reload = () => { settings.reload(); outbox.reload(); };
  return (
    <section data-testid="packets-screen">
      <PageHeader title={tx.title} />
      <Loaded query={settings}>
        {(s) => (
          <div className="card-columns">
            <CertificatePanel cert={s.certificate} onLoaded={reload} />
            <EndpointPanel endpoint={s.endpoint} caPem={s.caPem} timeoutMs={s.timeoutMs} onSaved={reload} />
            <TlsPanel tls={s.tls} onSaved={reload} />
          </div>
        )}
      </Loaded>
      <WorkPanel onChange={outbox.reload} tls={settings.data?.tls ?? null} />
      <BatchPanel onChange={outbox.reload} tls={settings.data?.tls ?? null} />
      <ChangeLogPanel refresh={outbox.data} />
      <section className="card-section" aria-labelledby="pk-outbox">
        <h2 id="pk-outbox">{tx.outbox}</h2>
        <Loaded query={outbox}>
          {(o) => (<>
            {o.rows.length >= OUTBOX_LIMIT && <p className="table-caption" data-testid="packets-latest-only">{tx.latestOnly(OUTBOX_LIMIT)}</p>}
            <OutboxTable rows={o.rows} />
          </>)}
        </Loaded>
      </section>
    </section>
  );
}

function CertificatePanel({ cert, onLoaded }: { cert: CertificateSummary | null; onLoaded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    if (!file) throw new ApiFailure({ code: 'validation', message: tx.chooseFile, fields: { p12Base64: tx.chooseFile } });
    await call('packets.loadCertificate', { p12Base64: await readBase64(file), password });
    setPassword('');
    setDone(true);
    onLoaded();
  });
  return (
    <section className="card-section" aria-labelledby="pk-cert" data-testid="certificate">
      <h2 id="pk-cert">{tx.certificate}</h2>
      {cert ? <CertificateFacts cert={cert} signer /> : <p className="muted">{tx.noCertificate}</p>}
      {done && <Notice kind="ok">{tx.loaded}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="cert-form" label={tx.loadCertificate}>
        <div className="field" data-field="p12Base64">
          <label htmlFor="pk-cert-file">{tx.certFile}</label>
          <FilePicker id="pk-cert-file" accept=".p12,.pfx,application/x-pkcs12" fileName={file?.name ?? null} onChange={(e) => { setDone(false); setFile(e.target.files?.[0] ?? null); }} />
        </div>
        <TextField name="password" label={tx.certPassword} hint={tx.certPasswordHint} type="password" value={password} onChange={setPassword} autoComplete="off" />
        <FormActions><SubmitButton busy={busy}>{tx.load}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}

/**
 * Subject, issuer and validity of a certificate, with the warnings of its end of validity; for the signing
 * certificate (`signer`) also who signs, as a person: ФИО, title, organisation, ИНН/ОГРН/СНИЛС.
 */
function CertificateFacts({ cert, expired = tx.expired, signer = false }: { cert: CertificateSummary; expired?: string; signer?: boolean }) {
  const person = signer ? personFromSubject(cert.subject) : null;
  return (
    <>
      <dl className="facts">
        {person && <div className="fact"><dt>{tx.signerPerson}</dt><dd data-testid="cert-person">{signerName(person)}</dd></div>}
        {person && signerIdentifiers(person) && <div className="fact"><dt>{tx.signerIds}</dt><dd data-testid="cert-ids">{signerIdentifiers(person)}</dd></div>}
        <div className="fact"><dt>{tx.subject}</dt><dd data-testid="cert-subject">{cert.subject}</dd></div>
        <div className="fact"><dt>{tx.issuer}</dt><dd>{cert.issuer}</dd></div>
        <div className="fact"><dt>{tx.validity}</dt><dd data-testid="cert-validity">{tx.validityRange(formatDate(cert.notBefore), formatDate(cert.notAfter))}</dd></div>
      </dl>
      {cert.expired && <Notice kind="error" testId="cert-warning">{expired}</Notice>}
      {cert.expiresSoon && <Notice kind="warn" testId="cert-warning">{tx.expiresSoon(cert.daysLeft)}</Notice>}
    </>
  );
}

/** The TLS client certificate for a receiver that demands mutual TLS: none, the school's signing one, or its own file. */
function TlsPanel({ tls, onSaved }: { tls: TlsClientSettings; onSaved: () => void }) {
  const [source, setSource] = useState<string>(tls.source);
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    if (source === 'file') {
      if (!file) throw new ApiFailure({ code: 'validation', message: tt.chooseFile, fields: { p12Base64: tt.chooseFile } });
      await call('packets.setTlsCertificate', { source: 'file', p12Base64: await readBase64(file), password });
    } else {
      await call('packets.setTlsCertificate', { source: source as 'none' | 'signing' });
    }
    setPassword('');
    setDone(true);
    onSaved();
  });
  return (
    <section className="card-section" aria-labelledby="pk-tls" data-testid="tls-certificate">
      <h2 id="pk-tls">{tt.title}</h2>
      <p className="muted">{tt.lead}</p>
      <p data-testid="tls-current">{tt.current(tt.sources[tls.source])}</p>
      {tls.certificate && <CertificateFacts cert={tls.certificate} expired={tt.expired} />}
      {done && <Notice kind="ok">{tt.saved}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="tls-form" label={tt.title}>
        <RadioField name="source" label={tt.source} value={source} onChange={(v) => { setDone(false); setSource(v); }}
          options={(['none', 'signing', 'file'] as const).map((v) => ({ value: v, label: tt.sources[v] }))} />
        {source === 'file' && (
          <>
            <div className="field" data-field="p12Base64">
              <label htmlFor="pk-tls-file">{tt.file}</label>
              <FilePicker id="pk-tls-file" accept=".p12,.pfx,application/x-pkcs12" fileName={file?.name ?? null} onChange={(e) => { setDone(false); setFile(e.target.files?.[0] ?? null); }} />
            </div>
            <TextField name="password" label={tt.password} hint={tt.passwordHint} type="password" value={password} onChange={setPassword} autoComplete="off" />
          </>
        )}
        <FormActions><SubmitButton busy={busy}>{tt.save}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}

function EndpointPanel(props: { endpoint: string | null; caPem: string | null; timeoutMs: number; onSaved: () => void }) {
  const [endpoint, setEndpoint] = useState(props.endpoint ?? '');
  const [caPem, setCaPem] = useState(props.caPem ?? '');
  const [timeout, setTimeoutMs] = useState(String(props.timeoutMs));
  const [done, setDone] = useState(false);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    await call('packets.setEndpoint', { endpoint: endpoint.trim(), caPem: caPem.trim() || null, timeoutMs: Number(timeout) || undefined });
    setDone(true);
    props.onSaved();
  });
  return (
    <section className="card-section" aria-labelledby="pk-endpoint">
      <h2 id="pk-endpoint">{tx.endpoint}</h2>
      {done && <Notice kind="ok">{tx.endpointSaved}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="endpoint-form" label={tx.endpoint}>
        <TextField name="endpoint" label={tx.endpointUrl} hint={tx.endpointHint} value={endpoint} onChange={(v) => { setDone(false); setEndpoint(v); }} size={40} required />
        <TextAreaField name="caPem" label={tx.caPem} value={caPem} onChange={setCaPem} rows={3} />
        <TextField name="timeoutMs" label={tx.timeoutMs} value={timeout} onChange={setTimeoutMs} inputMode="numeric" size={8} />
        <FormActions><SubmitButton busy={busy}>{tx.saveEndpoint}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}

type UploadResult = JobResult<'packets.upload'>;

function JobProgress({ job, result, onCancel, summary }: { job: Job; result: UploadResult | undefined; onCancel: () => void; summary: (result: UploadResult) => string }) {
  if (job.state === 'running') {
    return (
      <div className="notice notice-info" role="status" data-testid="upload-progress">
        {tx.uploading} <progress max={job.total || 1} value={job.done} /> {tx.progress(job.done, job.total)}{job.message ? ` · ${job.message}` : ''}
        {' '}<button type="button" onClick={onCancel}>{tx.cancel}</button>
      </div>
    );
  }
  if (job.state === 'done') {
    if (!result) return null;
    const stopped = 'registers' in result ? undefined : result.stopped;
    // A run that did not get everything through says so first, with why; only a clean run is green.
    const reason = 'registers' in result ? undefined : result.reason;
    const counts = result as { accepted: number | unknown[]; rejected: number | unknown[]; pending: number };
    const n = (v: number | unknown[]) => (typeof v === 'number' ? v : v.length);
    const sentNothing = n(counts.accepted) === 0 && (counts.pending > 0 || n(counts.rejected) > 0);
    if (reason) {
      return (
        <>
          <Notice kind={sentNothing ? 'error' : 'warn'} testId="upload-summary">
            <strong data-testid="upload-reason">{sentNothing ? tx.nothingAccepted(reason) : tx.notAllAccepted(reason)}</strong> {summary(result)}
          </Notice>
          {stopped && <Notice kind="error" testId="upload-stopped">{tt.stopped(stopped)}</Notice>}
        </>
      );
    }
    return (
      <>
        <Notice kind={stopped ? 'warn' : sentNothing ? 'error' : 'ok'} testId="upload-summary">{summary(result)}</Notice>
        {stopped && <Notice kind="error" testId="upload-stopped">{tt.stopped(stopped)}</Notice>}
      </>
    );
  }
  if (job.state === 'cancelled') return <Notice kind="warn" testId="upload-summary">{tx.jobCancelled}</Notice>;
  return <Notice kind="error" testId="upload-summary">{tx.jobFailed}: {job.message}</Notice>;
}

function WorkPanel({ onChange, tls }: { onChange: () => void; tls: TlsClientSettings | null }) {
  const [kind, setKind] = useState<'' | 'full' | 'delta'>('');
  const [password, setPassword] = useState('');
  const [tlsPassword, setTlsPassword] = useState('');
  const needsTls = !!tls && tls.source !== 'none';
  const [note, setNote] = useState<string | null>(null);
  // «nothing to sign / to send» is how things are, not a mistake in a field: said as information
  const [info, setInfo] = useState<string | null>(null);
  const nothingToDo = async (action: () => Promise<void>) => {
    setInfo(null);
    try {
      await action();
    } catch (e) {
      const f = asFailure(e);
      if (f.code === 'validation' && (f.fields.packets || f.fields.kind === 'нет изменений')) { setInfo(f.message); return; }
      throw e;
    }
  };
  const build = useSubmit();
  const sign = useSubmit();
  const [thumbprint, setThumbprint] = useState('');
  const [pin, setPin] = useState('');
  const upload = useSubmit();
  const job = useJob('packets.upload', onChange);
  return (
    <section className="card-section" aria-labelledby="pk-work">
      <h2 id="pk-work">{tx.work}</h2>
      {note && <Notice kind="ok" testId="packets-note">{note}</Notice>}
      {info && <Notice kind="info" testId="packets-info">{info}</Notice>}
      <div className="card-columns">
        <Form failure={build.failure} busy={build.busy} testId="build-form" label={tx.build} onSubmit={() => build.run(() => nothingToDo(async () => {
          const b = await call('packets.build', kind ? { kind } : {});
          setNote(tx.built(b.seq, b.kind === 'full', b.students));
          onChange();
        }))}>
          <SelectField name="kind" label={tx.kind} value={kind} onChange={(v) => setKind(v as typeof kind)}
            options={[{ value: '', label: tx.kindAuto }, { value: 'full', label: tx.kindFull }, { value: 'delta', label: tx.kindDelta }]} />
          <FormActions><SubmitButton busy={build.busy}>{tx.build}</SubmitButton></FormActions>
        </Form>
        <Form failure={sign.failure} busy={sign.busy} testId="sign-form" label={tx.sign} onSubmit={() => sign.run(() => nothingToDo(async () => {
          // a key in КриптоПро CSP by its thumbprint (its PIN, if given, for this call only), else the loaded .p12
          const key = thumbprint.trim() ? { password: '', thumbprint: thumbprint.trim(), ...(pin ? { pin } : {}) } : { password };
          try {
            const s = await call('packets.sign', key);
            setNote(`${tx.signed(s.signed.length, s.signer)}${s.timestamped === undefined ? '' : s.timestampFailure ? ` ${tx.signedWithoutTime(s.timestampFailure)}` : ` ${tx.signedWithTime(s.timestamped)}`}`);
          } finally {
            setPassword('');
            setPin('');
          }
          onChange();
        }))}>
          <TextField name="password" label={tx.certPassword} hint={tx.certPasswordHint} type="password" value={password} onChange={setPassword} autoComplete="off"
            disabled={!!thumbprint.trim()} />
          <TextField name="thumbprint" label={tx.thumbprint} hint={tx.thumbprintHint} value={thumbprint} onChange={setThumbprint} autoComplete="off" size={44} />
          {!!thumbprint.trim() && <TextField name="pin" label={tx.pin} hint={tx.pinHint} type="password" value={pin} onChange={setPin} autoComplete="off" />}
          <FormActions><SubmitButton busy={sign.busy}>{tx.sign}</SubmitButton></FormActions>
        </Form>
        <Form failure={upload.failure} busy={upload.busy || job.job?.state === 'running'} testId="upload-form" label={tx.upload} onSubmit={() => upload.run(() => nothingToDo(async () => {
          setNote(null);
          // a refused start (a wrong TLS password) is this form's error, at its field
          const started = await call('packets.upload', needsTls ? { scope: 'all', tlsPassword } : { scope: 'all' });
          job.start(async () => started);
          setTlsPassword('');
        }))}>
          {needsTls && (
            <TextField name="tlsPassword" label={tt.uploadPassword} hint={tls?.certificate ? tt.uploadPasswordHint(tls.certificate.subject) : tt.passwordHint}
              type="password" value={tlsPassword} onChange={setTlsPassword} autoComplete="off" />
          )}
          <FormActions><SubmitButton busy={upload.busy || job.job?.state === 'running'}>{tx.upload}</SubmitButton></FormActions>
        </Form>
      </div>
      {job.failure && <ErrorBox failure={job.failure} />}
      {job.job && <JobProgress job={job.job} result={job.result} onCancel={() => job.cancel()} summary={(r) => {
        const s = r as { accepted: unknown[]; rejected: unknown[]; pending: number };
        return tx.summary(s.accepted.length, s.rejected.length, s.pending);
      }} />}
    </section>
  );
}

function BatchPanel({ onChange, tls }: { onChange: () => void; tls: TlsClientSettings | null }) {
  const [files, setFiles] = useState('');
  const [password, setPassword] = useState('');
  const [tlsPassword, setTlsPassword] = useState('');
  const ownTlsFile = tls?.source === 'file';
  const [concurrency, setConcurrency] = useState('3');
  const { busy, failure, run } = useSubmit();
  const job = useJob('packets.upload', onChange);
  return (
    <section className="card-section" aria-labelledby="pk-batch">
      <h2 id="pk-batch">{tx.batch}</h2>
      <Form failure={failure} busy={busy} testId="batch-form" label={tx.batch} onSubmit={() => run(async () => {
        const registers = files.split('\n').map((f) => f.trim()).filter(Boolean);
        const started = await call('packets.upload', { registers, password, concurrency: Number(concurrency) || 3, ...(ownTlsFile ? { tlsPassword } : {}) });
        job.start(async () => started);
        setPassword('');
        setTlsPassword('');
      })}>
        <TextAreaField name="registers" label={tx.batchFiles} value={files} onChange={setFiles} rows={3} />
        <TextField name="password" label={tx.certPassword} type="password" value={password} onChange={setPassword} autoComplete="off"
          hint={tls?.source === 'signing' ? tt.batchSigningHint : undefined} />
        {ownTlsFile && <TextField name="tlsPassword" label={tt.uploadPassword} type="password" value={tlsPassword} onChange={setTlsPassword} autoComplete="off" />}
        <TextField name="concurrency" label={tx.concurrency} value={concurrency} onChange={setConcurrency} inputMode="numeric" size={3} />
        <FormActions><SubmitButton busy={busy || job.job?.state === 'running'}>{tx.batchRun}</SubmitButton></FormActions>
      </Form>
      {job.failure && <ErrorBox failure={job.failure} />}
      {job.job && <JobProgress job={job.job} result={job.result} onCancel={() => job.cancel()} summary={(r) => {
        const s = r as { registers: unknown[]; accepted: number; rejected: number; pending: number; failed: number };
        return tx.batchSummary(s.registers.length, s.accepted, s.rejected, s.pending, s.failed);
      }} />}
    </section>
  );
}

const STATE_BADGE: Record<string, 'ok' | 'warn' | 'neutral' | 'info' | 'muted'> = {
  accepted: 'ok', rejected: 'warn', retry: 'info', sending: 'info', signed: 'neutral', built: 'muted',
};

function OutboxTable({ rows }: { rows: OutboxPacket[] }) {
  return (
    <table className="grid" data-testid="outbox">
      <thead><tr>
        <th scope="col">{tx.colSeq}</th><th scope="col">{tx.colKind}</th><th scope="col">{tx.colState}</th><th scope="col">{tx.colStudents}</th>
        <th scope="col">{tx.colAttempts}</th><th scope="col">{tx.colCreated}</th><th scope="col">{tx.colReceipt}</th>
      </tr></thead>
      <tbody>
        {rows.length === 0 && <EmptyRow cols={7}>{tx.empty}</EmptyRow>}
        {rows.map((p) => (
          <tr key={p.id} data-testid={`packet-${p.seq}`} data-state={p.state}>
            <td>{p.seq}</td>
            <td>{tx.kinds[p.kind]}</td>
            <td><Badge kind={STATE_BADGE[p.state]}>{tx.states[p.state]}</Badge></td>
            <td>{p.students}</td>
            <td>{p.attempts}</td>
            <td className="nowrap">{formatDateTime(p.createdAt)}</td>
            <td>
              {p.receipt ? <span className="mono" title={p.receipt.receiptId}>{tx.receipt(p.receipt.receiptId, formatDateTime(p.receipt.acceptedAt))}</span>
                : p.reasons ? p.reasons.map((r) => r.message).join('; ')
                : p.state === 'retry' && p.nextAttemptAt ? `${p.lastError ?? ''} · ${tx.nextAttempt(formatDateTime(p.nextAttemptAt))}` : p.lastError ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
