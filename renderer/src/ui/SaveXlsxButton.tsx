// «Сохранить в Excel» for a list screen: the backend's workbook, saved through the one file helper (ui/files.ts).
import { useState } from 'react';
import type { Input } from '../../../preload/contract';
import { asFailure, call } from '../api';
import { t } from '../strings';
import { saveFile } from './files';

/** «Сохранить в Excel» for a list screen. */
export function SaveXlsxButton({ args, testId }: { args: Input<'export.list'>; testId?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      const r = await call('export.list', args);
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setError(asFailure(e).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={run} disabled={busy} data-testid={testId ?? 'save-xlsx'}>{busy ? t.common.saving : t.common.saveXlsx}</button>
      {error && <span role="alert" className="field-error">{error}</span>}
    </>
  );
}
