// Выпуск after the ГИА, by an order of its own: 9th and 11th graders leave the school having finished its level — with
// an attestat (their final marks set, none failing, the attestat issued in the book of issued attestats) or, not
// admitted or not passed, with a справка об обучении (the reason says so). A 9th grader whom the promotion already put
// into a 10th class from 1 September is released from her 9th class in June: the 10th-grade place she never took up
// is withdrawn (nothing can have been recorded in it before it began).
import type { DB } from '../../db/connection.ts';
import { fullName } from '../../preload/core/names.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { FAILING_MARKS } from '../../preload/core/marks.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { getStudent } from '../students/students.ts';
import { fileDeparture } from '../alphabet-book/book.ts';
import { lastPeriodEnd } from './promotion.ts';
import {
  GRADUATION_REASON, GRADUATION_REASON_9, activeMembership, closeMembership, graduationWithoutAttestatReason, insertMovement, orderFor,
  requireDate, yearBounds, type OrderRef,
} from './orders.ts';


type Leaving = { membershipId: number | null; futureMembershipId: number | null; classId: number; yearId: number; parallel: number; letter: string; startDate: string };

/** The class a pupil graduates from: her open 9th or 11th class, or the 9th class a promotion took her from into a 10th not yet begun. */
function leavingClass(db: DB, studentId: string, date: string): Leaving | null {
  const active = activeMembership(db, studentId);
  if (!active) return null;
  const c = db.prepare('SELECT parallel, letter FROM classes WHERE id = ?').get(active.class_id) as { parallel: number; letter: string };
  if (c.parallel === 9 || c.parallel === 11) {
    return { membershipId: active.id, futureMembershipId: null, classId: active.class_id, yearId: active.year_id, ...c, startDate: active.start_date };
  }
  if (c.parallel !== 10 || active.start_date <= date) return null;
  const prev = db.prepare(`SELECT pm.class_id, pm.year_id, pm.start_date, fc.parallel, fc.letter FROM class_memberships cur
      JOIN movements mv ON mv.id = cur.start_movement_id AND mv.kind = 'promotion'
      JOIN class_memberships pm ON pm.end_movement_id = mv.id AND pm.student_id = cur.student_id
      JOIN classes fc ON fc.id = pm.class_id
    WHERE cur.id = ?`).get(active.id) as { class_id: number; year_id: number; start_date: string; parallel: number; letter: string } | undefined;
  if (!prev || prev.parallel !== 9) return null;
  return { membershipId: null, futureMembershipId: active.id, classId: prev.class_id, yearId: prev.year_id, parallel: 9, letter: prev.letter, startDate: prev.start_date };
}

export function graduate(db: DB, a: { order: OrderRef; date: string; students: Array<{ studentId: string; withoutAttestat?: boolean }> }) {
  requireDate(a.date);
  const seen = new Set<string>();
  const plan = a.students.map((p, i) => {
    const field = `students.${i}`;
    const s = getStudent(db, p.studentId);
    const name = fullName(s);
    if (seen.has(p.studentId)) throw fieldError(field, `${name} указан(а) в приказе дважды`);
    seen.add(p.studentId);
    const from = leavingClass(db, p.studentId, a.date);
    if (!from) throw fieldError(field, `${name}: выпуск — только из 9 или 11 класса, в котором ученик учится${s.currentClass ? ` (сейчас — ${s.currentClass.name})` : ''}`);
    const cls = `${from.parallel}${from.letter}`;
    const year = yearBounds(db, from.yearId);
    const after = lastPeriodEnd(db, from.yearId) ?? year.start_date;
    if (a.date < after) throw fieldError('date', `Выпуск — после окончания учебного года и ГИА: последний учебный период ${year.name} кончается ${formatDate(after)}`);
    if (a.date > year.end_date) throw fieldError('date', `Дата выпуска ${formatDate(a.date)} позже конца ${year.name} учебного года (${formatDate(year.end_date)}), в котором ученик в ${cls}`);
    if (a.date < from.startDate) throw fieldError('date', `Дата выпуска раньше зачисления ${name} в ${cls} (${formatDate(from.startDate)})`);
    if (from.futureMembershipId != null && db.prepare('SELECT 1 FROM subject_marks WHERE student_id = ? AND class_id = (SELECT class_id FROM class_memberships WHERE id = ?) LIMIT 1')
      .get(p.studentId, from.futureMembershipId)) {
      throw fieldError(field, `${name}: в 10 классе у неё (него) уже есть отметки — выпуск после 9 класса невозможен, оформите выбытие`);
    }
    if (!p.withoutAttestat) {
      const finals = db.prepare(`SELECT s.name, r.final FROM curriculum k JOIN subjects s ON s.id = k.subject_id
        LEFT JOIN subject_marks r ON r.student_id = ? AND r.subject_id = k.subject_id AND r.year_id = ? AND r.class_id = k.class_id
        WHERE k.class_id = ? ORDER BY s.name`).all(p.studentId, from.yearId, from.classId) as Array<{ name: string; final: string | null }>;
      const missing = finals.filter((f) => f.final == null);
      if (!finals.length || missing.length) {
        throw fieldError(field, `${name} (${cls}): нет итоговых отметок${missing.length ? ` — ${missing.map((f) => `«${f.name}»`).join(', ')}` : ' (в учебном плане класса нет предметов)'}: ` +
          'выставьте итоговые отметки («Аттестаты» → «Итоговые отметки») или выпустите без аттестата со справкой об обучении');
      }
      const failing = finals.filter((f) => FAILING_MARKS.has(f.final!));
      if (failing.length) {
        throw fieldError(field, `${name} (${cls}): итоговые ${failing.map((f) => `«${f.name}» — ${f.final}`).join(', ')}: аттестат не выдаётся — выпуск со справкой об обучении`);
      }
      const issued = db.prepare('SELECT issue_date FROM attestats WHERE student_id = ? AND kind = ?').get(p.studentId, from.parallel) as { issue_date: string } | undefined;
      if (!issued) {
        throw fieldError(field, `${name} (${cls}): аттестат ${from.parallel === 9 ? 'об основном' : 'о среднем'} общем образовании не выдан ` +
          '(его нет в книге выдачи аттестатов): выдайте аттестат или выпустите со справкой об обучении');
      }
    }
    const reason = p.withoutAttestat ? graduationWithoutAttestatReason(from.parallel) : from.parallel === 9 ? GRADUATION_REASON_9 : GRADUATION_REASON;
    return { studentId: p.studentId, from, reason, withAttestat: !p.withoutAttestat };
  });
  if (!plan.length) throw new AppError('validation', 'Выберите выпускников', { students: 'выберите выпускников' });
  const orderId = orderFor(db, a.order, 'graduation');
  for (const p of plan) {
    if (p.from.futureMembershipId != null) db.prepare('DELETE FROM class_memberships WHERE id = ?').run(p.from.futureMembershipId);
    const mid = insertMovement(db, { orderId, studentId: p.studentId, kind: 'departure', date: a.date, from: p.from.classId, reason: p.reason });
    if (p.from.membershipId != null) closeMembership(db, p.from.membershipId, a.date, mid);
    fileDeparture(db, p.studentId, a.date, p.reason, null);
  }
  const withAttestat = plan.filter((p) => p.withAttestat).length;
  return { released: plan.length, withAttestat, withCertificate: plan.length - withAttestat };
}
