// The next year in one step: the plan first (classes a grade on, 1st grades from the planned enrolment, each class's
// curriculum, teachers and shifts proposed with the reasons), the clerk's changes in place, then one confirmation.
// Below: the curriculum templates per grade, which the plan takes its subjects from.
import { useState } from 'react';
import { call } from '../../api';
import type { NextYearPreview, Output } from '../../../../preload/contract';
import { currentYear, sortedYears, useYears } from '../../app/years';
import { useCan } from '../../app/user';
import { Link } from '../../router';
import { t } from '../../strings';
import { Loaded, Notice, PageHeader } from '../../ui/common';
import { CheckList, Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

type Choice = { homeroomTeacherId: string; shift: string; include: boolean };

export function NextYearScreen() {
  const { years, reload: reloadYears } = useYears();
  const [fromYear, setFromYear] = useState('');
  const from = fromYear || String(currentYear(years)?.id ?? sortedYears(years)[0]?.id ?? '');
  const [firstClasses, setFirstClasses] = useState('0');
  const [pupils, setPupils] = useState('');
  const [plan, setPlan] = useState<NextYearPreview | null>(null);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [opened, setOpened] = useState<Output<'years.openNext'> | null>(null);
  const staff = useQuery('staff.list', {});
  const preview = useSubmit();
  const open = useSubmit();
  const args = () => ({ fromYearId: Number(from), firstGradeClasses: Number(firstClasses) || 0, firstGradePupils: pupils.trim() ? Number(pupils) : null });

  const showPlan = () => preview.run(async () => {
    setOpened(null);
    const p = await call('years.nextPreview', args());
    setPlan(p);
    setChoices(Object.fromEntries(p.classes.map((k) => [k.name, { homeroomTeacherId: k.homeroomTeacherId == null ? '' : String(k.homeroomTeacherId), shift: String(k.shift), include: true }])));
  });
  const confirm = () => open.run(async () => {
    if (!plan) return;
    const r = await call('years.openNext', { ...args(), classes: plan.classes.map((k) => {
      const c = choices[k.name];
      return { parallel: k.parallel, letter: k.letter, homeroomTeacherId: c.homeroomTeacherId ? Number(c.homeroomTeacherId) : null, shift: Number(c.shift), include: c.include };
    }) });
    setOpened(r);
    setPlan(null);
    reloadYears();
  });
  const teacherOptions = (staff.data ?? []).map((s) => ({ value: String(s.id), label: [s.lastName, s.firstName, s.middleName].filter(Boolean).join(' ') }));
  const setChoice = (name: string, patch: Partial<Choice>) => setChoices((x) => ({ ...x, [name]: { ...x[name], ...patch } }));

  return (
    <section>
      <PageHeader title={t.nextYear.title} back={<Link to="/years">{t.nav.years}</Link>} />
      <p className="lead">{t.nextYear.lead}</p>
      {opened && (
        <Notice kind="ok" testId="next-year-opened">
          {t.nextYear.opened(opened.year.name, opened.classes.length, opened.curriculumRows)}
          {opened.updated.length > 0 && <> {t.nextYear.updated(opened.updated.map((k) => k.name).join(', '))}</>} <Link to="/classes">{t.nav.classes}</Link> · <Link to="/years/first-graders">{t.firstGraders.link}</Link>
        </Notice>
      )}
      <Form failure={preview.failure} busy={preview.busy} onSubmit={showPlan} testId="next-year-form" label={t.nextYear.title}>
        <div className="form-grid">
          <SelectField name="fromYearId" label={t.nextYear.fromYear} value={from} onChange={(v) => { setFromYear(v); setPlan(null); }} required
            options={sortedYears(years).map((y) => ({ value: String(y.id), label: y.name }))} />
          <TextField name="firstGradeClasses" label={t.nextYear.firstClasses} value={firstClasses} onChange={setFirstClasses} inputMode="numeric" size={4} />
          <TextField name="firstGradePupils" label={t.nextYear.firstPupils} value={pupils} onChange={setPupils} inputMode="numeric" size={6} />
        </div>
        <FormActions><SubmitButton busy={preview.busy}>{preview.busy ? t.nextYear.previewing : t.nextYear.preview}</SubmitButton></FormActions>
      </Form>
      {plan && (
        <Form failure={open.failure} busy={open.busy} onSubmit={confirm} testId="next-year-plan" label={t.nextYear.planTitle(plan.yearName)}>
          <h2>{t.nextYear.planTitle(plan.yearName)}</h2>
          {plan.graduating.length > 0 && <p className="muted">{t.nextYear.graduating(plan.graduating.join(', '))}</p>}
          {plan.existingClasses > 0 && <Notice kind="info" testId="next-year-started">{t.nextYear.started(plan.yearName, plan.existingClasses)}</Notice>}
          <table className="grid" data-testid="next-year-classes">
            <thead>
              <tr>
                <th scope="col">{t.nextYear.include}</th>
                <th scope="col">{t.nextYear.colClass}</th>
                <th scope="col">{t.nextYear.colFrom}</th>
                <th scope="col">{t.nextYear.colState}</th>
                <th scope="col">{t.nextYear.colTeacher}</th>
                <th scope="col">{t.nextYear.colShift}</th>
                <th scope="col">{t.nextYear.colSubjects}</th>
                <th scope="col">{t.nextYear.colNotes}</th>
              </tr>
            </thead>
            <tbody>
              {plan.classes.map((k) => {
                const c = choices[k.name];
                return (
                  <tr key={k.name} data-testid="next-year-class" data-class={k.name} data-action={k.action}>
                    <td><input type="checkbox" checked={c.include} aria-label={`${t.nextYear.include} ${k.name}`} onChange={(e) => setChoice(k.name, { include: e.target.checked })} /></td>
                    <td className="strong">{k.name}</td>
                    <td>{k.fromClass ?? '—'}</td>
                    <td className="small">
                      <div>{t.nextYear.state[k.action]}</div>
                      {k.existingClassId != null && <div className="muted">{t.nextYear.pupils(k.pupils)}</div>}
                      {k.changes.map((ch, i) => <div key={i}>{ch}</div>)}
                    </td>
                    <td>
                      <select aria-label={`${t.nextYear.colTeacher} ${k.name}`} value={c.homeroomTeacherId} onChange={(e) => setChoice(k.name, { homeroomTeacherId: e.target.value })}>
                        <option value="">{t.nextYear.noTeacher}</option>
                        {teacherOptions.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                      </select>
                    </td>
                    <td>
                      <select aria-label={`${t.nextYear.colShift} ${k.name}`} value={c.shift} onChange={(e) => setChoice(k.name, { shift: e.target.value })}>
                        {['1', '2', '3'].map((s) => <option key={s} value={s}>{s}</option>)}
                      </select>
                    </td>
                    <td>
                      <span className="muted small">{t.nextYear.source[k.curriculumSource]}</span>
                      <div>{k.subjects.join(', ') || '—'}</div>
                      {k.added.length > 0 && <div className="small">{t.nextYear.added(k.added.join(', '))}</div>}
                      {k.dropped.length > 0 && <div className="small">{t.nextYear.dropped(k.dropped.join(', '))}</div>}
                    </td>
                    <td className="small">{k.notes.map((n, i) => <div key={i}>{n}</div>)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <FormActions><SubmitButton busy={open.busy}>{open.busy ? t.nextYear.opening : t.nextYear.open(plan.yearName)}</SubmitButton></FormActions>
        </Form>
      )}
      <CurriculumTemplates />
    </section>
  );
}

/** The subjects each grade studies: one grade at a time, its checkboxes, saved whole. */
function CurriculumTemplates() {
  const canEdit = useCan('curriculum.setTemplate');
  const templates = useQuery('curriculum.templates', {});
  const subjects = useQuery('subjects.list', {});
  const [grade, setGrade] = useState('1');
  const [edited, setEdited] = useState<Record<string, number[]>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  const current = (list: Output<'curriculum.templates'>) => edited[grade] ?? list.find((g) => String(g.grade) === grade)?.subjects.map((s) => s.id) ?? [];
  return (
    <section className="card-section" aria-labelledby="tpl-title">
      <h2 id="tpl-title">{t.nextYear.templatesTitle}</h2>
      <p className="muted small">{t.nextYear.templatesLead}</p>
      {saved && <Notice kind="ok">{saved}</Notice>}
      <Loaded query={templates}>
        {(list) => (
          <Form failure={failure} busy={busy} testId="template-form" label={t.nextYear.templatesTitle} onSubmit={() => run(async () => {
            await call('curriculum.setTemplate', { grade: Number(grade), subjectIds: current(list) });
            setSaved(t.nextYear.templateSaved(Number(grade)));
            setEdited((x) => { const { [grade]: _, ...rest } = x; return rest; });
            templates.reload();
          })}>
            <div className="form-grid">
              <SelectField name="grade" label={t.nextYear.grade} value={grade} onChange={(v) => { setGrade(v); setSaved(null); }}
                options={list.map((g) => ({ value: String(g.grade), label: `${g.grade} (${g.subjects.length})` }))} />
            </div>
            <CheckList name="subjectIds" label={t.nextYear.colSubjects} readOnly={!canEdit}
              options={(subjects.data ?? []).map((s) => ({ id: s.id, label: s.name }))} selected={current(list)}
              onChange={(ids) => setEdited((x) => ({ ...x, [grade]: ids }))} />
            {canEdit && <FormActions><SubmitButton busy={busy}>{t.nextYear.saveTemplate}</SubmitButton></FormActions>}
          </Form>
        )}
      </Loaded>
    </section>
  );
}
