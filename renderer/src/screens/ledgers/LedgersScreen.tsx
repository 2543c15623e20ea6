// «Ведомости»: the yearly summary ledger of a class. Without a class: the year's classes with the state of their
// ledgers and, for an administrator, «Закрыть год». With a class: the ledger itself (table, chart, totals), printing,
// its sealed versions, the marks it still lacks and, for an administrator, sealing and corrections.
import { useEffect, useState, type ReactNode } from 'react';
import type { Ledger } from '../../../../preload/contract';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { sortedYears, useYears } from '../../app/years';
import { formatDate, formatDateTime } from '../../../../preload/core/dates';
import { Link, navigate } from '../../router';
import { t } from '../../strings';
import { Badge, EmptyRow, Loaded, Notice, PageHeader } from '../../ui/common';
import { saveFile } from '../../ui/files';
import { useQuery } from '../../ui/useQuery';
import { compareClasses } from '../classes/classOrder';
import { CloseYear } from './CloseYear';
import { SealPanel } from './LedgerActions';
import { LedgerTable, LedgerTotals } from './LedgerTable';
import { ResultsChart } from './ResultsChart';

/** «9А» before «10А»: parallel as a number, then the letter. */
const byClassName = (a: { className: string }, b: { className: string }) =>
  parseInt(a.className, 10) - parseInt(b.className, 10) || a.className.localeCompare(b.className, 'ru');

const STATE_BADGE = { draft: 'muted', sealed: 'ok', correction: 'warn' } as const;

export function StateBadge({ state }: { state: Ledger['state'] }) {
  return <span data-testid="ledger-state"><Badge kind={STATE_BADGE[state]}>{t.ledgers.states[state]}</Badge></span>;
}

