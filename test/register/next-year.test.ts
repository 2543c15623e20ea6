// The next year ready in one step (issue 20), on a real register file: a preview that writes nothing, then the
// clerk's confirmation — classes a grade on with the grade's curriculum (template, seeded from this year's classes),
// teachers and shifts proposed (a primary teacher does not follow the class into 5th grade), 1st grades from the plan;
// first graders entered several at once. A started year (the promotion made its classes first) is completed, not
// refused: its classes kept with their pupils, only what they lack added, and a second run changes nothing.
// Bad input: the next year opened completely already (said so, nothing written); a refused row of first graders.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBook } from '../workbooks/make.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { SCHOOL, contentHash, count, expectError, scratchDir, removeScratchDirs, studentInput } from '../helpers/db.ts';

afterAll(removeScratchDirs);

describe('opening the next year', () => {
  let c: Client & { dbPath: string };
  const t: Record<string, number> = {};
  const subj: Record<string, number> = {};
  const cls: Record<string, number> = {};
  let yearId = 0;
  const hash = () => contentHash(c.backend.db as never, ['audit_log']);

  beforeAll(async () => {
    c = await adminClient(scratchDir());
    yearId = (await c.call('years.create', { name: '2025/2026' })).id;
    for (const [key, lastName, position] of [['p1', 'Антонова', 'Учитель начальных классов'], ['p2', 'Борисова', 'Учитель начальных классов'],
      ['p3', 'Власова', 'Учитель начальных классов'], ['s1', 'Громов', 'Учитель'], ['s2', 'Дмитриев', 'Учитель']] as const) {
      t[key] = (await c.call('staff.create', { lastName, firstName: 'Ирина', position, subjectIds: [] })).id;
    }
    for (const [key, name] of [['math', 'Математика'], ['rus', 'Русский язык'], ['hist', 'История'], ['world', 'Окружающий мир']] as const) {
      subj[key] = (await c.call('subjects.create', { name, shortName: name.slice(0, 4), cityRegisterId: `X-${key}`, federalCode: key })).id;
    }
    const mk = async (parallel: number, letter: string, teacher: number | null, shift = 1, subjects: number[] = []) => {
      const k = await c.call('classes.create', { yearId, parallel, letter, homeroomTeacherId: teacher, shift });
      if (subjects.length) await c.call('curriculum.set', { classId: k.id, subjectIds: subjects });
      cls[`${parallel}${letter}`] = k.id;
    };
    await mk(1, 'А', t.p1, 1, [subj.math, subj.rus, subj.world]);
    await mk(4, 'А', t.p2, 1, [subj.math, subj.rus, subj.world]);
    await mk(4, 'Б', null, 2, [subj.math, subj.rus, subj.world]);
    await mk(5, 'А', t.s1, 1, [subj.math, subj.rus, subj.hist]);
    await mk(11, 'А', t.s2, 1, [subj.math, subj.rus, subj.hist]);
  });
  afterAll(() => c?.backend.close());

  it('the preview proposes classes, curricula, teachers and shifts, and writes nothing', async () => {
    const before = hash();
    const p = await c.call('years.nextPreview', { fromYearId: yearId, firstGradeClasses: 2, firstGradePupils: 50 });
    expect(hash()).toBe(before);
    expect(p).toMatchObject({ fromYear: '2025/2026', yearName: '2026/2027', yearExists: false, graduating: ['11А'], firstGrade: { classes: 2, pupils: 50, perClass: 25 } });
    expect(p.classes.map((k) => `${k.fromClass ?? '—'}→${k.name}`)).toEqual(['—→1А', '—→1Б', '1А→2А', '4А→5А', '4Б→5Б', '5А→6А']);
    const by = Object.fromEntries(p.classes.map((k) => [k.name, k]));
    // primary teachers: 2А keeps hers; 5А's leaves for the new 1А; 5А takes the 11А's teacher; 5Б has none, said why
    expect(by['2А'].homeroomTeacherId).toBe(t.p1);
    expect(by['5А']).toMatchObject({ homeroomTeacherId: t.s2, curriculumSource: 'seeded', subjects: ['История', 'Математика', 'Русский язык'],
      added: ['История'], dropped: ['Окружающий мир'] });
    expect(by['5А'].notes.join(' ')).toMatch(/Борисова Ирина — учитель начальных классов, с классом в 5-й не переходит/);
    expect(by['5Б'].homeroomTeacherId).toBeNull();
    expect(by['5Б'].notes.join(' ')).toMatch(/классный руководитель не назначен.*учитель начальных классов с классом в 5-й класс не переходит/);
    expect(by['5Б'].shift).toBe(1);
    expect(by['5Б'].notes.join(' ')).toMatch(/смена 2 → 1/);
    expect(by['1А']).toMatchObject({ homeroomTeacherId: t.p2, shift: 1, subjects: ['Математика', 'Окружающий мир', 'Русский язык'] });
    expect(by['1Б']).toMatchObject({ homeroomTeacherId: t.p3 });
    expect(by['1Б'].notes.join(' ')).toMatch(/около 25 в классе/);
    // no 6th class this year: the 6А carries 5А's curriculum
    expect(by['6А']).toMatchObject({ curriculumSource: 'carried', subjects: ['История', 'Математика', 'Русский язык'] });
    expect(p.templatesToSeed).toEqual([1, 5]);
  });

  it('the planned enrolment without a number of classes makes classes of up to 25', async () => {
    const p = await c.call('years.nextPreview', { fromYearId: yearId, firstGradePupils: 60 });
    expect(p.firstGrade).toEqual({ classes: 3, pupils: 60, perClass: 20 });
    expect(p.classes.filter((k) => k.parallel === 1).map((k) => k.name)).toEqual(['1А', '1Б', '1В']);
    expect(p.classes.find((k) => k.name === '1В')?.notes.join(' ')).toMatch(/около 20 в классе \(классов — по 25 учеников\)/);
  });

  it('a grade\'s template, edited by the clerk, is what its classes get', async () => {
    await c.call('curriculum.setTemplate', { grade: 6, subjectIds: [subj.math, subj.hist] });
    const p = await c.call('years.nextPreview', { fromYearId: yearId, firstGradeClasses: 2 });
    expect(p.classes.find((k) => k.name === '6А')).toMatchObject({ curriculumSource: 'template', subjects: ['История', 'Математика'], dropped: ['Русский язык'] });
  });

  it('confirming opens the year: classes with their curricula, the clerk\'s choices over the proposal, templates seeded', async () => {
    const r = await c.call('years.openNext', { fromYearId: yearId, firstGradeClasses: 2,
      classes: [{ parallel: 5, letter: 'Б', homeroomTeacherId: t.s1, shift: 1 }, { parallel: 1, letter: 'Б', homeroomTeacherId: null, shift: 1, include: false }] });
    expect(r.year.name).toBe('2026/2027');
    expect(r.classes.map((k) => k.name)).toEqual(['1А', '2А', '5А', '5Б', '6А']);
    expect(r.templatesSeeded).toEqual([1, 4, 5, 11]);
    const listed = await c.call('classes.list', { yearId: r.year.id });
    expect(listed.find((k) => k.name === '5Б')).toMatchObject({ homeroomTeacherId: t.s1, shift: 1 });
    const rows = c.backend.db.prepare(`SELECT c.parallel || c.letter AS k, count(cu.subject_id) AS n FROM classes c LEFT JOIN curriculum cu ON cu.class_id = c.id
      WHERE c.year_id = ? GROUP BY c.id ORDER BY k`).all(r.year.id);
    expect(rows).toEqual([{ k: '1А', n: 3 }, { k: '2А', n: 3 }, { k: '5А', n: 3 }, { k: '5Б', n: 3 }, { k: '6А', n: 2 }]);
    expect(r.curriculumRows).toBe(14);
    expect((await c.call('curriculum.templates', {} as never)).find((g) => g.grade === 5)?.subjects.map((s) => s.name)).toEqual(['История', 'Математика', 'Русский язык']);
  });

  it('the next year opened already: a run again finds nothing to add and says so, nothing written; more 1st grades are still added', async () => {
    const before = hash();
    const e = expectError(await c.raw('years.openNext', { fromYearId: yearId, firstGradeClasses: 1 }), 'validation', 'fromYearId');
    expect(e.message).toMatch(/^2026\/2027 учебный год уже открыт полностью: все его классы \(5\) уже есть, и открытие ничего не добавит/);
    expectError(await c.raw('years.nextPreview', { fromYearId: yearId }), 'validation', 'fromYearId');
    expect(hash()).toBe(before);
    // the 1Б left out at the opening: the plan keeps every class there is and would add only it
    const p = await c.call('years.nextPreview', { fromYearId: yearId, firstGradeClasses: 2 });
    expect(p.existingClasses).toBe(5);
    expect(p.classes.map((k) => `${k.name}:${k.action}`)).toEqual(['1А:keep', '1Б:create', '2А:keep', '5А:keep', '5Б:keep', '6А:keep']);
    expect(p.classes.find((k) => k.name === '5Б')).toMatchObject({ homeroomTeacherId: t.s1, curriculumSource: 'existing' });
    expect(hash()).toBe(before);
  });

  it('first graders entered several at once: all enrolled by one order; a bad row named and none written', async () => {
    const next = (await c.call('years.list', {} as never)).find((y) => y.name === '2026/2027')!;
    const first = (await c.call('classes.list', { yearId: next.id })).find((k) => k.name === '1А')!;
    const order = { number: '1-у', date: '2026-06-15' };
    const before = count(c.backend.db as never, 'students');
    const bad = expectError(await c.raw('students.enrolFirstGraders', { order, classId: first.id, date: '2026-09-01', rows: [
      { lastName: 'Ершов', firstName: 'Егор', birthDate: '2019-03-04', sex: 'М' },
      { lastName: 'Жукова', firstName: 'Жанна', birthDate: '2019-05-06', sex: 'Ж', snils: '112-233-445 96' },
    ] }), 'validation');
    expect(bad.message).toMatch(/^Не записан ни один ученик: строка 2 — /);
    expect(Object.keys(bad.fields ?? {})).toEqual(['rows.1.snils']);
    expect(count(c.backend.db as never, 'students')).toBe(before);
    const r = await c.call('students.enrolFirstGraders', { order, classId: first.id, date: '2026-09-01', rows: [
      { lastName: 'Ершов', firstName: 'Егор', birthDate: '2019-03-04', sex: 'М' },
      { lastName: 'Жукова', firstName: 'Жанна', middleName: 'Петровна', birthDate: '2019-05-06', sex: 'Ж' },
    ] });
    expect(r.enrolled).toBe(2);
    expect(r.students.map((s) => s.fullName)).toEqual(['Ершов Егор', 'Жукова Жанна Петровна']);
    const book = await c.call('orders.book', { query: '1-у' });
    expect(book.rows).toEqual([expect.objectContaining({ number: '1-у', studentCount: 2, kind: 'enrolment' })]);
  });

  it('first graders from a workbook: the students import enrols each pupil it adds by one order; a refused enrolment writes no one', async () => {
    const next = (await c.call('years.list', {} as never)).find((y) => y.name === '2026/2027')!;
    const first = (await c.call('classes.list', { yearId: next.id })).find((k) => k.name === '1А')!;
    const file = await writeBook(scratchDir(), 'Первоклассники.xlsx', { 'Приём': [
      ['ФИО', 'Дата рождения', 'Пол'],
      ['Зотов Захар Ильич', '10.02.2019', 'М'],
      ['Иванова Ирина Олеговна', '20.08.2019', 'Ж'],
    ] });
    const args = { kind: 'students' as const, fileName: 'Первоклассники.xlsx', dataBase64: fs.readFileSync(file).toString('base64') };
    const before = hash();
    // the enrolment date before June of the year: refused, and the cards are not written either
    const bad = expectError(await c.raw('import.commit', { ...args, enrolment: { order: { number: '2-у', date: '2026-06-20' }, classId: first.id, date: '2026-05-01' } }), 'validation');
    expect(bad.message).toMatch(/Лист «Приём», строка 2: Дата зачисления раньше июня 2026/);
    expect(hash()).toBe(before);
    const r = await c.call('import.commit', { ...args, enrolment: { order: { number: '2-у', date: '2026-06-20' }, classId: first.id, date: '2026-09-01' } });
    expect(r).toMatchObject({ added: 2, enrolled: 2, written: true });
    expect((await c.call('classes.students', { classId: first.id })).map((s) => s.fullName)).toEqual(
      expect.arrayContaining(['Зотов Захар Ильич', 'Иванова Ирина Олеговна']));
    expect((await c.call('orders.book', { query: '2-у' })).rows).toEqual([expect.objectContaining({ number: '2-у', studentCount: 2 })]);
    // marks are not enrolled
    expectError(await c.raw('import.commit', { ...args, kind: 'marks', year: '2026/2027', enrolment: { order: { number: '3-у', date: '2026-06-20' }, classId: first.id, date: '2026-09-01' } }), 'validation', 'enrolment');
  });
});

