// The movement of students by order (книга приказов): enrolment, transfer between classes, departure; the
// promotion of the school to the next year is promotion.ts, the выпуск graduation.ts, academic debts debts.ts.
// Every change of status is an order with number and date.
import type { DB } from '../../db/connection.ts';
import type { Movement, Order } from '../../preload/contract.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { fullName, searchKey } from '../../preload/core/names.ts';
import { schoolYearSql } from '../../db/sql-checks.ts';
import { currentYearStart, formatDate, isValidIsoDate, todayIso } from '../../preload/core/dates.ts';
import { getClass } from '../classes/classes.ts';
import { getStudent } from '../students/students.ts';
import { fileDeparture, fileInBook, reopenEntry } from '../alphabet-book/book.ts';

type Kind = 'enrolment' | 'transfer' | 'promotion' | 'departure' | 'graduation' | 'academic_debt';
type MovementKind = Movement['kind'];
export type OrderRef = { number: string; date: string; confirmFuture?: boolean };

export const KIND_TITLE: Record<Kind, string> = {
  enrolment: 'О зачислении', transfer: 'О переводе', promotion: 'О переводе в следующий класс', departure: 'Об отчислении (выбытии)',
  graduation: 'О выпуске (окончании обучения)', academic_debt: 'Об итогах ликвидации академической задолженности',
};

/** The schema's refusal of an order number used twice in a school year (migration 0013). */
const NUMBER_TAKEN = 'приказ с этим номером и этого вида уже есть в этом учебном году';
const yearOf = (start: number) => `${start}/${start + 1}`;

/**
 * An order is found by number and date; several students may be moved by one order of one kind. A new order's number
 * is the register's rule (once a school year for each kind: the schema refuses a second «№ 17-в»), named here with
 * the order it clashes with. An order dated after today is written only when the clerk confirmed the date.
 */
export function orderFor(db: DB, ref: OrderRef, kind: Kind): number {
  const number = ref.number.trim();
  if (!number) throw fieldError('order.number', 'Укажите номер приказа');
  if (!isValidIsoDate(ref.date)) throw fieldError('order.date', 'Неверная дата приказа');
  const found = db.prepare('SELECT id, kind FROM orders WHERE number = ? AND date = ?').get(number, ref.date) as { id: number; kind: Kind } | undefined;
  if (found) {
    if (found.kind !== kind) throw fieldError('order.number', `Приказ № ${number} от этой даты уже есть и он другого вида («${KIND_TITLE[found.kind]}»)`);
    return found.id;
  }
  if (ref.date > todayIso() && !ref.confirmFuture) {
    throw new AppError('validation', `Приказ № ${number} датирован будущим числом — ${formatDate(ref.date)} (сегодня ${formatDate(todayIso())}). ` +
      'Если дата верна, подтвердите её', { 'order.date': `Дата ${formatDate(ref.date)} позже сегодняшней: подтвердите, что приказ датирован верно`, 'order.confirmFuture': 'нужно подтверждение' });
  }
  try {
    return Number(db.prepare('INSERT INTO orders (number, date, kind) VALUES (?, ?, ?)').run(number, ref.date, kind).lastInsertRowid);
  } catch (e) {
    if ((e as Error).message !== NUMBER_TAKEN) throw e;
    const start = currentYearStart(ref.date);
    const other = db.prepare(`SELECT date FROM orders WHERE number = ? AND kind = ? AND date >= ? AND date < ? ORDER BY date LIMIT 1`)
      .get(number, kind, `${start}-08-01`, `${start + 1}-08-01`) as { date: string } | undefined;
    throw fieldError('order.number', `Приказ № ${number} («${KIND_TITLE[kind]}») уже есть в ${yearOf(start)} учебном году` +
      `${other ? ` — от ${formatDate(other.date)}` : ''}: номер приказа одного вида в учебном году не повторяется`);
  }
}

type Active = { id: number; class_id: number; year_id: number; start_date: string };
export function activeMembership(db: DB, studentId: string): Active | undefined {
  return db.prepare('SELECT id, class_id, year_id, start_date FROM class_memberships WHERE student_id = ? AND end_date IS NULL').get(studentId) as Active | undefined;
}

export function yearBounds(db: DB, yearId: number) {
  return db.prepare('SELECT name, start_date, end_date FROM academic_years WHERE id = ?').get(yearId) as { name: string; start_date: string; end_date: string };
}

