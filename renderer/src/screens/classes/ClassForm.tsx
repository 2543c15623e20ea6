import { useState } from 'react';
import { call } from '../../api';
import { LEVELS, type SchoolClass } from '../../../../preload/contract';
import { fullName } from '../../../../preload/core/names';
import { t } from '../../strings';
import { CheckField, FieldCheck, Form, FormActions, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';

const PARALLELS = Array.from({ length: 11 }, (_, i) => i + 1);

export function ClassForm({ yearId, onDone, onCancel }: { yearId: number; onDone: (c: SchoolClass) => void; onCancel: () => void }) {
  const staff = useQuery('staff.list', {});
  const [d, setD] = useState({ parallel: '', letter: '', teacher: '', shift: '1', level: '', adapted: false });
  const set = <K extends keyof typeof d>(k: K) => (v: (typeof d)[K]) => setD((x) => ({ ...x, [k]: v }));
  const { busy, failure, run } = useSubmit();

  const submit = () => run(async () => {
    const check = new FieldCheck();
    if (!d.parallel) check.add('parallel', t.errors.requiredField);
    check.required('letter', d.letter);
    check.done();
    onDone(await call('classes.create', {
      yearId, parallel: Number(d.parallel), letter: d.letter.trim().toUpperCase(),
      homeroomTeacherId: d.teacher ? Number(d.teacher) : null, shift: Number(d.shift),
      level: d.level ? (d.level as (typeof LEVELS)[number]) : undefined, adapted: d.adapted,
    }));
  });

  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="class-form" label={t.classes.createTitle}>
      <h2>{t.classes.createTitle}</h2>
      <div className="form-grid">
        <SelectField name="parallel" label={t.classes.parallel} value={d.parallel} onChange={set('parallel')} required placeholder=""
          options={PARALLELS.map((p) => ({ value: String(p), label: String(p) }))} />
        <TextField name="letter" label={t.classes.letter} hint={t.classes.letterHint} value={d.letter} onChange={set('letter')} required size={4} maxLength={2} />
        <SelectField name="homeroomTeacherId" label={t.classes.teacher} value={d.teacher} onChange={set('teacher')} placeholder={t.classes.noTeacher}
          options={(staff.data ?? []).map((s) => ({ value: String(s.id), label: fullName(s) }))} />
        <SelectField name="shift" label={t.classes.shift} value={d.shift} onChange={set('shift')}
          options={[1, 2].map((n) => ({ value: String(n), label: t.classes.shiftN(n) }))} />
        <SelectField name="level" label={t.classes.level} value={d.level} onChange={set('level')} placeholder={t.classes.levelAuto}
          options={LEVELS.map((l) => ({ value: l, label: t.classes.levels[l] }))} />
        <CheckField name="adapted" label={t.classes.adapted} checked={d.adapted} onChange={set('adapted')} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{t.classes.createSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
