// The grid that tells the truth and the book of orders that keeps itself straight (issue 16), at 1366×768: a sealed
// class's grid is read-only and says «запечатана» (a typed mark is not even drafted); a student who left the class is
// marked «выбыл ДД.ММ.ГГГГ» and greyed, the periods after he left take no mark; a second «№ 17-в» of departures in the
// same school year is refused with the message next to the order's number, after the withdrawal's summary was
// confirmed. Self-contained: its own past year (2019/2020), classes, students and marks, seeded through the API.
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { GradesPage } from './pages/GradesPage';
import { shot } from './screens';

test.use({ viewport: { width: 1366, height: 768 } });

const YEAR = '2019/2020';
const OPEN = { parallel: 9, letter: 'Ю', name: '9Ю' };
const SEALED = { parallel: 9, letter: 'Я', name: '9Я' };
// Each with a birth certificate: a pupil without СНИЛС must have a document for the regional segment, and a later
// spec (16-clerk-year) builds a packet over this shared register.
const birthCertificate = (number: string, date: string) =>
  ({ docKind: 'birth_certificate' as const, docSeries: 'IV-МЮ', docNumber: number, docDate: date, docIssuer: 'Отдел ЗАГС Центрального района' });
const PEOPLE = [
  { lastName: 'Аксёнов', firstName: 'Борис', middleName: 'Игоревич', birthDate: '2004-02-11', sex: 'М' as const, ...birthCertificate('604101', '2004-03-01') },
  { lastName: 'Быстрова', firstName: 'Дарья', middleName: 'Олеговна', birthDate: '2004-05-23', sex: 'Ж' as const, ...birthCertificate('604102', '2004-06-10') },
  { lastName: 'Волин', firstName: 'Егор', middleName: 'Петрович', birthDate: '2004-08-30', sex: 'М' as const, ...birthCertificate('604103', '2004-09-15') },
];

