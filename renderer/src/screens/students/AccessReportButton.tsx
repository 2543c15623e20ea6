// «Сведения о персональных данных (PDF)»: what the register holds on the student and who read it (issue 18).
import { useState } from 'react';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { saveFile } from '../../ui/files';

export function AccessReportButton({ studentId }: { studentId: string }) {
  const can = useCan('students.accessReport');
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  if (!can) return null;
  const make = async () => {
    setBusy(true); setSaid(null);
    try {
      const r = await call('students.accessReport', { studentId });
      saveFile(r.fileName, r.dataBase64);
      setSaid({ ok: true, text: t.personalData.accessReportDone(r.fileName) });
    } catch (e) {
      setSaid({ ok: false, text: asFailure(e).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void make()} disabled={busy} data-testid="access-report">
        {busy ? t.personalData.accessReportBusy : t.personalData.accessReport}
      </button>
      {said && <span className={said.ok ? 'muted small' : 'field-error'} role="status" data-testid="access-report-said">{said.text}</span>}
    </>
  );
}
