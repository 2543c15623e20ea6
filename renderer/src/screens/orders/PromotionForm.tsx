// The promotion as a reviewed document: the year and the date → the backend's review (per class who is promoted, kept
// back, promoted conditionally, left for the выпуск; what blocks it, by pupil, class and subject) → the clerk's
// decisions (kept back on a basis with its date, conditional with a deadline, leaving after the 9th) → the order,
// confirmed. The review is asked again with every decision, so what is confirmed is what the backend will write.
import { useEffect, useId, useMemo, useState } from 'react';
import { asFailure, call } from '../../api';
import type { Output, PromotionReview } from '../../../../preload/contract';
import { sortedYears, useYears } from '../../app/years';
import { useCan } from '../../app/user';
import { formatDate, parseDate, todayIso } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Notice, PageHeader } from '../../ui/common';
import { DateField, FieldCheck, Form, FormActions, GroupError, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useQuery } from '../../ui/useQuery';
import { FutureOrderCheck, futureOrder } from './MovementForms';

type Basis = 'application' | 'council';
type Decision = { kind: 'kept'; basis: Basis; basisDate: string } | { kind: 'conditional'; deadline: string } | { kind: 'leaving' };
type Decided = { studentId: string; name: string; className: string; d: Decision };

/** The decisions as the contract takes them: kept back and conditional only once their dates are typed (for the review). */
function asArgs(list: Decided[], complete: boolean) {
  const kept = list.filter((x) => x.d.kind === 'kept') as Array<Decided & { d: Extract<Decision, { kind: 'kept' }> }>;
  const cond = list.filter((x) => x.d.kind === 'conditional') as Array<Decided & { d: Extract<Decision, { kind: 'conditional' }> }>;
  return {
    keptBack: kept.filter((x) => !complete || parseDate(x.d.basisDate))
      .map((x) => ({ studentId: x.studentId, basis: x.d.basis, ...(parseDate(x.d.basisDate) ? { basisDate: parseDate(x.d.basisDate)! } : {}) })),
    conditional: cond.filter((x) => parseDate(x.d.deadline)).map((x) => ({ studentId: x.studentId, deadline: parseDate(x.d.deadline)! })),
    leavingAfterNinth: list.filter((x) => x.d.kind === 'leaving').map((x) => x.studentId),
  };
}

