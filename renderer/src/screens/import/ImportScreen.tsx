// Импорт из журнала: a journal workbook (students or marks) previewed against the register — its header row, what each
// column of each sheet means (the clerk fixes it here), what would be added, changed, left alone and every rejected
// cell — then written. Preview and commit run as jobs: a large journal shows its progress and can be cancelled.
import { useState } from 'react';
import {
  ATTENDANCE_PARTS, IMPORT_PERIODS, importAttendanceField, importMarkField,
  type AttendancePart, type ImportPeriod, type ImportPreview, type ImportResult, type Input, type Subject,
} from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { sortedYears, useYears } from '../../app/years';
import { Link } from '../../router';
import { t } from '../../strings';
import { FilePicker } from '../../ui/FilePicker';
import { Badge, ErrorBox, Notice, PageHeader } from '../../ui/common';
import { useJob } from '../../ui/useJob';
import { useQuery } from '../../ui/useQuery';
import { readBase64 } from '../../ui/files';
import { ImportChanges } from './ImportChanges';
import { EnrolAddedFields, enrolmentOf, type EnrolDraft } from './EnrolAdded';

type Kind = 'students' | 'marks';
type Args = Input<'import.preview'>;
/** Per sheet: column letter → the field chosen for it ('' = not loaded). */
type Choices = Record<string, Record<string, string>>;

const tx = t.importJournal;


/** Column letter → field, per sheet, as the preview maps them. */
const choicesOf = (p: ImportPreview): Choices =>
  Object.fromEntries(p.sheets.map((s) => [s.sheet, Object.fromEntries(Object.entries(s.mapping).map(([f, col]) => [col, f]))]));

const MARK = /^mark:(.*)\|(.*)$/;
const ATT = /^att:(\w*)\|(\w*)$/;
/** A chosen field is usable once a mark has its subject and period, attendance its part and period. */
const complete = (f: string) => {
  const m = MARK.exec(f);
  if (m) return !!m[1] && !!m[2];
  const a = ATT.exec(f);
  return a ? !!a[1] && !!a[2] : !!f;
};

/** Whether the clerk changed a column or a subject since the preview was made (then the preview is not what a commit writes). */
function changedSince(p: ImportPreview, choices: Choices, subjects: Record<string, string>, args: Args | null): boolean {
  const shown = choicesOf(p);
  for (const s of p.sheets) {
    const a = shown[s.sheet] ?? {}, b = choices[s.sheet] ?? {};
    for (const col of new Set([...Object.keys(a), ...Object.keys(b)])) if ((a[col] ?? '') !== (b[col] ?? '')) return true;
  }
  const sent = args?.subjectMapping ?? {};
  return Object.entries(subjects).some(([k, v]) => (v || '') !== (sent[k] != null ? String(sent[k]) : ''));
}

/** What a column is: a student field, a field found in the file, or a mark / attendance column the clerk composes. */
function ColumnField({ col, header, value, fields, subjects, onChange }: {
  col: string; header: string; value: string; fields: ImportPreview['fields']; subjects: Subject[]; onChange: (v: string) => void;
}) {
  const known = new Set(fields.map((f) => f.field));
  const mark = MARK.exec(value);
  const att = ATT.exec(value);
  const mode = !value || known.has(value) ? value : mark ? '@mark' : att ? '@att' : value;
  const student = fields.filter((f) => !f.field.includes(':'));
  const found = fields.filter((f) => f.field.includes(':'));
  return (
    <>
      <select aria-label={tx.fieldOf(col, header)} value={mode}
        onChange={(e) => onChange(e.target.value === '@mark' ? importMarkField('', '') : e.target.value === '@att' ? importAttendanceField('missed', '') : e.target.value)}>
        <option value="">{tx.skipColumn}</option>
        <optgroup label={tx.studentGroup}>{student.map((f) => <option key={f.field} value={f.field}>{f.label}</option>)}</optgroup>
        {found.length > 0 && <optgroup label={tx.fileGroup}>{found.map((f) => <option key={f.field} value={f.field}>{f.label}</option>)}</optgroup>}
        <option value="@mark">{tx.markOption}</option>
        <option value="@att">{tx.attendanceOption}</option>
      </select>
      {mode === '@mark' && mark && (
        <>
          {' '}
          <select aria-label={tx.subjectOfColumn(col)} value={mark[1]} onChange={(e) => onChange(importMarkField(e.target.value, mark[2] as ImportPeriod))}>
            <option value="">{tx.choose}</option>
            {subjects.map((s) => <option key={s.id} value={s.name}>{s.name}</option>)}
          </select>
          {' '}
          <select aria-label={tx.periodOfColumn(col)} value={mark[2]} onChange={(e) => onChange(importMarkField(mark[1], e.target.value as ImportPeriod))}>
            <option value="">{tx.choose}</option>
            {IMPORT_PERIODS.map((p) => <option key={p} value={p}>{tx.periods[p]}</option>)}
          </select>
        </>
      )}
      {mode === '@att' && att && (
        <>
          {' '}
          <select aria-label={tx.partOfColumn(col)} value={att[1]} onChange={(e) => onChange(importAttendanceField(e.target.value as AttendancePart, att[2] as ImportPeriod))}>
            {ATTENDANCE_PARTS.map((p) => <option key={p} value={p}>{tx.attendanceParts[p]}</option>)}
          </select>
          {' '}
          <select aria-label={tx.periodOfColumn(col)} value={att[2]} onChange={(e) => onChange(importAttendanceField(att[1] as AttendancePart, e.target.value as ImportPeriod))}>
            <option value="">{tx.choose}</option>
            {IMPORT_PERIODS.filter((p) => /^[qht]/.test(p)).map((p) => <option key={p} value={p}>{tx.periods[p]}</option>)}
          </select>
        </>
      )}
    </>
  );
}

