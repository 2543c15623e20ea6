// The next year ready in one step (issue 20): its classes (each class a grade on, the 11th graduating, new 1st grades
// from the planned enrolment), each with its curriculum (the grade's template, seeded from this year's classes of
// that grade where the clerk has none yet), and homeroom teachers and shifts *proposed*, not copied blindly:
//  - a primary teacher does not follow the class into 5th grade: the 5th class gets a teacher freed by a graduating
//    11th class, or none, with a note; the teachers freed by the 4th grades are proposed for the new 1st grades;
//  - 1st, 5th, 9th and 11th grades and adapted classes study in the first shift (СанПиН 1.2.3685-21, п. 3.4.16).
// A preview first (nothing written), then the clerk confirms it, changed as he likes, in one transaction.
// A started year (the promotion made its classes first) is completed, not refused: a class it has already is kept —
// never deleted or renamed — and only given what it lacks: a curriculum where it has none; the proposed teacher and
// shift where its teacher is the one copied from its class of this year, or none (its shift only if copied too).
// Run again, it finds nothing to add or change and says the year is complete.
import type { DB } from '../../db/connection.ts';
import type { NextYearClass, NextYearPreview, SchoolClass, Year } from '../../preload/contract.ts';
import { fullName } from '../../preload/core/names.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { createClass, getClass, setCurriculum, updateClass } from '../classes/classes.ts';
import { seedTemplates, studiedInYear, templateOf } from '../classes/curriculum-templates.ts';
import { createYear, getYear } from './years.ts';

const LETTERS = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ';
const FIRST_SHIFT_GRADES = new Set([1, 5, 9, 11]);
const FIRST_GRADE_CLASS_SIZE = 25;

export type NextYearArgs = { fromYearId: number; firstGradeClasses?: number; firstGradePupils?: number | null };
export type NextYearChoice = { parallel: number; letter: string; homeroomTeacherId: number | null; shift: number; include?: boolean };

type SrcClass = { id: number; parallel: number; letter: string; homeroom_teacher_id: number | null; shift: number; adapted: number };
type NextClassRow = { id: number; parallel: number; letter: string; homeroom_teacher_id: number | null; shift: number; adapted: number; pupils: number };
type StaffRow = { id: number; last_name: string; first_name: string; middle_name: string | null; position: string };

const isPrimaryTeacher = (s: StaffRow | undefined) => !!s && /начальн/i.test(s.position);

