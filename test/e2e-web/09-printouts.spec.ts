// Certified printouts from the screens a clerk uses (issue 4, "Certified printouts with the same verification code"):
// a справка об обучении from the student card (the saved PDF names the student and carries the code shown, and the
// code verifies), pages of the алфавитная книга for a letter, and the «Аттестаты» screen — blank forms received by
// series and range, an attestat issued on one, another spoiled, the forms' states, refusals shown at their field,
// and the year's книга учёта выданных аттестатов with the form's series and number. The printouts already made are
// listed on «Проверка документа» and download again as the same file.
// Self-contained: its own year (2034/2035), class and students, seeded through the API.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { SCREENS_DIR } from './env';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { AttestatsPage } from './pages/AttestatsPage';
import { VerifyPage } from './pages/VerifyPage';
import { collectConsoleErrors, shot } from './screens';

const YEAR = '2034/2035';
const CLERK = { login: 'clerk-printouts', fullName: 'Соколова Марина Ильинична', password: 'Clerk-printouts-2034' };
const ARCHIVIST = { login: 'archive-printouts', fullName: 'Полякова Нина Фёдоровна', password: 'Archive-printouts-2034' };
const PEOPLE = [
  { lastName: 'Цветкова', firstName: 'Злата', middleName: 'Игоревна', birthDate: '2019-02-11', sex: 'Ж' as const },
  { lastName: 'Цыганов', firstName: 'Ярослав', middleName: 'Андреевич', birthDate: '2019-07-30', sex: 'М' as const },
];
const NAMES = PEOPLE.map((p) => `${p.lastName} ${p.firstName} ${p.middleName}`);
const SERIES = '034';
const HONOURS_SERIES = '035'; // blanks «с отличием»: a form of their own (migration 0022)

/** The PDF's text with runs of spaces and line breaks as one space. */
const pdfText = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

async function seed(api: Api) {
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === YEAR) ?? await api.call('years.create', { name: YEAR });
  const subjects = await api.call('subjects.list', {});
  const math = subjects.find((s) => s.name === 'Математика') ?? await api.call('subjects.create', { name: 'Математика', shortName: 'Мат.' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.name === '9Ц') ?? await api.call('classes.create', { yearId: year.id, parallel: 9, letter: 'Ц' });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [math.id] });
  const inClass = await api.call('classes.students', { classId: klass.id });
  const ids: string[] = [];
  for (const p of PEOPLE) {
    const there = inClass.find((s) => s.fullName === `${p.lastName} ${p.firstName} ${p.middleName}`);
    if (there) { ids.push(there.id); continue; }
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: '34-у', date: '2034-09-01', confirmFuture: true }, studentId: s.id, classId: klass.id, date: '2034-09-01' });
    ids.push(s.id);
  }
  const grid = await api.call('grades.grid', { classId: klass.id });
  await api.call('grades.set', { classId: klass.id, cells: ids.flatMap((studentId, i) => grid.columns.filter((c) => c.slot !== 'exam')
    .map((c) => ({ studentId, subjectId: math.id, slot: c.slot, periodId: c.periodId, mark: i === 0 ? '5' : '4' }))) });
  await api.attempt('users.create', { ...CLERK, role: 'clerk' });
  await api.attempt('users.create', { ...ARCHIVIST, role: 'archivist' });
}

