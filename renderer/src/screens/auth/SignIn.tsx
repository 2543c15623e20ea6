import { useState } from 'react';
import { call } from '../../api';
import type { Output } from '../../../../preload/contract';
import { t } from '../../strings';
import { Notice } from '../../ui/common';
import { Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';

export function SignIn({ notice, onDone }: { notice?: string; onDone: (r: Output<'auth.signIn'>) => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => onDone(await call('auth.signIn', { login: login.trim(), password })));

  return (
    <main className="centered">
      <div className="auth-card">
        <p className="brand">{t.app.title}</p>
        <h1>{t.auth.signInTitle}</h1>
        {notice && !failure && <Notice testId="sign-in-notice">{notice}</Notice>}
        <Form failure={failure} busy={busy} onSubmit={submit} testId="sign-in-form" label={t.auth.signInTitle}>
          <TextField name="login" label={t.auth.login} value={login} onChange={setLogin} required autoComplete="username" autoFocus />
          <TextField name="password" label={t.auth.password} type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
          <FormActions><SubmitButton busy={busy}>{t.auth.signInSubmit}</SubmitButton></FormActions>
        </Form>
      </div>
    </main>
  );
}
