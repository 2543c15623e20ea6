// Consents to the processing of a student's personal data, as facts with history: a consent is recorded once (who gave
// it, for which purposes, from which day) and never changed; a withdrawal is a fact of its own beside it. The schema
// refuses edits and deletions of either (migration 0020); dispatch audits each call.
import type { DB } from '../../db/connection.ts';
import type { Consent } from '../../preload/contract.ts';
import type { ConsentGiver, ConsentPurpose } from '../../preload/core/consents.ts';
import { nowIso, todayIso } from '../../preload/core/dates.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';

type Row = { id: number; student_id: string; given_by: ConsentGiver; given_by_name: string; purposes: string; from_date: string;
  recorded_at: string; recorded_by: string; w_date: string | null; w_reason: string | null; w_recorded_at: string | null; w_recorded_by: string | null };

const SELECT = `SELECT c.*, w.date AS w_date, w.reason AS w_reason, w.recorded_at AS w_recorded_at, w.recorded_by AS w_recorded_by
  FROM consents c LEFT JOIN consent_withdrawals w ON w.consent_id = c.id`;

const toConsent = (r: Row): Consent => ({
  id: r.id, studentId: r.student_id, givenBy: r.given_by, givenByName: r.given_by_name, purposes: JSON.parse(r.purposes) as ConsentPurpose[],
  fromDate: r.from_date, recordedAt: r.recorded_at, recordedBy: r.recorded_by,
  withdrawal: r.w_date ? { date: r.w_date, reason: r.w_reason, recordedAt: r.w_recorded_at!, recordedBy: r.w_recorded_by! } : null,
});

/** A student's consents, oldest first, each with its withdrawal if any. */
export function listConsents(db: DB, studentId: string): Consent[] {
  if (!db.prepare('SELECT 1 FROM students WHERE id = ?').get(studentId)) throw notFound('Ученик');
  return (db.prepare(`${SELECT} WHERE c.student_id = ? ORDER BY c.id`).all(studentId) as Row[]).map(toConsent);
}

function getConsent(db: DB, id: number): Consent {
  const r = db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as Row | undefined;
  if (!r) throw notFound('Согласие');
  return toConsent(r);
}

export function addConsent(db: DB, login: string, a: { studentId: string; givenBy: ConsentGiver; givenByName: string; purposes: ConsentPurpose[]; fromDate: string }): Consent {
  if (!db.prepare('SELECT 1 FROM students WHERE id = ?').get(a.studentId)) throw notFound('Ученик');
  if (a.fromDate > todayIso()) throw fieldError('fromDate', 'Согласие не может быть датировано будущим днём');
  const purposes = [...new Set(a.purposes)];
  const id = Number(db.prepare(`INSERT INTO consents (student_id, given_by, given_by_name, purposes, from_date, recorded_at, recorded_by)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(a.studentId, a.givenBy, a.givenByName.trim(), JSON.stringify(purposes), a.fromDate, nowIso(), login).lastInsertRowid);
  return getConsent(db, id);
}

export function withdrawConsent(db: DB, login: string, a: { id: number; date: string; reason?: string | null }): Consent {
  const c = getConsent(db, a.id);
  if (c.withdrawal) throw new AppError('conflict', `Согласие уже отозвано ${c.withdrawal.date.split('-').reverse().join('.')}`);
  if (a.date < c.fromDate) throw fieldError('date', 'Согласие нельзя отозвать раньше дня, с которого оно дано');
  if (a.date > todayIso()) throw fieldError('date', 'Отзыв согласия не может быть датирован будущим днём');
  db.prepare('INSERT INTO consent_withdrawals (consent_id, date, reason, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)')
    .run(a.id, a.date, a.reason?.trim() || null, nowIso(), login);
  return getConsent(db, a.id);
}
