// Marks: the class grid (students × subjects × periods, annual, exam, final) with its statistics, and the
// writing of a batch of cells — all of it or none, every refused cell named by student, subject and column.
import type { DB } from '../../db/connection.ts';
import type { GradeGrid, GridColumn, Mark, MarkCell, MarkSlot, MarkStats } from '../../preload/contract.ts';
import { allowedMarks, FAILING_MARKS, normalizeMark } from '../../preload/core/marks.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { getSettings } from './settings.ts';
import { MarkRefused, writeMarks, type MarkWrite } from './write.ts';
import { count } from '../../preload/core/plural.ts';

type ClassRow = { id: number; year_id: number; year_name: string; parallel: number; letter: string };
type PeriodKind = 'quarter' | 'half' | 'trimester';

const PERIOD_WORD: Record<PeriodKind, string> = { quarter: 'четверть', half: 'полугодие', trimester: 'триместр' };
const SLOT_WORD: Record<Exclude<MarkSlot, 'period'>, string> = { annual: 'годовая', exam: 'экзаменационная', final: 'итоговая' };

export function classInfo(db: DB, classId: number): ClassRow & { name: string } {
  const c = db.prepare(`SELECT c.id, c.year_id, y.name AS year_name, c.parallel, c.letter FROM classes c
    JOIN academic_years y ON y.id = c.year_id WHERE c.id = ?`).get(classId) as ClassRow | undefined;
  if (!c) throw notFound('Класс');
  return { ...c, name: `${c.parallel}${c.letter}` };
}

/** The periods the class studies by, in order. */
export function classPeriods(db: DB, c: ClassRow): Array<{ id: number; kind: PeriodKind; number: number; start: string }> {
  return db.prepare(`SELECT p.id, p.kind, p.number, p.start_date AS start FROM periods p JOIN year_grade_periods g ON g.year_id = p.year_id AND g.kind = p.kind
    WHERE p.year_id = ? AND g.grade = ? ORDER BY p.number`).all(c.year_id, c.parallel) as Array<{ id: number; kind: PeriodKind; number: number; start: string }>;
}

/**
 * The students who left the class (a transfer or a departure) and are not back in it, with the day they left: no mark
 * for a period that began after it (the schema's rule since migration 0013; this names it to the clerk first).
 */
export function departedFrom(db: DB, classId: number): Map<string, string> {
  const rows = db.prepare(`SELECT cm.student_id, max(cm.end_date) AS left_on FROM class_memberships cm
      LEFT JOIN movements mv ON mv.id = cm.end_movement_id
    WHERE cm.class_id = ? GROUP BY cm.student_id
    HAVING sum(cm.end_date IS NULL OR mv.kind = 'promotion') = 0`).raw().all(classId) as Array<[string, string]>;
  return new Map(rows);
}

/** Whether the class's ledger is sealed and locked (a sealed version, no correction open): the schema's lock of 0004. */
export function sealedLedger(db: DB, classId: number): { version: number; sealedAt: string } | null {
  const v = db.prepare(`SELECT version, sealed_at AS sealedAt FROM ledger_versions WHERE class_id = ? ORDER BY version DESC LIMIT 1`)
    .get(classId) as { version: number; sealedAt: string } | undefined;
  if (!v) return null;
  return db.prepare('SELECT 1 FROM ledger_corrections WHERE class_id = ? AND closed_by_version_id IS NULL').get(classId) ? null : v;
}

/** class_id: the class the mark is kept in (a pupil moved during the year has marks of his earlier class too) */
type MarkRow = { student_id: string; subject_id: number; class_id: number; slot: MarkSlot; period_id: number | null; mark: Mark };

const SLOT_COLUMNS = [['p1', 1], ['p2', 2], ['p3', 3], ['p4', 4], ['annual', 0], ['exam', 0], ['final', 0]] as const;

/**
 * The marks, in that year, of everyone who was ever in the class: the same cells as 0011's `marks` view gives for
 * `year_id = ? AND student_id IN (members)`, read from subject_marks through its student index and unpivoted here.
 * Through the view each stored row is joined to its class, grade periods and period seven times over: on a regional
 * register that was 6× the cost of the rows themselves. A period mark whose class has no such period is dropped, as
 * the view's inner joins drop it.
 */
