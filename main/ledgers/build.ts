// The ledger of one class as data (LedgerData): drawn from the grade grid (main/grades) with the book numbers,
// missed lessons, who left and the statistics. What it returns is what is sealed and what every printout shows.
import type { DB } from '../../db/connection.ts';
import type { LedgerMissing } from '../../preload/contract.ts';
import { FAILING_MARKS } from '../../preload/core/marks.ts';
import { classGrid, columnStats } from '../grades/grades.ts';
import { getSchool } from '../school/profile.ts';
import { isGraduationReason } from '../movement/orders.ts';
import type { LedgerColumnStats, LedgerData, LedgerPeriod, LedgerStudent, LedgerStudentMarks } from './model.ts';

const KIND_PREFIX = { quarter: 'q', half: 'h', trimester: 't' } as const;
const KIND_LABEL = { quarter: 'четв.', half: 'полуг.', trimester: 'трим.' } as const;
const SLOT_LABEL = { annual: 'годовая', exam: 'экзамен', final: 'итоговая' } as const;

/** The mark a subject's result is counted by: the final one, the annual where no final is given. */
export const resultMark = (m: LedgerStudentMarks) => m.final ?? m.annual;


export function buildLedger(db: DB, classId: number): LedgerData {
  const grid = classGrid(db, classId);
  const cls = db.prepare(`SELECT c.parallel, c.letter, c.level, c.adapted, c.shift,
      trim(s.last_name || ' ' || s.first_name || ' ' || coalesce(s.middle_name, '')) AS teacher
    FROM classes c LEFT JOIN staff s ON s.id = c.homeroom_teacher_id WHERE c.id = ?`)
    .get(classId) as { parallel: number; letter: string; level: string; adapted: number; shift: number; teacher: string | null };
  const periods: Array<LedgerPeriod & { id: number }> = grid.columns.filter((c) => c.slot === 'period').map((c) => ({
    id: c.periodId!, key: `${KIND_PREFIX[c.kind!]}${c.number}`, kind: c.kind!, number: c.number!, label: `${c.number} ${KIND_LABEL[c.kind!]}`,
  }));
  const periodKey = new Map(periods.map((p) => [`p${p.id}`, p.key]));
  const subjectName = new Map(grid.subjects.map((s) => [s.id, s.name]));

  // Who left the class during the year: their last membership of it ended by a transfer or a departure (a
  // graduation is finishing the year, not leaving it), and no membership of theirs in it is still open.
  const ends = db.prepare(`SELECT m.student_id, m.end_date, mv.kind, mv.reason FROM class_memberships m
      LEFT JOIN movements mv ON mv.id = m.end_movement_id WHERE m.class_id = ? ORDER BY m.start_date, m.id`)
    .all(classId) as Array<{ student_id: string; end_date: string | null; kind: string | null; reason: string | null }>;
  const left = new Map<string, LedgerStudent['left']>();
  for (const e of ends) {
    const leaving = (e.kind === 'transfer' || e.kind === 'departure') && !isGraduationReason(e.reason);
    left.set(e.student_id, leaving ? { date: e.end_date!, kind: e.kind as 'transfer' | 'departure' } : null);
  }
  const book = new Map((db.prepare(`SELECT b.student_id, b.letter || '-' || b.number AS n FROM alphabet_book b
      WHERE b.student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`).all(classId) as Array<{ student_id: string; n: string }>)
    .map((r) => [r.student_id, r.n]));

  const students: LedgerStudent[] = grid.students.map((s, i) => ({
    n: i + 1, id: s.id, bookNumber: book.get(s.id) ?? null, fullName: s.fullName,
    marks: Object.fromEntries(grid.subjects.map((sub) => [sub.name, {
      periods: Object.fromEntries(periods.map((p) => [p.key, null])), annual: null, exam: null, final: null,
    } as LedgerStudentMarks])),
    missed: { total: 0, excused: 0 },
    left: left.get(s.id) ?? null,
  }));
  const byId = new Map(students.map((s) => [s.id, s]));
  for (const m of grid.marks) {
    const cell = byId.get(m.studentId)?.marks[subjectName.get(m.subjectId)!];
    if (!cell) continue;
    if (m.column === 'annual' || m.column === 'exam' || m.column === 'final') cell[m.column] = m.mark;
    else if (periodKey.has(m.column)) cell.periods[periodKey.get(m.column)!] = m.mark;
  }
  for (const a of grid.attendance) {
    const s = byId.get(a.studentId);
    if (!s) continue;
    s.missed.total += a.missed;
    s.missed.excused += a.missedValid;
  }

  const counted = students.filter((s) => !s.left);
  const stats: Record<string, LedgerColumnStats> = {};
  for (const sub of grid.subjects) {
    const marks = counted.map((s) => resultMark(s.marks[sub.name])).filter((m): m is string => m != null);
    const { counts, progress, quality } = columnStats(marks);
    stats[sub.name] = { counts, progress, quality };
  }
  // Class totals by each student's results: all 5; only 4 and 5 (at least one 4); at least one 2, 1, нз or н/а.
  // Marks without a grade (зч, осв) neither help nor spoil; a student with no 5-point result is in neither.
  let allFive = 0, fourAndFive = 0, withTwoOrNa = 0;
  for (const s of counted) {
    const results = grid.subjects.map((sub) => resultMark(s.marks[sub.name])).filter((m): m is string => m != null);
    const points = results.filter((m) => /^[1-5]$/.test(m));
    if (results.some((m) => FAILING_MARKS.has(m))) withTwoOrNa++;
    else if (points.length && points.every((m) => m === '5')) allFive++;
    else if (points.length && points.every((m) => m === '5' || m === '4')) fourAndFive++;
  }

  const school = getSchool(db);
  return {
    format: 'school-register/ledger@1',
    school: school ?? { fullName: '', shortName: '', inn: '', kpp: '', ogrn: '', address: '', director: '', regionCode: '' },
    year: grid.yearName,
    class: { name: grid.className, parallel: cls.parallel, letter: cls.letter, level: cls.level, adapted: !!cls.adapted, shift: cls.shift },
    homeroomTeacher: cls.teacher || null,
    periods: periods.map(({ id: _id, ...p }) => p),
    subjects: grid.subjects.map((s) => ({ name: s.name, shortName: s.shortName, hasExam: s.hasExam })),
    students, stats,
    totals: { students: counted.length, allFive, fourAndFive, withTwoOrNa },
  };
}

/** The cells that keep a class from being sealed, for the students still in it: empty ones (na: false) and
 *  those marked н/а (na: true, sealed only when the admin confirms them). */
export function ledgerGaps(data: LedgerData): LedgerMissing[] {
  const out: LedgerMissing[] = [];
  for (const s of data.students) {
    if (s.left) continue;
    for (const sub of data.subjects) {
      const m = s.marks[sub.name];
      const cells: Array<[string, string | null]> = [
        ...data.periods.map((p) => [p.label, m.periods[p.key]] as [string, string | null]),
        [SLOT_LABEL.annual, m.annual], ...(sub.hasExam ? [[SLOT_LABEL.exam, m.exam] as [string, string | null]] : []), [SLOT_LABEL.final, m.final],
      ];
      for (const [column, mark] of cells) {
        if (mark == null || mark === 'н/а') out.push({ studentId: s.id, student: s.fullName, subject: sub.name, column, na: mark != null });
      }
    }
  }
  return out;
}
