// What an administrator does with one class's ledger: seal it (optionally signed with the school's certificate) and,
// once sealed, open a correction (reason, order number and date) so the class-year can be changed until the next seal.
import { useState } from 'react';
import type { Ledger, LedgerVersion } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { formatDate, formatDateTime } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, SubmitButton, TextAreaField, TextField, useSubmit } from '../../ui/form';
import { CertificateFields, useCertificate } from './Certificate';

export function SealPanel({ ledger, onChanged }: { ledger: Ledger; onChanged: () => void }) {
  const tx = t.ledgers;
  const cert = useCertificate();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [sealed, setSealed] = useState<LedgerVersion | null>(null);
  const nothingToSeal = ledger.state === 'sealed';
  const empty = ledger.missing.filter((m) => !m.na).length;
  const na = ledger.missing.length - empty;
  const [allowNa, setAllowNa] = useState(false);
  const blocked = empty > 0 || (na > 0 && !allowNa);

  async function seal() {
    setBusy(true);
    setFailure(null);
    setSealed(null);
    try {
      const v = await cert.withCertificate((certificate) => call('ledgers.seal', { classId: ledger.classId, allowNa: na > 0 && allowNa, ...(certificate ? { certificate } : {}) }));
      setSealed(v);
      onChanged();
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="seal-h" data-testid="seal-panel">
      <h2 id="seal-h">{tx.adminTitle}</h2>
      {sealed && <Notice kind="ok" testId="seal-done">{tx.sealed(sealed.code)}</Notice>}
      {sealed?.timestamp && <Notice kind="ok" testId="seal-time">{tx.sealedTime(formatDateTime(sealed.timestamp.time), sealed.timestamp.tsa)}</Notice>}
      {sealed?.timestampFailure && <Notice kind="warn" testId="seal-time">{tx.sealedWithoutTime(sealed.timestampFailure)}</Notice>}
      {ledger.openCorrection && (
        <Notice kind="warn" testId="correction-open">
          {tx.correctionOpen(ledger.openCorrection.reason, ledger.openCorrection.orderNumber, formatDate(ledger.openCorrection.orderDate), ledger.openCorrection.openedBy)}
        </Notice>
      )}
      {!nothingToSeal && (
        <>
          <CertificateFields cert={cert} disabled={busy} />
          {empty > 0 && <p className="field-hint">{tx.sealMissing}</p>}
          {empty === 0 && na > 0 && (
            <div className="field field-check">
              <label>
                <input type="checkbox" checked={allowNa} onChange={(e) => setAllowNa(e.target.checked)} disabled={busy} /> {tx.confirmNa(na)}
              </label>
            </div>
          )}
          <div className="form-actions">
            <button type="button" className="primary" onClick={seal} disabled={busy || blocked} data-testid="seal-run">
              {busy ? tx.sealing : ledger.openCorrection ? tx.sealAgain : tx.seal}
            </button>
          </div>
          {failure && <ErrorBox failure={failure} />}
        </>
      )}
      {nothingToSeal && <CorrectionForm classId={ledger.classId} onOpened={onChanged} />}
    </section>
  );
}

function CorrectionForm({ classId, onOpened }: { classId: number; onOpened: () => void }) {
  const tx = t.ledgers;
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [orderNumber, setOrderNumber] = useState('');
  const [orderDate, setOrderDate] = useState('');
  const submit = useSubmit();

  if (!open) {
    return (
      <div className="form-actions">
        <button type="button" onClick={() => setOpen(true)} data-testid="correction-start">{tx.correctTitle}</button>
      </div>
    );
  }
  return (
    <Form
      failure={submit.failure} busy={submit.busy} label={tx.correctTitle} testId="correction-form"
      onCancel={() => { setOpen(false); submit.clear(); }}
      onSubmit={() => submit.run(async () => {
        const check = new FieldCheck();
        const r = check.required('reason', reason);
        const n = check.required('orderNumber', orderNumber);
        const d = check.date('orderDate', orderDate);
        check.done();
        await call('ledgers.correct', { classId, reason: r, orderNumber: n, orderDate: d });
        setOpen(false);
        onOpened();
      })}
    >
      <h3 className="small strong">{tx.correctTitle}</h3>
      <p className="lead">{tx.correctLead}</p>
      <TextAreaField name="reason" label={tx.reason} value={reason} onChange={setReason} required />
      <div className="form-grid">
        <TextField name="orderNumber" label={tx.orderNumber} value={orderNumber} onChange={setOrderNumber} required size={12} />
        <DateField name="orderDate" label={tx.orderDate} value={orderDate} onChange={setOrderDate} required />
      </div>
      <FormActions>
        <SubmitButton busy={submit.busy}>{tx.correctSubmit}</SubmitButton>
        <button type="button" onClick={() => { setOpen(false); submit.clear(); }}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