export function marksOfClassMembers(db: DB, yearId: number, classId: number): MarkRow[] {
  const rows = db.prepare(`SELECT r.student_id, r.subject_id, r.class_id, r.p1, r.p2, r.p3, r.p4, r.annual, r.exam, r.final
    FROM subject_marks r WHERE r.year_id = ? AND r.student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`)
    .raw().all(yearId, classId) as Array<[string, number, number, ...Array<Mark | null>]>;
  if (!rows.length) return [];
  const parallel = new Map(db.prepare('SELECT id, parallel FROM classes WHERE year_id = ?').raw().all(yearId) as Array<[number, number]>);
  const kindOf = new Map(db.prepare('SELECT grade, kind FROM year_grade_periods WHERE year_id = ?').raw().all(yearId) as Array<[number, string]>);
  const periodId = new Map((db.prepare('SELECT kind, number, id FROM periods WHERE year_id = ?').raw().all(yearId) as Array<[string, number, number]>)
    .map(([kind, number, id]) => [`${kind}:${number}`, id]));
  const out: MarkRow[] = [];
  SLOT_COLUMNS.forEach(([slot, number], i) => {
    for (const r of rows) {
      const mark = r[3 + i] as Mark | null;
      if (mark == null) continue;
      if (number) {
        const id = periodId.get(`${kindOf.get(parallel.get(r[2])!)}:${number}`);
        if (id !== undefined) out.push({ student_id: r[0], subject_id: r[1], class_id: r[2], slot: 'period', period_id: id, mark });
      } else out.push({ student_id: r[0], subject_id: r[1], class_id: r[2], slot: slot as MarkSlot, period_id: null, mark });
    }
  });
  return out;
}

export const columnKey = (slot: MarkSlot, periodId: number | null | undefined) => (slot === 'period' ? `p${periodId}` : slot);

/** Statistics of one column: marks of 5/4/3/2/н/а; успеваемость = share without 2, 1, нз and н/а among those with a
 *  mark (освобождён is not counted); качество = share of 4 and 5 among the same, null when the column has no 5-point mark. */
export function columnStats(marks: readonly string[]): MarkStats {
  const counts = { '5': 0, '4': 0, '3': 0, '2': 0, 'н/а': 0 };
  let graded = 0, failing = 0, good = 0, numeric = 0;
  for (const m of marks) {
    if (m === 'осв') continue;
    graded++;
    if (m in counts) counts[m as keyof typeof counts]++;
    if (FAILING_MARKS.has(m)) failing++;
    if (m === '4' || m === '5') good++;
    if (/^[1-5]$/.test(m)) numeric++;
  }
  const pct = (n: number) => Math.round((n / graded) * 1000) / 10;
  return { counts, graded, progress: graded ? pct(graded - failing) : null, quality: graded && numeric ? pct(good) : null };
}

