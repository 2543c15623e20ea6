// What each certified printout shows, as data read from the register: canonicalised (RFC 8785) and hashed, it
// is what the verification code stands for. Nothing here depends on when it is printed (the date of issue is
// written by hand), so the same register gives the same data, the same hash and the same code.
import type { DB } from '../../db/connection.ts';
import { listBook } from '../alphabet-book/book.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { errorAt } from './errors.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { fullName, searchKey } from '../../preload/core/names.ts';
import { yearByName } from '../years/years.ts';
import { listAttestats, type AttestatKind } from './attestats.ts';

export type PrintoutKind = 'certificate_of_study' | 'alphabet_book' | 'attestat_book' | 'attestat_appendix';
export const PRINTOUT_TITLES: Record<PrintoutKind, string> = {
  certificate_of_study: 'Справка об обучении',
  alphabet_book: 'Алфавитная книга',
  attestat_book: 'Книга учёта выданных аттестатов',
  attestat_appendix: 'Приложение к аттестату',
};

export { schoolHeader, type SchoolHeader } from './school-header.ts';
import { schoolHeader, type SchoolHeader } from './school-header.ts';

// ---------- the student ----------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A student by UUID or by full ФИО (ё = е, case and spaces ignored); several with the same ФИО are listed. */
export function resolveStudent(db: DB, who: string): { id: string; fullName: string } {
  const q = who.trim();
  if (!q) throw fieldError('student', 'Укажите ученика: UUID или ФИО полностью');
  type R = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string };
  const name = (r: R) => fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name });
  if (UUID.test(q)) {
    const r = db.prepare('SELECT * FROM students WHERE id = ?').get(q.toLowerCase()) as R | undefined;
    if (!r) throw errorAt('not_found', 'student', `Ученик с идентификатором ${q} не найден в реестре`);
    return { id: r.id, fullName: name(r) };
  }
  const rows = db.prepare('SELECT * FROM students WHERE search_key = ? ORDER BY birth_date LIMIT 20').all(searchKey(q)) as R[];
  if (!rows.length) throw errorAt('not_found', 'student', `Ученик «${q}» не найден в реестре (нужно ФИО полностью или UUID)`);
  if (rows.length > 1) {
    throw errorAt('validation', 'student', `В реестре несколько учеников «${q}»: ${rows.map((r) => `${formatDate(r.birth_date)} г. р. — ${r.id}`).join('; ')}. Укажите UUID.`);
  }
  return { id: rows[0].id, fullName: name(rows[0]) };
}

// ---------- справка об обучении / о периоде обучения ----------

export type StudyYear = {
  year: string;
  classes: string[];
  periods: Array<{ key: string; label: string }>;
  hasExams: boolean;
  subjects: Array<{ name: string; periods: Record<string, string | null>; annual: string | null; exam: string | null; final: string | null }>;
};
export type CertificateOfStudyData = {
  /** @2: the student's sex (the справка's words agree with it) */
  format: 'school-register/certificate-of-study@2';
  school: SchoolHeader;
  /** 'period' — о периоде обучения (the student left); 'study' — об обучении (still on the rolls or finished without the attestat). */
  kind: 'study' | 'period';
  student: { id: string; fullName: string; birthDate: string; sex: 'М' | 'Ж'; bookNumber: string | null };
  enrolledOn: string | null;
  departedOn: string | null;
  departureReason: string | null;
  years: StudyYear[];
};

const PERIOD_PREFIX = { quarter: 'q', half: 'h', trimester: 't' } as const;
const PERIOD_LABEL = { quarter: 'четв.', half: 'полуг.', trimester: 'трим.' } as const;

