// Who of a class may have an attestat printed, and what is printed on a graduate's blank: the finals as the ledger
// holds them (once applied they equal what the rules give), «с отличием» as computed or decided, the blank's number,
// registration number and date of issue from the print (attestat_prints, migration 0016).
import type { DB } from '../../db/connection.ts';
import type { FinalsPreview } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { schoolHeader } from '../printouts/school-header.ts';
import { computeFinals, electivesOf } from './finals.ts';
import { layoutFor, subjectRank } from './layouts.ts';

/** What is printed on a graduate's attestat and its appendix: as data, canonicalised and hashed for the appendix's
 *  verification code (printouts, kind attestat_appendix). */
export type BlankData = {
  format: 'school-register/attestat-blank@1';
  grade: 9 | 11;
  year: string;
  className: string;
  school: { fullName: string; director: string };
  student: { id: string; lastName: string; firstMiddle: string; fullName: string; birthDate: string; sex: string };
  attestat: { series: string; number: number; regNumber: number; issueDate: string };
  /** in the order of the curriculum (layouts.ts SUBJECT_ORDER) */
  finals: Array<{ subject: string; mark: string }>;
  /** the class's elective courses («зачтено» on the appendix, after the subjects); absent when it has none, so the
   *  data of an appendix printed before electives existed hash as they did */
  electives?: string[];
  withHonours: boolean;
  layouts: { attestat: string; appendix: string };
  /** only once the blank is written off: its appendix's code then no longer checks as current */
  spoiled?: { on: string; reason: string };
};

export type Graduates = {
  preview: FinalsPreview;
  /** graduates whose finals in the ledger are the computed ones, for every subject */
  ready: FinalsPreview['students'];
  /** graduates who are not ready yet, and why; students who left the class */
  notReady: Array<{ studentId: string; fullName: string; reason: string }>;
};

/** A class's graduates sorted into those whose finals are applied and the rest. A class whose marks are incomplete is
 *  refused by computeFinals with every gap named. */
export function graduatesOf(db: DB, classId: number): Graduates {
  const preview = computeFinals(db, classId);
  const ready: Graduates['ready'] = [];
  const notReady: Graduates['notReady'] = preview.excluded.map((e) => ({ studentId: e.studentId, fullName: e.fullName, reason: e.reason }));
  for (const s of preview.students) {
    const off = s.finals.filter((f) => f.differs);
    if (!s.finals.length) notReady.push({ studentId: s.studentId, fullName: s.fullName, reason: 'в учебном плане класса нет предметов' });
    else if (off.length) {
      notReady.push({ studentId: s.studentId, fullName: s.fullName, reason: `итоговые отметки не внесены в ведомость (${off.map((f) =>
        `${f.subject}: ${f.current ?? 'нет'} вместо ${f.final}`).join(', ')}): выставьте их («Итоговые отметки» → «Записать»)` });
    } else ready.push(s);
  }
  return { preview, ready, notReady };
}

export type PrintRow = { id: number; form_id: number; student_id: string; class_id: number; reg_number: number; issue_date: string; layout: string;
  replaces_id: number | null; printed_at: string; printed_by: string; series: string; number: number; state: 'received' | 'issued' | 'spoiled'; parallel: number;
  spoiled_on: string | null; spoiled_reason: string | null;
  /** the form's kind: 1 — a blank «с отличием» (migration 0022) */
  honours: number };

const PRINT_SELECT = `SELECT p.*, f.series, f.number, f.state, f.spoiled_on, f.spoiled_reason, f.honours, c.parallel FROM attestat_prints p JOIN attestat_forms f ON f.id = p.form_id
  JOIN classes c ON c.id = p.class_id`;

/** The graduate's print in force for an attestat of this grade: the latest whose blank is not spoiled; null if none. */
export function printInForce(db: DB, studentId: string, grade: number): PrintRow | null {
  return (db.prepare(`${PRINT_SELECT} WHERE p.student_id = ? AND c.parallel = ? AND f.state <> 'spoiled' ORDER BY p.id DESC LIMIT 1`)
    .get(studentId, grade) as PrintRow | undefined) ?? null;
}

export function printById(db: DB, id: number): PrintRow {
  const p = db.prepare(`${PRINT_SELECT} WHERE p.id = ?`).get(id) as PrintRow | undefined;
  if (!p) throw new AppError('not_found', `Печать бланка № ${id} не найдена в реестре`);
  return p;
}

type StudentRow = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; sex: string };

/** What a graduate's blank says; `attestat` null on a preview before a blank is taken (its fields stay empty).
 *  `honoursBlank`: the blank's kind, which picks the title's layout (a blank «с отличием» has its own); by default the
 *  kind the graduate is due — a print made before 0022 on an ordinary blank keeps its ordinary layout, and its code. */
export function blankDataOf(db: DB, g: Graduates, studentId: string, attestat: BlankData['attestat'] | null, honoursBlank?: boolean): BlankData {
  const s = g.ready.find((x) => x.studentId === studentId);
  if (!s) {
    const why = g.notReady.find((x) => x.studentId === studentId);
    throw new AppError('validation', why ? `${why.fullName}: ${why.reason}` : `Ученик не выпускник ${g.preview.className} ${g.preview.year}`,
      { studentId: why?.reason ?? 'не выпускник класса' });
  }
  const st = db.prepare('SELECT id, last_name, first_name, middle_name, birth_date, sex FROM students WHERE id = ?').get(studentId) as StudentRow;
  const grade = g.preview.grade as 9 | 11;
  const la = layoutFor('attestat', grade, g.preview.year, honoursBlank ?? s.honours.withHonours);
  const lp = layoutFor('appendix', grade, g.preview.year);
  if (!la || !lp) throw new AppError('validation', `Для ${g.preview.year} нет раскладки бланков аттестата за ${grade} класс (main/attestats/layouts.ts)`);
  const school = schoolHeader(db);
  const electives = electivesOf(db, g.preview.classId);
  return {
    format: 'school-register/attestat-blank@1',
    grade, year: g.preview.year, className: g.preview.className,
    school: { fullName: school.fullName, director: school.director },
    student: { id: st.id, lastName: st.last_name, firstMiddle: [st.first_name, st.middle_name].filter(Boolean).join(' '), fullName: s.fullName,
      birthDate: st.birth_date, sex: st.sex },
    attestat: attestat ?? { series: '', number: 0, regNumber: 0, issueDate: '' },
    finals: [...s.finals].sort((a, b) => subjectRank(a.subject) - subjectRank(b.subject) || a.subject.localeCompare(b.subject, 'ru'))
      .map((f) => ({ subject: f.subject, mark: f.final })),
    ...(electives.length ? { electives } : {}),
    withHonours: s.honours.withHonours,
    layouts: { attestat: la.id, appendix: lp.id },
  };
}

/** The data of a print as the register holds it today: what its appendix's verification code stands for. */
export function blankDataOfPrint(db: DB, printId: number): BlankData {
  const p = printById(db, printId);
  const d = blankDataOf(db, graduatesOf(db, p.class_id), p.student_id, { series: p.series, number: p.number, regNumber: p.reg_number, issueDate: p.issue_date },
    p.honours === 1);
  return p.state === 'spoiled' ? { ...d, spoiled: { on: p.spoiled_on!, reason: p.spoiled_reason! } } : d;
}
