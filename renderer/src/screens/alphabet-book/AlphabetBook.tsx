import { useId } from 'react';
import type { BookEntry } from '../../../../preload/contract';
import { formatDate } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, PageHeader } from '../../ui/common';
import { useDebounced, useStoredState } from '../../ui/hooks';
import { useQuery } from '../../ui/useQuery';
import { Pager } from '../../ui/Pager';
import { useCan } from '../../app/user';
import { PrintoutResult, usePrintout } from '../printouts/Printout';

// Letters a surname can start with (no Ъ, Ы, Ь).
const ALPHABET = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ'.split('');

const PAGE = 100;

export function AlphabetBook() {
  const [letter, setLetterState] = useStoredState<string>('book.letter', '');
  const [query, setQueryState] = useStoredState('book.query', '');
  const [page, setPage] = useStoredState('book.page', 1);
  const setLetter = (l: string) => { setLetterState(l); setPage(1); };
  const setQuery = (q: string) => { setQueryState(q); setPage(1); };
  const debounced = useDebounced(query.trim(), 250);
  const searchId = useId();
  const entries = useQuery('alphabetBook.list', { letter: letter || undefined, query: debounced || undefined, limit: PAGE, offset: (page - 1) * PAGE });
  const total = entries.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const canPrint = useCan('printouts.alphabetBook');
  const printout = usePrintout();

  const groups = new Map<string, BookEntry[]>();
  for (const e of entries.data?.rows ?? []) groups.set(e.letter, [...(groups.get(e.letter) ?? []), e]);
  const sortedGroups = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, 'ru'));

  return (
    <section>
      <PageHeader title={t.book.title}>
        {canPrint && (letter ? (
          <button type="button" className="primary" disabled={printout.busy} data-testid="print-alphabet-book"
            onClick={() => void printout.print('printouts.alphabetBook', { letter })}>
            {printout.busy ? t.printouts.printing : t.printouts.alphabetBookLetter(letter)}
          </button>
        ) : <span className="muted small">{t.printouts.alphabetBookHint}</span>)}
      </PageHeader>
      <PrintoutResult made={printout.made} error={printout.error} />
      <div className="toolbar" role="search">
        <div className="toolbar-field grow">
          <label htmlFor={searchId}>{t.book.searchLabel}</label>
          <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="book-search" />
        </div>
      </div>
      <nav className="letter-bar" aria-label={t.book.letters}>
        <button type="button" aria-pressed={letter === ''} onClick={() => setLetter('')}>{t.book.allLetters}</button>
        {ALPHABET.map((l) => (
          <button type="button" key={l} aria-pressed={letter === l} onClick={() => setLetter(l)}>{l}</button>
        ))}
      </nav>
      {entries.error && <ErrorBox failure={entries.error} />}
      {entries.data && entries.data.total === 0 && <p className="muted">{t.book.empty}</p>}
      {entries.data && entries.data.total > 0 && <p className="table-caption" aria-live="polite">{t.book.shown(entries.data.rows.length, total)}</p>}
      {sortedGroups.map(([l, list]) => (
        <section key={l} className="book-letter" aria-labelledby={`book-${l}`} data-testid={`book-letter-${l}`}>
          {/* a count under the letter only when the whole letter is on this page: a page of it is not the letter */}
          <h2 id={`book-${l}`}>{letter && pages === 1 ? t.book.letterHeading(l, list.length) : l}</h2>
          <table className="grid" data-testid="book-table">
            <thead>
              <tr>
                <th scope="col" className="num">{t.book.colNumber}</th>
                <th scope="col">{t.book.colFile}</th>
                <th scope="col">{t.book.colName}</th>
                <th scope="col">{t.book.colBirth}</th>
                <th scope="col">{t.book.colEnrolled}</th>
                <th scope="col">{t.book.colEnrolOrder}</th>
                <th scope="col">{t.book.colEnrolledClass}</th>
                <th scope="col">{t.book.colDeparted}</th>
                <th scope="col">{t.book.colLeaveOrder}</th>
                <th scope="col">{t.book.colReason}</th>
              </tr>
            </thead>
            <tbody>
              {[...list].sort((a, b) => a.number - b.number).map((e) => (
                <tr key={e.studentId} data-testid="book-row">
                  <td className="num">{e.number}</td>
                  <td className="nowrap mono">{e.fileNumber}</td>
                  <td><Link to={`/students/${e.studentId}`}>{e.fullName}</Link></td>
                  <td className="nowrap">{formatDate(e.birthDate)}</td>
                  <td className="nowrap">{formatDate(e.enrolledOn)}</td>
                  <td className="nowrap" data-testid="book-enrol-order">{e.enrolmentOrder ? t.book.orderRef(e.enrolmentOrder.number, formatDate(e.enrolmentOrder.date)) : ''}</td>
                  <td>{e.enrolledClass ?? ''}</td>
                  <td className="nowrap">{formatDate(e.departedOn)}</td>
                  <td className="nowrap" data-testid="book-leave-order">{e.departureOrder ? t.book.orderRef(e.departureOrder.number, formatDate(e.departureOrder.date)) : ''}</td>
                  <td>
                    {[e.departureReason, e.whereTo].filter(Boolean).join('; ')}
                    {e.corrected?.map((c, i) => (
                      <div key={i} className="muted small" data-testid="book-corrected">
                        <del>{c.departedOn
                          ? t.book.correctedLeaving(formatDate(c.departedOn), [c.departureReason, c.whereTo].filter(Boolean).join('; '))
                          : t.book.correctedEntry(formatDate(c.enteredOn))}</del>{' '}— {t.book.correctedOn(formatDate(c.replacedOn))}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <Pager page={page} pages={pages} onPage={setPage} />
    </section>
  );
}