export function classGrid(db: DB, classId: number, subjectId?: number): GradeGrid {
  const c = classInfo(db, classId);
  const periods = classPeriods(db, c);
  const subjects = db.prepare(`SELECT s.id, s.name, s.short_name,
      EXISTS (SELECT 1 FROM class_exams e WHERE e.class_id = cu.class_id AND e.subject_id = s.id) AS has_exam
    FROM curriculum cu JOIN subjects s ON s.id = cu.subject_id WHERE cu.class_id = ? ${subjectId ? 'AND s.id = ?' : ''} ORDER BY s.name`)
    .all(...(subjectId ? [classId, subjectId] : [classId])) as Array<{ id: number; name: string; short_name: string; has_exam: number }>;
  if (subjectId && !subjects.length) throw new AppError('not_found', `Предмета нет в учебном плане класса ${c.name}`);
  const anyExam = subjects.some((s) => s.has_exam);
  const columns: GridColumn[] = [
    ...periods.map((p) => ({ key: `p${p.id}`, slot: 'period' as const, periodId: p.id, kind: p.kind, number: p.number })),
    { key: 'annual', slot: 'annual', periodId: null, kind: null, number: null },
    ...(anyExam ? [{ key: 'exam', slot: 'exam' as const, periodId: null, kind: null, number: null }] : []),
    { key: 'final', slot: 'final', periodId: null, kind: null, number: null },
  ];
  // Everyone who was in the class that year; those moved out by a transfer or departure are shown but not counted.
  const departed = departedFrom(db, classId);
  const students = (db.prepare(`SELECT s.id, s.last_name, s.first_name, s.middle_name, s.sex,
      max(m.end_movement_id IS NULL OR mv.kind = 'promotion') AS in_class
    FROM class_memberships m JOIN students s ON s.id = m.student_id LEFT JOIN movements mv ON mv.id = m.end_movement_id
    WHERE m.class_id = ? GROUP BY s.id`).all(classId) as Array<{ id: string; last_name: string; first_name: string; middle_name: string | null; sex: 'М' | 'Ж'; in_class: number }>)
    .map((s) => {
      const leftOn = departed.get(s.id) ?? null;
      return { id: s.id, fullName: [s.last_name, s.first_name, s.middle_name].filter(Boolean).join(' '), inClass: !!s.in_class, sex: s.sex, leftOn,
        closedColumns: leftOn ? periods.filter((p) => p.start > leftOn).map((p) => `p${p.id}`) : [] };
    })
    .sort((a, b) => a.fullName.localeCompare(b.fullName, 'ru'));
  const ids = new Set(students.map((s) => s.id));
  const subjectIds = new Set(subjects.map((s) => s.id));
  const stored = marksOfClassMembers(db, c.year_id, classId).filter((m) => ids.has(m.student_id) && subjectIds.has(m.subject_id));
  const marks = stored.map((m) => ({ studentId: m.student_id, subjectId: m.subject_id, column: columnKey(m.slot, m.period_id), mark: m.mark }));
  // marks a pupil got in another class that year (before a transfer): kept there, under that class's seal
  const others = new Map<number, { className: string; sealed: boolean }>();
  const elsewhere = stored.filter((m) => m.class_id !== classId).map((m) => {
    let o = others.get(m.class_id);
    if (!o) others.set(m.class_id, o = { className: classInfo(db, m.class_id).name, sealed: !!sealedLedger(db, m.class_id) });
    return { studentId: m.student_id, subjectId: m.subject_id, column: columnKey(m.slot, m.period_id), classId: m.class_id, ...o };
  });
  const counted = new Set(students.filter((s) => s.inClass).map((s) => s.id));
  const byColumn = new Map<string, string[]>();
  for (const m of marks) {
    if (!counted.has(m.studentId)) continue;
    const k = `${m.subjectId}:${m.column}`;
    (byColumn.get(k) ?? byColumn.set(k, []).get(k)!).push(m.mark);
  }
  const attendance = (db.prepare(`SELECT a.student_id, a.period_id, a.missed, a.missed_valid FROM attendance a
      JOIN periods p ON p.id = a.period_id WHERE p.year_id = ? AND a.student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`)
    .all(c.year_id, classId) as Array<{ student_id: string; period_id: number; missed: number; missed_valid: number }>)
    .filter((a) => periods.some((p) => p.id === a.period_id))
    .map((a) => ({ studentId: a.student_id, periodId: a.period_id, missed: a.missed, missedValid: a.missed_valid }));
  // marks a register held before migration 0013 that its rule now refuses: kept, and flagged for the clerk
  const closed = new Map(students.map((s) => [s.id, new Set(s.closedColumns)]));
  const afterDeparture = marks.filter((m) => closed.get(m.studentId)?.has(m.column)).map((m) => ({ studentId: m.studentId, subjectId: m.subjectId, column: m.column }));
  return {
    classId, className: c.name, yearId: c.year_id, yearName: c.year_name, allowMarkOne: getSettings(db).allowMarkOne, columns,
    sealed: sealedLedger(db, classId), afterDeparture, elsewhere,
    subjects: subjects.map((s) => ({
      id: s.id, name: s.name, shortName: s.short_name, hasExam: !!s.has_exam,
      stats: Object.fromEntries(columns.filter((col) => col.slot !== 'exam' || s.has_exam)
        .map((col) => [col.key, columnStats(byColumn.get(`${s.id}:${col.key}`) ?? [])])),
    })),
    students, marks, attendance,
  };
}

