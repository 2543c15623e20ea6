// The one writer of marks: the grid's cells, a journal import's hundred thousand and the demo school's all go through
// it. A new cell goes into its student × subject × class row of subject_marks (migration 0011) — rows inserted
// hundreds at a statement, or the empty column of an existing row filled — and a changed or cleared cell is changed
// where the register holds it, through the marks view, whose triggers move it when the class changed.
//
// The callers check their cells first (checkMarks names each refused one in Russian); the schema's triggers check
// every row again as it is written, so a register changed under the caller refuses the whole batch, naming the cell.
import type { Statement } from 'better-sqlite3';
import type { DB } from '../../db/connection.ts';
import type { MarkSlot } from '../../preload/core/marks.ts';

/** One cell to write: the register cell, the class it is given in, the mark (null clears it) and the mark the caller
 *  saw there (null: none). A cell whose mark is what the caller saw is left alone, unless `move`: it is held in another
 *  class of the year (a student who moved) and goes to this one. */
export type MarkWrite = { studentId: string; subjectId: number; classId: number; slot: MarkSlot; periodId: number | null;
  mark: string | null; from: string | null; move?: boolean };

/** Why the register refused a cell: taken (a mark appeared where the caller saw none), stale (the mark is no longer the
 *  one the caller saw) or the schema's rule, in the clerk's words. Nothing of the batch is kept. */
export class MarkRefused extends Error {
  constructor(readonly index: number, readonly kind: 'taken' | 'stale' | 'rule', readonly why: string) {
    super(why);
    this.name = 'MarkRefused';
  }
}

/** The schema's refusals (migrations 0002, 0011), as a clerk reads them; the sealed ledger's own is Russian already. */
const RULE_WORDS: Record<string, string> = {
  'the student is not in this class that year': 'ученик больше не числится в этом классе в этом учебном году',
  'the subject is not in this class curriculum': 'предмета больше нет в учебном плане класса',
  'the period is not one of this class periods': 'периоды класса изменились',
  'this subject has no exam in this class': 'экзамена по предмету в классе больше нет',
  'the mark 1 is not allowed by the school settings': 'оценка «1» больше не разрешена настройками школы',
  'mark year must be the class year': 'класс относится к другому учебному году',
  'the mark is already given in another class': 'эта оценка появилась в реестре в другом классе',
};
function refusal(index: number, e: unknown): Error {
  const message = (e as Error).message;
  const code = (e as { code?: string }).code;
  // not the schema's refusal (a full disk, a register held by another program): the error as it is, for the caller to
  // name — never «the register changed»
  if (code?.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) return e as Error;
  if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || message.startsWith('UNIQUE constraint failed')) {
    return new MarkRefused(index, 'taken', 'в ячейке уже есть оценка');
  }
  return new MarkRefused(index, 'rule', RULE_WORDS[message] ?? message);
}

/** A statement on subject_marks or the marks view compiles their triggers, milliseconds each: prepared once per
 *  register, not per batch (the grid writes a batch per keystroke, the demo one per class). */
const prepared = new WeakMap<DB, Map<string, Statement>>();
function statement(db: DB, sql: string): Statement {
  let of = prepared.get(db);
  if (!of) prepared.set(db, of = new Map());
  let st = of.get(sql);
  if (!st) of.set(sql, st = db.prepare(sql));
  return st;
}

const COLUMNS = ['p1', 'p2', 'p3', 'p4', 'annual', 'exam', 'final'] as const;
const SLOT_COLUMN: Record<Exclude<MarkSlot, 'period'>, number> = { annual: 4, exam: 5, final: 6 };
/** A row of subject_marks to insert or fill: its key and its seven marks (null: none given). */
type PlannedRow = { studentId: string; subjectId: number; classId: number; marks: Array<string | null> };
const BATCH = 250; // rows × 11 parameters per statement, well under SQLite's limit of 32,766
const VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Writes the cells of one academic year in the caller's transaction, all or none: throws MarkRefused for the first
 * refused cell in the batch's order. Cells of a student are expected together (a journal's row, a grid's line); any
 * order is right, that one is fast.
 */
export function writeMarks(db: DB, yearId: number, writes: readonly MarkWrite[]): void {
  const numberOf = new Map((statement(db, 'SELECT id, number FROM periods WHERE year_id = ?').all(yearId) as Array<{ id: number; number: number }>)
    .map((x) => [x.id, x.number]));
  const fresh: number[] = []; // indexes of the new cells
  const changed: number[] = [];
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i];
    if (w.from == null) { if (w.mark != null) fresh.push(i); } else if (w.mark !== w.from || w.move) changed.push(i);
  }
  if (fresh.length) writeNewMarks(db, yearId, writes, fresh, numberOf);
  if (changed.length) changeMarks(db, yearId, writes, changed);
}

/** New cells, gathered into their rows: rows that exist already get their empty columns filled, the others are inserted
 *  whole, hundreds at a statement. A refusal undoes them all and writes them one by one to name the first refused. */
