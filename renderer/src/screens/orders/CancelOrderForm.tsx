// «Отменить приказ»: a new order that names the one it cancels. When the pupils moved again since by other orders,
// the backend names those movements and refuses; the clerk (an administrator) may then confirm the cascade.
import { useState } from 'react';
import { call } from '../../api';
import type { Order, Output } from '../../../../preload/contract';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { CheckField, CheckList, DateField, FieldCheck, Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { FutureOrderCheck, futureOrder } from './MovementForms';

export function CancelOrderForm({ order, onDone, onCancel }: { order: Order; onDone: (r: Output<'orders.cancel'>) => void; onCancel: () => void }) {
  const [d, setD] = useState({ number: '', orderDate: formatDate(todayIso()), confirmFuture: false, cascade: false });
  const { busy, failure, run } = useSubmit();
  // an amendment: only some pupils' movements (none ticked — the whole order)
  const movements = useQuery('orders.movements', { orderId: order.id });
  const live = (movements.data ?? []).filter((m) => !m.cancelledBy);
  const [only, setOnly] = useState<number[]>([]);
  const later = failure?.fields.cascade ? failure.rows : [];
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const date = check.date('order.date', d.orderDate);
    check.required('order.number', d.number);
    if (futureOrder(d) && !d.confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    check.done();
    onDone(await call('orders.cancel', {
      order: { number: d.number.trim(), date, ...(futureOrder(d) && d.confirmFuture ? { confirmFuture: true } : {}) },
      cancels: { number: order.number, date: order.date }, ...(d.cascade ? { cascade: true } : {}),
      ...(only.length ? { studentIds: live.filter((m) => only.includes(m.id)).map((m) => m.studentId) } : {}),
    }));
  });
  const title = t.cancelOrder.title(order.number, formatDate(order.date));
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} testId="cancel-order-form" label={title} className="panel">
      <h2>{title}</h2>
      <p className="muted small">{t.cancelOrder.lead}</p>
      <div className="form-grid">
        <TextField name="order.number" label={t.cancelOrder.number} value={d.number} onChange={(v) => setD((x) => ({ ...x, number: v }))} required size={10} autoFocus />
        <DateField name="order.date" label={t.cancelOrder.date} value={d.orderDate} onChange={(v) => setD((x) => ({ ...x, orderDate: v }))} required />
      </div>
      <FutureOrderCheck orderDate={d.orderDate} checked={d.confirmFuture} onChange={(v) => setD((x) => ({ ...x, confirmFuture: v }))} />
      {live.length > 1 && (
        <CheckList name="studentIds" label={t.cancelOrder.only} selected={only} onChange={setOnly}
          options={live.map((m) => ({ id: m.id, label: `${m.studentName}${m.fromClass || m.toClass ? ` (${[m.fromClass, m.toClass].filter(Boolean).join(' → ')})` : ''}` }))} />
      )}
      {later.length > 0 && (
        <div className="notice notice-warn" data-testid="cancel-later">
          <strong>{t.cancelOrder.laterTitle}</strong>
          <ul>{later.map((r, i) => <li key={i}>{String(r.what ?? '')}</li>)}</ul>
        </div>
      )}
      {(later.length > 0 || d.cascade) && <CheckField name="cascade" label={t.cancelOrder.cascade} checked={d.cascade} onChange={(v) => setD((x) => ({ ...x, cascade: v }))} />}
      <FormActions>
        <SubmitButton busy={busy}>{t.cancelOrder.submit}</SubmitButton>
        <button type="button" onClick={onCancel} disabled={busy}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
