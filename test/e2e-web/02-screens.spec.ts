// A picture of every screen (test-results/screens/*.png) over a register with some data in it,
// so people can judge the look without running the app.
import { expect, test, type Page } from '@playwright/test';
import { Api, SCHOOL } from './pages/api';
import { App } from './pages/App';
import { collectConsoleErrors, shot } from './screens';

async function seed(api: Api) {
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2026/2027') ?? await api.call('years.create', { name: '2026/2027' });
  if (!years.some((y) => y.name === '2027/2028')) await api.call('years.create', { name: '2027/2028' });

  const subjects = await api.call('subjects.list', {});
  const subject = async (name: string, shortName: string, cityRegisterId: string | null, federalCode: string | null) =>
    subjects.find((s) => s.name === name) ?? api.call('subjects.create', { name, shortName, cityRegisterId, federalCode });
  const math = await subject('Математика', 'Мат.', 'MSK-0101', '01.02');
  const russian = await subject('Русский язык', 'Рус. яз.', 'MSK-0102', '01.01');
  const history = await subject('История', 'Ист.', 'MSK-0105', '03.01');
  await subject('Труд (технология)', 'Труд', null, null);
  await subject('Основы безопасности и защиты Родины', 'ОБЗР', 'MSK-0210', null);

  const staff = await api.call('staff.list', {});
  const person = async (lastName: string, firstName: string, middleName: string, position: string, subjectIds: number[], snils: string | null) =>
    staff.find((s) => s.lastName === lastName) ?? api.call('staff.create', { lastName, firstName, middleName, position, subjectIds, snils });
  const t1 = await person('Орлова', 'Татьяна', 'Николаевна', 'учитель математики', [math.id], '087-654-303 00');
  const t2 = await person('Белов', 'Андрей', 'Викторович', 'учитель истории', [history.id], null);
  await person('Захарова', 'Елена', 'Павловна', 'учитель русского языка и литературы', [russian.id], null);

  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = async (parallel: number, letter: string, homeroomTeacherId: number | null, adapted = false) =>
    classes.find((c) => c.parallel === parallel && c.letter === letter)
      ?? api.call('classes.create', { yearId: year.id, parallel, letter, homeroomTeacherId, adapted });
  const c6 = await klass(6, 'В', t1.id);
  const c9 = await klass(9, 'А', t2.id);
  await klass(7, 'К', null, true);
  await api.call('curriculum.set', { classId: c6.id, subjectIds: [math.id, russian.id, history.id] });

  const existing = await api.call('students.search', { query: 'Воронцова', limit: 10 });
  if (existing.total === 0) {
    const people = [
      { lastName: 'Воронцова', firstName: 'Дарья', middleName: 'Алексеевна', birthDate: '2014-05-11', sex: 'Ж' as const, cls: c6, order: '21-у' },
      { lastName: 'Гусев', firstName: 'Илья', middleName: 'Романович', birthDate: '2014-08-30', sex: 'М' as const, cls: c6, order: '21-у' },
      { lastName: 'Ёлкина', firstName: 'Софья', middleName: null, birthDate: '2011-01-17', sex: 'Ж' as const, cls: c9, order: '22-у' },
      { lastName: 'Андреев', firstName: 'Кирилл', middleName: 'Олегович', birthDate: '2011-12-02', sex: 'М' as const, cls: c9, order: '22-у' },
    ];
    for (const p of people) {
      const s = await api.call('students.create', {
        lastName: p.lastName, firstName: p.firstName, middleName: p.middleName, birthDate: p.birthDate, sex: p.sex,
        guardians: [{ kind: p.sex === 'Ж' ? 'мать' : 'отец', fullName: `${p.lastName} Родитель Тестович`, phone: '+7 900 000-00-00' }],
      });
      await api.call('orders.enrol', { order: { number: p.order, date: '2026-09-01' }, studentId: s.id, classId: p.cls.id, date: '2026-09-01' });
      if (p.lastName === 'Андреев') {
        await api.call('orders.depart', { order: { number: '31-в', date: '2026-10-15' }, studentId: s.id, date: '2026-10-16',
          reason: 'перевод в другую школу', whereTo: 'ГБОУ Школа № 1234 г. Москвы' });
      }
    }
    await api.call('students.create', { lastName: 'Новикова', firstName: 'Полина', middleName: 'Игоревна', birthDate: '2019-06-06', sex: 'Ж' });
  }

  await api.call('school.update', SCHOOL);
  await api.attempt('users.create', { login: 'archive', fullName: 'Полякова Нина Фёдоровна', role: 'archivist', password: 'Archive-pass-2026' });
}

