// Russian identifiers: СНИЛС, ИНН, ОГРН, КПП — their shapes, check digits and how people write them. Shared by the
// renderer, the backend and the CLI. Pure: no Node, no DOM. The same rules are enforced again by CHECK constraints in
// the schema (db/sql-checks.ts); these give the user a message before the database does.

const digits = (s: string) => s.split('').map(Number);

/** The two check digits of a СНИЛС body (9 digits): weights 9..1; (sum mod 101) mod 100. */
export function snilsCheckDigits(body9: string): string {
  const sum = digits(body9).reduce((acc, d, i) => acc + d * (9 - i), 0);
  return String((sum % 101) % 100).padStart(2, '0');
}

/** СНИЛС: 11 digits; the check digits count only above 001-001-998; nine zeros are no number (000-000-000 00 —
 *  the schema refuses it too, migration 0013). */
export function snilsCheck(d11: string): boolean {
  if (!/^\d{11}$/.test(d11)) return false;
  const body = d11.slice(0, 9);
  if (body === '000000000') return false;
  if (Number(body) <= 1001998) return true;
  return snilsCheckDigits(body) === d11.slice(9);
}

/** Accepts "112-233-445 95", "11223344595" and the like; returns 11 digits or null when the shape is wrong. */
export function normalizeSnils(input: string): string | null {
  const d = input.replace(/[\s-]/g, '');
  return /^\d{11}$/.test(d) ? d : null;
}

/** СНИЛС as people write it: 112-233-445 95 (the register keeps 11 bare digits); empty for none. */
export function formatSnils(snils: string | null | undefined): string {
  if (!snils) return '';
  const d = snils.replace(/\D/g, '');
  return d.length === 11 ? `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)} ${d.slice(9)}` : snils;
}

const innDigit = (d: number[], w: number[]) => (w.reduce((a, wi, i) => a + wi * d[i], 0) % 11) % 10;

/** ИНН of a legal entity (10 digits) or a person (12 digits). */
export function innCheck(inn: string): boolean {
  if (/^\d{10}$/.test(inn)) {
    const d = digits(inn);
    return innDigit(d, [2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9];
  }
  if (/^\d{12}$/.test(inn)) {
    const d = digits(inn);
    return innDigit(d, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && innDigit(d, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
  }
  return false;
}

/** ОГРН (13 digits): check = (first 12 mod 11) mod 10; ОГРНИП (15): (first 14 mod 13) mod 10. */
export function ogrnCheck(ogrn: string): boolean {
  if (/^\d{13}$/.test(ogrn)) return Number(BigInt(ogrn.slice(0, 12)) % 11n % 10n) === Number(ogrn[12]);
  if (/^\d{15}$/.test(ogrn)) return Number(BigInt(ogrn.slice(0, 14)) % 13n % 10n) === Number(ogrn[14]);
  return false;
}

export const kppShape = (kpp: string) => /^\d{4}[\dA-Z]{2}\d{3}$/.test(kpp);
