// «Аттестаты»: the книга учёта выданных аттестатов of a year (and its certified printout), issuing an attestat on a
// blank form, and the blank forms themselves — received by series and number range with the delivery document,
// spoiled with a reason, each in one state. The backend checks every rule; its refusals are shown at the field.
import { useId, useState } from 'react';
import type { Output, StudentRow } from '../../../../preload/contract';
import { call } from '../../api';
import { useCan } from '../../app/user';
import { sortedYears, useYears } from '../../app/years';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { Link } from '../../router';
import { t } from '../../strings';
import { Badge, EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { CheckField, DateField, FieldCheck, Form, FormActions, GroupError, RadioField, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useDebounced } from '../../ui/hooks';
import { useQuery } from '../../ui/useQuery';
import { PrintoutResult, usePrintout } from '../printouts/Printout';
import { FinalsStep } from './FinalsStep';
import { BlanksStep } from './BlanksStep';

type BlankForm = Output<'attestats.forms'>[number];
type Kind = 9 | 11;
type Panel = { kind: 'issue' } | { kind: 'receive' } | { kind: 'spoil'; series?: string; number?: number } | null;
const FORMS_SHOWN = 300;
const KIND_OPTIONS = [9, 11].map((k) => ({ value: String(k), label: t.attestats.kindLabel[k] }));
const formLabel = (f: { series: string; number: number }) => t.attestats.formLabel(f.series, f.number);
// a delivery of blanks is ordinary or «с отличием» (its own form since 2020)
const BLANK_KIND_OPTIONS = [{ value: 'ordinary', label: t.honoursBlanks.ordinary }, { value: 'honours', label: t.honoursBlanks.honours }];

/** A number typed into a field, or an error for that field (the contract wants an integer, not text). */
function typedNumber(check: FieldCheck, name: string, typed: string): number {
  const v = typed.trim();
  if (!v) { check.add(name, t.errors.requiredField); return 0; }
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) { check.add(name, t.attestats.numberBad); return 0; }
  return Number(v);
}

