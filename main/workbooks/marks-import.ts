// Marks (and attendance: lessons missed per period, of them for illness or another valid reason) from a journal
// workbook into the register: a preview of the cells that would be added, changed and left alone, with every rejected
// cell; then a commit in one transaction. Students are matched as in the students import (СНИЛС, else ФИО + birth
// date, never a guess); the rules are the grades service's own.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { Statement } from 'better-sqlite3';
import type { MarkSlot } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { searchKey } from '../../preload/core/names.ts';
import { currentYearStart, formatDate, todayIso } from '../../preload/core/dates.ts';
import { allowedMarks } from '../../preload/core/marks.ts';
import { getSettings } from '../grades/settings.ts';
import type { Progress } from '../shared/jobs.ts';
import { checkAttendance, checkMarks, classInfo, classPeriods, setAttendance } from '../grades/grades.ts';
import { MarkRefused, writeMarks } from '../grades/write.ts';
import { normalizeHeader, parseAttendanceField, parseMarkField, sheetRows, fieldLabel, type CellOut, type DataRow, type Period, type ReadOptions, type SheetLayout } from './read.ts';
import { splitFullName, type RejectedCell } from './students-import.ts';
import { count } from '../../preload/core/plural.ts';

export type MarksImportOptions = ReadOptions & {
  /** the academic year the marks belong to, «2026/2027»; the current year when absent */
  year?: string;
  /** the journal's subject name (as in the header) → the register's subject id, for names the register does not know */
  subjectMapping?: Record<string, number>;
  /** whether to compute the preview's token (default): a caller that commits this very preview (the CLI) has nothing to
   *  compare it with, and hashing 100,000 cells is a tenth of the preview */
  fingerprint?: boolean;
};

/** One student's attendance for one period the commit would write; `column` is the «Пропущено уроков» column. */
export type PlannedAttendance = { sheet: string; row: number; column: string; classId: number; studentId: string; periodId: number;
  missed: number; missedValid: number; from: { missed: number; missedValid: number } | null };

/** One mark cell the commit would write. */
export type PlannedMark = { sheet: string; row: number; column: string; classId: number; studentId: string; subjectId: number; slot: MarkSlot; periodId: number | null; mark: string; from: string | null };

export type MarksImportPreview = {
  file: string;
  year: { id: number; name: string };
  layouts: SheetLayout[];
  skippedSheets: Array<{ sheet: string; reason: string }>;
  /** counts of mark cells */
  added: number;
  changed: number;
  unchanged: number;
  rejected: RejectedCell[];
  /** what a commit writes: the added and changed cells */
  writes: PlannedMark[];
  /** attendance rows (student × period), when the journal has attendance columns; else null */
  attendance: { added: number; changed: number; unchanged: number; writes: PlannedAttendance[] } | null;
  /** fingerprint of what a commit would write: a commit refuses when the file or the register changed since */
  token: string;
};

export type MarksImportResult = { added: number; changed: number; unchanged: number; rejectedCells: number;
  attendance?: { added: number; changed: number; unchanged: number } };

type StudentRow = { id: string; snils: string | null };
/** Where a mark column's cells go in a class (subject, slot, period, the cell's key), or why nowhere. */
type Target = { subjectId: number; slot: MarkSlot; periodId: number | null; key: string; given: Given } | { reason: string };
/** Which row last gave a register cell of a class, and from which column: one per cell key, shared by its columns. */
type Given = { row: number; col: string };
const PERIOD_KIND: Record<string, 'quarter' | 'half' | 'trimester'> = { q: 'quarter', h: 'half', t: 'trimester' };
const KIND_WORD = { quarter: 'четвертям', half: 'полугодиям', trimester: 'триместрам' } as const;
const SLOT_OF: Partial<Record<Period, MarkSlot>> = { year: 'annual', exam: 'exam', final: 'final' };

function resolveYear(db: DB, name: string | undefined): { id: number; name: string } {
  const want = name ?? (() => { const y = currentYearStart(todayIso()); return `${y}/${y + 1}`; })();
  const y = db.prepare('SELECT id, name FROM academic_years WHERE name = ?').get(want) as { id: number; name: string } | undefined;
  if (!y) {
    const hint = /^\d{4}\/\d{4}$/.test(want) ? '' : ' (учебный год пишется так: 2025/2026)';
    throw new AppError('validation', `Учебный год «${want}» не найден в реестре${hint}`, { year: `нет учебного года «${want}»${hint}` });
  }
  return y;
}

/**
 * Reads the file and compares its marks with the register; writes nothing. The steps: the register's subjects as the
 * journal may name them; the sheets read, each row's student and class matched and its cells planned as it comes;
 * the planned cells checked by the grades service, class by class; the token of what a commit would write.
 */