function nextYearName(db: DB, fromYearId: number) {
  const from = db.prepare('SELECT id, name FROM academic_years WHERE id = ?').get(fromYearId) as { id: number; name: string } | undefined;
  if (!from) throw fieldError('fromYearId', 'Учебный год не найден');
  const start = Number(from.name.slice(0, 4)) + 1;
  const name = `${start}/${start + 1}`;
  const existing = db.prepare('SELECT id FROM academic_years WHERE name = ?').get(name) as { id: number } | undefined;
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
  // a started year: the classes it has already, by name, with their pupils
  const have = existingId == null ? [] : db.prepare(`SELECT c.id, c.parallel, c.letter, c.homeroom_teacher_id, c.shift, c.adapted,
      (SELECT count(*) FROM class_memberships m WHERE m.class_id = c.id AND m.end_date IS NULL) AS pupils
    FROM classes c WHERE c.year_id = ? ORDER BY c.parallel, c.letter`).all(existingId) as NextClassRow[];
  const existing = new Map(have.map((e) => [`${e.parallel}${e.letter}`, e]));
  const srcOf = new Map(src.filter((c) => c.parallel < 11).map((c) => [`${c.parallel + 1}${c.letter}`, c]));
  // a teacher is proposed only where the class's teacher is the one copied from its class of this year, or none
  const proposable = (e: NextClassRow, from: SrcClass | undefined) => e.homeroom_teacher_id == null || (!!from && e.homeroom_teacher_id === from.homeroom_teacher_id);
  const classes: NextYearClass[] = [];
  const taken = new Set<number>();
  for (const e of have) {
    const key = `${e.parallel}${e.letter}`;
    const planned = srcOf.has(key) || (e.parallel === 1 && LETTERS.indexOf(e.letter) >= 0 && LETTERS.indexOf(e.letter) < first);
    if (e.homeroom_teacher_id != null && (!planned || !proposable(e, srcOf.get(key)))) taken.add(e.homeroom_teacher_id);
  }

  const shiftFor = (grade: number, adapted: boolean, current: number, notes: string[]) => {
    if ((FIRST_SHIFT_GRADES.has(grade) || adapted) && current !== 1) {
      notes.push(`смена ${current} → 1: ${adapted ? 'адаптированный класс' : `${grade}-й класс`} учится в первую смену (СанПиН 1.2.3685-21)`);
      return 1;
    }
    return current;
  };
  /** An existing class in the plan: what it has kept, what confirming changes (only what it lacks). */
  const complete = (k: NextYearClass, e: NextClassRow | undefined): NextYearClass => {
    if (!e) return { ...k, existingClassId: null, pupils: 0, action: 'create', changes: [] };
    const has = (classCurriculum.all(e.id) as Array<{ subject_id: number }>).map((r) => r.subject_id);
    const changes: string[] = [];
    let cur = { subjectIds: k.subjectIds, subjects: k.subjects, curriculumSource: k.curriculumSource, added: k.added, dropped: k.dropped };
    if (has.length) cur = { subjectIds: has, subjects: names(has), curriculumSource: 'existing', added: [], dropped: [] };
    else if (k.subjectIds.length) changes.push(`учебный план: ${k.subjects.length} предм. (${k.curriculumSource === 'template' ? 'шаблон параллели' : k.curriculumSource === 'seeded' ? 'как у параллели в этом году' : 'как у класса'})`);
    if (k.homeroomTeacherId !== e.homeroom_teacher_id) changes.push(`классный руководитель: ${teacherName(e.homeroom_teacher_id) ?? 'не назначен'} → ${k.homeroomTeacher ?? 'не назначен'}`);
    if (k.shift !== e.shift) changes.push(`смена: ${e.shift} → ${k.shift}`);
    return { ...k, ...cur, adapted: !!e.adapted, existingClassId: e.id, pupils: e.pupils, action: changes.length ? 'update' : 'keep', changes,
      notes: [`класс уже есть${e.pupils ? ` (учеников: ${e.pupils})` : ''}: не удаляется и не переименовывается`, ...k.notes] };
  };

  for (const c of src.filter((k) => k.parallel < 11)) {
    const grade = c.parallel + 1;
    const e = existing.get(`${grade}${c.letter}`);
    const notes: string[] = [];
    const old = (classCurriculum.all(c.id) as Array<{ subject_id: number }>).map((r) => r.subject_id);
    const cur = curriculumFor(grade, old);
    let teacher = c.homeroom_teacher_id;
    let shift = c.shift;
    if (e && !proposable(e, c)) {
      teacher = e.homeroom_teacher_id;
      shift = e.shift;
      notes.push(`классный руководитель уже назначен: ${teacherName(teacher)}`);
    } else {
      if (grade === 5) {
        const was = teacherName(teacher);
        teacher = freedSenior.find((t) => !taken.has(t)) ?? null;
        notes.push(teacher != null
          ? `классный руководитель предложен: ${teacherName(teacher)} (выпускает 11-й класс)${was ? `; ${was} — учитель начальных классов, с классом в 5-й не переходит` : ''}`
          : `классный руководитель не назначен: ${was ? `${was} — учитель начальных классов, ` : ''}учитель начальных классов с классом в 5-й класс не переходит — назначьте его`);
      } else if (teacher == null) {
        notes.push('классный руководитель не назначен');
      }
      // the shift is proposed for a class still with its copied shift (or a new one)
      shift = !e || e.shift === c.shift ? shiftFor(grade, !!c.adapted, e?.shift ?? c.shift, notes) : e.shift;
    }
    if (teacher != null) taken.add(teacher);
    const oldSet = new Set(old), newSet = new Set(cur.ids);
    classes.push(complete({
      parallel: grade, letter: c.letter, name: `${grade}${c.letter}`, fromClass: `${c.parallel}${c.letter}`, fromClassId: c.id,
      homeroomTeacherId: teacher, homeroomTeacher: teacherName(teacher), shift, adapted: !!c.adapted,
      subjectIds: cur.ids, subjects: names(cur.ids), curriculumSource: cur.source,
      added: cur.source === 'carried' ? [] : names(cur.ids.filter((i) => !oldSet.has(i))),
      dropped: cur.source === 'carried' ? [] : names(old.filter((i) => !newSet.has(i))),
      notes: cur.source === 'none' ? [...notes, 'учебного плана нет: ни шаблона параллели, ни классов этой параллели в этом году'] : notes,
      existingClassId: null, pupils: 0, action: 'create', changes: [],
    }, e));
  }

  const pupils = a.firstGradePupils ?? null;
  const perClass = first && pupils != null ? Math.ceil(pupils / first) : null;
  const primaryPool = [...freedPrimary, ...[...staff.values()].filter((s) => isPrimaryTeacher(s) && !src.some((c) => c.homeroom_teacher_id === s.id)).map((s) => s.id)];
  for (let i = 0; i < first; i++) {
    const letter = LETTERS[i];
    const e = existing.get(`1${letter}`);
    const notes: string[] = [];
    const cur = curriculumFor(1, null);
    let teacher: number | null = e?.homeroom_teacher_id ?? null;
    if (teacher != null) notes.push(`классный руководитель уже назначен: ${teacherName(teacher)}`);
    else {
      teacher = primaryPool.find((t) => !taken.has(t)) ?? null;
      if (teacher != null) {
        taken.add(teacher);
        notes.push(`классный руководитель предложен: ${teacherName(teacher)} (${freedPrimary.includes(teacher) ? 'выпускает 4-й класс' : 'учитель начальных классов без класса'})`);
      } else notes.push('классный руководитель не назначен: свободного учителя начальных классов нет');
    }
    if (perClass != null) notes.push(`по плану приёма ${pupils} учеников: около ${perClass} в классе` +
      `${a.firstGradeClasses ? '' : ` (классов — по ${FIRST_GRADE_CLASS_SIZE} учеников)`}`);
    if (cur.source === 'none') notes.push('учебного плана нет: ни шаблона 1-й параллели, ни 1-х классов в этом году');
    classes.push(complete({
      parallel: 1, letter, name: `1${letter}`, fromClass: null, fromClassId: null, homeroomTeacherId: teacher, homeroomTeacher: teacherName(teacher),
      shift: e ? e.shift : 1, adapted: false, subjectIds: cur.ids, subjects: names(cur.ids), curriculumSource: cur.source, added: [], dropped: [], notes,
      existingClassId: null, pupils: 0, action: 'create', changes: [],
    }, e));
  }
  // the classes the year has beyond the plan (a kept-back pupil's grade, one made by hand): a curriculum if they lack one
  for (const e of have) {
    const key = `${e.parallel}${e.letter}`;
    if (classes.some((k) => k.name === key)) continue;
    const cur = curriculumFor(e.parallel, null);
    classes.push(complete({
      parallel: e.parallel, letter: e.letter, name: key, fromClass: null, fromClassId: null, homeroomTeacherId: e.homeroom_teacher_id,
      homeroomTeacher: teacherName(e.homeroom_teacher_id), shift: e.shift, adapted: !!e.adapted, subjectIds: cur.ids, subjects: names(cur.ids),
      curriculumSource: cur.source, added: [], dropped: [], notes: cur.source === 'none' ? ['учебного плана нет: ни шаблона параллели, ни классов этой параллели в этом году'] : [],
      existingClassId: null, pupils: 0, action: 'create', changes: [],
    }, e));
  }
  classes.sort((x, y) => x.parallel - y.parallel || x.letter.localeCompare(y.letter, 'ru'));
  if (have.length && classes.every((k) => k.action === 'keep')) {
    throw fieldError('fromYearId', `${name} учебный год уже открыт полностью: все его классы (${have.length}) уже есть, ` +
      'и открытие ничего не добавит и не изменит. Классы правят в разделе «Классы»' +
      (first ? '' : '; новые первые классы — укажите их число'));
  }
  return {
    fromYear: from.name, yearName: name, yearExists: existingId != null, classes,
    graduating: src.filter((c) => c.parallel === 11).map((c) => `${c.parallel}${c.letter}`),
    firstGrade: { classes: first, pupils, perClass }, templatesToSeed: templatesToSeed.sort((x, y) => x - y), existingClasses: have.length,
  };
}

