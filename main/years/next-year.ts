// The next year ready in one step (issue 20): its classes (each class a grade on, the 11th graduating, new 1st grades
// from the planned enrolment), each with its curriculum (the grade's template, seeded from this year's classes of
// that grade where the clerk has none yet), and homeroom teachers and shifts *proposed*, not copied blindly:
//  - a primary teacher does not follow the class into 5th grade: the 5th class gets a teacher freed by a graduating
//    11th class, or none, with a note; the teachers freed by the 4th grades are proposed for the new 1st grades;
//  - 1st, 5th, 9th and 11th grades and adapted classes study in the first shift (СанПиН 1.2.3685-21, п. 3.4.16).
// A preview first (nothing written), then the clerk confirms it, changed as he likes, in one transaction.
import type { DB } from '../../db/connection.ts';
import type { NextYearClass, NextYearPreview, SchoolClass, Year } from '../../preload/contract.ts';
import { fullName } from '../../preload/core/names.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { createClass, setCurriculum } from '../classes/classes.ts';
import { seedTemplates, studiedInYear, templateOf } from '../classes/curriculum-templates.ts';
import { createYear, getYear } from './years.ts';

const LETTERS = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ';
const FIRST_SHIFT_GRADES = new Set([1, 5, 9, 11]);
const FIRST_GRADE_CLASS_SIZE = 25;

export type NextYearArgs = { fromYearId: number; firstGradeClasses?: number; firstGradePupils?: number | null };
export type NextYearChoice = { parallel: number; letter: string; homeroomTeacherId: number | null; shift: number; include?: boolean };

type SrcClass = { id: number; parallel: number; letter: string; homeroom_teacher_id: number | null; shift: number; adapted: number };
type StaffRow = { id: number; last_name: string; first_name: string; middle_name: string | null; position: string };

const isPrimaryTeacher = (s: StaffRow | undefined) => !!s && /начальн/i.test(s.position);

function nextYearName(db: DB, fromYearId: number) {
  const from = db.prepare('SELECT id, name FROM academic_years WHERE id = ?').get(fromYearId) as { id: number; name: string } | undefined;
  if (!from) throw fieldError('fromYearId', 'Учебный год не найден');
  const start = Number(from.name.slice(0, 4)) + 1;
  const name = `${start}/${start + 1}`;
  const existing = db.prepare('SELECT id FROM academic_years WHERE name = ?').get(name) as { id: number } | undefined;
  if (existing) {
    const n = (db.prepare('SELECT count(*) AS n FROM classes WHERE year_id = ?').get(existing.id) as { n: number }).n;
    if (n) throw fieldError('fromYearId', `В ${name} учебном году уже есть классы (${n}): следующий год уже открыт — его классы правят в разделе «Классы»`);
  }
  return { from, name, existingId: existing?.id ?? null };
}

