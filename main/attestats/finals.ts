// Final marks (итоговые отметки) of a 9th or 11th class by the rule set of its year (rules.ts), with the «с отличием»
// conditions explained for each student; a preview first, then the finals written into the ledger's `final` slot
// through the grades bulk writer. A class with any mark missing is refused whole, every gap named: nothing is computed
// from half the marks.
import type { DB } from '../../db/connection.ts';
import type { FinalsPreview } from '../../preload/contract.ts';
import { formatDate, nowIso } from '../../preload/core/dates.ts';
import { fullName } from '../../preload/core/names.ts';
import { classInfo, classPeriods } from '../grades/grades.ts';
import { MarkRefused, writeMarks, type MarkWrite } from '../grades/write.ts';
import { isGraduationReason } from '../movement/orders.ts';
import { AppError } from '../shared/errors.ts';
import { formatMean, roundMean, ruleSetFor, subjectKey, type RuleSet } from './rules.ts';

type Input = { label: string; mark: string };
type Problem = { student: string; subject: string; mark: string; reason: string };
type Student = { id: string; name: string };
type Final = FinalsPreview['students'][number]['finals'][number];

const PERIOD_WORD = { quarter: 'четвертям', half: 'полугодиям', trimester: 'триместрам' } as const;
const NUMERIC = /^[1-5]$/;

