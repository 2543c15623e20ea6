// The book of orders by school year: a year to show (or all), a search by number, kind or student, and each order's
// place in its year's numbering (the register numbers each kind once a school year, migration 0013).
import { useState } from 'react';
import { useCan } from '../../app/user';
import { sortedYears, useYears } from '../../app/years';
import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, Loaded, PageHeader } from '../../ui/common';
import { useDebounced } from '../../ui/hooks';
import { useQuery } from '../../ui/useQuery';

export function OrdersBook() {
  const canPromote = useCan('orders.promote');
  const canGraduate = useCan('orders.graduate');
  const { years } = useYears();
  const [year, setYear] = useState(''); // '' — all years; else the school year's first calendar year
  const [text, setText] = useState('');
  const query = useDebounced(text.trim());
  const orders = useQuery('orders.list', { limit: 1000, ...(year ? { year: Number(year) } : {}), ...(query ? { query } : {}) });
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
          <select id="orders-year" value={year} onChange={(e) => setYear(e.target.value)}>
            <option value="">{t.ordersBook.allYears}</option>
            {sortedYears(years).map((y) => <option key={y.id} value={y.name.slice(0, 4)}>{y.name}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="orders-search">{t.ordersBook.search}</label>
          <input id="orders-search" type="search" value={text} onChange={(e) => setText(e.target.value)} size={32} />
        </div>
      </div>
      <Loaded query={orders}>
        {(list) => (
          <>
            {(year || query) && <p className="muted" role="status" data-testid="orders-found">{t.ordersBook.found(list.length)}</p>}
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
                </tr>
              </thead>
              <tbody>
                {list.length === 0 && <EmptyRow cols={7}>{year || query ? t.ordersBook.nothingFound : t.orders.empty}</EmptyRow>}
                {list.map((o) => (
                  <tr key={o.id}>
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
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
    </section>
  );
}
