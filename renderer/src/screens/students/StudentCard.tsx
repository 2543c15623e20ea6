import { useState } from 'react';
import type { Movement, Student } from '../../../../preload/contract';
import { useCan } from '../../app/user';
import { formatDate, todayIso } from '../../../../preload/core/dates';
import { formatSnils, snilsCheck } from '../../../../preload/core/identifiers';
import { fullName } from '../../../../preload/core/names';
import { Link } from '../../router';
import { t } from '../../strings';
import { Facts, Loaded, Notice, PageHeader } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';
import { DepartForm, EnrolForm, TransferForm, type MovementKind } from '../orders/MovementForms';
import { MovementTable } from '../orders/MovementTable';
import { StatusBadge } from './StatusBadge';
import { StateExamsSection } from '../state-exams/StateExamsSection';
import { PortfolioSection } from '../portfolio/PortfolioSection';
import { PrintoutResult, usePrintout } from '../printouts/Printout';
import { ConsentsSection } from './ConsentsSection';
import { AccessReportButton } from './AccessReportButton';

export function StudentCard({ id }: { id: string }) {
  const student = useQuery('students.get', { id });
  const history = useQuery('students.history', { id });
  const [action, setAction] = useState<MovementKind | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const printout = usePrintout();

  const finished = (m: Movement) => {
    setAction(null);
    setDone(`${t.orderForm.done}: ${t.movement.kinds[m.kind].toLowerCase()}, ${t.movement.orderRef(m.orderNumber, formatDate(m.orderDate))}`);
    student.reload();
    history.reload();
  };

  return (
    <Loaded query={student}>
      {(s) => (
        <article data-testid="student-card">
          <PageHeader title={fullName(s)} back={<Link to="/students">{t.nav.students}</Link>} badges={<StatusBadge status={s.status} />} />
          <CardActions student={s} action={action} onAction={(a) => { setDone(null); setAction(a); }}
            printing={printout.busy} onPrint={() => { setDone(null); void printout.print('printouts.certificateOfStudy', { studentId: s.id }); }} />
          {done && <Notice kind="ok" testId="movement-done">{done}</Notice>}
          <PrintoutResult made={printout.made} error={printout.error} />
          {action === 'enrol' && <EnrolForm student={s} onDone={finished} onCancel={() => setAction(null)} />}
          {action === 'transfer' && <TransferForm student={s} onDone={finished} onCancel={() => setAction(null)} />}
          {action === 'depart' && <DepartForm student={s} onDone={finished} onCancel={() => setAction(null)} />}

          <div className="card-columns">
            <section className="card-section" aria-labelledby="sc-personal">
              <h2 id="sc-personal">{t.student.personal}</h2>
              <Facts testId="student-facts" items={[
                [t.student.birthDate, formatDate(s.birthDate)],
                [t.student.sex, s.sex === 'М' ? t.student.sexM : t.student.sexF],
                [t.student.snils, s.snils ? <>
                  <span className="mono">{formatSnils(s.snils)}</span>
                  {/* kept from before the register refused it (migration 0013): shown, for the clerk to correct */}
                  {!snilsCheck(s.snils) && <span className="badge badge-warn" data-testid="snils-invalid"> {t.cardChecks.snilsInvalid}</span>}
                </> : ''],
                [t.student.currentClass, s.currentClass
                  ? <Link to={`/classes/${s.currentClass.id}`}>{`${s.currentClass.name} (${s.currentClass.yearName})`}</Link>
                  : <span className="muted">{t.student.noClass}</span>],
                [t.student.fileNumber, s.bookEntry ? <strong data-testid="file-number">{s.bookEntry.fileNumber}</strong> : ''],
                [t.student.bookEntry, s.bookEntry ? t.student.bookEntryValue(s.bookEntry.letter, s.bookEntry.number) : ''],
                [t.student.address, s.address ?? ''],
                [t.student.pdConsentShort, s.pdConsentDate && s.pdConsentDate > todayIso() ? <>
                  {formatDate(s.pdConsentDate)} <span className="badge badge-warn" data-testid="consent-future">{t.cardChecks.consentFuture}</span>
                </> : formatDate(s.pdConsentDate)],
              ]} />
            </section>
            <section className="card-section" aria-labelledby="sc-doc">
              <h2 id="sc-doc">{t.student.document}</h2>
              <Facts items={[
                [t.student.docKind, s.docKind ? t.student.docKinds[s.docKind] : ''],
                [`${t.student.docSeries} / ${t.student.docNumber.toLowerCase()}`, [s.docSeries, s.docNumber].filter(Boolean).join(' ')],
                [t.student.docDate, formatDate(s.docDate)],
                [t.student.docIssuer, s.docIssuer ?? ''],
              ]} />
            </section>
          </div>

          <section className="card-section" aria-labelledby="sc-guardians">
            <h2 id="sc-guardians">{t.student.guardians}</h2>
            {s.guardians.length === 0 ? <p className="muted">{t.student.noGuardians}</p> : (
              <table className="grid compact">
                <thead><tr>
                  <th scope="col">{t.student.guardianKind}</th><th scope="col">{t.student.guardianFullName}</th>
                  <th scope="col">{t.student.guardianPhone}</th><th scope="col">{t.student.guardianEmail}</th>
                </tr></thead>
                <tbody>
                  {s.guardians.map((g, i) => (
                    <tr key={i}><td>{g.kind}</td><td>{g.fullName}</td><td className="nowrap">{g.phone ?? ''}</td><td>{g.email ?? ''}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="card-section" aria-labelledby="sc-history">
            <h2 id="sc-history">{t.student.history}</h2>
            <Loaded query={history}>
              {(rows) => <MovementTable rows={rows} showStudent={false} testId="student-history" />}
            </Loaded>
          </section>

          <ConsentsSection studentId={s.id} studentName={fullName(s)} />
          <StateExamsSection studentId={s.id} />
          <PortfolioSection studentId={s.id} />
        </article>
      )}
    </Loaded>
  );
}

function CardActions({ student, action, onAction, printing, onPrint }: {
  student: Student; action: MovementKind | null; onAction: (a: MovementKind) => void; printing: boolean; onPrint: () => void;
}) {
  const canEdit = useCan('students.update');
  const canPrint = useCan('printouts.certificateOfStudy');
  const canEnrol = useCan('orders.enrol');
  const canTransfer = useCan('orders.transfer');
  const canDepart = useCan('orders.depart');
  const studying = student.status === 'studying';
  if (!canEdit && !canEnrol && !canPrint) return null;
  return (
    <div className="action-bar" role="toolbar" aria-label={t.student.actions}>
      {canEnrol && !studying && (
        <button type="button" className={action === 'enrol' ? 'primary' : ''} aria-pressed={action === 'enrol'} onClick={() => onAction('enrol')}>{t.student.enrol}</button>
      )}
      {canTransfer && studying && (
        <button type="button" aria-pressed={action === 'transfer'} onClick={() => onAction('transfer')}>{t.student.transfer}</button>
      )}
      {canDepart && studying && (
        <button type="button" aria-pressed={action === 'depart'} onClick={() => onAction('depart')}>{t.student.depart}</button>
      )}
      {canEdit && <Link to={`/students/${student.id}/edit`} className="button">{t.student.editData}</Link>}
      <AccessReportButton studentId={student.id} />
      {canPrint && (
        <button type="button" onClick={onPrint} disabled={printing} data-testid="print-certificate-of-study">
          {printing ? t.printouts.printing : t.printouts.certificateOfStudy}
        </button>
      )}
    </div>
  );
}
