// The turn of the year by the rules (issue 20, part a) in Chromium: the promotion is reviewed before it is signed — a
// pupil with a «2» blocks it until decided; one pupil is kept back on the parents' application (with its date), the
// one with the «2» is promoted conditionally with a deadline; the order is confirmed and printed (pdftotext reads its
// per-class list); the debt is retaken and cleared by a further order; then the 11th graders are released by a выпуск
// order — one with his attestat, one with a справка.
// Self-contained: its own past years (2013/2014 → 2014/2015), classes, pupils, marks and attestat form, seeded
// through the API; unique names and order numbers.
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';

const FROM = '2013/2014';
const TO = '2014/2015';
const person = (lastName: string, firstName: string, birthDate: string, sex: 'М' | 'Ж', n: number) => ({
  lastName, firstName, middleName: sex === 'М' ? 'Андреевич' : 'Андреевна', birthDate, sex,
  docKind: 'birth_certificate' as const, docSeries: 'V-МЮ', docNumber: String(720100 + n), docDate: birthDate.replace(/-\d\d$/, '-28'), docIssuer: 'Отдел ЗАГС Пресненского района',
});
const SEVENTH = [person('Лавренёв', 'Игорь', '2000-03-03', 'М', 1), person('Миронцева', 'Алла', '2000-04-04', 'Ж', 2), person('Носиков', 'Пётр', '2000-05-05', 'М', 3)];
const ELEVENTH = [person('Орешин', 'Глеб', '1996-06-06', 'М', 4), person('Пахомова', 'Рита', '1996-07-07', 'Ж', 5)];
const full = (p: { lastName: string; firstName: string; middleName: string }) => `${p.lastName} ${p.firstName} ${p.middleName}`;

async function seed(api: Api) {
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const from = years.find((y) => y.name === FROM) ?? await api.call('years.create', { name: FROM });
  if (!years.some((y) => y.name === TO)) await api.call('years.create', { name: TO });
  const subjects = await api.call('subjects.list', {});
  const math = subjects.find((s) => s.name === 'Математика') ?? await api.call('subjects.create', { name: 'Математика', shortName: 'Мат.' });
  const c7 = await api.call('classes.create', { yearId: from.id, parallel: 7, letter: 'П' });
  const c11 = await api.call('classes.create', { yearId: from.id, parallel: 11, letter: 'П' });
  for (const c of [c7, c11]) await api.call('curriculum.set', { classId: c.id, subjectIds: [math.id] });
  const ids: Record<string, string> = {};
  for (const [c, list] of [[c7, SEVENTH], [c11, ELEVENTH]] as const) {
    for (const p of list) {
      const s = await api.call('students.create', { ...p, guardians: [] });
      await api.call('orders.enrol', { order: { number: '20а-у', date: '2013-09-01' }, studentId: s.id, classId: c.id, date: '2013-09-01' });
      ids[p.lastName] = s.id;
    }
  }
  const cell = (who: string, mark: string, slot: 'annual' | 'final' = 'annual') => ({ studentId: ids[who], subjectId: math.id, slot, periodId: null, mark });
  await api.call('grades.set', { classId: c7.id, cells: [cell('Лавренёв', '5'), cell('Миронцева', '4'), cell('Носиков', '2')] });
  await api.call('grades.set', { classId: c11.id, cells: [cell('Орешин', '5'), cell('Орешин', '5', 'final')] });
  // Орешин's attestat, issued in the book of issued attestats
  await api.call('attestats.receiveForms', { kind: 11, series: '77 ПР', firstNumber: 2001, lastNumber: 2001, receivedOn: '2014-05-20', document: 'Накладная № 20а от 20.05.2014' });
  await api.call('attestats.issue', { studentId: ids.Орешин, kind: 11, series: '77 ПР', number: 2001, issueDate: '2014-06-24', recipient: full(ELEVENTH[0]) });
}

