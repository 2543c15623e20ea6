// Академическая задолженность: the open debts of conditionally promoted pupils with their deadline and retakes; a
// retake's result recorded per subject; the outcome of a pupil's debts by an order «Об итогах ликвидации академической
// задолженности» (cleared, kept back to a class, another programme, family education).
import { useState } from 'react';
import { call } from '../../api';
import type { AcademicDebt } from '../../../../preload/contract';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, PageHeader } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { ClassSelect, FutureOrderCheck, futureOrder } from './MovementForms';

const OUTCOMES = ['cleared', 'kept_back', 'other_programme', 'family_education'] as const;

export function DebtsScreen() {
  const debts = useQuery('debts.list', { open: true });
  const [student, setStudent] = useState<string | null>(null);
  return (
    <section>
      <PageHeader title={t.debts.title} back={<Link to="/orders">{t.orders.title}</Link>} />
      <p className="lead">{t.debts.lead}</p>
      <Loaded query={debts}>
        {(list) => (
          <table className="grid" data-testid="debts-table">
            <thead>
              <tr><th>{t.debts.colStudent}</th><th>{t.debts.colClass}</th><th>{t.debts.colSubject}</th><th>{t.debts.colDeadline}</th>
                <th>{t.debts.colRetakes}</th><th>{t.debts.colRetake}</th><th /></tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={7}>{t.debts.empty}</EmptyRow>}
              {list.map((d) => (
                <tr key={d.id} data-testid="debt-row">
                  <td>{d.studentName}</td>
                  <td>{d.className} ({d.yearName}) → {d.currentClass ?? '—'}</td>
                  <td>{d.subject} ({d.annualMark})</td>
                  <td>{formatDate(d.deadline)}</td>
                  <td>{d.retakes.map((r) => `${formatDate(r.date)}: ${r.mark}`).join('; ') || '—'}</td>
                  <td><RetakeForm debt={d} onDone={debts.reload} /></td>
                  <td><button type="button" onClick={() => setStudent(d.studentId)}>{t.debts.decide}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {student && debts.data && (
        <DecideForm key={student} debts={debts.data.filter((d) => d.studentId === student)} onDone={() => { setStudent(null); debts.reload(); }} />
      )}
    </section>
  );
}

function RetakeForm({ debt, onDone }: { debt: AcademicDebt; onDone: () => void }) {
  const [d, setD] = useState({ date: formatDate(todayIso()), mark: '' });
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const date = check.date('date', d.date);
    check.done();
    await call('debts.recordRetake', { debtId: debt.id, date, mark: d.mark });
    setD({ ...d, mark: '' });
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} testId="retake-form" label={t.debts.colRetake} className="form-inline">
      <DateField name="date" label={t.debts.retakeDate} value={d.date} onChange={(v) => setD({ ...d, date: v })} required />
      <TextField name="mark" label={t.debts.retakeMark} value={d.mark} onChange={(v) => setD({ ...d, mark: v })} required size={4} />
      <SubmitButton busy={busy}>{t.debts.record}</SubmitButton>
    </Form>
  );
}

function DecideForm({ debts, onDone }: { debts: AcademicDebt[]; onDone: () => void }) {
  const today = formatDate(todayIso());
  const [d, setD] = useState({ number: '', orderDate: today, date: today, outcome: 'cleared', classId: '', confirmFuture: false });
  const classes = useQuery('classes.list', {});
  const { busy, failure, run } = useSubmit();
  const first = debts[0];
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = { number: d.number.trim(), date: check.date('order.date', d.orderDate), ...(futureOrder(d) && d.confirmFuture ? { confirmFuture: true } : {}) };
    if (futureOrder(d) && !d.confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    const date = check.date('date', d.date);
    check.done();
    await call('debts.decide', { order, studentId: first.studentId, outcome: d.outcome as (typeof OUTCOMES)[number], date,
      ...(d.classId ? { toClassId: Number(d.classId) } : {}) });
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} testId="debt-decide-form" label={t.debts.decideTitle(first.studentName)}>
      <h2>{t.debts.decideTitle(first.studentName)}</h2>
      <p>{debts.map((x) => `${x.subject} (${x.annualMark})`).join(', ')}</p>
      <div className="form-grid">
        <SelectField name="outcome" label={t.debts.outcome} value={d.outcome} onChange={(v) => setD({ ...d, outcome: v })} required
          options={OUTCOMES.map((o) => ({ value: o, label: t.debts.outcomes[o] }))} />
        {(d.outcome === 'kept_back' || d.outcome === 'other_programme') && (
          <ClassSelect name="toClassId" label={t.debts.toClass} value={d.classId} onChange={(v) => setD({ ...d, classId: v })} classes={classes.data ?? []} />
        )}
      </div>
      <div className="form-grid">
        <TextField name="order.number" label={t.orderForm.orderNumber} value={d.number} onChange={(v) => setD({ ...d, number: v })} required size={10} />
        <DateField name="order.date" label={t.orderForm.orderDate} value={d.orderDate} onChange={(v) => setD({ ...d, orderDate: v })} required />
        <DateField name="date" label={t.debts.outcomeDate} value={d.date} onChange={(v) => setD({ ...d, date: v })} required />
      </div>
      <FutureOrderCheck orderDate={d.orderDate} checked={d.confirmFuture} onChange={(v) => setD({ ...d, confirmFuture: v })} />
      <FormActions><SubmitButton busy={busy}>{t.debts.decideSubmit}</SubmitButton></FormActions>
    </Form>
  );
}
