// The "Done when": a clerk's first day, from an empty register to a student moved between
// classes by order, with the history on the student's card.
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { AlphabetBookPage } from './pages/AlphabetBookPage';
import { App } from './pages/App';
import { ClassesPage } from './pages/ClassesPage';
import { StudentCardPage } from './pages/StudentCardPage';
import { StudentFormPage } from './pages/StudentFormPage';
import { StudentsPage } from './pages/StudentsPage';
import { YearsPage } from './pages/YearsPage';
import { shot } from './screens';

const YEAR = '2026/2027';
const STUDENT = {
  lastName: 'Алексеев', firstName: 'Михаил', middleName: 'Игоревич', birthDate: '14.03.2015', sex: 'М' as const,
  snils: '112-233-445 95',
  document: { kind: 'Свидетельство о рождении' as const, series: 'II-БО', number: '512345', date: '20.03.2015', issuer: 'Отдел ЗАГС Центрального района' },
  guardian: { kind: 'мать', fullName: 'Алексеева Анна Викторовна', phone: '+7 900 123-45-67' },
};
const FULL_NAME = 'Алексеев Михаил Игоревич';

test('first run: admin, year, classes, a student enrolled and transferred by order', async ({ page }) => {
  const app = new App(page);
  await app.launch();
  if (await app.setupForm.isVisible()) {
    await shot(page, '00-first-run-setup');
    await app.setupAdmin();
  } else {
    await app.signIn('admin', 'Admin-pass-2026');
  }

  await test.step('an academic year exists', async () => {
    await app.goTo('Учебные годы');
    await new YearsPage(page).ensure(YEAR);
  });

  const classes = new ClassesPage(page);
  await test.step('classes 5А and 5Б', async () => {
    await app.goTo('Классы');
    await classes.selectYear(YEAR);
    await classes.create({ parallel: 5, letter: 'А' });
    await classes.create({ parallel: 5, letter: 'Б', shift: 2 });
  });

  const card = new StudentCardPage(page);
  await test.step('a new student', async () => {
    await app.goTo('Новый ученик');
    const form = new StudentFormPage(page);
    await form.fill(STUDENT);
    await form.submit();
    await expect(card.heading()).toHaveText(FULL_NAME);
    await expect(card.fact('СНИЛС')).toHaveText(STUDENT.snils);
    await expect(card.fact('Дата рождения')).toHaveText(STUDENT.birthDate);
  });

  await test.step('enrolled by order into 5А', async () => {
    await card.enrol({ number: '12-у', orderDate: '01.09.2026', date: '01.09.2026', className: '5А', whereFrom: 'МБОУ СОШ № 3' });
    await expect(card.fact('Класс')).toContainText('5А');
    await expect(card.fileNumber()).not.toBeEmpty();
  });
  const fileNumber = (await card.fileNumber().textContent())!.trim();

  await test.step('listed in the class', async () => {
    await app.goTo('Классы');
    await classes.open('5А');
    await expect(classes.students().getByRole('link', { name: FULL_NAME })).toBeVisible();
  });

  await test.step('listed in the alphabet book with the personal-file number', async () => {
    await app.goTo('Алфавитная книга');
    const book = new AlphabetBookPage(page);
    await book.search('Алексеев');
    await expect(book.row(FULL_NAME)).toContainText(fileNumber);
    await expect(book.row(FULL_NAME)).toContainText('14.03.2015');
    await expect(book.row(FULL_NAME)).toContainText('01.09.2026');
  });

  await test.step('transferred by order into 5Б', async () => {
    await app.goTo('Ученики');
    const students = new StudentsPage(page);
    await students.search('Алексеев Михаил');
    await students.open(FULL_NAME);
    await card.transfer({ number: '15-у', orderDate: '10.11.2026', date: '11.11.2026', toClass: '5Б', reason: 'по заявлению родителей' });
    await expect(card.fact('Класс')).toContainText('5Б');
  });

  await test.step('the card shows both orders in the history', async () => {
    await page.reload();
    await expect(card.heading()).toHaveText(FULL_NAME);
    const rows = card.historyRows();
    await expect(rows).toHaveCount(2);
    await expect(card.history.getByRole('row').filter({ hasText: 'Зачисление' })).toContainText('№ 12-у от 01.09.2026');
    const transfer = card.history.getByRole('row').filter({ hasText: 'Перевод' });
    await expect(transfer).toContainText('№ 15-у от 10.11.2026');
    await expect(transfer).toContainText('5А');
    await expect(transfer).toContainText('5Б');
    await expect(card.fileNumber()).toHaveText(fileNumber);
  });

  await test.step('the class filter finds the student in 5Б', async () => {
    await app.goTo('Ученики');
    const students = new StudentsPage(page);
    await students.search('');
    await students.filterByClass('5Б');
    await expect(students.row(FULL_NAME)).toBeVisible();
  });
});

test('a field error from the backend is shown next to the field', async ({ page }) => {
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Новый ученик');
  const form = new StudentFormPage(page);
  await form.fill({ lastName: 'Борисова', firstName: 'Анна', birthDate: '02.02.2016', sex: 'Ж', snils: '112-233-445 96' });
  await form.submit();
  const error = form.fieldError('snils');
  await expect(error).toBeVisible();
  await expect(error).toContainText('СНИЛС');
  const input = form.form.getByLabel('СНИЛС');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveAccessibleDescription(/контрольное число|СНИЛС/);
  await expect(input).toBeFocused();
  // Nothing else is flagged, and nothing was saved.
  await expect(form.form.locator('.field-error')).toHaveCount(1);
  await expect(form.form).toBeVisible();
  await shot(page, '03b-student-form-field-error');

  // A date typed wrongly is caught before it leaves the page, in the same place.
  await form.form.getByLabel('Дата рождения').fill('31.02.2016');
  await form.form.getByLabel('СНИЛС').fill('');
  await form.submit();
  await expect(form.fieldError('birthDate')).toHaveText(/ДД\.ММ\.ГГГГ/);
});

test('a clerk does not see the admin sections', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  await api.attempt('users.create', { login: 'clerk1', fullName: 'Кузнецова Мария Ивановна', role: 'clerk', password: 'Clerk-pass-2026' });
  const app = new App(page);
  await app.launch();
  if (await app.setupForm.isVisible()) throw new Error('the admin should exist by now');
  await app.signIn('clerk1', 'Clerk-pass-2026');
  await expect(app.nav.getByRole('link', { name: 'Ученики', exact: true })).toBeVisible();
  await expect(app.nav.getByRole('link', { name: 'Новый ученик' })).toBeVisible();
  for (const hidden of ['Пользователи', 'Журнал аудита', 'Организация']) {
    await expect(app.nav.getByRole('link', { name: hidden })).toHaveCount(0);
  }
  await page.goto('/#/users');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Недостаточно прав для этого действия');
  await app.signOut();
});

test('a session the backend no longer knows leads back to sign-in', async ({ page }) => {
  const app = new App(page);
  await app.signInAsAdmin();
  // The home screen may still be loading when the session is swapped; its next call may then be the one that finds
  // the session gone. Either way the clerk must land on sign-in, so the test goes to «Классы» by the address (what the
  // link does) instead of waiting on a link that may already be gone.
  await page.evaluate(() => {
    sessionStorage.setItem('schoolRegister.session', 'forgotten-session');
    window.location.hash = '#/classes';
  });
  await expect(app.signInForm).toBeVisible();
  await expect(page.getByText('Сеанс завершён. Войдите снова.')).toBeVisible();
  await app.signIn('admin', 'Admin-pass-2026');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Классы');
});
