// `demo --students N`: a realistic sample school — Russian names, valid СНИЛС, classes 1–11 with letters,
// staff, subjects with their directory codes, curriculum and a movement history (enrolments, promotion of
// the whole school, transfers, departures). Large N spreads students over past years, as a register that
// has served for decades would hold them. The year before the current one is closed and complete — every period,
// annual and final mark, so it can be sealed as a school would at its end; the current one has marks as a school
// would have them today (`currentYearMarks: 'to-today'`, as the program's `demo` makes it): the periods already over,
// part of the one under way, nothing after it and no annual marks yet. Runs in one transaction: cancelled or failed,
// nothing is written.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { AppError } from '../shared/errors.ts';
import { snilsCheck, snilsCheckDigits } from '../../preload/core/identifiers.ts';
import { searchKey, bookLetter } from '../../preload/core/names.ts';
import { currentYearStart, nowIso, todayIso } from '../../preload/core/dates.ts';
import { appendAudit } from '../audit/log.ts';
import { createYear, DEFAULT_PERIOD_KINDS } from '../years/years.ts';
import { levelOf } from '../classes/classes.ts';
import { GRADUATION_REASON } from '../movement/orders.ts';
import type { Progress } from '../shared/jobs.ts';
import type { MarkSlot } from '../../preload/core/marks.ts';
import { writeMarks, type MarkWrite } from '../grades/write.ts';
import { FEMALE, MALE, PATRONYMICS, POSITIONS, STREETS, SUBJECTS, SURNAMES, feminine } from './names.ts';

const LETTERS = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ'.split('');
const PER_CLASS = 27;
const PER_YEAR_MAX = 11 * LETTERS.length * PER_CLASS;

/** Deterministic generator, so a demo register is the same every time for the same seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof rng>;

/** A valid СНИЛС not yet used. */
function makeSnils(r: Rng, used: Set<string>): string {
  for (;;) {
    const body = String(r.int(1002000, 999999999)).padStart(9, '0');
    const s = body + snilsCheckDigits(body);
    if (!used.has(s) && snilsCheck(s)) {
      used.add(s);
      return s;
    }
  }
}

function innWithCheck(r: Rng): string {
  const d = Array.from({ length: 9 }, () => r.int(0, 9));
  d[0] = 7; d[1] = 7;
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return d.join('') + ((w.reduce((a, wi, i) => a + wi * d[i], 0) % 11) % 10);
}

function ogrnWithCheck(r: Rng): string {
  const body = '1' + Array.from({ length: 11 }, () => r.int(0, 9)).join('');
  return body + Number(BigInt(body) % 11n % 10n);
}

const isoPlus = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);

export { currentYearStart };

type Person = { last: string; first: string; middle: string; sex: 'М' | 'Ж' };
function person(r: Rng): Person {
  const male = r.next() < 0.5;
  const s = r.pick(SURNAMES);
  const [pm, pf] = r.pick(PATRONYMICS);
  return male ? { last: s, first: r.pick(MALE), middle: pm, sex: 'М' } : { last: feminine(s), first: r.pick(FEMALE), middle: pf, sex: 'Ж' };
}

export type DemoSummary = { students: number; classes: number; staff: number; subjects: number; years: number; orders: number; movements: number; marks: number };

/**
 * `today` (ISO) decides the current year and, with `currentYearMarks: 'to-today'`, how far its marks go; 'whole-year'
 * (the default, for tests that need a year of marks to seal or export) marks the current year to its end.
 */
