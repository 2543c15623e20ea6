// Успеваемость: pick a class and a subject, then the grade grid (GradeGrid.tsx).
import { useCallback, useEffect, useRef, useState } from 'react';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { sortedYears, useYears } from '../../app/years';
import { navigate } from '../../router';
import { t } from '../../strings';
import { Loaded, Notice, PageHeader } from '../../ui/common';
import { SaveXlsxButton } from '../../ui/SaveXlsxButton';
import { useQuery } from '../../ui/useQuery';
import { compareClasses } from '../classes/classOrder';
import { GradeGrid } from './GradeGrid';

export function GradesScreen({ classId, subjectId }: { classId?: number; subjectId?: number }) {
  const { years, yearId, setYearId } = useYears();
  const classes = useQuery('classes.list', { yearId: yearId ?? undefined }, yearId !== null);
  const curriculum = useQuery('curriculum.get', { classId: classId ?? 0 }, classId !== undefined);
  const subjects = curriculum.data ?? [];
  const canSet = useCan('settings.set');
  const settings = useQuery('settings.get', {}, canSet);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  const [gridVersion, setGridVersion] = useState(0);
  // Shown at once; the register's answer confirms it (or the error puts it back).
  const [allowPending, setAllowPending] = useState<boolean | null>(null);
  async function allowOne(on: boolean) {
    setAllowPending(on);
    try {
      await call('settings.set', { allowMarkOne: on });
      setSettingsError(null);
      settings.reload();
      setGridVersion((v) => v + 1);
    } catch (e) {
      setAllowPending(null);
      setSettingsError(asFailure(e).message);
    }
  }

  return (
    <section data-testid="grades-screen">
      <PageHeader title={t.grades.title}>
        {classId !== undefined && <SaveXlsxButton args={{ list: 'classMarks', classId }} testId="grades-xlsx" />}
      </PageHeader>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="grades-year">{t.grades.year}</label>
          <select id="grades-year" value={yearId ?? ''} onChange={(e) => { setYearId(Number(e.target.value)); navigate('/grades'); }}>
            {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="grades-class">{t.grades.klass}</label>
          <select id="grades-class" value={classId ?? ''} onChange={(e) => navigate(e.target.value ? `/grades/${e.target.value}` : '/grades')}>
            <option value="">{t.grades.choose}</option>
            {[...(classes.data ?? [])].sort(compareClasses).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        {classId !== undefined && (
          <div className="toolbar-field">
            <label htmlFor="grades-subject">{t.grades.subject}</label>
            <select id="grades-subject" value={subjectId ?? ''}
              onChange={(e) => navigate(e.target.value ? `/grades/${classId}/${e.target.value}` : `/grades/${classId}`)}>
              <option value="">{t.grades.choose}</option>
              {subjects.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
          </div>
        )}
        {canSet && settings.data && (
          <div className="toolbar-field">
            <label>
              <input type="checkbox" checked={allowPending ?? settings.data.allowMarkOne} onChange={(e) => void allowOne(e.target.checked)} />{' '}
              {t.grades.settingsOne}
            </label>
          </div>
        )}
      </div>
      {settingsError && <Notice kind="error">{settingsError}</Notice>}
      {classes.data && classes.data.length === 0 && <Notice kind="warn">{t.grades.noClasses}</Notice>}
      {classId !== undefined && curriculum.data && subjects.length === 0 && <Notice kind="warn">{t.grades.noSubjects}</Notice>}
      {classId !== undefined && subjectId !== undefined && (
        <GridLoader key={`${classId}:${subjectId}:${gridVersion}`} classId={classId} subjectId={subjectId} />
      )}
    </section>
  );
}

/** How often an open grid asks whether its class's marks changed elsewhere: one primary-key read, cheap. */
const POLL_MS = 4000;

/**
 * The grid, and whether it is still what the register holds: the class's change counter (register.changes) is read
 * before the grid, then polled; a larger counter means marks were written elsewhere (another workplace, an import) and
 * the grid says so instead of showing stale marks. Its own writes start a new generation, so a poll that raced them is
 * not taken for someone else's change.
 */
function GridLoader({ classId, subjectId }: { classId: number; subjectId: number }) {
  const [base, setBase] = useState<number | null>(null);
  const [stale, setStale] = useState(false);
  const generation = useRef(0);
  const grid = useQuery('grades.grid', { classId, subjectId }, base !== null);
  const { reload } = grid;
  const counter = useCallback(async () => (await call('register.changes', { area: 'marks', classId })).counter, [classId]);
  const refresh = useCallback(async () => {
    const g = ++generation.current;
    try {
      const c = await counter();
      if (g !== generation.current) return;
      setBase(c);
      setStale(false);
    } catch {
      setBase((b) => b ?? 0); // no counter: the grid loads anyway, without the notice
    }
    reload();
  }, [counter, reload]);
  useEffect(() => { void refresh(); }, [refresh]);
  useEffect(() => {
    if (base === null) return;
    const timer = setInterval(() => {
      if (document.hidden) return;
      const g = generation.current;
      counter().then((c) => { if (g === generation.current && c > base) setStale(true); }, () => { /* unreachable now: said by the next call */ });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [base, counter]);
  return (
    <>
      {stale && (
        <Notice kind="warn" testId="grade-changed-elsewhere">
          {t.personalData.marksChanged} — <button type="button" className="link-button" onClick={() => void refresh()}>{t.personalData.refresh}</button>
        </Notice>
      )}
      <Loaded query={grid}>{(g) => <GradeGrid grid={g} reload={() => void refresh()} onWrite={() => { generation.current++; }} />}</Loaded>
    </>
  );
}
