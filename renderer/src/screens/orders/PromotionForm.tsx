import { useEffect, useId, useMemo, useState } from 'react';
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

export function PromotionForm() {
  const { years, yearId } = useYears();
  const ordered = sortedYears(years);
  const nextOf = (id: number | null) => {
    const from = years.find((y) => y.id === id);
    return from ? [...years].filter((y) => y.startDate > from.startDate).sort((a, b) => a.startDate.localeCompare(b.startDate))[0] : undefined;
  };
  const today = formatDate(todayIso());
  const [d, setD] = useState({ number: '', orderDate: today, date: today, fromYear: yearId ? String(yearId) : '', toYear: String(nextOf(yearId)?.id ?? '') });
  const [confirmFuture, setConfirmFuture] = useState(false);
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const [keptBack, setKeptBack] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const [result, setResult] = useState<Output<'orders.promote'> | null>(null);
  const { busy, failure, run } = useSubmit();
  // The years may arrive after the first render.
  useEffect(() => {
    if (!d.fromYear && yearId) setD((x) => ({ ...x, fromYear: String(yearId), toYear: x.toYear || String(nextOf(yearId)?.id ?? '') }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [yearId, years.length]);

  const fromYearId = Number(d.fromYear) || null;
  const students = useQuery('students.search', { yearId: fromYearId ?? undefined, limit: 1000 }, fromYearId !== null);
  const studying = useMemo(() => (students.data?.rows ?? []).filter((s) => s.status === 'studying'), [students.data]);
  const shown = studying.filter((s) => !filter.trim() || s.fullName.toLowerCase().includes(filter.trim().toLowerCase()) || keptBack.includes(s.id));

  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = { number: d.number.trim(), date: check.date('order.date', d.orderDate), ...(futureOrder(d) && confirmFuture ? { confirmFuture: true } : {}) };
    if (futureOrder(d) && !confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    const date = check.date('date', d.date);
    if (!d.fromYear) check.add('fromYearId', t.errors.requiredField);
    if (!d.toYear) check.add('toYearId', t.errors.requiredField);
    check.done();
    setResult(await call('orders.promote', { order, fromYearId: Number(d.fromYear), toYearId: Number(d.toYear), date, keptBack }));
  });

  const yearOptions = ordered.map((y) => ({ value: String(y.id), label: y.name }));
  return (
    <section>
      <PageHeader title={t.orders.promote} back={<Link to="/orders">{t.orders.title}</Link>} />
      <p className="lead">{t.orders.promoteLead}</p>
      {years.length < 2 && <Notice kind="warn">{t.orders.needTwoYears} <Link to="/years">{t.nav.years}</Link></Notice>}
      {result && <Notice kind="ok" testId="promote-result">{t.orders.promoteResult(result)}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="promote-form" label={t.orders.promote}>
        <div className="form-grid">
          <SelectField name="fromYearId" label={t.orders.fromYear} value={d.fromYear} placeholder="" required options={yearOptions}
            onChange={(v) => { setKeptBack([]); setD((x) => ({ ...x, fromYear: v, toYear: String(nextOf(Number(v))?.id ?? x.toYear) })); }} />
          <SelectField name="toYearId" label={t.orders.toYear} value={d.toYear} onChange={set('toYear')} placeholder="" required options={yearOptions} />
        </div>
        <div className="form-grid">
          <TextField name="order.number" label={t.orderForm.orderNumber} value={d.number} onChange={set('number')} required size={10} />
          <DateField name="order.date" label={t.orderForm.orderDate} value={d.orderDate} onChange={set('orderDate')} required />
          <DateField name="date" label={t.orders.promoteDate} value={d.date} onChange={set('date')} required />
        </div>
        <FutureOrderCheck orderDate={d.orderDate} checked={confirmFuture} onChange={setConfirmFuture} />
        <fieldset className="form-section">
          <legend>{t.orders.keptBack}</legend>
          <GroupError name="keptBack" />
          <div className="toolbar">
            <div className="toolbar-field">
              <label htmlFor={filterId}>{t.orders.keptBackFilter}</label>
              <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
            </div>
            <span className="muted" aria-live="polite">{t.orders.keptBackCount(keptBack.length)}</span>
          </div>
          {students.data && studying.length === 0 && <p className="muted">{t.orders.noStudentsInYear}</p>}
          {students.data && students.data.total > students.data.rows.length && (
            <p className="notice notice-warn" data-testid="kept-back-first">{t.ordersPage.firstOf(students.data.rows.length, students.data.total)}</p>
          )}
          <div className="checklist-items scroll-box" data-testid="kept-back-list">
            {shown.map((s) => (
              <label key={s.id}>
                <input type="checkbox" checked={keptBack.includes(s.id)}
                  onChange={(e) => setKeptBack(e.target.checked ? [...keptBack, s.id] : keptBack.filter((x) => x !== s.id))} />
                <span>{s.fullName} <span className="muted">{s.className}</span></span>
              </label>
            ))}
          </div>
        </fieldset>
        <FormActions><SubmitButton busy={busy}>{t.orders.promoteSubmit}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}
