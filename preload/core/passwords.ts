// The password policy, one place for every way a password is set (first admin, a new user, a change, a reset): the
// backend refuses by it, a screen may warn by it before sending.

export const PASSWORD_MIN_LENGTH = 8;

/** What is wrong with `password` for the account `login`, in Russian; null when it will do. */
export function passwordProblem(password: string, login: string): string | null {
  const chars = [...password.normalize('NFC')];
  if (chars.length < PASSWORD_MIN_LENGTH) return `Пароль: не короче ${PASSWORD_MIN_LENGTH} символов`;
  if (!password.trim()) return 'Пароль не может состоять из одних пробелов';
  if (chars.every((c) => c === chars[0])) return 'Пароль не может состоять из одного повторённого символа';
  if (login.trim() && password.trim().toLowerCase() === login.trim().toLowerCase()) return 'Пароль не может совпадать с логином';
  return null;
}
