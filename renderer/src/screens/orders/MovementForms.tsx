// Order forms that move one student: enrolment, transfer to another class, departure.
import { useId, useState } from 'react';
import { call } from '../../api';
import type { Movement, SchoolClass, Student } from '../../../../preload/contract';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { DateField, FieldCheck, Form, FormActions, orNull, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { byYear } from '../classes/classOrder';

export type MovementKind = 'enrol' | 'transfer' | 'depart';
type Props = { student: Student; onDone: (m: Movement) => void; onCancel: () => void };

function useOrderDraft() {
  const today = formatDate(todayIso());
  return useState({ number: '', orderDate: today, date: today, classId: '', text: '', whereTo: '' });
}

function OrderFields({ draft, set, dateLabel }: {
  draft: { number: string; orderDate: string; date: string }; set: (k: 'number' | 'orderDate' | 'date') => (v: string) => void; dateLabel: string;
}) {
  return (
    <div className="form-grid">
      <TextField name="order.number" label={t.orderForm.orderNumber} value={draft.number} onChange={set('number')} required size={10} autoFocus />
      <DateField name="order.date" label={t.orderForm.orderDate} value={draft.orderDate} onChange={set('orderDate')} required />
      <DateField name="date" label={dateLabel} value={draft.date} onChange={set('date')} required />
    </div>
  );
}

/** Classes to choose from, one group per academic year. */
export function ClassSelect({ name, label, value, onChange, classes }: {
  name: string; label: string; value: string; onChange: (v: string) => void; classes: SchoolClass[];
}) {
  const groups = byYear(classes).map(([year, list]) => ({ label: year, options: list.map((c) => ({ value: String(c.id), label: c.name })) }));
  return <SelectField name={name} label={label} value={value} onChange={onChange} groups={groups} placeholder={t.orderForm.chooseClass} required />;
}

function orderRef(check: FieldCheck, d: { number: string; orderDate: string }) {
  return { number: d.number.trim(), date: check.date('order.date', d.orderDate) };
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
      <OrderFields draft={d} set={set} dateLabel={t.orderForm.enrolDate} />
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
    const order = orderRef(check, d);
    const date = check.date('date', d.date);
    if (!d.classId) check.add('toClassId', t.errors.requiredField);
    check.done();
    onDone(await call('orders.transfer', { order, studentId: student.id, toClassId: Number(d.classId), date, reason: orNull(d.text) }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} testId="transfer-form" label={t.orderForm.transferTitle} className="panel">
      <h2>{t.orderForm.transferTitle}</h2>
      <OrderFields draft={d} set={set} dateLabel={t.orderForm.transferDate} />
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

export function DepartForm({ student, onDone, onCancel }: Props) {
  const [d, setD] = useOrderDraft();
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const reasonsId = useId();
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = orderRef(check, d);
    const date = check.date('date', d.date);
    check.done();
    onDone(await call('orders.depart', { order, studentId: student.id, date, reason: d.text.trim(), whereTo: orNull(d.whereTo) }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} testId="depart-form" label={t.orderForm.departTitle} className="panel">
      <h2>{t.orderForm.departTitle}</h2>
      <OrderFields draft={d} set={set} dateLabel={t.orderForm.departDate} />
      <datalist id={reasonsId}>{t.orderForm.departReasons.map((r) => <option key={r} value={r} />)}</datalist>
      <div className="form-grid">
        <TextField name="reason" label={t.orderForm.departReason} value={d.text} onChange={set('text')} list={reasonsId} required wide />
        <TextField name="whereTo" label={t.orderForm.whereTo} value={d.whereTo} onChange={set('whereTo')} wide />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.orderForm.submitDepart}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
