import { useState } from 'react';
import { call } from '../../api';
import { PERIOD_KINDS, type Year } from '../../../../preload/contract';
import { currentYear, sortedYears, useYears } from '../../app/years';
import { useCan } from '../../app/user';
import { currentYearStart, formatDate } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { Link } from '../../router';
import { Badge, EmptyRow, Loading, PageHeader } from '../../ui/common';
import { Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';

type Kind = (typeof PERIOD_KINDS)[number];
// The usual Russian arrangement: quarters up to the 9th grade, halves in 10–11.
const BANDS = [
  { fromGrade: 1, toGrade: 4, kind: 'quarter' as Kind },
  { fromGrade: 5, toGrade: 9, kind: 'quarter' as Kind },
  { fromGrade: 10, toGrade: 11, kind: 'half' as Kind },
];

/** The academic year after the latest one, or the one that starts this September. */
function suggestName(years: Year[]): string {
  const latest = sortedYears(years)[0];
  if (latest) { const start = Number(latest.name.slice(0, 4)) + 1; return `${start}/${start + 1}`; }
  const start = currentYearStart();
  return `${start}/${start + 1}`;
}

/** "1–4: четверти; 10–11: полугодия" from a year's per-grade kinds. */
function describePeriods(y: Year): string {
  const bands: Array<{ from: number; to: number; kind: Kind }> = [];
  for (const g of [...y.gradePeriods].sort((a, b) => a.grade - b.grade)) {
    const last = bands[bands.length - 1];
    if (last && last.kind === g.kind && last.to === g.grade - 1) last.to = g.grade;
    else bands.push({ from: g.grade, to: g.grade, kind: g.kind });
  }
  return bands.map((b) => `${t.years.gradesRange(b.from, b.to)}: ${t.years.periodKinds[b.kind]}`).join('; ');
}

export function YearsScreen() {
  const canCreate = useCan('years.create');
  const canNext = useCan('years.openNext');
  const canFirstGraders = useCan('students.enrolFirstGraders');
  const { years, loaded, reload } = useYears();
  const [creating, setCreating] = useState(false);
  const current = currentYear(years);
  return (
    <section>
      <PageHeader title={t.years.title}>
        {canCreate && !creating && <button type="button" className="primary" onClick={() => setCreating(true)}>{t.years.newYear}</button>}
        {canNext && <Link to="/years/next" className="button" data-testid="next-year-link">{t.nextYear.link}</Link>}
        {canFirstGraders && <Link to="/years/first-graders" className="button" data-testid="first-graders-link">{t.firstGraders.link}</Link>}
      </PageHeader>
      {creating && <YearForm years={years} onCancel={() => setCreating(false)} onDone={() => { setCreating(false); reload(); }} />}
      {!loaded ? <Loading /> : (
        <table className="grid" data-testid="years-table">
          <thead>
            <tr>
              <th scope="col">{t.years.colName}</th>
              <th scope="col">{t.years.colStart}</th>
              <th scope="col">{t.years.colEnd}</th>
              <th scope="col">{t.years.colPeriods}</th>
            </tr>
          </thead>
          <tbody>
            {years.length === 0 && <EmptyRow cols={4}>{t.emptyState.years}</EmptyRow>}
            {sortedYears(years).map((y) => (
              <tr key={y.id}>
                <td className="strong">{y.name} {y.id === current?.id && <Badge kind="ok">{t.years.current}</Badge>}</td>
                <td className="nowrap">{formatDate(y.startDate)}</td>
                <td className="nowrap">{formatDate(y.endDate)}</td>
                <td>{describePeriods(y)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function YearForm({ years, onDone, onCancel }: { years: Year[]; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(() => suggestName(years));
  const [kinds, setKinds] = useState<Kind[]>(BANDS.map((b) => b.kind));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    await call('years.create', { name: name.trim(), periodKinds: BANDS.map((b, i) => ({ fromGrade: b.fromGrade, toGrade: b.toGrade, kind: kinds[i] })) });
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="year-form" label={t.years.newYear}>
      <h2>{t.years.newYear}</h2>
      <div className="form-grid">
        <TextField name="name" label={t.years.name} hint={t.years.nameHint} value={name} onChange={setName} required size={12} autoFocus />
      </div>
      <fieldset className="form-section">
        <legend>{t.years.periodsBy}</legend>
        <div className="form-grid">
          {BANDS.map((b, i) => (
            <SelectField key={b.fromGrade} name={`periodKinds.${i}.kind`} label={t.years.gradesRange(b.fromGrade, b.toGrade)} value={kinds[i]}
              onChange={(v) => setKinds(kinds.map((k, j) => (j === i ? (v as Kind) : k)))}
              options={PERIOD_KINDS.map((k) => ({ value: k, label: t.years.periodKinds[k] }))} />
          ))}
        </div>
      </fieldset>
      <FormActions>
        <SubmitButton busy={busy}>{t.years.createSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
