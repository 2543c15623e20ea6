import { AppError } from '../shared/errors.ts';

/** Why the school's certificate cannot be used: each a distinct case the UI and CLI name to the clerk. */
export type SigningErrorCode =
  | 'wrong_password'
  | 'not_pkcs12'
  | 'no_private_key'
  | 'no_certificate'
  | 'key_mismatch'
  | 'unsupported'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'not_for_signing';

const MESSAGES: Record<SigningErrorCode, string> = {
  wrong_password: 'Неверный пароль сертификата',
  not_pkcs12: 'Файл не является контейнером PKCS#12 (.p12, .pfx)',
  no_private_key: 'В файле PKCS#12 нет закрытого ключа: нужен файл с ключом и сертификатом',
  no_certificate: 'В файле PKCS#12 нет сертификата',
  key_mismatch: 'Закрытый ключ в файле PKCS#12 не соответствует сертификату',
  unsupported: 'Алгоритм ключа или шифрования в файле PKCS#12 не поддерживается',
  certificate_expired: 'Срок действия сертификата истёк',
  certificate_not_yet_valid: 'Срок действия сертификата ещё не начался',
  not_for_signing: 'Сертификат не предназначен для подписи документов: в нём нет назначения «цифровая подпись» (digitalSignature) или «неотрекаемость» (nonRepudiation)',
};

/**
 * The school's certificate cannot be loaded or used. An AppError ('validation', under the field `certificate`) so it
 * crosses the API as data; `signingCode` tells the cases apart. Never carries the password.
 */
export class SigningError extends AppError {
  constructor(
    readonly signingCode: SigningErrorCode,
    detail?: string,
  ) {
    const message = detail ? `${MESSAGES[signingCode]}: ${detail}` : MESSAGES[signingCode];
    super('validation', message, { certificate: message });
    this.name = 'SigningError';
  }
}
