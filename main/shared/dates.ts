// The one date helper of the backend: dates are ISO yyyy-mm-dd strings everywhere inside.

/** Whether `s` is a real day written yyyy-mm-dd (the proleptic Gregorian calendar, as Date has it; years 0000–9999). */
export function isValidIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  // by arithmetic, not by a Date round trip: the same answer for every such string (checked for all years 0000–9999,
  // months 00–13, days 00–32), and an import asks it once per row
  const y = Number(s.slice(0, 4)), m = Number(s.slice(5, 7)), d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
}

export function formatRu(iso: string | null | undefined): string {
  if (!iso) return '';
  const [y, m, d] = iso.split('-');
  return `${d}.${m}.${y}`;
}

export function todayIso(now = new Date()): string {
  const z = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return z.toISOString().slice(0, 10);
}

export function nowIso(): string {
  return new Date().toISOString();
}