export async function previewMarksImport(db: DB, file: string, opts: MarksImportOptions = {}): Promise<MarksImportPreview> {
  const year = resolveYear(db, opts.year);
  const subjects = new SubjectNames(db, opts.subjectMapping);
  const p: MarksImportPreview = { file, year, layouts: [], skippedSheets: [], added: 0, changed: 0, unchanged: 0, rejected: [], writes: [], attendance: null, token: '' };
  const plan = new MarksPlan(db, year, subjects, new StudentMatcher(db, year), p);
  const scale = allowedMarks(getSettings(db).allowMarkOne); // a cell that is no mark is refused naming the school's scale
  for await (const events of sheetRows(file, { ...opts, subjects: subjects.spellings, scale })) for (const ev of events) {
    if (ev.type === 'sheet') plan.startSheet(ev.layout);
    else if (ev.type === 'skipped') p.skippedSheets.push({ sheet: ev.sheet, reason: ev.reason });
    else plan.planRow(ev.row);
  }
  await checkPlanned(db, plan, p, opts.progress);
  p.rejected.sort((a, b) => a.sheet.localeCompare(b.sheet) || a.row - b.row || (a.column ?? '').length - (b.column ?? '').length || (a.column ?? '').localeCompare(b.column ?? ''));
  if (opts.fingerprint !== false) {
    await new Promise((resolve) => setImmediate(resolve)); // the checks and the hash of 100,000 cells: not in one stretch
    p.token = previewToken(p);
  }
  return p;
}

/** The register's subjects as a journal's header may name them (full or short name), and the clerk's mapping. */
class SubjectNames {
  /** every name a mark column may carry, for the reader to know a subject's column */
  readonly spellings: string[];
  private readonly ids: Set<number>;
  private readonly byName = new Map<string, Set<number>>();
  private readonly mapped: Map<string, number>;
  private readonly found = new Map<string, { id: number } | { reason: string }>();

  constructor(db: DB, subjectMapping: Record<string, number> = {}) {
    const all = db.prepare('SELECT id, name, short_name FROM subjects').all() as Array<{ id: number; name: string; short_name: string | null }>;
    this.ids = new Set(all.map((s) => s.id));
    for (const s of all) {
      for (const n of [s.name, s.short_name]) if (n) (this.byName.get(normalizeHeader(n)) ?? this.byName.set(normalizeHeader(n), new Set()).get(normalizeHeader(n))!).add(s.id);
    }
    this.mapped = new Map(Object.entries(subjectMapping).map(([k, v]) => [normalizeHeader(k), v]));
    this.spellings = [...all.flatMap((s) => [s.name, s.short_name ?? '']).filter(Boolean), ...Object.keys(subjectMapping)];
  }

  /** The subject a header names, or why none; worked out once per name. */
  of(written: string): { id: number } | { reason: string } {
    return this.found.get(written) ?? this.found.set(written, this.find(written)).get(written)!;
  }

  private find(written: string): { id: number } | { reason: string } {
    const key = normalizeHeader(written);
    const mapped = this.mapped.get(key);
    if (mapped != null) return this.ids.has(mapped) ? { id: mapped } : { reason: `предмет «${written}» сопоставлен несуществующему предмету (id ${mapped})` };
    const ids = this.byName.get(key);
    if (!ids) return { reason: `предмет «${written}» не найден в реестре: сопоставьте его предмету реестра` };
    if (ids.size > 1) return { reason: `названию «${written}» соответствуют ${count(ids.size, 'предмет', 'предмета', 'предметов')} реестра: сопоставьте столбец одному` };
    return { id: [...ids][0] };
  }
}

/** Why a row is refused as a whole, at the cell that says why. */
type RowRefusal = { column: string | null; field: string | null; reason: string };

/**
 * A row's student (by СНИЛС, else by ФИО + birth date; more than one candidate is never a guess) and class (the one the
 * file names — the grades check then asks that the student was in it — else the student's only class of the year).
 */
class StudentMatcher {
  private readonly bySnils: Statement;
  private readonly byFio: Statement;
  private readonly allStudents: Statement;
  private readonly memberships: Statement;
  private readonly classByName: Statement;
  private readonly classNamed = new Map<string, { id: number } | undefined>(); // a journal names the same few classes on every row
  // students by ФИО + birth date: asked one by one for a short journal, from one index of the register's students
  // once a journal has named many (a query per row was a fifth of a long journal's preview). Keyed by search key and
  // birth date joined: a birth date is always 10 characters (the schema checks it), so the key tells every pair apart
  private fioAsked = 0;
  private fioIndex: Map<string, StudentRow[]> | null = null;

  constructor(db: DB, private readonly year: { id: number; name: string }) {
    this.bySnils = db.prepare('SELECT id, snils FROM students WHERE snils = ?');
    this.byFio = db.prepare('SELECT id, snils FROM students WHERE search_key = ? AND birth_date = ?');
    this.allStudents = db.prepare(`SELECT search_key || '|' || birth_date, id, snils FROM students`);
    this.memberships = db.prepare(`SELECT DISTINCT c.id FROM class_memberships m JOIN classes c ON c.id = m.class_id WHERE m.student_id = ? AND c.year_id = ?`);
    this.classByName = db.prepare(`SELECT id FROM classes WHERE year_id = ? AND parallel || letter = ?`);
  }

