// Under a students import's preview: the pupils the workbook adds enrolled in one class by one order (first graders
// from the admission list). The backend enrols them in the commit's own transaction, all or none.
import type { Input } from '../../../../preload/contract';
import { formatDate, parseDate, todayIso } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { useQuery } from '../../ui/useQuery';

export type EnrolDraft = { on: boolean; classId: string; number: string; orderDate: string; date: string; confirmFuture?: boolean };

/** The commit's enrolment, or undefined when not asked for (a date typed wrong is sent as typed: the backend names it). */
export function enrolmentOf(d: EnrolDraft): Input<'import.commit'>['enrolment'] {
  if (!d.on) return undefined;
  const orderDate = parseDate(d.orderDate) ?? d.orderDate;
  return { order: { number: d.number.trim(), date: orderDate, ...(d.confirmFuture && orderDate > todayIso() ? { confirmFuture: true } : {}) }, classId: Number(d.classId), date: parseDate(d.date) ?? d.date };
}

export function EnrolAddedFields({ draft, onChange }: { draft: EnrolDraft; onChange: (d: EnrolDraft) => void }) {
  const classes = useQuery('classes.list', {});
  const set = (patch: Partial<EnrolDraft>) => onChange({ ...draft, ...patch });
  return (
    <fieldset className="form-section" data-testid="import-enrol">
      <legend>
        <label><input type="checkbox" checked={draft.on} onChange={(e) => set({ on: e.target.checked, orderDate: draft.orderDate || formatDate(todayIso()) })} /> {t.firstGraders.importEnrol}</label>
      </legend>
      {draft.on && (
        <div className="form-grid">
          <label>{t.firstGraders.class}{' '}
            <select value={draft.classId} onChange={(e) => set({ classId: e.target.value })}>
              <option value="" />
              {(classes.data ?? []).map((c) => <option key={c.id} value={c.id}>{`${c.name} (${c.yearName})`}</option>)}
            </select>
          </label>
          <label>{t.firstGraders.orderNumber}{' '}<input value={draft.number} onChange={(e) => set({ number: e.target.value })} size={10} /></label>
          <label>{t.firstGraders.orderDate}{' '}<input value={draft.orderDate} onChange={(e) => set({ orderDate: e.target.value })} placeholder={t.common.datePlaceholder} size={10} /></label>
          <label>{t.firstGraders.date}{' '}<input value={draft.date} onChange={(e) => set({ date: e.target.value })} placeholder={t.common.datePlaceholder} size={10} /></label>
          {(parseDate(draft.orderDate) ?? '') > todayIso() && (
            <label><input type="checkbox" checked={!!draft.confirmFuture} onChange={(e) => set({ confirmFuture: e.target.checked })} /> {t.orderChecks.confirmFuture(draft.orderDate.trim())}</label>
          )}
        </div>
      )}
    </fieldset>
  );
}
