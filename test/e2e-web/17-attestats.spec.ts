// The June flow of «Аттестаты» (issue 17) in Chromium: a clerk computes the finals of an 11th class by the rules and
// writes them into the ledger, prints the class on blank forms (one PDF: each graduate's title and appendix at 297 × 210
// mm), looks at a graduate's blank drawn on its layout, declares one blank spoiled and reprints it on the next (the old
// one written off with the reason), issues one attestat, and prints the книга учёта that lists both. Blanks «с отличием»
// are received first, as a delivery of their own kind (no graduate here is «с отличием»: nothing is printed on them).
// Self-contained: its own years (2040/2041 → 2041/2042), classes 10Э → 11Э, students, blanks of series «41 ЭЮ».
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { AttestatBlanksPage } from './pages/AttestatBlanksPage';
import { AttestatsPage } from './pages/AttestatsPage';
import { collectConsoleErrors, shot } from './screens';

const Y10 = '2040/2041';
const Y11 = '2041/2042';
const SERIES = '41 ЭЮ';
const CLERK = { login: 'clerk-june', fullName: 'Кузнецова Алла Олеговна', password: 'Clerk-june-2042' };
const PEOPLE = [
  { lastName: 'Эйдельман', firstName: 'Арина', middleName: 'Олеговна', birthDate: '2024-03-05', sex: 'Ж' as const },
  { lastName: 'Эрдниев', firstName: 'Батр', middleName: 'Сергеевич', birthDate: '2024-06-11', sex: 'М' as const },
  { lastName: 'Эсаулова', firstName: 'Вера', middleName: 'Ильинична', birthDate: '2024-09-21', sex: 'Ж' as const },
];
const NAMES = PEOPLE.map((p) => `${p.lastName} ${p.firstName} ${p.middleName}`);
const pdfText = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

async function seed(api: Api) {
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const y10 = years.find((y) => y.name === Y10) ?? await api.call('years.create', { name: Y10 });
  const y11 = years.find((y) => y.name === Y11) ?? await api.call('years.create', { name: Y11 });
  const subjects = await api.call('subjects.list', {});
  const subject = async (name: string, shortName: string) => subjects.find((s) => s.name === name) ?? await api.call('subjects.create', { name, shortName });
  const plan = [await subject('Русский язык', 'Рус.'), await subject('Алгебра', 'Алг.'), await subject('Физика', 'Физ.')];
  const c10 = (await api.call('classes.list', { yearId: y10.id })).find((c) => c.name === '10Э') ?? await api.call('classes.create', { yearId: y10.id, parallel: 10, letter: 'Э' });
  const c11 = (await api.call('classes.list', { yearId: y11.id })).find((c) => c.name === '11Э') ?? await api.call('classes.create', { yearId: y11.id, parallel: 11, letter: 'Э' });
  if ((await api.call('classes.students', { classId: c11.id })).length) return; // seeded by an earlier run of this spec
  await api.call('curriculum.set', { classId: c10.id, subjectIds: plan.map((s) => s.id) });
  await api.call('curriculum.set', { classId: c11.id, subjectIds: plan.map((s) => s.id) });
  const ids: string[] = [];
  for (const p of PEOPLE) {
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: `${p.lastName}-у`, date: '2040-09-01', confirmFuture: true }, studentId: s.id, classId: c10.id, date: '2040-09-01' });
    ids.push(s.id);
  }
  // 10th and 11th: halves and annual, 5 for the first, 4 for the second, 4 4 5 for the third (mean 4,33 → 4)
  const marksOf = (i: number, col: number) => (i === 0 ? '5' : i === 1 ? '4' : col === 2 ? '5' : '4');
  const write = async (classId: number) => {
    const grid = await api.call('grades.grid', { classId });
    const cols = grid.columns.filter((c) => c.slot === 'period' || c.slot === 'annual');
    await api.call('grades.set', { classId, cells: ids.flatMap((studentId, i) => plan.flatMap((su) => cols.map((c, k) => ({
      studentId, subjectId: su.id, slot: c.slot as 'period' | 'annual', periodId: c.periodId, mark: marksOf(i, k) })))) });
  };
  await write(c10.id);
  await api.call('orders.promote', { order: { number: '41-п', date: '2041-06-30', confirmFuture: true }, fromYearId: y10.id, toYearId: y11.id });
  await write(c11.id);
  await api.call('attestats.receiveForms', { kind: 11, series: SERIES, firstNumber: 1, lastNumber: 6, receivedOn: '2042-05-20', document: 'Накладная № 41 от 20.05.2042' });
  await api.attempt('users.create', { ...CLERK, role: 'clerk' });
}

