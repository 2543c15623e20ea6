// «Печать аттестатов на бланках» (issue 17): the June flow after the finals — the class's graduates whose finals are in
// the ledger, printing them on blanks (one PDF, each graduate's title and appendix, calibrated for the chosen printer),
// a preview drawn on the blank's layout, a spoiled blank reprinted with its reason, and the issue of the printed
// attestat into the книга учёта. The printer's calibration and its test page are here too.
import { useId, useState } from 'react';
import type { BlankPageT, Output } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { useCan } from '../../app/user';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { t } from '../../strings';
import { Badge, ErrorBox, Notice } from '../../ui/common';
import { saveFile } from '../../ui/files';
import { DateField, FieldCheck, Form, FormActions, SubmitButton, TextField, useSubmit } from '../../ui/form';
import { useJob } from '../../ui/useJob';
import { useQuery } from '../../ui/useQuery';

type Graduate = Output<'attestats.classBlanks'>['students'][number];
type Panel = { kind: 'preview' | 'reprint' | 'issue'; student: Graduate } | null;

export function BlanksStep({ yearId }: { yearId: number }) {
  const tx = t.attestatBlanks;
  const select = useId();
  const printerSelect = useId();
  const classes = useQuery('classes.list', { yearId });
  const graduating = (classes.data ?? []).filter((c) => c.parallel === 9 || c.parallel === 11);
  const [classId, setClassId] = useState<number | null>(null);
  const blanks = useQuery('attestats.classBlanks', { classId: classId ?? 0 }, classId != null);
  const calibrations = useQuery('attestats.calibrations', {});
  const [issueDate, setIssueDate] = useState(formatDate(todayIso()));
  const [printer, setPrinter] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const canPrint = useCan('attestats.printClass');
  const canIssue = useCan('attestats.issue');

  // the batch is a job: a graduate at a time, cancelled with nothing taken; the PDF is saved when it is done
  const batch = useJob('attestats.printClass', () => blanks.reload());
  const printing = batch.running;
  const printClass = async () => {
    if (classId == null) return;
    setBusy(true); setFailure(null); setDone(null);
    try {
      const check = new FieldCheck();
      const date = check.date('issueDate', issueDate);
      check.done();
      const r = await batch.run({ classId, issueDate: date, printer: printer || undefined });
      if (r) {
        saveFile(r.fileName, r.dataBase64);
        setDone(tx.printed(r.printed.length, r.taken, r.fileName));
      }
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
    }
  };
  const finished = (message: string) => { setPanel(null); setDone(message); blanks.reload(); };

  return (
    <section className="card-section" aria-labelledby="attestat-blanks-h" data-testid="attestat-blanks">
      <h2 id="attestat-blanks-h">{tx.title}</h2>
      <p className="lead">{tx.lead}</p>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor={select}>{tx.cls}</label>
          <select id={select} value={classId ?? ''} data-testid="blanks-class"
            onChange={(e) => { setClassId(e.target.value ? Number(e.target.value) : null); setPanel(null); setFailure(null); setDone(null); }}>
            <option value="">{tx.chooseClass}</option>
            {graduating.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor={printerSelect}>{tx.printer}</label>
          <select id={printerSelect} value={printer} onChange={(e) => setPrinter(e.target.value)} data-testid="blanks-printer">
            <option value="">{tx.noPrinter}</option>
            {(calibrations.data ?? []).map((c) => <option key={c.printer} value={c.printer}>{c.printer}</option>)}
          </select>
        </div>
        <Form failure={failure} busy={busy} onSubmit={() => void printClass()} className="inline-form" testId="blanks-print-form" label={tx.printClass}>
          <DateField name="issueDate" label={tx.issueDate} value={issueDate} onChange={setIssueDate} required />
          {canPrint && (
            <button type="submit" className="primary" disabled={classId == null || busy} data-testid="blanks-print">
              {busy ? tx.printing : tx.printClass}
            </button>
          )}
          {printing && (
            <button type="button" onClick={() => batch.cancel()} disabled={batch.cancelling} data-testid="blanks-print-cancel">
              {batch.cancelling ? tx.cancellingPrint : tx.cancelPrint}
            </button>
          )}
        </Form>
      </div>
      {batch.job && printing && (
        <div className="job-progress" data-testid="blanks-print-progress">
          <progress value={batch.job.done} max={batch.job.total || 1} aria-label={tx.printing}
            aria-valuetext={batch.job.total ? tx.printProgress(batch.job.done, batch.job.total) : undefined} />
          <span className="small muted" aria-live="polite">
            {batch.job.total ? tx.printProgress(batch.job.done, batch.job.total) : t.common.loading}{batch.job.message ? ` · ${batch.job.message}` : ''}
          </span>
        </div>
      )}
      {batch.job?.state === 'cancelled' && <Notice kind="warn" testId="blanks-print-cancelled">{tx.printCancelled}</Notice>}
      {done && <Notice kind="ok" testId="blanks-done">{done}</Notice>}
      {failure && <ErrorBox failure={failure} />}
      {classId != null && blanks.error && <ErrorBox failure={blanks.error} />}
      {classId != null && blanks.data && (
        <>
          <table className="grid compact" data-testid="blanks-table">
            <thead>
              <tr>
                <th scope="col">{tx.colStudent}</th>
                <th scope="col">{tx.colHonours}</th>
                <th scope="col">{tx.colBlank}</th>
                <th scope="col" className="num">{tx.colReg}</th>
                <th scope="col">{tx.colDate}</th>
                <th scope="col">{tx.colState}</th>
                <th scope="col"><span className="visually-hidden">{t.student.actions}</span></th>
              </tr>
            </thead>
            <tbody>
              {blanks.data.students.length === 0 && <tr><td colSpan={7}>{tx.none}</td></tr>}
              {blanks.data.students.map((s) => (
                <tr key={s.studentId} data-testid="blanks-row" data-student={s.fullName} data-state={s.blank?.state ?? 'none'}>
                  <th scope="row">{s.fullName}</th>
                  <td>{s.withHonours ? tx.yes : ''}</td>
                  <td data-testid="blanks-number-cell">
                    <span className="mono" data-testid="blanks-number">{s.blank ? tx.blank(s.blank.series, s.blank.number) : tx.noBlank}</span>
                    {s.blank?.honours && <> <span className="small muted">{t.honoursBlanks.blankHonours}</span></>}
                    {/* the decision on «с отличием» changed after printing: this blank is of the other kind */}
                    {s.blank && s.blank.state === 'received' && s.blank.honours !== s.withHonours && (
                      <div data-testid="blanks-wrong-kind"><Badge kind="warn">{t.honoursBlanks.wrongKind(s.blank.honours)}</Badge></div>
                    )}
                  </td>
                  <td className="num">{s.blank?.regNumber ?? ''}</td>
                  <td>{s.blank ? formatDate(s.blank.issueDate) : ''}</td>
                  <td>{s.blank && <Badge kind={s.blank.state === 'issued' ? 'ok' : 'muted'}>{tx.states[s.blank.state]}</Badge>}</td>
                  <td className="row-actions">
                    <button type="button" className="link-button" onClick={() => setPanel(panel?.kind === 'preview' && panel.student.studentId === s.studentId
                      ? null : { kind: 'preview', student: s })}>{panel?.kind === 'preview' && panel.student.studentId === s.studentId ? tx.hidePreview : tx.preview}</button>
                    {canPrint && s.blank?.state === 'received' && (
                      <> · <button type="button" className="link-button" onClick={() => setPanel({ kind: 'reprint', student: s })}>{tx.reprint}</button></>
                    )}
                    {canIssue && s.blank?.state === 'received' && (
                      <> · <button type="button" className="link-button" onClick={() => setPanel({ kind: 'issue', student: s })}>{tx.issue}</button></>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {blanks.data.notReady.length > 0 && (
            <>
              <h3>{tx.notReady}</h3>
              <ul data-testid="blanks-not-ready">{blanks.data.notReady.map((x) => <li key={x.studentId}>{x.fullName}: {x.reason}</li>)}</ul>
            </>
          )}
          {panel?.kind === 'preview' && <BlankPreview classId={classId} student={panel.student} />}
          {panel?.kind === 'reprint' && (
            <ReprintForm classId={classId} student={panel.student} printer={printer} onCancel={() => setPanel(null)}
              onDone={(r) => { saveFile(r.fileName, r.dataBase64); finished(tx.reprinted(tx.blank(r.spoiled.series, r.spoiled.number),
                tx.blank(r.printed.series, r.printed.number), r.spoiled.reason)); }} />
          )}
          {panel?.kind === 'issue' && (
            <IssueForm grade={blanks.data.grade as 9 | 11} student={panel.student} onCancel={() => setPanel(null)}
              onDone={(a) => finished(tx.issuedDone(a.fullName, a.regNumber, tx.blank(a.series, a.number)))} />
          )}
        </>
      )}
      <Calibration onSaved={() => calibrations.reload()} />
    </section>
  );
}

/** The blank as a drawing in millimetres: the sheet, each field's box from the layout, the text where it will lie. */
function BlankPreview({ classId, student }: { classId: number; student: Graduate }) {
  const tx = t.attestatBlanks;
  const q = useQuery('attestats.blankPreview', { classId, studentId: student.studentId });
  return (
    <div className="panel" data-testid="blank-preview">
      <h3>{tx.previewOf(student.fullName)}</h3>
      <p className="muted small">{tx.previewNote}</p>
      {q.error && <ErrorBox failure={q.error} />}
      {q.data?.pages.map((p) => <BlankDrawing key={p.layoutId} page={p} />)}
    </div>
  );
}

const PT_MM = 25.4 / 72;

function BlankDrawing({ page }: { page: BlankPageT }) {
  return (
    <figure>
      <figcaption className="small">{page.title}</figcaption>
      <svg viewBox={`0 0 ${page.width} ${page.height}`} width="100%" style={{ maxWidth: '60rem', background: '#fbf8ef', border: '1px solid #999' }}
        role="img" aria-label={page.title} data-testid="blank-drawing" data-layout={page.layoutId}>
        <line x1={page.width / 2} y1={0} x2={page.width / 2} y2={page.height} stroke="#ccc" strokeWidth={0.3} strokeDasharray="2 2" />
        {page.outline.map((o) => (
          <rect key={o.field} x={o.x} y={o.y} width={o.width} height={o.height} fill="none" stroke="#7a9cc6" strokeWidth={0.2} strokeDasharray="1 0.6">
            <title>{o.label}</title>
          </rect>
        ))}
        {page.items.map((i, n) => (
          <text key={`${i.field}-${n}`} x={i.align === 'center' ? i.x + i.width / 2 : i.x} y={i.y + i.fontSize * PT_MM * 0.93}
            fontSize={i.fontSize * PT_MM} textAnchor={i.align === 'center' ? 'middle' : 'start'} fontFamily="Roboto, Arial, sans-serif" data-field={i.field}>
            {i.text}
          </text>
        ))}
      </svg>
    </figure>
  );
}

function ReprintForm({ classId, student, printer, onDone, onCancel }: { classId: number; student: Graduate; printer: string;
  onDone: (r: Output<'attestats.reprint'>) => void; onCancel: () => void }) {
  const tx = t.attestatBlanks;
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(formatDate(todayIso()));
  const { busy, failure, run } = useSubmit();
  const submit = () => run(async () => {
    const check = new FieldCheck();
    const iso = check.date('date', date);
    check.done();
    onDone(await call('attestats.reprint', { classId, studentId: student.studentId, reason, date: iso, printer: printer || undefined }));
  });
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="reprint-form" label={tx.reprintTitle(student.fullName)}>
      <h3>{tx.reprintTitle(student.fullName)}</h3>
      <div className="form-grid">
        <TextField name="reason" label={tx.reprintReason} value={reason} onChange={setReason} required size={50} autoFocus />
        <DateField name="date" label={tx.reprintDate} value={date} onChange={setDate} required />
      </div>
      <FormActions>
        <SubmitButton busy={busy}>{tx.reprintSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

function IssueForm({ grade, student, onDone, onCancel }: { grade: 9 | 11; student: Graduate; onDone: (a: Output<'attestats.issue'>) => void;
  onCancel: () => void }) {
  const tx = t.attestatBlanks;
  const [recipient, setRecipient] = useState(student.fullName);
  const { busy, failure, run } = useSubmit();
  // the blank, its date and «с отличием» are the printed ones: the backend takes them from the print
  const submit = () => run(async () => onDone(await call('attestats.issue', { studentId: student.studentId, kind: grade, recipient })));
  return (
    <Form failure={failure} busy={busy} onSubmit={submit} onCancel={onCancel} className="panel" testId="blank-issue-form" label={tx.issueTitle(student.fullName)}>
      <h3>{tx.issueTitle(student.fullName)}</h3>
      <TextField name="recipient" label={tx.recipient} value={recipient} onChange={setRecipient} required size={50} />
      <FormActions>
        <SubmitButton busy={busy}>{tx.issueSubmit}</SubmitButton>
        <button type="button" onClick={onCancel}>{t.common.cancel}</button>
      </FormActions>
    </Form>
  );
}

function Calibration({ onSaved }: { onSaved: () => void }) {
  const tx = t.attestatBlanks;
  const [printer, setPrinter] = useState('');
  const [dx, setDx] = useState('0');
  const [dy, setDy] = useState('0');
  const [scale, setScale] = useState('1');
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, failure, run } = useSubmit();
  const numberOf = (check: FieldCheck, name: string, typed: string) => {
    const v = Number(typed.trim().replace(',', '.'));
    if (!typed.trim() || !Number.isFinite(v)) check.add(name, tx.numberBad);
    return v;
  };
  const save = () => run(async () => {
    setSaved(null);
    const check = new FieldCheck();
    check.required('printer', printer);
    const a = { dxMm: numberOf(check, 'dxMm', dx), dyMm: numberOf(check, 'dyMm', dy), scale: numberOf(check, 'scale', scale) };
    check.done();
    const c = await call('attestats.setCalibration', { printer, ...a });
    setSaved(tx.calibrationSaved(c.printer));
    onSaved();
  });
  const page = () => run(async () => {
    const r = await call('attestats.calibrationPage', { printer: printer.trim() || undefined });
    saveFile(r.fileName, r.dataBase64);
  });
  return (
    <details className="panel" data-testid="calibration">
      <summary>{tx.calibration}</summary>
      <p className="muted small">{tx.calibrationLead}</p>
      {saved && <Notice kind="ok" testId="calibration-saved">{saved}</Notice>}
      <Form failure={failure} busy={busy} onSubmit={save} testId="calibration-form" label={tx.calibration}>
        <div className="form-grid">
          <TextField name="printer" label={tx.printerName} value={printer} onChange={setPrinter} required size={30} />
          <TextField name="dxMm" label={tx.dx} value={dx} onChange={setDx} size={6} inputMode="decimal" />
          <TextField name="dyMm" label={tx.dy} value={dy} onChange={setDy} size={6} inputMode="decimal" />
          <TextField name="scale" label={tx.scale} value={scale} onChange={setScale} size={6} inputMode="decimal" />
        </div>
        <FormActions>
          <SubmitButton busy={busy}>{tx.saveCalibration}</SubmitButton>
          <button type="button" onClick={() => void page()} disabled={busy}>{tx.calibrationPage}</button>
        </FormActions>
      </Form>
    </details>
  );
}