  student(r: DataRow, nameCol: string | null): StudentRow | RowRefusal {
    const cells = r.cells;
    const snils = cells.snils?.value?.replace(/\D/g, '') || null;
    const student = snils ? (this.bySnils.get(snils) as StudentRow | undefined) : undefined;
    if (student) return student;
    let names: { lastName: string; firstName: string; middleName: string | null } | null = null;
    if (cells.lastName || cells.firstName) names = { lastName: cells.lastName?.value ?? '', firstName: cells.firstName?.value ?? '', middleName: cells.middleName?.value ?? null };
    else if (cells.fullName?.value) names = splitFullName(cells.fullName!.value!);
    const birth = cells.birthDate?.value ?? null;
    if (!names || !names.lastName || !names.firstName) return { column: nameCol, field: 'fullName', reason: 'нет ФИО ученика (нужны хотя бы фамилия и имя)' };
    const named = cells.className?.value ? `, класс ${cells.className.value}` : '';
    if (!birth) return { column: cells.birthDate?.col ?? null, field: 'birthDate', reason: cells.birthDate?.error ?? 'нет даты рождения: без неё ученика не найти по ФИО' };
    const fio = [names.lastName, names.firstName, names.middleName].filter(Boolean).join(' ');
    const found = this.byFioAndBirth(searchKey(fio), birth);
    if (found.length > 1) return { column: nameCol, field: 'fullName', reason: `в реестре ${count(found.length, 'ученик', 'ученика', 'учеников')} с ФИО «${fio}» и датой рождения ${formatDate(birth)}: укажите СНИЛС, чтобы выбрать` };
    // a journal adds no one: a student comes into the register by an order of enrolment, not by a mark
    if (!found.length) return { column: nameCol, field: 'fullName', reason: `ученик «${fio}» (${formatDate(birth)}${named})${snils ? ` со СНИЛС ${snils}` : ''} не найден в реестре: ` +
      'строка не импортирована — сначала зачислите ученика приказом' };
    if (snils && found[0].snils && found[0].snils !== snils) return { column: cells.snils!.col, field: 'snils', reason: `у ученика «${fio}» в реестре другой СНИЛС: проверьте, тот ли это ученик` };
    return found[0];
  }

  private byFioAndBirth(key: string, birth: string): StudentRow[] {
    if (!this.fioIndex && ++this.fioAsked > 256) {
      const index = this.fioIndex = new Map<string, StudentRow[]>();
      for (const [k, id, snils] of this.allStudents.raw().all() as Array<[string, string, string | null]>) {
        const list = index.get(k);
        if (list) list.push({ id, snils }); else index.set(k, [{ id, snils }]);
      }
    }
    return this.fioIndex && birth.length === 10 ? this.fioIndex.get(`${key}|${birth}`) ?? [] : this.byFio.all(key, birth) as StudentRow[];
  }

  classOf(r: DataRow, studentId: string, nameCol: string | null): number | RowRefusal {
    const year = this.year;
    const named = r.cells.className?.value;
    if (named) {
      let c = this.classNamed.get(named);
      if (c === undefined && !this.classNamed.has(named)) this.classNamed.set(named, c = this.classByName.get(year.id, named) as { id: number } | undefined);
      return c ? c.id : { column: r.cells.className!.col, field: 'className', reason: `класса ${named} нет в ${year.name} учебном году` };
    }
    const ids = (this.memberships.all(studentId, year.id) as Array<{ id: number }>).map((x) => x.id);
    if (!ids.length) return { column: nameCol, field: 'fullName', reason: `ученик не учился ни в одном классе в ${year.name} учебном году` };
    if (ids.length > 1) return { column: nameCol, field: 'fullName', reason: `в ${year.name} году ученик был в ${count(ids.length, 'классе', 'классах', 'классах')}: добавьте столбец «Класс»` };
    return ids[0];
  }
}

type ClassOf = { info: ReturnType<typeof classInfo>; periods: ReturnType<typeof classPeriods> };

/**
 * The rows planned into cells: each mark cell of a matched row becomes a PlannedMark (with the register's mark before)
 * in its class's batch, each period's attendance a PlannedAttendance; a cell that cannot be placed is rejected here.
 */