export function PromotionForm() {
  const { years, yearId } = useYears();
  const ordered = sortedYears(years);
  const nextOf = (id: number | null) => {
    const from = years.find((y) => y.id === id);
    return from ? [...years].filter((y) => y.startDate > from.startDate).sort((a, b) => a.startDate.localeCompare(b.startDate))[0] : undefined;
  };
  const today = formatDate(todayIso());
  const [d, setD] = useState({ number: '', orderDate: today, date: '', fromYear: yearId ? String(yearId) : '', toYear: String(nextOf(yearId)?.id ?? '') });
  const [confirmFuture, setConfirmFuture] = useState(false);
  const set = (k: keyof typeof d) => (v: string) => setD((x) => ({ ...x, [k]: v }));
  const [decided, setDecided] = useState<Decided[]>([]);
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const [result, setResult] = useState<Output<'orders.promote'> | null>(null);
  const { busy, failure, run } = useSubmit();
  // The school's rule «ledgers sealed before the promotion», set here by an administrator.
  const canSet = useCan('settings.set');
  const settings = useQuery('settings.get', {}, canSet);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  async function requireSealed(on: boolean) {
    try {
      await call('settings.set', { allowMarkOne: settings.data?.allowMarkOne ?? false, requireSealedBeforePromotion: on });
      setSettingsError(null);
      settings.reload();
      review.reload();
    } catch (e) {
      setSettingsError(asFailure(e).message);
    }
  }
  // The years may arrive after the first render.
  useEffect(() => {
    if (!d.fromYear && yearId) setD((x) => ({ ...x, fromYear: String(yearId), toYear: x.toYear || String(nextOf(yearId)?.id ?? '') }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [yearId, years.length]);

  const fromYearId = Number(d.fromYear) || null;
  const reviewDate = parseDate(d.date);
  const review = useQuery('orders.promotionReview', { fromYearId: fromYearId ?? 0, ...(reviewDate ? { date: reviewDate } : {}), ...asArgs(decided, true) },
    fromYearId !== null && result === null);
  const students = useQuery('students.search', { yearId: fromYearId ?? undefined, limit: 1000 }, fromYearId !== null);
  // the next year not opened yet (no classes): the promotion would make bare classes, and «Следующий учебный год» then refuses
  const toYearId = Number(d.toYear) || null;
  const toClasses = useQuery('classes.list', { yearId: toYearId ?? undefined }, toYearId !== null && result === null);
  const canOpenNext = useCan('years.nextPreview');
  const studying = useMemo(() => (students.data?.rows ?? []).filter((s) => s.status === 'studying'), [students.data]);
  const isDecided = (id: string) => decided.some((x) => x.studentId === id);
  const shown = studying.filter((s) => !filter.trim() || s.fullName.toLowerCase().includes(filter.trim().toLowerCase()) || isDecided(s.id));

  const decide = (studentId: string, name: string, className: string, dec: Decision) =>
    setDecided((list) => [...list.filter((x) => x.studentId !== studentId), { studentId, name, className, d: dec }]);
  const undo = (studentId: string) => setDecided((list) => list.filter((x) => x.studentId !== studentId));
  const change = (studentId: string, patch: Partial<Record<'basis' | 'basisDate' | 'deadline', string>>) =>
    setDecided((list) => list.map((x) => (x.studentId === studentId ? { ...x, d: { ...x.d, ...patch } as Decision } : x)));

  const submit = () => run(async () => {
    const check = new FieldCheck();
    const order = { number: d.number.trim(), date: check.date('order.date', d.orderDate), ...(futureOrder(d) && confirmFuture ? { confirmFuture: true } : {}) };
    if (futureOrder(d) && !confirmFuture) check.add('order.confirmFuture', t.orderChecks.confirmNeeded);
    const date = d.date.trim() ? check.date('date', d.date) : undefined;
    if (!d.fromYear) check.add('fromYearId', t.errors.requiredField);
    if (!d.toYear) check.add('toYearId', t.errors.requiredField);
    decided.filter((x) => x.d.kind === 'conditional').forEach((x, i) => {
      if (x.d.kind === 'conditional' && !parseDate(x.d.deadline)) check.add(`conditional.${i}.deadline`, t.errors.requiredField);
    });
    check.done();
    setResult(await call('orders.promote', { order, fromYearId: Number(d.fromYear), toYearId: Number(d.toYear), ...(date ? { date } : {}), ...asArgs(decided, false) }));
  });

  const yearOptions = ordered.map((y) => ({ value: String(y.id), label: y.name }));
  let keptIndex = 0;
  let condIndex = 0;
  return (
    <section>
      <PageHeader title={t.orders.promote} back={<Link to="/orders">{t.orders.title}</Link>} />
      <p className="lead">{t.orders.promoteLead}</p>
      {years.length < 2 && <Notice kind="warn">{t.orders.needTwoYears} <Link to="/years">{t.nav.years}</Link></Notice>}
      {result && <Notice kind="ok" testId="promote-result">{t.orders.promoteResult(result)}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={submit} testId="promote-form" label={t.orders.promote}>
        <div className="form-grid">
          <SelectField name="fromYearId" label={t.orders.fromYear} value={d.fromYear} placeholder="" required options={yearOptions}
            onChange={(v) => { setDecided([]); setResult(null); setD((x) => ({ ...x, fromYear: v, toYear: String(nextOf(Number(v))?.id ?? x.toYear) })); }} />
          <SelectField name="toYearId" label={t.orders.toYear} value={d.toYear} onChange={set('toYear')} placeholder="" required options={yearOptions} />
          <DateField name="date" label={t.orders.promoteDate} value={d.date} onChange={set('date')} hint={t.orders.reviewDateHint} />
        </div>

        {toClasses.data && toClasses.data.length === 0 && (
          <Notice kind="warn" testId="promotion-next-not-opened">
            {t.orders.nextYearNotOpened(years.find((y) => y.id === toYearId)?.name ?? '')} {canOpenNext && <Link to="/years/next">{t.nextYear.link}</Link>}
          </Notice>
        )}
        {canSet && settings.data && (
          <label className="check" data-testid="require-sealed">
            <input type="checkbox" checked={!!settings.data.requireSealedBeforePromotion} onChange={(e) => void requireSealed(e.target.checked)} />{' '}
            {t.orders.requireSealed}
          </label>
        )}
        {settingsError && <Notice kind="error">{settingsError}</Notice>}
        {review.error && <ErrorBox failure={review.error} />}
        {review.data && <ReviewView review={review.data} decide={decide} />}

        <fieldset className="form-section" data-testid="promotion-decisions">
          <legend>{t.orders.decisionsTitle}</legend>
          <GroupError name="keptBack" />
          {decided.length === 0 && <p className="muted">{t.orders.noDecisions}</p>}
          {decided.map((x) => {
            const head = <strong>{x.name} <span className="muted">{x.className}</span></strong>;
            if (x.d.kind === 'kept') {
              const i = keptIndex++;
              return (
                <div key={x.studentId} className="form-grid" data-testid="decision-row">
                  <div>{head} — {t.orders.decisionKept}</div>
                  <SelectField name={`keptBack.${i}.basis`} label={t.orders.basis} value={x.d.basis} onChange={(v) => change(x.studentId, { basis: v })}
                    options={(['application', 'council'] as const).map((b) => ({ value: b, label: t.orders.bases[b] }))} required />
                  <DateField name={`keptBack.${i}.basisDate`} label={t.orders.basisDate} value={x.d.basisDate} onChange={(v) => change(x.studentId, { basisDate: v })} required
                    hint={parseDate(x.d.basisDate) ? undefined : t.orders.incomplete} />
                  <button type="button" onClick={() => undo(x.studentId)}>{t.orders.removeDecision}</button>
                </div>
              );
            }
            if (x.d.kind === 'conditional') {
              const i = condIndex++;
              return (
                <div key={x.studentId} className="form-grid" data-testid="decision-row">
                  <div>{head} — {t.orders.decisionConditional}</div>
                  <DateField name={`conditional.${i}.deadline`} label={t.orders.deadline} value={x.d.deadline} onChange={(v) => change(x.studentId, { deadline: v })} required />
                  <button type="button" onClick={() => undo(x.studentId)}>{t.orders.removeDecision}</button>
                </div>
              );
            }
            return (
              <div key={x.studentId} className="form-grid" data-testid="decision-row">
                <div>{head} — {t.orders.decisionLeaving}</div>
                <button type="button" onClick={() => undo(x.studentId)}>{t.orders.removeDecision}</button>
              </div>
            );
          })}
        </fieldset>

        <fieldset className="form-section">
          <legend>{t.orders.keptBack}</legend>
          <div className="toolbar">
            <div className="toolbar-field">
              <label htmlFor={filterId}>{t.orders.keptBackFilter}</label>
              <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
            </div>
            <span className="muted" aria-live="polite">{t.orders.keptBackCount(decided.filter((x) => x.d.kind === 'kept').length)}</span>
          </div>
          {students.data && studying.length === 0 && <p className="muted">{t.orders.noStudentsInYear}</p>}
          {students.data && students.data.total > students.data.rows.length && (
            <p className="notice notice-warn" data-testid="kept-back-first">{t.ordersPage.firstOf(students.data.rows.length, students.data.total)}</p>
          )}
          <div className="checklist-items scroll-box" data-testid="kept-back-list">
            {shown.map((s) => {
              const kept = decided.some((x) => x.studentId === s.id && x.d.kind === 'kept');
              return (
                <label key={s.id}>
                  <input type="checkbox" checked={kept}
                    onChange={(e) => (e.target.checked ? decide(s.id, s.fullName, s.className ?? '', { kind: 'kept', basis: 'application', basisDate: '' }) : undo(s.id))} />
                  <span>{s.fullName} <span className="muted">{s.className}</span></span>
                </label>
              );
            })}
          </div>
        </fieldset>

        <div className="form-grid">
          <TextField name="order.number" label={t.orderForm.orderNumber} value={d.number} onChange={set('number')} required size={10} />
          <DateField name="order.date" label={t.orderForm.orderDate} value={d.orderDate} onChange={set('orderDate')} required />
        </div>
        <FutureOrderCheck orderDate={d.orderDate} checked={confirmFuture} onChange={setConfirmFuture} />
        <FormActions><SubmitButton busy={busy}>{t.orders.promoteSubmit}</SubmitButton></FormActions>
      </Form>
    </section>
  );
}

function ReviewView({ review, decide }: { review: PromotionReview; decide: (id: string, name: string, cls: string, d: Decision) => void }) {
  return (
    <section className="form-section" data-testid="promotion-review" aria-labelledby="pr-title">
      <h2 id="pr-title">{t.orders.reviewTitle} · {t.orders.reviewOn(formatDate(review.date))}</h2>
      {review.blockers.length === 0
        ? <Notice kind="ok" testId="promotion-no-blockers">{t.orders.noBlockers}</Notice>
        : <Blockers review={review} decide={decide} />}
      <table className="table" data-testid="promotion-classes">
        <thead>
          <tr><th>{t.orders.colClass}</th><th>{t.orders.colTo}</th><th>{t.orders.colPromoted}</th><th>{t.orders.colKeptBack}</th>
            <th>{t.orders.colConditional}</th><th>{t.orders.colAwaiting}</th></tr>
        </thead>
        <tbody>
          {review.classes.map((k) => (
            <tr key={k.classId} data-testid={`promotion-class-${k.className}`}>
              <td>{k.className}</td>
              <td>{k.toClass ?? '—'}</td>
              <td>
                <details>
                  <summary>{k.promoted.length}</summary>
                  <ul>
                    {k.promoted.map((p) => (
                      <li key={p.studentId}>
                        {p.name}
                        {k.parallel === 9 && (
                          <> <button type="button" onClick={() => decide(p.studentId, p.name, k.className, { kind: 'leaving' })}>{t.orders.leavingAction}</button></>
                        )}
                      </li>
                    ))}
                  </ul>
                </details>
              </td>
              <td>{k.keptBack.map((p) => <div key={p.studentId}>{p.name} <span className="muted">({t.orders.bases[p.basis]} {formatDate(p.basisDate)})</span></div>)}</td>
              <td>{k.conditional.map((p) => (
                <div key={p.studentId}>{p.name} <span className="muted">{t.orders.debtsOf(p.debts.map((x) => `${x.subject} (${x.mark})`).join(', '))}, {formatDate(p.deadline)}</span></div>
              ))}</td>
              <td>{k.awaitingGraduation.length || ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A class's blockers shown at first; a school of 600 with its marks not yet in has hundreds, so each class is paged. */
const BLOCKERS_SHOWN = 20;

/** The blockers grouped by class with their counts, each class's list paged. */
function Blockers({ review, decide }: { review: PromotionReview; decide: (id: string, name: string, cls: string, d: Decision) => void }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const groups = useMemo(() => {
    const by = new Map<string, PromotionReview['blockers']>();
    for (const b of review.blockers) by.set(b.className, [...(by.get(b.className) ?? []), b]);
    return [...by.entries()].map(([className, items]) => ({ className, items }));
  }, [review.blockers]);
  return (
    <div data-testid="promotion-blockers">
      <Notice kind="warn">{t.orders.blockersTitle(review.blockers.length)}</Notice>
      <p className="muted" data-testid="promotion-blocker-counts">
        {t.orders.blockersByClass}: {groups.map((g) => t.orders.blockersOfClass(g.className, g.items.length)).join(' · ')}
      </p>
      {groups.map((g) => {
        const all = expanded.has(g.className);
        const shown = all ? g.items : g.items.slice(0, BLOCKERS_SHOWN);
        const cls = review.classes.find((k) => k.className === g.className);
        return (
          <div key={g.className} className="form-section" data-testid="promotion-blocker-class" data-class={g.className}>
            <strong>{t.orders.blockersOfClass(g.className, g.items.length)}</strong>
            {shown.length < g.items.length && <span className="muted"> ({t.orders.blockersShown(shown.length, g.items.length)})</span>}
            <ul>
              {shown.map((b, i) => (
                <li key={`${b.kind}-${b.studentId ?? ''}-${i}`} data-testid="promotion-blocker">
                  {b.message}
                  {b.studentId && b.studentName && (
                    <>
                      {' '}
                      <button type="button" onClick={() => decide(b.studentId!, b.studentName!, b.className, { kind: 'kept', basis: 'council', basisDate: '' })}>
                        {t.orders.keepBackAction}
                      </button>
                      {b.kind === 'debt_undecided' && cls && cls.parallel !== 9 && cls.parallel !== 11 && (
                        <button type="button" onClick={() => decide(b.studentId!, b.studentName!, b.className, { kind: 'conditional', deadline: '' })}>
                          {t.orders.conditionalAction}
                        </button>
                      )}
                      {cls?.parallel === 9 && (
                        <button type="button" onClick={() => decide(b.studentId!, b.studentName!, b.className, { kind: 'leaving' })}>{t.orders.leavingAction}</button>
                      )}
                    </>
                  )}
                </li>
              ))}
            </ul>
            {!all && g.items.length > BLOCKERS_SHOWN && (
              <button type="button" onClick={() => setExpanded((x) => new Set([...x, g.className]))}>{t.orders.blockersShowAll(g.items.length - BLOCKERS_SHOWN)}</button>
            )}
          </div>
        );
      })}
    </div>
  );
}
