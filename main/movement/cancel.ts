// Correction of orders (issue 20): «Об отмене приказа № … от …» or «О внесении изменений в приказ № …» — a new order
// of the book that names the one it corrects and undoes its movements as if they had not happened: the class
// memberships they opened are taken back and the ones they closed reopened, the алфавитная книга entry put back in the
// state the movement found it in (its history keeps every state, migration 0018). Both orders stay in the book, and
// the cancelled movements too, marked by the order that cancelled them (movement_cancellations).
//
// A pupil who moved again since (a later movement by another order) is named and the cancellation refused, unless the
// clerk confirms a cascade: then those later movements are cancelled by the same order, each named in it.
import type { DB } from '../../db/connection.ts';
import type { Movement, Order } from '../../preload/contract.ts';
import { formatDate, isValidIsoDate } from '../../preload/core/dates.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { restoreEntry, stateBefore } from '../alphabet-book/book.ts';
import { getMovement, getOrder, orderFor } from './orders.ts';

type OrderRef = { number: string; date: string; confirmFuture?: boolean };
export type CancelInput = {
  order: OrderRef;
  /** the order corrected, by its number and date as the text of the new order names it */
  cancels: { number: string; date: string };
  /** amend: only these pupils' movements are cancelled («О внесении изменений»); without: the whole order */
  studentIds?: string[];
  /** the clerk confirmed that later movements of these pupils (by other orders) are cancelled too */
  cascade?: boolean;
};
export type CancelResult = { order: Order; cancelled: Movement[]; cascaded: Movement[] };

const KIND_WORD: Record<string, string> = { enrolment: 'зачисление', transfer: 'перевод', promotion: 'перевод в следующий класс', departure: 'выбытие', graduation: 'выпуск' };

/** «Иванов Пётр — перевод 5А → 5Б по приказу № 7 от 10.10.2025» */
export function describeMovement(m: Movement): string {
  const where = m.fromClass && m.toClass ? ` ${m.fromClass} → ${m.toClass}` : m.toClass ? ` в ${m.toClass}` : m.fromClass ? ` из ${m.fromClass}` : '';
  return `${m.studentName} — ${KIND_WORD[m.kind] ?? m.kind}${where} ${formatDate(m.date)} по приказу № ${m.orderNumber} от ${formatDate(m.orderDate)}`;
}

type OrderRow = { id: number; number: string; date: string; kind: string };

function correctedOrder(db: DB, ref: { number: string; date: string }): OrderRow {
  const number = ref.number.trim();
  if (!number) throw fieldError('cancels.number', 'Укажите номер отменяемого приказа');
  if (!isValidIsoDate(ref.date)) throw fieldError('cancels.date', 'Неверная дата отменяемого приказа');
  const o = db.prepare('SELECT id, number, date, kind FROM orders WHERE number = ? AND date = ?').get(number, ref.date) as OrderRow | undefined;
  if (!o) {
    const same = db.prepare('SELECT date FROM orders WHERE number = ? ORDER BY date').all(number) as Array<{ date: string }>;
    throw fieldError('cancels.number', `Приказа № ${number} от ${formatDate(ref.date)} нет в книге приказов` +
      (same.length ? ` (приказ № ${number} есть от ${same.map((s) => formatDate(s.date)).join(', ')})` : ''));
  }
  const c = db.prepare('SELECT 1 FROM order_corrections WHERE order_id = ?').get(o.id);
  if (c) throw fieldError('cancels.number', `Приказ № ${o.number} от ${formatDate(o.date)} сам отменяет (изменяет) другой приказ; его не отменяют`);
  return o;
}

const liveMovementIds = (db: DB, orderId: number) =>
  (db.prepare(`SELECT mv.id, mv.student_id FROM movements mv WHERE mv.order_id = ?
    AND NOT EXISTS (SELECT 1 FROM movement_cancellations x WHERE x.movement_id = mv.id) ORDER BY mv.id`).all(orderId) as Array<{ id: number; student_id: string }>);

