import { useEffect, useState } from 'react';
import { ApiFailure, call } from '../../api';
import { DOC_KINDS, type Guardian, type Student, type StudentInputT } from '../../../../preload/contract';
import { formatDate } from '../../../../preload/core/dates';
import { formatSnils } from '../../../../preload/core/identifiers';
import { fullName } from '../../../../preload/core/names';
import { Link, navigate } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Loading, Notice, PageHeader } from '../../ui/common';
import {
  DateField, FieldCheck, Form, GroupError, FormActions, orNull, RadioField, SelectField, SubmitButton, TextAreaField, TextField, useSubmit,
} from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

/** `other`: «Кем приходится» typed in the clerk's words (a value not among the usual ones is kept as it was stored). */
type GuardianDraft = { kind: string; other: boolean; fullName: string; phone: string; email: string };
const OTHER_KIND = 'other';
const usualKind = (kind: string) => t.orderChecks.guardianKinds.includes(kind);
type Draft = {
  lastName: string; firstName: string; middleName: string; birthDate: string; sex: '' | 'М' | 'Ж'; snils: string;
  docKind: '' | (typeof DOC_KINDS)[number]; docSeries: string; docNumber: string; docDate: string; docIssuer: string;
  address: string; pdConsentDate: string; guardians: GuardianDraft[];
};

const EMPTY: Draft = {
  lastName: '', firstName: '', middleName: '', birthDate: '', sex: '', snils: '', docKind: '',
  docSeries: '', docNumber: '', docDate: '', docIssuer: '', address: '', pdConsentDate: '', guardians: [],
};

function draftOf(s: Student): Draft {
  return {
    lastName: s.lastName, firstName: s.firstName, middleName: s.middleName ?? '', birthDate: formatDate(s.birthDate),
    sex: s.sex, snils: formatSnils(s.snils), docKind: s.docKind ?? '', docSeries: s.docSeries ?? '', docNumber: s.docNumber ?? '',
    docDate: formatDate(s.docDate), docIssuer: s.docIssuer ?? '', address: s.address ?? '', pdConsentDate: formatDate(s.pdConsentDate),
    guardians: s.guardians.map((g) => ({ kind: g.kind, other: !usualKind(g.kind), fullName: g.fullName, phone: g.phone ?? '', email: g.email ?? '' })),
  };
}

function inputOf(d: Draft): StudentInputT {
  const check = new FieldCheck();
  const birthDate = check.date('birthDate', d.birthDate);
  const docDate = check.optionalDate('docDate', d.docDate);
  const pdConsentDate = check.optionalDate('pdConsentDate', d.pdConsentDate);
  if (!d.sex) check.add('sex', t.errors.requiredField);
  check.done();
  return {
    lastName: d.lastName.trim(), firstName: d.firstName.trim(), middleName: orNull(d.middleName), birthDate,
    sex: d.sex as 'М' | 'Ж', snils: orNull(d.snils), docKind: d.docKind || null, docSeries: orNull(d.docSeries),
    docNumber: orNull(d.docNumber), docDate, docIssuer: orNull(d.docIssuer), address: orNull(d.address), pdConsentDate,
    guardians: d.guardians.map((g): Guardian => ({
      kind: g.kind.trim(), fullName: g.fullName.trim(), phone: orNull(g.phone), email: orNull(g.email),
    })),
  };
}

/** A card field's name as the form labels it (a stale save's differences). */
const fieldLabel = (field: string) => {
  const label = (t.student as Record<string, unknown>)[field];
  return typeof label === 'string' ? label : field;
};

