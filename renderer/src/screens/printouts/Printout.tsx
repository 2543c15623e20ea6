// Making a certified printout from a screen (a справка on the student card, pages of the алфавитная книга, the книга
// учёта аттестатов): the backend registers it with its verification code; the PDF is saved under the backend's file
// name, and the code is shown with a link to check it.
import { useState } from 'react';
import type { Input, Output } from '../../../../preload/contract';
import { asFailure, call } from '../../api';
import { Link } from '../../router';
import { t } from '../../strings';
import { Notice } from '../../ui/common';
import { saveFile } from '../../ui/files';

export type PrintoutMethod = 'printouts.certificateOfStudy' | 'printouts.alphabetBook' | 'printouts.attestatBook';
type Made = Output<PrintoutMethod>;

export function usePrintout() {
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<Made | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function print<M extends PrintoutMethod>(method: M, args: Input<M>) {
    setBusy(true);
    setError(null);
    setMade(null);
    try {
      const r = await call(method, args);
      saveFile(r.fileName, r.dataBase64);
      setMade(r);
    } catch (e) {
      setError(asFailure(e).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, made, error, print };
}

/** What came of the last printing: the code (and that it is the same copy as before), or why it was refused. */
export function PrintoutResult({ made, error, testId = 'printout-done' }: { made: Made | null; error: string | null; testId?: string }) {
  if (error) return <Notice kind="error" testId="printout-error">{error}</Notice>;
  if (!made) return null;
  return (
    <Notice kind="ok" testId={testId}>
      {t.printouts.made(made.fileName)} <strong className="mono" data-testid="printout-code">{made.code}</strong>
      {made.reused && <> {t.printouts.reused}</>}
      {' '}<Link to={`/verify?code=${encodeURIComponent(made.code)}`}>{t.printouts.verifyLink}</Link>
    </Notice>
  );
}
