// The subject-access report (152-ФЗ ст. 14): what the register holds on one student — the card and guardians, the
// classes, the movements with their orders, a summary of the marks, the consents with their withdrawals — and who read
// it, when and from which workplace (the read-access log). A plain PDF in the house style (main/shared/pdf.ts).
import type { Content, TableCell } from 'pdfmake/interfaces.js';
import type { DB } from '../../db/connection.ts';
import { CONSENT_GIVER_NAMES, CONSENT_PURPOSE_NAMES, READ_KIND_NAMES } from '../../preload/core/consents.ts';
import { formatDate, formatDateTime, todayIso } from '../../preload/core/dates.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import { fullName } from '../../preload/core/names.ts';
import { studentHistory } from '../movement/orders.ts';
import { getSchool } from '../school/profile.ts';
import { renderPrintedPdf } from '../shared/pdf.ts';
import { getStudent } from '../students/students.ts';
import { listConsents } from './consents.ts';
import { readsOfStudent } from './read-log.ts';

const MOVEMENT = { enrolment: 'зачисление', transfer: 'перевод', promotion: 'перевод в следующий класс', departure: 'выбытие' } as const;
const DOC = { birth_certificate: 'свидетельство о рождении', passport: 'паспорт' } as const;
const MARK_COLUMNS = ['p1', 'p2', 'p3', 'p4', 'annual', 'exam', 'final'] as const;

const th = (text: string): TableCell => ({ text, bold: true, fontSize: 8 });
const section = (title: string): Content => ({ text: title, bold: true, fontSize: 11, margin: [0, 10, 0, 4] });
const table = (widths: Array<number | string>, head: string[], rows: TableCell[][], empty: string): Content =>
  rows.length ? { table: { headerRows: 1, widths, body: [head.map(th), ...rows] }, fontSize: 8.5 } : { text: empty, italics: true, fontSize: 9 };

