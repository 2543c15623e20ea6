// First graders several at once: a class of the first grade, one enrolment order, and rows of new pupils (a row per
// pupil, more added with a button). All are written or none; a refused row is named by its number and field.
import { useState } from 'react';
import { call } from '../../api';
import type { Output } from '../../../../preload/contract';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { Notice, PageHeader } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, orNull, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { FutureOrderCheck, futureOrder } from '../orders/MovementForms';

type Row = { lastName: string; firstName: string; middleName: string; birthDate: string; sex: string; snils: string };
const emptyRow = (): Row => ({ lastName: '', firstName: '', middleName: '', birthDate: '', sex: '', snils: '' });

export function FirstGradersScreen() {
  const classes = useQuery('classes.list', {});
  const firsts = (classes.data ?? []).filter((c) => c.parallel === 1);
  const [d, setD] = useState({ classId: '', number: '', orderDate: formatDate(todayIso()), date: '', confirmFuture: false });
  const [rows, setRows] = useState<Row[]>([emptyRow(), emptyRow()]);
  const [done, setDone] = useState<Output<'students.enrolFirstGraders'> & { cls: string } | null>(null);
  const { busy, failure, run } = useSubmit();
  const setRow = (i: number, k: keyof Row) => (v: string) => setRows((x) => x.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const orderDate = check.date('order.date', d.orderDate);
    const date = check.date('date', d.date);
    check.required('order.number', d.number);
    if (!d.classId) check.add('classId', t.errors.requiredField);
    if (futureOrder(d) && !d.confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    const filled = rows.map((r, i) => ({ r, i })).filter(({ r }) => Object.values(r).some((v) => v.trim()));
    const items = filled.map(({ r, i }) => {
      check.required(`rows.${i}.lastName`, r.lastName);
      check.required(`rows.${i}.firstName`, r.firstName);
      if (!r.sex) check.add(`rows.${i}.sex`, t.errors.requiredField);
      return { lastName: r.lastName.trim(), firstName: r.firstName.trim(), middleName: orNull(r.middleName), birthDate: check.date(`rows.${i}.birthDate`, r.birthDate),
        sex: r.sex as 'М' | 'Ж', snils: orNull(r.snils) };
    });
    check.done();
    const result = await call('students.enrolFirstGraders', { order: { number: d.number.trim(), date: orderDate, ...(futureOrder(d) && d.confirmFuture ? { confirmFuture: true } : {}) },
      classId: Number(d.classId), date, rows: items });
    setDone({ ...result, cls: firsts.find((c) => String(c.id) === d.classId)?.name ?? '' });
    setRows([emptyRow(), emptyRow()]);
  });
  return (
    <section>
      <PageHeader title={t.firstGraders.title} back={<Link to="/years">{t.nav.years}</Link>} />
      <p className="lead">{t.firstGraders.lead}</p>
      <p className="muted small">{t.firstGraders.fromWorkbook} <Link to="/import">{t.nav.importJournal}</Link></p>
      {done && (
        <Notice kind="ok" testId="first-graders-done">
          {t.firstGraders.done(done.enrolled, done.cls)} {done.students.map((s, i) => <span key={s.id}>{i > 0 && ', '}<Link to={`/students/${s.id}`}>{s.fullName}</Link></span>)}
        </Notice>
      )}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="first-graders-form" label={t.firstGraders.title}>
        <div className="form-grid">
          <SelectField name="classId" label={t.firstGraders.class} value={d.classId} onChange={(v) => setD((x) => ({ ...x, classId: v }))} required placeholder=""
            options={firsts.map((c) => ({ value: String(c.id), label: `${c.name} (${c.yearName})` }))} />
          <TextField name="order.number" label={t.firstGraders.orderNumber} value={d.number} onChange={(v) => setD((x) => ({ ...x, number: v }))} required size={10} />
          <DateField name="order.date" label={t.firstGraders.orderDate} value={d.orderDate} onChange={(v) => setD((x) => ({ ...x, orderDate: v }))} required />
          <DateField name="date" label={t.firstGraders.date} value={d.date} onChange={(v) => setD((x) => ({ ...x, date: v }))} required />
        </div>
        <FutureOrderCheck orderDate={d.orderDate} checked={d.confirmFuture} onChange={(v) => setD((x) => ({ ...x, confirmFuture: v }))} />
        {rows.map((r, i) => (
          <fieldset key={i} className="form-section" data-testid="first-grader-row">
            <legend>{t.firstGraders.row(i + 1)}</legend>
            <div className="form-grid">
              <TextField name={`rows.${i}.lastName`} label={t.firstGraders.lastName} value={r.lastName} onChange={setRow(i, 'lastName')} required />
              <TextField name={`rows.${i}.firstName`} label={t.firstGraders.firstName} value={r.firstName} onChange={setRow(i, 'firstName')} required />
              <TextField name={`rows.${i}.middleName`} label={t.firstGraders.middleName} value={r.middleName} onChange={setRow(i, 'middleName')} />
              <DateField name={`rows.${i}.birthDate`} label={t.firstGraders.birthDate} value={r.birthDate} onChange={setRow(i, 'birthDate')} required />
              <SelectField name={`rows.${i}.sex`} label={t.firstGraders.sex} value={r.sex} onChange={setRow(i, 'sex')} required placeholder=""
                options={[{ value: 'М', label: 'М' }, { value: 'Ж', label: 'Ж' }]} />
              <TextField name={`rows.${i}.snils`} label={t.firstGraders.snils} value={r.snils} onChange={setRow(i, 'snils')} size={16} />
            </div>
            {rows.length > 1 && <button type="button" className="link-button" onClick={() => setRows((x) => x.filter((_, j) => j !== i))}>{t.firstGraders.removeRow}</button>}
          </fieldset>
        ))}
        <FormActions>
          <button type="button" onClick={() => setRows((x) => [...x, emptyRow()])} data-testid="first-grader-add">{t.firstGraders.addRow}</button>
          <SubmitButton busy={busy}>{t.firstGraders.submit}</SubmitButton>
        </FormActions>
      </Form>
    </section>
  );
}