/** Opens the next year as previewed, with the clerk's choices of teachers and shifts, in one transaction (dispatch's);
 *  a started year's classes are only completed (see the top). */
export function openNextYear(db: DB, a: NextYearArgs & { classes?: NextYearChoice[] }): { year: Year; classes: SchoolClass[]; curriculumRows: number; templatesSeeded: number[]; updated: SchoolClass[] } {
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
  const updated: SchoolClass[] = [];
  let curriculumRows = 0;
  for (const p of plan.classes) {
    const choice = choices.get(p.name);
    if (choice?.include === false) continue;
    const teacher = choice ? choice.homeroomTeacherId : p.homeroomTeacherId;
    const shift = choice ? choice.shift : p.shift;
    if (p.existingClassId != null) {
      // a class the year has already: never deleted or renamed; given only what it lacks, and the clerk's choices
      const was = getClass(db, p.existingClassId);
      let changed = false;
      if (p.curriculumSource !== 'existing' && p.subjectIds.length) { curriculumRows += setCurriculum(db, was.id, p.subjectIds).length; changed = true; }
      if (teacher !== was.homeroomTeacherId || shift !== was.shift) { updateClass(db, { id: was.id, homeroomTeacherId: teacher, shift }); changed = true; }
      if (changed) updated.push(getClass(db, was.id));
      continue;
    }
    const created = createClass(db, { yearId, parallel: p.parallel, letter: p.letter, adapted: p.adapted, homeroomTeacherId: teacher, shift });
    if (p.subjectIds.length) curriculumRows += setCurriculum(db, created.id, p.subjectIds).length;
    made.push(created);
  }
  if (!made.length && !updated.length) throw new AppError('validation', 'Не выбран ни один класс следующего года', { classes: 'выберите классы' });
  return { year: getYear(db, yearId), classes: made, curriculumRows, templatesSeeded, updated };
}
