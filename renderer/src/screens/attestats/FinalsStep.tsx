// «Итоговые отметки» on the attestats screen (issue 17): for a 9th or 11th class of the year — compute by the rules,
// review what differs from the ledger and why each student does or does not get «с отличием», then confirm (the
// finals are written into the ledger's `final` column). A class with gaps is refused with every gap listed.
import { useId, useState } from 'react';
import type { Output } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { Form, FormActions, RadioField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

type Preview = Output<'attestats.computeFinals'>;
type Graduate = Preview['students'][number];

export function FinalsStep({ yearId }: { yearId: number }) {
  const tx = t.attestatFinals;
  const select = useId();
  const classes = useQuery('classes.list', { yearId });
  const graduating = (classes.data ?? []).filter((c) => c.parallel === 9 || c.parallel === 11);
  const [classId, setClassId] = useState<number | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState<'compute' | 'apply' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<Graduate | null>(null);
  const canApply = useCan('attestats.applyFinals');
  const canDecide = useCan('attestats.decideHonours');

  const compute = async (id: number, keepDone = false) => {
    setBusy('compute'); setFailure(null); setPreview(null); if (!keepDone) setDone(null);
    try {
      setPreview(await call('attestats.computeFinals', { classId: id }));
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(null);
    }
  };
  const apply = async () => {
    if (!preview) return;
    setBusy('apply'); setFailure(null);
    try {
      const r = await call('attestats.applyFinals', { classId: preview.classId, ruleSetId: preview.ruleSet.id });
      setDone(tx.applied(r.written, preview.className));
      await compute(preview.classId, true);
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card-section" aria-labelledby="attestat-finals-h" data-testid="attestat-finals">
      <h2 id="attestat-finals-h">{tx.title}</h2>
      <p className="lead">{tx.lead}</p>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor={select}>{tx.cls}</label>
          <select id={select} value={classId ?? ''} data-testid="finals-class"
            onChange={(e) => { setClassId(e.target.value ? Number(e.target.value) : null); setPreview(null); setFailure(null); setDone(null); }}>
            <option value="">{graduating.length ? tx.chooseClass : tx.noClasses}</option>
            {graduating.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <button type="button" className="primary" disabled={classId == null || busy !== null} data-testid="finals-compute"
          onClick={() => classId != null && void compute(classId)}>{busy === 'compute' ? tx.computing : tx.compute}</button>
      </div>
      {done && <Notice kind="ok" testId="finals-done">{done}</Notice>}
      {failure && <ErrorBox failure={failure} />}
      {failure && failure.rows.length > 0 && (
        <div data-testid="finals-gaps">
          <p>{tx.gaps(failure.rows.length)}</p>
          <ul>{failure.rows.map((r, i) => <li key={i}>{tx.gap(r)}</li>)}</ul>
        </div>
      )}
      {preview && (
        <>
          <p className="table-caption">{tx.rules(preview.ruleSet.title, preview.ruleSet.id)}</p>
          {preview.notes.map((n) => <Notice key={n} kind="warn">{n}</Notice>)}
          <table className="grid compact" data-testid="finals-table">
            <thead>
              <tr>
                <th scope="col">{tx.colStudent}</th>
                <th scope="col">{tx.colSubject}</th>
                <th scope="col">{tx.colInputs}</th>
                <th scope="col" className="num">{tx.colMean}</th>
                <th scope="col" className="num">{tx.colFinal}</th>
                <th scope="col">{tx.colNow}</th>
              </tr>
            </thead>
            <tbody>
              {preview.students.flatMap((s) => [
                <tr key={s.studentId} data-testid="finals-student" data-honours={s.honours.withHonours ? 'yes' : 'no'}>
                  <th scope="row" colSpan={6} className="strong">
                    {s.fullName} — {tx.honours}: {s.honours.withHonours ? tx.honoursYes : tx.honoursNo} ({s.honours.reasons.join('; ')})
                    {s.honours.override && <> · {tx.overridden(s.honours.override.withHonours, s.honours.override.reason, s.honours.override.by)}</>}
                    {canDecide && <> <button type="button" className="link-button" onClick={() => setDeciding(s)}>{tx.decide}</button></>}
                  </th>
                </tr>,
                ...s.finals.map((f) => (
                  <tr key={`${s.studentId}-${f.subjectId}`} data-testid="finals-row" data-differs={f.differs ? 'yes' : 'no'}>
                    <td />
                    <td>{f.subject}</td>
                    <td className="mono">{f.inputs.map((i) => i.mark).join(' ')}</td>
                    <td className="num">{f.mean ?? ''}</td>
                    <td className="num strong">{f.final}</td>
                    <td>{f.differs ? (f.current ?? tx.fresh) : tx.same}</td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
          {preview.excluded.length > 0 && (
            <>
              <h3>{tx.excluded}</h3>
              <ul data-testid="finals-excluded">{preview.excluded.map((x) => <li key={x.studentId}>{x.fullName}: {x.reason}</li>)}</ul>
            </>
          )}
          {deciding && (
            <HonoursDecision classId={preview.classId} student={deciding} onCancel={() => setDeciding(null)}
              onDone={() => { setDeciding(null); void compute(preview.classId, true); }} />
          )}
          <p data-testid="finals-changes">{tx.changes(preview.changes)}</p>
          {canApply && preview.changes > 0 && (
            <button type="button" className="primary" disabled={busy !== null} data-testid="finals-apply" onClick={() => void apply()}>
              {busy === 'apply' ? tx.applying : tx.apply(preview.changes)}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function HonoursDecision({ classId, student, onDone, onCancel }: { classId: number; student: Graduate; onDone: () => void; onCancel: () => void }) {
  const tx = t.attestatFinals;
  const [choice, setChoice] = useState(student.honours.eligible ? 'deny' : 'grant');
  const [reason, setReason] = useState('');
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    await call('attestats.decideHonours', { classId, studentId: student.studentId, withHonours: choice === 'rules' ? null : choice === 'grant', reason });
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="honours-decision" label={tx.decideFor(student.fullName)}>
      <h3>{tx.decideFor(student.fullName)}</h3>
      <RadioField name="withHonours" label={tx.honours} value={choice} onChange={setChoice}
        options={[{ value: 'grant', label: tx.decideGrant }, { value: 'deny', label: tx.decideDeny }, { value: 'rules', label: tx.decideRules }]} />
      <TextField name="reason" label={tx.decideReason} value={reason} onChange={setReason} required size={50} />
      <FormActions>
        <SubmitButton busy={busy}>{tx.decideSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
