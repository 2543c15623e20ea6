// «Проверка документа»: a code from a printed ledger, or the PDF itself → is it a sealed version, is it the current
// one, do the register's data still hash to it, and if not, what differs (student, subject, column). Below: the certified
// printouts already given out, to download again or check.
import { useEffect, useId, useRef, useState } from 'react';
import type { FileSignatureCheck, Input, LedgerVerify, Output, SignatureCheck } from '../../../../preload/contract';
import { asFailure, call, type ApiFailure } from '../../api';
import { formatDateTime } from '../../../../preload/core/dates';
import { signerCertificate, signerIdentifiers, signerName } from '../../../../preload/core/signer';
import { Link, usePath } from '../../router';
import { t } from '../../strings';
import { FilePicker } from '../../ui/FilePicker';
import { Badge, ErrorBox, Facts, Notice, PageHeader } from '../../ui/common';
import { readBase64 } from '../../ui/files';
import { IssuedPrintouts } from '../printouts/IssuedPrintouts';

/** ?code=… in the hash route, as «Проверить» on the ledger screen links here. */
function codeFromPath(path: string): string {
  const query = path.split('?')[1] ?? '';
  return new URLSearchParams(query).get('code') ?? '';
}

export function VerifyScreen() {
  const tx = t.verify;
  const id = useId();
  const path = usePath();
  const [code, setCode] = useState(() => codeFromPath(path));
  const fileRef = useRef<HTMLInputElement>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const p7sRef = useRef<HTMLInputElement>(null);
  const [p7sName, setP7sName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [result, setResult] = useState<{ by: string; answer: LedgerVerify } | null>(null);
  const [printout, setPrintout] = useState<{ by: string; answer: Output<'printouts.verify'> } | null>(null);

  async function verify(args: () => Promise<Input<'ledgers.verify'>>, by: string) {
    setBusy(true);
    setFailure(null);
    setResult(null);
    setPrintout(null);
    try {
      const a = await args();
      const answer = await call('ledgers.verify', a);
      // not a ledger: it may be another certified document (a справка, pages of a book) with its own code
      const other = answer.sealed ? null : await call('printouts.verify', a);
      if (other?.registered) setPrintout({ by, answer: other });
      else setResult({ by, answer });
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setBusy(false);
    }
  }

  // A bad code or file is named next to its field; the message says what is wrong in full.
  const codeError = failure?.fields.code ? failure.message : null;
  const fileError = failure?.fields.pdfBase64 ? failure.message : null;
  const p7sError = failure?.fields.signatureBase64 ? failure.message : null;

  // Opened from a version's «Проверить» link: check at once.
  useEffect(() => {
    const fromLink = codeFromPath(path);
    if (fromLink) { setCode(fromLink); void verify(async () => ({ code: fromLink }), fromLink); }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path]);

  return (
    <section data-testid="verify-screen">
      <PageHeader title={tx.title} />
      <p className="lead">{tx.lead}</p>
      <div className="verify-forms">
        <form className="panel" aria-label={tx.byCode} data-testid="verify-code-form"
          onSubmit={(e) => { e.preventDefault(); if (!busy && code.trim()) void verify(async () => ({ code: code.trim() }), code.trim()); }}>
          <div className="field">
            <label htmlFor={`${id}-code`}>{tx.code}</label>
            <input id={`${id}-code`} value={code} onChange={(e) => setCode(e.target.value)} placeholder={tx.codePlaceholder}
              className="mono" autoComplete="off" spellCheck={false} size={20}
              aria-invalid={codeError ? true : undefined} aria-describedby={codeError ? `${id}-code-error` : undefined} />
            {codeError && <div className="field-error" id={`${id}-code-error`} data-testid="error-code">{codeError}</div>}
          </div>
          <button type="submit" className="primary" disabled={busy || !code.trim()}>{busy ? tx.checking : tx.byCode}</button>
        </form>
        <div className="verify-or muted" aria-hidden="true">{tx.or}</div>
        <form className="panel" aria-label={tx.byFile} data-testid="verify-file-form"
          onSubmit={(e) => {
            e.preventDefault();
            const file = fileRef.current?.files?.[0];
            const p7s = p7sRef.current?.files?.[0];
            if (!busy && file) void verify(async () => ({ pdfBase64: await readBase64(file), ...(p7s ? { signatureBase64: await readBase64(p7s) } : {}) }), file.name);
          }}>
          <div className="field">
            <label htmlFor={`${id}-file`}>{tx.file}</label>
            <FilePicker id={`${id}-file`} ref={fileRef} accept=".pdf,application/pdf" fileName={fileName}
              onChange={(e) => setFileName(e.target.files?.[0]?.name ?? null)}
              aria-invalid={fileError ? true : undefined} aria-describedby={fileError ? `${id}-file-error` : undefined} />
            {fileError && <div className="field-error" id={`${id}-file-error`} data-testid="error-pdfBase64">{fileError}</div>}
          </div>
          <div className="field">
            <label htmlFor={`${id}-p7s`}>{tx.p7sFile}</label>
            <FilePicker id={`${id}-p7s`} ref={p7sRef} accept=".p7s,.sig,application/pkcs7-signature" fileName={p7sName}
              onChange={(e) => setP7sName(e.target.files?.[0]?.name ?? null)}
              aria-invalid={p7sError ? true : undefined} aria-describedby={p7sError ? `${id}-p7s-error` : undefined} />
            {p7sError && <div className="field-error" id={`${id}-p7s-error`} data-testid="error-signatureBase64">{p7sError}</div>}
          </div>
          <button type="submit" className="primary" disabled={busy || !fileName}>{busy ? tx.checking : tx.byFile}</button>
        </form>
      </div>
      {failure && !codeError && !fileError && !p7sError && <ErrorBox failure={failure} />}
      {result && <Verdict by={result.by} v={result.answer} />}
      {printout && <PrintoutVerdict by={printout.by} v={printout.answer} />}
      <IssuedPrintouts />
    </section>
  );
}

function Verdict({ by, v }: { by: string; v: LedgerVerify }) {
  const tx = t.verify;
  const good = v.sealed && v.current === true && v.intact === true && v.signatureValid !== false && v.signature?.trusted !== false;
  // A superseded version differs from today's data by design (the correction): a warning, not an alarm.
  const bad = !v.sealed || v.signatureValid === false || v.signature?.trusted === false || (v.current === true && v.intact === false);
  return (
    <section className="card-section" aria-labelledby="verdict-h" data-testid="verify-result">
      <h2 id="verdict-h">{tx.result}: <span className="mono">{by}</span></h2>
      <Notice kind={bad ? 'error' : good ? 'ok' : 'warn'} testId="verify-message">
        {v.message}
      </Notice>
      <div className="page-badges verify-badges" data-testid="verify-badges">
        {v.sealed ? <Badge kind="ok">{tx.sealed}</Badge> : <Badge kind="warn">{tx.notSealed}</Badge>}
        {v.current === true && <Badge kind="ok">{tx.current}</Badge>}
        {v.current === false && <Badge kind="warn">{tx.notCurrent(v.currentVersion)}</Badge>}
        {v.intact === true && <Badge kind="ok">{tx.intact}</Badge>}
        {v.intact === false && <Badge kind="warn">{tx.changed}</Badge>}
        {v.sealed && v.signatureValid === true && <Badge kind="ok">{tx.signatureOk}</Badge>}
        {v.sealed && v.signatureValid === false && <Badge kind="warn">{tx.signatureBad}</Badge>}
        {v.sealed && v.signatureValid === null && <Badge kind="muted">{tx.unsigned}</Badge>}
      </div>
      {v.sealed && (
        <Facts testId="verify-facts" items={[
          [tx.klass, v.classId ? <Link to={`/ledgers/${v.classId}`}>{v.className}</Link> : v.className],
          [tx.year, v.year],
          [tx.version, v.version === null ? '' : `${v.version}${v.code ? ` (${v.code})` : ''}`],
          [tx.sealedAt, v.sealedAt ? formatDateTime(v.sealedAt) : ''],
          [tx.sealedBy, v.sealedBy],
          [tx.signer, v.signature?.signer ? signerName(v.signature.signer) : v.signer],
          [tx.signedTime, <span data-testid="verify-timestamp">{v.timestamp ? tx.timestamped(formatDateTime(v.timestamp.time), v.timestamp.tsa, v.timestamp.trusted)
            : v.timestampProblem ? tx.timestampBad(v.timestampProblem) : tx.noTimestamp}</span>],
        ]} />
      )}
      {v.signature && <SignatureFacts s={v.signature} />}
      {v.pdfSignature && <FileSignatureFacts s={v.pdfSignature} />}
      {v.differences.length > 0 && (
        <>
          <h3 className="small strong differences-h">{tx.differences(v.differences.length)}</h3>
          <table className="grid compact" data-testid="verify-differences">
            <thead>
              <tr>
                <th scope="col">{tx.colStudent}</th>
                <th scope="col">{tx.colSubject}</th>
                <th scope="col">{tx.colColumn}</th>
                <th scope="col">{tx.colSealed}</th>
                <th scope="col">{tx.colNow}</th>
              </tr>
            </thead>
            <tbody>
              {v.differences.map((d, i) => (
                <tr key={i} data-testid="difference">
                  <td>{d.student}</td>
                  <td>{d.subject ?? ''}</td>
                  <td>{d.column}</td>
                  <td>{d.sealed ?? <span className="muted">{tx.empty}</span>}</td>
                  <td>{d.now ?? <span className="muted">{tx.empty}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The .p7s brought with the PDF: the same facts as the seal's, and its trusted time. */
function FileSignatureFacts({ s }: { s: FileSignatureCheck }) {
  const tx = t.verify;
  return (
    <SignatureFacts s={s} heading={tx.pdfSignatureH} testId="verify-pdf-signature"
      time={s.timestamp ? tx.timestamped(formatDateTime(s.timestamp.time), s.timestamp.tsa, s.timestamp.trusted)
        : s.timestampProblem ? tx.timestampBad(s.timestampProblem) : tx.noTimestamp} />
  );
}

/** The seal's signature: who signed as a person (ФИО, title, organisation, ИНН/ОГРН/СНИЛС), the certificate, the chain. */
function SignatureFacts({ s, heading = t.verify.signatureH, testId = 'verify-signature', time }: { s: SignatureCheck; heading?: string; testId?: string; time?: string }) {
  const tx = t.verify;
  const p = s.signer;
  const hId = useId();
  return (
    <section aria-labelledby={hId} data-testid={testId}>
      <h3 id={hId} className="small strong">{heading}</h3>
      <Notice kind={s.intact === false || s.trusted === false ? 'error' : s.trusted === true ? 'ok' : 'warn'} testId="verify-signature-message">{s.message}</Notice>
      <div className="page-badges">
        {s.trusted === true && <Badge kind="ok">{tx.chainTrusted}</Badge>}
        {s.trusted === false && <Badge kind="warn">{tx.chainUntrusted}</Badge>}
        {s.trusted === null && s.intact !== false && <Badge kind="muted">{tx.chainUnchecked}</Badge>}
      </div>
      <Facts testId="verify-signer" items={[
        [tx.signedBy, p ? signerName(p) : ''],
        [tx.signerIds, p ? signerIdentifiers(p) : ''],
        [tx.signerCert, p ? signerCertificate(p) : ''],
        [tx.signingTime, s.signingTime ? formatDateTime(s.signingTime) : ''],
        ...(time === undefined ? [] : [[tx.signedTime, <span data-testid={`${testId}-time`}>{time}</span>] as [string, React.ReactNode]]),
        [tx.chain, s.chain.map((c) => c.commonName).join(' → ')],
      ]} />
    </section>
  );
}

/** A certified document other than a ledger: a справка об обучении, pages of the алфавитная книга, the book of attestats. */
function PrintoutVerdict({ by, v }: { by: string; v: Output<'printouts.verify'> }) {
  const tx = t.verify;
  const good = v.current === true && v.intact === true && v.fileMatches !== false;
  const bad = v.fileMatches === false || (v.current === true && v.intact === false);
  return (
    <section className="card-section" aria-labelledby="printout-verdict-h" data-testid="verify-result">
      <h2 id="printout-verdict-h">{tx.result}: <span className="mono">{by}</span></h2>
      <Notice kind={bad ? 'error' : good ? 'ok' : 'warn'} testId="verify-message">{v.message}</Notice>
      <div className="page-badges verify-badges" data-testid="verify-badges">
        {v.fileMatches !== false && <Badge kind="ok">{tx.certified}</Badge>}
        {v.fileMatches === true && <Badge kind="ok">{tx.fileMatches}</Badge>}
        {v.fileMatches === false && <Badge kind="warn">{tx.fileChanged}</Badge>}
        {v.current === true && <Badge kind="ok">{tx.current}</Badge>}
        {v.current === false && <Badge kind="warn">{tx.notCurrent(v.latestVersion)}</Badge>}
        {v.intact === true && <Badge kind="ok">{tx.intact}</Badge>}
        {v.intact === false && <Badge kind="warn">{tx.changed}</Badge>}
      </div>
      <Facts testId="verify-facts" items={[
        [tx.document, v.title ?? ''],
        [tx.version, v.version === null ? '' : `${v.version}${v.code ? ` (${v.code})` : ''}`],
        [tx.certifiedAt, v.createdAt ? formatDateTime(v.createdAt) : ''],
        [tx.sealedBy, v.createdBy],
      ]} />
      {v.pdfSignature && <FileSignatureFacts s={v.pdfSignature} />}
    </section>
  );
}
