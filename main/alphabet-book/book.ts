// Алфавитная книга: one entry per student, numbered within the first letter of the surname; the
// number is also the personal-file number (e.g. «П-15»). Departure date and reason go on the entry.
import type { DB } from '../../db/connection.ts';
import type { BookEntry } from '../../preload/contract.ts';
import { bookLetter, fullName, searchKey } from '../../preload/core/names.ts';
import { todayIso } from '../../preload/core/dates.ts';

// Letters in the order of the Russian alphabet (Ё after Е), not in code-point order; Latin ones last. The same
// expression is migration 0015's index alphabet_book_order: change both or neither.
const BOOK_ORDER = "coalesce(nullif(instr('АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ', b.letter), 0), 99)";

// `movementId`: the movement that sets the entry's state; the schema keeps each earlier state in alphabet_book_history
// (migration 0018), so a cancelled order can restore the state its movement replaced (main/movement/cancel.ts).
export function fileInBook(db: DB, studentId: string, lastName: string, date: string, movementId: number | null = null): { letter: string; number: number } {
  const letter = bookLetter(lastName);
  const { n } = db.prepare('SELECT coalesce(max(number), 0) + 1 AS n FROM alphabet_book WHERE letter = ?').get(letter) as { n: number };
  db.prepare('INSERT INTO alphabet_book (student_id, letter, number, entered_on, movement_id) VALUES (?, ?, ?, ?, ?)').run(studentId, letter, n, date, movementId);
  return { letter, number: n };
}

export function fileDeparture(db: DB, studentId: string, date: string, reason: string, whereTo: string | null, movementId: number | null = null): void {
  db.prepare('UPDATE alphabet_book SET departed_on = ?, departure_reason = ?, where_to = ?, movement_id = ? WHERE student_id = ?').run(date, reason, whereTo, movementId, studentId);
}

/** A student who returns keeps the number of the first entry; the departure he returns from stays in the entry's
 *  history (alphabet_book_history, written by the schema) and in the movement history. */
export function reopenEntry(db: DB, studentId: string, movementId: number | null = null): void {
  db.prepare('UPDATE alphabet_book SET departed_on = NULL, departure_reason = NULL, where_to = NULL, movement_id = ? WHERE student_id = ?').run(movementId, studentId);
}

export type BookState = { enteredOn: string; departedOn: string | null; departureReason: string | null; whereTo: string | null };

/** The entry's state before `movementId` changed it (from the history the schema keeps), or undefined when that
 *  movement left no trace there (it filed the entry, or was written before the history existed). */
export function stateBefore(db: DB, studentId: string, movementId: number): BookState | undefined {
  const r = db.prepare(`SELECT entered_on, departed_on, departure_reason, where_to FROM alphabet_book_history
    WHERE student_id = ? AND replaced_by_movement_id = ? ORDER BY id DESC LIMIT 1`).get(studentId, movementId) as
    { entered_on: string; departed_on: string | null; departure_reason: string | null; where_to: string | null } | undefined;
  return r && { enteredOn: r.entered_on, departedOn: r.departed_on, departureReason: r.departure_reason, whereTo: r.where_to };
}

/** Puts the entry back in a state (an order cancelled); the state it replaces goes to the history. */
export function restoreEntry(db: DB, studentId: string, state: BookState): void {
  db.prepare('UPDATE alphabet_book SET entered_on = ?, departed_on = ?, departure_reason = ?, where_to = ?, movement_id = NULL WHERE student_id = ?')
    .run(state.enteredOn, state.departedOn, state.departureReason, state.whereTo, studentId);
}

/** The entry's earlier states, oldest first. */
export function entryHistory(db: DB, studentId: string): BookState[] {
  return (db.prepare('SELECT entered_on, departed_on, departure_reason, where_to FROM alphabet_book_history WHERE student_id = ? ORDER BY id').all(studentId) as
    Array<{ entered_on: string; departed_on: string | null; departure_reason: string | null; where_to: string | null }>)
    .map((r) => ({ enteredOn: r.entered_on, departedOn: r.departed_on, departureReason: r.departure_reason, whereTo: r.where_to }));
}

/** Entries in the book's order (letter by the Russian alphabet, then number), one page of them or, without a
 *  limit, all (a printout of one letter). The order is 0015's index, so a page costs the page, not the book. */