class MarksPlan {
  /** candidate cells per class, checked by the grades service in one batch per class */
  readonly batches = new Map<number, PlannedMark[]>();
  readonly attendanceBatches = new Map<number, PlannedAttendance[]>();
  private readonly classes = new Map<number, ClassOf>();
  private readonly targets = new Map<number, Map<string, Target>>(); // class → field → where its cells go
  private readonly givenOf = new Map<number, Map<string, Given>>(); // class → cell key → the row that last gave it
  private rowSerial = 0; // rows planned so far: tells this row's cells from an earlier row's in a Given
  private readonly seen = new Map<string, { sheet: string; row: number }>();
  // the marks of the year of a class's students, fetched once per class, by student, keyed subject|slot|period. A cell
  // passes the grades check only for a student of that class, so a student's own marks are all there when they count
  private readonly marksOfClass: Statement;
  private readonly classMarks = new Map<number, Map<string, Map<string, string>>>();
  private readonly existingAttendance: Statement;
  // a sheet's rows all have the same fields (its mapping's), so its mark and attendance fields are listed once
  private sheetFields: { marks: string[]; att: string[] } | null = null;
  // and the targets of its mark fields, by class, in the same order: worked out once, then found by position
  private sheetTargets = new Map<number, Array<Target | undefined>>();

  constructor(private readonly db: DB, private readonly year: { id: number; name: string }, private readonly subjects: SubjectNames,
    private readonly students: StudentMatcher, private readonly p: MarksImportPreview) {
    this.marksOfClass = db.prepare(`SELECT student_id, subject_id, slot, coalesce(period_id, 0) AS period, mark FROM marks
      WHERE year_id = ? AND student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`);
    this.existingAttendance = db.prepare('SELECT missed, missed_valid AS missedValid FROM attendance WHERE student_id = ? AND period_id = ?');
  }

  startSheet(layout: SheetLayout) {
    this.sheetFields = null;
    this.sheetTargets = new Map();
    this.p.layouts.push(layout);
    if (!this.p.attendance && Object.keys(layout.mapping).some((f) => f.startsWith('att:'))) this.p.attendance = { added: 0, changed: 0, unchanged: 0, writes: [] };
  }

  classOf(id: number): ClassOf {
    let cls = this.classes.get(id);
    if (!cls) {
      const info = classInfo(this.db, id);
      this.classes.set(id, cls = { info, periods: classPeriods(this.db, info) });
    }
    return cls;
  }

  private marksOf(classId: number, studentId: string): Map<string, string> | undefined {
    let ofClass = this.classMarks.get(classId);
    if (!ofClass) {
      this.classMarks.set(classId, ofClass = new Map());
      for (const [student, subject, slot, period, mark] of this.marksOfClass.raw().all(this.year.id, classId) as Array<[string, number, string, number, string]>) {
        let has = ofClass.get(student);
        if (!has) ofClass.set(student, has = new Map());
        has.set(`${subject}|${slot}|${period}`, mark);
      }
    }
    return ofClass.get(studentId);
  }

  /** A mark cell holding a spreadsheet error («#DIV/0!»): named by its address and its student. */
  private rejectErrorCell(r: DataRow, f: string, c: CellOut) {
    const fio = rowName(r);
    this.p.rejected.push({ sheet: r.sheet, row: r.row, column: c.col, field: f,
      reason: `ячейка ${c.col}${r.row}${fio ? ` (${fio}, ${fieldLabel(f)})` : ` (${fieldLabel(f)})`}: ${c.error}` });
  }

  private reject(r: DataRow, x: RowRefusal) {
    this.p.rejected.push({ sheet: r.sheet, row: r.row, column: x.column, field: x.field, reason: x.reason });
  }

  planRow(r: DataRow) {
    const cells = r.cells;
    const nameCol = cells.fullName?.col ?? cells.lastName?.col ?? null;
    if (!this.sheetFields) {
      const fields = Object.keys(cells);
      this.sheetFields = { marks: fields.filter((f) => f.startsWith('mark:')), att: fields.filter((f) => f.startsWith('att:')) };
    }
    const markFields = this.sheetFields.marks;
    const attFields = this.sheetFields.att.length ? saidFields(cells, this.sheetFields.att) : this.sheetFields.att;
    if (!attFields.length && !anySaid(cells, markFields)) return; // a row without marks or attendance says nothing to this import

    const student = this.students.student(r, nameCol);
    if (!('id' in student)) {
      this.reject(r, student);
      // error cells are counted whatever happens to their row: a failed formula is never passed over unsaid
      for (const f of markFields) if (cells[f].formulaError) this.rejectErrorCell(r, f, cells[f]);
      return;
    }
    const first = this.seen.get(student.id);
    if (first) return this.reject(r, { column: nameCol, field: 'fullName', reason: `тот же ученик уже в строке ${first.row}${first.sheet !== r.sheet ? ` листа «${first.sheet}»` : ''}` });
    this.seen.set(student.id, { sheet: r.sheet, row: r.row });
    const classId = this.students.classOf(r, student.id, nameCol);
    if (typeof classId !== 'number') return this.reject(r, classId);

    const cls = this.classOf(classId);
    this.planMarks(r, student.id, classId, cls, markFields);
    if (attFields.length) this.planAttendance(r, student.id, classId, cls, attFields);
  }

