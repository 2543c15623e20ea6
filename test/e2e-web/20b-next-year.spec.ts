// Issue 20 (correction of orders, the next year in one step): a clerk cancels a wrong transfer order from the book of
// orders — the pupil is back in his class and both orders stay in the book; opens the next year from its plan with the
// curricula in place (a class of the new year has its subjects); enters two first graders at once by one order.
// Self-contained: its own years (2009/2010 → 2010/2011; 20a's are 2013/2014 → 2014/2015), classes, pupils and order numbers, seeded through the API.
import { expect, test } from '@playwright/test';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { AlphabetBookPage } from './pages/AlphabetBookPage';

const YEAR = '2009/2010';
const NEXT = '2010/2011';
const WRONG = '20b-7-п';
const CANCEL = '20b-8-п';

async function seed(api: Api) {
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === YEAR) ?? await api.call('years.create', { name: YEAR });
  const subjects = await api.call('subjects.list', {});
  const subject = async (name: string, shortName: string) => subjects.find((s) => s.name === name) ?? api.call('subjects.create', { name, shortName });
  const math = await subject('Математика', 'Мат.');
  const rus = await subject('Русский язык', 'Рус. яз.');
  const hist = await subject('История', 'Ист.');
  const teacher = await api.call('staff.create', { lastName: 'Кудрявцева', firstName: 'Нина', middleName: 'Павловна', position: 'Учитель начальных классов', subjectIds: [] });
  const klass = async (parallel: number, letter: string, subjectIds: number[]) => {
    const c = await api.call('classes.create', { yearId: year.id, parallel, letter, homeroomTeacherId: parallel === 4 && letter === 'А' ? teacher.id : null });
    await api.call('curriculum.set', { classId: c.id, subjectIds });
    return c;
  };
  const a4 = await klass(4, 'А', [math.id, rus.id]);
  const b4 = await klass(4, 'Б', [math.id, rus.id]);
  await klass(5, 'А', [math.id, rus.id, hist.id]);
  const pupil = await api.call('students.create', { lastName: 'Цветков', firstName: 'Степан', middleName: 'Ильич', birthDate: '2000-04-14', sex: 'М',
    docKind: 'birth_certificate', docSeries: 'IV-МЮ', docNumber: '620201', docDate: '2000-05-01', docIssuer: 'Отдел ЗАГС Центрального района', guardians: [] });
  await api.call('orders.enrol', { order: { number: '20b-1-у', date: '2009-09-01' }, studentId: pupil.id, classId: a4.id, date: '2009-09-01' });
  // the wrong order: Цветков «transferred» to 4Б
  await api.call('orders.transfer', { order: { number: WRONG, date: '2009-10-10' }, studentId: pupil.id, toClassId: b4.id, date: '2009-10-10' });
  return { pupil, a4, b4, math, rus, hist };
}