export async function accessReport(db: DB, studentId: string, requestedBy: string): Promise<{ fileName: string; dataBase64: string }> {
  const s = getStudent(db, studentId);
  const name = fullName(s);
  const school = getSchool(db);
  const memberships = db.prepare(`SELECT c.parallel || c.letter AS class, y.name AS year, m.start_date, m.end_date FROM class_memberships m
    JOIN classes c ON c.id = m.class_id JOIN academic_years y ON y.id = m.year_id WHERE m.student_id = ? ORDER BY m.start_date`).all(studentId) as
    Array<{ class: string; year: string; start_date: string; end_date: string | null }>;
  const marks = db.prepare(`SELECT y.name AS year, c.parallel || c.letter AS class, sub.name AS subject, ${MARK_COLUMNS.map((k) => `sm.${k}`).join(', ')}
    FROM subject_marks sm JOIN classes c ON c.id = sm.class_id JOIN academic_years y ON y.id = sm.year_id JOIN subjects sub ON sub.id = sm.subject_id
    WHERE sm.student_id = ? ORDER BY y.name, sub.name`).all(studentId) as Array<Record<string, string | null>>;
  const consents = listConsents(db, studentId);
  const reads = readsOfStudent(db, studentId);
  const readers = [...new Map(reads.map((r) => [r.login, r.userName ?? r.login])).entries()];

  const content: Content[] = [
    { text: school?.fullName ?? '', bold: true, fontSize: 10, alignment: 'center' },
    { text: 'Сведения об обработке персональных данных обучающегося', bold: true, fontSize: 13, alignment: 'center', margin: [0, 8, 0, 2] },
    { text: `${name}, ${formatDate(s.birthDate)} г. р. — по состоянию на ${formatDate(todayIso())}`, fontSize: 10, alignment: 'center', margin: [0, 0, 0, 6] },
    { text: 'Что реестр школы хранит об обучающемся и кто и когда читал эти сведения (ст. 14 Федерального закона № 152-ФЗ «О персональных данных»).', fontSize: 8.5 },

    section('1. Карточка'),
    table([150, '*'], ['Сведение', 'Значение'], ([
      ['ФИО', name], ['Дата рождения', formatDate(s.birthDate)], ['Пол', s.sex === 'М' ? 'мужской' : 'женский'],
      ['СНИЛС', s.snils ? formatSnils(s.snils) : '—'],
      ['Документ', s.docKind ? [DOC[s.docKind], s.docSeries, s.docNumber, s.docDate && `выдан ${formatDate(s.docDate)}`, s.docIssuer].filter(Boolean).join(', ') : '—'],
      ['Адрес', s.address ?? '—'], ['Класс сейчас', s.currentClass ? `${s.currentClass.name} (${s.currentClass.yearName})` : '—'],
      ['Личное дело', s.bookEntry ? `№ ${s.bookEntry.fileNumber}` : '—'],
      ...s.guardians.map((g): [string, string] => [`Представитель (${g.kind})`, [g.fullName, g.phone, g.email].filter(Boolean).join(', ')]),
    ] as Array<[string, string]>).map(([k, v]) => [k, v]), ''),

    section('2. Классы'),
    table(['*', '*', '*', '*'], ['Учебный год', 'Класс', 'С', 'По'],
      memberships.map((m) => [m.year, m.class, formatDate(m.start_date), m.end_date ? formatDate(m.end_date) : 'по настоящее время']), 'Не числился ни в одном классе.'),

    section('3. Движение (книга приказов)'),
    table([60, 70, '*', 50, 50], ['Дата', 'Вид', 'Приказ', 'Из', 'В'],
      studentHistory(db, studentId).map((m) => [formatDate(m.date), MOVEMENT[m.kind], `№ ${m.orderNumber} от ${formatDate(m.orderDate)}`, m.fromClass ?? '—', m.toClass ?? '—']),
      'Движений нет.'),

    section('4. Отметки (сводно)'),
    table([45, 28, '*', 60, 35, 35, 35], ['Год', 'Класс', 'Предмет', 'Периоды', 'Годовая', 'Экзамен', 'Итоговая'],
      marks.map((m) => [m.year!, m.class!, m.subject!, ['p1', 'p2', 'p3', 'p4'].map((k) => m[k] ?? '·').join(' '), m.annual ?? '—', m.exam ?? '—', m.final ?? '—']),
      'Отметок нет.'),

    section('5. Согласия на обработку персональных данных'),
    table([50, '*', '*', 90], ['С', 'Кто дал', 'Цели обработки', 'Отзыв'],
      consents.map((c) => [formatDate(c.fromDate), `${c.givenByName} (${CONSENT_GIVER_NAMES[c.givenBy]})`, c.purposes.map((p) => CONSENT_PURPOSE_NAMES[p]).join('; '),
        c.withdrawal ? `отозвано ${formatDate(c.withdrawal.date)}${c.withdrawal.reason ? `: ${c.withdrawal.reason}` : ''}` : 'действует']),
      'Согласий не записано.'),

    section('6. Кто читал сведения'),
    { text: readers.length ? `Читали: ${readers.map(([login, who]) => `${who} (${login})`).join('; ')}. Всего чтений: ${reads.length}.` : 'Чтений не записано.', fontSize: 9, margin: [0, 0, 0, 4] },
    table([80, '*', 70, 60, '*'], ['Когда', 'Кто', 'Рабочее место', 'Что', 'Операция'],
      reads.map((r) => [formatDateTime(r.at), `${r.userName ?? r.login} (${r.login})`, r.workplace, READ_KIND_NAMES[r.kind], r.method]), ''),
    { text: `Журнал чтения хранится ${retention(db)} дн.; записи старше удаляются по решению администратора. Этот отчёт составлен по запросу пользователя ${requestedBy} и сам записан в журнал чтения.`,
      fontSize: 7.5, color: '#444444', margin: [0, 8, 0, 0] },
  ];
  const pdf = await renderPrintedPdf({
    title: `Сведения об обработке персональных данных: ${name}`, author: school?.shortName ?? 'School Register', subject: 'Отчёт субъекту персональных данных',
    orientation: 'portrait', runningHead: `${school?.shortName ?? ''} · Персональные данные обучающегося`, content, certification: { kind: 'plain' },
  });
  return { fileName: `Персональные данные ${name} ${formatDate(todayIso())}.pdf`, dataBase64: pdf.toString('base64') };
}

const retention = (db: DB) => (db.prepare('SELECT read_log_retention_days AS d FROM settings WHERE id = 1').get() as { d: number }).d;
