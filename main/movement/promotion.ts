// The promotion of the school to the next year as a reviewed document: for a year and a date, per class who is
// promoted, kept back (on what basis), promoted conditionally (with which debts), left for a выпуск order, and what
// blocks the order; then the order itself, written only when nothing blocks it. The review and the order are one
// function's reading of the same decisions, so what the clerk confirmed is what is written.
import type { DB } from '../../db/connection.ts';
import type { PromotionReview } from '../../preload/contract.ts';
import { fullName } from '../../preload/core/names.ts';
import { formatDate, isValidIsoDate } from '../../preload/core/dates.ts';
import { FAILING_MARKS } from '../../preload/core/marks.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { levelOf, setCurriculum } from '../classes/classes.ts';
import { studiedInYear, templateOf } from '../classes/curriculum-templates.ts';
import { getSettings } from '../grades/settings.ts';
import { closeMembership, insertMovement, openMembership, orderFor, requireDate, type OrderRef } from './orders.ts';

type Basis = 'application' | 'council';
export type PromotionDecisions = {
  keptBack?: Array<string | { studentId: string; basis?: Basis; basisDate?: string }>;
  conditional?: Array<{ studentId: string; deadline: string }>;
  leavingAfterNinth?: string[];
};
type Review = PromotionReview;
type Debt = Review['blockers'][number]['subjects'][number];

/** Annual marks that leave an academic debt (the schema's academic_debts.annual_mark): the core's failing marks. */
const DEBT_MARKS = FAILING_MARKS;
const BASIS_TEXT: Record<Basis, string> = { application: 'заявление родителей (законных представителей)', council: 'решение педагогического совета' };
export const keptBackReason = (basis: Basis, date: string) => `Оставлен(а) на повторное обучение: ${BASIS_TEXT[basis]} от ${formatDate(date)}`;
export const CONDITIONAL_REASON = 'Переведён(а) условно';

type Member = { id: number; student_id: string; class_id: number; start_date: string; parallel: number; letter: string;
  homeroom_teacher_id: number | null; shift: number; adapted: number; last_name: string; first_name: string; middle_name: string | null };

function yearRow(db: DB, id: number) {
  return db.prepare('SELECT id, name, start_date, end_date FROM academic_years WHERE id = ?').get(id) as
    { id: number; name: string; start_date: string; end_date: string } | undefined;
}

/** The end of the year's last study period (of the kinds its grades study by). */
export function lastPeriodEnd(db: DB, yearId: number): string | null {
  return (db.prepare(`SELECT max(p.end_date) AS d FROM periods p WHERE p.year_id = ?
    AND p.kind IN (SELECT kind FROM year_grade_periods WHERE year_id = ?)`).get(yearId, yearId) as { d: string | null }).d;
}

