// The movement of students by order: enrolment, transfer, departure, the reviewed promotion, the выпуск, academic
// debts, and the book of orders.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { printOrder } from './print.ts';
import { bookOfOrders, depart, enrol, getOrder, listOrders, orderMovements, studentHistory, transfer } from './orders.ts';
import { promote, promotionReview } from './promotion.ts';
import { graduate } from './graduation.ts';
import { decideDebts, listDebts, recordRetake } from './debts.ts';
import { cancelledBy, cancelOrder } from './cancel.ts';
import { enrolFirstGraders } from './first-graders.ts';

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
  'students.enrolFirstGraders': command(({ db }, a) => enrolFirstGraders(db, a)),
  'orders.get': query(({ db }, a) => getOrder(db, a.orderId)),
  'orders.book': query(({ db }, a) => bookOfOrders(db, a)),
  'orders.cancelledBy': query(({ db }, a) => cancelledBy(db, a.orderId)),
  'orders.cancel': command(({ db, user }, a) => cancelOrder(db, a, { admin: user?.role === 'admin' })),
});