test('a clerk prints a справка, pages of the алфавитная книга, receives, issues and spoils attestat forms and prints the year\'s book', async ({ page, request }) => {
  test.setTimeout(120_000);
  const consoleErrors = await collectConsoleErrors(page);
  await seed(await new Api(request).asAdmin());
  const app = new App(page);
  const verify = new VerifyPage(page);
  const att = new AttestatsPage(page);

  await app.launch();
  if (await app.nav.isVisible()) await app.signOut();
  await app.signIn(CLERK.login, CLERK.password);

  // ---- the справка об обучении from the student card ----
  await app.goTo('Ученики');
  await page.getByTestId('student-search').fill('Цветкова Злата');
  await page.getByRole('link', { name: NAMES[0] }).click();
  const printCert = page.getByRole('toolbar', { name: 'Действия' }).getByRole('button', { name: 'Справка об обучении' });
  const cert = await att.download(printCert);
  const code = (await page.getByTestId('printout-done').getByTestId('printout-code').innerText()).trim();
  expect(code).toMatch(/^[0-9A-F]{8}-v1$/);
  expect(cert.download.suggestedFilename()).toBe(`Справка об обучении — ${NAMES[0]} — ${code}.pdf`);
  expect(cert.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const certText = pdfText(cert.path);
  expect(certText).toContain(NAMES[0]);
  expect(certText).toContain(`Код проверки: ${code}`);
  await shot(page, '60-student-card-certificate');

  // the code verifies on «Проверка документа», reached by the link beside it
  await page.getByTestId('printout-done').getByRole('link', { name: 'Проверить код' }).click();
  await expect(verify.result).toContainText(code);
  await expect(verify.badges).toContainText('Заверенный документ');
  await expect(verify.badges).toContainText('Текущая версия');
  await expect(verify.badges).toContainText('Данные реестра совпадают');
  await expect(page.getByTestId('verify-facts')).toContainText('Справка об обучении');

  // ---- pages of the алфавитная книга for the letter Ц ----
  await app.goTo('Алфавитная книга');
  await page.getByRole('navigation', { name: 'Буква' }).getByRole('button', { name: 'Ц', exact: true }).click();
  for (const name of NAMES) await expect(page.getByTestId('book-row').filter({ hasText: name })).toBeVisible();
  const bookPages = await att.download(page.getByRole('button', { name: 'Печать страниц на букву Ц' }));
  const bookCode = (await page.getByTestId('printout-code').innerText()).trim();
  expect(bookPages.download.suggestedFilename()).toBe(`Алфавитная книга — буква Ц — ${bookCode}.pdf`);
  const bookText = pdfText(bookPages.path);
  for (const name of NAMES) expect(bookText).toContain(name);
  expect(bookText).toContain(`Код проверки: ${bookCode}`);
  await shot(page, '61-alphabet-book-printed');

  // ---- «Аттестаты»: blank forms received by series and range ----
  await app.goTo('Аттестаты');
  await att.pickYear(YEAR);
  await expect(att.issued).toContainText('В этом учебном году аттестаты не выдавались.');
  await att.receive({ kind: 9, series: SERIES, first: '1001', last: '1005', date: '10.06.2035', document: 'Накладная № 17 от 10.06.2035' });
  await expect(att.done).toHaveText(`Оприходовано 5 бланков серии ${SERIES}: аттестат об основном общем образовании`);
  for (let n = 1001; n <= 1005; n++) await expect(att.form(`${SERIES} № 00${n}`).getByTestId('form-state')).toHaveText('не использован');
  await expect(att.form(`${SERIES} № 001001`)).toContainText('10.06.2035, Накладная № 17 от 10.06.2035');
  // the same numbers again: refused at the first number, with the backend's sentence; nothing added
  await att.receive({ kind: 9, series: SERIES, first: '1005', last: '1006', date: '11.06.2035', document: 'Накладная № 18' });
  await expect(att.receiveForm.getByTestId('error-firstNumber')).toHaveText(`Бланки ${SERIES} № 001005 уже получены ранее: один номер бланка учитывается один раз`);
  await expect(att.form(`${SERIES} № 001006`)).toHaveCount(0);
  await shot(page, '65-attestat-forms-receive-refused');
  await att.receiveForm.getByRole('button', { name: 'Отмена' }).click();
  await att.receive({ kind: 9, honours: true, series: HONOURS_SERIES, first: '1001', last: '1001', date: '10.06.2035', document: 'Накладная № 19 от 10.06.2035' });
  await expect(att.done).toHaveText(`Оприходовано 1 бланк серии ${HONOURS_SERIES}: аттестат об основном общем образовании с отличием`);

  // ---- issuing: a number outside the received range is refused at the number field ----
  await att.startIssue('Цветкова', NAMES[0]);
  await expect(att.issueForm.getByLabel('Получатель (ФИО)')).toHaveValue(NAMES[0]);
  // the blank offered is the first unused one of the kind chosen: ordinary, «с отличием» (a form of its own), none
  const f = att.issueForm;
  await expect(f.getByLabel('Серия бланка')).toHaveValue(SERIES);
  await expect(f.getByLabel('Номер бланка')).toHaveValue('1001');
  await expect(f).toContainText('Первый неиспользованный бланк этого вида');
  await f.getByLabel('С отличием').check();
  await expect(f.getByLabel('Серия бланка')).toHaveValue(HONOURS_SERIES);
  await expect(f.getByLabel('Номер бланка')).toHaveValue('1001');
  await f.getByLabel('О среднем общем образовании (11 класс)').check();
  await expect(f.getByLabel('Серия бланка')).toHaveValue('');
  await expect(f).toContainText('Неиспользованных бланков (среднее общее (11 кл.), с отличием) нет: введите серию и номер бланка');
  await f.getByLabel('Об основном общем образовании (9 класс)').check();
  await f.getByLabel('С отличием').uncheck();
  await expect(f.getByLabel('Серия бланка')).toHaveValue(SERIES);
  await att.fillIssue({ series: SERIES, number: '1009', date: '25.06.2035', honours: true });
  await att.issueForm.getByRole('button', { name: 'Выдать' }).click();
  await expect(att.issueForm.getByTestId('error-number')).toContainText(`Бланка ${SERIES} № 001009 нет среди полученных`);
  await expect(att.issueForm.getByLabel('Номер бланка')).toHaveAttribute('aria-invalid', 'true');
  await shot(page, '62-attestat-issue-refused');
  await att.issueForm.getByLabel('Номер бланка').fill('1001');
  await att.issueForm.getByRole('button', { name: 'Выдать' }).click();
  // «с отличием» on an ordinary blank: refused at the number (a blank «с отличием» is a form of its own, migration 0022)
  await expect(att.issueForm.getByTestId('error-number')).toContainText(
    `Бланк ${SERIES} № 001001 — бланк аттестата об основном общем образовании, а выдаётся аттестат об основном общем образовании с отличием`);
  await att.issueForm.getByLabel('Серия бланка').fill(HONOURS_SERIES);
  await att.issueForm.getByRole('button', { name: 'Выдать' }).click();
  await expect(att.done).toHaveText(`Аттестат выдан: ${NAMES[0]}, бланк ${HONOURS_SERIES} № 001001, рег. № 1 (${YEAR})`);
  const issuedRow = att.issued.getByTestId('attestat-row').filter({ hasText: NAMES[0] });
  await expect(issuedRow).toContainText(`${HONOURS_SERIES} № 001001`);
  await expect(issuedRow).toContainText('25.06.2035');
  await expect(issuedRow).toContainText('11.02.2019');
  await expect(att.form(`${HONOURS_SERIES} № 001001`).getByTestId('form-state')).toHaveText('выдан');
  await expect(att.form(`${HONOURS_SERIES} № 001001`).getByTestId('form-kind')).toHaveText('аттестат об основном общем образовании с отличием');

  // an already issued form is refused for another student, at the number field
  await att.startIssue('Цыганов', NAMES[1]);
  await att.fillIssue({ series: HONOURS_SERIES, number: '1001', date: '25.06.2035' });
  await att.issueForm.getByRole('button', { name: 'Выдать' }).click();
  await expect(att.issueForm.getByTestId('error-number')).toHaveText(`Бланк ${HONOURS_SERIES} № 001001 уже использован: по нему выдан аттестат; бланк используется один раз`);
  await att.issueForm.getByRole('button', { name: 'Отмена' }).click();

  // ---- spoiling a form from its row ----
  await att.form(`${SERIES} № 001002`).getByRole('button', { name: `Списать бланк ${SERIES} № 001002 как испорченный` }).click();
  await expect(att.spoilForm.getByLabel('Номер бланка')).toHaveValue('1002');
  await att.spoilForm.getByLabel('Дата списания').fill('20.06.2035');
  await att.spoilForm.getByLabel('Причина порчи').fill('Ошибка в фамилии при заполнении');
  await att.spoilForm.getByRole('button', { name: 'Списать бланк' }).click();
  await expect(att.done).toHaveText(`Бланк ${SERIES} № 001002 списан как испорченный`);
  await expect(att.form(`${SERIES} № 001002`).getByTestId('form-state')).toHaveText('испорчен');
  await expect(att.form(`${SERIES} № 001002`)).toContainText('20.06.2035: Ошибка в фамилии при заполнении');
  // the states by filter, of the ordinary series: one spoiled, four unused
  await page.getByTestId('forms-state').selectOption({ label: 'испорчен' });
  await expect(att.forms.locator(`tr[data-form^="${SERIES} "]`)).toHaveCount(1);
  await page.getByTestId('forms-state').selectOption({ label: 'не использован' });
  await expect(att.forms.locator(`tr[data-form^="${SERIES} "]`)).toHaveCount(4);
  await page.getByTestId('forms-state').selectOption({ label: 'Все' });
  await expect(att.forms.locator(`tr[data-form^="${SERIES} "]`)).toHaveCount(5);

  // ---- the year's книга учёта выданных аттестатов ----
  const book = await att.download(page.getByRole('button', { name: 'Печать книги учёта за год' }));
  const attestatBookCode = (await page.getByTestId('printout-code').innerText()).trim();
  expect(book.download.suggestedFilename()).toBe(`Книга учёта выданных аттестатов — ${YEAR.replace('/', '-')} — ${attestatBookCode}.pdf`);
  const bookOfYear = pdfText(book.path);
  expect(bookOfYear).toContain(NAMES[0]);
  expect(bookOfYear).toContain(`${HONOURS_SERIES} № 001001`);
  expect(bookOfYear).toContain(`Код проверки: ${attestatBookCode}`);
  // the book's first page as it will be on paper: test-results/screens/63-attestat-book-page1.png
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', book.path, path.join(SCREENS_DIR, '63-attestat-book-page1')]);
  await shot(page, '63-attestats');

  // ---- printouts made so far, listed on «Проверка документа»; a copy downloads again as the same file ----
  await app.goTo('Проверка документа');
  const listed = page.getByTestId('printouts-table');
  for (const c of [code, bookCode, attestatBookCode]) await expect(listed.locator(`tr[data-code="${c}"]`)).toBeVisible();
  await expect(listed.locator(`tr[data-code="${code}"]`)).toContainText(NAMES[0]);
  await expect(listed.locator(`tr[data-code="${bookCode}"]`)).toContainText('буква Ц');
  await expect(listed.locator(`tr[data-code="${attestatBookCode}"]`)).toContainText(YEAR);
  const again = await att.download(listed.getByRole('button', { name: `Скачать ещё раз: ${code}` }));
  expect(again.download.suggestedFilename()).toBe(cert.download.suggestedFilename());
  expect(again.bytes.equals(cert.bytes)).toBe(true);
  await shot(page, '64-verify-issued-printouts');
  await listed.getByRole('link', { name: `Проверить: ${attestatBookCode}` }).click();
  await expect(verify.result).toContainText(attestatBookCode);
  await expect(page.getByTestId('verify-facts')).toContainText('Книга учёта выданных аттестатов');
  await app.signOut();

  // ---- an archivist sees the book and the forms but none of the clerk's actions ----
  await app.signIn(ARCHIVIST.login, ARCHIVIST.password);
  await app.goTo('Аттестаты');
  await att.pickYear(YEAR);
  await expect(att.issued.getByTestId('attestat-row').filter({ hasText: NAMES[0] })).toBeVisible();
  await expect(page.getByRole('button', { name: /Выдать аттестат|Оприходовать|Списать|Печать книги/ })).toHaveCount(0);
  await app.goTo('Проверка документа');
  await expect(page.getByTestId('printouts-table').locator(`tr[data-code="${code}"]`)).toBeVisible();
  await expect(page.getByRole('button', { name: /Скачать ещё раз/ })).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});
