// The ledger of one class as data (LedgerData): drawn from the grade grid (main/grades) with the book numbers,
// missed lessons, who left and the statistics. What it returns is what is sealed and what every printout shows.
import type { DB } from '../../db/connection.ts';
import type { LedgerMissing } from '../../preload/contract.ts';
import { FAILING_MARKS } from '../../preload/core/marks.ts';
import { classGrid, columnStats } from '../grades/grades.ts';
import { getSchool } from '../school/profile.ts';
import { GRADUATION_PREFIX, isGraduationReason } from '../movement/orders.ts';
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

/**
 * What `ledgerGaps` gives each class of a year, counted (empty cells, н/а cells), for the whole year in one statement:
 * «Ведомости» lists every class of a year and building each class's ledger for it took 3 ms a class (297 classes of
 * a regional school's year: ~1 s). The same cells are counted: for each student still in the class (his last
 * membership of it not ended by a transfer or departure other than graduation) and each subject of its curriculum,
 * the class's periods, the annual, the exam where the class has one in that subject, the final — a cell filled by any
 * of the student's rows of that year (a row of another class counts for a period only if that class studies by the
 * same kind of period, as marksOfClassMembers maps it). The schema allows one mark per slot among a student's rows of
 * a year (0011's «already given in another class»), so summing the rows counts each cell once.
 * test/ledgers/list-gaps.test.ts holds this equal to ledgerGaps(buildLedger(…)) class by class.
 */
export function yearGapCounts(db: DB, yearId: number): Map<number, { missing: number; na: number }> {
  const rows = db.prepare(`WITH
    cls AS MATERIALIZED (SELECT c.id, g.kind FROM classes c LEFT JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel
      WHERE c.year_id = :year),
    kinds AS (SELECT kind, count(*) AS n, max(number = 1) AS h1, max(number = 2) AS h2, max(number = 3) AS h3, max(number = 4) AS h4
      FROM periods WHERE year_id = :year GROUP BY kind),
    last AS (SELECT m.class_id, m.student_id, mv.kind, mv.reason,
        row_number() OVER (PARTITION BY m.class_id, m.student_id ORDER BY m.start_date DESC, m.id DESC) AS k
      FROM class_memberships m LEFT JOIN movements mv ON mv.id = m.end_movement_id WHERE m.class_id IN (SELECT id FROM cls)),
    staying AS MATERIALIZED (SELECT class_id, student_id FROM last
      WHERE k = 1 AND (kind IS NULL OR kind NOT IN ('transfer', 'departure') OR substr(reason, 1, length(:graduation)) = :graduation)),
    plan AS (SELECT cu.class_id, cu.subject_id,
        EXISTS (SELECT 1 FROM class_exams e WHERE e.class_id = cu.class_id AND e.subject_id = cu.subject_id) AS has_exam
      FROM curriculum cu WHERE cu.class_id IN (SELECT id FROM cls)),
    cells AS (SELECT p.class_id, sum(coalesce(k.n, 0) + 2 + p.has_exam) AS per_student FROM plan p JOIN cls c ON c.id = p.class_id
      LEFT JOIN kinds k ON k.kind = c.kind GROUP BY p.class_id),
    given AS (SELECT s.class_id,
        sum(CASE WHEN rc.kind = c.kind AND k.kind IS NOT NULL THEN (k.h1 AND r.p1 IS NOT NULL) + (k.h2 AND r.p2 IS NOT NULL) + (k.h3 AND r.p3 IS NOT NULL)
          + (k.h4 AND r.p4 IS NOT NULL) ELSE 0 END
          + (r.annual IS NOT NULL) + (r.exam IS NOT NULL AND e.subject_id IS NOT NULL) + (r.final IS NOT NULL)) AS filled,
        sum(CASE WHEN rc.kind = c.kind AND k.kind IS NOT NULL THEN (k.h1 AND r.p1 IS 'н/а') + (k.h2 AND r.p2 IS 'н/а') + (k.h3 AND r.p3 IS 'н/а')
          + (k.h4 AND r.p4 IS 'н/а') ELSE 0 END
          + (r.annual IS 'н/а') + (r.exam IS 'н/а' AND e.subject_id IS NOT NULL) + (r.final IS 'н/а')) AS na
      -- the order is forced (CROSS JOIN): the year's rows class by class, each to the class its student stays in
      FROM cls rc CROSS JOIN subject_marks r ON r.class_id = rc.id AND r.year_id = :year CROSS JOIN staying s ON s.student_id = r.student_id
      JOIN curriculum cu ON cu.class_id = s.class_id AND cu.subject_id = r.subject_id
      LEFT JOIN class_exams e ON e.class_id = cu.class_id AND e.subject_id = cu.subject_id
      JOIN cls c ON c.id = s.class_id LEFT JOIN kinds k ON k.kind = c.kind
      GROUP BY s.class_id),
    pupils AS (SELECT class_id, count(*) AS n FROM staying GROUP BY class_id)
    SELECT c.id, coalesce(pu.n * ce.per_student, 0) - coalesce(g.filled, 0) AS missing, coalesce(g.na, 0) AS na
    FROM cls c LEFT JOIN pupils pu ON pu.class_id = c.id LEFT JOIN cells ce ON ce.class_id = c.id LEFT JOIN given g ON g.class_id = c.id`)
    .raw().all({ year: yearId, graduation: GRADUATION_PREFIX }) as Array<[number, number, number]>;
  return new Map(rows.map(([id, missing, na]) => [id, { missing, na }]));
}
