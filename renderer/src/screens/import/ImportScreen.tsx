// Импорт из журнала: a journal workbook (students or marks) previewed against the register — its header row, what each
// column means (the clerk fixes it here), what would be added, changed, left alone and every rejected cell — then written.
import { useState } from 'react';
import type { ImportPreview, ImportResult, Input } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { sortedYears, useYears } from '../../app/years';
import { Link } from '../../router';
import { t } from '../../strings';
import { Badge, ErrorBox, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';

type Kind = 'students' | 'marks';
type Args = Input<'import.preview'>;

/** The file's bytes as base64, without the data: URL prefix. */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/** Column letter → field, as the preview's sheets map them. */
const fieldsByColumn = (p: ImportPreview) => {
  const out: Record<string, string> = {};
  for (const s of p.sheets) for (const [f, col] of Object.entries(s.mapping)) out[col] ??= f;
  return out;
};

export function ImportScreen() {
  const tx = t.importJournal;
  const { years, yearId, setYearId } = useYears();
  const subjects = useQuery('subjects.list', {});
  const [kind, setKind] = useState<Kind>('marks');
  const [file, setFile] = useState<{ name: string; data: string } | null>(null);
  const [args, setArgs] = useState<Args | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [columns, setColumns] = useState<Record<string, string>>({});
  const [subjectChoice, setSubjectChoice] = useState<Record<string, string>>({});
  const [allowRejected, setAllowRejected] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const yearName = years.find((y) => y.id === yearId)?.name;

  async function run(next: Args) {
    setBusy(true);
    setFailure(null);
    setResult(null);
    try {
      const p = await call('import.preview', next);
      setArgs(next);
      setPreview(p);
      setColumns(fieldsByColumn(p));
      setSubjectChoice(Object.fromEntries(Object.entries(next.subjectMapping ?? {}).map(([k, v]) => [k, String(v)])));
      setAllowRejected(false);
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
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
    await run(base(kind, f));
  }

  /** The clerk's column choices as the mapping: each field to the column chosen for it, or null when none is. */
  function applyMapping() {
    if (!file || !preview) return;
    const mapping: Record<string, string | null> = {};
    for (const s of preview.sheets) for (const f of Object.keys(s.mapping)) mapping[f] = null;
    for (const [col, f] of Object.entries(columns)) if (f) mapping[f] = col;
    const subjectMapping = Object.fromEntries(Object.entries(subjectChoice).filter(([, v]) => v).map(([k, v]) => [k, Number(v)]));
    void run({ ...base(kind, file), mapping, ...(Object.keys(subjectMapping).length ? { subjectMapping } : {}) });
  }

  async function commit() {
    if (!args || !preview) return;
    setBusy(true);
    setFailure(null);
    try {
      setResult(await call('import.commit', { ...args, token: preview.token, allowRejected }));
      setPreview(null);
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
    }
  }

  const rejected = preview?.rejected ?? [];
  const canCommit = !!preview && !busy && (rejected.length === 0 || allowRejected);

  return (
    <section data-testid="import-screen">
      <PageHeader title={tx.title} />
      <p className="muted">{tx.lead}</p>
      <div className="toolbar">
        <fieldset className="toolbar-field">
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
            <select id="import-year" value={yearId ?? ''} onChange={(e) => setYearId(Number(e.target.value))}>
              {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
            </select>
          </div>
        )}
        <div className="toolbar-field">
          <label htmlFor="import-file">{tx.file}</label>
          <input id="import-file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => { void choose(e.target.files); e.target.value = ''; }} disabled={busy} />
        </div>
      </div>
      {busy && <p className="loading" role="status">{tx.reading}</p>}
      {failure && <ErrorBox failure={failure} />}
      {result && (
        <Notice kind="ok" testId="import-result">
          {result.written ? tx.done(result) : tx.nothingNew(result.unchanged)}
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
          {preview.skippedSheets.map((s) => <Notice key={s.sheet} kind="warn">{tx.skipped(s.sheet, s.reason)}</Notice>)}
          {preview.sheets.map((s) => (
            <div key={s.sheet} className="import-sheet">
              <h3>{tx.sheet(s.sheet, s.headerRow)}</h3>
              <table className="grid" data-testid="import-columns" aria-label={tx.columnsOf(s.sheet)}>
                <thead><tr><th>{tx.colLetter}</th><th>{tx.colHeader}</th><th>{tx.colField}</th></tr></thead>
                <tbody>
                  {Object.entries(s.headers).map(([col, header]) => {
                    const unmapped = s.unmapped.some((u) => u.col === col) && !columns[col];
                    return (
                      <tr key={col} data-column={col} className={unmapped ? 'row-warn' : undefined}>
                        <td>{col}</td>
                        <td>{header}{unmapped && <> <Badge kind="warn">{tx.unmapped}</Badge></>}</td>
                        <td>
                          <select aria-label={tx.fieldOf(col, header)} value={columns[col] ?? ''}
                            onChange={(e) => setColumns({ ...columns, [col]: e.target.value })}>
                            <option value="">{tx.skipColumn}</option>
                            {preview.fields.map((f) => <option key={f.field} value={f.field}>{f.label}</option>)}
                          </select>
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
          <div className="form-actions">
            <button type="button" onClick={applyMapping} disabled={busy}>{tx.applyMapping}</button>
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
          <div className="form-actions">
            <button type="button" className="primary" onClick={() => void commit()} disabled={!canCommit}>{tx.commit}</button>
          </div>
        </div>
      )}
    </section>
  );
}
