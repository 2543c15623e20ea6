import { useEffect, useState } from 'react';
import { call } from '../../api';
import type { School } from '../../../../preload/contract';
import { t } from '../../strings';
import { ErrorBox, Loading, PageHeader } from '../../ui/common';
import { Form, FormActions, SubmitButton, TextAreaField, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { TrustAnchors } from './TrustAnchors';
import { TsaSettings } from './TsaSettings';

const EMPTY: School = { fullName: '', shortName: '', inn: '', kpp: '', ogrn: '', address: '', director: '', regionCode: '' };

export function SchoolProfile() {
  const school = useQuery('school.get', {});
  const [d, setD] = useState<School | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, failure, run } = useSubmit();
  useEffect(() => { if (school.data !== undefined && d === null) setD(school.data ?? EMPTY); }, [school.data, d]);

  if (school.error) return <ErrorBox failure={school.error} />;
  if (d === null) return <Loading />;
  const set = (k: keyof School) => (v: string) => { setSaved(false); setD({ ...d, [k]: v }); };
  const submit = () => run(async () => {
    const trimmed = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.trim()])) as School;
    setD(await call('school.update', trimmed));
    setSaved(true);
  });

  return (
    <section>
      <PageHeader title={t.school.title} />
      <p className="lead">{t.school.lead}</p>
      <Form failure={failure} busy={busy} onSubmit={submit} testId="school-form" label={t.school.title}>
        <div className="form-grid">
          <TextAreaField name="fullName" label={t.school.fullName} value={d.fullName} onChange={set('fullName')} required />
          <TextField name="shortName" label={t.school.shortName} value={d.shortName} onChange={set('shortName')} required wide />
        </div>
        <div className="form-grid">
          <TextField name="inn" label={t.school.inn} value={d.inn} onChange={set('inn')} inputMode="numeric" size={14} required />
          <TextField name="kpp" label={t.school.kpp} value={d.kpp} onChange={set('kpp')} inputMode="numeric" size={11} required />
          <TextField name="ogrn" label={t.school.ogrn} value={d.ogrn} onChange={set('ogrn')} inputMode="numeric" size={15} required />
          <TextField name="regionCode" label={t.school.regionCode} value={d.regionCode} onChange={set('regionCode')} inputMode="numeric" size={4} required />
        </div>
        <div className="form-grid">
          <TextAreaField name="address" label={t.school.address} value={d.address} onChange={set('address')} required />
          <TextField name="director" label={t.school.director} value={d.director} onChange={set('director')} required wide />
        </div>
        <FormActions>
          <SubmitButton busy={busy}>{t.common.save}</SubmitButton>
          {saved && <span className="saved" role="status">{t.common.saved}</span>}
        </FormActions>
      </Form>
      <TrustAnchors />
      <TsaSettings />
    </section>
  );
}
