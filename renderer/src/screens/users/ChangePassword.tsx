// One's own password, for every role: the current one, then the new one twice. The policy is checked here first
// (preload/core/passwords.ts, the same the backend refuses by) so a weak password is named before it is sent.
import { useState } from 'react';
import { ApiFailure, call } from '../../api';
import { passwordProblem } from '../../../../preload/core/passwords';
import { t } from '../../strings';
import { Notice, PageHeader } from '../../ui/common';
import { Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useUser } from '../../app/user';

export function ChangePasswordScreen() {
  const user = useUser();
  const [d, setD] = useState({ oldPassword: '', password: '', repeat: '' });
  const [done, setDone] = useState(false);
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    setDone(false);
    const problem = passwordProblem(d.password, user.login);
    if (problem) throw new ApiFailure({ code: 'validation', message: problem, fields: { password: problem } });
    if (d.password !== d.repeat) throw new ApiFailure({ code: 'validation', message: t.account.mismatch, fields: { repeat: t.account.mismatch } });
    await call('auth.changePassword', { oldPassword: d.oldPassword, password: d.password });
    setD({ oldPassword: '', password: '', repeat: '' });
    setDone(true);
  });
  return (
    <section>
      <PageHeader title={t.account.title} />
      <p className="muted">{t.account.lead}</p>
      {done && <Notice kind="ok" testId="password-changed">{t.account.changed}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} className="panel" testId="change-password-form" label={t.account.title}>
        <div className="form-grid">
          <TextField name="oldPassword" label={t.account.oldPassword} type="password" value={d.oldPassword} onChange={set('oldPassword')} required autoComplete="current-password" autoFocus />
          <TextField name="password" label={t.account.newPassword} hint={t.auth.passwordHint} type="password" value={d.password} onChange={set('password')} required autoComplete="new-password" />
          <TextField name="repeat" label={t.account.repeat} type="password" value={d.repeat} onChange={set('repeat')} required autoComplete="new-password" />
        </div>
        <FormActions>
          <SubmitButton busy={busy}>{t.account.submit}</SubmitButton>
        </FormActions>
      </Form>
    </section>
  );
}