export function insertMovement(db: DB, m: { orderId: number; studentId: string; kind: MovementKind; date: string; from?: number | null; to?: number | null;
  whereFrom?: string | null; whereTo?: string | null; reason?: string | null }): number {
  return Number(db.prepare(`INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id, where_from, where_to, reason)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(m.orderId, m.studentId, m.kind, m.date, m.from ?? null, m.to ?? null,
    m.whereFrom?.trim() || null, m.whereTo?.trim() || null, m.reason?.trim() || null).lastInsertRowid);
}

export function openMembership(db: DB, studentId: string, classId: number, date: string, movementId: number) {
  const c = getClass(db, classId);
  db.prepare('INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, ?, ?, ?)')
    .run(studentId, classId, c.yearId, date, movementId);
}

export function closeMembership(db: DB, membershipId: number, date: string, movementId: number) {
  db.prepare('UPDATE class_memberships SET end_date = ?, end_movement_id = ? WHERE id = ?').run(date, movementId, membershipId);
}

/** A move out of a class is dated within its academic year. */
export function afterYearEnd(db: DB, yearId: number, date: string, what: string) {
  const y = yearBounds(db, yearId);
  if (date > y.end_date) throw fieldError('date', `${what} ${formatDate(date)} позже конца ${y.name} учебного года (${formatDate(y.end_date)}), в котором ученик в этом классе`);
}

/** A movement dated after today (a departure «a year ahead») is written only when the clerk confirmed the date, the
 *  same confirmation as for an order dated in the future. */
function confirmFutureMovement(date: string, ref: OrderRef, what: string) {
  if (date <= todayIso() || ref.confirmFuture) return;
  throw new AppError('validation', `${what} ${formatDate(date)} позже сегодняшнего дня (${formatDate(todayIso())}). Если дата верна, подтвердите её`,
    { date: `${what} ${formatDate(date)} в будущем: подтвердите, что она верна`, 'order.confirmFuture': 'нужно подтверждение' });
}

export function requireDate(date: string, field = 'date') {
  if (!isValidIsoDate(date)) throw fieldError(field, 'Неверная дата');
}

function classOrField(db: DB, id: number, field: string) {
  try {
    return getClass(db, id);
  } catch {
    throw fieldError(field, `Класс №${id} не найден`);
  }
}

export function enrol(db: DB, a: { order: OrderRef; studentId: string; classId: number; date: string; whereFrom?: string | null }): Movement {
  const s = getStudent(db, a.studentId);
  const c = classOrField(db, a.classId, 'classId');
  requireDate(a.date);
  if (a.date <= s.birthDate) throw fieldError('date', 'Дата зачисления должна быть позже даты рождения');
  const y = yearBounds(db, c.yearId);
  if (a.date > y.end_date) throw fieldError('date', `Дата зачисления позже конца учебного года ${y.name}`);
  // Enrolment orders for 1 September are signed in summer; earlier than that belongs to another year.
  if (a.date < `${y.start_date.slice(0, 4)}-06-01`) throw fieldError('date', `Дата зачисления раньше июня ${y.start_date.slice(0, 4)} г.: это другой учебный год, не ${y.name}`);
  const active = activeMembership(db, a.studentId);
  if (active) {
    const cur = getClass(db, active.class_id);
    throw fieldError('classId', active.year_id === c.yearId
      ? `Ученик уже в классе ${cur.name} в ${cur.yearName}: ученик может быть только в одном классе за год; для смены класса оформите перевод`
      : `Ученик числится в классе ${cur.name} (${cur.yearName}); сначала оформите выбытие или перевод в следующий класс`);
  }
  const orderId = orderFor(db, a.order, 'enrolment');
  const mid = insertMovement(db, { orderId, studentId: a.studentId, kind: 'enrolment', date: a.date, to: c.id, whereFrom: a.whereFrom });
  openMembership(db, a.studentId, c.id, a.date, mid);
  if (s.bookEntry) reopenEntry(db, a.studentId, mid);
  else fileInBook(db, a.studentId, s.lastName, a.date, mid);
  return getMovement(db, mid);
}

export function transfer(db: DB, a: { order: OrderRef; studentId: string; toClassId: number; date: string; reason?: string | null }): Movement {
  getStudent(db, a.studentId);
  const to = classOrField(db, a.toClassId, 'toClassId');
  requireDate(a.date);
  const active = activeMembership(db, a.studentId);
  if (!active) throw fieldError('studentId', 'Ученик не зачислен ни в один класс: перевод невозможен');
  if (active.class_id === to.id) throw fieldError('toClassId', `Ученик уже в классе ${to.name}`);
  if (active.year_id !== to.yearId) throw fieldError('toClassId', 'Перевод — только между классами одного учебного года; в следующий год переводит приказ о переводе всей школы');
  if (a.date < active.start_date) throw fieldError('date', 'Дата перевода раньше даты зачисления в текущий класс');
  afterYearEnd(db, active.year_id, a.date, 'Дата перевода');
  confirmFutureMovement(a.date, a.order, 'Дата перевода');
  const orderId = orderFor(db, a.order, 'transfer');
  const mid = insertMovement(db, { orderId, studentId: a.studentId, kind: 'transfer', date: a.date, from: active.class_id, to: to.id, reason: a.reason });
  closeMembership(db, active.id, a.date, mid);
  openMembership(db, a.studentId, to.id, a.date, mid);
  return getMovement(db, mid);
}

export function depart(db: DB, a: { order: OrderRef; studentId: string; date: string; reason: string; whereTo?: string | null }): Movement {
  getStudent(db, a.studentId);
  requireDate(a.date);
  if (!a.reason.trim()) throw fieldError('reason', 'Укажите причину выбытия');
  const active = activeMembership(db, a.studentId);
  if (!active) throw fieldError('studentId', 'Ученик не числится ни в одном классе: выбытие невозможно');
  if (a.date < active.start_date) throw fieldError('date', 'Дата выбытия раньше даты зачисления');
  afterYearEnd(db, active.year_id, a.date, 'Дата выбытия');
  confirmFutureMovement(a.date, a.order, 'Дата выбытия');
  const orderId = orderFor(db, a.order, 'departure');
  const mid = insertMovement(db, { orderId, studentId: a.studentId, kind: 'departure', date: a.date, from: active.class_id, reason: a.reason, whereTo: a.whereTo });
  closeMembership(db, active.id, a.date, mid);
  fileDeparture(db, a.studentId, a.date, a.reason.trim(), a.whereTo?.trim() || null, mid);
  return getMovement(db, mid);
}

export const GRADUATION_REASON = 'Окончание обучения (получен аттестат о среднем общем образовании)';
export const GRADUATION_REASON_9 = 'Окончание обучения (получен аттестат об основном общем образовании)';
/** Released by a выпуск order without an attestat (not admitted to the ГИА or not passed it): the справка об обучении. */
export const graduationWithoutAttestatReason = (parallel: number) =>
  `Окончание обучения без аттестата: выдана справка об обучении (${parallel} класс)`;
/** A departure that ends schooling at its level (a выпуск, with an attestat or a справка), not a leaving mid-course. */
/** Every выпуск's reason begins so (with an attestat of either kind, or without one); SQL compares the same prefix. */
export const GRADUATION_PREFIX = 'Окончание обучения';
export const isGraduationReason = (reason: string | null | undefined) => !!reason?.startsWith(GRADUATION_PREFIX);

const MOVEMENT_SELECT = `SELECT mv.*, o.number AS order_number, o.date AS order_date, s.last_name, s.first_name, s.middle_name,
  fc.parallel AS f_par, fc.letter AS f_let, tc.parallel AS t_par, tc.letter AS t_let, xo.number AS x_number, xo.date AS x_date
  FROM movements mv JOIN orders o ON o.id = mv.order_id JOIN students s ON s.id = mv.student_id
  LEFT JOIN classes fc ON fc.id = mv.from_class_id LEFT JOIN classes tc ON tc.id = mv.to_class_id
  LEFT JOIN movement_cancellations x ON x.movement_id = mv.id LEFT JOIN orders xo ON xo.id = x.order_id`;

type MRow = { id: number; order_id: number; kind: MovementKind; date: string; order_number: string; order_date: string; student_id: string; last_name: string; first_name: string;
  middle_name: string | null; f_par: number | null; f_let: string | null; t_par: number | null; t_let: string | null;
  where_from: string | null; where_to: string | null; reason: string | null; x_number: string | null; x_date: string | null };

const toMovement = (r: MRow): Movement => ({
  id: r.id, kind: r.kind, date: r.date, orderId: r.order_id, orderNumber: r.order_number, orderDate: r.order_date, studentId: r.student_id,
  studentName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }),
  fromClass: r.f_par ? `${r.f_par}${r.f_let}` : null, toClass: r.t_par ? `${r.t_par}${r.t_let}` : null,
  whereFrom: r.where_from, whereTo: r.where_to, reason: r.reason,
  cancelledBy: r.x_number ? { number: r.x_number, date: r.x_date! } : null,
});

export function getMovement(db: DB, id: number): Movement {
  return toMovement(db.prepare(`${MOVEMENT_SELECT} WHERE mv.id = ?`).get(id) as MRow);
}

export function studentHistory(db: DB, studentId: string): Movement[] {
  getStudent(db, studentId);
  return (db.prepare(`${MOVEMENT_SELECT} WHERE mv.student_id = ? ORDER BY mv.date, mv.id`).all(studentId) as MRow[]).map(toMovement);
}

export function orderMovements(db: DB, orderId: number): Movement[] {
  return (db.prepare(`${MOVEMENT_SELECT} WHERE mv.order_id = ? ORDER BY s.search_key`).all(orderId) as MRow[]).map(toMovement);
}

/**
 * The book of orders, newest first: each order with its school year (August on is the new one, as the schema's
 * numbering rule reckons it) and its place in that year's book. Narrowed to one school year (its first calendar year)
 * and by a text: the order's number, its kind's title, or a student it moves (ФИО, ё = е).
 */
export function listOrders(db: DB, limit: number, filter: { year?: number; query?: string } = {}): Order[] {
  return bookOfOrders(db, { ...filter, limit }).rows;
}

/** One order as the book lists it. */
export function getOrder(db: DB, id: number): Order {
  const o = orderRows(db, { id })[0];
  if (!o) throw new AppError('not_found', 'Приказ не найден');
  return o;
}

/** A page of the book of orders and how many match in all (the screen says «показаны N из M», never stops silently). */
export function bookOfOrders(db: DB, a: { year?: number; query?: string; limit: number; offset?: number }): { rows: Order[]; total: number } {
  const all = orderRows(db, a);
  const from = a.offset ?? 0;
  return { rows: all.slice(from, from + a.limit), total: all.length };
}

function orderRows(db: DB, filter: { year?: number; query?: string; id?: number }): Order[] {
  const key = searchKey(filter.query ?? '');
  const kinds = new Set((Object.keys(KIND_TITLE) as Kind[]).filter((k) => key && searchKey(KIND_TITLE[k]).includes(key)));
  const where = [filter.year != null ? 'n.sy = @year' : '', filter.id != null ? 'n.id = @id' : ''].filter(Boolean);
  const rows = db.prepare(`WITH y AS (SELECT o.*, ${schoolYearSql('o.date')} AS sy FROM orders o),
    n AS (SELECT y.*, row_number() OVER (PARTITION BY y.sy ORDER BY y.date, y.id) AS seq FROM y)
    SELECT n.*, (SELECT count(*) FROM movements mv WHERE mv.order_id = n.id) + (SELECT count(*) FROM movement_cancellations x WHERE x.order_id = n.id) AS n,
      EXISTS (SELECT 1 FROM y x WHERE x.id <> n.id AND x.number = n.number AND x.kind = n.kind AND x.sy = n.sy) AS twice,
      ${key ? `EXISTS (SELECT 1 FROM movements mv JOIN students s ON s.id = mv.student_id WHERE mv.order_id = n.id AND instr(s.search_key, @key) > 0)` : '0'} AS student_hit,
      cr.kind AS c_kind, co.id AS c_id, co.number AS c_number, co.date AS c_date,
      (SELECT json_group_array(json_object('id', b.id, 'number', b.number, 'date', b.date)) FROM order_corrections bc JOIN orders b ON b.id = bc.order_id
        WHERE bc.corrects_order_id = n.id) AS corrected_by
    FROM n LEFT JOIN order_corrections cr ON cr.order_id = n.id LEFT JOIN orders co ON co.id = cr.corrects_order_id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY n.date DESC, n.id DESC`).all({ ...(key ? { key } : {}), ...(filter.year != null ? { year: filter.year } : {}), ...(filter.id != null ? { id: filter.id } : {}) }) as
    Array<{ id: number; number: string; date: string; kind: Kind; n: number; sy: number; seq: number; student_hit: number; twice: number;
      c_kind: 'cancel' | 'amend' | null; c_id: number | null; c_number: string | null; c_date: string | null; corrected_by: string }>;
  const titleOf = (o: (typeof rows)[number]) => o.c_kind === 'cancel' ? `Об отмене приказа № ${o.c_number} от ${formatDate(o.c_date)} («${KIND_TITLE[o.kind]}»)`
    : o.c_kind === 'amend' ? `О внесении изменений в приказ № ${o.c_number} от ${formatDate(o.c_date)} («${KIND_TITLE[o.kind]}»)` : KIND_TITLE[o.kind];
  // the number and the kind's title compared as the clerk typed them (any case, ё = е: SQLite's lower() knows only ASCII)
  const hits = key ? rows.filter((o) => o.student_hit || kinds.has(o.kind) || searchKey(o.number).includes(key) || searchKey(titleOf(o)).includes(key)) : rows;
  return hits.map((o) => ({ id: o.id, number: o.number, date: o.date, kind: o.kind, title: titleOf(o), studentCount: o.n,
    schoolYear: `${o.sy}/${o.sy + 1}`, seqInYear: o.seq, numberedTwice: !!o.twice,
    corrects: o.c_kind ? { orderId: o.c_id!, number: o.c_number!, date: o.c_date!, kind: o.c_kind } : null,
    correctedBy: JSON.parse(o.corrected_by) as Array<{ id: number; number: string; date: string }> }));
}
