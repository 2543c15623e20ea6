import { useState } from 'react';
import { call } from '../../api';
import type { Subject } from '../../../../preload/contract';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { FieldCheck, Form, FormActions, orNull, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { MissingCodeBadge } from './MissingCodeBadge';

export function SubjectsScreen() {
  const canEdit = useCan('subjects.create');
  const subjects = useQuery('subjects.list', {});
  const [editing, setEditing] = useState<Subject | 'new' | null>(null);
  const missing = (subjects.data ?? []).filter((s) => s.missingCodes.length > 0).length;

  return (
    <section>
      <PageHeader title={t.subjects.title}>
        {canEdit && editing === null && <button type="button" className="primary" onClick={() => setEditing('new')}>{t.subjects.newSubject}</button>}
      </PageHeader>
      {missing > 0 && <Notice kind="warn" testId="missing-codes">{t.subjects.missingSummary(missing)}</Notice>}
      {editing !== null && (
        <SubjectForm key={editing === 'new' ? 'new' : editing.id} subject={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)} onDone={() => { setEditing(null); subjects.reload(); }} />
      )}
      <Loaded query={subjects}>
        {(list) => (
          <table className="grid" data-testid="subjects-table">
            <thead>
              <tr>
                <th scope="col">{t.subjects.colName}</th>
                <th scope="col">{t.subjects.colShort}</th>
                <th scope="col">{t.subjects.colCity}</th>
                <th scope="col">{t.subjects.colFederal}</th>
                <th scope="col"><span className="visually-hidden">{t.common.actions}</span></th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={5}>{t.emptyState.subjects}</EmptyRow>}
              {list.map((s) => (
                <tr key={s.id} className={s.missingCodes.length ? 'row-warn' : undefined}>
                  <td>{s.name} <MissingCodeBadge subject={s} /></td>
                  <td>{s.shortName}</td>
                  <td className="mono">{s.cityRegisterId ?? <span className="muted">{t.common.none}</span>}</td>
                  <td className="mono">{s.federalCode ?? <span className="muted">{t.common.none}</span>}</td>
                  <td className="row-actions">
                    {canEdit && <button type="button" className="link-button" onClick={() => setEditing(s)} aria-label={`${t.common.edit}: ${s.name}`}>{t.common.edit}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function SubjectForm({ subject, onDone, onCancel }: { subject: Subject | null; onDone: () => void; onCancel: () => void }) {
  const [d, setD] = useState({
    name: subject?.name ?? '', shortName: subject?.shortName ?? '',
    cityRegisterId: subject?.cityRegisterId ?? '', federalCode: subject?.federalCode ?? '',
  });
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const name = check.required('name', d.name);
    check.done();
    const data = { name, shortName: d.shortName.trim() || name, cityRegisterId: orNull(d.cityRegisterId), federalCode: orNull(d.federalCode) };
    if (subject) await call('subjects.update', { id: subject.id, data });
    else await call('subjects.create', data);
    onDone();
  });
  const title = subject ? `${t.subjects.editTitle}: ${subject.name}` : t.subjects.createTitle;
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} fieldPrefix={subject ? 'data.' : ''} className="panel" testId="subject-form" label={title}>
      <h2>{title}</h2>
      <div className="form-grid">
        <TextField name="name" label={t.subjects.name} value={d.name} onChange={set('name')} required autoFocus size={30} />
        <TextField name="shortName" label={t.subjects.shortName} value={d.shortName} onChange={set('shortName')} size={12} />
        <TextField name="cityRegisterId" label={t.subjects.cityRegisterId} value={d.cityRegisterId} onChange={set('cityRegisterId')} size={14} />
        <TextField name="federalCode" label={t.subjects.federalCode} value={d.federalCode} onChange={set('federalCode')} size={14} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{subject ? t.common.save : t.common.create}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
