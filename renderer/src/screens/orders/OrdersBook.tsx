// The book of orders by school year: a year to show (or all), a search by number, kind or student, and each order's
// place in its year's numbering (the register numbers each kind once a school year, migration 0013).
import { useState } from 'react';
import type { Order } from '../../../../preload/contract';
import { useCan } from '../../app/user';
import { sortedYears, useYears } from '../../app/years';
import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { useDebounced } from '../../ui/hooks';
import { Pager } from '../../ui/Pager';
import { useQuery } from '../../ui/useQuery';
import { CancelOrderForm } from './CancelOrderForm';

const PAGE = 100;

export function OrdersBook() {
  const canPromote = useCan('orders.promote');
  const canGraduate = useCan('orders.graduate');
  const { years } = useYears();
  const [year, setYear] = useState(''); // '' — all years; else the school year's first calendar year
  const [text, setText] = useState('');
  const [page, setPage] = useState(1);
  const canCancel = useCan('orders.cancel');
  const [cancelling, setCancelling] = useState<Order | null>(null);
  const [cancelled, setCancelled] = useState<string | null>(null);
  const query = useDebounced(text.trim());
  // a page of the book and the count of all that match: the book never stops silently at a limit
  const orders = useQuery('orders.book', { limit: PAGE, offset: (page - 1) * PAGE, ...(year ? { year: Number(year) } : {}), ...(query ? { query } : {}) });
  const pages = Math.max(1, Math.ceil((orders.data?.total ?? 0) / PAGE));
  return (
    <section>
      <PageHeader title={t.orders.title}>
        {canPromote && <Link to="/orders/promote" className="button">{t.orders.promote}</Link>}
        {canGraduate && <Link to="/orders/graduate" className="button">{t.orders.graduate}</Link>}
        <Link to="/orders/debts" className="button">{t.debts.link}</Link>
      </PageHeader>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="orders-year">{t.ordersBook.yearFilter}</label>
          <select id="orders-year" value={year} onChange={(e) => { setYear(e.target.value); setPage(1); }}>
            <option value="">{t.ordersBook.allYears}</option>
            {sortedYears(years).map((y) => <option key={y.id} value={y.name.slice(0, 4)}>{y.name}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-search">{t.ordersBook.search}</label>
          <input id="orders-search" type="search" value={text} onChange={(e) => { setText(e.target.value); setPage(1); }} size={32} />
        </div>
      </div>
      {cancelled && <Notice kind="ok" testId="cancel-result">{cancelled}</Notice>}
      {cancelling && (
        <CancelOrderForm order={cancelling} onCancel={() => setCancelling(null)} onDone={(r) => {
          setCancelling(null);
          setCancelled(t.cancelOrder.done(r.order.title, r.cancelled.length + r.cascaded.length, r.cascaded.length));
          orders.reload();
        }} />
      )}
      <Loaded query={orders}>
        {({ rows: list, total }) => (
          <>
            {(year || query) && <p className="muted" role="status" data-testid="orders-found">{t.ordersBook.found(total)}</p>}
            {total > 0 && <p className="table-caption" data-testid="orders-shown">{t.ordersPage.shown(list.length, total)}</p>}
            <table className="grid" data-testid="orders-table">
              <thead>
                <tr>
                  <th scope="col" className="num">{t.ordersBook.colSeq}</th>
                  <th scope="col">{t.orders.colNumber}</th>
                  <th scope="col">{t.orders.colDate}</th>
                  <th scope="col">{t.ordersBook.colYear}</th>
                  <th scope="col">{t.orders.colKind}</th>
                  <th scope="col">{t.orders.colTitle}</th>
                  <th scope="col" className="num">{t.orders.colStudents}</th>
                  {canCancel && <th scope="col"><span className="visually-hidden">{t.cancelOrder.button}</span></th>}
                </tr>
              </thead>
              <tbody>
                {list.length === 0 && <EmptyRow cols={canCancel ? 8 : 7}>{year || query ? t.ordersBook.nothingFound : t.orders.empty}</EmptyRow>}
                {list.map((o) => (
                  <tr key={o.id} data-testid="order-row">
                    <td className="num">{o.seqInYear}</td>
                    <td className="nowrap">
                      <Link to={`/orders/${o.id}`} aria-label={t.orders.orderTitle(o.number, formatDate(o.date))}>№ {o.number}</Link>
                      {o.numberedTwice && <span className="badge badge-warn" title={t.ordersBook.numberedTwiceHint} data-testid="numbered-twice"> {t.ordersBook.numberedTwice}</span>}
                    </td>
                    <td className="nowrap">{formatDate(o.date)}</td>
                    <td className="nowrap">{o.schoolYear}</td>
                    <td>{t.movement.kinds[o.kind]}</td>
                    <td>{o.title}</td>
                    <td className="num">{o.studentCount}</td>
                    {canCancel && (
                      <td>
                        {!o.corrects && o.studentCount > 0 && (
                          <button type="button" className="link-button danger" data-testid="cancel-order" aria-label={`${t.cancelOrder.button} № ${o.number} от ${formatDate(o.date)}`}
                            onClick={() => { setCancelled(null); setCancelling(o); }}>{t.cancelOrder.rowButton}</button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager page={page} pages={pages} onPage={setPage} />
          </>
        )}
      </Loaded>
    </section>
  );
}
