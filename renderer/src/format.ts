// The one date formatter and the one way to show a person's name.
// Dates travel as ISO yyyy-mm-dd; people read and type ДД.ММ.ГГГГ.

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 2025-09-01 → 01.09.2025; empty for null. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = ISO.exec(iso.slice(0, 10));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/** An ISO timestamp → ДД.ММ.ГГГГ ЧЧ:ММ in local time. */
export function formatDateTime(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * What a person typed → ISO, or null if it is not a real date. Accepts 01.09.2025, 1.9.2025, 01/09/2025,
 * 01092025 and an ISO date pasted from elsewhere.
 */
export function parseDate(typed: string): string | null {
  const s = typed.trim();
  let day: number, month: number, year: number;
  let m: RegExpExecArray | null;
  if ((m = ISO.exec(s))) [year, month, day] = [+m[1], +m[2], +m[3]];
  else if ((m = /^(\d{1,2})[.\/\-\s](\d{1,2})[.\/\-\s](\d{4})$/.exec(s))) [day, month, year] = [+m[1], +m[2], +m[3]];
  else if ((m = /^(\d{2})(\d{2})(\d{4})$/.exec(s))) [day, month, year] = [+m[1], +m[2], +m[3]];
  else return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Фамилия Имя Отчество, in that order, without gaps for a missing отчество. */
export function fullName(p: { lastName: string; firstName: string; middleName?: string | null }): string {
  return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
}

/** Фамилия И. О. — for dense places such as a class header. */
export function shortName(p: { lastName: string; firstName: string; middleName?: string | null }): string {
  const initials = [p.firstName, p.middleName].filter(Boolean).map((s) => `${s!.charAt(0)}.`).join(' ');
  return initials ? `${p.lastName} ${initials}` : p.lastName;
}

/** СНИЛС as people write it: 112-233-445 95 (the register keeps 11 bare digits). */
export function formatSnils(snils: string | null | undefined): string {
  if (!snils) return '';
  const d = snils.replace(/\D/g, '');
  return d.length === 11 ? `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)} ${d.slice(9)}` : snils;
}
