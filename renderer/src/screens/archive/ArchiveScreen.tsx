// The archivist's screen: the media register (label, kind, room; stale and unverified copies flagged), a backup to
// the selected media with progress and cancel, verify and repair, restore (into a new file or over the open register)
// and the drill, and the history.
import { useRef, useState } from 'react';
import { call } from '../../api';
import type { AuditWitnessT, MediaT, RestoreJobResult } from '../../../../preload/contract-archive';
import type { Job } from '../../../../preload/contract';
import type { Output } from '../../../../preload/contract';
import { MEDIA_KINDS } from '../../../../preload/contract-archive';
import { formatDate, formatDateTime } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { Badge, EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { CheckField, Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useJob } from '../../ui/useJob';
import { useUser } from '../../app/user';
import { useQuery } from '../../ui/useQuery';
import { saveFile } from '../../ui/files';

const a = t.archive;
const when = (iso: string | null) => (iso ? formatDateTime(iso) : a.never);

export function ArchiveScreen() {
  const media = useQuery('media.list', {});
  const history = useQuery('backup.history', { limit: 30 });
  const [selected, setSelected] = useState<number[]>([]);
  const refresh = () => { media.reload(); history.reload(); };
  return (
    <section>
      <PageHeader title={a.title} />
      <p className="muted">{a.lead}</p>
      <Loaded query={media}>
        {(list) => (
          <>
            <MediaTable list={list} selected={selected} onSelect={setSelected} />
            <AddMedia onDone={refresh} />
            <BackupPanel media={list.filter((m) => selected.includes(m.id))} onDone={refresh} />
            <VerifyPanel media={list.filter((m) => selected.includes(m.id))} onDone={refresh} />
            <WitnessPanel media={list.filter((m) => selected.includes(m.id))} />
            <RestorePanel media={list} onDone={refresh} />
          </>
        )}
      </Loaded>
      <ArchiveCheck />
      <KeyPanel />
      <h2>{a.historyTitle}</h2>
      <Loaded query={history}>
        {(runs) => (
          <table className="grid" data-testid="backup-history">
            <thead><tr><th scope="col">{a.colWhen}</th><th scope="col">{a.colWhat}</th><th scope="col">{a.colBy}</th><th scope="col">{a.colResult}</th></tr></thead>
            <tbody>
              {runs.length === 0 && <EmptyRow cols={4}>{a.noHistory}</EmptyRow>}
              {runs.map((r) => (
                <tr key={r.id} data-kind={r.kind} data-state={r.state}>
                  <td>{formatDateTime(r.startedAt)}</td>
                  <td>{a.runKinds[r.kind] ?? r.kind}{r.bag ? <div className="muted small mono">{r.bag}</div> : null}</td>
                  <td>{r.by ?? ''}</td>
                  <td>
                    <Badge kind={r.state === 'ok' ? 'ok' : r.state === 'running' ? 'info' : 'warn'}>{a.runStates[r.state] ?? r.state}</Badge>
                    {r.repairs.length > 0 && <span className="muted small"> {a.repairs(r.repairs.length)}</span>}
                    {r.message && <div className="small">{r.message}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function MediaTable({ list, selected, onSelect }: { list: MediaT[]; selected: number[]; onSelect: (ids: number[]) => void }) {
  const toggle = (id: number) => onSelect(selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id]);
  return (
    <>
      <h2>{a.mediaTitle}</h2>
      <table className="grid" data-testid="media-table">
        <thead>
          <tr>
            <th scope="col">{a.colSelect}</th><th scope="col">{a.colLabel}</th><th scope="col">{a.colKind}</th><th scope="col">{a.colRoom}</th>
            <th scope="col">{a.colPath}</th><th scope="col">{a.colWritten}</th><th scope="col">{a.colVerified}</th><th scope="col">{a.colState}</th>
          </tr>
        </thead>
        <tbody>
          {list.length === 0 && <EmptyRow cols={8}>{a.noMedia}</EmptyRow>}
          {list.map((m) => (
            <tr key={m.id} data-testid={`media-${m.label}`}>
              <td><input type="checkbox" aria-label={`${a.colSelect}: ${m.label}`} checked={selected.includes(m.id)} onChange={() => toggle(m.id)} /></td>
              <td><strong>{m.label}</strong>{m.encrypted && <> <Badge kind="info">{a.encrypted}</Badge></>}</td>
              <td>{a.kinds[m.kind]}</td>
              <td>{m.room}</td>
              <td className="mono small">{m.path}</td>
              <td>{when(m.lastWrittenAt)}</td>
              <td>{when(m.lastVerifiedAt)}</td>
              <td data-testid={`media-state-${m.label}`}>
                {!m.present && <Badge kind="muted">{a.absent}</Badge>}{' '}
                {m.stale && <Badge kind="warn">{a.stale}</Badge>}{' '}
                {m.unverified && <Badge kind="warn">{a.unverified}</Badge>}{' '}
                {m.damaged && <Badge kind="warn">{a.damaged}</Badge>}
                {m.present && !m.stale && !m.unverified && !m.damaged && <Badge kind="ok">{a.fresh}</Badge>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function AddMedia({ onDone }: { onDone: () => void }) {
  const empty = { label: '', kind: 'usb', room: '', path: '', encrypted: false };
  const [d, setD] = useState(empty);
  const [added, setAdded] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const m = await call('media.add', { label: d.label.trim(), kind: d.kind as MediaT['kind'], room: d.room.trim(), path: d.path.trim(), encrypted: d.encrypted });
    setAdded(m.label);
    setD(empty);
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} className="panel" testId="media-form" label={a.addMedia}>
      <h2>{a.addMedia}</h2>
      {added && <Notice kind="ok">{a.added(added)}</Notice>}
      <div className="form-grid">
        <TextField name="label" label={a.label} value={d.label} onChange={(v) => setD({ ...d, label: v })} required />
        <SelectField name="kind" label={a.kind} value={d.kind} onChange={(v) => setD({ ...d, kind: v })} options={MEDIA_KINDS.map((k) => ({ value: k, label: a.kinds[k] }))} />
        <TextField name="room" label={a.room} value={d.room} onChange={(v) => setD({ ...d, room: v })} required />
        <TextField name="path" label={a.path} hint={a.pathHint} value={d.path} onChange={(v) => setD({ ...d, path: v })} required size={40} />
        <CheckField name="encrypted" label={a.encrypt} checked={d.encrypted} onChange={(v) => setD({ ...d, encrypted: v })} />
      </div>
      <FormActions><SubmitButton busy={busy}>{a.addSubmit}</SubmitButton></FormActions>
    </Form>
  );
}

function JobProgress({ job, onCancel }: { job: Job | null; onCancel: () => void }) {
  if (!job) return null;
  return (
    <div className="job" data-testid="job" data-state={job.state}>
      {job.state === 'running' && (
        <>
          <progress max={job.total || 1} value={job.done} aria-label={job.message ?? ''} data-testid="job-progress" />{' '}
          <span className="small">{job.message} {a.progress(job.done, job.total)}</span>{' '}
          <button type="button" onClick={onCancel} data-testid="job-cancel">{a.cancel}</button>
        </>
      )}
      {(job.state === 'failed' || job.state === 'cancelled') && <Notice kind="error" testId="job-failed">{job.message}</Notice>}
    </div>
  );
}

function BackupPanel({ media, onDone }: { media: MediaT[]; onDone: () => void }) {
  const job = useJob('backup.start', onDone);
  const [passphrase, setPassphrase] = useState('');
  const needsPass = media.some((m) => m.encrypted);
  const start = (confirmSameDevice: boolean) => job.start({ mediaIds: media.map((m) => m.id), confirmSameDevice, passphrase: needsPass ? passphrase : undefined });
  const sameDevice = job.failure?.fields.confirmSameDevice;
  const r = job.result;
  return (
    <div className="panel" data-testid="backup-panel">
      <h2>{a.backupTitle}</h2>
      {media.length < 2 && <p className="muted">{a.selectTwo}</p>}
      {needsPass && <TextField name="passphrase" label={a.passphrase} type="password" value={passphrase} onChange={setPassphrase} autoComplete="off" />}
      <button type="button" className="primary" disabled={media.length < 2 || job.running} onClick={() => start(false)} data-testid="backup-run">{a.runBackup}</button>
      {job.failure && (
        <div data-testid="backup-failure">
          <ErrorBox failure={job.failure} />
          {sameDevice && <button type="button" onClick={() => start(true)} data-testid="backup-confirm">{a.confirmSame}</button>}
        </div>
      )}
      <JobProgress job={job.job} onCancel={job.cancel} />
      {r && (
        <div data-testid="backup-result" data-state={r.state}>
          <Notice kind={r.state === 'ok' ? 'ok' : 'error'}>{r.message}</Notice>
          <ul>
            {r.destinations.map((d) => <li key={d.path}>{d.ok ? '✓' : '✗'} {d.label ?? d.path}: {d.ok ? d.bagPath : d.message}</li>)}
            {r.warnings.map((w) => <li key={w} className="muted">{w}</li>)}
          </ul>
        </div>
      )}
    </div>
  );
}

function VerifyPanel({ media, onDone }: { media: MediaT[]; onDone: () => void }) {
  const job = useJob('backup.verify', onDone);
  const run = (repair: boolean) => job.start({ mediaIds: media.map((m) => m.id), repair });
  const r = job.result;
  return (
    <div className="panel" data-testid="verify-panel">
      <h2>{a.verifyTitle}</h2>
      <button type="button" disabled={!media.length || job.running} onClick={() => run(false)} data-testid="verify-run">{a.verify}</button>{' '}
      <button type="button" disabled={!media.length || job.running} onClick={() => run(true)} data-testid="verify-repair">{a.verifyRepair}</button>
      {job.failure && <ErrorBox failure={job.failure} />}
      <JobProgress job={job.job} onCancel={job.cancel} />
      {r && (
        <div data-testid="verify-result" data-state={r.state}>
          <Notice kind={r.state === 'ok' || r.state === 'repaired' ? 'ok' : 'warn'}>{r.message}</Notice>
          <ul>
            {r.copies.map((c) => (
              <li key={c.path} data-testid="verify-copy" data-ok={c.ok}>
                <strong>{c.problems.length ? (c.ok ? a.copyRepaired : a.copyDamaged) : a.copyOk}</strong> <span className="mono small">{c.path}</span>
                {!c.genuine && <div data-testid="verify-not-genuine"><strong>{a.notGenuine}</strong>: {c.authenticity.replace(/^не записана этой программой: /, '')}</div>}
                {c.problems.length > 0 && (
                  <ul>
                    {c.problems.map((p) => (
                      <li key={p.file + p.problem} data-testid="verify-problem">
                        {a.problem[p.problem] ?? p.problem}: <span className="mono">{p.file}</span>{p.action ? ` — ${a.action[p.action]}` : ''}{typeof p.note === 'string' && p.action !== 'replaced' ? ` (${p.note})` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function RestorePanel({ media, onDone }: { media: MediaT[]; onDone: () => void }) {
  const [mediaId, setMediaId] = useState('');
  const [bag, setBag] = useState('');
  const [target, setTarget] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const bags = useQuery('backup.bags', { mediaId: Number(mediaId) || 1 }, !!mediaId);
  const job = useJob('backup.restore', onDone);
  const chosen = bags.data?.find((b) => b.name === bag);
  // an admin's confirmation to restore a copy not written by this program; the backend refuses it to anyone else
  const admin = useUser().role === 'admin';
  const [acceptForeign, setAcceptForeign] = useState(false);
  const run = (drill: boolean) => job.start({
    mediaId: Number(mediaId), bag, drill, target: drill ? undefined : target.trim(), passphrase: chosen?.encrypted ? passphrase : undefined,
    ...(admin && acceptForeign ? { acceptForeign: true } : {}),
  });
  const r = job.result;
  return (
    <div className="panel" data-testid="restore-panel">
      <h2>{a.restoreTitle}</h2>
      <div className="form-grid">
        <SelectField name="restoreMedia" label={a.restoreMedia} value={mediaId} onChange={(v) => { setMediaId(v); setBag(''); }} placeholder="—"
          options={media.filter((m) => m.present).map((m) => ({ value: String(m.id), label: `${m.label} (${m.room})` }))} />
        {mediaId && bags.data && (bags.data.length
          ? <SelectField name="restoreBag" label={a.restoreBag} value={bag} onChange={setBag} placeholder="—"
              options={bags.data.map((b) => ({ value: b.name, label: `${b.name}${b.encrypted ? ` (${a.encrypted})` : ''}` }))} />
          : <p className="muted">{a.noBags}</p>)}
        {chosen?.encrypted && <TextField name="restorePassphrase" label={a.passphrase} type="password" value={passphrase} onChange={setPassphrase} autoComplete="off" />}
        <TextField name="target" label={a.target} value={target} onChange={setTarget} size={40} />
        {admin && <CheckField name="acceptForeign" label={a.acceptForeign} checked={acceptForeign} onChange={setAcceptForeign} />}
      </div>
      {admin && acceptForeign && <Notice kind="warn">{a.foreignWarning}</Notice>}
      <button type="button" className="primary" disabled={!bag || job.running} onClick={() => run(true)} data-testid="restore-drill">{a.drill}</button>{' '}
      <button type="button" disabled={!bag || !target.trim() || job.running} onClick={() => run(false)} data-testid="restore-run">{a.restoreTo}</button>
      {job.failure && <ErrorBox failure={job.failure} />}
      <JobProgress job={job.job} onCancel={job.cancel} />
      {r && <RestoreReport r={r} testId="restore-result" />}
      <RestoreOpen mediaId={Number(mediaId)} bag={chosen ?? null} passphrase={passphrase} />
    </div>
  );
}

function RestoreReport({ r, testId }: { r: RestoreJobResult; testId: string }) {
  return (
    <div data-testid={testId} data-ok={r.ok}>
      <Notice kind={r.ok ? 'ok' : 'error'}>{r.message}</Notice>
      <ul>{r.checks.map((c) => <li key={c.name}>{c.ok ? '✓' : '✗'} {a.check[c.name] ?? c.name}: {c.message}</li>)}</ul>
    </div>
  );
}

/**
 * Restore over the open register, after a dialog that says plainly what will happen. When the job has replaced the
 * register every session is over: the next poll of the job is refused and the app goes back to sign-in, saying why.
 */
function RestoreOpen({ mediaId, bag, passphrase }: { mediaId: number; bag: Output<'backup.bags'>[number] | null; passphrase: string }) {
  const ro = t.restoreOpen;
  const job = useJob('backup.restoreOpen');
  const dialog = useRef<HTMLDialogElement>(null);
  const lacksPassphrase = !!bag?.encrypted && !passphrase;
  // an admin's two confirmations; the backend refuses them to anyone else
  const admin = useUser().role === 'admin';
  const [takeAccounts, setTakeAccounts] = useState(false);
  const [auditDiffers, setAuditDiffers] = useState(false);
  const [acceptForeign, setAcceptForeign] = useState(false);
  const start = () => {
    dialog.current?.close();
    if (bag) {
      job.start({ mediaId, bag: bag.name, passphrase: bag.encrypted ? passphrase : undefined,
        ...(admin && takeAccounts ? { takeAccountsFromCopy: true } : {}), ...(admin && auditDiffers ? { confirmAuditDifference: true } : {}),
        ...(admin && acceptForeign ? { acceptForeign: true } : {}) });
    }
  };
  return (
    <div className="restore-open" data-testid="restore-open">
      <p className="muted small">{ro.hint}</p>
      <button type="button" className="danger" disabled={!bag || job.running} onClick={() => dialog.current?.showModal()} data-testid="restore-open-run">{ro.run}</button>
      {job.failure && <ErrorBox failure={job.failure} />}
      <JobProgress job={job.job} onCancel={job.cancel} />
      {job.result && <RestoreReport r={job.result} testId="restore-open-result" />}
      <dialog ref={dialog} className="confirm" aria-labelledby="restore-open-title" data-testid="restore-open-dialog">
        <h2 id="restore-open-title">{ro.confirmTitle}</h2>
        {bag && <p><strong>{ro.what(bag.name, bag.baggingDate ? formatDate(bag.baggingDate) : null)}</strong></p>}
        <ul>
          <li>{ro.checked}</li>
          <li>{ro.aside}</li>
          <li>{ro.signInAgain}</li>
          <li>{ro.busy}</li>
        </ul>
        {admin && (
          <div data-testid="restore-open-admin">
            <p className="muted small">{ro.adminOnly}</p>
            <CheckField name="takeAccountsFromCopy" label={ro.takeAccounts} checked={takeAccounts} onChange={setTakeAccounts} />
            <CheckField name="confirmAuditDifference" label={ro.confirmAuditDifference} checked={auditDiffers} onChange={setAuditDiffers} />
            <CheckField name="acceptForeignOpen" label={ro.acceptForeign} checked={acceptForeign} onChange={setAcceptForeign} />
            {acceptForeign && <Notice kind="warn">{a.foreignWarning}</Notice>}
          </div>
        )}
        {lacksPassphrase && <Notice kind="warn">{ro.encrypted}</Notice>}
        <FormActions>
          <button type="button" className="danger" disabled={lacksPassphrase} onClick={start} data-testid="restore-open-confirm">{ro.confirm}</button>
          <button type="button" onClick={() => dialog.current?.close()} autoFocus>{ro.back}</button>
        </FormActions>
      </dialog>
    </div>
  );
}

/** The audit log against the newest copy on each selected medium: entries removed or rewritten behind the program show. */
function WitnessPanel({ media }: { media: MediaT[] }) {
  const [passphrase, setPassphrase] = useState('');
  const [result, setResult] = useState<AuditWitnessT[] | null>(null);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    setResult(null);
    setResult(await call('audit.witness', { mediaIds: media.map((m) => m.id), passphrase: passphrase || undefined }));
  });
  const bad = result?.some((w) => w.state === 'entries_missing' || w.state === 'rewritten');
  const unchecked = result?.some((w) => w.state !== 'ok');
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} className="panel" testId="witness-panel" label={a.witnessTitle}>
      <h2>{a.witnessTitle}</h2>
      <p className="muted">{a.witnessLead}</p>
      {!media.length && <p className="muted">{a.selectOne}</p>}
      {media.some((m) => m.encrypted) && (
        <TextField name="passphrase" label={a.witnessPassphrase} type="password" value={passphrase} onChange={setPassphrase} autoComplete="off" />
      )}
      <FormActions><SubmitButton busy={busy}>{a.witnessRun}</SubmitButton></FormActions>
      {result && (
        <div data-testid="witness-result" data-state={bad ? 'bad' : unchecked ? 'unchecked' : 'ok'}>
          <Notice kind={bad ? 'error' : unchecked ? 'warn' : 'ok'}>{bad ? a.witnessBad : unchecked ? a.witnessUnchecked : a.witnessOk}</Notice>
          <ul>{result.map((w) => <li key={w.medium + (w.bag ?? '')} data-testid="witness-item" data-state={w.state}>{w.message}</li>)}</ul>
        </div>
      )}
    </Form>
  );
}

/** The backup key: its id for everyone on this screen; for an admin, the recovery sheet and the key typed on a new computer. */
function KeyPanel() {
  const k = t.backupKey;
  const status = useQuery('backup.keyStatus', {});
  const admin = useUser().role === 'admin';
  const [typed, setTyped] = useState('');
  const [replace, setReplace] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const sheet = useSubmit();
  const imp = useSubmit();
  // printed once per key: a second copy only with the reason, which the audit log keeps
  const printedBefore = status.data?.sheetPrinted ?? null;
  const print = () => sheet.run(async () => {
    const r = await call('backup.keySheet', printedBefore ? { reason } : {});
    saveFile(r.fileName, r.dataBase64);
    setDone(k.printed(r.keyId));
    setReason('');
    status.reload();
  });
  const renew = useSubmit();
  const renewKey = () => {
    if (!window.confirm(k.renewConfirm)) return;
    void renew.run(async () => {
      const r = await call('backup.keyRenew', { confirm: true });
      setDone(k.renewed(r.keyId, r.replaced));
      status.reload();
    });
  };
  const importKey = () => imp.run(async () => {
    const r = await call('backup.keyImport', { key: typed, replace });
    setTyped('');
    setDone(k.imported(r.keyId, r.replaced));
    status.reload();
  });
  return (
    <div className="panel" data-testid="key-panel">
      <h2>{k.title}</h2>
      <p className="muted">{k.lead}</p>
      {status.data && <p data-testid="key-id">{status.data.keyId ? k.id(status.data.keyId) : k.none}</p>}
      {admin && (
        <>
          {printedBefore ? (
            <Form failure={sheet.failure} busy={sheet.busy} onSubmit={print} testId="key-reprint" label={k.reprintTitle}>
              <p data-testid="key-printed">{k.printedBefore(formatDateTime(printedBefore.at), printedBefore.by)}</p>
              <TextField name="reason" label={k.reprintReason} value={reason} onChange={setReason} size={60} />
              <FormActions><SubmitButton busy={sheet.busy}>{k.reprint}</SubmitButton></FormActions>
            </Form>
          ) : (
            <>
              <button type="button" disabled={sheet.busy} onClick={print} data-testid="key-print">{k.print}</button>
              {sheet.failure && <ErrorBox failure={sheet.failure} />}
            </>
          )}
          {status.data?.keyId && <button type="button" disabled={renew.busy} onClick={renewKey} data-testid="key-renew">{k.renew}</button>}
          {renew.failure && <ErrorBox failure={renew.failure} />}
          <Form failure={imp.failure} busy={imp.busy} onSubmit={importKey} testId="key-import" label={k.importTitle}>
            <TextField name="key" label={k.typed} type="password" value={typed} onChange={setTyped} autoComplete="off" size={60} />
            <CheckField name="replace" label={k.replace} checked={replace} onChange={setReplace} />
            <FormActions><SubmitButton busy={imp.busy}>{k.import}</SubmitButton></FormActions>
          </Form>
        </>
      )}
      {done && <Notice kind="ok">{done}</Notice>}
    </div>
  );
}

function ArchiveCheck() {
  const { busy, failure, run } = useSubmit();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div className="panel">
      <button type="button" disabled={busy} onClick={() => run(async () => {
        const r = await call('archive.verify', {});
        // the evidence chain's time left («Доказательства архива действительны до …») is in r.message once stamped
        const none = r.evidence?.state === 'none' && r.evidence.entries ? [r.evidence.message] : [];
        setMessage({ ok: r.ok, text: [r.message, ...none, ...(r.verifiableUntil ? [r.verifiableUntil.message] : []), ...r.problems.map((p) => p.message)].join(' · ') });
      })} data-testid="archive-verify">{a.archiveVerify}</button>
      {' '}
      <button type="button" disabled={busy} onClick={() => run(async () => {
        const r = await call('archive.renew', { force: true });
        setMessage({ ok: r.evidence.state === 'valid', text: [r.message, r.evidence.message].join(' · ') });
      })} data-testid="archive-renew">{a.archiveRenew}</button>
      {failure && <ErrorBox failure={failure} />}
      {message && <Notice kind={message.ok ? 'ok' : 'warn'} testId="archive-verify-result">{message.text}</Notice>}
    </div>
  );
}
