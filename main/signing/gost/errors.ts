import { AppError } from '../../shared/errors.ts';

/**
 * A GOST public key or algorithm that this verifier cannot read: not a bad signature (that is `false`), but a file or
 * certificate it does not understand. An AppError ('validation') so it reaches the clerk as data, in Russian.
 */
export class GostError extends AppError {
  constructor(message: string) {
    super('validation', message);
    this.name = 'GostError';
  }
}