  /** The row's mark cells into the class's batch, each with the register's mark before; one register cell from one column only. */
  private planMarks(r: DataRow, studentId: string, classId: number, cls: ClassOf, markFields: string[]) {
    const cells = r.cells;
    const thisRow = ++this.rowSerial; // one register cell from one column only («Математика» and «Матем.»)
    const has = this.marksOf(classId, studentId);
    const batch = this.batches.get(classId) ?? this.batches.set(classId, []).get(classId)!;
    let targetsOfRow = this.sheetTargets.get(classId);
    if (!targetsOfRow) this.sheetTargets.set(classId, targetsOfRow = new Array<Target | undefined>(markFields.length));
    for (let j = 0; j < markFields.length; j++) { // no closure per cell: a journal has a hundred thousand of them
      const f = markFields[j];
      const c = cells[f];
      if (c.value == null && !c.error) continue; // an empty cell says nothing
      let refusal = c.error || null;
      if (refusal && c.formulaError) { this.rejectErrorCell(r, f, c); continue; } // asked of refused cells only
      const target = refusal ? null : (targetsOfRow[j] ??= this.targetOf(f, classId, cls));
      if (target && 'reason' in target) refusal = target.reason;
      else if (target && target.given.row === thisRow) refusal = `столбец ${target.given.col} уже даёт эту оценку: оставьте в сопоставлении один из них`;
      if (refusal || !target || 'reason' in target) {
        this.p.rejected.push({ sheet: r.sheet, row: r.row, column: c.col, field: f, reason: refusal ?? '' });
        continue;
      }
      target.given.row = thisRow;
      target.given.col = c.col;
      const from = has?.get(target.key) ?? null;
      const planned: PlannedMark = { sheet: r.sheet, row: r.row, column: c.col, classId, studentId, subjectId: target.subjectId,
        slot: target.slot, periodId: target.periodId, mark: c.value!, from };
      batch.push(planned);
    }
  }

  /** Where a mark column's cells go in a class: subject, slot and period (or why nowhere); worked out once per class. */
  private targetOf(f: string, classId: number, cls: ClassOf): Target {
    let ofClass = this.targets.get(classId);
    if (!ofClass) this.targets.set(classId, ofClass = new Map());
    let t = ofClass.get(f);
    if (!t) {
      t = this.findTarget(f, cls);
      if (!('reason' in t)) {
        // columns of the same register cell («Математика» and «Матем.») share its record of the row that gave it
        let byKey = this.givenOf.get(classId);
        if (!byKey) this.givenOf.set(classId, byKey = new Map());
        const given = byKey.get(t.key);
        if (given) t.given = given; else byKey.set(t.key, t.given);
      }
      ofClass.set(f, t);
    }
    return t;
  }

  private findTarget(f: string, cls: ClassOf): Target {
    const m = parseMarkField(f)!;
    if (!m.subject) return { reason: `в заголовке «${fieldLabel(f)}» не указан предмет: сопоставьте столбец оценке по предмету реестра` };
    const subj = this.subjects.of(m.subject);
    if ('reason' in subj) return subj;
    if (!m.period) return { reason: `в заголовке «${fieldLabel(f)}» не указан период (четверть, полугодие, триместр, год, экзамен, итог)` };
    let slot: MarkSlot, periodId: number | null = null;
    const fixed = SLOT_OF[m.period];
    if (fixed) slot = fixed;
    else {
      slot = 'period';
      const per = this.periodOf(cls, m.period);
      if (!per) return { reason: this.noPeriod(cls, f) };
      periodId = per.id;
    }
    // the key of the register's cell, as `has` keys a student's marks
    return { subjectId: subj.id, slot, periodId, key: `${subj.id}|${slot}|${periodId ?? 0}`, given: { row: 0, col: '' } };
  }

  private periodOf(cls: ClassOf, period: string) {
    const kind = PERIOD_KIND[period[0]], number = Number(period.slice(1));
    return cls.periods.find((x) => x.kind === kind && x.number === number);
  }

  private noPeriod(cls: ClassOf, field: string): string {
    const studies = cls.periods[0]?.kind;
    return `класс ${cls.info.name} в ${this.year.name} году ${studies ? `учится по ${KIND_WORD[studies]}` : 'не имеет периодов'}: столбца «${fieldLabel(field)}» у него нет`;
  }