/** What opening the next year would make; nothing written. */
export function previewNextYear(db: DB, a: NextYearArgs): NextYearPreview {
  const { from, name, existingId } = nextYearName(db, a.fromYearId);
  // the planned enrolment without a number of classes: classes of up to 25 first graders
  const first = a.firstGradeClasses || (a.firstGradePupils ? Math.ceil(a.firstGradePupils / FIRST_GRADE_CLASS_SIZE) : 0);
  if (!Number.isInteger(first) || first < 0 || first > LETTERS.length) throw fieldError('firstGradeClasses', `Число первых классов — от 0 до ${LETTERS.length}`);
  const src = db.prepare('SELECT id, parallel, letter, homeroom_teacher_id, shift, adapted FROM classes WHERE year_id = ? ORDER BY parallel, letter').all(from.id) as SrcClass[];
  if (!src.length && !first) throw fieldError('fromYearId', `В ${from.name} нет классов, и первые классы не запланированы: открывать нечего`);
  const staff = new Map((db.prepare('SELECT id, last_name, first_name, middle_name, position FROM staff').all() as StaffRow[]).map((s) => [s.id, s]));
  const teacherName = (id: number | null) => {
    const s = id == null ? undefined : staff.get(id);
    return s ? fullName({ lastName: s.last_name, firstName: s.first_name, middleName: s.middle_name }) : null;
  };
  const subjectNames = new Map((db.prepare('SELECT id, name FROM subjects').all() as Array<{ id: number; name: string }>).map((s) => [s.id, s.name]));
  const names = (ids: number[]) => ids.map((i) => subjectNames.get(i) ?? String(i)).sort((x, y) => x.localeCompare(y, 'ru'));
  const classCurriculum = db.prepare('SELECT subject_id FROM curriculum WHERE class_id = ?');

  const templatesToSeed: number[] = [];
  const curriculumFor = (grade: number, old: number[] | null) => {
    const tpl = templateOf(db, grade);
    if (tpl.length) return { ids: tpl, source: 'template' as const };
    const studied = studiedInYear(db, from.id, grade);
    if (studied.length) {
      if (!templatesToSeed.includes(grade)) templatesToSeed.push(grade);
      return { ids: studied, source: 'seeded' as const };
    }
    if (old?.length) return { ids: old, source: 'carried' as const };
    return { ids: [], source: 'none' as const };
  };

  // teachers freed: by the 4th grades (primary, for the new 1st grades) and by the graduating 11th grades (for the 5th)
  const freedPrimary = src.filter((c) => c.parallel === 4 && c.homeroom_teacher_id != null).map((c) => c.homeroom_teacher_id!);
  const freedSenior = src.filter((c) => c.parallel === 11 && c.homeroom_teacher_id != null).map((c) => c.homeroom_teacher_id!);
  const classes: NextYearClass[] = [];
  const taken = new Set<number>();

  const shiftFor = (grade: number, adapted: boolean, current: number, notes: string[]) => {
    if ((FIRST_SHIFT_GRADES.has(grade) || adapted) && current !== 1) {
      notes.push(`смена ${current} → 1: ${adapted ? 'адаптированный класс' : `${grade}-й класс`} учится в первую смену (СанПиН 1.2.3685-21)`);
      return 1;
    }
    return current;
  };

  for (const c of src.filter((k) => k.parallel < 11)) {
    const grade = c.parallel + 1;
    const notes: string[] = [];
    const old = (classCurriculum.all(c.id) as Array<{ subject_id: number }>).map((r) => r.subject_id);
    const cur = curriculumFor(grade, old);
    let teacher = c.homeroom_teacher_id;
    if (grade === 5) {
      const was = teacherName(teacher);
      teacher = freedSenior.find((t) => !taken.has(t)) ?? null;
      notes.push(teacher != null
        ? `классный руководитель предложен: ${teacherName(teacher)} (выпускает 11-й класс)${was ? `; ${was} — учитель начальных классов, с классом в 5-й не переходит` : ''}`
        : `классный руководитель не назначен: ${was ? `${was} — учитель начальных классов, ` : ''}учитель начальных классов с классом в 5-й класс не переходит — назначьте его`);
    } else if (teacher == null) {
      notes.push('классный руководитель не назначен');
    }
    if (teacher != null) taken.add(teacher);
    const oldSet = new Set(old), newSet = new Set(cur.ids);
    classes.push({
      parallel: grade, letter: c.letter, name: `${grade}${c.letter}`, fromClass: `${c.parallel}${c.letter}`, fromClassId: c.id,
      homeroomTeacherId: teacher, homeroomTeacher: teacherName(teacher), shift: shiftFor(grade, !!c.adapted, c.shift, notes), adapted: !!c.adapted,
      subjectIds: cur.ids, subjects: names(cur.ids), curriculumSource: cur.source,
      added: cur.source === 'carried' ? [] : names(cur.ids.filter((i) => !oldSet.has(i))),
      dropped: cur.source === 'carried' ? [] : names(old.filter((i) => !newSet.has(i))),
      notes: cur.source === 'none' ? [...notes, 'учебного плана нет: ни шаблона параллели, ни классов этой параллели в этом году'] : notes,
    });
  }

  const pupils = a.firstGradePupils ?? null;
  const perClass = first && pupils != null ? Math.ceil(pupils / first) : null;
  const primaryPool = [...freedPrimary, ...[...staff.values()].filter((s) => isPrimaryTeacher(s) && !src.some((c) => c.homeroom_teacher_id === s.id)).map((s) => s.id)];
  for (let i = 0; i < first; i++) {
    const letter = LETTERS[i];
    const notes: string[] = [];
    const cur = curriculumFor(1, null);
    const teacher = primaryPool.find((t) => !taken.has(t)) ?? null;
    if (teacher != null) {
      taken.add(teacher);
      notes.push(`классный руководитель предложен: ${teacherName(teacher)} (${freedPrimary.includes(teacher) ? 'выпускает 4-й класс' : 'учитель начальных классов без класса'})`);
    } else notes.push('классный руководитель не назначен: свободного учителя начальных классов нет');
    if (perClass != null) notes.push(`по плану приёма ${pupils} учеников: около ${perClass} в классе` +
      `${a.firstGradeClasses ? '' : ` (классов — по ${FIRST_GRADE_CLASS_SIZE} учеников)`}`);
    if (cur.source === 'none') notes.push('учебного плана нет: ни шаблона 1-й параллели, ни 1-х классов в этом году');
    classes.push({
      parallel: 1, letter, name: `1${letter}`, fromClass: null, fromClassId: null, homeroomTeacherId: teacher, homeroomTeacher: teacherName(teacher),
      shift: 1, adapted: false, subjectIds: cur.ids, subjects: names(cur.ids), curriculumSource: cur.source, added: [], dropped: [], notes,
    });
  }
  classes.sort((x, y) => x.parallel - y.parallel || x.letter.localeCompare(y.letter, 'ru'));
  return {
    fromYear: from.name, yearName: name, yearExists: existingId != null, classes,
    graduating: src.filter((c) => c.parallel === 11).map((c) => `${c.parallel}${c.letter}`),
    firstGrade: { classes: first, pupils, perClass }, templatesToSeed: templatesToSeed.sort((x, y) => x - y),
  };
}

