// Marks (and attendance: lessons missed per period, of them for illness or another valid reason) from a journal
// workbook into the register: a preview of the cells that would be added, changed and left alone, with every rejected
// cell; then a commit in one transaction. Students are matched as in the students import (СНИЛС, else ФИО + birth
// date, never a guess); the rules are the grades service's own.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { Statement } from 'better-sqlite3';
import type { MarkSlot } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { searchKey } from '../shared/names.ts';
import { todayIso } from '../shared/dates.ts';
import { currentYearStart } from '../years/years.ts';
import { checkMarks, classInfo, classPeriods, setAttendance } from '../grades/grades.ts';
import { normalizeHeader, parseAttendanceField, parseMarkField, sheetRows, fieldLabel, type CellOut, type DataRow, type Period, type ReadOptions, type SheetLayout } from './read.ts';
import { splitFullName, type RejectedCell } from './students-import.ts';
import { assertCommittable } from './commit.ts';

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

/** Reads the file and compares its marks with the register; writes nothing. */
export async function previewMarksImport(db: DB, file: string, opts: MarksImportOptions = {}): Promise<MarksImportPreview> {
  const year = resolveYear(db, opts.year);
  const subjects = db.prepare('SELECT id, name, short_name FROM subjects').all() as Array<{ id: number; name: string; short_name: string | null }>;
  const subjectIds = new Set(subjects.map((s) => s.id));
  const byName = new Map<string, Set<number>>();
  for (const s of subjects) {
    for (const n of [s.name, s.short_name]) if (n) (byName.get(normalizeHeader(n)) ?? byName.set(normalizeHeader(n), new Set()).get(normalizeHeader(n))!).add(s.id);
  }
  const userSubjects = new Map(Object.entries(opts.subjectMapping ?? {}).map(([k, v]) => [normalizeHeader(k), v]));
  const readOpts: ReadOptions = { ...opts, subjects: [...subjects.flatMap((s) => [s.name, s.short_name ?? '']).filter(Boolean), ...Object.keys(opts.subjectMapping ?? {})] };

  const p: MarksImportPreview = { file, year, layouts: [], skippedSheets: [], added: 0, changed: 0, unchanged: 0, rejected: [], writes: [], attendance: null, token: '' };
  const bySnils = db.prepare('SELECT id, snils FROM students WHERE snils = ?');
  const byFio = db.prepare('SELECT id, snils FROM students WHERE search_key = ? AND birth_date = ?');
  const memberships = db.prepare(`SELECT DISTINCT c.id FROM class_memberships m JOIN classes c ON c.id = m.class_id WHERE m.student_id = ? AND c.year_id = ?`);
  const classByName = db.prepare(`SELECT id FROM classes WHERE year_id = ? AND parallel || letter = ?`);
  const classNamed = new Map<string, { id: number } | undefined>(); // a journal names the same few classes on every row
  // the marks of the year of a class's students, fetched once per class, by student, keyed subject|slot|period. A cell
  // passes the grades check only for a student of that class, so a student's own marks are all there when they count
  const marksOfClass = db.prepare(`SELECT student_id, subject_id, slot, coalesce(period_id, 0) AS period, mark FROM marks
    WHERE year_id = ? AND student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`);
  const classMarks = new Map<number, Map<string, Map<string, string>>>();
  const marksOf = (classId: number, studentId: string): Map<string, string> | undefined => {
    let ofClass = classMarks.get(classId);
    if (!ofClass) {
      classMarks.set(classId, ofClass = new Map());
      for (const [student, subject, slot, period, mark] of marksOfClass.raw().all(year.id, classId) as Array<[string, number, string, number, string]>) {
        let has = ofClass.get(student);
        if (!has) ofClass.set(student, has = new Map());
        has.set(`${subject}|${slot}|${period}`, mark);
      }
    }
    return ofClass.get(studentId);
  };
  // students by ФИО + birth date: asked one by one for a short journal, from one index of the register's students
  // once a journal has named many (a query per row was a fifth of a long journal's preview)
  const allStudents = db.prepare(`SELECT search_key || '|' || birth_date, id, snils FROM students`);
  let fioAsked = 0;
  // keyed by search key and birth date joined: a birth date is always 10 characters (the schema checks it), so the
  // joined key tells every pair apart
  let fioIndex: Map<string, StudentRow[]> | null = null;
  const studentsByFio = (key: string, birth: string): StudentRow[] => {
    if (!fioIndex && ++fioAsked > 256) {
      fioIndex = new Map();
      for (const [k, id, snils] of allStudents.raw().all() as Array<[string, string, string | null]>) {
        const list = fioIndex.get(k);
        if (list) list.push({ id, snils }); else fioIndex.set(k, [{ id, snils }]);
      }
    }
    return fioIndex && birth.length === 10 ? fioIndex.get(`${key}|${birth}`) ?? [] : byFio.all(key, birth) as StudentRow[];
  };
  const existingAttendance = db.prepare('SELECT missed, missed_valid AS missedValid FROM attendance WHERE student_id = ? AND period_id = ?');
  const attendanceBatches = new Map<number, PlannedAttendance[]>();
  const subjectCache = new Map<string, { id: number } | { reason: string }>();
  const targets = new Map<number, Map<string, Target>>(); // class → field → where its cells go
  const givenOf = new Map<number, Map<string, Given>>(); // class → cell key → the row that last gave it
  let rowSerial = 0; // rows planned so far: tells this row's cells from an earlier row's in a Given
  const classes = new Map<number, { info: ReturnType<typeof classInfo>; periods: ReturnType<typeof classPeriods> }>();
  const classOf = (id: number) => classes.get(id) ?? classes.set(id, { info: classInfo(db, id), periods: classPeriods(db, classInfo(db, id)) }).get(id)!;
  const seen = new Map<string, { sheet: string; row: number }>();
  // candidate cells per class, checked by the grades service in one batch per class
  const batches = new Map<number, PlannedMark[]>();

  // a sheet's rows all have the same fields (its mapping's), so its mark and attendance fields are listed once
  let sheetFields: { marks: string[]; att: string[] } | null = null;
  // and the targets of its mark fields, by class, in the same order: worked out once, then found by position
  let sheetTargets = new Map<number, Array<Target | undefined>>();
  for await (const events of sheetRows(file, readOpts)) for (const ev of events) {
    if (ev.type === 'sheet') {
      sheetFields = null;
      sheetTargets = new Map();
      p.layouts.push(ev.layout);
      if (!p.attendance && Object.keys(ev.layout.mapping).some((f) => f.startsWith('att:'))) p.attendance = { added: 0, changed: 0, unchanged: 0, writes: [] };
    }
    else if (ev.type === 'skipped') p.skippedSheets.push({ sheet: ev.sheet, reason: ev.reason });
    else planRow(ev.row);
  }

  function subjectFor(written: string): { id: number } | { reason: string } {
    return subjectCache.get(written) ?? subjectCache.set(written, findSubject(written)).get(written)!;
  }
  /** Where a mark column's cells go in a class: subject, slot and period (or why nowhere); worked out once per class. */
  function targetOf(f: string, classId: number, cls: ReturnType<typeof classOf>): Target {
    let ofClass = targets.get(classId);
    if (!ofClass) targets.set(classId, ofClass = new Map());
    let t = ofClass.get(f);
    if (!t) {
      t = findTarget(f, cls);
      if (!('reason' in t)) {
        // columns of the same register cell («Математика» and «Матем.») share its record of the row that gave it
        let byKey = givenOf.get(classId);
        if (!byKey) givenOf.set(classId, byKey = new Map());
        const given = byKey.get(t.key);
        if (given) t.given = given; else byKey.set(t.key, t.given);
      }
      ofClass.set(f, t);
    }
    return t;
  }
  function findTarget(f: string, cls: ReturnType<typeof classOf>): Target {
    const m = parseMarkField(f)!;
    if (!m.subject) return { reason: `в заголовке «${fieldLabel(f)}» не указан предмет: сопоставьте столбец оценке по предмету реестра` };
    const subj = subjectFor(m.subject);
    if ('reason' in subj) return subj;
    if (!m.period) return { reason: `в заголовке «${fieldLabel(f)}» не указан период (четверть, полугодие, триместр, год, экзамен, итог)` };
    let slot: MarkSlot, periodId: number | null = null;
    const fixed = SLOT_OF[m.period];
    if (fixed) slot = fixed;
    else {
      slot = 'period';
      const kind = PERIOD_KIND[m.period[0]], number = Number(m.period.slice(1));
      const per = cls.periods.find((x) => x.kind === kind && x.number === number);
      if (!per) {
        const studies = cls.periods[0]?.kind;
        return { reason: `класс ${cls.info.name} в ${year.name} году ${studies ? `учится по ${KIND_WORD[studies]}` : 'не имеет периодов'}: столбца «${fieldLabel(f)}» у него нет` };
      }
      periodId = per.id;
    }
    // the key of the register's cell, as `has` keys a student's marks
    return { subjectId: subj.id, slot, periodId, key: `${subj.id}|${slot}|${periodId ?? 0}`, given: { row: 0, col: '' } };
  }
  function findSubject(written: string): { id: number } | { reason: string } {
    const key = normalizeHeader(written);
    const mapped = userSubjects.get(key);
    if (mapped != null) return subjectIds.has(mapped) ? { id: mapped } : { reason: `предмет «${written}» сопоставлен несуществующему предмету (id ${mapped})` };
    const ids = byName.get(key);
    if (!ids) return { reason: `предмет «${written}» не найден в реестре: сопоставьте его предмету реестра` };
    if (ids.size > 1) return { reason: `названию «${written}» соответствуют ${ids.size} предмета реестра: сопоставьте столбец одному` };
    return { id: [...ids][0] };
  }

  /** A row refused as a whole (its student or class), at the cell that says why. */
  function rejectRow(r: DataRow, column: string | null, field: string | null, reason: string) {
    p.rejected.push({ sheet: r.sheet, row: r.row, column, field, reason });
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

  function planRow(r: DataRow) {
    const cells = r.cells;
    const nameCol = cells.fullName?.col ?? cells.lastName?.col ?? null;
    if (!sheetFields) {
      const fields = Object.keys(cells);
      sheetFields = { marks: fields.filter((f) => f.startsWith('mark:')), att: fields.filter((f) => f.startsWith('att:')) };
    }
    const markFields = sheetFields.marks;
    const attFields = sheetFields.att.length ? saidFields(cells, sheetFields.att) : sheetFields.att;
    if (!attFields.length && !anySaid(cells, markFields)) return; // a row without marks or attendance says nothing to this import

    // the student: by СНИЛС, else by ФИО + birth date; more than one candidate is never a guess
    const snils = cells.snils?.value?.replace(/\D/g, '') || null;
    let student = snils ? (bySnils.get(snils) as StudentRow | undefined) : undefined;
    if (!student) {
      let names: { lastName: string; firstName: string; middleName: string | null } | null = null;
      if (cells.lastName || cells.firstName) names = { lastName: cells.lastName?.value ?? '', firstName: cells.firstName?.value ?? '', middleName: cells.middleName?.value ?? null };
      else if (cells.fullName?.value) names = splitFullName(cells.fullName!.value!);
      const birth = cells.birthDate?.value ?? null;
      if (!names || !names.lastName || !names.firstName) return void rejectRow(r, nameCol, 'fullName', 'нет ФИО ученика (нужны хотя бы фамилия и имя)');
      if (!birth) return void rejectRow(r, cells.birthDate?.col ?? null, 'birthDate', cells.birthDate?.error ?? 'нет даты рождения: без неё ученика не найти по ФИО');
      const fio = [names.lastName, names.firstName, names.middleName].filter(Boolean).join(' ');
      const found = studentsByFio(searchKey(fio), birth);
      if (found.length > 1) return void rejectRow(r, nameCol, 'fullName', `в реестре ${found.length} ученика с ФИО «${fio}» и датой рождения ${birth}: укажите СНИЛС, чтобы выбрать`);
      if (!found.length) return void rejectRow(r, nameCol, 'fullName', `ученик «${fio}» (${birth})${snils ? ` со СНИЛС ${snils}` : ''} не найден в реестре`);
      if (snils && found[0].snils && found[0].snils !== snils) return void rejectRow(r, cells.snils!.col, 'snils', `у ученика «${fio}» в реестре другой СНИЛС: проверьте, тот ли это ученик`);
      student = found[0];
    }
    const first = seen.get(student.id);
    if (first) return void rejectRow(r, nameCol, 'fullName', `тот же ученик уже в строке ${first.row}${first.sheet !== r.sheet ? ` листа «${first.sheet}»` : ''}`);
    seen.set(student.id, { sheet: r.sheet, row: r.row });

    // the class: the one the file names (the grades service then checks the student was in it), else their only one
    let classId: number;
    const named = cells.className?.value;
    if (named) {
      let c = classNamed.get(named);
      if (c === undefined && !classNamed.has(named)) classNamed.set(named, c = classByName.get(year.id, named) as { id: number } | undefined);
      if (!c) return void rejectRow(r, cells.className!.col, 'className', `класса ${named} нет в ${year.name} учебном году`);
      classId = c.id;
    } else {
      const ids = (memberships.all(student.id, year.id) as Array<{ id: number }>).map((x) => x.id);
      if (!ids.length) return void rejectRow(r, nameCol, 'fullName', `ученик не учился ни в одном классе в ${year.name} учебном году`);
      if (ids.length > 1) return void rejectRow(r, nameCol, 'fullName', `в ${year.name} году ученик был в ${ids.length} классах: добавьте столбец «Класс»`);
      classId = ids[0];
    }
    const cls = classOf(classId);
    const thisRow = ++rowSerial; // one register cell from one column only («Математика» and «Матем.»)
    const has = marksOf(classId, student.id);

    const batch = batches.get(classId) ?? batches.set(classId, []).get(classId)!;
    let targetsOfRow = sheetTargets.get(classId);
    if (!targetsOfRow) sheetTargets.set(classId, targetsOfRow = new Array<Target | undefined>(markFields.length));
    for (let j = 0; j < markFields.length; j++) { // no closure per cell: a journal has a hundred thousand of them
      const f = markFields[j];
      const c = cells[f];
      if (c.value == null && !c.error) continue; // an empty cell says nothing
      let refusal = c.error || null;
      const target = refusal ? null : (targetsOfRow[j] ??= targetOf(f, classId, cls));
      if (target && 'reason' in target) refusal = target.reason;
      else if (target && target.given.row === thisRow) refusal = `столбец ${target.given.col} уже даёт эту оценку: оставьте в сопоставлении один из них`;
      if (refusal || !target || 'reason' in target) {
        p.rejected.push({ sheet: r.sheet, row: r.row, column: c.col, field: f, reason: refusal ?? '' });
        continue;
      }
      target.given.row = thisRow;
      target.given.col = c.col;
      const from = has?.get(target.key) ?? null;
      const planned: PlannedMark = { sheet: r.sheet, row: r.row, column: c.col, classId, studentId: student.id, subjectId: target.subjectId,
        slot: target.slot, periodId: target.periodId, mark: c.value!, from };
      batch.push(planned);
    }
    if (attFields.length) planAttendance(r, student.id, classId, cls, attFields);
  }

  /** Attendance by period: «Пропущено уроков» and, of them, for illness and for another valid reason (their sum). */
  function planAttendance(r: DataRow, studentId: string, classId: number, cls: ReturnType<typeof classOf>, fields: string[]) {
    const reject = (column: string, field: string, reason: string) => p.rejected.push({ sheet: r.sheet, row: r.row, column, field, reason });
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
      const kind = PERIOD_KIND[period[0]], number = Number(period.slice(1));
      const per = cls.periods.find((x) => x.kind === kind && x.number === number);
      if (!per) {
        const studies = cls.periods[0]?.kind;
        reject(any.col, any.field, `класс ${cls.info.name} в ${year.name} году ${studies ? `учится по ${KIND_WORD[studies]}` : 'не имеет периодов'}: столбца «${fieldLabel(any.field)}» у него нет`);
        continue;
      }
      const valid = (parts.ill?.n ?? 0) + (parts.valid?.n ?? 0);
      // without «Пропущено уроков» the total is known only from a full breakdown (with «без уважительной причины»)
      const missed = parts.missed?.n ?? (parts.unexcused ? valid + parts.unexcused.n : null);
      if (missed == null) { reject(any.col, any.field, `за ${fieldLabel(any.field).split(', ').pop()} нет числа «Пропущено уроков»: по графам «из них» всего не узнать`); continue; }
      if (valid > missed) {
        reject((parts.missed ?? any).col, (parts.missed ?? any).field, `пропущено по болезни и по уважительной причине (${valid}) больше, чем всего (${missed})`);
        continue;
      }
      const from = (existingAttendance.get(studentId, per.id) as { missed: number; missedValid: number } | undefined) ?? null;
      const planned: PlannedAttendance = { sheet: r.sheet, row: r.row, column: (parts.missed ?? any).col, classId, studentId, periodId: per.id, missed, missedValid: valid, from };
      (attendanceBatches.get(classId) ?? attendanceBatches.set(classId, []).get(classId)!).push(planned);
    }
  }

  // The grades service's rules, asked per class: for marks its own check (scale, membership, curriculum, exam) with
  // nothing written; for attendance a write that is always rolled back. Between classes the event loop turns, so a
  // cancel of a long preview is heard.
  let checked = 0;
  const classCount = new Set([...batches.keys(), ...attendanceBatches.keys()]).size;
  const step = async () => {
    opts.progress?.throwIfCancelled();
    opts.progress?.report(++checked, classCount, `Проверка по классам: ${checked} из ${classCount}`);
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (const [classId, rows] of attendanceBatches) {
    const refused = dryRun(db, () => setAttendance(db, classId, rows), 'rows');
    rows.forEach((a, i) => {
      if (refused[i]) return void p.rejected.push({ sheet: a.sheet, row: a.row, column: a.column, field: null, reason: refused[i] });
      const att = p.attendance!;
      if (a.from && a.from.missed === a.missed && a.from.missedValid === a.missedValid) att.unchanged++;
      else {
        if (a.from) att.changed++; else att.added++;
        att.writes.push(a);
      }
    });
    if (!batches.has(classId)) await step();
  }
  for (const [classId, cells] of batches) {
    await step();
    const refused = Object.fromEntries(Object.entries(checkMarks(db, classId, cells, { passed: false }).errors).map(([k, why]) => [Number(k.slice('cells.'.length)), why]));
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (refused[i]) p.rejected.push({ sheet: c.sheet, row: c.row, column: c.column, field: null, reason: refused[i] });
      else if (c.from === c.mark) p.unchanged++;
      else {
        if (c.from == null) p.added++; else p.changed++;
        p.writes.push(c);
      }
    }
  }
  p.rejected.sort((a, b) => a.sheet.localeCompare(b.sheet) || a.row - b.row || (a.column ?? '').length - (b.column ?? '').length || (a.column ?? '').localeCompare(b.column ?? ''));
  if (opts.fingerprint === false) return p;
  // the cells as lines (their fields hold no tab or newline: ids, numbers, the scale's marks), fed in slices
  const token = crypto.createHash('sha256').update(JSON.stringify([year.id, p.rejected.map((r) => [r.sheet, r.row, r.column, r.reason]),
    ...(p.attendance ? [p.attendance.writes.map((a) => [a.studentId, a.periodId, a.from, a.missed, a.missedValid])] : [])]));
  // Each line is put together in one buffer from the UTF-8 of its three parts — the student, the register cell, the
  // marks before and after — each made once (a student's cells are adjacent; there are few cells and marks), and the
  // buffer is hashed as it fills: the same bytes as hashing the lines as text, without making a string per line.
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
  p.token = token.digest('hex');
  return p;
}

