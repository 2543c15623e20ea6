import { useState } from 'react';
import { sortedYears, useYears } from '../../app/years';
import { useCan } from '../../app/user';
import { Link } from '../../router';
import { t } from '../../strings';
import { Badge, EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';
import { ClassForm } from './ClassForm';
import { compareClasses } from './classOrder';

export function ClassesList() {
  const canCreate = useCan('classes.create');
  const { years, loaded, yearId, setYearId } = useYears();
  const classes = useQuery('classes.list', { yearId: yearId ?? undefined }, yearId !== null);
  const [creating, setCreating] = useState(false);

  return (
    <section>
      <PageHeader title={t.classes.title}>
        {canCreate && yearId !== null && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>{t.classes.newClass}</button>
        )}
      </PageHeader>
      {loaded && years.length === 0 && <Notice kind="warn">{t.classes.noYears} <Link to="/years">{t.nav.years}</Link></Notice>}
      {years.length > 0 && (
        <div className="toolbar">
          <div className="toolbar-field">
            <label htmlFor="classes-year">{t.classes.year}</label>
            <select id="classes-year" value={yearId ?? ''} onChange={(e) => setYearId(Number(e.target.value))}>
              {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
            </select>
          </div>
        </div>
      )}
      {creating && yearId !== null && (
        <ClassForm yearId={yearId} onCancel={() => setCreating(false)} onDone={() => { setCreating(false); classes.reload(); }} />
      )}
      {yearId !== null && (
        <Loaded query={classes}>
          {(list) => (
            <table className="grid" data-testid="classes-table">
              <thead>
                <tr>
                  <th scope="col">{t.classes.colName}</th>
                  <th scope="col">{t.classes.colTeacher}</th>
                  <th scope="col" className="num">{t.classes.colShift}</th>
                  <th scope="col">{t.classes.colLevel}</th>
                  <th scope="col">{t.classes.colAdapted}</th>
                  <th scope="col" className="num">{t.classes.colStudents}</th>
                </tr>
              </thead>
              <tbody>
                {list.length === 0 && <EmptyRow cols={6}>{t.emptyState.classes}</EmptyRow>}
                {[...list].sort(compareClasses).map((c) => (
                  <tr key={c.id}>
                    <td><Link to={`/classes/${c.id}`} className="strong">{c.name}</Link></td>
                    <td>{c.homeroomTeacher ?? <span className="muted">{t.classes.noTeacher}</span>}</td>
                    <td className="num">{c.shift}</td>
                    <td>{c.level}</td>
                    <td>{c.adapted ? <Badge kind="info">{t.classes.adaptedBadge}</Badge> : ''}</td>
                    <td className="num">{c.studentCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      )}
    </section>
  );
}
