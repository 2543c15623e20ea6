// The movement of students by order: enrolment, transfer, departure, the reviewed promotion, the выпуск, academic
// debts, and the book of orders.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { printOrder } from './print.ts';
import { depart, enrol, listOrders, orderMovements, studentHistory, transfer } from './orders.ts';
import { promote, promotionReview } from './promotion.ts';
import { graduate } from './graduation.ts';
import { decideDebts, listDebts, recordRetake } from './debts.ts';

export const movementHandlers = defineHandlers({
  'students.history': query(({ db }, a) => studentHistory(db, a.id)),
  'orders.list': query(({ db }, a) => listOrders(db, a.limit, { year: a.year, query: a.query })),
  'orders.movements': query(({ db }, a) => orderMovements(db, a.orderId)),
  'orders.print': query(({ db }, a) => printOrder(db, a.orderId)),
  'orders.enrol': command(({ db }, a) => enrol(db, a)),
  'orders.transfer': command(({ db }, a) => transfer(db, a)),
  'orders.depart': command(({ db }, a) => depart(db, a)),
  'orders.promotionReview': query(({ db }, a) => promotionReview(db, a)),
  'orders.promote': command(({ db }, a) => promote(db, a)),
  'orders.graduate': command(({ db }, a) => graduate(db, a)),
  'debts.list': query(({ db }, a) => listDebts(db, a)),
  'debts.recordRetake': command(({ db }, a) => recordRetake(db, a)),
  'debts.decide': command(({ db }, a) => decideDebts(db, a)),
});
