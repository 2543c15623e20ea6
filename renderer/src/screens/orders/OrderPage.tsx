import { useState, type ReactNode } from 'react';
import { useCan } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { asFailure, call } from '../../api';
import { saveFile } from '../../ui/files';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Facts, Loaded, Loading, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';
import { MovementTable } from './MovementTable';
import { CancelOrderForm } from './CancelOrderForm';

export function OrderPage({ id }: { id: number }) {
  const orders = useQuery('orders.get', { orderId: id });
  const movements = useQuery('orders.movements', { orderId: id });
  const cancelledHere = useQuery('orders.cancelledBy', { orderId: id });
  const canCancel = useCan('orders.cancel');
  const [cancelling, setCancelling] = useState(false);
  const [cancelled, setCancelled] = useState<string | null>(null);
  const [printing, setPrinting] = useState(false);
  const [printError, setPrintError] = useState<string | null>(null);
  async function print() {
    setPrinting(true);
    try {
      const r = await call('orders.print', { orderId: id });
      saveFile(r.fileName, r.dataBase64);
      setPrintError(null);
    } catch (e) {
      setPrintError(asFailure(e).message);
    } finally {
      setPrinting(false);
    }
  }
  const back = <Link to="/orders">{t.orders.title}</Link>;
  if (orders.error?.code === 'not_found') return <PageHeader title={t.errors.byCode.not_found} back={back} />;
  if (orders.error) return <ErrorBox failure={orders.error} />;
  if (!orders.data) return <Loading />;
  const order = orders.data;
  return (
    <article data-testid="order-page">
      <PageHeader title={t.orders.orderTitle(order.number, formatDate(order.date))} back={back}>
        <button type="button" onClick={() => void print()} disabled={printing} data-testid="order-print">{printing ? t.ordersBook.printing : t.ordersBook.print}</button>
        {canCancel && !order.corrects && order.studentCount > 0 && (
          <button type="button" onClick={() => { setCancelled(null); setCancelling(true); }} data-testid="order-cancel">{t.cancelOrder.button}</button>
        )}
      </PageHeader>
      {printError && <Notice kind="error" testId="order-print-error">{printError}</Notice>}
      {cancelled && <Notice kind="ok" testId="cancel-result">{cancelled}</Notice>}
      {cancelling && (
        <CancelOrderForm order={order} onCancel={() => setCancelling(false)} onDone={(r) => {
          setCancelling(false);
          setCancelled(t.cancelOrder.done(r.order.title, r.cancelled.length + r.cascaded.length, r.cascaded.length));
          orders.reload(); movements.reload(); cancelledHere.reload();
        }} />
      )}
      <section className="card-section">
        <Facts items={[
          [t.orders.colKind, t.movement.kinds[order.kind]],
          [t.orders.colTitle, order.title],
          [t.orders.colStudents, String(order.studentCount)],
          [t.ordersBook.colYear, order.schoolYear],
          [t.ordersBook.colSeq, String(order.seqInYear)],
          ...(order.corrects ? [[t.cancelOrder.corrects, <Link key="c" to={`/orders/${order.corrects.orderId}`}>{t.orders.orderTitle(order.corrects.number, formatDate(order.corrects.date))}</Link>] as [string, ReactNode]] : []),
          ...(order.correctedBy?.length ? [[t.cancelOrder.correctedBy, order.correctedBy.map((c, i) => (
            <span key={c.id}>{i > 0 && ', '}<Link to={`/orders/${c.id}`}>{t.orders.orderTitle(c.number, formatDate(c.date))}</Link></span>))] as [string, ReactNode]] : []),
        ]} />
      </section>
      <section className="card-section" aria-labelledby="op-movements">
        <h2 id="op-movements">{t.orders.movements}</h2>
        <Loaded query={movements}>{(rows) => <MovementTable rows={rows} showStudent testId="order-movements" />}</Loaded>
      </section>
      {order.corrects && (
        <section className="card-section" aria-labelledby="op-cancelled">
          <h2 id="op-cancelled">{t.cancelOrder.cancelledMovements}</h2>
          <Loaded query={cancelledHere}>{(rows) => <MovementTable rows={rows} showStudent testId="order-cancelled-movements" />}</Loaded>
        </section>
      )}
    </article>
  );
}
