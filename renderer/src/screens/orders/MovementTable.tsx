import type { Movement, Order } from '../../../../preload/contract';
import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow } from '../../ui/common';

/** Movements as a table: on the student card (no student column) and on an order's page (with it). */
export function MovementTable({ rows, orders = [], showStudent, testId }: { rows: Movement[]; orders?: Order[]; showStudent: boolean; testId?: string }) {
  // `orders` is kept for callers that still pass the book; a movement carries its order's id
  const orderId = (m: Movement) => m.orderId ?? orders.find((o) => o.number === m.orderNumber && o.date === m.orderDate)?.id;
  const details = (m: Movement) => [
    m.whereFrom && `${t.movement.whereFrom}: ${m.whereFrom}`,
    m.reason && `${t.movement.reason}: ${m.reason}`,
    m.whereTo && `${t.movement.whereTo}: ${m.whereTo}`,
  ].filter(Boolean).join('; ');
  const cols = showStudent ? 7 : 6;
  return (
    <table className="grid" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t.movement.colDate}</th>
          {showStudent && <th scope="col">{t.movement.colStudent}</th>}
          <th scope="col">{t.movement.colKind}</th>
          <th scope="col">{t.movement.colOrder}</th>
          <th scope="col">{t.movement.colFrom}</th>
          <th scope="col">{t.movement.colTo}</th>
          <th scope="col">{t.movement.colDetails}</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && <EmptyRow cols={cols}>{t.student.noHistory}</EmptyRow>}
        {rows.map((m) => {
          const ref = t.movement.orderRef(m.orderNumber, formatDate(m.orderDate));
          const oid = orderId(m);
          return (
            <tr key={m.id} data-testid="movement-row" className={m.cancelledBy ? 'cancelled' : undefined}>
              <td className="nowrap">{formatDate(m.date)}</td>
              {showStudent && <td><Link to={`/students/${m.studentId}`}>{m.studentName}</Link></td>}
              <td>
                {t.movement.kinds[m.kind]}
                {m.cancelledBy && <> <span className="badge badge-warn" data-testid="movement-cancelled">{t.cancelOrder.cancelledBadge(m.cancelledBy.number, formatDate(m.cancelledBy.date))}</span></>}
              </td>
              <td className="nowrap">{oid ? <Link to={`/orders/${oid}`}>{ref}</Link> : ref}</td>
              <td>{m.fromClass ?? ''}</td>
              <td>{m.toClass ?? ''}</td>
              <td>{details(m)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
