import { useState } from 'react';
import { call } from '../../api';
import type { Staff } from '../../../../preload/contract';
import { useCan } from '../../app/user';
import { formatSnils } from '../../../../preload/core/identifiers';
import { fullName } from '../../../../preload/core/names';
import { t } from '../../strings';
import { EmptyRow, Loaded, PageHeader } from '../../ui/common';
import { CheckList, Form, FormActions, orNull, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

export function StaffScreen() {
  const canEdit = useCan('staff.create');
  const staff = useQuery('staff.list', {});
  const subjects = useQuery('subjects.list', {});
  const [editing, setEditing] = useState<Staff | 'new' | null>(null);
  const subjectName = (id: number) => subjects.data?.find((s) => s.id === id)?.shortName ?? `#${id}`;
  const sorted = (list: Staff[]) => [...list].sort((a, b) => fullName(a).localeCompare(fullName(b), 'ru'));

  return (
    <section>
      <PageHeader title={t.staff.title}>
        {canEdit && editing === null && <button type="button" className="primary" onClick={() => setEditing('new')}>{t.staff.newStaff}</button>}
      </PageHeader>
      {editing !== null && (
        <StaffForm key={editing === 'new' ? 'new' : editing.id} person={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)} onDone={() => { setEditing(null); staff.reload(); }} />
      )}
      <Loaded query={staff}>
        {(list) => (
          <table className="grid" data-testid="staff-table">
            <thead>
              <tr>
                <th scope="col">{t.staff.colName}</th>
                <th scope="col">{t.staff.colPosition}</th>
                <th scope="col">{t.staff.colSnils}</th>
                <th scope="col">{t.staff.colSubjects}</th>
                <th scope="col"><span className="visually-hidden">{t.common.actions}</span></th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={5}>{t.emptyState.staff}</EmptyRow>}
              {sorted(list).map((p) => (
                <tr key={p.id}>
                  <td>{fullName(p)}</td>
                  <td>{p.position}</td>
                  <td className="nowrap mono">{formatSnils(p.snils)}</td>
                  <td>{p.subjectIds.map(subjectName).join(', ')}</td>
                  <td className="row-actions">
                    {canEdit && <button type="button" className="link-button" onClick={() => setEditing(p)} aria-label={`${t.common.edit}: ${fullName(p)}`}>{t.common.edit}</button>}
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

function StaffForm({ person, onDone, onCancel }: { person: Staff | null; onDone: () => void; onCancel: () => void }) {
  const subjects = useQuery('subjects.list', {});
  const [d, setD] = useState({
    lastName: person?.lastName ?? '', firstName: person?.firstName ?? '', middleName: person?.middleName ?? '',
    snils: formatSnils(person?.snils), position: person?.position ?? '', subjectIds: person?.subjectIds ?? [],
  });
  const set = (k: 'lastName' | 'firstName' | 'middleName' | 'snils' | 'position') => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const data = {
      lastName: d.lastName.trim(), firstName: d.firstName.trim(), middleName: orNull(d.middleName),
      snils: orNull(d.snils), position: d.position.trim(), subjectIds: d.subjectIds,
    };
    if (person) await call('staff.update', { id: person.id, data });
    else await call('staff.create', data);
    onDone();
  });
  const title = person ? `${t.staff.editTitle}: ${fullName(person)}` : t.staff.createTitle;
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} fieldPrefix={person ? 'data.' : ''} className="panel" testId="staff-form" label={title}>
      <h2>{title}</h2>
      <div className="form-grid">
        <TextField name="lastName" label={t.staff.lastName} value={d.lastName} onChange={set('lastName')} required autoFocus />
        <TextField name="firstName" label={t.staff.firstName} value={d.firstName} onChange={set('firstName')} required />
        <TextField name="middleName" label={t.staff.middleName} value={d.middleName} onChange={set('middleName')} />
        <TextField name="snils" label={t.staff.snils} value={d.snils} onChange={set('snils')} placeholder={t.student.snilsPlaceholder} inputMode="numeric" size={16} />
        <TextField name="position" label={t.staff.position} hint={t.staff.positionHint} value={d.position} onChange={set('position')} required size={30} />
      </div>
      <CheckList name="subjectIds" label={t.staff.subjects} selected={d.subjectIds}
        onChange={(ids) => setD((x) => ({ ...x, subjectIds: ids }))}
        options={(subjects.data ?? []).map((s) => ({ id: s.id, label: s.name }))} />
      <FormActions>
        <SubmitButton busy={busy}>{person ? t.common.save : t.common.create}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
