// The one date helper of the app, for the renderer, the backend and the CLI alike. Dates travel as ISO yyyy-mm-dd
// strings and are stored so; people read and type ДД.ММ.ГГГГ. Pure: no Node, no DOM.

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const two = (n: number) => String(n).padStart(2, '0');

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

/** 2025-09-01 → 01.09.2025 (the date part of a timestamp too); empty for null; anything else as it came. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = ISO.exec(iso.slice(0, 10));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/** The day of an ISO timestamp as the school sees it (this machine's time zone), ДД.ММ.ГГГГ. */
export function formatLocalDate(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`;
}

/** An ISO timestamp → ДД.ММ.ГГГГ ЧЧ:ММ:СС in this machine's time zone. */
export function formatDateTime(stamp: string): string {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  return `${formatLocalDate(stamp)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
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
  const iso = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
  return isValidIsoDate(iso) ? iso : null;
}

/** Today in this machine's time zone, yyyy-mm-dd. */
export function todayIso(now = new Date()): string {
  return `${String(now.getFullYear()).padStart(4, '0')}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/** The first calendar year of the academic year a date falls in (from August on, the new one). */
export function currentYearStart(today = todayIso()): number {
  const [y, m] = today.split('-').map(Number);
  return m >= 8 ? y : y - 1;
}

/** This moment as a UTC timestamp: how the register stamps what it records. */
export function nowIso(): string {
  return new Date().toISOString();
}

const MONTHS_GENITIVE = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

/** 2026-06-25 → «25 июня 2026 года», as an attestat's date of issue is written (the month in words). */
export function formatDateInWords(iso: string): string {
  const m = ISO.exec(iso.slice(0, 10));
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS_GENITIVE[Number(m[2]) - 1]} ${m[1]} года`;
}
