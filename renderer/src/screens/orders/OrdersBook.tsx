import { useCan } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';

export function OrdersBook() {
  const canPromote = useCan('orders.promote');
  const orders = useQuery('orders.list', { limit: 1000 });
  return (
    <section>
      <PageHeader title={t.orders.title}>
        {canPromote && <Link to="/orders/promote" className="button">{t.orders.promote}</Link>}
      </PageHeader>
      <Loaded query={orders}>
        {(list) => (
          <table className="grid" data-testid="orders-table">
            <thead>
              <tr>
                <th scope="col">{t.orders.colNumber}</th>
                <th scope="col">{t.orders.colDate}</th>
                <th scope="col">{t.orders.colKind}</th>
                <th scope="col">{t.orders.colTitle}</th>
                <th scope="col" className="num">{t.orders.colStudents}</th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={5}>{t.orders.empty}</EmptyRow>}
              {list.map((o) => (
                <tr key={o.id}>
                  <td className="nowrap"><Link to={`/orders/${o.id}`} aria-label={t.orders.orderTitle(o.number, formatDate(o.date))}>№ {o.number}</Link></td>
                  <td className="nowrap">{formatDate(o.date)}</td>
                  <td>{t.movement.kinds[o.kind]}</td>
                  <td>{o.title}</td>
                  <td className="num">{o.studentCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}
