// Выпуск after the ГИА by an order of its own: a 9th or 11th class, its pupils to release, each with the attestat (the
// backend checks the final marks and the issued attestat) or without one (a справка об обучении).
import { useState } from 'react';
import { call } from '../../api';
import type { Output } from '../../../../preload/contract';
import { sortedYears, useYears } from '../../app/years';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { Notice, PageHeader } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, GroupError, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { FutureOrderCheck, futureOrder } from './MovementForms';

export function GraduationForm() {
  const { years, yearId } = useYears();
  const today = formatDate(todayIso());
  const [year, setYear] = useState(yearId ? String(yearId) : '');
  const [classId, setClassId] = useState('');
  const [d, setD] = useState({ number: '', orderDate: today, date: today });
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const [confirmFuture, setConfirmFuture] = useState(false);
  const [chosen, setChosen] = useState<Record<string, { without: boolean }>>({});
  const [result, setResult] = useState<Output<'orders.graduate'> | null>(null);
  const { busy, failure, run } = useSubmit();
  const yearNow = Number(year || yearId) || null;
  const classes = useQuery('classes.list', { yearId: yearNow ?? undefined }, yearNow !== null);
  const graduating = (classes.data ?? []).filter((c) => c.parallel === 9 || c.parallel === 11);
  const pupils = useQuery('classes.students', { classId: Number(classId) || 0 }, !!classId);
  const studying = (pupils.data ?? []).filter((s) => s.status === 'studying');
  const ids = Object.keys(chosen);

  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = { number: d.number.trim(), date: check.date('order.date', d.orderDate), ...(futureOrder(d) && confirmFuture ? { confirmFuture: true } : {}) };
    if (futureOrder(d) && !confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    const date = check.date('date', d.date);
    if (!ids.length) check.add('students', t.errors.requiredField);
    check.done();
    setResult(await call('orders.graduate', { order, date, students: ids.map((id) => ({ studentId: id, withoutAttestat: chosen[id].without })) }));
    setChosen({});
    pupils.reload();
  });

  return (
    <section>
      <PageHeader title={t.orders.graduate} back={<Link to="/orders">{t.orders.title}</Link>} />
      <p className="lead">{t.orders.graduateLead}</p>
      {result && <Notice kind="ok" testId="graduate-result">{t.orders.graduateResult(result)}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="graduate-form" label={t.orders.graduate}>
        <div className="form-grid">
          <SelectField name="yearId" label={t.orders.fromYear} value={String(yearNow ?? '')} placeholder=""
            options={sortedYears(years).map((y) => ({ value: String(y.id), label: y.name }))} onChange={(v) => { setYear(v); setClassId(''); setChosen({}); }} />
          <SelectField name="classId" label={t.orders.graduateClass} value={classId} placeholder="" required
            options={graduating.map((c) => ({ value: String(c.id), label: c.name }))} onChange={(v) => { setClassId(v); setChosen({}); }} />
        </div>
        <fieldset className="form-section">
          <legend>{t.orders.graduateChoose}</legend>
          <GroupError name="students" />
          <div className="checklist-items" data-testid="graduate-list">
            {studying.map((s, i) => (
              <div key={s.id} data-testid="graduate-row">
                <label>
                  <input type="checkbox" checked={!!chosen[s.id]}
                    onChange={(e) => setChosen((x) => { const n = { ...x }; if (e.target.checked) n[s.id] = { without: false }; else delete n[s.id]; return n; })} />
                  <span>{s.fullName}</span>
                </label>
                {chosen[s.id] && (
                  <label>
                    <input type="checkbox" name={`without.${i}`} checked={chosen[s.id].without}
                      onChange={(e) => setChosen((x) => ({ ...x, [s.id]: { without: e.target.checked } }))} />
                    <span>{t.orders.withoutAttestat}</span>
                  </label>
                )}
              </div>
            ))}
          </div>
        </fieldset>
        <div className="form-grid">
          <TextField name="order.number" label={t.orderForm.orderNumber} value={d.number} onChange={set('number')} required size={10} />
          <DateField name="order.date" label={t.orderForm.orderDate} value={d.orderDate} onChange={set('orderDate')} required />
          <DateField name="date" label={t.orders.graduateDate} value={d.date} onChange={set('date')} required />
        </div>
        <FutureOrderCheck orderDate={d.orderDate} checked={confirmFuture} onChange={setConfirmFuture} />
        <FormActions><SubmitButton busy={busy}>{t.orders.graduateSubmit}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}