export function ImportScreen() {
  const { years, yearId, setYearId } = useYears();
  const subjects = useQuery('subjects.list', {});
  const [kind, setKind] = useState<Kind>('marks');
  const [file, setFile] = useState<{ name: string; data: string } | null>(null);
  const [args, setArgs] = useState<Args | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [choices, setChoices] = useState<Choices>({});
  const [subjectChoice, setSubjectChoice] = useState<Record<string, string>>({});
  const [allowRejected, setAllowRejected] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  // the preview job whose changes are listed, and the changes the clerk left out of the commit
  const [previewJobId, setPreviewJobId] = useState<string | null>(null);
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  // students only: the pupils the workbook adds enrolled by one order (first graders)
  const [enrolDraft, setEnrolDraft] = useState<EnrolDraft>({ on: false, classId: '', number: '', orderDate: '', date: '' });
  const previewJob = useJob('import.previewStart');
  const commitJob = useJob('import.commitStart');
  // one job at a time: reading the file (the preview) or writing it (the commit)
  const active = commitJob.running ? commitJob : previewJob.running ? previewJob : null;
  const running = active?.job ? { ...active.job, what: active === commitJob ? 'commit' as const : 'preview' as const, cancelling: active.cancelling } : null;
  const [cancelled, setCancelled] = useState(false);
  const yearName = years.find((y) => y.id === yearId)?.name;
  const busy = running !== null;

  function cancel() {
    active?.cancel();
  }

  async function run(next: Args) {
    setFailure(null);
    setResult(null);
    setCancelled(false);
    try {
      const p = await previewJob.run(async () => {
        const started = await call('import.previewStart', next);
        setPreviewJobId(started.jobId);
        return started;
      });
      if (!p) return setCancelled(true);
      setExcluded(new Set());
      setArgs(next);
      setPreview(p);
      setChoices(choicesOf(p));
      setSubjectChoice(Object.fromEntries(Object.entries(next.subjectMapping ?? {}).map(([k, v]) => [k, String(v)])));
      setAllowRejected(false);
    } catch (e) {
      setFailure(asFailure(e));
    }
  }

  function base(k: Kind, f: { name: string; data: string }): Args {
    return { kind: k, fileName: f.name, dataBase64: f.data, ...(k === 'marks' && yearName ? { year: yearName } : {}) };
  }

  async function choose(list: FileList | null) {
    const picked = list?.[0];
    if (!picked) return;
    const f = { name: picked.name, data: await readBase64(picked) };
    setFile(f);
    setPreview(null);
    await run(base(kind, f));
  }

  /** The clerk's column choices, sheet by sheet: each field to its chosen column, a field no column has any more to null. */
  function applyMapping() {
    if (!file || !preview) return;
    const sheetMappings: Record<string, Record<string, string | null>> = {};
    for (const s of preview.sheets) {
      const m: Record<string, string | null> = {};
      for (const f of Object.keys(s.mapping)) m[f] = null;
      for (const [col, f] of Object.entries(choices[s.sheet] ?? {})) if (f && complete(f)) m[f] = col;
      sheetMappings[s.sheet] = m;
    }
    const subjectMapping = Object.fromEntries(Object.entries(subjectChoice).filter(([, v]) => v).map(([k, v]) => [k, Number(v)]));
    void run({ ...base(kind, file), sheetMappings, ...(Object.keys(subjectMapping).length ? { subjectMapping } : {}) });
  }

  async function commit() {
    if (!args || !preview) return;
    setFailure(null);
    setCancelled(false);
    try {
      const enrolment = args.kind === 'students' ? enrolmentOf(enrolDraft) : undefined;
      const r = await commitJob.run({ ...args, token: preview.token, allowRejected, ...(excluded.size ? { exclude: [...excluded] } : {}), ...(enrolment ? { enrolment } : {}) });
      if (!r) return setCancelled(true);
      setResult(r);
      setPreview(null);
    } catch (e) {
      setFailure(asFailure(e));
    }
  }

  const rejected = preview?.rejected ?? [];
  // one field from two columns of a sheet cannot be said in a mapping (field → column): the clerk picks one
  const label = (f: string) => preview?.fields.find((x) => x.field === f)?.label ?? f;
  const doubled = Object.entries(choices).flatMap(([sheet, cols]) => {
    const byField = new Map<string, string[]>();
    for (const [col, f] of Object.entries(cols)) if (f && complete(f)) byField.set(f, [...(byField.get(f) ?? []), col]);
    return [...byField].filter(([, cs]) => cs.length > 1).map(([f, cs]) => tx.doubled(sheet, label(f), cs.sort((x, y) => x.length - y.length || x.localeCompare(y))));
  });
  const dirty = !!preview && changedSince(preview, choices, subjectChoice, args);
  const canCommit = !!preview && !busy && !dirty && (rejected.length === 0 || allowRejected);

  return (
    <section data-testid="import-screen">
      <PageHeader title={tx.title} />
      <p className="muted">{tx.lead}</p>
      <div className="toolbar">
        <fieldset className="toolbar-field" disabled={busy}>
          <legend>{tx.kind}</legend>
          {(['students', 'marks'] as const).map((k) => (
            <label key={k}>
              <input type="radio" name="import-kind" value={k} checked={kind === k}
                onChange={() => { setKind(k); setPreview(null); setResult(null); if (file) void run(base(k, file)); }} />
              {' '}{tx.kinds[k]}
            </label>
          ))}
        </fieldset>
        {kind === 'marks' && (
          <div className="toolbar-field">
            <label htmlFor="import-year">{tx.year}</label>
            <select id="import-year" value={yearId ?? ''} onChange={(e) => setYearId(Number(e.target.value))} disabled={busy}>
              {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
            </select>
          </div>
        )}
        <div className="toolbar-field">
          <label htmlFor="import-file">{tx.file}</label>
          <FilePicker id="import-file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" fileName={file?.name ?? null}
            onChange={(e) => { void choose(e.target.files); e.target.value = ''; }} disabled={busy} />
        </div>
      </div>
      {running && (
        <div className="import-progress" role="status" data-testid="import-progress">
          <span>{running.what === 'commit' ? tx.writing : tx.reading}</span>{' '}
          <progress max={running.total || undefined} value={running.total ? running.done : undefined} />{' '}
          {running.total > 0 && <span>{tx.progressOf(running.done, running.total)}</span>}{' '}
          {running.message && <span className="muted">{running.message}</span>}{' '}
          <button type="button" onClick={cancel} disabled={running.cancelling}>{running.cancelling ? tx.cancelling : tx.cancel}</button>
        </div>
      )}
      {cancelled && <Notice kind="warn" testId="import-cancelled">{tx.cancelled}</Notice>}
      {failure && <ErrorBox failure={failure} />}
      {result && (
        <Notice kind="ok" testId="import-result">
          {result.written ? tx.done(result) : tx.nothingNew(result.unchanged)}
          {result.attendance && tx.attendanceDone(result.attendance)}
          {!!result.excluded && tx.excludedDone(result.excluded)}
          {result.enrolled != null && ` ${t.firstGraders.importEnrolled(result.enrolled)}`}
          {kind === 'marks' && <> <Link to="/grades">{tx.toGrades}</Link></>}
        </Notice>
      )}
      {preview && (
        <div className="import-preview" data-testid="import-preview">
          <h2>{tx.previewOf(preview.fileName)}{preview.year ? ` · ${preview.year}` : ''}</h2>
          {preview.savedMapping && <Notice testId="import-saved">{tx.savedMapping}</Notice>}
          <ul className="facts-inline" data-testid="import-counts">
            <li>{tx.counts.added}: <strong>{preview.counts.added}</strong></li>
            <li>{tx.counts.changed}: <strong>{preview.counts.changed}</strong></li>
            <li>{tx.counts.unchanged}: <strong>{preview.counts.unchanged}</strong></li>
            <li>{tx.counts.rejected}: <strong>{rejected.length}</strong></li>
          </ul>
          {preview.attendance && (
            <ul className="facts-inline" data-testid="import-attendance" aria-label={tx.attendanceCounts}>
              <li>{tx.attendanceCounts}:</li>
              <li>{tx.counts.added}: <strong>{preview.attendance.added}</strong></li>
              <li>{tx.counts.changed}: <strong>{preview.attendance.changed}</strong></li>
              <li>{tx.counts.unchanged}: <strong>{preview.attendance.unchanged}</strong></li>
            </ul>
          )}
          {preview.skippedSheets.map((s) => <Notice key={s.sheet} kind="warn">{tx.skipped(s.sheet, s.reason)}</Notice>)}
          {preview.sheets.map((s) => (
            <div key={s.sheet} className="import-sheet" data-sheet={s.sheet}>
              <h3>{tx.sheet(s.sheet, s.headerRow)}</h3>
              <table className="grid" data-testid="import-columns" aria-label={tx.columnsOf(s.sheet)}>
                <thead><tr><th>{tx.colLetter}</th><th>{tx.colHeader}</th><th>{tx.colField}</th></tr></thead>
                <tbody>
                  {Object.entries(s.headers).map(([col, header]) => {
                    const chosen = choices[s.sheet]?.[col] ?? '';
                    const unmapped = s.unmapped.some((u) => u.col === col) && !chosen;
                    return (
                      <tr key={col} data-column={col} className={unmapped ? 'row-warn' : undefined}>
                        <td>{col}</td>
                        <td>{header}{unmapped && <> <Badge kind="warn">{tx.unmapped}</Badge></>}</td>
                        <td>
                          <ColumnField col={col} header={header} value={chosen} fields={preview.fields} subjects={subjects.data ?? []}
                            onChange={(v) => setChoices({ ...choices, [s.sheet]: { ...choices[s.sheet], [col]: v } })} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ))}
          {preview.unknownSubjects.length > 0 && (
            <div data-testid="import-subjects">
              <h3>{tx.unknownSubjects}</h3>
              {preview.unknownSubjects.map((name) => (
                <div key={name} className="toolbar-field">
                  <label htmlFor={`subject-${name}`}>{tx.subjectOf(name)}</label>
                  <select id={`subject-${name}`} value={subjectChoice[name] ?? ''}
                    onChange={(e) => setSubjectChoice({ ...subjectChoice, [name]: e.target.value })}>
                    <option value="">{tx.chooseSubject}</option>
                    {(subjects.data ?? []).map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
                  </select>
                </div>
              ))}
            </div>
          )}
          {doubled.map((d) => <Notice key={d} kind="error" testId="import-doubled">{d}</Notice>)}
          <div className="form-actions">
            <button type="button" onClick={applyMapping} disabled={busy || doubled.length > 0}>{tx.applyMapping}</button>
          </div>
          {rejected.length > 0 && (
            <>
              <h3>{tx.rejectedTitle(rejected.length)}</h3>
              <table className="grid" data-testid="import-rejected">
                <thead><tr><th>{tx.colSheet}</th><th>{tx.colRow}</th><th>{tx.colLetter}</th><th>{tx.colReason}</th></tr></thead>
                <tbody>
                  {rejected.map((r, i) => (
                    <tr key={i}><td>{r.sheet}</td><td>{r.row}</td><td>{r.column ?? '—'}</td><td>{r.reason}</td></tr>
                  ))}
                </tbody>
              </table>
              <label className="field-check">
                <input type="checkbox" checked={allowRejected} onChange={(e) => setAllowRejected(e.target.checked)} />
                {' '}{tx.allowRejected}
              </label>
            </>
          )}
          {(preview.notes ?? []).length > 0 && (
            <div data-testid="import-notes">
              <h3>{tx.notesTitle}</h3>
              <ul>{preview.notes!.map((n, i) => <li key={i}>{tx.noteAt(n.sheet, n.row)}: {n.message}</li>)}</ul>
            </div>
          )}
          {previewJobId && !dirty && (preview.changeCount ?? 0) > 0 && (
            <ImportChanges jobId={previewJobId} excluded={excluded} onExclude={setExcluded} kind={preview.kind} />
          )}
          {preview.kind === 'students' && preview.counts.added > 0 && <EnrolAddedFields draft={enrolDraft} onChange={setEnrolDraft} />}
          {dirty && <Notice kind="warn" testId="import-dirty">{tx.applyFirst}</Notice>}
          <div className="form-actions">
            <button type="button" className="primary" onClick={() => void commit()} disabled={!canCommit}>{tx.commit}</button>
          </div>
        </div>
      )}
    </section>
  );
}
