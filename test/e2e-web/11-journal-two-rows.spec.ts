// Issue 16 end to end: a clerk imports a journal made by LibreOffice whose header is two rows (each subject merged
// over its periods «1 четв.», «2 четв.», «Год»), reviews the list of marks it would write — «ФИО — предмет, период:
// было → станет» — leaves one change out, commits, and the mark left out is still the register's.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { ImportPage } from './pages/ImportPage';
import { JOURNAL_LAYOUTS, makeWithLibreOffice, type Journal } from '../fixtures/journals';

const PEOPLE = [
  { lastName: 'Рябинина', firstName: 'Ульяна', middleName: 'Сергеевна', birthDate: '2012-03-11', sex: 'Ж' as const },
  { lastName: 'Тихонов', firstName: 'Глеб', middleName: 'Романович', birthDate: '2012-08-27', sex: 'М' as const },
];
const fio = (p: (typeof PEOPLE)[number]) => `${p.lastName} ${p.firstName} ${p.middleName}`;

async function seed(api: Api) {
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2026/2027') ?? await api.call('years.create', { name: '2026/2027' });
  const subjects = await api.call('subjects.list', {});
  const bio = subjects.find((s) => s.name === 'Биология') ?? await api.call('subjects.create', { name: 'Биология', shortName: 'Биол.', cityRegisterId: 'MSK-0161', federalCode: '17' });
  const geo = subjects.find((s) => s.name === 'География') ?? await api.call('subjects.create', { name: 'География', shortName: 'Геогр.', cityRegisterId: 'MSK-0162', federalCode: '18' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.parallel === 7 && c.letter === 'Д') ?? await api.call('classes.create', { yearId: year.id, parallel: 7, letter: 'Д' });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [bio.id, geo.id] });
  const inClass = await api.call('classes.students', { classId: klass.id });
  const ids: string[] = [];
  for (const p of PEOPLE) {
    const there = inClass.find((s) => s.fullName.startsWith(p.lastName));
    if (there) { ids.push(there.id); continue; }
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: '77-у', date: '2026-09-01' }, studentId: s.id, classId: klass.id, date: '2026-09-01' });
    ids.push(s.id);
  }
  // the register already has Тихонов's biology for the 1st quarter: «3»; the journal says «4»
  const grid = await api.call('grades.grid', { classId: klass.id });
  const q1 = grid.columns.find((c) => c.slot === 'period' && c.number === 1)!;
  await api.call('grades.set', { classId: klass.id, cells: [{ studentId: ids[1], subjectId: bio.id, slot: 'period', periodId: q1.periodId, mark: '3' }] });
  return { classId: klass.id, bio, q1, ids };
}

/** The 7Д journal, two header rows, made by LibreOffice from flat ODS. */
async function journal(): Promise<Buffer> {
  const j: Journal = {
    className: '7Д',
    students: PEOPLE.map((p) => ({ fio: fio(p), birth: p.birthDate })),
    subjects: [{ name: 'Биология', periods: ['1 четв.', '2 четв.', 'Год'] }, { name: 'География', periods: ['1 четв.', '2 четв.', 'Год'] }],
    mark: (i, s, p) => (i === 1 && s === 0 && p === 0 ? '4' : p === 2 ? null : String(5 - i)),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-lo-journal-'));
  try {
    const made = await makeWithLibreOffice(dir, { 'journal-7d': JOURNAL_LAYOUTS['two-row-merged'](j) });
    return fs.readFileSync(made['journal-7d']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a two-row-header journal from LibreOffice: the old → new list reviewed, one row excluded, the rest written', async ({ page, request }) => {
  test.setTimeout(180_000);
  const api = await new Api(request).asAdmin();
  const { classId, bio, q1, ids } = await seed(api);
  const bytes = await journal();

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Импорт из журнала');
  const imp = new ImportPage(page);
  await page.getByLabel('Учебный год оценок').selectOption({ label: '2026/2027' });
  await imp.upload('оценки', 'Журнал 7Д.xlsx', bytes);

  // the two header rows are one header: the data start under the second, each column a subject's period
  await expect(imp.preview).toContainText('Лист «7Д», строка заголовка 2');
  await expect(imp.column('D')).toContainText('Биология / 1 четв.');
  await expect(imp.rejected).toHaveCount(0);
  await expect(imp.count('Добавить')).toHaveText('7');
  await expect(imp.count('Изменить')).toHaveText('1');

  const changes = page.getByTestId('import-changes');
  await expect(changes).toContainText('Что будет записано: 8 оценок');
  const changed = `${fio(PEOPLE[1])} — Биология, 1 четверть: 3 → 4`;
  await expect(changes).toContainText(changed);
  await expect(changes).toContainText(`${fio(PEOPLE[0])} — География, 2 четверть: — → 5`);
  // filtered to the changes of marks only, then the one row left out
  await page.getByLabel('Изменение', { exact: true }).selectOption({ label: 'замена оценки' });
  await expect(changes.locator('tbody tr')).toHaveCount(1);
  await changes.getByRole('checkbox', { name: `Записать: ${changed}` }).uncheck();
  await expect(page.getByTestId('import-excluded')).toContainText('Исключено из записи: 1 оценка');
  await page.getByLabel('Изменение', { exact: true }).selectOption({ label: 'все' });
  await expect(changes.locator('tbody tr')).toHaveCount(8);
  await expect(changes.getByRole('checkbox', { name: `Записать: ${changed}` })).not.toBeChecked();

  await imp.commit();
  await expect(imp.result).toContainText('добавлено 7, изменено 0');
  await expect(imp.result).toContainText('Исключено по вашему выбору и не записано: 1');

  // the excluded mark is the register's «3»; the rest of the journal is in
  const grid = await api.call('grades.grid', { classId });
  const mark = (student: string, subject: number, column: string) => grid.marks.find((m) => m.studentId === student && m.subjectId === subject && m.column === column)?.mark;
  expect(mark(ids[1], bio.id, q1.key)).toBe('3');
  expect(mark(ids[0], bio.id, q1.key)).toBe('5');
  expect(grid.marks.filter((m) => ids.includes(m.studentId))).toHaveLength(8);
});
