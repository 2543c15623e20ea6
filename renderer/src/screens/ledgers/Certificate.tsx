// The school's certificate for one sealing call: a .p12 file and its password. The password is read from the field
// at the moment of the call and the field is emptied right after — it is never held in React state or any storage.
import { useId, useRef, useState } from 'react';
import type { Input } from '../../../../preload/contract';
import { t } from '../../strings';
import { FilePicker } from '../../ui/FilePicker';
import { readBase64 } from '../../ui/files';

type CertificateArg = NonNullable<Input<'ledgers.seal'>['certificate']>;

export function useCertificate() {
  const fileRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const [thumbprint, setThumbprint] = useState('');

  /** Runs `action` with the certificate (undefined without a file), then forgets the password whatever happened. */
  async function withCertificate<T>(action: (certificate: CertificateArg | undefined) => Promise<T>): Promise<T> {
    try {
      const file = fileRef.current?.files?.[0];
      const pin = pinRef.current?.value;
      // a .p12 file, else a key in КриптоПро CSP by its thumbprint (the PIN for this call only), else none
      const certificate = file ? { p12Base64: await readBase64(file), password: passwordRef.current?.value ?? '' }
        : thumbprint.trim() ? { thumbprint: thumbprint.trim(), ...(pin ? { pin } : {}) } : undefined;
      return await action(certificate);
    } finally {
      if (passwordRef.current) passwordRef.current.value = '';
      if (pinRef.current) pinRef.current.value = '';
    }
  }

  function clearFile() {
    if (fileRef.current) fileRef.current.value = '';
    if (passwordRef.current) passwordRef.current.value = '';
    setFileName(null);
  }

  return { fileRef, passwordRef, pinRef, fileName, setFileName, thumbprint, setThumbprint, clearFile, withCertificate };
}

export function CertificateFields({ cert, disabled }: { cert: ReturnType<typeof useCertificate>; disabled?: boolean }) {
  const tx = t.ledgers;
  const id = useId();
  return (
    <fieldset className="form-section certificate" data-testid="certificate">
      <legend>{tx.certificate}</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-file`}>{tx.certificateFile}</label>
          <FilePicker id={`${id}-file`} ref={cert.fileRef} accept=".p12,.pfx,application/x-pkcs12" disabled={disabled} fileName={cert.fileName}
            aria-describedby={`${id}-hint`}
            onChange={(e) => cert.setFileName(e.target.files?.[0]?.name ?? null)} />
          <div className="field-hint" id={`${id}-hint`}>{tx.certificateHint}</div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>{tx.certificatePassword}</label>
          <input id={`${id}-password`} ref={cert.passwordRef} type="password" autoComplete="off" disabled={disabled || !cert.fileName}
            aria-describedby={`${id}-phint`} />
          <div className="field-hint" id={`${id}-phint`}>{tx.certificatePasswordHint}</div>
        </div>
        {!cert.fileName && (
          <div className="field">
            <label htmlFor={`${id}-thumbprint`}>{tx.certificateThumbprint}</label>
            <input id={`${id}-thumbprint`} value={cert.thumbprint} onChange={(e) => cert.setThumbprint(e.target.value)} disabled={disabled} autoComplete="off" size={44}
              aria-describedby={`${id}-thint`} />
            <div className="field-hint" id={`${id}-thint`}>{tx.certificateThumbprintHint}</div>
          </div>
        )}
        {!cert.fileName && !!cert.thumbprint.trim() && (
          <div className="field">
            <label htmlFor={`${id}-pin`}>{tx.certificatePin}</label>
            <input id={`${id}-pin`} ref={cert.pinRef} type="password" autoComplete="off" disabled={disabled} />
          </div>
        )}
        {cert.fileName && (
          <div className="field field-check">
            <button type="button" className="link-button" onClick={cert.clearFile} disabled={disabled}>{tx.certificateClear}</button>
          </div>
        )}
      </div>
    </fieldset>
  );
}
