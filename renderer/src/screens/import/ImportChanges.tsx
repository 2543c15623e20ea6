// The marks a journal import would write, each as «ФИО — предмет, период: было → станет»: paged and filtered by the
// backend (import.previewChanges over the finished preview job), saved as xlsx with the same filter, and each row
// ticked off to leave it out of the commit (the screen sends the excluded ids; the commit writes exactly the rest).
import { useState } from 'react';
import type { ImportChange } from '../../../../preload/contract';
import { asFailure, call } from '../../api';
import { t } from '../../strings';
import { ErrorBox, Notice } from '../../ui/common';
import { Pager } from '../../ui/Pager';
import { saveFile } from '../../ui/files';
import { useQuery } from '../../ui/useQuery';

const PAGE = 50;

/** `kind`: a marks journal lists cells («5А!D6»), a students journal its rows («Список!7»). */
export function ImportChanges({ jobId, excluded, onExclude, kind: journal = 'marks' }: { jobId: string; excluded: ReadonlySet<string>;
  onExclude: (next: Set<string>) => void; kind?: 'marks' | 'students' }) {
  const tx = journal === 'students' ? t.importJournal.studentChanges : t.importJournal.changes;
  const [student, setStudent] = useState('');
  const [subject, setSubject] = useState('');
  const [kind, setKind] = useState<'' | ImportChange['kind']>('');
  const [page, setPage] = useState(1);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const filter = { jobId, ...(student.trim() ? { student: student.trim() } : {}), ...(subject ? { subject } : {}), ...(kind ? { kind } : {}) };
  const q = useQuery('import.previewChanges', { ...filter, offset: (page - 1) * PAGE, limit: PAGE });
  const data = q.data;
  const pages = data ? Math.max(1, Math.ceil(data.matching / PAGE)) : 1;
  // a marks journal with attendance columns lists both: the title counts each
  const att = journal === 'marks' ? data?.attendance ?? 0 : 0;
  const title = att ? t.importJournal.changes.titleWithAttendance((data?.total ?? 0) - att, att) : tx.title(data?.total ?? 0);

  function toggle(id: string, write: boolean) {
    const next = new Set(excluded);
    if (write) next.delete(id); else next.add(id);
    onExclude(next);
  }

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      const r = await call('import.previewChangesXlsx', filter);
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setSaveError(asFailure(e).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div data-testid="import-changes">
      <h3>{title}</h3>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="changes-student">{tx.student}</label>
          <input id="changes-student" type="search" value={student} onChange={(e) => { setStudent(e.target.value); setPage(1); }} />
        </div>
        <div className="toolbar-field">
          <label htmlFor="changes-subject">{tx.subject}</label>
          <select id="changes-subject" value={subject} onChange={(e) => { setSubject(e.target.value); setPage(1); }}>
            <option value="">{tx.allSubjects}</option>
            {(data?.subjects ?? []).map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <label htmlFor="changes-kind">{tx.kind}</label>
          <select id="changes-kind" value={kind} onChange={(e) => { setKind(e.target.value as typeof kind); setPage(1); }}>
            <option value="">{tx.allKinds}</option>
            {(['added', 'changed'] as const).map((k) => <option key={k} value={k}>{tx.kinds[k]}</option>)}
          </select>
        </div>
        <div className="toolbar-field">
          <button type="button" onClick={() => void save()} disabled={saving} data-testid="import-changes-xlsx">{saving ? t.common.saving : t.common.saveXlsx}</button>
          {saveError && <span role="alert" className="field-error">{saveError}</span>}
        </div>
      </div>
      {q.error && <ErrorBox failure={q.error} />}
      {data && data.matching < data.total && <p className="muted">{tx.matching(data.matching, data.total)}</p>}
      {data && data.rows.length === 0 ? <p className="muted">{tx.none}</p> : (
        <table className="grid" aria-label={title}>
          <thead><tr><th>{tx.colWrite}</th><th>{tx.colCell}</th><th>{tx.colChange}</th></tr></thead>
          <tbody>
            {(data?.rows ?? []).map((c) => {
              const line = tx.line(c);
              const write = !excluded.has(c.id);
              return (
                <tr key={c.id} data-change={c.id} className={write ? undefined : 'row-muted'}>
                  <td><input type="checkbox" checked={write} aria-label={tx.writeRow(line)} onChange={(e) => toggle(c.id, e.target.checked)} /></td>
                  <td>{c.id}</td>
                  <td>{write ? line : <s>{line}</s>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={pages} onPage={setPage} />
      {excluded.size > 0 && (
        <Notice kind="warn" testId="import-excluded">
          {att ? t.importJournal.changes.excludedAny(excluded.size) : tx.excluded(excluded.size)} <button type="button" onClick={() => onExclude(new Set())}>{tx.includeAll}</button>
        </Notice>
      )}
    </div>
  );
}
