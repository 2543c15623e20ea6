// The student's state-exam results (ГИА: ОГЭ, ЕГЭ, ГВЭ) on the card: listed, added and removed by clerks.
import { useState } from 'react';
import { STATE_EXAM_KINDS } from '../../../../preload/contract';
import { call } from '../../api';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { EmptyRow, Loaded } from '../../ui/common';
import { Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

const tx = t.stateExams;
const num = (s: string) => (s.trim() === '' ? null : Number(s.trim()));

export function StateExamsSection({ studentId }: { studentId: string }) {
  const results = useQuery('exams.results', { studentId });
  const canEdit = useCan('exams.addResult');
  const [adding, setAdding] = useState(false);
  return (
    <section className="card-section" aria-labelledby="sc-exams" data-testid="state-exams">
      <h2 id="sc-exams">{tx.title}</h2>
      <Loaded query={results}>
        {(rows) => (
          <table className="grid compact">
            <thead><tr>
              <th scope="col">{tx.kind}</th><th scope="col">{tx.subject}</th><th scope="col">{tx.year}</th><th scope="col">{tx.score}</th><th scope="col">{tx.mark}</th>
              {canEdit && <th scope="col"><span className="visually-hidden">{tx.remove}</span></th>}
            </tr></thead>
            <tbody>
              {rows.length === 0 && <EmptyRow cols={canEdit ? 6 : 5}>{tx.none}</EmptyRow>}
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{r.kind}</td><td>{r.subject}</td><td>{r.year}</td><td>{r.score ?? ''}</td><td>{r.mark ?? ''}</td>
                  {canEdit && <td><button type="button" className="link-button" onClick={() => void call('exams.removeResult', { id: r.id }).then(results.reload)}>{tx.remove}</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {canEdit && !adding && <button type="button" onClick={() => setAdding(true)}>{tx.add}</button>}
      {canEdit && adding && <StateExamForm studentId={studentId} onDone={() => { setAdding(false); results.reload(); }} onCancel={() => setAdding(false)} />}
    </section>
  );
}

function StateExamForm({ studentId, onDone, onCancel }: { studentId: string; onDone: () => void; onCancel: () => void }) {
  const subjects = useQuery('subjects.list', {});
  const [d, setD] = useState({ kind: 'ЕГЭ' as (typeof STATE_EXAM_KINDS)[number], subjectId: '', year: String(new Date().getFullYear()), score: '', mark: '' });
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  return (
    <Form failure={failure} busy={busy} onCancel={onCancel} className="panel" testId="state-exam-form" label={tx.add} onSubmit={() => run(async () => {
      await call('exams.addResult', { studentId, kind: d.kind, subjectId: Number(d.subjectId), year: Number(d.year), score: num(d.score), mark: num(d.mark) });
      onDone();
    })}>
      <div className="form-grid">
        <SelectField name="kind" label={tx.kind} value={d.kind} onChange={set('kind')} options={STATE_EXAM_KINDS.map((k) => ({ value: k, label: k }))} />
        <SelectField name="subjectId" label={tx.subject} value={d.subjectId} onChange={set('subjectId')} required placeholder="—"
          options={(subjects.data ?? []).map((s) => ({ value: String(s.id), label: s.name }))} />
        <TextField name="year" label={tx.year} value={d.year} onChange={set('year')} inputMode="numeric" size={5} required />
        <TextField name="score" label={tx.score} hint={tx.scoreHint} value={d.score} onChange={set('score')} inputMode="numeric" size={4} />
        <TextField name="mark" label={tx.mark} value={d.mark} onChange={set('mark')} inputMode="numeric" size={2} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.save}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
