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
