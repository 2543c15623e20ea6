// Names as clerks write them: ФИО order, clean spaces, ё and е alike when searching. Shared by the renderer, the
// backend and the CLI. Pure: no Node, no DOM.

type Person = { lastName: string; firstName: string; middleName?: string | null };

/** Фамилия Имя Отчество, in that order, without gaps for a missing отчество. */
export function fullName(p: Person): string {
  return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
}

/**
 * The search key: lower case, ё → е, single spaces. SQLite's lower() knows only ASCII, so we keep our own. Russian has
 * no lower-casing of its own (only Lithuanian, Turkish and Azeri do), so the plain toLowerCase() is the ru-RU one, at
 * a twentieth of the cost: an import asks this once per row.
 */
export function searchKey(s: string): string {
  return s.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
}

/** A line break, tab or other control character in a name: refused, never turned into a space (the schema refuses it
 *  in ФИО too, migration 0013) — a pasted cell's hidden line break is a mistake for the clerk to see. */
export const hasControlChar = (s: string | null | undefined): boolean => /[\u0000-\u001f\u007f]/.test(s ?? '');
/**
 * Whether a name as a journal writes it only drops the ё of the register's spelling («Федоровна» for «Фёдоровна»,
 * «Семен» for «Семён»): the same name, and the register's spelling is kept. A journal's ё where the register has е is
 * a correction, not this.
 */
export function losesYo(register: string, written: string): boolean {
  if (register.length !== written.length || register === written) return false;
  for (let i = 0; i < register.length; i++) {
    const a = register[i], b = written[i];
    if (a !== b && !((a === 'ё' && b === 'е') || (a === 'Ё' && b === 'Е'))) return false;
  }
  return true;
}

/** Trim and collapse inner spaces; the register stores names clean. */
export function cleanName(s: string | null | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}

/** First letter of the surname as the алфавитная книга files it (Ё is a letter of its own). */
export function bookLetter(lastName: string): string {
  return cleanName(lastName).charAt(0).toLocaleUpperCase('ru-RU');
}
