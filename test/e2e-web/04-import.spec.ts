// Import from a journal end to end: a marks journal with a misspelled column («Дата рожд-я») is uploaded, the column
// shows as unrecognised and every row is rejected with sheet/row/column; the clerk maps the column in the preview,
// the rejections go, the commit writes the marks and the grade grid shows them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { GradesPage } from './pages/GradesPage';
import { ImportPage } from './pages/ImportPage';
import { shot } from './screens';

const PEOPLE = [
  { lastName: 'Горелова', firstName: 'Зоя', middleName: 'Игоревна', birthDate: '2011-02-14', sex: 'Ж' as const },
  { lastName: 'Демидов', firstName: 'Лев', middleName: 'Олегович', birthDate: '2011-06-03', sex: 'М' as const },
];
const ru = (iso: string) => iso.split('-').reverse().join('.');

async function seed(api: Api) {
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2026/2027') ?? await api.call('years.create', { name: '2026/2027' });
  const subjects = await api.call('subjects.list', {});
  const chem = subjects.find((s) => s.name === 'Химия') ?? await api.call('subjects.create', { name: 'Химия', shortName: 'Хим.', cityRegisterId: 'MSK-0160', federalCode: '16' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.parallel === 9 && c.letter === 'В') ?? await api.call('classes.create', { yearId: year.id, parallel: 9, letter: 'В' });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [chem.id] });
  const inClass = await api.call('classes.students', { classId: klass.id });
  for (const p of PEOPLE) {
    if (inClass.some((s) => s.fullName.startsWith(p.lastName))) continue;
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: '51-у', date: '2026-09-01' }, studentId: s.id, classId: klass.id, date: '2026-09-01' });
  }
}

async function journal(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('9В');
  ws.addRow(['Журнал 9В, химия']);
  ws.addRow(['ФИО', 'Дата рожд-я', 'Химия 1 четв.', 'Химия 2 четв.']);
  ws.addRow([`${PEOPLE[0].lastName} ${PEOPLE[0].firstName} ${PEOPLE[0].middleName}`, ru(PEOPLE[0].birthDate), 5, 4]);
  ws.addRow([`${PEOPLE[1].lastName} ${PEOPLE[1].firstName} ${PEOPLE[1].middleName}`, ru(PEOPLE[1].birthDate), 3, 'н/а']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('a marks journal with a misspelled column: rejected, mapped in the preview, written, seen in the grade grid', async ({ page, request }) => {
  await seed(await new Api(request).asAdmin());
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Импорт из журнала');
  const imp = new ImportPage(page);
  await page.getByLabel('Учебный год оценок').selectOption({ label: '2026/2027' });
  // the file control speaks Russian whatever the browser's language (its own «Choose File» does not)
  await expect(page.getByTestId('import-file-name')).toHaveText('Файл не выбран');
  await expect(page.locator('main')).not.toContainText(/Choose File|No file chosen/);
  await imp.upload('оценки', 'Журнал 9В химия.xlsx', await journal());
  await expect(page.getByTestId('import-file-name')).toHaveText('Журнал 9В химия.xlsx');

  await expect(imp.preview).toContainText('Лист «9В», строка заголовка 2');
  await expect(imp.column('B')).toContainText('Дата рожд-я');
  await expect(imp.column('B')).toContainText('не распознан');
  await expect(imp.rejected.locator('tbody tr')).toHaveCount(2);
  await expect(imp.rejected).toContainText('нет даты рождения');
  await expect(imp.rejected.locator('tbody tr').first().locator('td').nth(1)).toHaveText('3');
  await expect(page.getByRole('button', { name: 'Записать' })).toBeDisabled();
  await shot(page, '25-import-preview');

  await imp.mapColumn('B', 'Дата рождения');
  await expect(imp.rejected).toHaveCount(0);
  await expect(imp.count('Добавить')).toHaveText('4');
  await expect(imp.column('B')).not.toContainText('не распознан');
  await shot(page, '26-import-preview-mapped');
  await imp.commit();
  await expect(imp.result).toContainText('добавлено 4');

  await app.goTo('Успеваемость');
  const g = new GradesPage(page);
  await page.getByLabel('Учебный год', { exact: true }).selectOption({ label: '2026/2027' });
  await g.open('9В', 'Химия');
  await g.expectColumn(0, ['5', '3']);
  await g.expectColumn(1, ['4', 'н/а']);
});

test('a large journal: the preview shows its progress and is cancelled from the screen, no preview left behind', async ({ page, request }) => {
  await new Api(request).asAdmin();
  // 40,000 rows of 10 marks, streamed to a temp file: seconds of reading on the server, time enough to cancel
  const file = path.join(os.tmpdir(), `e2e-big-journal-${Date.now()}.xlsx`);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('Журнал');
  ws.addRow(['ФИО', 'Дата рождения', ...['Химия', 'Физика'].flatMap((x) => ['1 четв.', '2 четв.', '3 четв.', '4 четв.', 'годовая'].map((p) => `${x} ${p}`))]).commit();
  for (let i = 0; i < 40_000; i++) ws.addRow([`Ученица Мария Ивановна`, '01.01.2012', ...Array.from({ length: 10 }, () => 5)]).commit();
  ws.commit();
  await wb.commit();
  const bytes = fs.readFileSync(file);
  fs.rmSync(file);

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Импорт из журнала');
  const imp = new ImportPage(page);
  await page.getByRole('radio', { name: 'оценки' }).check();
  await page.getByLabel('Файл журнала (.xlsx)').setInputFiles({ name: 'Большой журнал.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bytes });
  await expect(imp.progress).toBeVisible();
  await expect(imp.progress).toContainText('Чтение файла…');
  await expect(imp.progress.getByRole('progressbar')).toBeVisible();
  await shot(page, '31-import-progress');
  await imp.progress.getByRole('button', { name: 'Отменить' }).click();
  await expect(page.getByTestId('import-cancelled')).toContainText('Импорт отменён');
  await expect(imp.progress).toHaveCount(0);
  await expect(imp.preview).toHaveCount(0);
});
