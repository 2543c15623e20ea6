// What the program writes to its logs (stderr of the shells and the CLI) must not carry personal data or secrets: the
// register's data is Cyrillic text (ФИО, addresses) and digit runs (СНИЛС, document numbers); error messages meant for
// a developer are English. A log line keeps its English and its code locations and masks the rest.

/** Masks Cyrillic words, long digit runs and СНИЛС/document-like numbers, and anything that looks like a token. */
export function scrubForLog(text: string): string {
  return text
    .replace(/[А-Яа-яЁё][А-Яа-яЁё\-]*/g, '…')
    .replace(/\b\d{3}-\d{3}-\d{3}[ -]?\d{2}\b/g, '…')
    .replace(/\d{5,}/g, '…')
    .replace(/[A-Za-z0-9_\-+]{32,}={0,2}/g, '…') // base64url tokens; not paths (no slash)
    .replace(/(password|passphrase|token|secret)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1$2***');
}

/** console.error, scrubbed: for internal errors whose message may quote the data that caused them. */
export function logError(prefix: string, e: unknown): void {
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  console.error(`${prefix} ${scrubForLog(text)}`);
}