  /** Attendance by period: «Пропущено уроков» and, of them, for illness and for another valid reason (their sum). */
  private planAttendance(r: DataRow, studentId: string, classId: number, cls: ClassOf, fields: string[]) {
    const reject = (column: string, field: string, reason: string) => this.p.rejected.push({ sheet: r.sheet, row: r.row, column, field, reason });
    const byPeriod = new Map<string, Partial<Record<'missed' | 'ill' | 'valid' | 'unexcused', { n: number; col: string; field: string }>>>();
    for (const f of fields) {
      const c = r.cells[f];
      const a = parseAttendanceField(f)!;
      if (c.error) { reject(c.col, f, c.error); continue; }
      if (!a.period) { reject(c.col, f, `в заголовке «${fieldLabel(f)}» не указан период (четверть, полугодие, триместр)`); continue; }
      if (SLOT_OF[a.period]) { reject(c.col, f, `пропуски записываются по периодам (четверть, полугодие, триместр), не «${fieldLabel(f)}»`); continue; }
      (byPeriod.get(a.period) ?? byPeriod.set(a.period, {}).get(a.period)!)[a.part] = { n: Number(c.value), col: c.col, field: f };
    }
    for (const [period, parts] of byPeriod) {
      const any = (parts.missed ?? parts.ill ?? parts.valid ?? parts.unexcused)!;
      const per = this.periodOf(cls, period);
      if (!per) { reject(any.col, any.field, this.noPeriod(cls, any.field)); continue; }
      const valid = (parts.ill?.n ?? 0) + (parts.valid?.n ?? 0);
      // without «Пропущено уроков» the total is known only from a full breakdown (with «без уважительной причины»)
      const missed = parts.missed?.n ?? (parts.unexcused ? valid + parts.unexcused.n : null);
      if (missed == null) { reject(any.col, any.field, `за ${fieldLabel(any.field).split(', ').pop()} нет числа «Пропущено уроков»: по графам «из них» всего не узнать`); continue; }
      if (valid > missed) {
        reject((parts.missed ?? any).col, (parts.missed ?? any).field, `пропущено по болезни и по уважительной причине (${valid}) больше, чем всего (${missed})`);
        continue;
      }
      const from = (this.existingAttendance.get(studentId, per.id) as { missed: number; missedValid: number } | undefined) ?? null;
      const planned: PlannedAttendance = { sheet: r.sheet, row: r.row, column: (parts.missed ?? any).col, classId, studentId, periodId: per.id, missed, missedValid: valid, from };
      (this.attendanceBatches.get(classId) ?? this.attendanceBatches.set(classId, []).get(classId)!).push(planned);
    }
  }
}

/** The student's name as the row writes it, for a message. */
function rowName(r: DataRow): string {
  const c = r.cells;
  return c.fullName?.value ?? [c.lastName?.value, c.firstName?.value, c.middleName?.value].filter(Boolean).join(' ');
}

/** The fields of `of` whose cells say something (a value, or an error): no closure per row, a journal has thousands. */
function saidFields(cells: Record<string, CellOut>, of: string[]): string[] {
  const out: string[] = [];
  for (const f of of) if (cells[f].value != null || cells[f].error) out.push(f);
  return out;
}
function anySaid(cells: Record<string, CellOut>, of: string[]): boolean {
  for (const f of of) if (cells[f].value != null || cells[f].error) return true;
  return false;
}

/**
 * The grades service's rules, asked per class with nothing written: for marks its batch check (scale, membership,
 * curriculum, period, exam), for attendance its own. What passes is counted as added, changed or unchanged; added and
 * changed are what a commit writes. Between classes the event loop turns, so a cancel of a long preview is heard.
 */
async function checkPlanned(db: DB, plan: MarksPlan, p: MarksImportPreview, progress: Progress | undefined) {
  let checked = 0;
  const classCount = new Set([...plan.batches.keys(), ...plan.attendanceBatches.keys()]).size;
  const step = async () => {
    progress?.throwIfCancelled();
    progress?.report(++checked, classCount, `Проверка по классам: ${checked} из ${classCount}`);
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (const [classId, rows] of plan.attendanceBatches) {
    const { errors } = checkAttendance(db, classId, rows);
    const att = p.attendance!;
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i];
      const refused = errors[`rows.${i}`];
      if (refused) p.rejected.push({ sheet: a.sheet, row: a.row, column: a.column, field: null, reason: refused });
      else if (a.from && a.from.missed === a.missed && a.from.missedValid === a.missedValid) att.unchanged++;
      else {
        if (a.from) att.changed++; else att.added++;
        att.writes.push(a);
      }
    }
    if (!plan.batches.has(classId)) await step();
  }
  for (const [classId, cells] of plan.batches) {
    await step();
    const { errors } = checkMarks(db, classId, cells, { passed: false });
    // a class with nothing refused (the usual case) needs no key made and looked up per cell
    const anyRefused = Object.keys(errors).length > 0;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      const refused = anyRefused ? errors[`cells.${i}`] : undefined;
      if (refused) p.rejected.push({ sheet: c.sheet, row: c.row, column: c.column, field: null, reason: refused });
      else if (c.from === c.mark) p.unchanged++;
      else {
        if (c.from == null) p.added++; else p.changed++;
        p.writes.push(c);
      }
    }
  }
}

