// Order forms that move one student: enrolment, transfer to another class, departure. An order dated after today is
// sent only with the clerk's confirmation (a checkbox appears under the date); a departure is written only after the
// clerk has read its summary (who, from which class, the date, the order, the reason) and confirmed it.
import { useState } from 'react';
import { call } from '../../api';
import type { Movement, SchoolClass, Student } from '../../../../preload/contract';
import { formatDate, parseDate, todayIso } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { CheckField, DateField, FieldCheck, Form, FormActions, orNull, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { byYear } from '../classes/classOrder';

export type MovementKind = 'enrol' | 'transfer' | 'depart';
type Props = { student: Student; onDone: (m: Movement) => void; onCancel: () => void };

function useOrderDraft() {
  const today = formatDate(todayIso());
  return useState({ number: '', orderDate: today, date: today, classId: '', text: '', whereTo: '', reasonChoice: '', confirmFuture: false });
}

type OrderDraft = { number: string; orderDate: string; date: string; confirmFuture: boolean };
/** The order's date typed is after today: the order is sent only with the clerk's confirmation. */
export const futureOrder = (d: { orderDate: string }) => { const iso = parseDate(d.orderDate); return !!iso && iso > todayIso(); };

/** Under an order's date after today: the clerk's confirmation that the date is right (sent as order.confirmFuture). */
export function FutureOrderCheck({ orderDate, checked, onChange }: { orderDate: string; checked: boolean; onChange: (v: boolean) => void }) {
  if (!futureOrder({ orderDate })) return null;
  return <CheckField name="order.confirmFuture" label={t.orderChecks.confirmFuture(orderDate.trim())} checked={checked} onChange={onChange} />;
}

/** A movement's date typed is after today (a transfer or a departure ahead): written only with the clerk's confirmation. */
const futureDate = (typed: string) => { const iso = parseDate(typed); return !!iso && iso > todayIso(); };

function OrderFields({ draft, set, setConfirm, dateLabel, checkDate = false }: {
  draft: OrderDraft; set: (k: 'number' | 'orderDate' | 'date') => (v: string) => void; setConfirm: (v: boolean) => void; dateLabel: string;
  /** the movement's own date after today asks for the confirmation too (transfer, departure) */
  checkDate?: boolean;
}) {
  return (
    <>
      <div className="form-grid">
        <TextField name="order.number" label={t.orderForm.orderNumber} value={draft.number} onChange={set('number')} required size={10} autoFocus />
        <DateField name="order.date" label={t.orderForm.orderDate} value={draft.orderDate} onChange={set('orderDate')} required />
        <DateField name="date" label={dateLabel} value={draft.date} onChange={set('date')} required />
      </div>
      <FutureOrderCheck orderDate={draft.orderDate} checked={draft.confirmFuture} onChange={setConfirm} />
      {checkDate && !futureOrder(draft) && futureDate(draft.date) && (
        <CheckField name="order.confirmFuture" label={t.orderChecks.confirmFutureDate(draft.date.trim())} checked={draft.confirmFuture} onChange={setConfirm} />
      )}
    </>
  );
}

/** Classes to choose from, one group per academic year. */
export function ClassSelect({ name, label, value, onChange, classes }: {
  name: string; label: string; value: string; onChange: (v: string) => void; classes: SchoolClass[];
}) {
  const groups = byYear(classes).map(([year, list]) => ({ label: year, options: list.map((c) => ({ value: String(c.id), label: c.name })) }));
  return <SelectField name={name} label={label} value={value} onChange={onChange} groups={groups} placeholder={t.orderForm.chooseClass} required />;
}

function orderRef(check: FieldCheck, d: OrderDraft, checkDate = false) {
  const date = check.date('order.date', d.orderDate);
  const ahead = futureOrder(d) || (checkDate && futureDate(d.date));
  if (ahead && !d.confirmFuture) check.add('order.confirmFuture', futureOrder(d) ? t.orderChecks.confirmNeeded : t.orderChecks.confirmDateNeeded);
  return { number: d.number.trim(), date, ...(ahead && d.confirmFuture ? { confirmFuture: true } : {}) };
}

export function EnrolForm({ student, onDone, onCancel }: Props) {
  const [d, setD] = useOrderDraft();
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const classes = useQuery('classes.list', {});
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = orderRef(check, d);
    const date = check.date('date', d.date);
    if (!d.classId) check.add('classId', t.errors.requiredField);
    check.done();
    onDone(await call('orders.enrol', { order, studentId: student.id, classId: Number(d.classId), date, whereFrom: orNull(d.text) }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} testId="enrol-form" label={t.orderForm.enrolTitle} className="panel">
      <h2>{t.orderForm.enrolTitle}</h2>
      <OrderFields draft={d} set={set} setConfirm={(v) => setD((x) => ({ ...x, confirmFuture: v }))} dateLabel={t.orderForm.enrolDate} />
      <div className="form-grid">
        <ClassSelect name="classId" label={t.orderForm.class} value={d.classId} onChange={set('classId')} classes={classes.data ?? []} />
        <TextField name="whereFrom" label={t.orderForm.whereFrom} hint={t.orderForm.whereFromHint} value={d.text} onChange={set('text')} wide />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.orderForm.submitEnrol}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

export function TransferForm({ student, onDone, onCancel }: Props) {
  const [d, setD] = useOrderDraft();
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const classes = useQuery('classes.list', {});
  const current = student.currentClass;
  const choices = (classes.data ?? []).filter((c) => c.id !== current?.id && (!current || c.yearName === current.yearName));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = orderRef(check, d, true);
    const date = check.date('date', d.date);
    if (!d.classId) check.add('toClassId', t.errors.requiredField);
    check.done();
    onDone(await call('orders.transfer', { order, studentId: student.id, toClassId: Number(d.classId), date, reason: orNull(d.text) }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} testId="transfer-form" label={t.orderForm.transferTitle} className="panel">
      <h2>{t.orderForm.transferTitle}</h2>
      <OrderFields draft={d} set={set} setConfirm={(v) => setD((x) => ({ ...x, confirmFuture: v }))} dateLabel={t.orderForm.transferDate} checkDate />
      <div className="form-grid">
        <ClassSelect name="toClassId" label={t.orderForm.toClass} value={d.classId} onChange={set('classId')} classes={choices} />
        <TextField name="reason" label={t.orderForm.reason} value={d.text} onChange={set('text')} wide />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.orderForm.submitTransfer}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

const OTHER = 'other';

export function DepartForm({ student, onDone, onCancel }: Props) {
  const [d, setD] = useOrderDraft();
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  // the withdrawal checked and waiting for the clerk's confirmation of its summary
  const [pending, setPending] = useState<{ order: { number: string; date: string; confirmFuture?: boolean }; date: string; reason: string; whereTo: string | null } | null>(null);
  const reason = d.reasonChoice === OTHER ? d.text.trim() : d.reasonChoice;
  const review = () => run(async () => {
    const check = new FieldCheck();
    const order = orderRef(check, d, true);
    const date = check.date('date', d.date);
    if (!order.number) check.add('order.number', t.errors.requiredField);
    if (!d.reasonChoice) check.add('reason', t.errors.requiredField);
    else if (d.reasonChoice === OTHER && !reason) check.add('reasonText', t.errors.requiredField);
    check.done();
    setPending({ order, date, reason, whereTo: orNull(d.whereTo) });
  });
  const write = () => run(async () => {
    const p = pending!;
    setPending(null); // a refusal brings the form back with the field named
    onDone(await call('orders.depart', { order: p.order, studentId: student.id, date: p.date, reason: p.reason, whereTo: p.whereTo }));
  });
  if (pending) {
    const rows: Array<[string, string]> = [
      [t.orderChecks.departWho, [student.lastName, student.firstName, student.middleName].filter(Boolean).join(' ')],
      [t.orderChecks.departFrom, student.currentClass ? `${student.currentClass.name} (${student.currentClass.yearName})` : '—'],
      [t.orderChecks.departDate, formatDate(pending.date)],
      [t.orderChecks.departOrder, t.movement.orderRef(pending.order.number, formatDate(pending.order.date))],
      [t.orderChecks.departReason, pending.reason],
      ...(pending.whereTo ? [[t.orderChecks.departWhere, pending.whereTo] as [string, string]] : []),
    ];
    return (
      <section className="panel" data-testid="depart-confirm" aria-label={t.orderChecks.departConfirmTitle}>
        <h2>{t.orderChecks.departConfirmTitle}</h2>
        <p>{t.orderChecks.departConfirmLead}</p>
        <dl className="summary-list">
          {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        </dl>
        <FormActions>
          <button type="button" className="primary" disabled={busy} onClick={() => void write()} autoFocus>{t.orderChecks.departConfirm}</button>
          <button type="button" disabled={busy} onClick={() => setPending(null)}>{t.orderChecks.departBack}</button>
        </FormActions>
      </section>
    );
  }
  const reasons = [...t.orderForm.departReasons.map((r) => ({ value: r, label: r })), { value: OTHER, label: t.orderChecks.otherReason }];
  return (
    <Form failure={failure} busy={busy} onSubmit={review} onCancel={onCancel} testId="depart-form" label={t.orderForm.departTitle} className="panel">
      <h2>{t.orderForm.departTitle}</h2>
      <OrderFields draft={d} set={set} setConfirm={(v) => setD((x) => ({ ...x, confirmFuture: v }))} dateLabel={t.orderForm.departDate} checkDate />
      <div className="form-grid">
        <SelectField name="reason" label={t.orderForm.departReason} value={d.reasonChoice} onChange={set('reasonChoice')} options={reasons}
          placeholder={t.grades.choose} required />
        {d.reasonChoice === OTHER && <TextField name="reasonText" label={t.orderChecks.otherReasonText} value={d.text} onChange={set('text')} required wide />}
        <TextField name="whereTo" label={t.orderForm.whereTo} value={d.whereTo} onChange={set('whereTo')} wide />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.orderForm.submitDepart}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
