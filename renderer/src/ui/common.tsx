import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiFailure } from '../api';
import { t } from '../strings';
import type { Query } from './useQuery';

export function PageHeader({ title, children, back, badges }: { title: ReactNode; children?: ReactNode; back?: ReactNode; badges?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Moving focus to the heading tells keyboard and screen-reader users that the page changed.
  useEffect(() => { heading.current?.focus({ preventScroll: true }); }, []);
  return (
    <header className="page-header">
      {back && <div className="page-back">{back}</div>}
      <h1 tabIndex={-1} ref={heading}>{title}</h1>
      {badges && <div className="page-badges">{badges}</div>}
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}

export function ErrorBox({ failure }: { failure: ApiFailure }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <strong>{t.errors.title}:</strong> {failure.message || t.errors.byCode[failure.code]}
    </div>
  );
}

export function Notice({ kind = 'info', children, testId }: { kind?: 'info' | 'ok' | 'warn' | 'error'; children: ReactNode; testId?: string }) {
  return <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>{children}</div>;
}

export function Loading() {
  return <p className="loading" role="status">{t.common.loading}</p>;
}

/** Shows loading and errors for a query, and the content once there is data. */
export function Loaded<T>({ query, children }: { query: Query<T>; children: (data: T) => ReactNode }) {
  if (query.error) return <ErrorBox failure={query.error} />;
  if (query.data === undefined) return <Loading />;
  return <>{children(query.data)}</>;
}

export function Badge({ kind = 'neutral', children, title }: { kind?: 'neutral' | 'warn' | 'ok' | 'muted' | 'info'; children: ReactNode; title?: string }) {
  return <span className={`badge badge-${kind}`} title={title}>{children}</span>;
}

export function EmptyRow({ cols, children }: { cols: number; children: ReactNode }) {
  return <tr className="empty-row"><td colSpan={cols}>{children}</td></tr>;
}

/** A labelled term/value list for read-only data on cards. */
export function Facts({ items, testId }: { items: Array<[string, ReactNode]>; testId?: string }) {
  return (
    <dl className="facts" data-testid={testId}>
      {items.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value === '' || value === null || value === undefined ? <span className="muted">{t.common.none}</span> : value}</dd>
        </div>
      ))}
    </dl>
  );
}
