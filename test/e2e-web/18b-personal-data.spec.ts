// Issue 18 (personal data and working at once) in Chromium: a clerk opens a student's card, records a consent and
// withdraws it (the history stays), and has the class's grid open when marks are written elsewhere — the grid says so;
// the admin then sees the clerk's readings in the read-access log (by user, by student), downloads the student's
// subject-access report (read by pdftotext: it names the clerk), and a stale save of the card is refused naming who
// saved since.
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { todayIso } from '../../preload/core/dates';
import { ADMIN } from './env';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { collectConsoleErrors } from './screens';

const N = Date.now() % 100000;
const CLERK = { login: `pdclerk${N}`, fullName: 'Зимина Лариса Павловна', password: 'Clerk-pass-2026' };
// letters only (a name takes no digits): this run's number spelled in Cyrillic
const TAG = String(N).split('').map((d) => 'абвгдежзик'[Number(d)]).join('');
const PUPIL = { lastName: 'Чтецова', firstName: 'Ника', middleName: `Тестовна${TAG}` };
const PUPIL_NAME = `${PUPIL.lastName} ${PUPIL.firstName} ${PUPIL.middleName}`;

test('a clerk reads and records consents; the admin sees the readings and downloads the subject-access report', async ({ page, request }) => {
  test.setTimeout(180_000);
  const consoleErrors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  await ensureSchool(api);
  // a year that has begun, a class with a subject of its own, a pupil enrolled in it
  const today = todayIso();
  let year = (await api.call('years.list', {})).filter((y) => y.startDate <= today).sort((a, b) => b.startDate.localeCompare(a.startDate))[0];
  year ??= await api.call('years.create', { name: `${Number(today.slice(0, 4)) - (today.slice(5) < '09-01' ? 1 : 0)}/${Number(today.slice(0, 4)) + (today.slice(5) < '09-01' ? 0 : 1)}` });
  const subject = await api.call('subjects.create', { name: `Право ${N}`, shortName: `Пр${N}` });
  const klass = (await api.call('classes.list', { yearId: year.id })).find((c) => c.parallel === 8 && c.letter === 'Щ')
    ?? await api.call('classes.create', { yearId: year.id, parallel: 8, letter: 'Щ' });
  const plan = (await api.call('curriculum.get', { classId: klass.id })).map((s) => s.id);
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [...plan, subject.id] });
  const pupil = await api.call('students.create', { ...PUPIL, birthDate: '2012-04-04', sex: 'Ж', address: 'Москва, ул. Читальная, 3',
    enrolment: { order: { number: `PD-${N}`, date: year.startDate }, classId: klass.id, date: year.startDate } });
  await api.call('users.create', { ...CLERK, role: 'clerk' });

  // ---- the clerk: the card, a consent given and withdrawn ----
  const app = new App(page);
  await app.launch();
  if (await app.nav.isVisible()) await app.signOut();
  await app.signIn(CLERK.login, CLERK.password);
  await page.goto(`/#/students/${pupil.id}`);
  await expect(page.getByTestId('student-card')).toContainText(PUPIL_NAME);
  const consents = page.getByTestId('consents');
  await expect(consents).toContainText('Согласий не записано');
  await consents.getByTestId('consent-add').click();
  const form = page.getByTestId('consent-form');
  await form.getByLabel('ФИО давшего согласие').fill('Чтецова Марина Игоревна');
  await form.locator('[data-purpose="regional"]').check();
  await form.getByRole('button', { name: 'Записать' }).click();
  const table = page.getByTestId('consents-table');
  await expect(table).toContainText('Чтецова Марина Игоревна');
  await expect(table).toContainText('передача в региональный сегмент');
  await expect(table).toContainText('действует');
  await table.getByRole('button', { name: 'Отозвать' }).click();
  const withdraw = page.getByTestId('consent-withdraw-form');
  await withdraw.getByLabel('Основание (заявление)').fill('заявление от матери');
  await withdraw.getByRole('button', { name: 'Записать отзыв' }).click();
  await expect(table).toContainText('заявление от матери');
  await expect(table).toContainText(/отозвано \d\d\.\d\d\.\d{4}/);
  await expect(table).toContainText('Чтецова Марина Игоревна'); // the consent itself is still there

  // ---- the clerk's grid, while marks are written elsewhere ----
  await page.goto(`/#/grades/${klass.id}/${subject.id}`);
  const grid = page.getByTestId('grade-grid');
  await expect(grid).toContainText(PUPIL_NAME);
  await expect(page.getByTestId('grade-changed-elsewhere')).toHaveCount(0);
  await api.call('grades.set', { classId: klass.id, cells: [{ studentId: pupil.id, subjectId: subject.id, slot: 'annual', mark: '5' }] });
  const changed = page.getByTestId('grade-changed-elsewhere');
  await expect(changed).toContainText('Оценки изменены на другом рабочем месте', { timeout: 20_000 });
  await changed.getByRole('button', { name: 'обновить' }).click();
  await expect(changed).toHaveCount(0);
  const row = grid.getByRole('row').filter({ hasText: PUPIL_NAME });
  await expect(row).toContainText('5');
  // the admin changes that mark elsewhere; the clerk, whose grid still shows «5», types over it and is told
  await api.call('grades.set', { classId: klass.id, cells: [{ studentId: pupil.id, subjectId: subject.id, slot: 'annual', mark: '4', was: '5' }] });
  const cell = row.getByRole('gridcell', { name: '5', exact: true });
  await cell.click();
  await page.keyboard.press('3');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('grade-error')).toContainText('оценку уже изменили на другом рабочем месте — сейчас «4», у вас была «5»');
  await expect(page.getByTestId('grade-error')).toContainText(`${ADMIN.fullName} (${ADMIN.login})`);
  await expect(row.getByRole('gridcell', { name: '4', exact: true })).toBeVisible(); // the grid shows the register's mark now
  await app.signOut();

  // ---- the admin: the clerk's readings in the read-access log ----
  await app.signIn(ADMIN.login, ADMIN.password);
  await app.goTo('Журнал чтения персональных данных');
  await page.getByLabel('Пользователь', { exact: true }).selectOption({ value: CLERK.login });
  const log = page.getByTestId('read-log-table');
  const cardRow = log.getByRole('row').filter({ hasText: 'students.get' });
  await expect(cardRow.first()).toContainText(PUPIL_NAME);
  await expect(cardRow.first()).toContainText(`${CLERK.fullName} (${CLERK.login})`);
  await expect(cardRow.first()).toContainText('этот компьютер');
  await expect(cardRow.first()).toContainText('карточка');
  await expect(log.getByRole('row').filter({ hasText: 'grades.grid' }).first()).toContainText(PUPIL_NAME);
  await page.getByLabel('Ученик (начало ФИО)').fill(`${PUPIL.lastName} ${PUPIL.firstName} ${PUPIL.middleName}`);
  await expect(log.getByRole('row').filter({ hasText: 'consents.list' }).first()).toBeVisible();
  await page.getByRole('button', { name: 'Проверить цепочку' }).click();
  await expect(page.getByTestId('read-log-verdict')).toContainText('цела');

  // ---- the subject-access report ----
  await page.goto(`/#/students/${pupil.id}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('access-report').click()]);
  expect(download.suggestedFilename()).toMatch(/^Персональные данные Чтецова Ника .*\.pdf$/);
  const text = execFileSync('pdftotext', [await download.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(text).toContain(PUPIL_NAME);
  expect(text).toContain('Москва, ул. Читальная, 3');
  expect(text).toContain(`${CLERK.fullName} (${CLERK.login})`);
  expect(text).toContain('заявление от матери');

  // ---- a stale save of the card: refused, naming who saved since; the edits stay in the form ----
  await page.goto(`/#/students/${pupil.id}/edit`);
  const edit = page.getByTestId('student-form');
  await expect(edit.getByLabel('Адрес проживания')).toHaveValue('Москва, ул. Читальная, 3');
  const clerkApi = await new Api(request).as(CLERK.login, CLERK.password);
  const fresh = await api.call('students.get', { id: pupil.id });
  const { id: _i, currentClass: _c, bookEntry: _b, status: _s, version, ...data } = fresh;
  await clerkApi.call('students.update', { id: pupil.id, version, data: { ...data, address: 'Москва, ул. Другая, 9' } });
  await edit.getByLabel('Адрес проживания').fill('Москва, ул. Моя, 1');
  await edit.getByRole('button', { name: 'Сохранить' }).click();
  await expect(page.getByTestId('form-error')).toContainText('уже изменили на другом рабочем месте');
  await expect(page.getByTestId('form-error')).toContainText(`${CLERK.fullName} (${CLERK.login})`);
  await expect(page.getByTestId('student-stale')).toContainText('сейчас «Москва, ул. Другая, 9», у вас «Москва, ул. Моя, 1»');
  await expect(edit.getByLabel('Адрес проживания')).toHaveValue('Москва, ул. Моя, 1');
  // saved again, knowingly, with the new version
  await edit.getByRole('button', { name: 'Сохранить' }).click();
  await expect(page.getByTestId('student-card')).toContainText('Москва, ул. Моя, 1');
  expect(consoleErrors).toEqual([]);
});
