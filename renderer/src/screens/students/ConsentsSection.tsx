// Consents to the processing of the student's personal data, with their history (issue 18): each consent as given, its
// withdrawal beside it; a new consent is a new row. The backend refuses edits and deletions.
import { useState } from 'react';
import { CONSENT_GIVERS, CONSENT_PURPOSES, type Consent } from '../../../../preload/contract';
import { CONSENT_GIVER_NAMES, CONSENT_PURPOSE_NAMES, type ConsentGiver, type ConsentPurpose } from '../../../../preload/core/consents';
import { formatDate, formatDateTime, todayIso } from '../../../../preload/core/dates';
import { call } from '../../api';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { EmptyRow, Loaded } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, orNull, RadioField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

const tx = t.personalData;

export function ConsentsSection({ studentId, studentName }: { studentId: string; studentName: string }) {
  const consents = useQuery('consents.list', { studentId });
  const canEdit = useCan('consents.add');
  const [adding, setAdding] = useState(false);
  const [withdrawing, setWithdrawing] = useState<Consent | null>(null);
  return (
    <section className="card-section" aria-labelledby="sc-consents" data-testid="consents">
      <h2 id="sc-consents">{tx.consents}</h2>
      <Loaded query={consents}>
        {(rows) => (
          <table className="grid compact" data-testid="consents-table">
            <thead><tr>
              <th scope="col">{tx.colFrom}</th><th scope="col">{tx.colGivenBy}</th><th scope="col">{tx.colPurposes}</th><th scope="col">{tx.colState}</th>
              {canEdit && <th scope="col"><span className="visually-hidden">{tx.withdraw}</span></th>}
            </tr></thead>
            <tbody>
              {rows.length === 0 && <EmptyRow cols={canEdit ? 5 : 4}>{tx.consentsNone}</EmptyRow>}
              {rows.map((c) => (
                <tr key={c.id} className={c.withdrawal ? 'muted' : undefined}>
                  <td className="nowrap">{formatDate(c.fromDate)}</td>
                  <td>{c.givenByName} <span className="muted small">({CONSENT_GIVER_NAMES[c.givenBy]})</span></td>
                  <td>{c.purposes.map((p) => CONSENT_PURPOSE_NAMES[p]).join('; ')}</td>
                  <td title={tx.recorded(formatDateTime(c.recordedAt), c.recordedBy)}>
                    {c.withdrawal ? tx.withdrawn(formatDate(c.withdrawal.date), c.withdrawal.reason) : tx.inForce}
                  </td>
                  {canEdit && <td>{!c.withdrawal && (
                    <button type="button" className="link-button" onClick={() => { setAdding(false); setWithdrawing(c); }}>{tx.withdraw}</button>
                  )}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <p className="muted small">{tx.history}</p>
      {canEdit && !adding && !withdrawing && <button type="button" onClick={() => setAdding(true)} data-testid="consent-add">{tx.add}</button>}
      {canEdit && adding && <ConsentForm studentId={studentId} studentName={studentName}
        onDone={() => { setAdding(false); consents.reload(); }} onCancel={() => setAdding(false)} />}
      {canEdit && withdrawing && <WithdrawForm consent={withdrawing}
        onDone={() => { setWithdrawing(null); consents.reload(); }} onCancel={() => setWithdrawing(null)} />}
    </section>
  );
}

function ConsentForm({ studentId, studentName, onDone, onCancel }: { studentId: string; studentName: string; onDone: () => void; onCancel: () => void }) {
  const [givenBy, setGivenBy] = useState<ConsentGiver>('guardian');
  const [name, setName] = useState('');
  const [purposes, setPurposes] = useState<ConsentPurpose[]>(['records']);
  const [from, setFrom] = useState(formatDate(todayIso()));
  const { busy, failure, run } = useSubmit();
  const toggle = (p: ConsentPurpose, on: boolean) => setPurposes((xs) => (on ? [...xs, p] : xs.filter((x) => x !== p)));
  return (
    <Form failure={failure} busy={busy} onCancel={onCancel} className="panel" testId="consent-form" label={tx.add} onSubmit={() => run(async () => {
      const check = new FieldCheck();
      const givenByName = givenBy === 'student' ? (name.trim() || studentName) : check.required('givenByName', name);
      const fromDate = check.date('fromDate', from);
      check.done();
      await call('consents.add', { studentId, givenBy, givenByName, purposes, fromDate });
      onDone();
    })}>
      <div className="form-grid">
        <RadioField name="givenBy" label={tx.givenBy} value={givenBy} onChange={(v) => setGivenBy(v as ConsentGiver)}
          options={CONSENT_GIVERS.map((g) => ({ value: g, label: CONSENT_GIVER_NAMES[g] }))} />
        <TextField name="givenByName" label={tx.givenByName} value={name} onChange={setName} required={givenBy === 'guardian'} size={34}
          placeholder={givenBy === 'student' ? studentName : undefined} />
        <DateField name="fromDate" label={tx.fromDate} value={from} onChange={setFrom} required />
      </div>
      <fieldset className="field field-wide checklist" data-field="purposes">
        <legend>{tx.purposes}</legend>
        <div className="checklist-items">
          {CONSENT_PURPOSES.map((p) => (
            <label key={p}>
              <input type="checkbox" checked={purposes.includes(p)} onChange={(e) => toggle(p, e.target.checked)} data-purpose={p} />
              <span>{CONSENT_PURPOSE_NAMES[p]}</span>
            </label>
          ))}
        </div>
        {failure?.fields.purposes && <div className="field-error" data-testid="error-purposes">{failure.fields.purposes}</div>}
      </fieldset>
      <FormActions>
        <SubmitButton busy={busy}>{tx.save}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

function WithdrawForm({ consent, onDone, onCancel }: { consent: Consent; onDone: () => void; onCancel: () => void }) {
  const [date, setDate] = useState(formatDate(todayIso()));
  const [reason, setReason] = useState('');
  const { busy, failure, run } = useSubmit();
  return (
    <Form failure={failure} busy={busy} onCancel={onCancel} className="panel" testId="consent-withdraw-form" label={tx.withdrawTitle} onSubmit={() => run(async () => {
      const check = new FieldCheck();
      const iso = check.date('date', date);
      check.done();
      await call('consents.withdraw', { id: consent.id, date: iso, reason: orNull(reason) });
      onDone();
    })}>
      <h3>{tx.withdrawTitle}: {consent.givenByName}, {formatDate(consent.fromDate)}</h3>
      <div className="form-grid">
        <DateField name="date" label={tx.withdrawDate} value={date} onChange={setDate} required />
        <TextField name="reason" label={tx.withdrawReason} value={reason} onChange={setReason} size={40} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.withdrawSave}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