export function listBook(db: DB, a: { letter?: string; query?: string; limit?: number; offset?: number }): { rows: BookEntry[]; total: number } {
  const where: string[] = [];
  const p: Record<string, unknown> = {};
  if (a.letter) {
    where.push('b.letter = @letter');
    p.letter = a.letter.toLocaleUpperCase('ru-RU');
  }
  if (a.query?.trim()) {
    where.push('s.search_key >= @lo AND s.search_key < @hi');
    p.lo = searchKey(a.query);
    p.hi = searchKey(a.query) + '\u{10FFFF}';
  }
  const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
  const total = (a.query?.trim()
    ? db.prepare(`SELECT count(*) AS n FROM alphabet_book b JOIN students s ON s.id = b.student_id ${w}`).get(p)
    : db.prepare(`SELECT count(*) AS n FROM alphabet_book b ${w}`).get(p)) as { n: number };
  const page = a.limit == null ? '' : 'LIMIT @limit OFFSET @offset';
  if (a.limit != null) Object.assign(p, { limit: a.limit, offset: a.offset ?? 0 });
  // the orders: the first enrolment not cancelled; the last leaving (a movement out of the school) while the entry says he left
  const live = `NOT EXISTS (SELECT 1 FROM movement_cancellations x WHERE x.movement_id = mv.id)`;
  const enrolment = (col: string) => `(SELECT ${col} FROM movements mv JOIN orders o ON o.id = mv.order_id JOIN classes c ON c.id = mv.to_class_id
        WHERE mv.student_id = b.student_id AND mv.kind = 'enrolment' AND ${live} ORDER BY mv.date, mv.id LIMIT 1)`;
  const leaving = (col: string) => `CASE WHEN b.departed_on IS NULL THEN NULL ELSE (SELECT ${col} FROM movements mv JOIN orders o ON o.id = mv.order_id
        WHERE mv.student_id = b.student_id AND mv.to_class_id IS NULL AND mv.kind <> 'enrolment' AND ${live} ORDER BY mv.date DESC, mv.id DESC LIMIT 1) END`;
  const rows = db.prepare(`SELECT b.*, s.last_name, s.first_name, s.middle_name, s.birth_date,
      ${enrolment('c.parallel || c.letter')} AS enrolled_class, ${enrolment('o.number')} AS e_number, ${enrolment('o.date')} AS e_date,
      ${leaving('o.number')} AS d_number, ${leaving('o.date')} AS d_date
    FROM alphabet_book b JOIN students s ON s.id = b.student_id ${w}
    ORDER BY ${BOOK_ORDER}, b.letter, b.number ${page}`).all(p) as Array<{ student_id: string; letter: string; number: number; entered_on: string;
      departed_on: string | null; departure_reason: string | null; where_to: string | null; last_name: string; first_name: string;
      middle_name: string | null; birth_date: string; enrolled_class: string | null; e_number: string | null; e_date: string | null;
      d_number: string | null; d_date: string | null }>;
  const corrected = correctionsOf(db, rows.map((r) => r.student_id));
  return {
    total: total.n,
    rows: rows.map((r) => ({
      ...(corrected.has(r.student_id) ? { corrected: corrected.get(r.student_id) } : {}),
      studentId: r.student_id, letter: r.letter, number: r.number, fileNumber: `${r.letter}-${r.number}`,
      fullName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }), birthDate: r.birth_date,
      enrolledOn: r.entered_on, enrolledClass: r.enrolled_class, departedOn: r.departed_on, departureReason: r.departure_reason, whereTo: r.where_to,
      enrolmentOrder: r.e_number ? { number: r.e_number, date: r.e_date! } : null, departureOrder: r.d_number ? { number: r.d_number, date: r.d_date! } : null,
    })),
  };
}

/** The earlier states of these entries that said something the entry no longer says — a leaving (its date, reason,
 *  where to) or a date of entry — oldest first. A state replaced only by the first leaving said nothing lost and is
 *  left out. One query for a page (the ids as a JSON array: no limit on their number). */
function correctionsOf(db: DB, ids: string[]): Map<string, NonNullable<BookEntry['corrected']>> {
  const out = new Map<string, NonNullable<BookEntry['corrected']>>();
  if (!ids.length) return out;
  const rows = db.prepare(`SELECT h.student_id, h.entered_on, h.departed_on, h.departure_reason, h.where_to, h.replaced_at
      FROM alphabet_book_history h JOIN alphabet_book b ON b.student_id = h.student_id
      WHERE h.student_id IN (SELECT value FROM json_each(?))
        AND (h.departed_on IS NOT NULL OR h.entered_on IS NOT b.entered_on)
      ORDER BY h.student_id, h.id`).all(JSON.stringify(ids)) as Array<{ student_id: string; entered_on: string; departed_on: string | null;
      departure_reason: string | null; where_to: string | null; replaced_at: string }>;
  for (const r of rows) {
    const list = out.get(r.student_id) ?? [];
    list.push({ enteredOn: r.entered_on, departedOn: r.departed_on, departureReason: r.departure_reason, whereTo: r.where_to, replacedOn: todayIso(new Date(r.replaced_at)) });
    out.set(r.student_id, list);
  }
  return out;
}