async function seed(api: Api) {
  await ensureSchool(api); // a seal prints the school's requisites
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === YEAR) ?? await api.call('years.create', { name: YEAR });
  const subjects = await api.call('subjects.list', {});
  const math = subjects.find((s) => s.name === 'Математика') ?? await api.call('subjects.create', { name: 'Математика', shortName: 'Мат.' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = async (c: typeof OPEN) => classes.find((x) => x.name === c.name) ?? api.call('classes.create', { yearId: year.id, parallel: c.parallel, letter: c.letter });
  const open = await klass(OPEN);
  const sealed = await klass(SEALED);
  for (const c of [open, sealed]) await api.call('curriculum.set', { classId: c.id, subjectIds: [math.id] });
  const ids: Record<string, string> = {};
  for (const c of [open, sealed]) {
    const inClass = await api.call('classes.students', { classId: c.id });
    for (const p of PEOPLE) {
      const name = `${p.lastName} ${p.firstName} ${p.middleName}`;
      const found = inClass.find((s) => s.fullName === name);
      if (found) { ids[`${c.name}:${p.lastName}`] = found.id; continue; }
      const s = await api.call('students.create', { ...p, guardians: [] });
      await api.call('orders.enrol', { order: { number: '3-у', date: '2019-09-01' }, studentId: s.id, classId: c.id, date: '2019-09-01' });
      ids[`${c.name}:${p.lastName}`] = s.id;
    }
  }
  // 9Я: every cell filled, then sealed (without a certificate: an unsigned seal locks the class all the same)
  const grid = await api.call('grades.grid', { classId: sealed.id });
  if (!(await api.call('ledgers.get', { classId: sealed.id })).versions.length) {
    await api.call('grades.set', { classId: sealed.id, cells: grid.students.flatMap((st) => grid.columns.filter((c) => c.slot !== 'exam')
      .map((c) => ({ studentId: st.id, subjectId: math.id, slot: c.slot, periodId: c.periodId, mark: '4' }))) });
    await api.call('ledgers.seal', { classId: sealed.id });
  }
  // 9Ю: Аксёнов has a 1st-quarter mark and leaves on 15.10.2019 by order № 17-в
  const leaver = ids[`${OPEN.name}:Аксёнов`];
  const g = await api.call('grades.grid', { classId: open.id, subjectId: math.id });
  if (!g.students.find((s) => s.id === leaver)!.leftOn) {
    const q1 = g.columns.find((c) => c.slot === 'period' && c.number === 1)!;
    await api.call('grades.set', { classId: open.id, cells: [{ studentId: leaver, subjectId: math.id, slot: 'period', periodId: q1.periodId, mark: '5' }] });
    await api.call('orders.depart', { order: { number: '17-в', date: '2019-10-15' }, studentId: leaver, date: '2019-10-15',
      reason: 'перевод в другую школу', whereTo: 'ГБОУ Школа № 57' });
  }
  return { secondId: ids[`${OPEN.name}:Быстрова`] };
}

test('a sealed class is read-only, a departed student is marked, a duplicate order is refused next to its field', async ({ page, request }) => {
  test.setTimeout(120_000);
  const { secondId } = await seed(await new Api(request).asAdmin());
  const app = new App(page);
  await app.signInAsAdmin();
  const g = new GradesPage(page);

  // ---- the sealed class: says so, no cell takes a mark, nothing is drafted ----
  await app.goTo('Успеваемость');
  await page.getByLabel('Учебный год', { exact: true }).selectOption({ label: YEAR });
  await g.open(SEALED.name, 'Математика');
  const sealedNote = page.getByTestId('grade-sealed');
  await expect(sealedNote).toContainText(`Ведомость ${SEALED.name} класса за ${YEAR} учебный год запечатана (версия 1`);
  await expect(sealedNote).toBeInViewport();
  await expect(g.grid).toHaveAttribute('aria-readonly', 'true');
  await g.select(0, 0);
  await g.press('2', 'Enter');
  await expect(g.status).toHaveText('Ведомость запечатана — оценка не изменится');
  await expect(g.cell(0, 0)).toHaveText('4');
  await expect(g.grid.locator('td.editing')).toHaveCount(0);
  await g.press('Delete');
  await expect(g.cell(0, 0)).toHaveText('4');
  await shot(page, '160-grades-sealed-read-only');
  await page.reload();
  await expect(g.grid).toBeVisible();
  await expect(g.cell(0, 0)).toHaveText('4');

  // ---- the departed student: marked and greyed, later periods closed, the earlier mark kept ----
  await g.open(OPEN.name, 'Математика');
  const row = g.grid.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^Аксёнов Борис/ }) });
  await expect(row.getByTestId('left-on')).toHaveText('выбыл 15.10.2019');
  await expect(row).toHaveClass(/departed/);
  await expect(g.cell(0, 0)).toHaveText('5');
  await expect(g.cell(0, 0)).not.toHaveClass(/closed/);
  for (const col of [1, 2, 3]) {
    await expect(g.cell(0, col)).toHaveClass(/closed/);
    await expect(g.cell(0, col)).toHaveAttribute('aria-readonly', 'true');
  }
  await g.select(0, 2);
  await g.press('4', 'Enter');
  await expect(g.status).toHaveText('Ученик выбыл из класса 15.10.2019: за периоды после выбытия оценки не ставятся');
  await expect(g.cell(0, 2)).toHaveText('');
  // a block pasted over his closed cells is refused by the backend, named, in a bar in sight; Esc keeps the message
  await g.select(0, 1);
  await g.paste([['3']]);
  await expect(g.error).toContainText('Аксёнов Борис, «Математика», 2 четверть: ученик выбыл из класса 9Ю 15.10.2019');
  await expect(g.error).toBeInViewport();
  await g.press('Escape');
  await expect(g.error).toBeVisible();
  await expect(g.cell(0, 1)).toHaveText('');
  await shot(page, '161-grades-departed');
  await g.error.getByRole('button', { name: 'Закрыть сообщение' }).click();
  await expect(g.error).toHaveCount(0);
  // the others are unaffected
  await g.select(1, 2);
  await g.press('5', 'Enter');
  await expect(g.cell(1, 2)).toHaveText('5');

  // ---- a second «№ 17-в» of departures in 2019/2020: the summary first, then the refusal next to the number ----
  await page.goto(`/#/students/${secondId}`);
  await page.getByRole('button', { name: 'Отчислить (выбытие)' }).click();
  const form = page.getByTestId('depart-form');
  await form.getByLabel('Номер приказа').fill('17-в');
  await form.getByLabel('Дата приказа').fill('03.02.2020');
  await form.getByLabel('Дата выбытия').fill('03.02.2020');
  await form.getByLabel('Причина выбытия').selectOption({ label: 'другое' });
  await form.getByLabel('Причина (своими словами)').fill('переезд в другой город');
  await form.getByRole('button', { name: 'Отчислить' }).click();
  const confirm = page.getByTestId('depart-confirm');
  await expect(confirm).toContainText('Быстрова Дарья Олеговна');
  await expect(confirm).toContainText(`${OPEN.name} (${YEAR})`);
  await expect(confirm).toContainText('03.02.2020');
  await expect(confirm).toContainText('№ 17-в от 03.02.2020');
  await expect(confirm).toContainText('переезд в другой город');
  await confirm.getByRole('button', { name: 'Всё верно — записать выбытие' }).click();
  const error = page.getByTestId('error-order.number');
  await expect(error).toHaveText('Приказ № 17-в («Об отчислении (выбытии)») уже есть в 2019/2020 учебном году — от 15.10.2019: ' +
    'номер приказа одного вида в учебном году не повторяется');
  await expect(error).toBeInViewport();
  await expect(form.getByLabel('Номер приказа')).toHaveAttribute('aria-invalid', 'true');
  await shot(page, '162-order-number-twice');
  // nothing was written: she is still in 9Ю
  const api = await new Api(request).asAdmin();
  expect((await api.call('students.get', { id: secondId })).currentClass?.name).toBe(OPEN.name);

  // an order dated after today asks the clerk to confirm the date before it is sent
  const next = `01.02.${new Date().getFullYear() + 1}`;
  await form.getByLabel('Дата приказа').fill(next);
  const confirmFuture = form.getByLabel(`Приказ действительно датирован будущим числом: ${next} — позже сегодняшнего дня`);
  await expect(confirmFuture).not.toBeChecked();
  await form.getByRole('button', { name: 'Отчислить' }).click();
  await expect(page.getByTestId('error-order.confirmFuture')).toHaveText('Дата приказа позже сегодняшней: отметьте, что она верна, или исправьте дату');
  await expect(confirm).toHaveCount(0); // no summary, nothing sent until the date is confirmed
  await form.getByRole('button', { name: 'Отмена' }).click();

  // ---- the book of orders by year: filtered, searched, numbered per year, printed ----
  await app.goTo('Приказы');
  await page.getByLabel('Учебный год', { exact: true }).selectOption({ label: YEAR });
  await page.getByLabel('Поиск: номер, содержание или ученик').fill('аксёнов');
  await expect(page.getByTestId('orders-found')).toHaveText('Найдено: 2 приказа');
  const table = page.getByTestId('orders-table');
  await expect(table.getByRole('row').nth(1)).toContainText('№ 17-в');
  await expect(table.getByRole('row').nth(1)).toContainText(YEAR);
  await table.getByRole('link', { name: 'Приказ № 17-в от 15.10.2019' }).click();
  await expect(page.getByTestId('order-page')).toContainText('Аксёнов Борис Игоревич');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('order-print').click()]);
  expect(download.suggestedFilename()).toBe('Приказ 17-в от 15.10.2019.pdf');
  const pdf = execFileSync('pdftotext', ['-layout', await download.path(), '-'], { encoding: 'utf8' });
  expect(pdf).toContain('ПРИКАЗ');
  expect(pdf).toContain('Аксёнов Борис Игоревич');
  await shot(page, '163-order-page');
});
