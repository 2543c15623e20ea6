import { useState } from 'react';
import { ApiFailure, call } from '../../api';
import { ROLES, type Role } from '../../../../preload/contract';
import { t } from '../../strings';
import { Badge, EmptyRow, ErrorBox, Loaded, Notice, PageHeader } from '../../ui/common';
import { formatDateTime } from '../../../../preload/core/dates';
import { passwordProblem } from '../../../../preload/core/passwords';
import { Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

export function UsersScreen() {
  const users = useQuery('users.list', {});
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  const act = (action: () => Promise<string>) => run(async () => {
    setDone(null);
    setDone(await action());
    users.reload();
  });
  return (
    <section>
      <PageHeader title={t.users.title}>
        {!creating && <button type="button" className="primary" onClick={() => { setDone(null); setCreating(true); }}>{t.users.newUser}</button>}
      </PageHeader>
      <p className="muted small">{t.users.lastAdminHint}</p>
      {done && <Notice kind="ok" testId="users-done">{done}</Notice>}
      {failure && <ErrorBox failure={failure} />}
      {creating && <UserForm onCancel={() => setCreating(false)} onDone={(login) => { setCreating(false); setDone(t.users.created(login)); users.reload(); }} />}
      {resetting && <ResetForm login={resetting} onCancel={() => setResetting(null)}
        onDone={() => { setResetting(null); setDone(t.users.done.reset(resetting)); users.reload(); }} />}
      <Loaded query={users}>
        {(list) => (
          <table className="grid" data-testid="users-table">
            <thead>
              <tr><th scope="col">{t.users.colLogin}</th><th scope="col">{t.users.colName}</th><th scope="col">{t.users.colRole}</th>
                <th scope="col">{t.users.colState}</th><th scope="col">{t.users.colActions}</th></tr>
            </thead>
            <tbody>
              {list.length === 0 && <EmptyRow cols={5}>{t.common.empty}</EmptyRow>}
              {list.map((u) => (
                <tr key={u.id} data-testid={`user-${u.login}`}>
                  <td className="mono">{u.login}</td>
                  <td>{u.fullName}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>{t.users.newRole(u.login)}</label>
                    <select id={`role-${u.id}`} value={u.role} disabled={busy}
                      onChange={(e) => { const role = e.target.value as Role; if (window.confirm(t.users.confirmRole(u.login, t.roles[role]))) void act(async () => { await call('users.setRole', { login: u.login, role }); return t.users.done.role(u.login, t.roles[role]); }); }}>
                      {ROLES.map((r) => <option key={r} value={r}>{t.roles[r]}</option>)}
                    </select>
                  </td>
                  <td>
                    {u.disabled ? <Badge kind="muted">{t.users.disabled}</Badge>
                      : u.lockedUntil ? <Badge kind="warn">{t.users.lockedUntil(formatDateTime(u.lockedUntil))}</Badge>
                        : <Badge kind="ok">{t.users.active}</Badge>}
                    {u.failedAttempts > 0 && <div className="muted small">{t.users.failures(u.failedAttempts)}</div>}
                  </td>
                  <td className="actions">
                    <button type="button" disabled={busy} onClick={() => { setDone(null); setResetting(u.login); }}>{t.users.resetPassword}</button>
                    {u.disabled
                      ? <button type="button" disabled={busy} onClick={() => act(async () => { await call('users.enable', { login: u.login }); return t.users.done.enabled(u.login); })}>{t.users.enable}</button>
                      : <button type="button" disabled={busy} onClick={() => { if (window.confirm(t.users.confirmDisable(u.login))) void act(async () => { await call('users.disable', { login: u.login }); return t.users.done.disabled(u.login); }); }}>{t.users.disable}</button>}
                    {(u.lockedUntil || u.failedAttempts > 0) &&
                      <button type="button" disabled={busy} onClick={() => act(async () => { await call('users.unlock', { login: u.login }); return t.users.done.unlocked(u.login); })}>{t.users.unlock}</button>}
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

function ResetForm({ login, onDone, onCancel }: { login: string; onDone: () => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const problem = passwordProblem(password, login);
    if (problem) throw new ApiFailure({ code: 'validation', message: problem, fields: { password: problem } });
    await call('users.resetPassword', { login, password });
    onDone();
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="reset-password-form" label={t.users.resetTitle(login)}>
      <h2>{t.users.resetTitle(login)}</h2>
      <p className="muted">{t.users.resetLead}</p>
      <div className="form-grid">
        <TextField name="password" label={t.users.password} hint={t.auth.passwordHint} type="password" value={password} onChange={setPassword} required autoFocus autoComplete="new-password" />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.users.resetSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
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