/**
 * Checks a batch of cells against the rules (membership, curriculum, period, exam, scale) without writing: the reason
 * for each refused cell under `cells.<index>`, and the cells that pass (left empty with `passed: false`). A journal
 * import asks this for its preview.
 */
export function checkMarks(db: DB, classId: number, cells: readonly MarkCell[], opts: { passed?: boolean } = {}) {
  const keepPassed = opts.passed ?? true; // a preview asks for the refusals only
  const c = classInfo(db, classId);
  const periods = new Map(classPeriods(db, c).map((p) => [p.id, p]));
  const allowOne = getSettings(db).allowMarkOne;
  const allowed = allowedMarks(allowOne);
  const scale = allowed.join(', ');
  const studentName = db.prepare(`SELECT s.last_name || ' ' || s.first_name AS name,
      EXISTS (SELECT 1 FROM class_memberships m WHERE m.student_id = s.id AND m.class_id = ?) AS in_class
    FROM students s WHERE s.id = ?`);
  const subjectRow = db.prepare(`SELECT s.name, EXISTS (SELECT 1 FROM curriculum WHERE class_id = ? AND subject_id = s.id) AS in_plan,
      EXISTS (SELECT 1 FROM class_exams WHERE class_id = ? AND subject_id = s.id) AS has_exam FROM subjects s WHERE s.id = ?`);
  // a journal's batch names the same few students and subjects thousands of times: each is looked up once, and a
  // large batch takes the class's students in one query (one per student was half the check of a long journal)
  const students = new Map<string, { name: string; in_class: number } | undefined>();
  if (cells.length >= 64) {
    const members = db.prepare(`SELECT s.id, s.last_name || ' ' || s.first_name AS name FROM students s
      WHERE s.id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`).raw().all(classId) as Array<[string, string]>;
    for (const [id, name] of members) students.set(id, { name, in_class: 1 });
  }
  const subjects = new Map<number, { name: string; in_plan: number; has_exam: number } | undefined>();
  const departed = departedFrom(db, classId);
  const errors: Record<string, string> = {};
  const ok: Array<{ cell: MarkCell; mark: Mark | null; index: number }> = [];
  const fail = (i: number, cell: MarkCell, st: { name: string } | undefined, su: { name: string } | undefined, why: string) => {
    const col = columnName(cell, cell.slot === 'period' ? periods.get(cell.periodId ?? -1) : undefined);
    errors[`cells.${i}`] = `${st?.name ?? 'ученик'}, ${su ? `«${su.name}»` : 'предмет'}, ${col}: ${why}`;
  };
  let lastStudent: string | null = null, st: { name: string; in_class: number } | undefined; // a student's cells come together
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell.studentId !== lastStudent) {
      lastStudent = cell.studentId;
      st = students.get(cell.studentId);
      if (st === undefined && !students.has(cell.studentId)) students.set(cell.studentId, st = studentName.get(classId, cell.studentId) as { name: string; in_class: number } | undefined);
    }
    let su = subjects.get(cell.subjectId);
    if (su === undefined && !subjects.has(cell.subjectId)) subjects.set(cell.subjectId, su = subjectRow.get(classId, classId, cell.subjectId) as { name: string; in_plan: number; has_exam: number } | undefined);
    const read = normalizeMark(cell.mark);
    const why = !st ? 'ученик не найден в реестре'
      : !st.in_class ? `ученик не учился в классе ${c.name} в ${c.year_name} учебном году`
      : !su ? 'предмет не найден'
      : !su.in_plan ? `предмета нет в учебном плане класса ${c.name}`
      : cell.slot === 'period' && !periods.has(cell.periodId ?? -1) ? `период не относится к ${c.year_name} году класса ${c.name}`
      : cell.slot !== 'period' && cell.periodId != null ? 'у годовой, экзаменационной и итоговой оценки нет периода'
      : cell.slot === 'exam' && !su.has_exam ? `по этому предмету в классе ${c.name} нет экзамена`
      : read != null && cell.slot === 'period' && departed.has(cell.studentId) && periods.get(cell.periodId!)!.start > departed.get(cell.studentId)!
        ? `ученик выбыл из класса ${c.name} ${formatDate(departed.get(cell.studentId))}, до начала периода (${formatDate(periods.get(cell.periodId!)!.start)}): оценки за периоды после выбытия не ставятся`
      : read === '1' && !allowOne ? `оценка «1» не разрешена настройками школы: ${scale}`
      : read === undefined ? `оценка «${cell.mark!.trim()}» недопустима: ${scale}`
      : null;
    if (why) fail(i, cell, st, su, why);
    else if (keepPassed) ok.push({ cell, mark: read!, index: i });
  }
  return { c, errors, ok };
}

