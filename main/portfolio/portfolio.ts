// A student's portfolio: olympiads, contests, competitions with their level, date, result and the title awarded.
import type { DB } from '../../db/connection.ts';
import type { PortfolioEntry } from '../../preload/contract.ts';
import { fieldError, notFound } from '../shared/errors.ts';
import { cleanName } from '../../preload/core/names.ts';
import { isValidIsoDate } from '../../preload/core/dates.ts';
import { getStudent } from '../students/students.ts';

export type PortfolioFields = { studentId: string; eventName: string; status: PortfolioEntry['status']; date: string; result: PortfolioEntry['result']; title?: string | null };

type Row = { id: number; student_id: string; event_name: string; status: PortfolioEntry['status']; date: string; result: PortfolioEntry['result']; title: string | null };
const toEntry = (r: Row): PortfolioEntry => ({ id: r.id, studentId: r.student_id, eventName: r.event_name, status: r.status, date: r.date, result: r.result, title: r.title });

export function listPortfolio(db: DB, studentId: string): PortfolioEntry[] {
  getStudent(db, studentId);
  return (db.prepare('SELECT * FROM portfolio_entries WHERE student_id = ? ORDER BY date DESC, id DESC').all(studentId) as Row[]).map(toEntry);
}

function clean(db: DB, a: PortfolioFields) {
  const s = getStudent(db, a.studentId);
  const eventName = cleanName(a.eventName);
  if (!eventName) throw fieldError('eventName', 'Укажите название мероприятия');
  if (!isValidIsoDate(a.date)) throw fieldError('date', 'Неверная дата мероприятия');
  if (a.date <= s.birthDate) throw fieldError('date', `Дата мероприятия раньше даты рождения ученика ${s.lastName} ${s.firstName}`);
  return { ...a, eventName, title: cleanName(a.title) || null };
}

function getEntry(db: DB, id: number): PortfolioEntry {
  const r = db.prepare('SELECT * FROM portfolio_entries WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw notFound('Запись портфолио');
  return toEntry(r);
}

export function addPortfolioEntry(db: DB, a: PortfolioFields): PortfolioEntry {
  const v = clean(db, a);
  const id = Number(db.prepare('INSERT INTO portfolio_entries (student_id, event_name, status, date, result, title) VALUES (?, ?, ?, ?, ?, ?)')
    .run(v.studentId, v.eventName, v.status, v.date, v.result, v.title).lastInsertRowid);
  return getEntry(db, id);
}

export function updatePortfolioEntry(db: DB, id: number, a: PortfolioFields): PortfolioEntry {
  const before = getEntry(db, id);
  if (before.studentId !== a.studentId) throw fieldError('studentId', 'Запись портфолио нельзя перенести другому ученику');
  const v = clean(db, a);
  db.prepare('UPDATE portfolio_entries SET event_name = ?, status = ?, date = ?, result = ?, title = ? WHERE id = ?').run(v.eventName, v.status, v.date, v.result, v.title, id);
  return getEntry(db, id);
}

export function removePortfolioEntry(db: DB, id: number): { ok: true } {
  getEntry(db, id);
  db.prepare('DELETE FROM portfolio_entries WHERE id = ?').run(id);
  return { ok: true };
}