test('cancel a wrong order, open the next year with curricula, enter two first graders', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  const s = await seed(api);
  const app = new App(page);
  await app.signInAsAdmin();

  // --- «Отменить приказ» on the book of orders ---
  await app.goTo('Приказы');
  await page.getByLabel('Учебный год').selectOption({ label: YEAR });
  await page.getByRole('button', { name: `Отменить приказ № ${WRONG} от 10.10.2009` }).click();
  const form = page.getByTestId('cancel-order-form');
  await form.getByLabel('Номер приказа об отмене').fill(CANCEL);
  await form.getByLabel('Дата приказа об отмене').fill('11.10.2009');
  await form.getByRole('button', { name: 'Отменить приказ' }).click();
  await expect(page.getByTestId('cancel-result')).toContainText(`Об отмене приказа № ${WRONG} от 10.10.2009`);
  // both orders in the book
  const rows = page.getByTestId('orders-table').getByTestId('order-row');
  const row = (number: string, date: string) => rows.filter({ has: page.getByRole('link', { name: `Приказ № ${number} от ${date}`, exact: true }) });
  await expect(row(WRONG, '10.10.2009')).toContainText('О переводе');
  await expect(row(CANCEL, '11.10.2009')).toContainText(`Об отмене приказа № ${WRONG} от 10.10.2009`);
  // the pupil is back where he was
  expect((await api.call('classes.students', { classId: s.a4.id })).map((p) => p.id)).toContain(s.pupil.id);
  expect((await api.call('classes.students', { classId: s.b4.id })).map((p) => p.id)).not.toContain(s.pupil.id);
  await page.goto(`/#/students/${s.pupil.id}`);
  await expect(page.getByTestId('student-history').getByTestId('movement-cancelled')).toContainText(`отменено приказом № ${CANCEL} от 11.10.2009`);

  // --- the next year from its plan ---
  await app.goTo('Учебные годы');
  await page.getByTestId('next-year-link').click();
  await page.getByLabel('Из учебного года').selectOption({ label: YEAR });
  await page.getByLabel('Первых классов').fill('1');
  await page.getByRole('button', { name: 'Показать план' }).click();
  const plan = page.getByTestId('next-year-classes');
  await expect(plan.locator('[data-class="5А"]')).toContainText('История, Математика, Русский язык');
  await expect(plan.locator('[data-class="5А"]')).toContainText('учитель начальных классов');
  await expect(plan.locator('[data-class="1А"]')).toContainText('Кудрявцева Нина Павловна');
  await page.getByRole('button', { name: `Открыть ${NEXT} учебный год` }).click();
  await expect(page.getByTestId('next-year-opened')).toContainText(`Открыт ${NEXT} учебный год`);
  const next = (await api.call('years.list', {})).find((y) => y.name === NEXT)!;
  const classes = await api.call('classes.list', { yearId: next.id });
  expect(classes.map((c) => c.name).sort()).toEqual(['1А', '5А', '5Б', '6А']);
  const fifth = classes.find((c) => c.name === '5А')!;
  expect((await api.call('curriculum.get', { classId: fifth.id })).map((x) => x.name)).toEqual(['История', 'Математика', 'Русский язык']);
  expect(fifth.homeroomTeacherId).toBeNull(); // the primary teacher did not follow her class into 5th grade

  // --- two first graders at once ---
  await page.getByTestId('next-year-opened').getByRole('link', { name: 'Зачислить первоклассников…' }).click();
  const fg = page.getByTestId('first-graders-form');
  await fg.getByLabel('Класс').selectOption({ label: `1А (${NEXT})` });
  await fg.getByLabel('Номер приказа о зачислении').fill('20b-2-у');
  await fg.getByRole('textbox', { name: 'Дата приказа', exact: true }).fill('02.06.2010');
  await fg.getByLabel('Дата зачисления').fill('01.09.2010');
  const people = [['Шубина', 'Вера', 'Андреевна', '11.03.2003', 'Ж'], ['Щукин', 'Глеб', 'Олегович', '25.07.2003', 'М']];
  for (const [i, [last, first, middle, birth, sex]] of people.entries()) {
    const row = fg.getByTestId('first-grader-row').nth(i);
    await row.getByLabel('Фамилия').fill(last);
    await row.getByRole('textbox', { name: 'Имя', exact: true }).fill(first);
    await row.getByLabel('Отчество').fill(middle);
    await row.getByLabel('Дата рождения').fill(birth);
    await row.getByLabel('Пол').selectOption(sex);
  }
  await fg.getByRole('button', { name: 'Зачислить' }).click();
  await expect(page.getByTestId('first-graders-done')).toContainText('Зачислено в 1А: 2.');
  const first = classes.find((c) => c.name === '1А')!;
  expect((await api.call('classes.students', { classId: first.id })).map((p) => p.fullName).sort())
    .toEqual(['Шубина Вера Андреевна', 'Щукин Глеб Олегович']);

  // the алфавитная книга names the order of enrolment
  await app.goTo('Алфавитная книга');
  const book = new AlphabetBookPage(page);
  await book.search('Шубина Вера');
  await expect(book.row('Шубина Вера Андреевна').getByTestId('book-enrol-order')).toHaveText('№ 20b-2-у от 02.06.2010');
});
