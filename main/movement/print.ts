// An order of the book of orders as a paper to sign (A4 portrait, pdfmake in the house style of shared/pdf.ts): the
// school, «ПРИКАЗ № … от …», what it orders, the list of its students with their movement (a promotion, a выпуск and an
// order on academic debts class by class, each with its decision: basis, debts and deadline, attestat), the director's
// signature.
// Not a certified printout: it carries no verification code — the signed paper is the original.
import type { Content, TableCell } from 'pdfmake/interfaces.js';
import type { DB } from '../../db/connection.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { fullName } from '../../preload/core/names.ts';
import { getSchool } from '../school/profile.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { renderPrintedPdf } from '../shared/pdf.ts';
import { getOrder, orderMovements } from './orders.ts';
import { cancelledBy } from './cancel.ts';

const WHAT: Record<string, string> = {
  enrolment: 'Зачислить в число обучающихся', transfer: 'Перевести', promotion: 'Перевести в следующий класс', departure: 'Отчислить (выбытие)',
  graduation: 'Отчислить в связи с окончанием обучения (выпуск)', academic_debt: 'По итогам ликвидации академической задолженности',
};
const OUTCOME: Record<string, string> = {
  cleared: 'задолженность ликвидирована', kept_back: 'оставлен(а) на повторное обучение', other_programme: 'переведён(а) на обучение по другой программе',
  family_education: 'переведён(а) на семейное образование',
};
/** Orders whose students are listed class by class (the promotion and the выпуск move whole classes). */
const BY_CLASS = new Set(['promotion', 'graduation', 'academic_debt']);

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
  // what an order decided beyond the move: the academic debts of a conditional promotion, with their deadline
  const debts = new Map<number, string>();
  for (const d of db.prepare(`SELECT d.promotion_movement_id AS mid, group_concat(su.name || ' (' || d.annual_mark || ')', ', ') AS subjects, max(d.deadline) AS deadline
      FROM academic_debts d JOIN subjects su ON su.id = d.subject_id JOIN movements mv ON mv.id = d.promotion_movement_id
      WHERE mv.order_id = ? GROUP BY d.promotion_movement_id`).all(orderId) as Array<{ mid: number; subjects: string; deadline: string }>) {
    debts.set(d.mid, `академическая задолженность: ${d.subjects}; срок ликвидации — до ${formatDate(d.deadline)}`);
  }
  // a выпуск names each graduate's attestat (series, number, registration number in the book of issued attestats)
  if (order.kind === 'graduation') {
    for (const a of db.prepare(`SELECT mv.id AS mid, f.series, f.number, a.reg_number FROM movements mv
        JOIN classes c ON c.id = mv.from_class_id JOIN attestats a ON a.student_id = mv.student_id AND a.kind = c.parallel
        JOIN attestat_forms f ON f.id = a.form_id WHERE mv.order_id = ?`).all(orderId) as Array<{ mid: number; series: string; number: number; reg_number: number }>) {
      debts.set(a.mid, `аттестат ${a.series} № ${a.number}, рег. № ${a.reg_number}`);
    }
  }
  type Line = { studentId: string; studentName: string; fromClass: string | null; toClass: string | null; date: string; basis: string };
  const lines: Line[] = rows.map((m) => ({ ...m, basis: [
    order.corrects && m.orderNumber !== order.corrects.number ? `по приказу № ${m.orderNumber} от ${formatDate(m.orderDate)}` : null,
    m.reason, debts.get(m.id), m.whereFrom, m.whereTo].filter(Boolean).join('; ') || '—' }));
  // an order on academic debts lists every pupil whose debts it decided, moved or not
  if (order.kind === 'academic_debt') {
    const moved = new Set(rows.map((m) => m.studentId));
    const decided = db.prepare(`SELECT d.student_id, s.last_name, s.first_name, s.middle_name, c.parallel || c.letter AS cls, d.outcome, d.outcome_date,
        group_concat(su.name, ', ') AS subjects
      FROM academic_debts d JOIN students s ON s.id = d.student_id JOIN subjects su ON su.id = d.subject_id
      LEFT JOIN class_memberships m ON m.student_id = d.student_id AND m.end_date IS NULL LEFT JOIN classes c ON c.id = m.class_id
      WHERE d.outcome_order_id = ? GROUP BY d.student_id ORDER BY s.search_key`).all(orderId) as
      Array<{ student_id: string; last_name: string; first_name: string; middle_name: string | null; cls: string | null; outcome: string; outcome_date: string; subjects: string }>;
    for (const d of decided) {
      const line = lines.find((l) => l.studentId === d.student_id);
      const what = `${OUTCOME[d.outcome]} (${d.subjects})`;
      if (line) line.basis = `${what}; ${line.basis}`;
      else if (!moved.has(d.student_id)) {
        lines.push({ studentId: d.student_id, studentName: fullName({ lastName: d.last_name, firstName: d.first_name, middleName: d.middle_name }),
          fromClass: d.cls, toClass: d.cls, date: d.outcome_date, basis: what });
        birth.set(d.student_id, (db.prepare('SELECT birth_date FROM students WHERE id = ?').get(d.student_id) as { birth_date: string }).birth_date);
      }
    }
  }
  const th = (text: string): TableCell => ({ text, bold: true, alignment: 'center', fontSize: 8 });
  const tableOf = (list: Line[]): Content => ({
    table: {
      headerRows: 1, widths: [14, 120, 48, 32, 32, 46, '*'], body: [
        [th('№'), th('ФИО обучающегося'), th('Дата рождения'), th('Из класса'), th('В класс'), th('Дата'), th('Основание, откуда / куда')],
        ...list.map((m, i): TableCell[] => [
          { text: String(i + 1), alignment: 'right' }, m.studentName, formatDate(birth.get(m.studentId)), m.fromClass ?? '—', m.toClass ?? '—', formatDate(m.date), m.basis,
        ]),
      ],
    },
    fontSize: 8.5,
  });
  const classKey = (c: string | null) => (c ? `${c.slice(0, -1).padStart(2, '0')}${c.slice(-1)}` : '');
  const what = order.corrects
    ? `${order.corrects.kind === 'cancel' ? 'Отменить' : 'Изменить'} приказ № ${order.corrects.number} от ${formatDate(order.corrects.date)} в части движений следующих обучающихся, ` +
      `считая их не состоявшимися (${lines.length}):`
    : `${WHAT[order.kind]} следующих обучающихся (${lines.length}):`;
  const lists: Content[] = BY_CLASS.has(order.kind) && !order.corrects
    ? [...new Set(lines.map((l) => l.fromClass))].sort((x, y) => classKey(x).localeCompare(classKey(y))).flatMap((cls): Content[] => {
      const of = lines.filter((l) => l.fromClass === cls);
      return [{ text: `${cls ?? '—'} класс (${of.length})`, bold: true, fontSize: 9.5, margin: [0, 8, 0, 4] }, tableOf(of)];
    })
    : [tableOf(lines)];
  const content: Content[] = [
    { text: school.fullName, bold: true, fontSize: 10.5, alignment: 'center' },
    { text: school.address, fontSize: 7.5, alignment: 'center', margin: [0, 2, 0, 10] },
    { text: 'ПРИКАЗ', bold: true, fontSize: 14, alignment: 'center' },
    { columns: [{ text: `от ${formatDate(order.date)}`, fontSize: 10 }, { text: `№ ${order.number}`, fontSize: 10, alignment: 'right' }], margin: [0, 6, 0, 4] },
    { text: `${order.title} (${order.schoolYear} учебный год, ${order.seqInYear}-й приказ в книге этого года)`, bold: true, fontSize: 10, margin: [0, 4, 0, 8] },
    { text: what, fontSize: 9.5, margin: [0, 0, 0, 6] },
    ...lists,
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