const ROLLBACK = Symbol('rollback');

/** The reason the grades service refuses each item of a batch (index → reason); nothing is kept either way. */
function dryRun(db: DB, write: () => unknown, list: 'cells' | 'rows'): Record<number, string> {
  const refused: Record<number, string> = {};
  try {
    db.transaction(() => {
      write();
      throw ROLLBACK;
    })();
  } catch (e) {
    if (e === ROLLBACK) return refused;
    if (!(e instanceof AppError) || e.code !== 'validation' || !e.fields) throw e;
    for (const [k, why] of Object.entries(e.fields)) {
      const m = new RegExp(`^${list}\\.(\\d+)$`).exec(k);
      if (m) refused[Number(m[1])] = why;
    }
  }
  return refused;
}

/**
 * Writes a preview's added and changed cells in one transaction (nested in the caller's, if any). `onApplied` runs
 * inside it, so the caller's audit entry commits with the marks or not at all.
 */
export function applyMarksImport(db: DB, p: MarksImportPreview, onApplied?: (r: MarksImportResult) => void): MarksImportResult {
  const result: MarksImportResult = { added: p.added, changed: p.changed, unchanged: p.unchanged, rejectedCells: p.rejected.length,
    ...(p.attendance ? { attendance: { added: p.attendance.added, changed: p.attendance.changed, unchanged: p.attendance.unchanged } } : {}) };
  const attByClass = new Map<number, PlannedAttendance[]>();
  for (const a of p.attendance?.writes ?? []) (attByClass.get(a.classId) ?? attByClass.set(a.classId, []).get(a.classId)!).push(a);
  db.transaction(() => {
    writePlannedMarks(db, p);
    for (const [classId, rows] of attByClass) setAttendance(db, classId, rows);
    onApplied?.(result);
  })();
  return result;
}

