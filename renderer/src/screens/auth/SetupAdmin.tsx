import { useState } from 'react';
import { call } from '../../api';
import type { Output } from '../../../../preload/contract';
import { t } from '../../strings';
import { FieldCheck, Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';

export function SetupAdmin({ onDone }: { onDone: (r: Output<'auth.setupAdmin'>) => void }) {
  const [form, setForm] = useState({ login: 'admin', fullName: '', password: '', repeat: '' });
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const { busy, failure, run } = useSubmit();

  const submit = () => run(async () => {
    const check = new FieldCheck();
    if (form.password !== form.repeat) check.add('repeat', t.auth.passwordsDiffer);
    check.done();
    onDone(await call('auth.setupAdmin', { login: form.login.trim(), fullName: form.fullName.trim(), password: form.password }));
  });

  return (
    <main className="centered">
      <div className="auth-card">
        <p className="brand">{t.app.title}</p>
        <h1>{t.auth.setupTitle}</h1>
        <p className="lead">{t.auth.setupLead}</p>
        <Form failure={failure} busy={busy} onSubmit={submit} testId="setup-form" label={t.auth.setupTitle}>
          <TextField name="login" label={t.auth.login} value={form.login} onChange={set('login')} required autoComplete="username" />
          <TextField name="fullName" label={t.auth.fullName} hint={t.auth.fullNameHint} value={form.fullName} onChange={set('fullName')} required autoFocus />
          <TextField name="password" label={t.auth.password} hint={t.auth.passwordHint} type="password" value={form.password} onChange={set('password')} required autoComplete="new-password" />
          <TextField name="repeat" label={t.auth.passwordRepeat} type="password" value={form.repeat} onChange={set('repeat')} required autoComplete="new-password" />
          <FormActions><SubmitButton busy={busy}>{t.auth.setupSubmit}</SubmitButton></FormActions>
        </Form>
      </div>
    </main>
  );
}