export function certificateOfStudyData(db: DB, studentId: string): CertificateOfStudyData {
  const st = db.prepare('SELECT * FROM students WHERE id = ?').get(studentId) as { id: string; last_name: string; first_name: string;
    middle_name: string | null; birth_date: string; sex: 'М' | 'Ж' } | undefined;
  if (!st) throw errorAt('not_found', 'student', `Ученик с идентификатором ${studentId} не найден в реестре`);
  const book = db.prepare('SELECT * FROM alphabet_book WHERE student_id = ?').get(studentId) as { letter: string; number: number; entered_on: string;
    departed_on: string | null; departure_reason: string | null } | undefined;
  const memberships = db.prepare(`SELECT y.id AS year_id, y.name AS year, c.id AS class_id, c.parallel, c.letter FROM class_memberships m
      JOIN classes c ON c.id = m.class_id JOIN academic_years y ON y.id = m.year_id
    WHERE m.student_id = ? ORDER BY y.start_date, m.start_date, m.id`).all(studentId) as Array<{ year_id: number; year: string; class_id: number;
      parallel: number; letter: string }>;
  const byYear = new Map<number, { year: string; classes: Array<{ id: number; parallel: number; name: string }> }>();
  for (const m of memberships) {
    const y = byYear.get(m.year_id) ?? { year: m.year, classes: [] };
    if (!y.classes.some((c) => c.id === m.class_id)) y.classes.push({ id: m.class_id, parallel: m.parallel, name: `${m.parallel}${m.letter}` });
    byYear.set(m.year_id, y);
  }
  const years: StudyYear[] = [];
  for (const [yearId, y] of byYear) {
    const last = y.classes[y.classes.length - 1];
    const kind = (db.prepare('SELECT kind FROM year_grade_periods WHERE year_id = ? AND grade = ?').get(yearId, last.parallel) as
      { kind: keyof typeof PERIOD_PREFIX } | undefined)?.kind ?? 'quarter';
    const periodRows = db.prepare('SELECT id, number FROM periods WHERE year_id = ? AND kind = ? ORDER BY number').all(yearId, kind) as Array<{ id: number; number: number }>;
    const periods = periodRows.map((p) => ({ key: `${PERIOD_PREFIX[kind]}${p.number}`, label: `${p.number} ${PERIOD_LABEL[kind]}` }));
    const keyOf = new Map(periodRows.map((p) => [p.id, `${PERIOD_PREFIX[kind]}${p.number}`]));
    const classIds = y.classes.map((c) => c.id);
    const subjects = db.prepare(`SELECT DISTINCT s.id, s.name FROM subjects s WHERE s.id IN (
        SELECT subject_id FROM curriculum WHERE class_id IN (${classIds.map(() => '?').join(',')})
        UNION SELECT subject_id FROM marks WHERE student_id = ? AND year_id = ?) ORDER BY s.name`).all(...classIds, studentId, yearId) as Array<{ id: number; name: string }>;
    const marks = db.prepare('SELECT subject_id, slot, period_id, mark FROM marks WHERE student_id = ? AND year_id = ?').all(studentId, yearId) as
      Array<{ subject_id: number; slot: 'period' | 'annual' | 'exam' | 'final'; period_id: number | null; mark: string }>;
    const rows = subjects.map((s) => {
      const row = { name: s.name, periods: Object.fromEntries(periods.map((p) => [p.key, null])) as Record<string, string | null>,
        annual: null as string | null, exam: null as string | null, final: null as string | null };
      for (const m of marks.filter((x) => x.subject_id === s.id)) {
        if (m.slot === 'period') {
          const k = keyOf.get(m.period_id!);
          if (k) row.periods[k] = m.mark;
        } else row[m.slot] = m.mark;
      }
      return row;
    });
    years.push({ year: y.year, classes: y.classes.map((c) => c.name), periods, hasExams: rows.some((r) => r.exam != null), subjects: rows });
  }
  return {
    format: 'school-register/certificate-of-study@2',
    school: schoolHeader(db),
    kind: book?.departed_on ? 'period' : 'study',
    student: { id: st.id, fullName: fullName({ lastName: st.last_name, firstName: st.first_name, middleName: st.middle_name }), birthDate: st.birth_date, sex: st.sex,
      bookNumber: book ? `${book.letter}-${book.number}` : null },
    enrolledOn: book?.entered_on ?? null,
    departedOn: book?.departed_on ?? null,
    departureReason: book?.departure_reason ?? null,
    years,
  };
}

// ---------- pages of the алфавитная книга ----------

export type AlphabetBookData = {
  format: 'school-register/alphabet-book@1';
  school: SchoolHeader;
  letter: string;
  entries: Array<{ number: number; fileNumber: string; fullName: string; birthDate: string; enteredOn: string; enrolledClass: string | null;
    departedOn: string | null; departureReason: string | null; whereTo: string | null;
    /** «№ 1-у от 01.09.2025»; absent in a printout made before the book showed its orders (it is re-rendered as it was) */
    enrolmentOrder?: string | null; departureOrder?: string | null;
    /** earlier states a later one replaced, as the book prints them struck through; absent before the book printed them */
    corrected?: Array<{ enteredOn: string; departedOn: string | null; departureReason: string | null; whereTo: string | null; replacedOn: string }> }>;
};

const orderLabel = (o: { number: string; date: string } | null | undefined) => (o ? `№ ${o.number} от ${formatDate(o.date)}` : null);