export function AttestatsScreen() {
  const tx = t.attestats;
  const yearSelect = useId();
  const { years, yearId, setYearId } = useYears();
  const year = years.find((y) => y.id === yearId);
  const attestats = useQuery('attestats.list', { year: year?.name }, year !== undefined);
  const [state, setState] = useState<'' | BlankForm['state']>('');
  const forms = useQuery('attestats.forms', { state: state || undefined });
  const canIssue = useCan('attestats.issue');
  const canReceive = useCan('attestats.receiveForms');
  const canSpoil = useCan('attestats.spoilForm');
  const canPrint = useCan('printouts.attestatBook');
  const canCompute = useCan('attestats.computeFinals');
  const book = usePrintout();
  const [panel, setPanel] = useState<Panel>(null);
  const [done, setDone] = useState<string | null>(null);

  const open = (p: Panel) => { setDone(null); setPanel(p); };
  const finished = (message: string) => { setPanel(null); setDone(message); attestats.reload(); forms.reload(); };

  return (
    <section data-testid="attestats-screen">
      <PageHeader title={tx.title}>
        {canIssue && <button type="button" aria-pressed={panel?.kind === 'issue'}
          onClick={() => open({ kind: 'issue' })}>{tx.issue}</button>}
        {canReceive && <button type="button" aria-pressed={panel?.kind === 'receive'} onClick={() => open({ kind: 'receive' })}>{tx.receive}</button>}
        {canSpoil && <button type="button" aria-pressed={panel?.kind === 'spoil'} onClick={() => open({ kind: 'spoil' })}>{tx.spoil}</button>}
      </PageHeader>
      <p className="lead">{tx.lead}</p>
      {done && <Notice kind="ok" testId="attestats-done">{done}</Notice>}
      {panel?.kind === 'issue' && (
        <IssueForm onCancel={() => setPanel(null)} onDone={(a) => {
          const y = years.find((x) => x.name === a.year);
          if (y) setYearId(y.id);
          finished(tx.issued(a.regNumber, a.year, formLabel(a), a.fullName));
        }} />
      )}
      {panel?.kind === 'receive' && <ReceiveForm onCancel={() => setPanel(null)}
        onDone={(n, series, kindName) => finished(t.honoursBlanks.receivedDone(n, kindName, series))} />}
      {panel?.kind === 'spoil' && (
        <SpoilForm key={`${panel.series}-${panel.number}`} initial={panel} onCancel={() => setPanel(null)}
          onDone={(f) => finished(tx.spoiledDone(formLabel(f)))} />
      )}

      {year && canCompute && <FinalsStep key={year.id} yearId={year.id} />}
      {year && canCompute && <BlanksStep key={`blanks-${year.id}`} yearId={year.id} />}

      <section className="card-section" aria-labelledby="attestats-issued-h">
        <div className="toolbar">
          <div className="toolbar-field">
            <label htmlFor={yearSelect}>{tx.year}</label>
            <select id={yearSelect} value={yearId ?? ''} onChange={(e) => setYearId(Number(e.target.value))}>
              {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
            </select>
          </div>
          {canPrint && year && (
            <button type="button" className="primary" disabled={book.busy} data-testid="print-attestat-book"
              onClick={() => void book.print('printouts.attestatBook', { year: year.name })}>
              {book.busy ? t.printouts.printing : t.printouts.attestatBook}
            </button>
          )}
        </div>
        <PrintoutResult made={book.made} error={book.error} />
        <h2 id="attestats-issued-h">{year ? tx.issuedTitle(year.name) : tx.title}</h2>
        {year && (
          <Loaded query={attestats}>
            {(rows) => (
              <table className="grid" data-testid="attestats-table">
                <thead>
                  <tr>
                    <th scope="col" className="num">{tx.colReg}</th>
                    <th scope="col">{tx.colName}</th>
                    <th scope="col">{tx.colBirth}</th>
                    <th scope="col">{tx.colKind}</th>
                    <th scope="col">{tx.colForm}</th>
                    <th scope="col">{tx.colIssued}</th>
                    <th scope="col">{tx.colRecipient}</th>
                    <th scope="col">{tx.colHonours}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.length === 0 && <EmptyRow cols={8}>{tx.noneIssued}</EmptyRow>}
                  {rows.map((a) => (
                    <tr key={a.id} data-testid="attestat-row">
                      <td className="num">{a.regNumber}</td>
                      <th scope="row" className="strong"><Link to={`/students/${a.studentId}`}>{a.fullName}</Link></th>
                      <td className="nowrap">{formatDate(a.birthDate)}</td>
                      <td>{tx.kindShort[a.kind]}</td>
                      <td className="nowrap mono">{formLabel(a)}</td>
                      <td className="nowrap">{formatDate(a.issueDate)}</td>
                      <td>{a.recipient}</td>
                      <td>{a.withHonours ? t.common.yes : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
        )}
      </section>

      <section className="card-section" aria-labelledby="attestat-forms-h">
        <h2 id="attestat-forms-h">{tx.formsTitle}</h2>
        <div className="toolbar">
          <SelectFilter value={state} onChange={setState} />
        </div>
        <Loaded query={forms}>
          {(rows) => (
            <>
              <p className="table-caption" data-testid="forms-count">
                {rows.length > FORMS_SHOWN ? tx.formsShown(FORMS_SHOWN, rows.length) : tx.formsCount(rows.length)}
              </p>
              <table className="grid compact" data-testid="forms-table">
                <thead>
                  <tr>
                    <th scope="col">{tx.colSeries}</th>
                    <th scope="col">{tx.colNumber}</th>
                    <th scope="col">{tx.colFormKind}</th>
                    <th scope="col">{tx.colState}</th>
                    <th scope="col">{tx.colReceived}</th>
                    <th scope="col">{tx.colSpoiled}</th>
                    {canSpoil && <th scope="col"><span className="visually-hidden">{t.student.actions}</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {rows.length === 0 && <EmptyRow cols={canSpoil ? 7 : 6}>{tx.noForms}</EmptyRow>}
                  {rows.slice(0, FORMS_SHOWN).map((f) => (
                    <tr key={f.id} data-testid="form-row" data-form={formLabel(f)} data-state={f.state}>
                      <td className="mono">{f.series}</td>
                      <th scope="row" className="mono">{String(f.number).padStart(6, '0')}</th>
                      <td data-testid="form-kind">{t.honoursBlanks.kindName(f.kind, f.honours)}</td>
                      <td data-testid="form-state">
                        <Badge kind={f.state === 'received' ? 'muted' : f.state === 'issued' ? 'ok' : 'warn'}>{tx.states[f.state]}</Badge>
                      </td>
                      <td>{tx.receivedBy(formatDate(f.receivedOn), f.document)}</td>
                      <td>{f.spoiledOn ? tx.spoiledBy(formatDate(f.spoiledOn), f.spoiledReason ?? '') : ''}</td>
                      {canSpoil && (
                        <td className="row-actions">
                          {f.state === 'received' && (
                            <button type="button" className="link-button" aria-label={tx.spoilRow(formLabel(f))}
                              onClick={() => open({ kind: 'spoil', series: f.series, number: f.number })}>{tx.spoilSubmit}</button>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Loaded>
      </section>
    </section>
  );
}

function SelectFilter({ value, onChange }: { value: '' | BlankForm['state']; onChange: (v: '' | BlankForm['state']) => void }) {
  const id = useId();
  const tx = t.attestats;
  return (
    <div className="toolbar-field">
      <label htmlFor={id}>{tx.stateFilter}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as '' | BlankForm['state'])} data-testid="forms-state">
        <option value="">{tx.allStates}</option>
        {(['received', 'issued', 'spoiled'] as const).map((s) => <option key={s} value={s}>{tx.states[s]}</option>)}
      </select>
    </div>
  );
}

/** Finds the student by ФИО; the chosen one's id is what the backend gets (field «studentId»). */
function StudentPicker({ chosen, onChoose }: { chosen: StudentRow | null; onChoose: (s: StudentRow | null) => void }) {
  const tx = t.attestats;
  const [query, setQuery] = useState('');
  const debounced = useDebounced(query.trim(), 250);
  const found = useQuery('students.search', { query: debounced, limit: 8 }, !chosen && debounced.length >= 2);
  if (chosen) {
    return (
      <div className="field field-wide" data-testid="student-chosen">
        <span className="muted small">{tx.studentChosen}: </span>
        <strong>{tx.studentPick(chosen.fullName, formatDate(chosen.birthDate), chosen.className)}</strong>{' '}
        <button type="button" className="link-button" onClick={() => onChoose(null)}>{tx.studentChange}</button>
      </div>
    );
  }
  return (
    <div className="field-wide">
      <TextField name="studentId" label={tx.studentSearch} hint={tx.studentSearchHint} value={query} onChange={setQuery} required
        autoComplete="off" size={40} autoFocus />
      {debounced.length >= 2 && found.data && (
        found.data.rows.length === 0 ? <p className="muted small">{tx.studentNone}</p> : (
          <ul className="pick-list" aria-label={tx.student} data-testid="student-matches">
            {found.data.rows.map((s) => (
              <li key={s.id}>
                <button type="button" className="link-button" onClick={() => onChoose(s)}>
                  {tx.studentPick(s.fullName, formatDate(s.birthDate), s.className)}
                </button>
              </li>
            ))}
          </ul>
        )
      )}
    </div>
  );
}

function IssueForm({ onDone, onCancel }: { onDone: (a: Output<'attestats.issue'>) => void; onCancel: () => void }) {
  const tx = t.attestats;
  // the blank offered is the first unused one of the kind chosen — ordinary or «с отличием», a form of its own since
  // 2020 — and follows the choice until the clerk types a blank of his own (an attestat of a year before the register)
  const unused = useQuery('attestats.forms', { state: 'received' });
  const [student, setStudent] = useState<StudentRow | null>(null);
  const [kind, setKind] = useState<string>('9');
  const [withHonours, setWithHonours] = useState(false);
  const [typed, setTyped] = useState<{ series: string; number: string } | null>(null);
  const offered = unused.data?.find((f) => String(f.kind) === kind && f.honours === withHonours);
  const series = typed?.series ?? offered?.series ?? '';
  const number = typed?.number ?? (offered ? String(offered.number) : '');
  const setSeries = (v: string) => setTyped({ series: v, number });
  const setNumber = (v: string) => setTyped({ series, number: v });
  const [issueDate, setIssueDate] = useState(formatDate(todayIso()));
  const [recipient, setRecipient] = useState('');
  const { busy, failure, run } = useSubmit();
  const choose = (s: StudentRow | null) => { setStudent(s); if (s && !recipient.trim()) setRecipient(s.fullName); };
  const submit = () => run(async () => {
    const check = new FieldCheck();
    if (!student) check.add('studentId', tx.studentRequired);
    const n = typedNumber(check, 'number', number);
    const date = check.date('issueDate', issueDate);
    check.required('series', series);
    check.required('recipient', recipient);
    check.done();
    onDone(await call('attestats.issue', { studentId: student!.id, kind: Number(kind) as Kind, series: series.trim(), number: n, issueDate: date,
      recipient: recipient.trim(), withHonours: withHonours || undefined }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="issue-form" label={tx.issueTitle}>
      <h2>{tx.issueTitle}</h2>
      <div className="form-grid">
        <StudentPicker chosen={student} onChoose={choose} />
        {student && <GroupError name="studentId" />}
      </div>
      <div className="form-grid">
        <RadioField name="kind" label={tx.kind} value={kind} onChange={setKind} options={KIND_OPTIONS} required />
      </div>
      <div className="form-grid">
        <TextField name="series" label={tx.series} value={series} onChange={setSeries} required size={10} autoComplete="off"
          hint={typed ? undefined : offered ? tx.blankOffered : unused.data ? tx.noBlankOfKind(tx.kindShort[Number(kind)], withHonours) : undefined} />
        <TextField name="number" label={tx.number} value={number} onChange={setNumber} required size={10} inputMode="numeric" autoComplete="off" />
        <DateField name="issueDate" label={tx.issueDate} value={issueDate} onChange={setIssueDate} required />
        <TextField name="recipient" label={tx.recipient} hint={tx.recipientHint} value={recipient} onChange={setRecipient} required size={40} />
      </div>
      <CheckField name="withHonours" label={tx.withHonours} checked={withHonours} onChange={setWithHonours} />
      <FormActions>
        <SubmitButton busy={busy}>{tx.issueSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

function ReceiveForm({ onDone, onCancel }: { onDone: (n: number, series: string, kindName: string) => void; onCancel: () => void }) {
  const tx = t.attestats;
  const [kind, setKind] = useState('9');
  // a blank «с отличием» is a form of its own: one delivery is of one kind
  const [blankKind, setBlankKind] = useState('ordinary');
  const [series, setSeries] = useState('');
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [receivedOn, setReceivedOn] = useState(formatDate(todayIso()));
  const [document, setDocument] = useState('');
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    check.required('series', series);
    const firstNumber = typedNumber(check, 'firstNumber', first);
    const lastNumber = typedNumber(check, 'lastNumber', last);
    const date = check.date('receivedOn', receivedOn);
    check.required('document', document);
    check.done();
    const r = await call('attestats.receiveForms', { kind: Number(kind) as Kind, honours: blankKind === 'honours', series: series.trim(), firstNumber, lastNumber,
      receivedOn: date, document: document.trim() });
    onDone(r.forms, series.trim().toLocaleUpperCase('ru-RU'), r.kindName);
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="receive-form" label={tx.receiveTitle}>
      <h2>{tx.receiveTitle}</h2>
      <div className="form-grid">
        <RadioField name="kind" label={tx.kind} value={kind} onChange={setKind} options={KIND_OPTIONS} required />
        <RadioField name="honours" label={t.honoursBlanks.blankKind} value={blankKind} onChange={setBlankKind} options={BLANK_KIND_OPTIONS} required />
      </div>
      <div className="form-grid">
        <TextField name="series" label={tx.series} value={series} onChange={setSeries} required size={10} autoComplete="off" autoFocus />
        <TextField name="firstNumber" label={tx.firstNumber} value={first} onChange={setFirst} required size={10} inputMode="numeric" autoComplete="off" />
        <TextField name="lastNumber" label={tx.lastNumber} value={last} onChange={setLast} required size={10} inputMode="numeric" autoComplete="off" />
        <DateField name="receivedOn" label={tx.receivedOn} value={receivedOn} onChange={setReceivedOn} required />
        <TextField name="document" label={tx.document} value={document} onChange={setDocument} required size={40} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.receiveSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

function SpoilForm({ initial, onDone, onCancel }: { initial: { series?: string; number?: number }; onDone: (f: BlankForm) => void; onCancel: () => void }) {
  const tx = t.attestats;
  const [series, setSeries] = useState(initial.series ?? '');
  const [number, setNumber] = useState(initial.number ? String(initial.number) : '');
  const [date, setDate] = useState(formatDate(todayIso()));
  const [reason, setReason] = useState('');
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    check.required('series', series);
    const n = typedNumber(check, 'number', number);
    const iso = check.date('date', date);
    check.required('reason', reason);
    check.done();
    onDone(await call('attestats.spoilForm', { series: series.trim(), number: n, date: iso, reason: reason.trim() }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="spoil-form" label={tx.spoilTitle}>
      <h2>{tx.spoilTitle}</h2>
      <div className="form-grid">
        <TextField name="series" label={tx.series} value={series} onChange={setSeries} required size={10} autoComplete="off" />
        <TextField name="number" label={tx.number} value={number} onChange={setNumber} required size={10} inputMode="numeric" autoComplete="off" />
        <DateField name="date" label={tx.spoilDate} value={date} onChange={setDate} required />
        <TextField name="reason" label={tx.reason} value={reason} onChange={setReason} required size={40} autoFocus={initial.number !== undefined} />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.spoilSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}
