// Issue 16 in Chromium at 1366×768: an empty register greets the admin with the first-start checklist and empty lists
// that say what to do, and the whole menu is on screen; once the register is filled the checklist is gone; the class
// page leads to the class × subjects sheet of a period with the list, the ledger and Excel one click away; «Закрыть
// год» first shows what it would do and does nothing until confirmed; a packet sent to an address without its path
// stays waiting with the setting named first (not «отклонён», not green), goes once the address is fixed, and «nothing
// to send» is information, not a red field error.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api, SCHOOL } from './pages/api';
import { App } from './pages/App';
import { LedgersPage } from './pages/LedgersPage';
import { ReceiverProcess } from './pages/receiver';
import { documentsForPupilsWithout, regionThatKnowsTheChain } from './pages/region';
import { shot } from './screens';

const YEAR = '2025/2026';
const PASSWORD = 'пароль-школы-2107';
let dir: string;
const receiver = new ReceiverProcess();

test.use({ viewport: { width: 1366, height: 768 } });
test.beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-16-'));
  for (const args of [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', '/C=RU/O=ГБОУ Школа № 2107/CN=Лебедева Ирина Сергеевна', '-utf8'],
    ['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'school.p12', '-passout', `pass:${PASSWORD}`],
  ]) {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
});
test.afterAll(() => {
  receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('first start, the class sheet, closing a year with confirmation, packets to a wrong address', async ({ page, request }) => {
  test.setTimeout(180_000);
  const app = new App(page);
  await app.signInAsAdmin();
  const api = await new Api(request).asAdmin();
  const empty = (await api.call('students.search', {})).total === 0;

  await test.step('the whole menu is on a 1366×768 screen', async () => {
    const links = app.nav.getByRole('link');
    expect(await links.count()).toBeGreaterThan(15);
    await expect(links.last()).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('current-user').getByRole('button', { name: 'Выйти' })).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('nav-more')).toHaveCount(0);
  });

  if (empty) {
    await test.step('an empty register: the checklist, each step not done, with where to do it; lists say what to do', async () => {
      await app.goTo('Ученики');
      const list = page.getByTestId('start-checklist');
      await expect(list).toBeVisible();
      for (const key of ['school', 'years', 'classes', 'staff', 'subjects', 'students']) {
        await expect(list.getByTestId(`start-${key}`)).toHaveAttribute('data-done', 'false');
      }
      await expect(list.getByTestId('start-school').getByRole('link', { name: 'Заполнить' })).toHaveAttribute('href', '#/school');
      await expect(list.getByTestId('start-students').getByRole('link', { name: 'Импорт из журнала' })).toHaveAttribute('href', '#/import');
      await expect(page.getByTestId('students-table')).toContainText('В реестре ещё нет учеников. Внесите первого кнопкой «Новый ученик»');
      await shot(page, '16-01-first-start-checklist');
      await app.goTo('Сотрудники');
      await expect(page.getByText('Сотрудников пока нет. Добавьте учителей формой «Новый сотрудник»')).toBeVisible();
    });
  }

  // The school, as a clerk would fill it in (through the API: the subject here is what the screens show afterwards).
  if (!(await api.call('school.get', {}))) await api.call('school.update', SCHOOL);
  const year = (await api.call('years.list', {})).find((y) => y.name === YEAR) ?? await api.call('years.create', { name: YEAR });
  const teacher = await api.call('staff.create', { lastName: 'Петрова', firstName: 'Анна', middleName: 'Сергеевна', position: 'Учитель', subjectIds: [] });
  const math = await api.call('subjects.create', { name: 'Математика 16', shortName: 'Мат16', cityRegisterId: 'MSK-1605', federalCode: '05' });
  const rus = await api.call('subjects.create', { name: 'Русский язык 16', shortName: 'Рус16', cityRegisterId: 'MSK-1601', federalCode: '01' });
  const klass = await api.call('classes.create', { yearId: year.id, parallel: 7, letter: 'Ю', homeroomTeacherId: teacher.id });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [math.id, rus.id] });
  const kids = [
    await api.call('students.create', { lastName: 'Орлова', firstName: 'Мария', middleName: 'Игоревна', birthDate: '2012-03-04', sex: 'Ж', snils: '16012345612' }),
    await api.call('students.create', { lastName: 'Алиев', firstName: 'Тимур', middleName: 'Русланович', birthDate: '2012-01-30', sex: 'М', snils: '08765430300' }),
  ];
  for (const st of kids) await api.call('orders.enrol', { order: { number: '16-у', date: '2025-08-28' }, studentId: st.id, classId: klass.id, date: '2025-09-01' });
  const grid = await api.call('grades.grid', { classId: klass.id });
  const q1 = grid.columns.find((c) => c.slot === 'period' && c.number === 1)!.periodId!;
  await api.call('grades.set', { classId: klass.id, cells: [
    { studentId: kids[0].id, subjectId: math.id, slot: 'period', periodId: q1, mark: '5' },
    { studentId: kids[0].id, subjectId: rus.id, slot: 'period', periodId: q1, mark: '4' },
    { studentId: kids[1].id, subjectId: math.id, slot: 'period', periodId: q1, mark: '3' },
  ] });

  await test.step('once the register has everything, the checklist is gone', async () => {
    await page.reload(); // the years the screens choose from are read when the app starts
    await expect(app.nav).toBeVisible();
    await app.goTo('Ученики');
    // the register is shared with the other specs: the first page of the list need not hold her, a search does
    await page.getByTestId('student-search').fill('Орлова Мария');
    await expect(page.getByTestId('students-table')).toContainText('Орлова Мария Игоревна');
    await expect(page.getByTestId('start-checklist')).toHaveCount(0);
  });

  await test.step('the class page leads to the sheet of a period: marks by subject, list, ledger and Excel one click away', async () => {
    await page.goto(`/#/classes/${klass.id}`);
    await page.getByTestId('class-sheet-link').click();
    const sheet = page.getByTestId('class-sheet');
    await expect(sheet).toBeVisible();
    await page.getByLabel('Период').selectOption({ label: '1 четв.' });
    const orlova = sheet.getByRole('row').filter({ hasText: 'Орлова Мария Игоревна' });
    await expect(orlova).toContainText('5');
    await expect(orlova).toContainText('4');
    await expect(sheet.getByRole('row').filter({ hasText: 'Алиев Тимур Русланович' })).toContainText('3');
    await expect(sheet.locator('tfoot')).toContainText('Выставлено 2 из 2');
    await expect(sheet.locator('tfoot')).toContainText('Выставлено 1 из 2');
    await shot(page, '16-02-class-sheet');
    const links = page.getByTestId('class-sheet-links');
    await expect(links.getByRole('link', { name: 'Список класса' })).toHaveAttribute('href', `#/classes/${klass.id}`);
    await expect(links.getByRole('link', { name: 'Ведомость класса' })).toHaveAttribute('href', `#/ledgers/${klass.id}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-sheet-excel').click()]);
    expect(download.suggestedFilename()).toMatch(/^Ведомость 7Ю 2025-2026 черновик\.xlsx$/);
  });

  await test.step('closing the year: what it would do first, nothing until confirmed', async () => {
    await app.goTo('Ведомости');
    const ledgers = new LedgersPage(page);
    await ledgers.pickYear(YEAR);
    await ledgers.closeYear.getByTestId('close-year-run').click();
    const dialog = page.getByTestId('close-year-confirm-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`Закрыть ${YEAR} учебный год?`);
    const row = dialog.getByTestId('close-year-class').filter({ hasText: '7Ю' });
    await expect(row).toHaveAttribute('data-fate', 'hold');
    await expect(row).toContainText('не будет заверена');
    // 2 students × 2 subjects × (4 quarters + annual + final) = 24 cells, 3 of them marked
    await expect(row.getByRole('cell').nth(0)).toHaveText('2');
    await expect(row.getByRole('cell').nth(1)).toHaveText('3');
    await expect(row).toContainText('Не хватает оценок: 21');
    await expect(row).toContainText('Алиев Тимур Русланович — Математика 16, 2 четв.');
    await expect(dialog.getByTestId('close-year-held')).toBeVisible();
    await shot(page, '16-03-close-year-confirm');
    await dialog.getByTestId('close-year-back').click();
    await expect(dialog).toBeHidden();
    await expect(ledgers.closeYear.getByTestId('close-year-done')).toHaveCount(0);
    await expect(ledgers.closeYear.getByTestId('close-year-progress')).toHaveCount(0);
    // confirmed: the job runs and reports the class it could not seal
    await ledgers.closeYear.getByTestId('close-year-run').click();
    await dialog.getByTestId('close-year-confirm').click();
    await expect(ledgers.closeYear.getByTestId('close-year-skipped')).toContainText('7Ю', { timeout: 60_000 });
  });

  await test.step('packets: an address without its path is a setting to fix; the packet waits; fixed, it goes', async () => {
    const url = await receiver.start(['--data', (await regionThatKnowsTheChain(api, path.join(dir, 'receiver'))).dataDir, '--trust', path.join(dir, 'cert.pem')]);
    await api.call('packets.loadCertificate', { p12Base64: fs.readFileSync(path.join(dir, 'school.p12')).toString('base64'), password: PASSWORD });
    const wrong = url.replace(/\/packets$/, '/');
    await api.call('packets.setEndpoint', { endpoint: wrong });
    await app.goTo('Пакеты в региональный сегмент');
    const upload = page.getByTestId('upload-form');
    // nothing signed yet: said as information, not as a red field error
    await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
    await expect(page.getByTestId('packets-info')).toContainText('Нет пакетов к отправке: соберите и подпишите пакет');
    await expect(upload.getByTestId('form-error')).toHaveCount(0);
    // the register is shared with the other specs: made what the region expects of it first (pages/region.ts)
    await documentsForPupilsWithout(api);
    await api.call('packets.build', {});
    const signed = (await api.call('packets.sign', { password: PASSWORD })).signed;
    const mine = page.getByTestId('outbox').getByTestId(`packet-${signed[signed.length - 1].seq}`); // the packet this step sends
    await page.reload();
    await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
    const summary = page.getByTestId('upload-summary');
    await expect(summary).toContainText('Ничего не принято:', { timeout: 30_000 });
    await expect(summary).toHaveClass(/notice-error/);
    await expect(page.getByTestId('upload-reason')).toHaveText(
      `Ничего не принято: пакет ждёт отправки: по этому адресу приёмника пакетов нет (HTTP 404): проверьте настройку «Адрес приёмника» на экране «Пакеты» (сейчас ${wrong}).`);
    const outbox = page.getByTestId('outbox');
    await expect(mine).toHaveAttribute('data-state', 'retry'); // this packet waits (the register is shared: not a count)
    await expect(outbox.locator('tr[data-state="rejected"]')).toHaveCount(0);
    await shot(page, '16-04-packets-wrong-address');
    // the address fixed: the same packet goes
    await api.call('packets.setEndpoint', { endpoint: url });
    await page.reload();
    await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
    await expect(summary).toHaveText('Принято: 1, отклонено: 0, ждут повтора: 0.', { timeout: 30_000 });
    await expect(summary).toHaveClass(/notice-ok/);
    await expect(mine).toHaveAttribute('data-state', 'accepted');
  });
});
