// Issue 18's «Done when» in Chromium: two browser contexts as two workplaces over HTTPS. The first, the admin's, shares
// the register from the register's own computer and then works through the network door like the other; the second
// compares the certificate's fingerprint (the test reads the server's certificate with openssl and finds it equal to the
// one the admin's screen shows — only then is the browser's warning about a certificate no authority signed ignored)
// and signs in as a clerk. Both enter marks in classes of their own; the clerk types over a mark the admin has just
// changed and is told, by whom and to what; the admin sees both workplaces, their readings in the read-access log, and
// downloads a student's subject-access report (read by pdftotext).
import { execFileSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { todayIso } from '../../preload/core/dates';
import { ADMIN } from './env';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { collectConsoleErrors } from './screens';
import { presentedByOpenssl, shareOnLoopback } from './pages/network';

// the browser's own warning is ignored: what a person is asked to do instead — compare the fingerprint — the test does
test.use({ ignoreHTTPSErrors: true });

const N = Date.now() % 100000;
const CLERK = { login: `twoclerk${N}`, fullName: 'Соседова Инна Юрьевна', password: 'Two-workplaces-2026' };
// letters only (a name takes no digits): this run's number spelled in Cyrillic
const TAG = String(N).split('').map((d) => 'абвгдежзик'[Number(d)]).join('');
const PUPIL_A = { lastName: 'Первомайская', firstName: 'Ольга', middleName: `Сетевна${TAG}` };
const PUPIL_B = { lastName: 'Второвский', firstName: 'Павел', middleName: `Сетевич${TAG}` };
const nameOf = (p: typeof PUPIL_A) => `${p.lastName} ${p.firstName} ${p.middleName}`;

/** The row of a pupil in the open grade grid, and its first mark cell. */
const rowOf = (page: Page, pupil: string) => page.getByTestId('grade-grid').getByRole('row').filter({ hasText: pupil });
const firstCell = (page: Page, pupil: string) => rowOf(page, pupil).locator('td[data-cell]').first();

test('two workplaces over HTTPS: marks in two classes at once, a stale mark told, the admin sees both, their readings and a report', async ({ page, browser, request }) => {
  test.setTimeout(240_000);
  const api = await new Api(request).asAdmin();
  await ensureSchool(api);
  // a year that has begun, a subject of this run, two classes each with a pupil of this run
  const today = todayIso();
  let year = (await api.call('years.list', {})).filter((y) => y.startDate <= today).sort((a, b) => b.startDate.localeCompare(a.startDate))[0];
  year ??= await api.call('years.create', { name: `${Number(today.slice(0, 4)) - (today.slice(5) < '09-01' ? 1 : 0)}/${Number(today.slice(0, 4)) + (today.slice(5) < '09-01' ? 0 : 1)}` });
  const subject = await api.call('subjects.create', { name: `Сетевое право ${N}`, shortName: `СП${N}` });
  const classes = await api.call('classes.list', { yearId: year.id });
  const classOf = async (letter: string) => {
    const klass = classes.find((c) => c.parallel === 6 && c.letter === letter) ?? await api.call('classes.create', { yearId: year.id, parallel: 6, letter });
    const plan = (await api.call('curriculum.get', { classId: klass.id })).map((s) => s.id);
    await api.call('curriculum.set', { classId: klass.id, subjectIds: [...plan, subject.id] });
    return klass;
  };
  const classA = await classOf('Ж');
  const classB = await classOf('З');
  const pupilA = await api.call('students.create', { ...PUPIL_A, birthDate: '2014-03-03', sex: 'Ж', address: 'Москва, ул. Сетевая, 1',
    enrolment: { order: { number: `NW-A-${N}`, date: year.startDate }, classId: classA.id, date: year.startDate } });
  const pupilB = await api.call('students.create', { ...PUPIL_B, birthDate: '2014-05-05', sex: 'М',
    enrolment: { order: { number: `NW-B-${N}`, date: year.startDate }, classId: classB.id, date: year.startDate } });
  await api.call('users.create', { ...CLERK, role: 'clerk' });
  /** The mark the register holds in a pupil's first cell of the subject, read over the register computer's own door. */
  const markIn = async (classId: number, pupilId: string) => {
    const grid = await api.call('grades.grid', { classId, subjectId: subject.id });
    return grid.marks.find((m) => m.studentId === pupilId && m.subjectId === subject.id && m.column === grid.columns[0].key)?.mark ?? null;
  };

  // ---- the first workplace, on the register's computer: the admin shares the register ----
  const adminErrors = await collectConsoleErrors(page);
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Доступ по сети');
  const { port, url, shown } = await shareOnLoopback(page);
  const clerkContext = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    // the comparison a person makes at each workplace, made by the test: the server's certificate against the screen
    expect(await presentedByOpenssl(port)).toBe(shown);

    // the admin's workplace goes through the network door too (a session of its own, bound to this workplace)
    await page.goto(url);
    await expect(app.signInForm).toBeVisible();
    await app.signIn(ADMIN.login, ADMIN.password);
    await expect(page.getByTestId('network-banner')).toHaveText(`Реестр открыт для сети: адрес ${url}`);

    // ---- the second workplace: the clerk over HTTPS ----
    const clerkPage = await clerkContext.newPage();
    const clerkErrors = await collectConsoleErrors(clerkPage);
    await clerkPage.goto(url);
    const clerk = new App(clerkPage);
    await expect(clerk.signInForm).toBeVisible();
    await clerk.signIn(CLERK.login, CLERK.password);
    await expect(clerkPage.getByTestId('current-user')).toContainText(CLERK.login);
    await expect(clerkPage.getByTestId('network-banner')).toHaveText(`Реестр открыт для сети: адрес ${url}`);

    // ---- both enter marks at once, each in a class of their own ----
    await page.goto(`${url}#/grades/${classA.id}/${subject.id}`);
    await clerkPage.goto(`${url}#/grades/${classB.id}/${subject.id}`);
    await expect(rowOf(page, nameOf(PUPIL_A))).toBeVisible();
    await expect(rowOf(clerkPage, nameOf(PUPIL_B))).toBeVisible();
    await firstCell(page, nameOf(PUPIL_A)).click();
    await firstCell(clerkPage, nameOf(PUPIL_B)).click();
    await Promise.all([page.keyboard.press('5').then(() => page.keyboard.press('Enter')),
      clerkPage.keyboard.press('4').then(() => clerkPage.keyboard.press('Enter'))]);
    await expect.poll(() => markIn(classA.id, pupilA.id), { timeout: 20_000 }).toBe('5');
    await expect.poll(() => markIn(classB.id, pupilB.id), { timeout: 20_000 }).toBe('4');
    await expect(firstCell(page, nameOf(PUPIL_A))).toHaveText('5');
    await expect(firstCell(clerkPage, nameOf(PUPIL_B))).toHaveText('4');

    // ---- the clerk opens the admin's class (showing «5»); the admin changes that mark; the clerk types over it ----
    await clerkPage.goto(`${url}#/grades/${classA.id}/${subject.id}`);
    await expect(firstCell(clerkPage, nameOf(PUPIL_A))).toHaveText('5');
    await firstCell(page, nameOf(PUPIL_A)).click();
    await page.keyboard.press('4');
    await page.keyboard.press('Enter');
    await expect.poll(() => markIn(classA.id, pupilA.id), { timeout: 20_000 }).toBe('4');
    // the clerk's open grid says it shows marks changed elsewhere…
    await expect(clerkPage.getByTestId('grade-changed-elsewhere')).toContainText('Оценки изменены на другом рабочем месте', { timeout: 20_000 });
    // …and a mark typed over the stale one is refused, naming what the register holds now and who changed it
    await firstCell(clerkPage, nameOf(PUPIL_A)).click();
    await clerkPage.keyboard.press('3');
    await clerkPage.keyboard.press('Enter');
    const told = clerkPage.getByTestId('grade-error');
    await expect(told).toContainText('оценку уже изменили на другом рабочем месте — сейчас «4», у вас была «5»');
    await expect(told).toContainText(`${ADMIN.fullName} (${ADMIN.login})`);
    await expect(firstCell(clerkPage, nameOf(PUPIL_A))).toHaveText('4');
    expect(await markIn(classA.id, pupilA.id)).toBe('4'); // nothing written by the refused save
    expect(clerkErrors).toEqual([]);

    // ---- the admin sees both workplaces signed in over the network ----
    await app.goTo('Доступ по сети');
    const workplaces = page.getByTestId('network-workplaces');
    await expect(workplaces.getByRole('row').filter({ hasText: CLERK.login })).toContainText('127.0.0.1');
    await expect(workplaces.getByRole('row').filter({ hasText: ADMIN.login })).toContainText('127.0.0.1');

    // ---- their readings in the read-access log, each from its workplace over the network ----
    await app.goTo('Журнал чтения персональных данных');
    const log = page.getByTestId('read-log-table');
    await page.getByLabel('Пользователь', { exact: true }).selectOption({ value: CLERK.login });
    const clerkGrid = log.getByRole('row').filter({ hasText: 'grades.grid' }).filter({ hasText: nameOf(PUPIL_B) }).first();
    await expect(clerkGrid).toContainText(`${CLERK.fullName} (${CLERK.login})`);
    await expect(clerkGrid).toContainText('127.0.0.1');
    await expect(log.getByRole('row').filter({ hasText: 'grades.grid' }).filter({ hasText: nameOf(PUPIL_A) }).first()).toBeVisible();
    await page.getByLabel('Пользователь', { exact: true }).selectOption({ value: ADMIN.login });
    // (the test's own reads over the register computer's door are there too, as «этот компьютер»: the workplace's are apart)
    const adminGrid = log.getByRole('row').filter({ hasText: 'grades.grid' }).filter({ hasText: nameOf(PUPIL_A) }).filter({ hasText: '127.0.0.1' }).first();
    await expect(adminGrid).toContainText(`${ADMIN.fullName} (${ADMIN.login})`);

    // ---- and a student's subject-access report: what the register holds on her, and who read it ----
    await page.goto(`${url}#/students/${pupilA.id}`);
    await expect(page.getByTestId('student-card')).toContainText(nameOf(PUPIL_A));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('access-report').click()]);
    expect(download.suggestedFilename()).toMatch(/^Персональные данные Первомайская Ольга .*\.pdf$/);
    const text = execFileSync('pdftotext', [await download.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain(nameOf(PUPIL_A));
    expect(text).toContain('Москва, ул. Сетевая, 1');
    expect(text).toContain(`${CLERK.fullName} (${CLERK.login})`);
    expect(text).toContain(`${ADMIN.fullName} (${ADMIN.login})`);
    expect(text).toContain('127.0.0.1');
    expect(adminErrors).toEqual([]);
  } finally {
    await clerkContext.close();
    // the register back on its computer only (the next specs expect the share off)
    if ((await api.call('network.status', {})).shared) await api.call('network.stop', {});
  }
});