test('June: a clerk computes the finals of an 11th class, prints it on blanks, reprints a spoiled blank, issues an attestat and prints the book', async ({ page, request }) => {
  test.setTimeout(180_000);
  const consoleErrors = await collectConsoleErrors(page);
  await seed(await new Api(request).asAdmin());
  const app = new App(page);
  const att = new AttestatsPage(page);
  const june = new AttestatBlanksPage(page);

  await app.launch();
  if (await app.nav.isVisible()) await app.signOut();
  await app.signIn(CLERK.login, CLERK.password);
  await app.goTo('Аттестаты');
  await att.pickYear(Y11);

  // ---- blanks «с отличием»: a form of their own, received as a delivery of that kind, shown by kind in words ----
  await att.receive({ kind: 11, honours: true, series: '41 ЭО', first: '1', last: '2', date: '20.05.2042', document: 'Накладная № 42 от 20.05.2042' });
  await expect(att.done).toHaveText('Оприходовано 2 бланка серии 41 ЭО: аттестат о среднем общем образовании с отличием');
  await expect(att.form('41 ЭО № 000001').getByTestId('form-kind')).toHaveText('аттестат о среднем общем образовании с отличием');
  await expect(att.form(`${SERIES} № 000001`).getByTestId('form-kind')).toHaveText('аттестат о среднем общем образовании');

  // ---- the finals by the rules, into the ledger ----
  await june.applyFinals('11Э');
  await expect(page.getByTestId('finals-changes')).toHaveText('Все итоговые отметки уже в ведомости.');

  // ---- the class on blanks ----
  await june.blanks.getByTestId('blanks-class').selectOption({ label: '11Э' });
  await expect(june.rows).toHaveCount(3);
  for (const n of NAMES) await expect(june.row(n).getByTestId('blanks-number')).toHaveText('не напечатан');
  await june.blanks.getByLabel('Дата выдачи (печатается на бланке)').fill('25.06.2042');
  const batch = await june.download(june.blanks.getByTestId('blanks-print'));
  await expect(june.blanks.getByTestId('blanks-done')).toContainText('Напечатано аттестатов: 3 (новых бланков взято: 3)');
  expect(execFileSync('pdfinfo', [batch.path], { encoding: 'utf8' })).toMatch(/Pages:\s+6[\s\S]*Page size:\s+841\.89 x 595\.2/);
  const text = pdfText(batch.path);
  for (const n of ['Эйдельман', 'Эрдниев', 'Эсаулова']) expect(text).toContain(n);
  expect(text).toContain('5 (отлично)');
  expect(text).toContain('25 июня 2042 года');
  for (const [i, n] of NAMES.entries()) await expect(june.row(n).getByTestId('blanks-number')).toHaveText(`${SERIES} № 00000${i + 1}`);

  // ---- the preview: the blank's layout with the graduate's text ----
  await june.row(NAMES[0]).getByRole('button', { name: 'Просмотр' }).click();
  await expect(page.getByTestId('blank-drawing')).toHaveCount(2);
  await expect(page.getByTestId('blank-preview')).toContainText('Эйдельман');
  await expect(page.locator('[data-layout="appendix-11-2020"] text[data-field="attestatNumber"]')).toHaveText(`${SERIES} № 000001`);
  await shot(page, '17-attestat-blank-preview');

  // ---- a spoiled blank: written off with the reason, the next one printed ----
  await june.row(NAMES[2]).getByRole('button', { name: 'Бланк испорчен…' }).click();
  const form = page.getByTestId('reprint-form');
  await form.getByLabel('Почему бланк испорчен').fill('замятие бумаги в принтере');
  await form.getByLabel('Дата списания').fill('24.06.2042');
  const reprint = await june.download(form.getByRole('button', { name: 'Списать бланк и напечатать на следующем' }));
  expect(reprint.name).toContain('Эсаулова');
  await expect(june.blanks.getByTestId('blanks-done')).toHaveText(
    `Бланк ${SERIES} № 000003 списан как испорченный («замятие бумаги в принтере»); аттестат напечатан на бланке ${SERIES} № 000004.`);
  await expect(june.row(NAMES[2]).getByTestId('blanks-number')).toHaveText(`${SERIES} № 000004`);

  // ---- the issue: the printed blank, its date, into the book ----
  await june.row(NAMES[0]).getByRole('button', { name: 'Выдать…' }).click();
  await page.getByTestId('blank-issue-form').getByRole('button', { name: 'Выдать и записать в книгу' }).click();
  await expect(june.blanks.getByTestId('blanks-done')).toContainText(`${NAMES[0]}: аттестат выдан`);
  await expect(june.row(NAMES[0])).toHaveAttribute('data-state', 'issued');

  // ---- the книга учёта: the issued attestat, the spoiled blank with its reason ----
  await page.reload();
  await att.pickYear(Y11);
  await expect(att.issued.getByTestId('attestat-row').filter({ hasText: NAMES[0] })).toContainText(`${SERIES} № 000001`);
  const book = await att.download(page.getByRole('button', { name: 'Печать книги учёта за год' }));
  const bookText = pdfText(book.path);
  expect(bookText).toMatch(new RegExp(`${NAMES[0]} 05\\.03\\.2024 .*${SERIES} № 000001 25\\.06\\.2042`));
  expect(bookText).toContain(`${SERIES} № 000003 `);
  expect(bookText).toContain('испорчен при печати: замятие бумаги в принтере');
  await shot(page, '17-attestats-june');
  expect(consoleErrors).toEqual([]);
});