describe('promote first, then open the next year: the started year is completed', () => {
  let c: Client & { dbPath: string };
  const t: Record<string, number> = {};
  const subj: Record<string, number> = {};
  let yearId = 0, nextId = 0;
  const pupil: Record<string, string> = {};
  const hash = () => contentHash(c.backend.db as never, ['audit_log']);
  const classesOfNext = () => c.backend.db.prepare(`SELECT c.id, c.parallel || c.letter AS k, c.homeroom_teacher_id AS teacher, c.shift,
      (SELECT count(*) FROM curriculum cu WHERE cu.class_id = c.id) AS subjects,
      (SELECT count(*) FROM class_memberships m WHERE m.class_id = c.id AND m.end_date IS NULL) AS pupils
    FROM classes c WHERE c.year_id = ? ORDER BY c.parallel, c.letter`).all(nextId) as Array<{ id: number; k: string; teacher: number | null; shift: number; subjects: number; pupils: number }>;

  beforeAll(async () => {
    c = await adminClient(scratchDir());
    await c.call('school.update', SCHOOL);
    yearId = (await c.call('years.create', { name: '2025/2026' })).id;
    for (const [key, lastName, position] of [['p1', 'Антонова', 'Учитель начальных классов'], ['p2', 'Борисова', 'Учитель начальных классов'],
      ['s2', 'Дмитриев', 'Учитель']] as const) {
      t[key] = (await c.call('staff.create', { lastName, firstName: 'Ирина', position, subjectIds: [] })).id;
    }
    for (const [key, name] of [['math', 'Математика'], ['rus', 'Русский язык'], ['hist', 'История'], ['world', 'Окружающий мир']] as const) {
      subj[key] = (await c.call('subjects.create', { name, shortName: name.slice(0, 4), cityRegisterId: `Y-${key}`, federalCode: `y${key}` })).id;
    }
    const mk = async (parallel: number, teacher: number, shift: number, subjects: number[]) => {
      const k = await c.call('classes.create', { yearId, parallel, letter: 'А', homeroomTeacherId: teacher, shift });
      await c.call('curriculum.set', { classId: k.id, subjectIds: subjects });
      return k.id;
    };
    const c1 = await mk(1, t.p1, 1, [subj.math, subj.rus, subj.world]);
    const c4 = await mk(4, t.p2, 2, [subj.math, subj.rus, subj.world]);
    await mk(11, t.s2, 1, [subj.math, subj.rus, subj.hist]);
    for (const [lastName, classId, birthDate] of [['Фомин', c1, '2018-04-01'], ['Хохлова', c4, '2015-04-01']] as const) {
      pupil[lastName] = (await c.call('students.create', studentInput({ lastName, birthDate }))).id;
      await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: pupil[lastName], classId, date: '2025-09-01' });
    }
    await c.call('grades.set', { classId: c4, cells: [subj.math, subj.rus, subj.world].map((subjectId) =>
      ({ studentId: pupil.Хохлова, subjectId, slot: 'annual' as const, periodId: null, mark: '5' })) });
    await c.call('curriculum.setTemplate', { grade: 2, subjectIds: [subj.math, subj.rus, subj.world] });
    nextId = (await c.call('years.create', { name: '2026/2027' })).id;
    // the clerk promotes first: 2А and 5А made by the promotion, teachers and shifts copied
    const r = await c.call('orders.promote', { order: { number: '10-п', date: '2026-05-30' }, fromYearId: yearId, toYearId: nextId, date: '2026-05-30' });
    expect(r).toMatchObject({ promoted: 2, classesCreated: 2 });
    // and makes a class by hand, with no curriculum
    await c.call('classes.create', { yearId: nextId, parallel: 2, letter: 'Б' });
  }, 120_000);
  afterAll(() => c?.backend.close());

  it('the preview shows the classes there are, with their pupils, and what opening adds or changes; nothing written', async () => {
    expect(classesOfNext()).toMatchObject([{ k: '2А', teacher: t.p1, pupils: 1 }, { k: '2Б', teacher: null, subjects: 0, pupils: 0 },
      { k: '5А', teacher: t.p2, shift: 2, pupils: 1 }]);
    const before = hash();
    const p = await c.call('years.nextPreview', { fromYearId: yearId, firstGradeClasses: 1 });
    expect(hash()).toBe(before);
    expect(p).toMatchObject({ yearName: '2026/2027', yearExists: true, existingClasses: 3, graduating: ['11А'] });
    expect(p.classes.map((k) => `${k.fromClass ?? '—'}→${k.name}:${k.action}`)).toEqual(['—→1А:create', '1А→2А:keep', '—→2Б:update', '4А→5А:update']);
    const by = Object.fromEntries(p.classes.map((k) => [k.name, k]));
    expect(by['2А']).toMatchObject({ pupils: 1, homeroomTeacherId: t.p1, curriculumSource: 'existing', changes: [] });
    expect(by['2Б']).toMatchObject({ pupils: 0, curriculumSource: 'template', subjects: ['Математика', 'Окружающий мир', 'Русский язык'] });
    expect(by['2Б'].changes).toEqual([expect.stringMatching(/^учебный план: 3 предм\. \(шаблон параллели\)/)]);
    // the primary teacher copied by the promotion does not follow the class into 5th grade; the shift copied is proposed
    expect(by['5А']).toMatchObject({ existingClassId: classesOfNext()[2].id, pupils: 1, homeroomTeacherId: t.s2, shift: 1, curriculumSource: 'existing' });
    expect(by['5А'].changes).toEqual(['классный руководитель: Борисова Ирина → Дмитриев Ирина', 'смена: 2 → 1']);
    expect(by['5А'].notes.join(' ')).toMatch(/класс уже есть \(учеников: 1\): не удаляется и не переименовывается/);
    expect(by['1А']).toMatchObject({ action: 'create', homeroomTeacherId: t.p2, subjects: ['Математика', 'Окружающий мир', 'Русский язык'] });
  });

  it('confirming applies only those: the pupils stay in their classes, none renamed; run again, nothing changes and it says so', async () => {
    const kept = classesOfNext();
    const r = await c.call('years.openNext', { fromYearId: yearId, firstGradeClasses: 1 });
    expect(r.classes.map((k) => k.name)).toEqual(['1А']);
    expect(r.updated.map((k) => k.name)).toEqual(['2Б', '5А']);
    const after = classesOfNext();
    for (const k of kept) expect(after.find((x) => x.id === k.id)).toMatchObject({ k: k.k, pupils: k.pupils });
    expect(after.map(({ k, teacher, shift, subjects, pupils }) => ({ k, teacher, shift, subjects, pupils }))).toEqual([
      { k: '1А', teacher: t.p2, shift: 1, subjects: 3, pupils: 0 }, { k: '2А', teacher: t.p1, shift: 1, subjects: 3, pupils: 1 },
      { k: '2Б', teacher: null, shift: 1, subjects: 3, pupils: 0 }, { k: '5А', teacher: t.s2, shift: 1, subjects: kept[2].subjects, pupils: 1 }]);
    expect((await c.call('classes.students', { classId: kept[2].id })).map((s) => s.fullName)).toEqual([expect.stringMatching(/^Хохлова /)]);
    const before = hash();
    const again = expectError(await c.raw('years.openNext', { fromYearId: yearId, firstGradeClasses: 1 }), 'validation', 'fromYearId');
    expect(again.message).toMatch(/2026\/2027 учебный год уже открыт полностью: все его классы \(4\) уже есть/);
    expect(hash()).toBe(before);
  });
});