/** What cancelling would undo: the order's movements (or the amended pupils'), and the later movements of the same pupils. */
function planCancellation(db: DB, target: OrderRow, studentIds: string[] | undefined) {
  const live = liveMovementIds(db, target.id);
  if (!live.length) {
    const by = db.prepare(`SELECT o.number, o.date FROM movement_cancellations x JOIN movements mv ON mv.id = x.movement_id
      JOIN orders o ON o.id = x.order_id WHERE mv.order_id = ? ORDER BY o.date DESC LIMIT 1`).get(target.id) as { number: string; date: string } | undefined;
    throw fieldError('cancels.number', by
      ? `Приказ № ${target.number} от ${formatDate(target.date)} уже отменён приказом № ${by.number} от ${formatDate(by.date)}`
      : `По приказу № ${target.number} от ${formatDate(target.date)} никто не движется: отменять нечего`);
  }
  let own = live;
  if (studentIds) {
    const inOrder = new Set(live.map((m) => m.student_id));
    studentIds.forEach((id, i) => {
      if (!inOrder.has(id)) throw fieldError(`studentIds.${i}`, `Этого ученика нет среди движений приказа № ${target.number} от ${formatDate(target.date)} (или его движение уже отменено)`);
    });
    const wanted = new Set(studentIds);
    own = live.filter((m) => wanted.has(m.student_id));
    if (!own.length) throw fieldError('studentIds', 'Укажите учеников, чьи движения изменяет приказ');
  }
  const ownIds = new Set(own.map((m) => m.id));
  const later: number[] = [];
  const firstOf = new Map<string, number>();
  for (const m of own) if (!firstOf.has(m.student_id)) firstOf.set(m.student_id, m.id);
  const laterStmt = db.prepare(`SELECT mv.id FROM movements mv WHERE mv.student_id = ? AND mv.id > ?
    AND NOT EXISTS (SELECT 1 FROM movement_cancellations x WHERE x.movement_id = mv.id) ORDER BY mv.id`);
  for (const [student, first] of firstOf) {
    for (const r of laterStmt.all(student, first) as Array<{ id: number }>) if (!ownIds.has(r.id)) later.push(r.id);
  }
  return { own: own.map((m) => m.id), later };
}

/** The membership a movement opened goes (refused while marks or attendance stand in that class), the one it closed reopens. */
function undoMembership(db: DB, m: Movement, movementId: number) {
  const opened = db.prepare('SELECT id, class_id, end_date FROM class_memberships WHERE start_movement_id = ?').get(movementId) as
    { id: number; class_id: number; end_date: string | null } | undefined;
  if (opened) {
    const other = db.prepare('SELECT 1 FROM class_memberships WHERE student_id = ? AND class_id = ? AND id <> ?').get(m.studentId, opened.class_id, opened.id);
    if (!other) {
      const marks = (db.prepare('SELECT count(*) AS n FROM subject_marks WHERE student_id = ? AND class_id = ?').get(m.studentId, opened.class_id) as { n: number }).n +
        (db.prepare('SELECT count(*) AS n FROM attendance WHERE student_id = ? AND class_id = ?').get(m.studentId, opened.class_id) as { n: number }).n;
      if (marks) {
        throw new AppError('validation', `${m.studentName}: в классе ${m.toClass} уже есть его отметки или пропуски (${marks}) — движение ${describeMovement(m)} ` +
          'отменить нельзя, пока они стоят: перенесите их или оформите новое движение вместо отмены', undefined, [{ studentId: m.studentId, movementId, reason: 'отметки в классе' }]);
      }
    }
    db.prepare('DELETE FROM class_memberships WHERE id = ?').run(opened.id);
  }
  db.prepare('UPDATE class_memberships SET end_date = NULL, end_movement_id = NULL WHERE end_movement_id = ?').run(movementId);
}

/** The book entry as it was before the movement: from the history, or (a first filing, a departure written before
 *  the history existed) as the movement's kind says it was. */