/** Writes a batch of cells in the caller's transaction: every cell is checked first; one refused cell refuses all. */
export function setMarks(db: DB, classId: number, cells: readonly MarkCell[]): { written: number; cleared: number } {
  const { c, errors, ok } = checkMarks(db, classId, cells);
  const refused = Object.keys(errors).length;
  if (refused) {
    const first = Object.values(errors)[0];
    throw new AppError('validation', refused === 1 ? `Оценка не записана — ${first}` :
      `Ни одна оценка не записана: ${refused} из ${count(cells.length, 'ячейки', 'ячеек', 'ячеек')} отклонены. Первая — ${first}`, errors);
  }
  // the same cell twice in a batch: the last one counts, as if they were written in turn
  const last = new Map<string, number>();
  for (let k = 0; k < ok.length; k++) last.set(cellKey(ok[k].cell), k);
  const now = db.prepare('SELECT mark, class_id FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ?').raw();
  const writes: MarkWrite[] = [];
  const index: number[] = []; // the cell each write is
  let written = 0, cleared = 0;
  for (let k = 0; k < ok.length; k++) {
    const { cell, mark } = ok[k];
    const periodId = cell.slot === 'period' ? cell.periodId! : null;
    const [from, inClass] = (now.get(cell.studentId, cell.subjectId, c.year_id, cell.slot, periodId) as [string, number] | undefined) ?? [null, null];
    if (mark != null) written++; else if (from != null) cleared++;
    if (last.get(cellKey(cell)) !== k) continue;
    // a mark given in the student's earlier class this year, written here again, moves here
    writes.push({ studentId: cell.studentId, subjectId: cell.subjectId, classId, slot: cell.slot, periodId, mark, from, move: inClass !== classId });
    index.push(ok[k].index);
  }
  try {
    writeMarks(db, c.year_id, writes);
  } catch (e) {
    if (!(e instanceof MarkRefused)) throw e;
    // the schema's last guard (a sealed ledger, a rule the check does not know): the cell named as the check names it
    const i = index[e.index];
    const why = `${nameCell(db, c, cells[i])}: ${e.why}`;
    throw new AppError(e.kind === 'rule' ? 'validation' : 'conflict', `Оценка не записана — ${why}`, { [`cells.${i}`]: why });
  }
  return { written, cleared };
}

const cellKey = (cell: MarkCell) => `${cell.studentId}|${cell.subjectId}|${cell.slot}|${cell.slot === 'period' ? cell.periodId : ''}`;

/** «Фамилия Имя, «Предмет», 1 четверть»: a cell as the check names it, for a refusal found only when writing. */
export function nameCell(db: DB, c: ClassRow, cell: MarkCell): string {
  const st = db.prepare(`SELECT last_name || ' ' || first_name FROM students WHERE id = ?`).pluck().get(cell.studentId) as string | undefined;
  const su = db.prepare('SELECT name FROM subjects WHERE id = ?').pluck().get(cell.subjectId) as string | undefined;
  const period = cell.slot === 'period' ? classPeriods(db, c).find((p) => p.id === cell.periodId) : undefined;
  return `${st ?? 'ученик'}, ${su ? `«${su}»` : 'предмет'}, ${columnName(cell, period)}`;
}
const columnName = (cell: MarkCell, period: { kind: PeriodKind; number: number } | undefined) =>
  cell.slot === 'period' ? (period ? `${period.number} ${PERIOD_WORD[period.kind]}` : 'период') : SLOT_WORD[cell.slot];

