// An error of a given kind that also names its field, with the same Russian sentence in both places (as
// fieldError does for 'validation'): the UI shows it at the field, the CLI prints the sentence.
import type { ErrorCode } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';

export const errorAt = (code: ErrorCode, field: string, message: string) => new AppError(code, message, { [field]: message });
