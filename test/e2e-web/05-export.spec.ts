// The city-register export end to end: with a subject that has no directory ID in the year's curriculum, nothing is
// saved and the subject is named; once every subject has its ID, the workbook downloads and holds IDs, not names.
import ExcelJS from 'exceljs';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { shot } from './screens';

test('export for the city register: refused with the subjects to fix, then saved with directory IDs', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2026/2027') ?? await api.call('years.create', { name: '2026/2027' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.parallel === 10 && c.letter === 'Э') ?? await api.call('classes.create', { yearId: year.id, parallel: 10, letter: 'Э' });
  const subjects = await api.call('subjects.list', {});
  const astro = subjects.find((s) => s.name === 'Астрономия') ?? await api.call('subjects.create', { name: 'Астрономия', shortName: 'Астр.' });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [astro.id] });

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Выгрузка в городской реестр');
  await page.getByTestId('export-year').selectOption({ label: '2026/2027' });
  await page.getByTestId('export-run').click();
  await expect(page.getByTestId('export-failure')).toContainText('«Астрономия»');
  await expect(page.getByTestId('export-failure')).toContainText('файл не записан');
  await shot(page, '27-export-refused');

  // Give every subject its directory ID, then export again.
  for (const s of await api.call('subjects.list', {})) {
    if (!s.cityRegisterId) {
      await api.call('subjects.update', { id: s.id, data: { name: s.name, shortName: s.shortName, cityRegisterId: `MSK-E2E-${s.id}`, federalCode: s.federalCode } });
    }
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run').click()]);
  expect(download.suggestedFilename()).toBe('Городской регистр 2026-2027.xlsx');
  await expect(page.getByTestId('export-done')).toContainText('сохранён');
  const file = await download.path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  expect(wb.worksheets.map((w) => w.name)).toEqual(['Классы', 'Контингент', 'Сотрудники', 'Промежуточная аттестация']);
  const classesSheet = wb.getWorksheet('Классы')!;
  const names: string[] = [];
  classesSheet.eachRow((row, n) => { if (n > 1) names.push(String(row.getCell(1).value)); });
  expect(names).toContain('10Э');
  // No subject is written by name anywhere in the attestation sheet.
  const att = wb.getWorksheet('Промежуточная аттестация')!;
  att.eachRow((row) => row.eachCell((cell) => expect(String(cell.value)).not.toContain('Химия')));
  await shot(page, '28-export-done');
});

test('the students list and a class\'s marks save as xlsx with what the screen shows', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Ученики');
  const [students] = await Promise.all([page.waitForEvent('download'), page.getByTestId('students-xlsx').click()]);
  expect(students.suggestedFilename()).toBe('Ученики.xlsx');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await students.path());
  const sheet = wb.getWorksheet('Ученики')!;
  expect(sheet.getRow(1).values).toEqual([undefined, '№', 'ФИО', 'Дата рождения', 'СНИЛС', 'Класс', 'Состояние']);
  const total = (await api.call('students.search', {})).total;
  expect(sheet.rowCount).toBe(total + 1);

  // The 9В chemistry marks imported by the import test.
  const year = (await api.call('years.list', {})).find((y) => y.name === '2026/2027')!;
  const klass = (await api.call('classes.list', { yearId: year.id })).find((c) => c.name === '9В')!;
  await page.goto(`/#/grades/${klass.id}`);
  const [marks] = await Promise.all([page.waitForEvent('download'), page.getByTestId('grades-xlsx').click()]);
  expect(marks.suggestedFilename()).toBe('Успеваемость 9В 2026-2027.xlsx');
  const mb = new ExcelJS.Workbook();
  await mb.xlsx.readFile(await marks.path());
  const ms = mb.worksheets[0];
  const header = (ms.getRow(1).values as unknown[]).map(String);
  const q1 = header.indexOf('Хим. 1 четв.');
  expect(q1).toBeGreaterThan(0);
  const rows: Record<string, string> = {};
  ms.eachRow((row, n) => { if (n > 1) rows[String(row.getCell(2).value)] = String(row.getCell(q1).value); });
  expect(rows['Горелова Зоя Игоревна']).toBe('5');
});