export async function generateDemo(db: DB, a: { students: number; by?: string | null; seed?: number; today?: string;
  currentYearMarks?: 'to-today' | 'whole-year' }, p: Progress): Promise<DemoSummary> {
  const N = a.students;
  if (!Number.isInteger(N) || N < 1 || N > 1_000_000) throw new AppError('validation', 'Число учеников для демо — от 1 до 1 000 000', { students: 'от 1 до 1 000 000' });
  if ((db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n > 0) {
    throw new AppError('conflict', 'Демонстрационная школа создаётся только в пустом реестре: в этом уже есть ученики');
  }
  const r = rng(a.seed ?? 20250901);
  const Y = currentYearStart(a.today);
  const cur = Math.min(N, PER_YEAR_MAX);
  const hist = N - cur;
  const histYears = Math.ceil(hist / PER_YEAR_MAX);
  const used = new Set<string>();
  let orders = 0, movements = 0, classesMade = 0;

  p.report(0, 2 * N, 'Подготовка');
  db.exec('BEGIN IMMEDIATE');
  try {
    // ---- the school, subjects, staff ----
    db.prepare(`INSERT OR REPLACE INTO school (id, full_name, short_name, inn, kpp, ogrn, address, director, region_code) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run('Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»', 'ГБОУ Школа № 1535',
        innWithCheck(r), '771001001', ogrnWithCheck(r), '119048, г. Москва, ул. Усачёва, д. 50', 'Смирнова Елена Викторовна', '77');
    const insSubject = db.prepare('INSERT INTO subjects (name, short_name, city_register_id, federal_code) VALUES (?, ?, ?, ?)');
    const subjectIds = SUBJECTS.map((s) => Number(insSubject.run(s.name, s.short, s.city, s.fed).lastInsertRowid));

    const lettersPerParallel = Math.max(1, Math.ceil(cur / 11 / PER_CLASS));
    const staffCount = Math.min(3000, Math.max(20, Math.ceil(11 * lettersPerParallel * 1.7)));
    const insStaff = db.prepare('INSERT INTO staff (last_name, first_name, middle_name, snils, position) VALUES (?, ?, ?, ?, ?)');
    const insStaffSubj = db.prepare('INSERT OR IGNORE INTO staff_subjects (staff_id, subject_id) VALUES (?, ?)');
    const staffIds: number[] = [];
    for (let i = 0; i < staffCount; i++) {
      const pp = person(r);
      const id = Number(insStaff.run(pp.last, pp.first, pp.middle, makeSnils(r, used), r.pick(POSITIONS)).lastInsertRowid);
      insStaffSubj.run(id, subjectIds[i % subjectIds.length]);
      if (r.next() < 0.4) insStaffSubj.run(id, r.pick(subjectIds));
      staffIds.push(id);
    }

    // ---- years and classes ----
    const yearIds = new Map<number, number>();
    const ensureYear = (start: number) => {
      let id = yearIds.get(start);
      if (id == null) {
        const name = `${start}/${start + 1}`;
        const found = db.prepare('SELECT id FROM academic_years WHERE name = ?').get(name) as { id: number } | undefined;
        id = found?.id ?? createYear(db, { name, periodKinds: DEFAULT_PERIOD_KINDS }).id;
        yearIds.set(start, id);
      }
      return id;
    };
    const insClass = db.prepare('INSERT INTO classes (year_id, parallel, letter, homeroom_teacher_id, shift, level, adapted) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insCurr = db.prepare('INSERT INTO curriculum (class_id, subject_id) VALUES (?, ?)');
    const classIds = new Map<string, number>();
    const classOf = (start: number, parallel: number, li: number) => {
      const key = `${start}:${parallel}:${li}`;
      let id = classIds.get(key);
      if (id == null) {
        id = Number(insClass.run(ensureYear(start), parallel, LETTERS[li], staffIds[(parallel * 7 + li) % staffIds.length],
          parallel <= 4 || parallel >= 9 ? 1 : r.int(1, 2), levelOf(parallel), li === 3 && parallel <= 4 ? 1 : 0).lastInsertRowid);
        SUBJECTS.forEach((s, i) => parallel >= s.grades[0] && parallel <= s.grades[1] && insCurr.run(id, subjectIds[i]));
        classIds.set(key, id);
        classesMade++;
      }
      return id;
    };
    for (let s = Y - 1 - histYears; s <= Y; s++) ensureYear(s);

    // ---- orders ----
    const insOrder = db.prepare('INSERT INTO orders (number, date, kind) VALUES (?, ?, ?)');
    const orderIds = new Map<string, number>();
    const orderCount = new Map<number, number>();
    const orderFor = (start: number, date: string, kind: string, suffix: string, key: string) => {
      let id = orderIds.get(key);
      if (id == null) {
        const n = (orderCount.get(start) ?? 0) + 1;
        orderCount.set(start, n);
        id = Number(insOrder.run(`${n}-${suffix}`, date, kind).lastInsertRowid);
        orderIds.set(key, id);
        orders++;
      }
      return id;
    };

    // ---- students ----
    const insStudent = db.prepare(`INSERT INTO students (id, last_name, first_name, middle_name, search_key, birth_date, sex, snils, doc_kind,
      doc_series, doc_number, doc_date, doc_issuer, address, pd_consent_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insGuardian = db.prepare('INSERT INTO guardians (student_id, kind, full_name, phone, email) VALUES (?, ?, ?, ?, ?)');
    const insMove = db.prepare(`INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id, where_from, where_to, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insMember = db.prepare('INSERT INTO class_memberships (student_id, class_id, year_id, start_date, start_movement_id) VALUES (?, ?, ?, ?, ?)');
    const endMember = db.prepare('UPDATE class_memberships SET end_date = ?, end_movement_id = ? WHERE student_id = ? AND end_date IS NULL');
    const insBook = db.prepare('INSERT INTO alphabet_book (student_id, letter, number, entered_on) VALUES (?, ?, ?, ?)');
    const departBook = db.prepare('UPDATE alphabet_book SET departed_on = ?, departure_reason = ?, where_to = ? WHERE student_id = ?');
    const bookNumbers = new Map<string, number>();
    const createdAt = nowIso();

    const move = (order: number, sid: string, kind: string, date: string, from: number | null, to: number | null, whereFrom: string | null, whereTo: string | null, reason: string | null) => {
      movements++;
      return Number(insMove.run(order, sid, kind, date, from, to, whereFrom, whereTo, reason).lastInsertRowid);
    };

    /** One student: the card, the guardians, the book entry, and the enrolment; returns the id. */
    const addStudent = (start: number, parallel: number, li: number, enrolDate: string): string => {
      const id = crypto.randomUUID();
      const pp = person(r);
      const birthStart = `${start - 7 - parallel}-09-01`;
      const birth = isoPlus(birthStart, r.int(0, 364));
      const age = start - Number(birth.slice(0, 4));
      const passport = age >= 15;
      const docDate = passport ? isoPlus(birth, 14 * 365 + r.int(5, 60)) : isoPlus(birth, r.int(5, 40));
      const [pm, pf] = r.pick(PATRONYMICS);
      insStudent.run(id, pp.last, pp.first, pp.middle, searchKey(`${pp.last} ${pp.first} ${pp.middle}`), birth, pp.sex,
        r.next() < 0.97 ? makeSnils(r, used) : null, passport ? 'passport' : 'birth_certificate',
        passport ? `45 ${String(r.int(0, 99)).padStart(2, '0')}` : `${r.pick(['I', 'II', 'III', 'IV', 'V', 'VI'])}-МЮ`,
        String(r.int(100000, 999999)), docDate, passport ? 'ГУ МВД России по г. Москве' : 'Отдел ЗАГС Москвы',
        `г. Москва, ${r.pick(STREETS)}, д. ${r.int(1, 120)}, кв. ${r.int(1, 300)}`, enrolDate, createdAt);
      const family = pp.sex === 'М' ? pp.last : SURNAMES.find((s) => feminine(s) === pp.last) ?? pp.last;
      insGuardian.run(id, 'мать', `${feminine(family)} ${r.pick(FEMALE)} ${r.pick(PATRONYMICS)[1]}`, `+7 9${r.int(10, 99)} ${r.int(100, 999)}-${r.int(10, 99)}-${r.int(10, 99)}`, null);
      if (r.next() < 0.6) insGuardian.run(id, 'отец', `${family} ${pp.sex === 'М' ? pp.middle.replace(/(ович|евич|ич)$/, '') : pm.replace(/(ович|евич|ич)$/, '')} ${r.pick(PATRONYMICS)[0]}`.replace(/\s+/g, ' '),
        `+7 9${r.int(10, 99)} ${r.int(100, 999)}-${r.int(10, 99)}-${r.int(10, 99)}`, null);
      void pf;
      const letter = bookLetter(pp.last);
      const n = (bookNumbers.get(letter) ?? 0) + 1;
      bookNumbers.set(letter, n);
      insBook.run(id, letter, n, enrolDate);
      const cls = classOf(start, parallel, li);
      const order = orderFor(start, enrolDate, 'enrolment', 'у', `e:${start}:${enrolDate}`);
      const mv = move(order, id, 'enrolment', enrolDate, null, cls, parallel === 1 ? null : r.pick(['ГБОУ Школа № 57', 'МБОУ СОШ № 3 г. Твери', 'ГБОУ Школа № 1514', null]), null, null);
      insMember.run(id, cls, yearIds.get(start)!, enrolDate, mv);
      return id;
    };

    // Progress counts students twice: once when their cards are written, once when their marks are.
    const total = 2 * N;
    let done = 0;
    const tick = async () => {
      done++;
      if (done % 1000 === 0 || done === N) {
        p.report(done, total, `Ученики: ${done} из ${N}`);
        await new Promise((res) => setImmediate(res));
        p.throwIfCancelled();
      }
    };

    // Historical cohorts: one year each, then gone (graduated or left for another school).
    for (let k = 0; k < hist; k++) {
      const yi = Math.floor(k / PER_YEAR_MAX);
      const start = Y - 2 - yi; // the years before last: Y-2, Y-3, ...
      const within = k % PER_YEAR_MAX;
      const parallel = (within % 11) + 1;
      const li = Math.floor(within / 11) % LETTERS.length;
      const id = addStudent(start, parallel, li, `${start}-09-01`);
      const date = `${start + 1}-05-25`;
      const reason = parallel === 11 ? GRADUATION_REASON : 'Перевод в другую образовательную организацию';
      const order = orderFor(start, date, 'departure', 'в', `d:${start}`);
      const mv = move(order, id, 'departure', date, classOf(start, parallel, li), null, null, parallel === 11 ? null : 'ГБОУ Школа № 2', reason);
      endMember.run(date, mv, id);
      departBook.run(date, reason, parallel === 11 ? null : 'ГБОУ Школа № 2', id);
      await tick();
    }

    // The current school: last year's classes promoted into this year's by one order; first graders enrolled now.
    const promoDate = `${Y}-05-30`;
    const promoOrder = cur > 0 ? orderFor(Y - 1, promoDate, 'promotion', 'п', 'promo') : 0;
    const startDate = `${Y}-09-01`;
    for (let k = 0; k < cur; k++) {
      const parallel = (k % 11) + 1;
      const li = Math.floor(k / 11) % lettersPerParallel;
      let id: string;
      if (parallel === 1) {
        id = addStudent(Y, 1, li, startDate);
      } else {
        id = addStudent(Y - 1, parallel - 1, li, `${Y - 1}-09-01`);
        const from = classOf(Y - 1, parallel - 1, li);
        const to = classOf(Y, parallel, li);
        const mv = move(promoOrder, id, 'promotion', promoDate, from, to, null, null, null);
        endMember.run(promoDate, mv, id);
        insMember.run(id, to, yearIds.get(Y)!, startDate, mv);
      }
      // Some move within the year: a transfer to the parallel class, or a departure.
      const roll = r.next();
      if (roll < 0.01 && lettersPerParallel > 1) {
        const date = isoPlus(startDate, r.int(20, 60));
        const from = classOf(Y, parallel, li);
        const to = classOf(Y, parallel, (li + 1) % lettersPerParallel);
        const mv = move(orderFor(Y, date, 'transfer', 'т', `t:${date}`), id, 'transfer', date, from, to, null, null, 'По заявлению родителей');
        endMember.run(date, mv, id);
        insMember.run(id, to, yearIds.get(Y)!, date, mv);
      } else if (roll > 0.985) {
        const date = isoPlus(startDate, r.int(20, 70));
        const reason = 'Перевод в другую образовательную организацию';
        const mv = move(orderFor(Y, date, 'departure', 'в', `d:${date}`), id, 'departure', date, classOf(Y, parallel, li), null, null, 'ГБОУ Школа № 2083', reason);
        endMember.run(date, mv, id);
        departBook.run(date, reason, 'ГБОУ Школа № 2083', id);
      }
      await tick();
    }
    // the current year as far as the mode says, and the previous one whole
    const today = a.today ?? todayIso();
    // (the current year first: its marks come out of the generator as they did before the previous year had any)
    const marks = await fillMarks(db, r, [
      { yearId: yearIds.get(Y)!, upTo: a.currentYearMarks === 'to-today' ? today : null, members: 'current' },
      { yearId: yearIds.get(Y - 1)!, upTo: null, members: 'all' },
    ], p, N, total);
    const summary: DemoSummary = { students: N, classes: classesMade, staff: staffCount, subjects: subjectIds.length, years: yearIds.size, orders, movements, marks };
    appendAudit(db, a.by ?? null, 'demo.generate', { args: { students: N }, result: summary });
    db.exec('COMMIT');
    p.report(total, total, 'Готово');
    return summary;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

const PE = 'Физическая культура';
const EXAM_SUBJECTS = ['Русский язык', 'Алгебра'];

/** Which marks of a year to write: up to a date (the periods over by then, part of the one under way) or the whole
 *  year (null); for every student the class ever had ('all': a year gone by, its classes promoted) or those still in it. */
type MarkYear = { yearId: number; upTo: string | null; members: 'all' | 'current' };

const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86400000;

/** Marks and attendance of the years given: for every class, period, subject and student of the class.
 *  Each student has an ability and each subject a difficulty; a few н/а; some are exempt from PE (осв); first
 *  graders are not marked (зч); annual = the rounded mean of the period marks, final = annual; exams in 9th and 11th.
 *  Up to a date: the periods over by then are marked whole, the one under way for a share of its cells as large as
 *  the share of it gone by, none after it; annual, exam and final marks only once the year's last period is over. */
async function fillMarks(db: DB, r: Rng, years: MarkYear[], p: Progress, N: number, total: number): Promise<number> {
  const classesOf = db.prepare('SELECT id, parallel FROM classes WHERE year_id = ? ORDER BY parallel, letter');
  const classes = years.flatMap((y) => (classesOf.all(y.yearId) as Array<{ id: number; parallel: number }>).map((c) => ({ ...c, y })));
  const subjects = db.prepare('SELECT c.subject_id AS id, s.name FROM curriculum c JOIN subjects s ON s.id = c.subject_id WHERE c.class_id = ?');
  const members = {
    current: db.prepare('SELECT DISTINCT student_id FROM class_memberships WHERE class_id = ? AND end_date IS NULL ORDER BY student_id'),
    all: db.prepare('SELECT DISTINCT student_id FROM class_memberships WHERE class_id = ? ORDER BY student_id'),
  };
  const periodsOf = db.prepare(`SELECT p.id, p.number, p.start_date, p.end_date FROM periods p JOIN year_grade_periods g ON g.year_id = p.year_id AND g.kind = p.kind
    WHERE p.year_id = ? AND g.grade = ? ORDER BY p.number`);
  const insExam = db.prepare('INSERT INTO class_exams (class_id, subject_id) VALUES (?, ?)');
  const insAtt = db.prepare('INSERT INTO attendance (student_id, period_id, class_id, missed, missed_valid) VALUES (?, ?, ?, ?, ?)');
  const difficulty = new Map<number, number>();
  let n = 0;
  for (const [ci, c] of classes.entries()) {
    const yearId = c.y.yearId;
    const subj = subjects.all(c.id) as Array<{ id: number; name: string }>;
    const periodRows = periodsOf.all(yearId, c.parallel) as Array<{ id: number; number: number; start_date: string; end_date: string }>;
    // how much of each period is marked: 1 when over (or the whole year is wanted), the share gone by of the one under way
    const upTo = c.y.upTo;
    const share = new Map(periodRows.map((x) => [x.id, upTo === null || x.end_date < upTo ? 1 : x.start_date > upTo ? 0
      : (dayOf(upTo) - dayOf(x.start_date)) / Math.max(1, dayOf(x.end_date) - dayOf(x.start_date))]));
    const periods = periodRows.filter((x) => share.get(x.id)! > 0).map((x) => x.id);
    const yearOver = periods.length === periodRows.length && periodRows.every((x) => share.get(x.id) === 1);
    const writes: MarkWrite[] = []; // the class's marks, written at once by the grades service's writer
    const exams = new Set(c.parallel === 9 || c.parallel === 11 ? subj.filter((x) => EXAM_SUBJECTS.includes(x.name)).map((x) => x.id) : []);
    for (const e of exams) insExam.run(c.id, e);
    for (const { student_id: sid } of members[c.y.members].all(c.id) as Array<{ student_id: string }>) {
      const ability = 2.9 + 2.1 * ((r.next() + r.next()) / 2);
      const exemptPE = r.next() < 0.04;
      for (const x of subj) {
        let d = difficulty.get(x.id);
        if (d == null) difficulty.set(x.id, (d = (r.next() - 0.5) * 0.6));
        // the period under way: this cell is marked already or not yet
        const due = new Map(periods.map((pid) => [pid, share.get(pid) === 1 || r.next() < share.get(pid)!]));
        const put = (slot: MarkSlot, periodId: number | null, mark: string) => {
          if (slot === 'period' ? !due.get(periodId!) : !yearOver) return;
          writes.push({ studentId: sid, subjectId: x.id, classId: c.id, slot, periodId, mark, from: null });
        };
        if (c.parallel === 1) {
          for (const pid of periods) put('period', pid, 'зч');
          put('annual', null, 'зч');
          put('final', null, 'зч');
          continue;
        }
        if (exemptPE && x.name === PE) {
          for (const pid of periods) put('period', pid, 'осв');
          put('annual', null, 'осв');
          put('final', null, 'осв');
          continue;
        }
        const got: number[] = [];
        let missing = 0;
        for (const pid of periods) {
          if (r.next() < 0.015) { put('period', pid, 'н/а'); missing++; continue; }
          const m = Math.max(2, Math.min(5, Math.round(ability - d + (r.next() - 0.5) * 1.6)));
          got.push(m);
          put('period', pid, String(m));
        }
        if (!yearOver) continue;
        const annual = missing * 2 > periods.length || !got.length ? 'н/а' : String(Math.round(got.reduce((a, b) => a + b, 0) / got.length));
        put('annual', null, annual);
        if (exams.has(x.id)) put('exam', null, annual === 'н/а' ? 'н/а' : String(Math.max(2, Math.min(5, Number(annual) + r.int(-1, 1)))));
        put('final', null, annual);
      }
      for (const pid of periods) {
        const missed = Math.floor(r.next() ** 2 * 60 * share.get(pid)!);
        insAtt.run(sid, pid, c.id, missed, Math.floor(missed * (0.4 + 0.6 * r.next())));
      }
    }
    writeMarks(db, yearId, writes);
    n += writes.length;
    if (ci % 10 === 9) {
      p.report(N + Math.floor((N * (ci + 1)) / classes.length), total, `Оценки: класс ${ci + 1} из ${classes.length}`);
      await new Promise((res) => setImmediate(res));
      p.throwIfCancelled();
    }
  }
  return n;
}
