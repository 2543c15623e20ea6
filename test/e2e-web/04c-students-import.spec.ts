// Import of students from a journal end to end: separate name columns, a sex column under a name the reader does not
// know (a new student without a patronymic is then rejected: the sex cannot be told), a bad date rejected with its row;
// the clerk maps the column, writes the good rows, finds the new students in the list, and the same file again
// (starting from the remembered mapping) adds nothing.
import ExcelJS from 'exceljs';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { ImportPage } from './pages/ImportPage';
import { StudentsPage } from './pages/StudentsPage';
import { shot } from './screens';

async function journal(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Контингент');
  ws.addRow(['Выгрузка учеников из электронного журнала']);
  ws.addRow([]);
  ws.addRow(['Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'Пол уч-ся']);
  ws.addRow(['Сидоренко', 'Алла', 'Викторовна', '12.05.2013', 'Ж']);
  ws.addRow(['Тарасов', 'Руслан', null, '03.11.2013', 'М']);
  ws.addRow(['Ульянова', 'Ева', 'Петровна', '30.02.2013', 'Ж']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('students from a journal: a column mapped in the preview, the good rows written, the same file again adds nothing', async ({ page, request }) => {
  await new Api(request).asAdmin();
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Импорт из журнала');
  const imp = new ImportPage(page);
  const bytes = await journal();
  await imp.upload('ученики', 'Ученики из журнала.xlsx', bytes);

  await expect(imp.preview).toContainText('Лист «Контингент», строка заголовка 3');
  await expect(imp.column('E')).toContainText('не распознан');
  await expect(imp.rejected.locator('tbody tr')).toHaveCount(2);
  await expect(imp.rejected.locator('tbody tr', { hasText: 'пол не указан' }).locator('td').nth(1)).toHaveText('5');
  await expect(imp.rejected.locator('tbody tr', { hasText: '30.02.2013' }).locator('td').nth(1)).toHaveText('6');
  await expect(imp.count('Добавить')).toHaveText('1');

  await imp.mapColumn('E', 'Пол');
  await expect(imp.rejected.locator('tbody tr')).toHaveCount(1);
  await expect(imp.rejected).toContainText('не дата');
  await expect(imp.count('Добавить')).toHaveText('2');
  const write = page.getByRole('button', { name: 'Записать' });
  await expect(write).toBeDisabled();
  await page.getByLabel('записать остальные (отклонённые не записываются)').check();
  await shot(page, '30-import-students');
  await imp.commit();
  await expect(imp.result).toContainText('добавлено 2');
  await expect(imp.result).toContainText('не записано отклонённых 1');

  await app.goTo('Ученики');
  const students = new StudentsPage(page);
  await students.search('Тарасов');
  await expect(students.row('Тарасов Руслан')).toHaveCount(1);
  await students.search('Ульянова');
  await expect(students.table.getByRole('row').filter({ hasText: 'Ульянова' })).toHaveCount(0);

  // the same journal again: the remembered mapping, nothing to add
  await app.goTo('Импорт из журнала');
  await imp.upload('ученики', 'Ученики из журнала.xlsx', bytes);
  await expect(page.getByTestId('import-saved')).toBeVisible();
  await expect(imp.count('Добавить')).toHaveText('0');
  await expect(imp.count('Без изменений')).toHaveText('2');
});
