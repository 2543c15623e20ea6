import { useState } from 'react';
import { call } from '../../api';
import { ROLES, type Role } from '../../../../preload/contract';
import { t } from '../../strings';
import { Badge, EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

export function UsersScreen() {
  const users = useQuery('users.list', {});
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <section>
      <PageHeader title={t.users.title}>
        {!creating && <button type="button" className="primary" onClick={() => { setCreated(null); setCreating(true); }}>{t.users.newUser}</button>}
      </PageHeader>
      {created && <Notice kind="ok">{t.users.created(created)}</Notice>}
      {creating && <UserForm onCancel={() => setCreating(false)} onDone={(login) => { setCreating(false); setCreated(login); users.reload(); }} />}
      <Loaded query={users}>
        {(list) => (
          <table className="grid" data-testid="users-table">
            <thead>
              <tr><th scope="col">{t.users.colLogin}</th><th scope="col">{t.users.colName}</th><th scope="col">{t.users.colRole}</th></tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={3}>{t.common.empty}</EmptyRow>}
              {list.map((u) => (
                <tr key={u.id}>
                  <td className="mono">{u.login}</td>
                  <td>{u.fullName}</td>
                  <td><Badge kind={u.role === 'admin' ? 'warn' : 'neutral'}>{t.roles[u.role]}</Badge></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function UserForm({ onDone, onCancel }: { onDone: (login: string) => void; onCancel: () => void }) {
  const [d, setD] = useState({ login: '', fullName: '', role: 'clerk' as Role, password: '' });
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const user = await call('users.create', { login: d.login.trim(), fullName: d.fullName.trim(), role: d.role, password: d.password });
    onDone(user.login);
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="user-form" label={t.users.newUser}>
      <h2>{t.users.newUser}</h2>
      <div className="form-grid">
        <TextField name="login" label={t.users.login} value={d.login} onChange={set('login')} required autoFocus autoComplete="off" />
        <TextField name="fullName" label={t.users.fullName} hint={t.auth.fullNameHint} value={d.fullName} onChange={set('fullName')} required size={30} />
        <SelectField name="role" label={t.users.role} value={d.role} onChange={set('role')}
          options={ROLES.map((r) => ({ value: r, label: t.roles[r] }))} />
        <TextField name="password" label={t.users.password} hint={t.auth.passwordHint} type="password" value={d.password} onChange={set('password')} required autoComplete="new-password" />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.users.createSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
