import type { ApiError, ApiErrorRow, ErrorCode } from '../../preload/contract.ts';

/** The one error type of the backend: it crosses the boundary as data ({code, message, fields}). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    /** every item a refusal is about (each rejected cell of an import, each subject without a code), whole */
    readonly rows?: ApiErrorRow[],
  ) {
    super(message);
    this.name = 'AppError';
  }
  toApi(): ApiError {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}), ...(this.rows ? { rows: this.rows } : {}) };
  }
}

/** A bad value in one field: the message names the field for the UI to show it in place. */
export function fieldError(field: string, message: string): AppError {
  return new AppError('validation', message, { [field]: message });
}

export const notFound = (what: string) => new AppError('not_found', `${what} не найден(а)`);

/** What a failed write says about where it went: the register file (an open connection's name) or a path. */
type Place = { name?: string; pragma?: (p: string, o: { simple: true }) => unknown } | string | null | undefined;

/**
 * A full disk or medium, or a register held by another program, in the user's words — bad input, not an internal
 * error: the place is named (the register file, the medium's path, the file being written) and nothing was kept of
 * the write (SQLite rolls the transaction back; a file written under a temporary name is removed by its writer).
 * Null for any other error.
 */
export function placeError(e: unknown, where?: Place): AppError | null {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  const register = typeof where === 'string' ? where : where?.name;
  const file = (e as NodeJS.ErrnoException).path ?? (e as { dest?: string }).dest ?? null;
  if (code.startsWith('SQLITE_FULL')) {
    return new AppError('validation', `Нет места на диске: реестр ${register ?? ''} не может записать изменения (диск или носитель заполнен). ` +
      'Ничего не записано — освободите место и повторите');
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const what = code === 'EDQUOT' ? 'исчерпана дисковая квота' : 'диск или носитель заполнен';
    return new AppError('validation', `Нет места на диске: ${file ?? register ?? 'файл'} не записан (${what}). Освободите место и повторите`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    let waited = '';
    try {
      const ms = typeof where === 'object' && where?.pragma ? Number(where.pragma('busy_timeout', { simple: true })) : NaN;
      if (ms > 0) waited = `; ждали ${ms >= 1000 ? `${Math.round(ms / 100) / 10} с` : `${ms} мс`}`;
    } catch {
      // the connection is closed: the bound is not known here
    }
    return new AppError('conflict', `Реестр занят другой программой: ${register ?? 'файл реестра'} — она держит запись${waited}. ` +
      'Ничего не записано; повторите, когда она закончит (идёт импорт, копия или восстановление в программе?)');
  }
  return null;
}
