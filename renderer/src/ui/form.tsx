// Forms: fields that show the backend's field errors next to themselves (error.fields, keyed by the
// contract's input path, e.g. "snils", "order.number", "guardians.0.phone").
import {
  createContext, useContext, useId, useLayoutEffect, useRef, useState,
  type FormEvent, type InputHTMLAttributes, type ReactNode,
} from 'react';
import { ApiFailure, asFailure } from '../api';
import { formatDate, parseDate } from '../../../preload/core/dates';
import { t } from '../strings';

type FormState = { errors: Record<string, string>; disabled: boolean };
const FormContext = createContext<FormState>({ errors: {}, disabled: false });

export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
    } catch (error) {
      setFailure(asFailure(error));
    } finally {
      setBusy(false);
    }
  }
  return { busy, failure, run, clear: () => setFailure(null) };
}

/** Collects client-side problems (dates people typed) in the same shape the backend uses. */
export class FieldCheck {
  private errors: Record<string, string> = {};
  date(name: string, typed: string): string {
    if (!typed.trim()) { this.errors[name] = t.errors.requiredField; return ''; }
    const iso = parseDate(typed);
    if (!iso) this.errors[name] = t.errors.badDate;
    return iso ?? '';
  }
  optionalDate(name: string, typed: string): string | null {
    if (!typed.trim()) return null;
    const iso = parseDate(typed);
    if (!iso) this.errors[name] = t.errors.badDate;
    return iso;
  }
  required(name: string, value: string): string {
    if (!value.trim()) this.errors[name] = t.errors.requiredField;
    return value.trim();
  }
  add(name: string, message: string) { this.errors[name] = message; }
  /** Throws a validation failure if anything was wrong. */
  done(): void {
    if (Object.keys(this.errors).length) {
      throw new ApiFailure({ code: 'validation', message: t.errors.checkFields, fields: this.errors });
    }
  }
}

/** '' for empty text, so optional contract fields get null rather than an empty string. */
export const orNull = (s: string): string | null => (s.trim() ? s.trim() : null);

type FormProps = {
  failure: ApiFailure | null;
  busy?: boolean;
  onSubmit: () => void;
  /** Stripped from backend field names, e.g. 'data.' for update methods that wrap the input. */
  fieldPrefix?: string;
  children: ReactNode;
  className?: string;
  testId?: string;
  label?: string;
  /** Escape calls this (panel forms that can be closed). */
  onCancel?: () => void;
};

export function Form({ failure, busy = false, onSubmit, fieldPrefix = '', children, className, testId, label, onCancel }: FormProps) {
  const ref = useRef<HTMLFormElement>(null);
  const errors: Record<string, string> = {};
  for (const [name, message] of Object.entries(failure?.fields ?? {})) {
    errors[fieldPrefix && name.startsWith(fieldPrefix) ? name.slice(fieldPrefix.length) : name] = message;
  }
  const [orphans, setOrphans] = useState<Array<[string, string]>>([]);

  // Errors for fields this form does not show still have to be seen: list them in the summary.
  // Then take the keyboard to the first field that needs attention.
  useLayoutEffect(() => {
    const form = ref.current;
    if (!form || !failure) { setOrphans([]); return; }
    const missing = Object.entries(errors).filter(([name]) => !form.querySelector(`[data-field="${CSS.escape(name)}"]`));
    setOrphans(missing);
    const invalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? form.querySelector<HTMLElement>('.form-summary'))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [failure]);

  return (
    <FormContext.Provider value={{ errors, disabled: busy }}>
      <form
        ref={ref}
        className={['form', className].filter(Boolean).join(' ')}
        noValidate
        aria-label={label}
        data-testid={testId}
        aria-busy={busy}
        onSubmit={(e: FormEvent) => { e.preventDefault(); if (!busy) onSubmit(); }}
        onKeyDown={onCancel && ((e) => { if (e.key === 'Escape' && !busy) { e.preventDefault(); onCancel(); } })}
      >
        {failure && (
          <div className="notice notice-error form-summary" role="alert" tabIndex={-1} data-testid="form-error">
            <strong>{Object.keys(errors).length ? t.errors.checkFields : failure.message || t.errors.byCode[failure.code]}</strong>
            {orphans.length > 0 && (
              <ul>
                {orphans.map(([name, message]) => <li key={name}><code>{name}</code>: {message}</li>)}
              </ul>
            )}
          </div>
        )}
        {children}
      </form>
    </FormContext.Provider>
  );
}

function useField(name: string) {
  const { errors, disabled } = useContext(FormContext);
  const id = useId();
  const error = errors[name];
  return { id, error, disabled, errorId: `${id}-error`, hintId: `${id}-hint` };
}