/**
 * The fingerprint of what a commit would write: SHA-256 over the year, the rejected cells, the attendance, then each
 * cell written as a line (student, subject, slot, period, mark before, mark after; no tab or newline in any of them).
 * Each line is put together in one buffer from the UTF-8 of its three parts — the student, the register cell, the marks
 * before and after — each made once (a student's cells are adjacent; there are few cells and marks), and the buffer is
 * hashed as it fills: the same bytes as hashing the lines as text, without making a string per line.
 */
function previewToken(p: MarksImportPreview): string {
  const token = crypto.createHash('sha256').update(JSON.stringify([p.year.id, p.rejected.map((r) => [r.sheet, r.row, r.column, r.reason]),
    ...(p.attendance ? [p.attendance.writes.map((a) => [a.studentId, a.periodId, a.from, a.missed, a.missedValid])] : [])]));
  const lines = Buffer.allocUnsafe(256 * 1024);
  let used = 0;
  const put = (b: Buffer) => {
    if (used + b.length > lines.length) { token.update(lines.subarray(0, used)); used = 0; }
    if (b.length > lines.length) token.update(b);
    else { lines.set(b, used); used += b.length; }
  };
  const cellBytes = new Map<number, Map<string, Map<number | null, Buffer>>>();
  const markBytes = new Map<string | null, Map<string, Buffer>>();
  let student: string | null = null, studentBytes = Buffer.alloc(0);
  for (const w of p.writes) {
    if (w.studentId !== student) studentBytes = Buffer.from(`${student = w.studentId}\t`);
    let bySlot = cellBytes.get(w.subjectId);
    if (!bySlot) cellBytes.set(w.subjectId, bySlot = new Map());
    let byPeriod = bySlot.get(w.slot);
    if (!byPeriod) bySlot.set(w.slot, byPeriod = new Map());
    let cell = byPeriod.get(w.periodId);
    if (!cell) byPeriod.set(w.periodId, cell = Buffer.from(`${w.subjectId}\t${w.slot}\t${w.periodId}\t`));
    let byMark = markBytes.get(w.from);
    if (!byMark) markBytes.set(w.from, byMark = new Map());
    let marks = byMark.get(w.mark);
    if (!marks) byMark.set(w.mark, marks = Buffer.from(`${w.from}\t${w.mark}\n`));
    put(studentBytes);
    put(cell);
    put(marks);
  }
  token.update(lines.subarray(0, used));
  return token.digest('hex');
}

/**
 * Writes a preview's added and changed cells in one transaction (nested in the caller's, if any), through the grades
 * service's writer. `onApplied` runs inside it, so the caller's audit entry commits with the marks or not at all.
 * A register changed since the preview (a mark given meanwhile, a student moved, a subject dropped, a class sealed)
 * refuses the whole commit, naming the cell as the clerk reads the file — never a silent half.
 */
export function applyMarksImport(db: DB, p: MarksImportPreview, onApplied?: (r: MarksImportResult) => void): MarksImportResult {
  const result: MarksImportResult = { added: p.added, changed: p.changed, unchanged: p.unchanged, rejectedCells: p.rejected.length,
    ...(p.attendance ? { attendance: { added: p.attendance.added, changed: p.attendance.changed, unchanged: p.attendance.unchanged } } : {}) };
  const attByClass = new Map<number, PlannedAttendance[]>();
  for (const a of p.attendance?.writes ?? []) (attByClass.get(a.classId) ?? attByClass.set(a.classId, []).get(a.classId)!).push(a);
  db.transaction(() => {
    try {
      writeMarks(db, p.year.id, p.writes);
    } catch (e) {
      if (!(e instanceof MarkRefused)) throw e;
      const w = p.writes[e.index];
      const why = e.kind === 'taken' ? 'оценка появилась в реестре после предпросмотра'
        : e.kind === 'stale' ? 'оценка в реестре уже не та, что была в предпросмотре' : e.why;
      throw new AppError('conflict', `Ничего не записано: лист «${w.sheet}», строка ${w.row}, столбец ${w.column} — реестр изменился после ` +
        `предпросмотра (${why}). Посмотрите предпросмотр ещё раз`);
    }
    for (const [classId, rows] of attByClass) setAttendance(db, classId, rows);
    onApplied?.(result);
  })();
  return result;
}

/** Whether a commit of this preview would write anything: the same file again writes nothing. */
export const hasWrites = (p: MarksImportPreview) => p.writes.length > 0 || (p.attendance?.writes.length ?? 0) > 0;

/** A planned cell's identity as the clerk points at it: the sheet and the cell's address («5А!D7»). */
export const changeId = (w: { sheet: string; row: number; column: string }) => `${w.sheet}!${w.column}${w.row}`;

/** One mark (or one period's attendance) a commit would write, as the clerk reads it: «ФИО — предмет, период: было →
 *  станет»; attendance reads «ФИО — Пропуски уроков, период: 12 (по уважительной 4) → 14 (по уважительной 6)». */
