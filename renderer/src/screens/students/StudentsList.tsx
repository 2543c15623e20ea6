import { useId } from 'react';
import { useCan } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { formatSnils } from '../../../../preload/core/identifiers';
import { Link } from '../../router';
import { t } from '../../strings';
import { EmptyRow, ErrorBox, PageHeader } from '../../ui/common';
import { useDebounced, useStoredState } from '../../ui/hooks';
import { Pager } from '../../ui/Pager';
import { SaveXlsxButton } from '../../ui/SaveXlsxButton';
import { useQuery } from '../../ui/useQuery';
import { StatusBadge } from './StatusBadge';
import { compareClasses } from '../classes/classOrder';
import { sortedYears, useYears } from '../../app/years';

const PAGE = 50;

export function StudentsList() {
  const canCreate = useCan('students.create');
  const [query, setQuery] = useStoredState('students.query', '');
  const [classId, setClassId] = useStoredState<number | null>('students.classId', null);
  const [page, setPage] = useStoredState('students.page', 1);
  const searchId = useId();
  const classFilterId = useId();
  const yearFilterId = useId();
  // The class filter lists one year's classes (the working year by default): a regional register has thousands.
  const { years, yearId, setYearId } = useYears();

  const debounced = useDebounced(query.trim(), 250);
  const classes = useQuery('classes.list', { yearId: yearId ?? undefined }, yearId !== null);
  const result = useQuery('students.search', {
    query: debounced || undefined, classId: classId ?? undefined, limit: PAGE, offset: (page - 1) * PAGE,
  });

  const rows = result.data?.rows ?? [];
  const total = result.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const visible = rows;

  const changeQuery = (q: string) => { setQuery(q); setPage(1); };
  const changeClass = (id: number | null) => { setClassId(id); setPage(1); };

  return (
    <section aria-labelledby="students-title">
      <PageHeader title={<span id="students-title">{t.students.title}</span>}>
        <SaveXlsxButton args={{ list: 'students', query: debounced || undefined, classId: classId ?? undefined }} testId="students-xlsx" />
        {canCreate && <Link to="/students/new" className="button primary">{t.students.newStudent}</Link>}
      </PageHeader>

      <div className="toolbar" role="search">
        <div className="toolbar-field grow">
          <label htmlFor={searchId}>{t.students.searchLabel}</label>
          <input id={searchId} type="search" value={query} placeholder={t.students.searchPlaceholder}
            onChange={(e) => changeQuery(e.target.value)} autoFocus data-testid="student-search" />
        </div>
        {years.length > 0 && (
          <div className="toolbar-field">
            <label htmlFor={yearFilterId}>{t.students.yearFilter}</label>
            <select id={yearFilterId} value={yearId ?? ''} data-testid="class-filter-year"
              onChange={(e) => { setYearId(Number(e.target.value)); changeClass(null); }}>
              {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
            </select>
          </div>
        )}
        <div className="toolbar-field">
          <label htmlFor={classFilterId}>{t.students.classFilter}</label>
          <select id={classFilterId} value={classId ?? ''} data-testid="class-filter"
            onChange={(e) => changeClass(e.target.value ? Number(e.target.value) : null)}>
            <option value="">{t.students.allClasses}</option>
            {[...(classes.data ?? [])].sort(compareClasses).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
      </div>

      {result.error && <ErrorBox failure={result.error} />}
      <p className="table-caption" aria-live="polite">
        {result.data && t.students.found(total)}
      </p>
      <table className="grid" data-testid="students-table" aria-busy={result.loading}>
        <thead>
          <tr>
            <th scope="col">{t.students.colName}</th>
            <th scope="col">{t.students.colBirth}</th>
            <th scope="col">{t.students.colSnils}</th>
            <th scope="col">{t.students.colClass}</th>
            <th scope="col">{t.students.colStatus}</th>
          </tr>
        </thead>
        <tbody>
          {result.data && visible.length === 0 && <EmptyRow cols={5}>{!debounced && classId == null ? t.emptyState.students : t.students.noneFound}</EmptyRow>}
          {visible.map((s) => (
            <tr key={s.id}>
              <td><Link to={`/students/${s.id}`}>{s.fullName}</Link></td>
              <td className="nowrap">{formatDate(s.birthDate)}</td>
              <td className="nowrap mono">{formatSnils(s.snils)}</td>
              <td>{s.classId ? <Link to={`/classes/${s.classId}`}>{s.className}</Link> : s.className ?? ''}</td>
              <td><StatusBadge status={s.status} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} pages={pages} onPage={setPage} />
    </section>
  );
}
