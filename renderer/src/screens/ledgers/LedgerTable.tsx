// The ledger as the clerk reads it before printing: students × subjects (period marks, annual, exam, final), missed
// lessons, the statistics of each subject under it and the class totals. Drawn from exactly the data that is sealed.
import type { LedgerDataT } from '../../../../preload/contract';
import { COUNTED_MARKS } from '../../../../preload/core/marks';
import { formatDate } from '../../../../preload/core/dates';
import { percent, t } from '../../strings';

type Subject = LedgerDataT['subjects'][number];
type Column = { key: string; label: string; title: string; kind: 'period' | 'annual' | 'exam' | 'final' };

/** The columns of one subject, in the order printed. */
export function subjectColumns(data: LedgerDataT, subject: Subject): Column[] {
  const tx = t.ledgers;
  return [
    ...data.periods.map((p) => ({ key: p.key, label: p.label, title: p.label, kind: 'period' as const })),
    { key: 'annual', label: tx.annual, title: tx.annualTitle, kind: 'annual' as const },
    ...(subject.hasExam ? [{ key: 'exam', label: tx.exam, title: tx.examTitle, kind: 'exam' as const }] : []),
    { key: 'final', label: tx.final, title: tx.finalTitle, kind: 'final' as const },
  ];
}

function markOf(marks: LedgerDataT['students'][number]['marks'][string] | undefined, c: Column): string {
  if (!marks) return '';
  const m = c.kind === 'period' ? marks.periods[c.key] : marks[c.kind];
  return m ?? '';
}

export function LedgerTable({ data }: { data: LedgerDataT }) {
  const tx = t.ledgers;
  const columns = data.subjects.map((s) => ({ subject: s, columns: subjectColumns(data, s) }));
  const fmt = (n: number | null) => (n === null ? t.common.none : percent(n));
  const statRows: Array<{ title: string; value: (name: string) => string }> = [
    ...COUNTED_MARKS.map((m) => ({ title: tx.statCountTitle(m), value: (name: string) => String(data.stats[name]?.counts[m] ?? 0) })),
    { title: tx.progress, value: (name) => fmt(data.stats[name]?.progress ?? null) },
    { title: tx.quality, value: (name) => fmt(data.stats[name]?.quality ?? null) },
  ];

  return (
    <div className="ledger-scroll" tabIndex={0} role="region" aria-label={tx.tableLabel(data.class.name)} data-testid="ledger-table">
      <table className="grid ledger-table">
        <thead>
          <tr>
            <th scope="col" rowSpan={2} className="ledger-n">{tx.colN}</th>
            <th scope="col" rowSpan={2} className="ledger-book">{tx.colBook}</th>
            <th scope="col" rowSpan={2} className="ledger-name">{tx.colName}</th>
            {columns.map(({ subject, columns: cs }) => (
              <th key={subject.name} scope="colgroup" colSpan={cs.length} className="ledger-subject" title={subject.name}>
                {subject.name}
              </th>
            ))}
            <th scope="colgroup" colSpan={2} className="ledger-subject">{tx.missed}</th>
          </tr>
          <tr>
            {columns.flatMap(({ subject, columns: cs }) => cs.map((c, i) => (
              <th key={`${subject.name}:${c.key}`} scope="col" title={`${subject.name}: ${c.title}`}
                className={['ledger-col', i === 0 ? 'group-start' : '', c.kind === 'final' ? 'ledger-final' : ''].filter(Boolean).join(' ')}>
                {c.label}
              </th>
            )))}
            <th scope="col" className="ledger-col group-start">{tx.missedTotal}</th>
            <th scope="col" className="ledger-col">{tx.missedExcused}</th>
          </tr>
        </thead>
        <tbody>
          {data.students.length === 0 && (
            <tr className="empty-row"><td colSpan={5 + columns.reduce((a, c) => a + c.columns.length, 0)}>{tx.noStudents}</td></tr>
          )}
          {data.students.map((s) => (
            <tr key={s.id} className={s.left ? 'ledger-left' : undefined} data-testid="ledger-row">
              <td className="num">{s.n}</td>
              <td className="nowrap">{s.bookNumber ?? ''}</td>
              <th scope="row" className="ledger-name">
                {s.fullName}
                {s.left && <div className="muted small">{tx.left(formatDate(s.left.date), s.left.kind)}</div>}
              </th>
              {columns.flatMap(({ subject, columns: cs }) => cs.map((c, i) => (
                <td key={`${subject.name}:${c.key}`}
                  className={['ledger-mark', i === 0 ? 'group-start' : '', c.kind === 'final' ? 'ledger-final' : ''].filter(Boolean).join(' ')}>
                  {markOf(s.marks[subject.name], c)}
                </td>
              )))}
              <td className="num group-start">{s.missed.total}</td>
              <td className="num">{s.missed.excused}</td>
            </tr>
          ))}
        </tbody>
        <tfoot data-testid="ledger-stats">
          {statRows.map((r) => (
            <tr key={r.title}>
              <td colSpan={2} />
              <th scope="row" className="ledger-name ledger-stat-label">{r.title}</th>
              {columns.map(({ subject, columns: cs }) => (
                <td key={subject.name} colSpan={cs.length} className="ledger-stat group-start" data-subject={subject.name}>
                  {r.value(subject.name)}
                </td>
              ))}
              <td colSpan={2} className="group-start" />
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}

/** Class totals under the table: who is on «5», on «4» and «5», who has a «2» or «н/а». */
export function LedgerTotals({ data }: { data: LedgerDataT }) {
  const tx = t.ledgers;
  const items: Array<[string, number]> = [
    [tx.totalStudents, data.totals.students],
    [tx.allFive, data.totals.allFive],
    [tx.fourAndFive, data.totals.fourAndFive],
    [tx.withTwoOrNa, data.totals.withTwoOrNa],
  ];
  return (
    <section aria-labelledby="ledger-totals-h">
      <h2 id="ledger-totals-h">{tx.totals}</h2>
      <ul className="facts-inline ledger-totals" data-testid="ledger-totals">
        {items.map(([label, n]) => <li key={label}><span className="muted">{label}:</span> <strong>{n}</strong></li>)}
      </ul>
    </section>
  );
}
