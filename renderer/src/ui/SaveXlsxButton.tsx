// The one way the UI saves a file the backend made (a workbook, a PDF): bytes → a download with the backend's file name.
import { useState } from 'react';
import type { Input } from '../../../preload/contract';
import { asFailure, call } from '../api';
import { t } from '../strings';

const MIME: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

export function saveFile(fileName: string, dataBase64: string) {
  const bytes = Uint8Array.from(atob(dataBase64), (c) => c.charCodeAt(0));
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1].toLowerCase() ?? '';
  const url = URL.createObjectURL(new Blob([bytes], { type: MIME[ext] ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

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