export function alphabetBookData(db: DB, letterIn: string): AlphabetBookData {
  const letter = letterIn.trim().toLocaleUpperCase('ru-RU');
  if (!/^[А-ЯЁA-Z]$/.test(letter)) throw fieldError('letter', `Буква алфавитной книги — одна буква, а не «${letterIn}»`);
  const entries = listBook(db, { letter }).rows;
  if (!entries.length) throw errorAt('not_found', 'letter', `В алфавитной книге нет записей на букву «${letter}»`);
  return {
    format: 'school-register/alphabet-book@1',
    school: schoolHeader(db),
    letter,
    entries: entries.map((e) => ({ number: e.number, fileNumber: e.fileNumber, fullName: e.fullName, birthDate: e.birthDate, enteredOn: e.enrolledOn,
      enrolledClass: e.enrolledClass, departedOn: e.departedOn, departureReason: e.departureReason, whereTo: e.whereTo,
      enrolmentOrder: orderLabel(e.enrolmentOrder), departureOrder: orderLabel(e.departureOrder), ...(e.corrected ? { corrected: e.corrected } : {}) })),
  };
}

// ---------- книга учёта выданных аттестатов ----------

export type AttestatBookData = {
  format: 'school-register/attestat-book@1';
  school: SchoolHeader;
  year: string;
  attestats: Array<{ regNumber: number; fullName: string; birthDate: string; kind: AttestatKind; series: string; number: number; issueDate: string;
    recipient: string; withHonours: boolean }>;
  /** Blank forms by kind and series: how many were received, issued and spoiled in all, and how many are left. `honours`
   *  only on the forms «с отличием» (migration 0022), so a book without them hashes as it did, and keeps its code. */
  forms: Array<{ kind: AttestatKind; honours?: true; series: string; received: number; issued: number; spoiled: number; left: number }>;
  /** Forms spoiled within this academic year (and the half-year after it, when attestats are still issued); a blank
   *  spoiled in printing names the graduate and the blank printed in its place (only then: a book printed before
   *  reprints existed keeps its data, and its code). */
  spoiled: Array<{ series: string; number: number; date: string; reason: string; replacedBy?: { fullName: string; series: string; number: number } }>;
};

export function attestatBookData(db: DB, yearName: string): AttestatBookData {
  const y = yearByName(db, yearName.trim());
  if (!y) throw fieldError('year', `Учебный год ${yearName} не найден в реестре`);
  const span = db.prepare(`SELECT start_date, date(end_date, '+6 months') AS until FROM academic_years WHERE id = ?`).get(y.id) as { start_date: string; until: string };
  const forms = (db.prepare(`SELECT kind, honours, series, count(*) AS received, sum(state = 'issued') AS issued, sum(state = 'spoiled') AS spoiled,
      sum(state = 'received') AS left FROM attestat_forms GROUP BY kind, honours, series ORDER BY kind, honours, series`).all() as
    Array<Omit<AttestatBookData['forms'][number], 'honours'> & { honours: number }>)
    .map(({ honours, ...f }) => (honours ? { ...f, honours: true as const } : f));
  const spoiled = db.prepare(`SELECT series, number, spoiled_on AS date, spoiled_reason AS reason FROM attestat_forms
    WHERE state = 'spoiled' AND spoiled_on BETWEEN ? AND ? ORDER BY series, number`).all(span.start_date, span.until) as AttestatBookData['spoiled'];
  const replaced = db.prepare(`SELECT s.last_name, s.first_name, s.middle_name, nf.series, nf.number FROM attestat_forms f
      JOIN attestat_prints old ON old.form_id = f.id JOIN attestat_prints np ON np.replaces_id = old.id JOIN attestat_forms nf ON nf.id = np.form_id
      JOIN students s ON s.id = old.student_id WHERE f.series = ? AND f.number = ?`);
  for (const sp of spoiled) {
    const r = replaced.get(sp.series, sp.number) as { last_name: string; first_name: string; middle_name: string | null; series: string; number: number } | undefined;
    if (r) sp.replacedBy = { fullName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }), series: r.series, number: r.number };
  }
  return {
    format: 'school-register/attestat-book@1',
    school: schoolHeader(db),
    year: y.name,
    attestats: listAttestats(db, { yearId: y.id }).map((a) => ({ regNumber: a.regNumber, fullName: a.fullName, birthDate: a.birthDate, kind: a.kind,
      series: a.series, number: a.number, issueDate: a.issueDate, recipient: a.recipient, withHonours: a.withHonours })),
    forms,
    spoiled,
  };
}
