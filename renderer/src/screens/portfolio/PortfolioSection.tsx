// The student's portfolio on the card: olympiads and contests with their level, date, result and title awarded.
import { useState } from 'react';
import { PORTFOLIO_RESULTS, PORTFOLIO_STATUSES } from '../../../../preload/contract';
import { call } from '../../api';
import { useCan } from '../../app/user';
import { formatDate } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { EmptyRow, Loaded } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, orNull, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

const tx = t.portfolio;

export function PortfolioSection({ studentId }: { studentId: string }) {
  const entries = useQuery('portfolio.list', { studentId });
  const canEdit = useCan('portfolio.add');
  const [adding, setAdding] = useState(false);
  return (
    <section className="card-section" aria-labelledby="sc-portfolio" data-testid="portfolio">
      <h2 id="sc-portfolio">{tx.title}</h2>
      <Loaded query={entries}>
        {(rows) => (
          <table className="grid compact">
            <thead><tr>
              <th scope="col">{tx.date}</th><th scope="col">{tx.eventName}</th><th scope="col">{tx.status}</th><th scope="col">{tx.result}</th><th scope="col">{tx.titleAwarded}</th>
              {canEdit && <th scope="col"><span className="visually-hidden">{tx.remove}</span></th>}
            </tr></thead>
            <tbody>
              {rows.length === 0 && <EmptyRow cols={canEdit ? 6 : 5}>{tx.none}</EmptyRow>}
              {rows.map((r) => (
                <tr key={r.id}>
                  <td className="nowrap">{formatDate(r.date)}</td><td>{r.eventName}</td><td>{tx.statuses[r.status]}</td><td>{tx.results[r.result]}</td><td>{r.title ?? ''}</td>
                  {canEdit && <td><button type="button" className="link-button" onClick={() => void call('portfolio.remove', { id: r.id }).then(entries.reload)}>{tx.remove}</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {canEdit && !adding && <button type="button" onClick={() => setAdding(true)}>{tx.add}</button>}
      {canEdit && adding && <PortfolioForm studentId={studentId} onDone={() => { setAdding(false); entries.reload(); }} onCancel={() => setAdding(false)} />}
    </section>
  );
}

function PortfolioForm({ studentId, onDone, onCancel }: { studentId: string; onDone: () => void; onCancel: () => void }) {
  const [d, setD] = useState({ eventName: '', status: 'school', date: '', result: 'participant', title: '' });
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  return (
    <Form failure={failure} busy={busy} onCancel={onCancel} className="panel" testId="portfolio-form" label={tx.add} onSubmit={() => run(async () => {
      const check = new FieldCheck();
      const eventName = check.required('eventName', d.eventName);
      const date = check.date('date', d.date);
      check.done();
      await call('portfolio.add', { studentId, eventName, status: d.status as (typeof PORTFOLIO_STATUSES)[number], date,
        result: d.result as (typeof PORTFOLIO_RESULTS)[number], title: orNull(d.title) });
      onDone();
    })}>
      <div className="form-grid">
        <TextField name="eventName" label={tx.eventName} value={d.eventName} onChange={set('eventName')} required size={40} />
        <SelectField name="status" label={tx.status} value={d.status} onChange={set('status')} options={PORTFOLIO_STATUSES.map((s) => ({ value: s, label: tx.statuses[s] }))} />
        <DateField name="date" label={tx.date} value={d.date} onChange={set('date')} required />
        <SelectField name="result" label={tx.result} value={d.result} onChange={set('result')} options={PORTFOLIO_RESULTS.map((s) => ({ value: s, label: tx.results[s] }))} />
        <TextField name="title" label={tx.titleAwarded} value={d.title} onChange={set('title')} size={30} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.save}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