/** New student when there is no id; otherwise edits that student. */
export function StudentForm({ id }: { id?: string }) {
  const existing = useQuery('students.get', { id: id ?? '' }, id !== undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [ready, setReady] = useState(id === undefined);
  const { busy, failure, run } = useSubmit();
  // the card's version as read: a save of an older one is refused (someone saved it elsewhere meanwhile)
  const [version, setVersion] = useState<number | undefined>(undefined);
  const [stale, setStale] = useState<ApiFailure | null>(null);

  useEffect(() => {
    if (existing.data && !ready) { setDraft(draftOf(existing.data)); setVersion(existing.data.version); setReady(true); }
  }, [existing.data, ready]);

  if (id !== undefined && existing.error) return <ErrorBox failure={existing.error} />;
  if (!ready) return <Loading />;

  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setGuardian = (i: number, key: keyof GuardianDraft) => (value: string) =>
    setDraft((d) => ({ ...d, guardians: d.guardians.map((g, j) => (j === i ? { ...g, [key]: value } : g)) }));
  const addGuardian = () => setDraft((d) => ({ ...d, guardians: [...d.guardians, { kind: '', other: false, fullName: '', phone: '', email: '' }] }));
  const chooseKind = (i: number) => (value: string) => setDraft((d) => ({ ...d, guardians: d.guardians.map((g, j) => (j !== i ? g
    : value === OTHER_KIND ? { ...g, other: true, kind: g.other ? g.kind : '' } : { ...g, other: false, kind: value })) }));
  const removeGuardian = (i: number) => setDraft((d) => ({ ...d, guardians: d.guardians.filter((_, j) => j !== i) }));

  const submit = () => run(async () => {
    const data = inputOf(draft);
    try {
      const saved = id === undefined ? await call('students.create', data) : await call('students.update', { id, data, version });
      navigate(`/students/${saved.id}`);
    } catch (e) {
      // changed elsewhere since it was opened: say who and what, take the card's new version, keep the clerk's edits
      if (id !== undefined && e instanceof ApiFailure && e.code === 'conflict' && e.rows.some((r) => 'yours' in r)) {
        setStale(e);
        setVersion((await call('students.get', { id })).version);
      }
      throw e;
    }
  });

  const title = id === undefined ? t.student.newTitle : `${t.student.editTitle}: ${existing.data ? fullName(existing.data) : ''}`;
  return (
    <section>
      <PageHeader title={title} back={id && <Link to={`/students/${id}`}>{t.common.back}</Link>} />
      {stale && (
        <Notice kind="warn" testId="student-stale">
          <strong>{t.personalData.staleTitle}.</strong> {t.personalData.staleReloaded}
          <ul>
            {stale.rows.map((r) => (
              <li key={String(r.field)}>{fieldLabel(String(r.field))}: {t.personalData.staleNow} «{r.now ?? ''}», {t.personalData.staleYours} «{r.yours ?? ''}»</li>
            ))}
          </ul>
        </Notice>
      )}
      <Form failure={failure} busy={busy} onSubmit={submit} fieldPrefix={id ? 'data.' : ''} testId="student-form" label={title}>
        <fieldset className="form-section">
          <legend>{t.student.personal}</legend>
          <div className="form-grid">
            <TextField name="lastName" label={t.student.lastName} value={draft.lastName} onChange={set('lastName')} required autoFocus />
            <TextField name="firstName" label={t.student.firstName} value={draft.firstName} onChange={set('firstName')} required />
            <TextField name="middleName" label={t.student.middleName} value={draft.middleName} onChange={set('middleName')} />
            <DateField name="birthDate" label={t.student.birthDate} value={draft.birthDate} onChange={set('birthDate')} required />
            <RadioField name="sex" label={t.student.sex} value={draft.sex} onChange={(v) => set('sex')(v as Draft['sex'])} required
              options={[{ value: 'М', label: t.student.sexM }, { value: 'Ж', label: t.student.sexF }]} />
            <TextField name="snils" label={t.student.snils} value={draft.snils} onChange={set('snils')}
              placeholder={t.student.snilsPlaceholder} inputMode="numeric" size={16} />
          </div>
          <div className="form-grid">
            <TextAreaField name="address" label={t.student.address} value={draft.address} onChange={set('address')} />
            <DateField name="pdConsentDate" label={t.student.pdConsentDate} value={draft.pdConsentDate} onChange={set('pdConsentDate')} />
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>{t.student.document}</legend>
          <div className="form-grid">
            <SelectField name="docKind" label={t.student.docKind} value={draft.docKind}
              onChange={(v) => set('docKind')(v as Draft['docKind'])} placeholder={t.student.docKindNone}
              options={DOC_KINDS.map((k) => ({ value: k, label: t.student.docKinds[k] }))} />
            <TextField name="docSeries" label={t.student.docSeries} value={draft.docSeries} onChange={set('docSeries')} size={10} />
            <TextField name="docNumber" label={t.student.docNumber} value={draft.docNumber} onChange={set('docNumber')} size={12} />
            <DateField name="docDate" label={t.student.docDate} value={draft.docDate} onChange={set('docDate')} />
            <TextField name="docIssuer" label={t.student.docIssuer} value={draft.docIssuer} onChange={set('docIssuer')} wide />
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>{t.student.guardians}</legend>
          <GroupError name="guardians" />
          {draft.guardians.length === 0 && <p className="muted">{t.student.noGuardians}</p>}
          {draft.guardians.map((g, i) => (
            <div className="guardian-row" key={i} role="group" aria-label={t.student.guardianN(i + 1)} data-testid={`guardian-${i}`}>
              <SelectField name={`guardians.${i}.kind`} label={t.student.guardianKind} value={g.other ? OTHER_KIND : g.kind} onChange={chooseKind(i)}
                options={[...t.orderChecks.guardianKinds.map((k) => ({ value: k, label: k })), { value: OTHER_KIND, label: t.orderChecks.otherKind }]}
                placeholder={t.grades.choose} required />
              {g.other && (
                <TextField name={`guardians.${i}.kindText`} label={t.orderChecks.otherKindText} value={g.kind} onChange={setGuardian(i, 'kind')} size={14} required />
              )}
              <TextField name={`guardians.${i}.fullName`} label={t.student.guardianFullName} value={g.fullName} onChange={setGuardian(i, 'fullName')} required size={30} />
              <TextField name={`guardians.${i}.phone`} label={t.student.guardianPhone} value={g.phone} onChange={setGuardian(i, 'phone')} type="tel" size={16} />
              <TextField name={`guardians.${i}.email`} label={t.student.guardianEmail} value={g.email} onChange={setGuardian(i, 'email')} type="email" size={22} />
              <button type="button" className="link-button danger" onClick={() => removeGuardian(i)}>{t.student.removeGuardian}</button>
            </div>
          ))}
          <button type="button" onClick={addGuardian}>{t.student.addGuardian}</button>
        </fieldset>

        <FormActions>
          <SubmitButton busy={busy}>{id === undefined ? t.student.create : t.common.save}</SubmitButton>
          {id && <Link to={`/students/${id}`} className="button">{t.common.cancel}</Link>}
        </FormActions>
      </Form>
    </section>
  );
}