function undoBookEntry(db: DB, m: Movement, movementId: number, by: { number: string; date: string }) {
  if (m.kind !== 'enrolment' && m.kind !== 'departure' && !(m.kind as string === 'graduation')) return;
  const entry = db.prepare('SELECT entered_on, departed_on, movement_id FROM alphabet_book WHERE student_id = ?').get(m.studentId) as
    { entered_on: string; departed_on: string | null; movement_id: number | null } | undefined;
  if (!entry) return;
  const before = stateBefore(db, m.studentId, movementId);
  if (before) return restoreEntry(db, m.studentId, before);
  if (m.kind === 'enrolment') {
    // the entry was filed by this enrolment: its number is never taken back, so it is closed as cancelled
    restoreEntry(db, m.studentId, { enteredOn: entry.entered_on, departedOn: entry.entered_on,
      departureReason: `Зачисление отменено приказом № ${by.number} от ${formatDate(by.date)}`, whereTo: null });
  } else if (entry.departed_on === m.date) {
    restoreEntry(db, m.studentId, { enteredOn: entry.entered_on, departedOn: null, departureReason: null, whereTo: null });
  }
}

export function cancelOrder(db: DB, a: CancelInput, who: { admin: boolean }): CancelResult {
  const target = correctedOrder(db, a.cancels);
  const plan = planCancellation(db, target, a.studentIds?.length ? a.studentIds : undefined);
  const later = plan.later.map((id) => getMovement(db, id));
  if (later.length && !a.cascade) {
    throw new AppError('conflict', `Ученики двигались позже по другим приказам (${later.length}): ${later.map(describeMovement).join('; ')}. ` +
      'Отмена приказа отменит и эти движения — подтвердите отмену каскадом или сначала отмените их', { cascade: 'нужно подтверждение отмены каскадом' },
    later.map((m) => ({ movementId: m.id, studentId: m.studentId, student: m.studentName, orderNumber: m.orderNumber, orderDate: m.orderDate, what: describeMovement(m) })));
  }
  // a cascade undoes other orders' movements too: the administrator's decision
  if (later.length && !who.admin) throw new AppError('forbidden', 'Отмену каскадом (с более поздними движениями учеников) подтверждает администратор');
  if (!isValidIsoDate(a.order.date)) throw fieldError('order.date', 'Неверная дата приказа');
  const all = [...plan.own.map((id) => getMovement(db, id)), ...later];
  const latest = all.reduce((d, m) => (m.orderDate > d ? m.orderDate : d), target.date);
  if (a.order.date < latest) {
    throw fieldError('order.date', `Приказ об отмене датирован ${formatDate(a.order.date)} — раньше приказа, который он отменяет (${formatDate(latest)})`);
  }
  if (db.prepare('SELECT 1 FROM orders WHERE number = ? AND date = ?').get(a.order.number.trim(), a.order.date)) {
    throw fieldError('order.number', `Приказ № ${a.order.number.trim()} от ${formatDate(a.order.date)} уже есть в книге: приказ об отмене — новый приказ со своим номером`);
  }
  const orderId = orderFor(db, a.order, target.kind as Parameters<typeof orderFor>[2]);
  const amend = !!a.studentIds?.length && plan.own.length < liveMovementIds(db, target.id).length;
  db.prepare('INSERT INTO order_corrections (order_id, corrects_order_id, kind) VALUES (?, ?, ?)').run(orderId, target.id, amend ? 'amend' : 'cancel');
  const by = { number: a.order.number.trim(), date: a.order.date };
  // the newest first: each movement is undone from the state the ones after it left
  const mark = db.prepare('INSERT INTO movement_cancellations (movement_id, order_id) VALUES (?, ?)');
  for (const m of [...all].sort((x, y) => y.id - x.id)) {
    undoMembership(db, m, m.id);
    undoBookEntry(db, m, m.id, by);
    mark.run(m.id, orderId);
  }
  const order = getOrder(db, orderId);
  return { order, cancelled: plan.own.map((id) => getMovement(db, id)), cascaded: later.map((m) => getMovement(db, m.id)) };
}

/** The movements an order of correction cancelled, each with its own order. */
export function cancelledBy(db: DB, orderId: number): Movement[] {
  return (db.prepare('SELECT movement_id FROM movement_cancellations WHERE order_id = ? ORDER BY movement_id').all(orderId) as Array<{ movement_id: number }>)
    .map((r) => getMovement(db, r.movement_id));
}
