// A school to seal, built through the real API on a real register file: 5А (Математика with an exam, Русский язык;
// three students, one of whom moved to 5Б in January) and 5Б (Математика; the moved student and one more), every
// cell of everyone still in the class marked, absences entered. Shared by the seal, verify and CLI tests.
import { adminClient, smallSchool, tempDir, type Client } from '../helpers/register.ts';

export const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»', shortName: 'ГБОУ Школа № 1535',
  inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', address: 'Москва, ул. Усачёва, д. 50', director: 'Смирнова Елена Викторовна', regionCode: '77',
};

export async function sealingSchool(dir = tempDir('sr-ledgers-')) {
  const c = await adminClient(dir);
  const s = await smallSchool(c);
  await c.call('school.update', SCHOOL);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
  await c.call('curriculum.set', { classId: s.b.id, subjectIds: [s.math.id] });
  await c.call('exams.set', { classId: s.a.id, subjectIds: [s.math.id] });
  const student = async (lastName: string, firstName: string, middleName: string, classId: number) => {
    const st = await c.call('students.create', { lastName, firstName, middleName, birthDate: '2014-04-01', sex: firstName.endsWith('а') ? 'Ж' : 'М' });
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId, date: '2025-09-01' });
    return st;
  };
  const ivanov = await student('Иванов', 'Пётр', 'Сергеевич', s.a.id);
  const orlova = await student('Орлова', 'Анна', 'Игоревна', s.a.id);
  const yakovlev = await student('Яковлев', 'Ян', 'Ильич', s.a.id);
  const belova = await student('Белова', 'Мария', 'Олеговна', s.b.id);
  const grid = await c.call('grades.grid', { classId: s.a.id });
  const periods = grid.columns.filter((k) => k.slot === 'period').map((k) => k.periodId!);
  // Яковлев's first two quarters in 5А, then he moves to 5Б.
  await c.call('grades.set', { classId: s.a.id, cells: [s.math.id, s.rus.id].flatMap((subjectId) => periods.slice(0, 2).map((periodId) => ({
    studentId: yakovlev.id, subjectId, slot: 'period' as const, periodId, mark: '3' }))) });
  await c.call('orders.transfer', { order: { number: '7-п', date: '2026-01-12' }, studentId: yakovlev.id, toClassId: s.b.id, date: '2026-01-12' });
  await fillClass(c, s.a.id, { [ivanov.id]: '5', [orlova.id]: '4' });
  await fillClass(c, s.b.id, { [yakovlev.id]: '3', [belova.id]: '5' });
  await c.call('attendance.set', { classId: s.a.id, rows: [{ studentId: ivanov.id, periodId: periods[0], missed: 12, missedValid: 10 },
    { studentId: ivanov.id, periodId: periods[1], missed: 3, missedValid: 0 }, { studentId: orlova.id, periodId: periods[2], missed: 6, missedValid: 6 }] });
  return { c, s, dir, periods, students: { ivanov, orlova, yakovlev, belova } };
}

/** Fills every empty cell of the students still in the class with their mark. */
export async function fillClass(c: Client, classId: number, markOf: Record<string, string>) {
  const g = await c.call('grades.grid', { classId });
  const have = new Set(g.marks.map((m) => `${m.studentId}:${m.subjectId}:${m.column}`));
  const cells = g.students.filter((st) => st.inClass && markOf[st.id]).flatMap((st) => g.subjects.flatMap((sub) => g.columns
    .filter((col) => (col.slot !== 'exam' || sub.hasExam) && !have.has(`${st.id}:${sub.id}:${col.key}`))
    .map((col) => ({ studentId: st.id, subjectId: sub.id, slot: col.slot, periodId: col.periodId, mark: markOf[st.id] }))));
  if (cells.length) await c.call('grades.set', { classId, cells });
}

export type SealingSchool = Awaited<ReturnType<typeof sealingSchool>>;