function FieldShell({ name, label, id, error, errorId, hint, hintId, required, wide, children }: {
  name: string; label: ReactNode; id: string; error?: string; errorId: string; hint?: string; hintId: string;
  required?: boolean; wide?: boolean; children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' has-error' : ''}${wide ? ' field-wide' : ''}`} data-field={name}>
      <label htmlFor={id}>{label}{required && <span className="req" aria-hidden="true"> *</span>}</label>
      {children}
      {hint && !error && <div className="field-hint" id={hintId}>{hint}</div>}
      {error && <div className="field-error" id={errorId} data-testid={`error-${name}`}>{error}</div>}
    </div>
  );
}

type TextFieldProps = {
  name: string; label: ReactNode; value: string; onChange: (value: string) => void; hint?: string; required?: boolean;
  wide?: boolean; size?: number;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'value' | 'onChange' | 'size' | 'required'>;

export function TextField({ name, label, value, onChange, hint, required, wide, size, ...input }: TextFieldProps) {
  const f = useField(name);
  return (
    <FieldShell name={name} label={label} hint={hint} required={required} wide={wide} {...f}>
      <input
        id={f.id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={f.error ? true : undefined}
        aria-describedby={f.error ? f.errorId : hint ? f.hintId : undefined}
        aria-required={required || undefined}
        disabled={f.disabled || input.disabled}
        size={size}
        {...input}
      />
    </FieldShell>
  );
}

/** A date people type as ДД.ММ.ГГГГ; the value stays as typed and is checked with FieldCheck on submit. */
export function DateField({ name, label, value, onChange, required, hint }: {
  name: string; label: ReactNode; value: string; onChange: (value: string) => void; required?: boolean; hint?: string;
}) {
  return (
    <TextField
      name={name} label={label} value={value} onChange={onChange} required={required} hint={hint}
      placeholder={t.common.datePlaceholder} inputMode="numeric" autoComplete="off" size={11} className="date-input"
      onBlur={() => { const iso = parseDate(value); if (iso) onChange(formatDate(iso)); }}
    />
  );
}

export function TextAreaField({ name, label, value, onChange, required, rows = 2 }: {
  name: string; label: ReactNode; value: string; onChange: (value: string) => void; required?: boolean; rows?: number;
}) {
  const f = useField(name);
  return (
    <FieldShell name={name} label={label} required={required} wide {...f}>
      <textarea
        id={f.id} name={name} value={value} rows={rows} onChange={(e) => onChange(e.target.value)}
        aria-invalid={f.error ? true : undefined} aria-describedby={f.error ? f.errorId : undefined} disabled={f.disabled}
      />
    </FieldShell>
  );
}

export type Option = { value: string; label: string };

export type OptionGroup = { label: string; options: Option[] };

export function SelectField({ name, label, value, onChange, options = [], groups = [], placeholder, required, hint }: {
  name: string; label: ReactNode; value: string; onChange: (value: string) => void; options?: Option[];
  groups?: OptionGroup[]; placeholder?: string; required?: boolean; hint?: string;
}) {
  const f = useField(name);
  return (
    <FieldShell name={name} label={label} required={required} hint={hint} {...f}>
      <select
        id={f.id} name={name} value={value} onChange={(e) => onChange(e.target.value)}
        aria-invalid={f.error ? true : undefined} aria-describedby={f.error ? f.errorId : hint ? f.hintId : undefined}
        disabled={f.disabled}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        {groups.map((g) => (
          <optgroup key={g.label} label={g.label}>
            {g.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </optgroup>
        ))}
      </select>
    </FieldShell>
  );
}

export function CheckField({ name, label, checked, onChange }: {
  name: string; label: ReactNode; checked: boolean; onChange: (checked: boolean) => void;
}) {
  const f = useField(name);
  return (
    <div className={`field field-check${f.error ? ' has-error' : ''}`} data-field={name}>
      <label>
        <input
          type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.target.checked)}
          aria-invalid={f.error ? true : undefined} aria-describedby={f.error ? f.errorId : undefined} disabled={f.disabled}
        />
        {' '}{label}
      </label>
      {f.error && <div className="field-error" id={f.errorId} data-testid={`error-${name}`}>{f.error}</div>}
    </div>
  );
}

export function RadioField({ name, label, value, onChange, options, required }: {
  name: string; label: ReactNode; value: string; onChange: (value: string) => void; options: Option[]; required?: boolean;
}) {
  const f = useField(name);
  return (
    <fieldset className={`field field-radio${f.error ? ' has-error' : ''}`} data-field={name}
      aria-invalid={f.error ? true : undefined} aria-describedby={f.error ? f.errorId : undefined}>
      <legend>{label}{required && <span className="req" aria-hidden="true"> *</span>}</legend>
      <div className="radio-row">
        {options.map((o) => (
          <label key={o.value}>
            <input type="radio" name={`${f.id}-${name}`} value={o.value} checked={value === o.value}
              onChange={() => onChange(o.value)} disabled={f.disabled} />
            {' '}{o.label}
          </label>
        ))}
      </div>
      {f.error && <div className="field-error" id={f.errorId} data-testid={`error-${name}`}>{f.error}</div>}
    </fieldset>
  );
}

/** A group of checkboxes choosing ids (subjects taught, curriculum). */
export function CheckList({ name, label, options, selected, onChange, readOnly = false }: {
  name: string; label: ReactNode; options: Array<{ id: number; label: ReactNode }>; selected: number[];
  onChange: (ids: number[]) => void; readOnly?: boolean;
}) {
  const f = useField(name);
  const toggle = (id: number, on: boolean) => onChange(on ? [...selected, id] : selected.filter((x) => x !== id));
  return (
    <fieldset className={`field field-wide checklist${f.error ? ' has-error' : ''}`} data-field={name}>
      <legend>{label}</legend>
      <div className="checklist-items">
        {options.map((o) => (
          <label key={o.id}>
            <input type="checkbox" checked={selected.includes(o.id)} onChange={(e) => toggle(o.id, e.target.checked)} disabled={f.disabled || readOnly} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {f.error && <div className="field-error" id={f.errorId} data-testid={`error-${name}`}>{f.error}</div>}
    </fieldset>
  );
}

/** The error for a field that is a whole group (e.g. "guardians"), shown where the group is. */
export function GroupError({ name }: { name: string }) {
  const { errors } = useContext(FormContext);
  return (
    <div data-field={name}>
      {errors[name] && <div className="field-error" data-testid={`error-${name}`}>{errors[name]}</div>}
    </div>
  );
}

export function FormActions({ children }: { children: ReactNode }) {
  return <div className="form-actions">{children}</div>;
}

export function SubmitButton({ busy, children }: { busy: boolean; children: ReactNode }) {
  return <button type="submit" className="primary" disabled={busy}>{busy ? t.common.saving : children}</button>;
}