/**
 * Writes the preview's cells as they were planned: a new cell goes into its student × subject × class row of
 * subject_marks (a new row, or the empty column of an existing one), a changed one is changed where it is. The preview
 * checked each against the grades service's rules; the schema's triggers check each row again as it is written, so a
 * register changed since the preview (a student moved, a subject dropped, a class sealed) refuses the whole commit,
 * naming the cell — never a silent half.
 */
const TRIGGER_WORDS: Record<string, string> = { // the marks schema's refusals (migrations 0002, 0011), as a clerk reads them
  'the student is not in this class that year': 'ученик больше не числится в этом классе в этом учебном году',
  'the subject is not in this class curriculum': 'предмета больше нет в учебном плане класса',
  'the period is not one of this class periods': 'периоды класса изменились',
  'this subject has no exam in this class': 'экзамена по предмету в классе больше нет',
  'the mark 1 is not allowed by the school settings': 'оценка «1» больше не разрешена настройками школы',
  'mark year must be the class year': 'класс относится к другому учебному году',
  'the mark is already given in another class': 'эта оценка появилась в реестре в другом классе',
};
const COLUMNS = ['p1', 'p2', 'p3', 'p4', 'annual', 'exam', 'final'] as const;
const SLOT_COLUMN: Record<Exclude<MarkSlot, 'period'>, number> = { annual: 4, exam: 5, final: 6 };
/** A row of subject_marks a commit writes: its key and its seven marks (null: none in the file). */
type PlannedRow = { studentId: string; subjectId: number; classId: number; marks: Array<string | null> };

