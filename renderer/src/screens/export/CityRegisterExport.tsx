// Выгрузка для городского реестра: the year's classes, contingent, staff and intermediate attestation in one workbook,
// every subject written as its directory ID. When a subject lacks its ID nothing is written and the list is shown.
import { useState } from 'react';
import type { Output } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { sortedYears, useYears } from '../../app/years';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Notice, PageHeader } from '../../ui/common';
import { saveFile } from '../../ui/files';

export function CityRegisterExport() {
  const tx = t.exportCity;
  const { years, yearId, setYearId } = useYears();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<Output<'export.cityRegister'> | null>(null);
  const year = years.find((y) => y.id === yearId)?.name;

  async function run() {
    if (!year) return;
    setBusy(true);
    setFailure(null);
    setDone(null);
    try {
      const r = await call('export.cityRegister', { year });
      saveFile(r.fileName, r.dataBase64);
      setDone(r);
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <PageHeader title={tx.title} />
      <p>{tx.intro}</p>
      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="export-year">{tx.year}</label>
          <select id="export-year" value={yearId ?? ''} onChange={(e) => setYearId(Number(e.target.value))} data-testid="export-year">
            {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
          </select>
        </div>
        <button type="button" className="primary" disabled={busy || !year} onClick={run} data-testid="export-run">
          {busy ? tx.running : tx.run}
        </button>
      </div>
      {failure && (
        <div data-testid="export-failure">
          <ErrorBox failure={failure} />
          {failure.fields && Object.keys(failure.fields).some((k) => k.startsWith('subjects.')) && (
            <p><Link to="/subjects">{tx.fixSubjects}</Link></p>
          )}
        </div>
      )}
      {done && <Notice kind="ok" testId="export-done">{tx.done(done.fileName, done.classes, done.students, done.marks)}</Notice>}
    </section>
  );
}