export const setMark = (db: DB, classId: number, cell: MarkCell) => setMarks(db, classId, [cell]);
export const clearMark = (db: DB, classId: number, cell: Omit<MarkCell, 'mark'>) => setMarks(db, classId, [{ ...cell, mark: null }]);

type AttendanceRow = { studentId: string; periodId: number; missed: number; missedValid: number };

/** Lessons missed per student per period, and of them for a valid reason; all rows or none. */
export function setAttendance(db: DB, classId: number, rows: readonly AttendanceRow[]): { written: number } {
  const { c, errors } = checkAttendance(db, classId, rows);
  if (Object.keys(errors).length) throw new AppError('validation', `Пропуски не записаны: ${Object.values(errors)[0]}`, errors);
  const ins = db.prepare(`INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (student_id, period_id) DO UPDATE SET class_id = excluded.class_id, missed = excluded.missed, missed_valid = excluded.missed_valid`);
  for (const r of rows) ins.run(r.studentId, r.periodId, c.id, r.missed, r.missedValid);
  return { written: rows.length };
}

/** Checks attendance rows without writing: the reason for each refused row under `rows.<index>`. */
export function checkAttendance(db: DB, classId: number, rows: readonly AttendanceRow[]) {
  const c = classInfo(db, classId);
  const periods = new Set(classPeriods(db, c).map((p) => p.id));
  const inClass = db.prepare('SELECT 1 FROM class_memberships WHERE student_id = ? AND class_id = ?');
  const errors: Record<string, string> = {};
  for (let i = 0; i < rows.length; i++) { // no closure per row: a journal's import checks thousands
    const r = rows[i];
    const why = !inClass.get(r.studentId, classId) ? `Ученик не учился в классе ${c.name} в ${c.year_name} учебном году`
      : !periods.has(r.periodId) ? `Период не относится к классу ${c.name}`
      : r.missed < 0 || r.missedValid < 0 ? 'Число пропусков не может быть отрицательным'
      : r.missedValid > r.missed ? `Пропусков по уважительной причине (${r.missedValid}) больше, чем всего (${r.missed})`
      : null;
    if (why) errors[`rows.${i}`] = why;
  }
  return { c, errors };
}

/** Which subjects of the class's curriculum have an exam. An exam that already has marks stays. */
export function setExams(db: DB, classId: number, subjectIds: number[]): { subjectIds: number[] } {
  const c = classInfo(db, classId);
  const inPlan = db.prepare('SELECT elective FROM curriculum WHERE class_id = ? AND subject_id = ?');
  for (const s of subjectIds) {
    const entry = inPlan.get(classId, s) as { elective: number } | undefined;
    if (!entry) throw new AppError('validation', `Экзамен можно назначить только по предмету из учебного плана класса ${c.name}`, { subjectIds: 'предмет не в учебном плане' });
    if (entry.elective) throw new AppError('validation', `Элективный курс в ${c.name} без итоговой отметки: экзамен по нему не назначается`, { subjectIds: 'элективный курс' });
  }
  const keep = new Set(subjectIds);
  const current = (db.prepare('SELECT subject_id FROM class_exams WHERE class_id = ?').all(classId) as Array<{ subject_id: number }>).map((r) => r.subject_id);
  for (const s of current.filter((x) => !keep.has(x))) {
    if (db.prepare("SELECT 1 FROM marks WHERE class_id = ? AND subject_id = ? AND slot = 'exam'").get(classId, s)) {
      throw new AppError('validation', 'По этому экзамену уже есть оценки: сначала удалите их', { subjectIds: 'есть экзаменационные оценки' });
    }
    db.prepare('DELETE FROM class_exams WHERE class_id = ? AND subject_id = ?').run(classId, s);
  }
  const ins = db.prepare('INSERT OR IGNORE INTO class_exams (class_id, subject_id) VALUES (?, ?)');
  for (const s of keep) ins.run(classId, s);
  return { subjectIds: [...keep].sort((a, b) => a - b) };
}