test('the promotion reviewed, decided and confirmed, its order printed; the 11th graders released by a выпуск order', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  await seed(api);
  const app = new App(page);
  await app.signInAsAdmin();

  // ---- the review: Носиков's «2» blocks the promotion until decided
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Перевод школы в следующий учебный год' }).click();
  const form = page.getByTestId('promote-form');
  await form.getByLabel('Из учебного года').selectOption({ label: FROM });
  await form.getByLabel('В учебный год').selectOption({ label: TO });
  const review = page.getByTestId('promotion-review');
  await expect(review.getByRole('heading')).toContainText('Перевод на 26.05.2014');
  const blocker = review.getByTestId('promotion-blocker').filter({ hasText: full(SEVENTH[2]) });
  await expect(blocker).toContainText('«Математика» — 2: решите — перевести условно');
  await expect(review.getByTestId('promotion-class-11П')).toContainText('2'); // the 11th graders wait for the выпуск
  // confirming now is refused, the blocker named
  await form.getByLabel('Номер приказа').fill('20а-п');
  await form.getByLabel('Дата приказа').fill('30.05.2014');
  await form.getByRole('button', { name: 'Подтвердить перевод' }).click();
  await expect(form).toContainText('Перевод не оформлен: 1 препятствие');

  // ---- decisions: Носиков conditionally (deadline), Миронцева kept back on the parents' application
  await blocker.getByRole('button', { name: 'Перевести условно' }).click();
  const decisions = page.getByTestId('promotion-decisions');
  const condRow = decisions.getByTestId('decision-row').filter({ hasText: full(SEVENTH[2]) });
  await condRow.getByLabel('Срок ликвидации задолженности').fill('15.10.2014');
  await page.getByTestId('kept-back-list').getByLabel(new RegExp(full(SEVENTH[1]))).check();
  const keptRow = decisions.getByTestId('decision-row').filter({ hasText: full(SEVENTH[1]) });
  await expect(keptRow.getByLabel('Основание')).toHaveValue('application');
  await keptRow.getByLabel('Дата основания').fill('20.05.2014');
  await expect(page.getByTestId('promotion-no-blockers')).toBeVisible();
  const row7 = review.getByTestId('promotion-class-7П');
  await expect(row7).toContainText(`${full(SEVENTH[1])} (Заявление родителей 20.05.2014)`);
  await expect(row7).toContainText(`${full(SEVENTH[2])} Задолженность: Математика (2), 15.10.2014`);

  // ---- confirm
  await form.getByRole('button', { name: 'Подтвердить перевод' }).click();
  await expect(page.getByTestId('promote-result')).toContainText('Переведено: 1. Переведено условно: 1. Оставлено: 1. Ждут выпуска: 2.');
  const debts = await api.call('debts.list', { open: true });
  expect(debts.filter((d) => d.studentName === full(SEVENTH[2])).map((d) => [d.subject, d.annualMark, d.deadline, d.currentClass]))
    .toEqual([['Математика', '2', '2014-10-15', '8П']]);

  // ---- the debt: a retake recorded, then cleared by an order on academic debts
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Академическая задолженность' }).click();
  const debtRow = page.getByTestId('debt-row').filter({ hasText: full(SEVENTH[2]) });
  await expect(debtRow).toContainText('Математика (2)');
  await expect(debtRow).toContainText('15.10.2014');
  const retake = debtRow.getByTestId('retake-form');
  await retake.getByLabel('Дата пересдачи').fill('01.10.2014');
  await retake.getByLabel('Отметка').fill('4');
  await retake.getByRole('button', { name: 'Записать' }).click();
  await expect(debtRow).toContainText('01.10.2014: 4');
  await debtRow.getByRole('button', { name: 'Итог приказом' }).click();
  const decide = page.getByTestId('debt-decide-form');
  await expect(decide.locator('select[name="outcome"]')).toHaveValue('cleared');
  await decide.getByLabel('Номер приказа').fill('20а-аз');
  await decide.getByLabel('Дата приказа').fill('02.10.2014');
  await decide.getByLabel('Дата итога').fill('02.10.2014');
  await decide.getByRole('button', { name: 'Оформить приказ' }).click();
  await expect(debtRow).toHaveCount(0);
  expect((await api.call('debts.list', { studentId: debts.find((d) => d.studentName === full(SEVENTH[2]))!.studentId }))
    .map((d) => [d.outcome, d.outcomeOrder?.number])).toEqual([['cleared', '20а-аз']]);

  // ---- the order printed: its per-class list with each decision
  await app.goTo('Приказы');
  await page.getByLabel('Поиск: номер, содержание или ученик').fill('20а-п');
  await page.getByTestId('orders-table').getByRole('link', { name: /20а-п/ }).click();
  await expect(page.getByTestId('order-movements')).toContainText(full(SEVENTH[2]));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('order-print').click()]);
  expect(download.suggestedFilename()).toBe('Приказ 20а-п от 30.05.2014.pdf');
  const pdf = execFileSync('pdftotext', ['-layout', await download.path(), '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
  expect(pdf).toContain('О переводе в следующий класс');
  expect(pdf).toContain('7П класс (3)');
  expect(pdf).toContain(`${full(SEVENTH[2])}`);
  expect(pdf).toContain('Переведён(а) условно; академическая');
  expect(pdf).toContain('Оставлен(а) на повторное обучение:');
  expect(pdf).not.toContain('Окончание обучения');
  expect(pdf).not.toContain(full(ELEVENTH[0]));

  // ---- выпуск: Орешин with his attestat, Пахомова with a справка об обучении
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Выпуск (после ГИА)' }).click();
  const g = page.getByTestId('graduate-form');
  await g.getByLabel('Из учебного года').selectOption({ label: FROM });
  await g.getByLabel('Класс').selectOption({ label: '11П' });
  const rows = g.getByTestId('graduate-row');
  await expect(rows).toHaveCount(2);
  await rows.filter({ hasText: full(ELEVENTH[0]) }).getByLabel(full(ELEVENTH[0])).check();
  const p = rows.filter({ hasText: full(ELEVENTH[1]) });
  await p.getByLabel(full(ELEVENTH[1])).check();
  await p.getByLabel('без аттестата (справка об обучении)').check();
  await g.getByLabel('Номер приказа').fill('20а-вып');
  await g.getByLabel('Дата приказа').fill('25.06.2014');
  await g.getByLabel('Дата выпуска').fill('25.06.2014');
  await g.getByRole('button', { name: 'Оформить выпуск' }).click();
  await expect(page.getByTestId('graduate-result')).toContainText('Выпущено: 2 (с аттестатом: 1, со справкой: 1).');
  await expect(rows).toHaveCount(0);
  const book = await api.call('orders.list', { query: '20а-вып' });
  expect(book.map((o) => [o.number, o.kind, o.studentCount])).toEqual([['20а-вып', 'graduation', 2]]);
});