async function visit(page: Page, app: App, section: string, name: string) {
  await app.goTo(section);
  await expect(page.getByText('Загрузка…')).toHaveCount(0);
  await shot(page, name);
}

test('a screenshot of every screen', async ({ page, request, browser }) => {
  test.setTimeout(90_000);
  // Every screen must work under the server's strict CSP and without console errors.
  const consoleErrors = await collectConsoleErrors(page);
  await seed(await new Api(request).asAdmin());

  // Sign-in, in a context of its own (no session).
  const guest = await browser.newPage();
  await new App(guest).launch();
  await shot(guest, '01-sign-in');
  await guest.close();

  const app = new App(page);
  await app.signInAsAdmin();

  await visit(page, app, 'Ученики', '02-students');
  await app.goTo('Новый ученик');
  await shot(page, '03-student-form');

  await app.goTo('Ученики');
  await page.getByTestId('student-search').fill('Воронцова');
  await page.getByRole('link', { name: 'Воронцова Дарья Алексеевна' }).click();
  await expect(page.getByTestId('student-history').getByTestId('movement-row')).toHaveCount(1);
  await shot(page, '04-student-card');
  await page.getByRole('toolbar', { name: 'Действия' }).getByRole('button', { name: 'Перевести' }).click();
  await shot(page, '05-student-card-transfer-form');
  await page.getByRole('toolbar', { name: 'Действия' }).getByRole('link', { name: 'Изменить данные' }).click();
  await expect(page.getByTestId('student-form')).toBeVisible();
  await shot(page, '06-student-edit');

  await app.goTo('Ученики');
  await page.getByTestId('student-search').fill('Андреев');
  await page.getByRole('link', { name: 'Андреев Кирилл Олегович' }).click();
  await expect(page.getByTestId('student-history').getByTestId('movement-row')).toHaveCount(2);
  await shot(page, '07-student-card-departed');

  await visit(page, app, 'Классы', '08-classes');
  await page.getByRole('button', { name: 'Новый класс' }).click();
  await shot(page, '09-classes-create');
  await page.getByTestId('class-form').getByRole('button', { name: 'Отмена' }).click();
  await page.getByTestId('classes-table').getByRole('link', { name: '6В', exact: true }).click();
  await expect(page.getByTestId('curriculum-form')).toBeVisible();
  await shot(page, '10-class-page');

  await visit(page, app, 'Приказы', '11-orders');
  await page.getByTestId('orders-table').getByRole('link').first().click();
  await expect(page.getByTestId('order-movements')).toBeVisible();
  await shot(page, '12-order-page');
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Перевод школы в следующий учебный год' }).click();
  await expect(page.getByTestId('kept-back-list').locator('label').first()).toBeVisible();
  await shot(page, '13-promotion-form');

  await visit(page, app, 'Алфавитная книга', '14-alphabet-book');
  await visit(page, app, 'Сотрудники', '15-staff');
  await page.getByRole('button', { name: 'Новый сотрудник' }).click();
  await shot(page, '16-staff-form');
  await visit(page, app, 'Предметы', '17-subjects');
  await expect(page.getByText('нет кода').first()).toBeVisible();
  await visit(page, app, 'Учебные годы', '18-years');
  await page.getByRole('button', { name: 'Новый учебный год' }).click();
  await shot(page, '19-years-create');
  await visit(page, app, 'Организация', '20-school');
  await visit(page, app, 'Пользователи', '21-users');
  await app.goTo('Журнал аудита');
  await page.getByRole('button', { name: 'Проверить цепочку' }).click();
  await expect(page.getByTestId('audit-verdict')).toBeVisible();
  await shot(page, '22-audit');
  expect(consoleErrors).toEqual([]);
});