/** Reads the decisions and the year's pupils into the review; refuses a bad date or a decision about no one in the year. */
function compute(db: DB, a: { fromYearId: number; date?: string } & PromotionDecisions) {
  const from = yearRow(db, a.fromYearId);
  if (!from) throw fieldError('fromYearId', 'Учебный год не найден');
  const lastEnd = lastPeriodEnd(db, from.id) ?? from.start_date;
  const date = a.date ?? lastEnd;
  requireDate(date);
  if (date < lastEnd) {
    throw fieldError('date', `Перевод в следующий класс — после окончания последнего учебного периода ${from.name} (${formatDate(lastEnd)}): ` +
      `${formatDate(date)} — раньше, годовые отметки ещё не выставлены`);
  }
  if (date > from.end_date) throw fieldError('date', `Дата ${formatDate(date)} — вне ${from.name} учебного года (он кончается ${formatDate(from.end_date)})`);
  const first = Number(from.name.slice(0, 4));
  const next = db.prepare('SELECT id, name FROM academic_years WHERE name = ?').get(`${first + 1}/${first + 2}`) as { id: number; name: string } | undefined;

  const members = db.prepare(`SELECT m.id, m.student_id, m.class_id, m.start_date, c.parallel, c.letter, c.homeroom_teacher_id, c.shift, c.adapted,
      s.last_name, s.first_name, s.middle_name
    FROM class_memberships m JOIN classes c ON c.id = m.class_id JOIN students s ON s.id = m.student_id
    WHERE m.year_id = ? AND m.end_date IS NULL ORDER BY c.parallel, c.letter, s.search_key`).all(from.id) as Member[];
  const byId = new Map(members.map((m) => [m.student_id, m]));
  const nameOf = (m: Member) => fullName({ lastName: m.last_name, firstName: m.first_name, middleName: m.middle_name });
  const decided = new Map<string, string>();
  const decide = (studentId: string, field: string) => {
    const m = byId.get(studentId);
    if (!m) throw fieldError(field, 'Ученик не числится в классах этого года');
    if (decided.has(studentId)) throw fieldError(field, `${nameOf(m)}: решение о нём уже принято (${decided.get(studentId)}) — одно решение на ученика`);
    return m;
  };

  const kept = new Map<string, { basis: Basis; basisDate: string }>();
  (a.keptBack ?? []).forEach((k, i) => {
    const d = typeof k === 'string' ? { studentId: k } : k;
    const m = decide(d.studentId, `keptBack.${i}`);
    if (!d.basis || !d.basisDate) {
      throw fieldError(`keptBack.${i}.basis`, `${nameOf(m)} (${m.parallel}${m.letter}): оставить на повторное обучение можно только по заявлению ` +
        'родителей (законных представителей) или решению педагогического совета — укажите основание и его дату');
    }
    if (!isValidIsoDate(d.basisDate)) throw fieldError(`keptBack.${i}.basisDate`, 'Неверная дата основания');
    if (d.basisDate > date) throw fieldError(`keptBack.${i}.basisDate`, `${nameOf(m)}: основание от ${formatDate(d.basisDate)} — позже приказа (${formatDate(date)})`);
    kept.set(d.studentId, { basis: d.basis, basisDate: d.basisDate });
    decided.set(d.studentId, 'оставлен(а) на повторное обучение');
  });
  const leaving = new Set<string>();
  (a.leavingAfterNinth ?? []).forEach((id, i) => {
    const m = decide(id, `leavingAfterNinth.${i}`);
    if (m.parallel !== 9) throw fieldError(`leavingAfterNinth.${i}`, `${nameOf(m)} — в ${m.parallel}${m.letter}: после 9 класса уходят только девятиклассники`);
    leaving.add(id);
    decided.set(id, 'уходит после 9 класса');
  });
  const conditional = new Map<string, string>();
  const conditionalField = new Map<string, string>();
  (a.conditional ?? []).forEach((c, i) => {
    const m = decide(c.studentId, `conditional.${i}`);
    if (m.parallel === 9 || m.parallel === 11) {
      throw fieldError(`conditional.${i}`, `${nameOf(m)} (${m.parallel}${m.letter}): в ${m.parallel} классе условного перевода нет — ` +
        (m.parallel === 9 ? 'оставьте на повторное обучение или выпустите со справкой об обучении' : 'выпуск — отдельным приказом'));
    }
    requireDate(c.deadline, `conditional.${i}.deadline`);
    const limit = `${first + 2}-${date.slice(5)}`;
    if (c.deadline <= date || c.deadline > limit) {
      throw fieldError(`conditional.${i}.deadline`, `${nameOf(m)}: срок ликвидации задолженности — после приказа и не позже чем через год (до ${formatDate(limit)})`);
    }
    conditional.set(c.studentId, c.deadline);
    conditionalField.set(c.studentId, `conditional.${i}`);
    decided.set(c.studentId, 'переведён(а) условно');
  });

  // the annual marks of the year, by pupil: the class's curriculum against the marks (the row of the class first)
  const curricula = new Map<number, Array<{ id: number; name: string }>>();
  const curriculum = (classId: number) => {
    let c = curricula.get(classId);
    if (!c) {
      c = db.prepare('SELECT s.id, s.name FROM curriculum k JOIN subjects s ON s.id = k.subject_id WHERE k.class_id = ? ORDER BY s.name').all(classId) as Array<{ id: number; name: string }>;
      curricula.set(classId, c);
    }
    return c;
  };
  const annualOf = db.prepare(`SELECT subject_id, annual FROM subject_marks WHERE student_id = ? AND year_id = ? AND annual IS NOT NULL
    ORDER BY class_id = ? DESC`);
  const openDebts = db.prepare(`SELECT d.subject_id, s.name AS subject, d.annual_mark, y.name AS year FROM academic_debts d
    JOIN subjects s ON s.id = d.subject_id JOIN academic_years y ON y.id = d.year_id WHERE d.student_id = ? AND d.outcome IS NULL ORDER BY y.name, s.name`);

  const blockers: Review['blockers'] = [];
  const classes = new Map<number, Review['classes'][number]>();
  const debtsOf = new Map<string, Debt[]>();
  for (const m of members) {
    const className = `${m.parallel}${m.letter}`;
    let k = classes.get(m.class_id);
    if (!k) {
      k = { classId: m.class_id, className, parallel: m.parallel, toClass: m.parallel < 11 ? `${m.parallel + 1}${m.letter}` : null,
        promoted: [], keptBack: [], conditional: [], awaitingGraduation: [] };
      classes.set(m.class_id, k);
    }
    const pupil = { studentId: m.student_id, name: nameOf(m) };
    const keep = kept.get(m.student_id);
    if (keep) {
      k.keptBack.push({ ...pupil, ...keep });
      continue;
    }
    if (m.parallel === 11 || leaving.has(m.student_id)) {
      k.awaitingGraduation.push(pupil);
      continue;
    }
    const older = openDebts.all(m.student_id) as Array<{ subject_id: number; subject: string; annual_mark: string; year: string }>;
    if (older.length) {
      blockers.push({ kind: 'open_debt', className, studentId: m.student_id, studentName: pupil.name,
        subjects: older.map((o) => ({ subjectId: o.subject_id, subject: o.subject, mark: o.annual_mark })),
        message: `${pupil.name} (${className}): академическая задолженность ${older.map((o) => `за ${o.year} по предмету «${o.subject}»`).join(', ')} ` +
          'без итога — запишите итог приказом об итогах её ликвидации' });
    }
    // first graders are taught without marks
    const marks = new Map<number, string>();
    if (m.parallel > 1) for (const r of annualOf.all(m.student_id, from.id, m.class_id) as Array<{ subject_id: number; annual: string }>) {
      if (!marks.has(r.subject_id)) marks.set(r.subject_id, r.annual);
    }
    const missing: Debt[] = [];
    const debts: Debt[] = [];
    if (m.parallel > 1) for (const su of curriculum(m.class_id)) {
      const mark = marks.get(su.id);
      if (mark == null) missing.push({ subjectId: su.id, subject: su.name, mark: '' });
      else if (DEBT_MARKS.has(mark)) debts.push({ subjectId: su.id, subject: su.name, mark });
    }
    if (missing.length) {
      blockers.push({ kind: 'no_annual_mark', className, studentId: m.student_id, studentName: pupil.name, subjects: missing,
        message: `${pupil.name} (${className}): нет годовой отметки — ${missing.map((d) => `«${d.subject}»`).join(', ')}` });
    }
    const deadline = conditional.get(m.student_id);
    if (deadline) {
      if (!debts.length) {
        throw fieldError(conditionalField.get(m.student_id)!, `${pupil.name} (${className}): годовых «2» и «н/а» нет — условно переводить не за что, ученик переводится`);
      }
      k.conditional.push({ ...pupil, deadline, debts });
      debtsOf.set(m.student_id, debts);
    } else if (debts.length) {
      blockers.push({ kind: 'debt_undecided', className, studentId: m.student_id, studentName: pupil.name, subjects: debts,
        message: `${pupil.name} (${className}): ${debts.map((d) => `«${d.subject}» — ${d.mark}`).join(', ')}: решите — перевести условно ` +
          '(с академической задолженностью и сроком) или оставить на повторное обучение' });
    } else if (!missing.length) {
      k.promoted.push(pupil);
    }
  }
  const settings = getSettings(db);
  if (settings.requireSealedBeforePromotion) {
    const sealed = db.prepare(`SELECT EXISTS (SELECT 1 FROM ledger_versions v WHERE v.class_id = @c)
      AND NOT EXISTS (SELECT 1 FROM ledger_corrections k WHERE k.class_id = @c AND k.closed_by_version_id IS NULL) AS ok`);
    for (const k of classes.values()) {
      if (k.promoted.length + k.keptBack.length + k.conditional.length === 0) continue; // nothing of it is moved
      if (!(sealed.get({ c: k.classId }) as { ok: number }).ok) {
        blockers.push({ kind: 'unsealed', className: k.className, studentId: null, studentName: null, subjects: [],
          message: `${k.className}: ведомость за ${from.name} не запечатана (или открыто её исправление) — школа требует запечатать ведомости до перевода` });
      }
    }
  }
  const review: Review = { fromYearId: from.id, yearName: from.name, date, lastPeriodEnd: lastEnd, nextYear: next ?? null,
    requireSealed: settings.requireSealedBeforePromotion, classes: [...classes.values()], blockers };
  return { review, from, members, kept, leaving, conditional, debtsOf };
}

