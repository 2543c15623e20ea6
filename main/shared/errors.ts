import type { ApiError, ErrorCode } from '../../preload/contract.ts';

/** The one error type of the backend: it crosses the boundary as data ({code, message, fields}). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
  toApi(): ApiError {
    return this.fields ? { code: this.code, message: this.message, fields: this.fields } : { code: this.code, message: this.message };
  }
}

/** A bad value in one field: the message names the field for the UI to show it in place. */
export function fieldError(field: string, message: string): AppError {
  return new AppError('validation', message, { [field]: message });
}

export const notFound = (what: string) => new AppError('not_found', `${what} не найден(а)`);