export type MarkChange = { id: string; sheet: string; row: number; column: string; student: string; className: string; subject: string;
  period: string; kind: 'added' | 'changed'; from: string | null; to: string; what?: 'mark' | 'attendance' };

/** The subject column's word for an attendance change in the list (and its filter). */
export const ATTENDANCE_SUBJECT = 'Пропуски уроков';
const missedText = (a: { missed: number; missedValid: number }) => `${a.missed} (по уважительной ${a.missedValid})`;

const SLOT_WORD: Record<MarkSlot, string> = { period: '', annual: 'год', exam: 'экзамен', final: 'итоговая' };
const PERIOD_WORD = { quarter: 'четверть', half: 'полугодие', trimester: 'триместр' } as const;

/** The preview's writes named for the clerk, in the file's order (sheet, row, column); names looked up once each. */
export function describeChanges(db: DB, p: MarksImportPreview): MarkChange[] {
  const students = new Map<string, string>();
  const studentName = db.prepare(`SELECT last_name || ' ' || first_name || coalesce(' ' || middle_name, '') AS n FROM students WHERE id = ?`).pluck();
  const subjects = new Map((db.prepare('SELECT id, name FROM subjects').all() as Array<{ id: number; name: string }>).map((x) => [x.id, x.name]));
  const periods = new Map((db.prepare('SELECT id, kind, number FROM periods WHERE year_id = ?').all(p.year.id) as Array<{ id: number; kind: keyof typeof PERIOD_WORD; number: number }>)
    .map((x) => [x.id, `${x.number} ${PERIOD_WORD[x.kind]}`]));
  const classes = new Map((db.prepare('SELECT id, parallel || letter AS name FROM classes WHERE year_id = ?').all(p.year.id) as Array<{ id: number; name: string }>)
    .map((x) => [x.id, x.name]));
  const nameOf = (id: string) => {
    let student = students.get(id);
    if (student === undefined) students.set(id, student = studentName.get(id) as string);
    return student;
  };
  const out = p.writes.map((w): MarkChange => ({ id: changeId(w), sheet: w.sheet, row: w.row, column: w.column, student: nameOf(w.studentId),
    className: classes.get(w.classId) ?? '', subject: subjects.get(w.subjectId) ?? String(w.subjectId),
    period: w.periodId != null ? periods.get(w.periodId) ?? '' : SLOT_WORD[w.slot], kind: w.from == null ? 'added' : 'changed', from: w.from, to: w.mark }));
  // attendance is written by the same commit: listed and excluded the same way, one row a student × period
  for (const a of p.attendance?.writes ?? []) out.push({ id: changeId(a), sheet: a.sheet, row: a.row, column: a.column, student: nameOf(a.studentId),
    className: classes.get(a.classId) ?? '', subject: ATTENDANCE_SUBJECT, period: periods.get(a.periodId) ?? '', kind: a.from ? 'changed' : 'added',
    from: a.from ? missedText(a.from) : null, to: missedText(a), what: 'attendance' });
  // 100,000 changes: the sheets compared only where they differ (a journal has a few), the columns (A–Z letters of one
  // length) by their codes — the same order as localeCompare, at a fraction of a preview job's time on the thread
  return out.sort((a, b) => (a.sheet === b.sheet ? 0 : a.sheet.localeCompare(b.sheet)) || a.row - b.row || a.column.length - b.column.length ||
    (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
}

/**
 * The preview without the cells the clerk left out (ids as changeId gives them): the commit writes exactly the rest.
 * An id that names no planned cell is refused — the clerk excluded something this preview does not have.
 */
export function excludeChanges(p: MarksImportPreview, exclude: readonly string[]): { p: MarksImportPreview; excluded: number } {
  if (!exclude.length) return { p, excluded: 0 };
  const out = new Set(exclude);
  const kept: PlannedMark[] = [];
  let added = 0, changed = 0;
  for (const w of p.writes) {
    if (out.delete(changeId(w))) continue;
    kept.push(w);
    if (w.from == null) added++; else changed++;
  }
  let attendance = p.attendance;
  if (attendance && out.size) {
    const keptAtt: PlannedAttendance[] = [];
    let attAdded = 0, attChanged = 0;
    for (const a of attendance.writes) {
      if (out.delete(changeId(a))) continue;
      keptAtt.push(a);
      if (a.from) attChanged++; else attAdded++;
    }
    attendance = { ...attendance, writes: keptAtt, added: attAdded, changed: attChanged };
  }
  if (out.size) {
    const [first] = out;
    throw new AppError('conflict', `В предпросмотре нет изменения «${first}», которое вы исключили: посмотрите предпросмотр ещё раз`);
  }
  const excluded = p.writes.length - kept.length + (p.attendance?.writes.length ?? 0) - (attendance?.writes.length ?? 0);
  return { p: { ...p, writes: kept, added, changed, unchanged: p.unchanged, attendance }, excluded };
}
