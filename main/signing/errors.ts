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
  // GOST back-ends (main/signing/select-signer.ts, openssl-gost.ts, cryptcp.ts)
  | 'gost_unavailable'
  | 'unknown_algorithm'
  | 'csp_certificate_not_found'
  | 'csp_cancelled'
  | 'csp_failed'
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
  gost_unavailable: 'Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере',
  unknown_algorithm: 'Неизвестный алгоритм ключа: подписать им нельзя',
  csp_certificate_not_found: 'КриптоПро CSP: сертификат с таким отпечатком не найден в хранилище «Личное»',
  csp_cancelled: 'КриптоПро CSP: ввод PIN-кода отменён, документ не подписан',
  csp_failed: 'КриптоПро CSP не подписал документ',
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
    // a detail in parentheses follows the message as it is: «… на этом компьютере (нет модуля gost.so …)»
    const message = !detail ? MESSAGES[signingCode] : detail.startsWith('(') ? `${MESSAGES[signingCode]} ${detail}` : `${MESSAGES[signingCode]}: ${detail}`;
    super('validation', message, { certificate: message });
    this.name = 'SigningError';
  }
}