function writePlannedMarks(db: DB, p: MarksImportPreview): void {
  const yearId = p.year.id;
  const refuse = (w: PlannedMark, e: unknown): never => {
    const message = (e as Error).message;
    const why = (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || message.startsWith('UNIQUE constraint failed')
      ? 'оценка появилась в реестре после предпросмотра' : TRIGGER_WORDS[message] ?? message;
    throw new AppError('conflict', `Ничего не записано: лист «${w.sheet}», строка ${w.row}, столбец ${w.column} — реестр изменился после ` +
      `предпросмотра (${why}). Посмотрите предпросмотр ещё раз`);
  };
  const numberOf = new Map((db.prepare('SELECT id, number FROM periods WHERE year_id = ?').all(yearId) as Array<{ id: number; number: number }>)
    .map((x) => [x.id, x.number]));
  const columnOf = (w: PlannedMark) => (w.slot === 'period' ? numberOf.get(w.periodId!)! - 1 : SLOT_COLUMN[w.slot]);

  // New cells, gathered into their rows. A student is in one row of the file, so their cells come one after another:
  // a row of theirs is found among the few of that student. A row that exists already (the student has other marks of
  // the subject in the class) gets its empty columns filled one by one; the others are inserted whole.
  const planned: PlannedMark[] = [];
  const students: Array<{ studentId: string; rows: PlannedRow[] }> = [];
  let cur: { studentId: string; rows: PlannedRow[] } | null = null;
  for (const w of p.writes) {
    if (w.from != null) continue;
    planned.push(w);
    if (!cur || cur.studentId !== w.studentId) {
      cur = { studentId: w.studentId, rows: [] };
      students.push(cur);
    }
    const run: { studentId: string; rows: PlannedRow[] } = cur;
    let r: PlannedRow | undefined;
    for (const x of run.rows) if (x.subjectId === w.subjectId && x.classId === w.classId) { r = x; break; }
    if (!r) run.rows.push(r = { studentId: w.studentId, subjectId: w.subjectId, classId: w.classId, marks: [null, null, null, null, null, null, null] });
    r.marks[columnOf(w)] = w.mark;
  }
  const existing = new Map<string, Set<number>>(); // "student|class" → subjects that have a row
  const rowsOfClass = db.prepare('SELECT student_id, subject_id FROM subject_marks WHERE class_id = ?');
  for (const classId of new Set(planned.map((w) => w.classId))) {
    for (const x of rowsOfClass.iterate(classId) as Iterable<{ student_id: string; subject_id: number }>) {
      const key = `${x.student_id}|${classId}`;
      (existing.get(key) ?? existing.set(key, new Set()).get(key)!).add(x.subject_id);
    }
  }
  // in the order of the rows' key (student first): each insert lands next to the last one in the index
  students.sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
  const fresh: PlannedRow[] = [];
  const filled: PlannedRow[] = [];
  for (const st of students) {
    for (const r of st.rows) (existing.get(`${r.studentId}|${r.classId}`)?.has(r.subjectId) ? filled : fresh).push(r);
  }

  const BATCH = 250; // rows × 11 parameters per statement, well under SQLite's limit of 32,766
  const VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  const insertRows = db.prepare(`INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')})
    VALUES ${Array(BATCH).fill(VALUES).join(', ')}`);
  const insertRow = db.prepare(`INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, ${COLUMNS.join(', ')}) VALUES ${VALUES}`);
  // prepared when needed: a statement on subject_marks or the marks view compiles their triggers, milliseconds each
  const fill: Array<Statement | undefined> = [];
  const fillOf = (m: number) => (fill[m] ??= db.prepare(`UPDATE subject_marks SET ${COLUMNS[m]} = ?
    WHERE student_id = ? AND subject_id = ? AND year_id = ? AND class_id = ? AND ${COLUMNS[m]} IS NULL`));
  db.exec('SAVEPOINT import_new');
  try {
    const full = fresh.length - (fresh.length % BATCH);
    const values: unknown[] = new Array(BATCH * 11);
    for (let i = 0; i < full; i += BATCH) {
      for (let k = 0, o = 0; k < BATCH; k++, o += 11) {
        const r = fresh[i + k];
        values[o] = r.studentId; values[o + 1] = r.subjectId; values[o + 2] = yearId; values[o + 3] = r.classId;
        for (let m = 0; m < 7; m++) values[o + 4 + m] = r.marks[m];
      }
      insertRows.run(values);
    }
    for (let i = full; i < fresh.length; i++) {
      const r = fresh[i];
      insertRow.run(r.studentId, r.subjectId, yearId, r.classId, ...r.marks);
    }
    for (const r of filled) {
      r.marks.forEach((mark, m) => {
        if (mark != null && fillOf(m).run(mark, r.studentId, r.subjectId, yearId, r.classId).changes !== 1) {
          throw new Error('UNIQUE constraint failed: the cell has a mark since the preview');
        }
      });
    }
    db.exec('RELEASE import_new');
  } catch {
    // the schema refused a row: undo every new cell, then write them one by one in the preview's order through the
    // marks view (its triggers keep the same rules), so the cell named is the first refused one as the clerk reads the file
    db.exec('ROLLBACK TO import_new; RELEASE import_new');
    const insert = db.prepare('INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const w of planned) {
      try {
        insert.run(w.studentId, w.subjectId, yearId, w.classId, w.slot, w.periodId, w.mark);
      } catch (e) {
        refuse(w, e);
      }
    }
  }
  // Changed cells: only where the register still holds the previewed mark; a cell of the student's earlier class this
  // year moves to the class the file gives (the view's trigger takes it out of the old row and puts it into the new)
  const changed = p.writes.filter((w) => w.from != null);
  if (!changed.length) return;
  const holds = db.prepare('SELECT 1 FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ? AND mark = ?');
  const update = db.prepare('UPDATE marks SET mark = ?, class_id = ? WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND period_id IS ?');
  for (const w of changed) {
    if (!holds.get(w.studentId, w.subjectId, yearId, w.slot, w.periodId, w.from)) refuse(w, new Error('оценка в реестре уже не та, что была в предпросмотре'));
    try {
      update.run(w.mark, w.classId, w.studentId, w.subjectId, yearId, w.slot, w.periodId);
    } catch (e) {
      refuse(w, e);
    }
  }
}

export type MarksCommitOptions = MarksImportOptions & {
  /** the preview's token: refuse when the file or the register changed since the clerk saw it */
  token?: string;
  /** write the good cells even though some were rejected (the clerk saw them in the preview) */
  allowRejected?: boolean;
  onApplied?: (r: MarksImportResult) => void;
};

/** Reads the file again, checks it is what the clerk previewed, and writes it in one transaction; a rerun writes nothing. */
export async function commitMarksImport(db: DB, file: string, opts: MarksCommitOptions = {}): Promise<MarksImportResult & { preview: MarksImportPreview }> {
  const p = await previewMarksImport(db, file, opts);
  assertCommittable(p, opts);
  if (!hasWrites(p)) {
    return { added: 0, changed: 0, unchanged: p.unchanged, rejectedCells: p.rejected.length, preview: p,
      ...(p.attendance ? { attendance: { added: 0, changed: 0, unchanged: p.attendance.unchanged } } : {}) };
  }
  opts.progress?.throwIfCancelled();
  return { ...applyMarksImport(db, p, opts.onApplied), preview: p };
}

/** Whether a commit of this preview would write anything: the same file again writes nothing. */
export const hasWrites = (p: MarksImportPreview) => p.writes.length > 0 || (p.attendance?.writes.length ?? 0) > 0;