export function LedgersScreen({ classId }: { classId?: number }) {
  const tx = t.ledgers;
  const { years, yearId, setYearId } = useYears();
  const classes = useQuery('classes.list', { yearId: yearId ?? undefined }, yearId !== null);
  const year = years.find((y) => y.id === yearId);

  const toolbar = (
    <div className="toolbar">
      <div className="toolbar-field">
        <label htmlFor="ledgers-year">{tx.year}</label>
        <select id="ledgers-year" value={yearId ?? ''} onChange={(e) => { setYearId(Number(e.target.value)); navigate('/ledgers'); }}>
          {sortedYears(years).map((y) => <option key={y.id} value={y.id}>{y.name}</option>)}
        </select>
      </div>
      <div className="toolbar-field">
        <label htmlFor="ledgers-class">{tx.klass}</label>
        <select id="ledgers-class" value={classId ?? ''} onChange={(e) => navigate(e.target.value ? `/ledgers/${e.target.value}` : '/ledgers')}>
          <option value="">{tx.allClasses}</option>
          {[...(classes.data ?? [])].sort(compareClasses).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </div>
    </div>
  );

  return (
    <section data-testid="ledgers-screen">
      {classId === undefined ? (
        <>
          <PageHeader title={tx.title} />
          {toolbar}
          {year && <YearOverview key={year.id} yearId={year.id} yearName={year.name} />}
        </>
      ) : <ClassLedger key={classId} classId={classId} toolbar={toolbar} />}
    </section>
  );
}

function YearOverview({ yearId, yearName }: { yearId: number; yearName: string }) {
  const tx = t.ledgers;
  const list = useQuery('ledgers.list', { yearId });
  const canClose = useCan('ledgers.closeYear');
  return (
    <>
      <Loaded query={list}>
        {(rows) => (
          <>
            <p className="table-caption">{tx.listCaption(yearName)}</p>
            <table className="grid compact ledger-list" data-testid="ledgers-list">
              <thead>
                <tr>
                  <th scope="col">{tx.colClass}</th>
                  <th scope="col">{tx.colState}</th>
                  <th scope="col" className="num">{tx.colVersion}</th>
                  <th scope="col">{tx.colCode}</th>
                  <th scope="col" className="num">{tx.colMissing}</th>
                  <th scope="col" className="num">{tx.colNa}</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && <EmptyRow cols={6}>{tx.noClasses}</EmptyRow>}
                {[...rows].sort(byClassName).map((r) => (
                  <tr key={r.classId}>
                    <th scope="row"><Link to={`/ledgers/${r.classId}`}>{r.className}</Link></th>
                    <td><StateBadge state={r.state} /></td>
                    <td className="num">{r.version ?? ''}</td>
                    <td className="mono">{r.code ?? ''}</td>
                    <td className="num">{r.missing || ''}</td>
                    <td className="num">{r.na || ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
      {canClose && <div className="ledger-admin"><CloseYear yearId={yearId} yearName={yearName} onChanged={list.reload} /></div>}
    </>
  );
}

function ClassLedger({ classId, toolbar }: { classId: number; toolbar: ReactNode }) {
  const ledger = useQuery('ledgers.get', { classId });
  if (ledger.data) return <LedgerView ledger={ledger.data} reload={ledger.reload} toolbar={toolbar} />;
  return <>{toolbar}<Loaded query={ledger}>{() => null}</Loaded></>;
}

function LedgerView({ ledger, reload, toolbar }: { ledger: Ledger; reload: () => void; toolbar: ReactNode }) {
  const tx = t.ledgers;
  const { data } = ledger;
  const canPrint = useCan('ledgers.print');
  const canSeal = useCan('ledgers.seal');
  // Opened by link (a verification, a skipped class): the year pickers follow the class shown.
  const { years, yearId, setYearId } = useYears();
  const ownYear = years.find((y) => y.name === data.year);
  useEffect(() => {
    if (ownYear && ownYear.id !== yearId) setYearId(ownYear.id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ownYear?.id]);
  return (
    <>
      <PageHeader title={tx.classTitle(data.class.name, data.year)} badges={<StateBadge state={ledger.state} />}
        back={<Link to="/ledgers">{tx.title}</Link>}>
        {canPrint && <PrintButtons classId={ledger.classId} />}
      </PageHeader>
      {toolbar}
      <p className="muted ledger-meta">
        {tx.teacher}: {data.homeroomTeacher ?? tx.noTeacher}
        {ledger.state === 'draft' && canPrint && <> · {tx.printDraftHint}</>}
      </p>
      {ledger.openCorrection && !canSeal && (
        <Notice kind="warn">
          {tx.correctionOpen(ledger.openCorrection.reason, ledger.openCorrection.orderNumber, formatDate(ledger.openCorrection.orderDate), ledger.openCorrection.openedBy)}
        </Notice>
      )}
      {data.subjects.length === 0 && <Notice kind="warn">{tx.noSubjects}</Notice>}
      <LedgerTable data={data} />
      <LedgerTotals data={data} />
      <div className="ledger-columns">
        {data.subjects.length > 0 && <ResultsChart data={data} />}
        <Missing ledger={ledger} />
      </div>
      <Versions ledger={ledger} canPrint={canPrint} />
      {canSeal && <SealPanel ledger={ledger} onChanged={reload} />}
    </>
  );
}

/** «Печать PDF» / «Excel» — of the current draft (no version) or of a sealed version's stored file. */
function PrintButtons({ classId, version, signed = false }: { classId: number; version?: number; signed?: boolean }) {
  const tx = t.ledgers;
  const [busy, setBusy] = useState<'pdf' | 'xlsx' | 'p7s' | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function print(format: 'pdf' | 'xlsx') {
    setBusy(format);
    setError(null);
    try {
      const r = await call('ledgers.print', { classId, format, ...(version ? { version } : {}) });
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setError(asFailure(e).message);
    } finally {
      setBusy(null);
    }
  }
  // the detached signature over the sealed PDF (.p7s), for `openssl cms -verify` or КриптоАРМ beside the file
  async function signature(v: number) {
    setBusy('p7s');
    setError(null);
    try {
      const r = await call('ledgers.pdfSignature', { classId, version: v });
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setError(asFailure(e).message);
    } finally {
      setBusy(null);
    }
  }
  const suffix = version ? `-v${version}` : '';
  return (
    <span className="print-buttons">
      <button type="button" className={version ? undefined : 'primary'} onClick={() => print('pdf')} disabled={busy !== null}
        aria-label={version ? tx.printVersion(version, 'PDF') : undefined} data-testid={`print-pdf${suffix}`}>
        {busy === 'pdf' ? tx.printing : version ? 'PDF' : tx.printPdf}
      </button>
      <button type="button" onClick={() => print('xlsx')} disabled={busy !== null}
        aria-label={version ? tx.printVersion(version, 'Excel') : undefined} data-testid={`print-xlsx${suffix}`}>
        {busy === 'xlsx' ? tx.printing : tx.printXlsx}
      </button>
      {version && signed && (
        <button type="button" onClick={() => void signature(version)} disabled={busy !== null} aria-label={tx.pdfSignatureOf(version)} data-testid={`print-p7s${suffix}`}>
          {busy === 'p7s' ? tx.printing : tx.pdfSignature}
        </button>
      )}
      {error && <span role="alert" className="field-error">{error}</span>}
    </span>
  );
}

/** «C=RU, O=…, CN=Лебедева Ирина Сергеевна» → the person's name; the whole subject stays in the title. */
const signerName = (subject: string) => /(?:^|,\s*)CN=([^,]+)/.exec(subject)?.[1] ?? subject;

function Versions({ ledger, canPrint }: { ledger: Ledger; canPrint: boolean }) {
  const tx = t.ledgers;
  const versions = [...ledger.versions].sort((a, b) => b.version - a.version);
  return (
    <section className="card-section" aria-labelledby="versions-h">
      <h2 id="versions-h">{tx.versions}</h2>
      {versions.length === 0 ? <p className="muted">{tx.noVersions}</p> : (
        <table className="grid compact" data-testid="ledger-versions">
          <thead>
            <tr>
              <th scope="col" className="num">{tx.colVersion}</th>
              <th scope="col">{tx.colCode}</th>
              <th scope="col">{tx.colSealedAt}</th>
              <th scope="col">{tx.colSealedBy}</th>
              <th scope="col">{tx.colCorrection}</th>
              <th scope="col"><span className="visually-hidden">{t.common.actions}</span></th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-testid="ledger-version" data-version={v.version}>
                <td className="num">{v.version}</td>
                <td>
                  <span className="mono" data-testid="version-code">{v.code}</span>
                  <div className="small muted" title={v.signer ?? undefined}>{v.signer ? signerName(v.signer) : tx.unsigned}</div>
                </td>
                <td className="nowrap">{formatDateTime(v.sealedAt)}</td>
                <td>{v.sealedBy}</td>
                <td className="small">{v.correction ? tx.correctionRef(v.correction.reason, v.correction.orderNumber, formatDate(v.correction.orderDate)) : ''}</td>
                <td className="row-actions">
                  {canPrint && <PrintButtons classId={ledger.classId} version={v.version} signed={!!v.signer} />}{' '}
                  <Link to={`/verify?code=${encodeURIComponent(v.code)}`} aria-label={`${tx.verifyLink}: ${v.code}`}>{tx.verifyLink}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const MISSING_SHOWN = 50;

/** Cells that keep the ledger from being sealed: empty ones, and н/а ones (sealed only when the admin confirms them). */
function Missing({ ledger }: { ledger: Ledger }) {
  const tx = t.ledgers;
  if (ledger.missing.length === 0) return null;
  const empty = ledger.missing.filter((m) => !m.na).length;
  const na = ledger.missing.length - empty;
  // Empty cells first: they are what the clerk has to fill in.
  const shown = [...ledger.missing].sort((a, b) => Number(a.na) - Number(b.na)).slice(0, MISSING_SHOWN);
  return (
    <section className="card-section" aria-labelledby="missing-h" data-testid="ledger-missing">
      <h2 id="missing-h">{[empty ? tx.missing(empty) : '', na ? tx.naCount(na) : ''].filter(Boolean).join(' · ')}</h2>
      <p className="lead small">{tx.missingLead}</p>
      <div className="ledger-missing-scroll" tabIndex={0} role="region" aria-labelledby="missing-h">
        <table className="grid compact">
          <thead>
            <tr>
              <th scope="col">{tx.colStudent}</th>
              <th scope="col">{tx.colSubject}</th>
              <th scope="col">{tx.colColumn}</th>
              <th scope="col">{tx.colCell}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={`${m.studentId}:${m.subject}:${m.column}`} className={m.na ? undefined : 'row-warn'}>
                <td>{m.student}</td>
                <td>{m.subject}</td>
                <td>{m.column}</td>
                <td>{m.na ? 'н/а' : <span className="muted">{tx.emptyCell}</span>}</td>
              </tr>
            ))}
            {ledger.missing.length > shown.length && <EmptyRow cols={4}>{tx.missingMore(ledger.missing.length - shown.length)}</EmptyRow>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
