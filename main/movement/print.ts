// An order of the book of orders as a paper to sign (A4 portrait, pdfmake in the house style of shared/pdf.ts): the
// school, «ПРИКАЗ № … от …», what it orders, the list of its students with their movement, the director's signature.
// Not a certified printout: it carries no verification code — the signed paper is the original.
import type { Content, TableCell } from 'pdfmake/interfaces.js';
import type { DB } from '../../db/connection.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { getSchool } from '../school/profile.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { renderPrintedPdf } from '../shared/pdf.ts';
import { getOrder, orderMovements } from './orders.ts';
import { cancelledBy } from './cancel.ts';

const WHAT: Record<string, string> = {
  enrolment: 'Зачислить в число обучающихся', transfer: 'Перевести', promotion: 'Перевести в следующий класс', departure: 'Отчислить (выбытие)',
};

/** The order as a PDF with its list of students; refused when the school's requisites are not filled in. */
export async function printOrder(db: DB, orderId: number): Promise<{ fileName: string; dataBase64: string }> {
  let order;
  try {
    order = getOrder(db, orderId);
  } catch {
    throw notFound('Приказ');
  }
  const school = getSchool(db);
  if (!school) throw new AppError('validation', 'Заполните реквизиты школы (раздел «Организация»): они печатаются в приказе');
  // an order of correction lists the movements it cancels, each with the order it was made by
  const rows = order.corrects ? cancelledBy(db, orderId) : orderMovements(db, orderId);
  const birth = new Map((db.prepare(`SELECT id, birth_date FROM students WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(rows.map((m) => m.studentId))) as Array<{ id: string; birth_date: string }>).map((r) => [r.id, r.birth_date]));
  const what = order.corrects
    ? `${order.corrects.kind === 'cancel' ? 'Отменить' : 'Изменить'} приказ № ${order.corrects.number} от ${formatDate(order.corrects.date)} в части движений следующих обучающихся, ` +
      `считая их не состоявшимися (${rows.length}):`
    : `${WHAT[order.kind]} следующих обучающихся (${rows.length}):`;
  const th = (text: string): TableCell => ({ text, bold: true, alignment: 'center', fontSize: 8 });
  const table: TableCell[][] = [
    [th('№'), th('ФИО обучающегося'), th('Дата рождения'), th('Из класса'), th('В класс'), th('Дата'), th('Основание, откуда / куда')],
    ...rows.map((m, i): TableCell[] => [
      { text: String(i + 1), alignment: 'right' }, m.studentName, formatDate(birth.get(m.studentId)), m.fromClass ?? '—', m.toClass ?? '—',
      formatDate(m.date), [order.corrects && m.orderNumber !== order.corrects.number ? `по приказу № ${m.orderNumber} от ${formatDate(m.orderDate)}` : null,
        m.reason, m.whereFrom, m.whereTo].filter(Boolean).join('; ') || '—',
    ]),
  ];
  const content: Content[] = [
    { text: school.fullName, bold: true, fontSize: 10.5, alignment: 'center' },
    { text: school.address, fontSize: 7.5, alignment: 'center', margin: [0, 2, 0, 10] },
    { text: 'ПРИКАЗ', bold: true, fontSize: 14, alignment: 'center' },
    { columns: [{ text: `от ${formatDate(order.date)}`, fontSize: 10 }, { text: `№ ${order.number}`, fontSize: 10, alignment: 'right' }], margin: [0, 6, 0, 4] },
    { text: `${order.title} (${order.schoolYear} учебный год, ${order.seqInYear}-й приказ в книге этого года)`, bold: true, fontSize: 10, margin: [0, 4, 0, 8] },
    { text: what, fontSize: 9.5, margin: [0, 0, 0, 6] },
    { table: { headerRows: 1, widths: [16, '*', 52, 38, 38, 50, 120], body: table }, fontSize: 8.5 },
    {
      unbreakable: true, margin: [0, 18, 0, 0], fontSize: 9.5,
      columns: [{ text: 'Директор', bold: true, width: 120 }, { text: '____________________', width: 140 }, { text: school.director }],
    },
  ];
  const pdf = await renderPrintedPdf({
    title: `Приказ № ${order.number} от ${formatDate(order.date)}`, author: school.shortName, subject: order.title,
    orientation: 'portrait', runningHead: `${school.shortName} · Книга приказов ${order.schoolYear}`, content, certification: { kind: 'plain' },
  });
  const safe = order.number.replace(/[^0-9A-Za-zА-ЯЁа-яё_-]+/g, '_');
  return { fileName: `Приказ ${safe} от ${formatDate(order.date)}.pdf`, dataBase64: pdf.toString('base64') };
}