function writeNewMarks(db: DB, yearId: number, writes: readonly MarkWrite[], fresh: number[], numberOf: Map<number, number>): void {
  // a student's cells come one after another: a row of theirs is found among the few of that student
  const students: Array<{ studentId: string; rows: PlannedRow[] }> = [];
  let cur: { studentId: string; rows: PlannedRow[] } | null = null;
  const classes = new Set<number>();
  let noColumn = false; // a period not of this year: the view's triggers name it below
  for (const i of fresh) {
    const w = writes[i];
    if (!cur || cur.studentId !== w.studentId) {
      cur = { studentId: w.studentId, rows: [] };
      students.push(cur);
    }
    const run: { studentId: string; rows: PlannedRow[] } = cur;
    let r: PlannedRow | undefined;
    for (const x of run.rows) if (x.subjectId === w.subjectId && x.classId === w.classId) { r = x; break; }
    if (!r) {
      run.rows.push(r = { studentId: w.studentId, subjectId: w.subjectId, classId: w.classId, marks: [null, null, null, null, null, null, null] });
      classes.add(w.classId);
    }
    const column = w.slot === 'period' ? (numberOf.get(w.periodId!) ?? 0) - 1 : SLOT_COLUMN[w.slot];
    if (column >= 0) r.marks[column] = w.mark; else noColumn = true;
  }
  const existing = new Map<string, Set<number>>(); // "student|class" → subjects that have a row
  const rowsOfClass = statement(db, 'SELECT student_id, subject_id FROM subject_marks WHERE class_id = ?');
  for (const classId of classes) {
    for (const x of rowsOfClass.iterate(classId) as Iterable<{ student_id: string; subject_id: number }>) {
      const key = `${x.student_id}|${classId}`;
      (existing.get(key) ?? existing.set(key, new Set()).get(key)!).add(x.subject_id);
    }
  }
  // in the order of the rows' key (student first): each insert lands next to the last one in the index
  students.sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
  const inserted: PlannedRow[] = [];
  const filled: PlannedRow[] = [];
  for (const st of students) {
    for (const r of st.rows) (existing.get(`${r.studentId}|${r.classId}`)?.has(r.subjectId) ? filled : inserted).push(r);
  }

  db.exec('SAVEPOINT marks_new');
  try {
    if (noColumn) throw new Error('the period is not one of this class periods');
    insertRows(db, yearId, inserted);
    fillRows(db, yearId, filled);
    db.exec('RELEASE marks_new');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code?.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) throw e; // a full disk, a lock: not a cell's fault
    // the schema refused a row (or a period had no column): undo every new cell, then write them one by one in the
    // batch's order through the marks view (its triggers keep the same rules), so the cell named is the first refused
    db.exec('ROLLBACK TO marks_new; RELEASE marks_new');
    const insert = statement(db, 'INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const i of fresh) {
      const w = writes[i];
      try {
        insert.run(w.studentId, w.subjectId, yearId, w.classId, w.slot, w.periodId, w.mark);
      } catch (e) {
        throw refusal(i, e);
      }
    }
  }
}

function insertRows(db: DB, yearId: number, rows: PlannedRow[]): void {
  if (!rows.length) return;
  const full = rows.length - (rows.length % BATCH);
  if (full) {
    const insertMany = statement(db, `INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')})
      VALUES ${Array(BATCH).fill(VALUES).join(', ')}`);
    const values: unknown[] = new Array(BATCH * 11);
    for (let i = 0; i < full; i += BATCH) {
      for (let k = 0, o = 0; k < BATCH; k++, o += 11) {
        const r = rows[i + k];
        values[o] = r.studentId; values[o + 1] = r.subjectId; values[o + 2] = yearId; values[o + 3] = r.classId;
        for (let m = 0; m < 7; m++) values[o + 4 + m] = r.marks[m];
      }
      insertMany.run(values);
    }
  }
  if (full === rows.length) return;
  const insertOne = statement(db, `INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')}) VALUES ${VALUES}`);
  for (let i = full; i < rows.length; i++) {
    const r = rows[i];
    insertOne.run(r.studentId, r.subjectId, yearId, r.classId, ...r.marks);
  }
}

function fillRows(db: DB, yearId: number, rows: PlannedRow[]): void {
  const fill: Array<Statement | undefined> = []; // prepared when needed
  for (const r of rows) {
    for (let m = 0; m < 7; m++) {
      const mark = r.marks[m];
      if (mark == null) continue;
      const st = (fill[m] ??= statement(db, `UPDATE subject_marks SET ${COLUMNS[m]} = ?
        WHERE student_id = ? AND subject_id = ? AND year_id = ? AND class_id = ? AND ${COLUMNS[m]} IS NULL`));
      if (st.run(mark, r.studentId, r.subjectId, yearId, r.classId).changes !== 1) throw new Error('UNIQUE constraint failed: the cell has a mark');
    }
  }
}

/** Changed and cleared cells: only where the register still holds the mark the caller saw; a cell of the student's
 *  earlier class this year moves to the class given (the view's trigger takes it out of the old row, into the new). */
function changeMarks(db: DB, yearId: number, writes: readonly MarkWrite[], changed: number[]): void {
  const holds = statement(db, 'SELECT 1 FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ? AND mark = ?');
  let update: Statement | undefined, del: Statement | undefined;
  for (const i of changed) {
    const w = writes[i];
    if (!holds.get(w.studentId, w.subjectId, yearId, w.slot, w.periodId, w.from)) throw new MarkRefused(i, 'stale', 'оценка в ячейке уже другая');
    try {
      if (w.mark == null) {
        (del ??= statement(db, 'DELETE FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ?'))
          .run(w.studentId, w.subjectId, yearId, w.slot, w.periodId);
      } else {
        (update ??= statement(db, 'UPDATE marks SET mark = ?, class_id = ? WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ?'))
          .run(w.mark, w.classId, w.studentId, w.subjectId, yearId, w.slot, w.periodId);
      }
    } catch (e) {
      throw refusal(i, e);
    }
  }
}
