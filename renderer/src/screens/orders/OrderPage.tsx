import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Facts, Loaded, Loading, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';
import { MovementTable } from './MovementTable';

export function OrderPage({ id }: { id: number }) {
  // There is no orders.get: the order's heading comes from the book of orders.
  const orders = useQuery('orders.list', { limit: 1000 });
  const movements = useQuery('orders.movements', { orderId: id });
  if (orders.error) return <ErrorBox failure={orders.error} />;
  if (!orders.data) return <Loading />;
  const order = orders.data.find((o) => o.id === id);
  const back = <Link to="/orders">{t.orders.title}</Link>;
  if (!order) return <PageHeader title={t.errors.byCode.not_found} back={back} />;
  return (
    <article data-testid="order-page">
      <PageHeader title={t.orders.orderTitle(order.number, formatDate(order.date))} back={back} />
      <section className="card-section">
        <Facts items={[
          [t.orders.colKind, t.movement.kinds[order.kind]],
          [t.orders.colTitle, order.title],
          [t.orders.colStudents, String(order.studentCount)],
        ]} />
      </section>
      <section className="card-section" aria-labelledby="op-movements">
        <h2 id="op-movements">{t.orders.movements}</h2>
        <Loaded query={movements}>{(rows) => <MovementTable rows={rows} showStudent testId="order-movements" />}</Loaded>
      </section>
    </article>
  );
}
