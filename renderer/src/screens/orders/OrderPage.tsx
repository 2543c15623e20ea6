import { useState } from 'react';
import { formatDate } from '../../../../preload/core/dates';
import { asFailure, call } from '../../api';
import { saveFile } from '../../ui/files';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Facts, Loaded, Loading, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';
import { MovementTable } from './MovementTable';

export function OrderPage({ id }: { id: number }) {
  // There is no orders.get: the order's heading comes from the book of orders.
  const orders = useQuery('orders.list', { limit: 1000 });
  const movements = useQuery('orders.movements', { orderId: id });
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
  if (orders.error) return <ErrorBox failure={orders.error} />;
  if (!orders.data) return <Loading />;
  const order = orders.data.find((o) => o.id === id);
  const back = <Link to="/orders">{t.orders.title}</Link>;
  if (!order) return <PageHeader title={t.errors.byCode.not_found} back={back} />;
  return (
    <article data-testid="order-page">
      <PageHeader title={t.orders.orderTitle(order.number, formatDate(order.date))} back={back}>
        <button type="button" onClick={() => void print()} disabled={printing} data-testid="order-print">{printing ? t.ordersBook.printing : t.ordersBook.print}</button>
      </PageHeader>
      {printError && <Notice kind="error" testId="order-print-error">{printError}</Notice>}
      <section className="card-section">
        <Facts items={[
          [t.orders.colKind, t.movement.kinds[order.kind]],
          [t.orders.colTitle, order.title],
          [t.orders.colStudents, String(order.studentCount)],
          [t.ordersBook.colYear, order.schoolYear],
          [t.ordersBook.colSeq, String(order.seqInYear)],
        ]} />
      </section>
      <section className="card-section" aria-labelledby="op-movements">
        <h2 id="op-movements">{t.orders.movements}</h2>
        <Loaded query={movements}>{(rows) => <MovementTable rows={rows} showStudent testId="order-movements" />}</Loaded>
      </section>
    </article>
  );
}