/** The marks of students in a year, by "student|subject" → slot key ('annual', 'exam', 'final', 'h1', 'q2'…). */
function marksOfYear(db: DB, yearId: number, studentIds: string[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  if (!studentIds.length) return out;
  const rows = db.prepare(`SELECT k.student_id, k.subject_id, k.slot, p.kind, p.number, k.mark FROM marks k LEFT JOIN periods p ON p.id = k.period_id
      WHERE k.year_id = ? AND k.student_id IN (SELECT value FROM json_each(?))`).all(yearId, JSON.stringify(studentIds)) as
    Array<{ student_id: string; subject_id: number; slot: string; kind: string | null; number: number | null; mark: string }>;
  for (const r of rows) {
    const key = `${r.student_id}|${r.subject_id}`;
    const slot = r.slot === 'period' ? `${r.kind![0]}${r.number}` : r.slot;
    (out.get(key) ?? out.set(key, new Map()).get(key)!).set(slot, r.mark);
  }
  return out;
}

/** The final of a subject from its marks: a mean of the 5-point marks rounded half up; «зч»/«осв» where none is a
 *  number (a subject without marks, a student exempted). A «н/а» or «нз» among them is a problem, not a final. */
function finalOf(inputs: Input[], problem: (mark: string, reason: string) => void): { final: string; mean: string | null } | null {
  let bad = false;
  for (const i of inputs) {
    if (i.mark === 'н/а') { problem(i.label, 'не аттестован(а) («н/а»): итоговая отметка не выставляется, пока нет аттестации'); bad = true; }
    if (i.mark === 'нз') { problem(i.label, '«не зачтено»: итоговая отметка не выставляется'); bad = true; }
  }
  if (bad) return null;
  const numbers = inputs.filter((i) => NUMERIC.test(i.mark)).map((i) => Number(i.mark));
  if (!numbers.length) return { final: inputs[inputs.length - 1].mark, mean: null };
  const sum = numbers.reduce((a, b) => a + b, 0);
  return { final: String(roundMean(sum, numbers.length)), mean: formatMean(sum, numbers.length) };
}

/** The class's elective courses by name, in the appendix's order (alphabetical). */
export function electivesOf(db: DB, classId: number): string[] {
  return (db.prepare('SELECT s.name FROM curriculum cu JOIN subjects s ON s.id = cu.subject_id WHERE cu.class_id = ? AND cu.elective = 1')
    .pluck().all(classId) as string[]).sort((a, b) => a.localeCompare(b, 'ru'));
}

export function computeFinals(db: DB, classId: number): FinalsPreview {
  const c = classInfo(db, classId);
  if (c.parallel !== 9 && c.parallel !== 11) {
    throw new AppError('validation', `Итоговые отметки для аттестата выставляются в 9 и 11 классах, а ${c.name} — ${c.parallel} класс`);
  }
  const rules = ruleSetFor(c.year_name);
  if (!rules) throw new AppError('validation', `Для ${c.year_name} учебного года в программе нет правил выставления итоговых отметок: их даёт обновление программы`);

  // Who finishes the year in the class; who left it (a transfer or a departure that is not the graduation) is excluded.
  const members = db.prepare(`SELECT s.id, s.last_name, s.first_name, s.middle_name, m.end_date, mv.kind, mv.reason FROM class_memberships m
      JOIN students s ON s.id = m.student_id LEFT JOIN movements mv ON mv.id = m.end_movement_id
      WHERE m.class_id = ? ORDER BY m.start_date, m.id`).all(classId) as Array<{ id: string; last_name: string; first_name: string;
    middle_name: string | null; end_date: string | null; kind: string | null; reason: string | null }>;
  const last = new Map<string, (typeof members)[number]>();
  for (const m of members) last.set(m.id, m);
  const students: Student[] = [];
  const excluded: FinalsPreview['excluded'] = [];
  for (const m of last.values()) {
    const name = fullName({ lastName: m.last_name, firstName: m.first_name, middleName: m.middle_name });
    const left = (m.kind === 'transfer' || m.kind === 'departure') && !isGraduationReason(m.reason);
    if (left) {
      excluded.push({ studentId: m.id, fullName: name, reason: `выбыл(а) из класса ${formatDate(m.end_date)} (${m.kind === 'transfer' ? 'перевод' : 'выбытие'}${m.reason ? `: ${m.reason}` : ''}) — не окончил(а) год в классе, итоговые отметки не выставляются` });
    } else students.push({ id: m.id, name });
  }
  students.sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  excluded.sort((a, b) => a.fullName.localeCompare(b.fullName, 'ru'));

  const subjects = db.prepare(`SELECT s.id, s.name, EXISTS (SELECT 1 FROM class_exams e WHERE e.class_id = cu.class_id AND e.subject_id = s.id) AS exam
      FROM curriculum cu JOIN subjects s ON s.id = cu.subject_id WHERE cu.class_id = ? AND cu.elective = 0 ORDER BY s.name`).all(classId) as Array<{ id: number; name: string; exam: number }>;
  const marks = marksOfYear(db, c.year_id, students.map((s) => s.id));
  const problems: Problem[] = [];
  const notes: string[] = [];
  // elective courses have no final mark and count for nothing in «с отличием»: the appendix says «зачтено» (blank-data.ts)
  const electives = electivesOf(db, classId);
  if (electives.length) notes.push(`Элективные курсы без итоговой отметки (в приложении — «зачтено»): ${electives.join(', ')}`);
  const results: FinalsPreview['students'] = [];

  if (c.parallel === 9) {
    // the required exams: for each group of the rules, the class's exam subject of one of its names
    const exams = subjects.filter((s) => s.exam);
    const required = new Set<number>();
    for (const group of rules.grade9.examRequired) {
      const s = exams.find((x) => group.includes(subjectKey(x.name)));
      if (s) required.add(s.id);
      else notes.push(`В классе не назначен экзамен по предмету «${group[0]}»: его итоговая отметка — годовая`);
    }
    const choice = exams.filter((s) => !required.has(s.id));
    if (!choice.length) notes.push(`В классе не назначены экзамены по выбору: итоговые отметки по ним не усредняются с экзаменационными`);
    for (const st of students) {
      const finals: Final[] = [];
      const examsTaken: Array<{ subject: string; mark: string }> = [];
      let chosen = 0;
      for (const su of subjects) {
        const m = marks.get(`${st.id}|${su.id}`);
        const problem = (mark: string, reason: string) => problems.push({ student: st.name, subject: su.name, mark, reason });
        const annual = m?.get('annual');
        const exam = m?.get('exam');
        if (annual == null) problem('годовая', 'нет годовой отметки');
        if (required.has(su.id) && exam == null) problem('экзаменационная', 'нет экзаменационной отметки (обязательный экзамен ГИА)');
        if (annual == null || (required.has(su.id) && exam == null)) continue;
        if (exam != null && !required.has(su.id)) chosen++;
        const inputs: Input[] = [{ label: 'годовая', mark: annual }];
        if (exam != null && su.exam) { inputs.push({ label: 'экзаменационная', mark: exam }); examsTaken.push({ subject: su.name, mark: exam }); }
        const f = finalOf(inputs, problem);
        if (f) finals.push(finalRow(su, inputs, f, m?.get('final') ?? null));
      }
      if (choice.length && chosen < rules.grade9.examByChoice) {
        problems.push({ student: st.name, subject: choice.map((s) => s.name).join(', '), mark: 'экзаменационная',
          reason: `экзаменационных отметок по предметам по выбору ${chosen} из ${rules.grade9.examByChoice}` });
      }
      const reasons: string[] = [];
      honoursByFinals(finals, reasons);
      const failed = examsTaken.filter((e) => !NUMERIC.test(e.mark) || Number(e.mark) < 3);
      if (failed.length) reasons.push(`ГИА не пройдена: ${failed.map((e) => `${e.subject} — экзамен ${e.mark}`).join(', ')}`);
      results.push({ studentId: st.id, fullName: st.name, finals, honours: honours(reasons, ['все итоговые отметки 5', 'экзамены ГИА сданы']) });
    }
  } else {
    finals11(db, c, rules, subjects, students, marks, problems, results);
  }

  if (problems.length) {
    const first = problems[0];
    throw new AppError('validation', `Итоговые отметки ${c.name} за ${c.year_name} не вычислены: отметки класса неполны (${problems.length}). ` +
      `Первое: ${first.student}, «${first.subject}», ${first.mark} — ${first.reason}`, undefined, problems);
  }
  // an administrator's decision in force (the latest of each student) over what the rules give
  const decisions = db.prepare(`SELECT d.student_id, d.with_honours, d.reason, d.created_by, d.created_at FROM attestat_honours_decisions d
      WHERE d.class_id = ? AND d.id = (SELECT max(x.id) FROM attestat_honours_decisions x WHERE x.class_id = d.class_id AND x.student_id = d.student_id)`)
    .all(classId) as Array<{ student_id: string; with_honours: number | null; reason: string; created_by: string; created_at: string }>;
  for (const d of decisions) {
    const r = results.find((x) => x.studentId === d.student_id);
    if (!r || d.with_honours == null) continue;
    r.honours.withHonours = d.with_honours === 1;
    r.honours.override = { withHonours: d.with_honours === 1, reason: d.reason, by: d.created_by, at: d.created_at };
  }
  return {
    classId, className: c.name, year: c.year_name, grade: c.parallel, ruleSet: { id: rules.id, title: rules.title },
    students: results, excluded, notes,
    changes: results.reduce((n, s) => n + s.finals.filter((f) => f.differs).length, 0),
  };
}

function finalRow(su: { id: number; name: string }, inputs: Input[], f: { final: string; mean: string | null }, current: string | null): Final {
  return { subjectId: su.id, subject: su.name, inputs, mean: f.mean, final: f.final, current, differs: current !== f.final };
}

function honoursByFinals(finals: Final[], reasons: string[]) {
  const notFive = finals.filter((f) => NUMERIC.test(f.final) && f.final !== '5');
  if (notFive.length) reasons.push(`не все итоговые 5: ${notFive.map((f) => `${f.subject} — ${f.final}`).join(', ')}`);
}
const honours = (reasons: string[], met: string[]) => (reasons.length
  ? { eligible: false, reasons, withHonours: false, override: null }
  : { eligible: true, reasons: met, withHonours: true, override: null });

type ClassRow = ReturnType<typeof classInfo>;

/** 11th grade: the mean of the half-year and annual marks of the 10th and the 11th year, subject by subject. */
function finals11(db: DB, c: ClassRow, rules: RuleSet, subjects: Array<{ id: number; name: string }>, students: Student[],
  marks11: Map<string, Map<string, string>>, problems: Problem[], results: FinalsPreview['students']) {
  const kind11 = classPeriods(db, c)[0]?.kind;
  if (kind11 && kind11 !== rules.grade11.periodKind) {
    throw new AppError('validation', `${c.name} учится по ${PERIOD_WORD[kind11]}, а итоговая отметка за 11 класс — среднее полугодовых и годовых отметок ` +
      `(${rules.title}): задайте для 10–11 классов полугодия`);
  }
  const tenth = db.prepare(`SELECT m.class_id, c.year_id, y.name AS year_name, g.kind FROM class_memberships m JOIN classes c ON c.id = m.class_id
      JOIN academic_years y ON y.id = c.year_id LEFT JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = 10
      WHERE m.student_id = ? AND c.parallel = 10 AND y.name < ? ORDER BY y.name DESC, m.start_date DESC LIMIT 1`);
  const curriculum = db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ? AND elective = 0').pluck();
  const years = new Map<number, Map<string, Map<string, string>>>(); // year id → its marks (students of this class)
  const examYear = Number(c.year_name.slice(5));
  const stateExams = db.prepare(`SELECT e.kind, s.name AS subject, e.score, e.mark FROM state_exam_results e JOIN subjects s ON s.id = e.subject_id
      WHERE e.student_id = ? AND e.year = ?`);
  const ids = students.map((s) => s.id);
  for (const st of students) {
    const t = tenth.get(st.id, c.year_name) as { class_id: number; year_id: number; year_name: string; kind: string | null } | undefined;
    if (!t) {
      problems.push({ student: st.name, subject: 'все предметы', mark: '10 класс', reason: 'в реестре нет 10 класса ученика: отметки за 10 класс не внесены' });
      continue;
    }
    if (t.kind && t.kind !== rules.grade11.periodKind) {
      problems.push({ student: st.name, subject: 'все предметы', mark: '10 класс', reason: `10 класс (${t.year_name}) учился по ${PERIOD_WORD[t.kind as keyof typeof PERIOD_WORD]}, а нужны полугодовые отметки` });
      continue;
    }
    if (!years.has(t.year_id)) years.set(t.year_id, marksOfYear(db, t.year_id, ids));
    const marks10 = years.get(t.year_id)!;
    const plan10 = new Set(curriculum.all(t.class_id) as number[]);
    const finals: Final[] = [];
    for (const su of subjects) {
      const problem = (mark: string, reason: string) => problems.push({ student: st.name, subject: su.name, mark, reason });
      const inputs: Input[] = [];
      let missing = false;
      for (const [grade, m, studied] of [[10, marks10.get(`${st.id}|${su.id}`), plan10.has(su.id)], [11, marks11.get(`${st.id}|${su.id}`), true]] as const) {
        if (!studied) continue;
        for (const [slot, label] of [['h1', '1 полугодие'], ['h2', '2 полугодие'], ['annual', 'годовая']] as const) {
          const mark = m?.get(slot);
          if (mark == null) { problem(`${label}, ${grade} класс`, `нет отметки «${label}» за ${grade} класс`); missing = true; } else inputs.push({ label: `${label}, ${grade} кл.`, mark });
        }
      }
      if (missing) continue;
      const f = finalOf(inputs, problem);
      if (f) finals.push(finalRow(su, inputs, f, m11final(marks11, st.id, su.id)));
    }
    const reasons: string[] = [];
    honoursByFinals(finals, reasons);
    const results11 = stateExams.all(st.id, examYear) as Array<{ kind: string; subject: string; score: number | null; mark: number | null }>;
    const met: string[] = ['все итоговые отметки 5'];
    for (const cond of rules.honours.grade11.stateExams) {
      const ok = cond.anyOf.find((alt) => results11.some((r) => r.kind === alt.kind && alt.subject.some((n) => subjectKey(r.subject) === n)
        && (alt.minScore == null || (r.score ?? -1) >= alt.minScore) && (alt.minMark == null || (r.mark ?? -1) >= alt.minMark)));
      if (ok) { met.push(ok.what); continue; }
      const found = results11.filter((r) => cond.anyOf.some((alt) => r.kind === alt.kind && alt.subject.some((n) => subjectKey(r.subject) === n)));
      reasons.push(found.length
        ? `${cond.label}: ${found.map((r) => `${r.kind} «${r.subject}» — ${r.score != null ? `${r.score} балл.` : `отметка ${r.mark}`}`).join(', ')}; нужно: ${cond.anyOf.map((a) => a.what).join(' или ')}`
        : `${cond.label}: нет результата ГИА ${examYear} года; нужно: ${cond.anyOf.map((a) => a.what).join(' или ')}`);
    }
    results.push({ studentId: st.id, fullName: st.name, finals, honours: honours(reasons, met) });
  }
}
const m11final = (marks: Map<string, Map<string, string>>, student: string, subject: number) => marks.get(`${student}|${subject}`)?.get('final') ?? null;

/** Writes the computed finals into the class's `final` slot, in the caller's (dispatch's) transaction: all or none.
 *  `ruleSetId` is what the clerk reviewed; a class whose year now has another set is refused (preview again). */
export function applyFinals(db: DB, classId: number, ruleSetId: string): { ruleSetId: string; written: number; unchanged: number } {
  const p = computeFinals(db, classId);
  if (p.ruleSet.id !== ruleSetId) {
    throw new AppError('conflict', `Правила для ${p.year} теперь другие (${p.ruleSet.title}), а просмотрены по «${ruleSetId}»: вычислите отметки заново`);
  }
  const c = classInfo(db, classId);
  const where = db.prepare(`SELECT class_id FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = 'final'`).pluck();
  const writes: MarkWrite[] = [];
  const named: string[] = [];
  let unchanged = 0;
  for (const st of p.students) {
    for (const f of st.finals) {
      if (!f.differs) { unchanged++; continue; }
      const inClass = where.get(st.studentId, f.subjectId, c.year_id) as number | undefined;
      writes.push({ studentId: st.studentId, subjectId: f.subjectId, classId, slot: 'final', periodId: null, mark: f.final, from: f.current,
        move: inClass != null && inClass !== classId });
      named.push(`${st.fullName}, «${f.subject}»`);
    }
  }
  try {
    writeMarks(db, c.year_id, writes);
  } catch (e) {
    if (!(e instanceof MarkRefused)) throw e;
    throw new AppError(e.kind === 'rule' ? 'validation' : 'conflict', `Итоговые отметки ${c.name} не записаны — ${named[e.index]}, итоговая: ${e.why}`);
  }
  return { ruleSetId, written: writes.length, unchanged };
}

/** An administrator's decision on «с отличием» for a graduate of the class: against the rules (with_honours 0/1) or back
 *  to them (null), with a reason; a new row each time (migration 0013), in dispatch's audited transaction. */
export function decideHonours(db: DB, a: { classId: number; studentId: string; withHonours: boolean | null; reason: string }, by: string) {
  const p = computeFinals(db, a.classId);
  const st = p.students.find((s) => s.studentId === a.studentId);
  if (!st) {
    const gone = p.excluded.find((s) => s.studentId === a.studentId);
    throw new AppError('validation', gone ? `${gone.fullName}: ${gone.reason}` : `Ученик не окончил ${p.className} в ${p.year}: решения об аттестате с отличием для него нет`,
      { studentId: 'не выпускник класса' });
  }
  db.prepare(`INSERT INTO attestat_honours_decisions (student_id, class_id, with_honours, computed, rule_set, reason, created_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(a.studentId, a.classId, a.withHonours == null ? null : a.withHonours ? 1 : 0, st.honours.eligible ? 1 : 0,
    p.ruleSet.id, a.reason.trim(), nowIso(), by);
  return { studentId: a.studentId, eligible: st.honours.eligible, withHonours: a.withHonours ?? st.honours.eligible };
}