/** Opens the next year as previewed, with the clerk's choices of teachers and shifts, in one transaction (dispatch's). */
export function openNextYear(db: DB, a: NextYearArgs & { classes?: NextYearChoice[] }): { year: Year; classes: SchoolClass[]; curriculumRows: number; templatesSeeded: number[] } {
  const plan = previewNextYear(db, a);
  const choices = new Map((a.classes ?? []).map((c) => [`${c.parallel}${c.letter}`, c]));
  for (const [key, c] of choices) {
    if (!plan.classes.some((p) => p.name === key)) throw fieldError('classes', `Класса ${key} нет в плане следующего года (${c.parallel}-я параллель)`);
  }
  const fromPeriods = db.prepare('SELECT grade, kind FROM year_grade_periods WHERE year_id = ? ORDER BY grade').all(a.fromYearId) as Array<{ grade: number; kind: 'quarter' | 'half' | 'trimester' }>;
  const yearId = plan.yearExists
    ? (db.prepare('SELECT id FROM academic_years WHERE name = ?').get(plan.yearName) as { id: number }).id
    : createYear(db, { name: plan.yearName, periodKinds: fromPeriods.length === 11 ? fromPeriods.map((p) => ({ fromGrade: p.grade, toGrade: p.grade, kind: p.kind })) : undefined }).id;
  const templatesSeeded = seedTemplates(db, a.fromYearId);
  const made: SchoolClass[] = [];
  let curriculumRows = 0;
  for (const p of plan.classes) {
    const choice = choices.get(p.name);
    if (choice?.include === false) continue;
    const created = createClass(db, { yearId, parallel: p.parallel, letter: p.letter, adapted: p.adapted,
      homeroomTeacherId: choice ? choice.homeroomTeacherId : p.homeroomTeacherId, shift: choice ? choice.shift : p.shift });
    if (p.subjectIds.length) curriculumRows += setCurriculum(db, created.id, p.subjectIds).length;
    made.push(created);
  }
  if (!made.length) throw new AppError('validation', 'Не выбран ни один класс следующего года', { classes: 'выберите классы' });
  return { year: getYear(db, yearId), classes: made, curriculumRows, templatesSeeded };
}