export function promotionReview(db: DB, a: { fromYearId: number; date?: string } & PromotionDecisions): Review {
  return compute(db, a).review;
}

/**
 * Writes the reviewed promotion as one order: promoted and conditionally promoted pupils into the next parallel (a
 * class made where missing), kept-back pupils into their parallel, each decision with its basis and each debt with its
 * deadline. 11th graders and 9th graders leaving stay where they are for the выпуск order. Refused, with every blocker
 * named, while any remains.
 */
export function promote(db: DB, a: { order: OrderRef; fromYearId: number; toYearId: number; date?: string } & PromotionDecisions) {
  const { review, from, members, kept, leaving, conditional, debtsOf } = compute(db, a);
  const to = yearRow(db, a.toYearId);
  if (!to) throw fieldError('toYearId', 'Учебный год не найден');
  if (Number(to.name.slice(0, 4)) !== Number(from.name.slice(0, 4)) + 1) throw fieldError('toYearId', `Следующий за ${from.name} год — ${Number(from.name.slice(0, 4)) + 1}/${Number(from.name.slice(0, 4)) + 2}`);
  if (review.blockers.length) {
    const n = review.blockers.length;
    throw new AppError('validation', `Перевод не оформлен: ${n} ${n === 1 ? 'препятствие' : n < 5 ? 'препятствия' : 'препятствий'} — ` +
      `${review.blockers.slice(0, 3).map((b) => b.message).join('; ')}${n > 3 ? `; и ещё ${n - 3}` : ''}`,
      undefined,
      review.blockers.map((b) => ({ kind: b.kind, class: b.className, student: b.studentName, subjects: b.subjects.map((s) => s.subject).join(', ') || null, message: b.message })));
  }
  const moving = members.filter((m) => !leaving.has(m.student_id) && (m.parallel < 11 || kept.has(m.student_id)));
  if (!moving.length) throw fieldError('fromYearId', `В ${from.name} нет учеников для перевода`);
  const orderId = orderFor(db, a.order, 'promotion');
  const classCache = new Map<string, number>();
  let classesCreated = 0;
  // A class the opened next year lacks (a kept-back pupil's grade, or the year not opened) gets its grade's curriculum
  // as opening the year would give it: the grade's template, else what the grade studied this year, else the class's own.
  const classCurriculum = db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ? ORDER BY subject_id');
  const curriculumOf = (grade: number, srcClassId: number) => {
    const tpl = templateOf(db, grade);
    if (tpl.length) return tpl;
    const studied = studiedInYear(db, from.id, grade);
    return studied.length ? studied : (classCurriculum.all(srcClassId) as Array<{ subject_id: number }>).map((r) => r.subject_id);
  };
  const target = (parallel: number, letter: string, src: Member) => {
    const key = `${parallel}${letter}`;
    let id = classCache.get(key);
    if (id == null) {
      const found = db.prepare('SELECT id FROM classes WHERE year_id = ? AND parallel = ? AND letter = ?').get(to.id, parallel, letter) as { id: number } | undefined;
      id = found?.id ?? Number(db.prepare('INSERT INTO classes (year_id, parallel, letter, homeroom_teacher_id, shift, level, adapted) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(to.id, parallel, letter, src.homeroom_teacher_id, src.shift, levelOf(parallel), src.adapted).lastInsertRowid);
      if (!found) {
        classesCreated++;
        setCurriculum(db, id, curriculumOf(parallel, src.class_id));
      }
      classCache.set(key, id);
    }
    return id;
  };
  const decision = db.prepare('INSERT INTO promotion_decisions (movement_id, decision, basis, basis_date) VALUES (?, ?, ?, ?)');
  const debt = db.prepare(`INSERT INTO academic_debts (student_id, year_id, class_id, subject_id, annual_mark, promotion_movement_id, deadline)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  let promoted = 0, keptBack = 0, conditionally = 0;
  for (const m of moving) {
    const date = review.date < m.start_date ? m.start_date : review.date;
    const keep = kept.get(m.student_id);
    const deadline = conditional.get(m.student_id);
    const cls = keep ? target(m.parallel, m.letter, m) : target(m.parallel + 1, m.letter, m);
    const mid = insertMovement(db, { orderId, studentId: m.student_id, kind: 'promotion', date, from: m.class_id, to: cls,
      reason: keep ? keptBackReason(keep.basis, keep.basisDate) : deadline ? CONDITIONAL_REASON : null });
    closeMembership(db, m.id, date, mid);
    openMembership(db, m.student_id, cls, to.start_date, mid);
    if (keep) {
      decision.run(mid, 'kept_back', keep.basis, keep.basisDate);
      keptBack++;
    } else if (deadline) {
      decision.run(mid, 'conditional', null, null);
      for (const d of debtsOf.get(m.student_id)!) debt.run(m.student_id, from.id, m.class_id, d.subjectId, d.mark, mid, deadline);
      conditionally++;
    } else {
      promoted++;
    }
  }
  const leftForGraduation = members.length - moving.length;
  return { promoted, keptBack, conditional: conditionally, leftForGraduation, classesCreated };
}
