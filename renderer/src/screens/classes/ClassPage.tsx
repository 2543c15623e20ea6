import { useEffect, useState } from 'react';
import { call } from '../../api';
import type { SchoolClass, Subject } from '../../../../preload/contract';
import { useCan } from '../../app/user';
import { useYears } from '../../app/years';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { formatSnils } from '../../../../preload/core/identifiers';
import { fullName } from '../../../../preload/core/names';
import { Link } from '../../router';
import { t } from '../../strings';
import { Badge, EmptyRow, ErrorBox, Facts, Loaded, Loading, Notice, PageHeader } from '../../ui/common';
import { CheckField, CheckList, Form, FormActions, SelectField, SubmitButton, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { StatusBadge } from '../students/StatusBadge';
import { MissingCodeBadge } from '../subjects/MissingCodeBadge';

export function ClassPage({ id }: { id: number }) {
  // There is no classes.get: the class is picked out of the list of all classes.
  const classes = useQuery('classes.list', {});
  // a class of a year that is over lists its pupils as the year ended (who finished it there, who left from it)
  const { years } = useYears();
  const yearId = classes.data?.find((x) => x.id === id)?.yearId;
  const ended = (years.find((y) => y.id === yearId)?.endDate ?? '9999-12-31') < todayIso();
  const students = useQuery('classes.students', { classId: id, ...(ended ? { asOfYearEnd: true } : {}) }, yearId !== undefined);
  const canUpdate = useCan('classes.update');
  const canSheet = useCan('ledgers.get');
  if (classes.error) return <ErrorBox failure={classes.error} />;
  if (!classes.data) return <Loading />;
  const c = classes.data.find((x) => x.id === id);
  if (!c) return <PageHeader title={t.errors.byCode.not_found} back={<Link to="/classes">{t.nav.classes}</Link>} />;

  return (
    <article data-testid="class-page">
      <PageHeader title={`${t.classes.className(c.name)}, ${c.yearName}`} back={<Link to="/classes">{t.nav.classes}</Link>}
        badges={c.adapted && <Badge kind="info">{t.classes.adapted}</Badge>} />
      {canSheet && (
        <p className="sheet-links">
          <Link to={`/classes/${c.id}/sheet`} data-testid="class-sheet-link">{t.classSheet.link}</Link>
          <Link to={`/ledgers/${c.id}`}>{t.classSheet.ledger}</Link>
        </p>
      )}
      <div className="card-columns">
        <section className="card-section" aria-labelledby="cp-facts">
          <h2 id="cp-facts" className="visually-hidden">{t.classes.settings}</h2>
          <Facts items={[
            [t.classes.year, c.yearName],
            [t.classes.level, t.classes.levels[c.level]],
            [t.classes.shift, t.classes.shiftN(c.shift)],
            [t.classes.teacher, c.homeroomTeacher ?? ''],
            [t.classes.colStudents, String(c.studentCount)],
          ]} />
        </section>
        {canUpdate && <ClassSettings cls={c} onSaved={classes.reload} />}
      </div>

      <section className="card-section" aria-labelledby="cp-students">
        <h2 id="cp-students">{ended ? t.classes.studentsAtYearEnd : t.classes.students}</h2>
        <Loaded query={students}>
          {(rows) => (
            <table className="grid" data-testid="class-students">
              <thead>
                <tr>
                  <th scope="col" className="num">№</th>
                  <th scope="col">{t.students.colName}</th>
                  <th scope="col">{t.students.colBirth}</th>
                  <th scope="col">{t.students.colSnils}</th>
                  <th scope="col">{t.students.colStatus}</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && <EmptyRow cols={5}>{t.classes.noStudents}</EmptyRow>}
                {rows.map((s, i) => (
                  <tr key={s.id}>
                    <td className="num">{i + 1}</td>
                    <td><Link to={`/students/${s.id}`}>{s.fullName}</Link></td>
                    <td className="nowrap">{formatDate(s.birthDate)}</td>
                    <td className="nowrap mono">{formatSnils(s.snils)}</td>
                    <td><StatusBadge status={s.status} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </section>

      <Curriculum classId={c.id} />
    </article>
  );
}

function ClassSettings({ cls, onSaved }: { cls: SchoolClass; onSaved: () => void }) {
  const staff = useQuery('staff.list', {});
  const [d, setD] = useState({ teacher: cls.homeroomTeacherId ? String(cls.homeroomTeacherId) : '', shift: String(cls.shift), adapted: cls.adapted });
  const [saved, setSaved] = useState(false);
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    await call('classes.update', { id: cls.id, homeroomTeacherId: d.teacher ? Number(d.teacher) : null, shift: Number(d.shift), adapted: d.adapted });
    setSaved(true);
    onSaved();
  });
  return (
    <section className="card-section" aria-labelledby="cp-settings">
      <h2 id="cp-settings">{t.classes.settings}</h2>
      <Form failure={failure} busy={busy} onSubmit={submit} testId="class-settings" label={t.classes.settings}>
        <div className="form-grid">
          <SelectField name="homeroomTeacherId" label={t.classes.teacher} value={d.teacher} placeholder={t.classes.noTeacher}
            onChange={(v) => { setSaved(false); setD({ ...d, teacher: v }); }}
            options={(staff.data ?? []).map((s) => ({ value: String(s.id), label: fullName(s) }))} />
          <SelectField name="shift" label={t.classes.shift} value={d.shift} onChange={(v) => { setSaved(false); setD({ ...d, shift: v }); }}
            options={[1, 2].map((n) => ({ value: String(n), label: t.classes.shiftN(n) }))} />
          <CheckField name="adapted" label={t.classes.adapted} checked={d.adapted} onChange={(v) => { setSaved(false); setD({ ...d, adapted: v }); }} />
        </div>
        <FormActions>
          <SubmitButton busy={busy}>{t.classes.settingsSave}</SubmitButton>
          {saved && <span className="saved" role="status">{t.common.saved}</span>}
        </FormActions>
      </Form>
    </section>
  );
}

function Curriculum({ classId }: { classId: number }) {
  const canSet = useCan('curriculum.set');
  const subjects = useQuery('subjects.list', {});
  const current = useQuery('curriculum.get', { classId });
  const electivesNow = useQuery('curriculum.electives', { classId });
  const [selected, setSelected] = useState<number[] | null>(null);
  const [electives, setElectives] = useState<number[] | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, failure, run } = useSubmit();
  useEffect(() => { if (current.data && selected === null) setSelected(current.data.map((s) => s.id)); }, [current.data, selected]);
  useEffect(() => { if (electivesNow.data && electives === null) setElectives(electivesNow.data); }, [electivesNow.data, electives]);

  const submit = () => run(async () => {
    const subjectIds = selected ?? [];
    const electiveSubjectIds = (electives ?? []).filter((id) => subjectIds.includes(id));
    const result = await call('curriculum.set', { classId, subjectIds, electiveSubjectIds });
    setSelected(result.map((s) => s.id));
    setElectives(electiveSubjectIds);
    setSaved(true);
  });
  const label = (s: Subject) => <>{s.name} {s.missingCodes.length > 0 && <MissingCodeBadge subject={s} />}</>;

  return (
    <section className="card-section" aria-labelledby="cp-curriculum">
      <h2 id="cp-curriculum">{t.classes.curriculum}</h2>
      {subjects.error && <ErrorBox failure={subjects.error} />}
      {current.error && <ErrorBox failure={current.error} />}
      {electivesNow.error && <ErrorBox failure={electivesNow.error} />}
      {subjects.data && selected !== null && (
        subjects.data.length === 0 ? <Notice>{t.classes.noSubjects} <Link to="/subjects">{t.nav.subjects}</Link></Notice> : (
          <Form failure={failure} busy={busy} onSubmit={submit} testId="curriculum-form" label={t.classes.curriculum}>
            <CheckList name="subjectIds" label={t.classes.curriculumHint} readOnly={!canSet} selected={selected}
              onChange={(ids) => { setSaved(false); setSelected(ids); }}
              options={subjects.data.map((s) => ({ id: s.id, label: label(s) }))} />
            {selected.length > 0 && electives !== null && (
              <CheckList name="electiveSubjectIds" label={t.classes.curriculumElectives} readOnly={!canSet} selected={electives}
                onChange={(ids) => { setSaved(false); setElectives(ids); }}
                options={subjects.data.filter((s) => selected.includes(s.id)).map((s) => ({ id: s.id, label: s.name }))} />
            )}
            {canSet && (
              <FormActions>
                <SubmitButton busy={busy}>{t.classes.curriculumSave}</SubmitButton>
                {saved && <span className="saved" role="status">{t.common.saved}</span>}
              </FormActions>
            )}
          </Form>
        )
      )}
    </section>
  );
}
