// The grade grid end to end: marks typed with the keyboard, a block pasted from Excel, Ctrl+Z, the statistics
// under each column following along, the marks still there after a reload, and an invalid paste refused in place.
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { GradesPage } from './pages/GradesPage';
import { shot } from './screens';

const PEOPLE = [
  { lastName: 'Абрамова', firstName: 'Вера', birthDate: '2012-04-02', sex: 'Ж' as const },
  { lastName: 'Белкин', firstName: 'Глеб', birthDate: '2012-07-19', sex: 'М' as const },
  { lastName: 'Волков', firstName: 'Денис', birthDate: '2012-11-30', sex: 'М' as const },
];

async function seed(api: Api) {
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2026/2027') ?? await api.call('years.create', { name: '2026/2027' });
  const subjects = await api.call('subjects.list', {});
  const physics = subjects.find((s) => s.name === 'Физика') ?? await api.call('subjects.create', { name: 'Физика', shortName: 'Физ.', cityRegisterId: 'MSK-0150', federalCode: '15' });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.parallel === 8 && c.letter === 'Д') ?? await api.call('classes.create', { yearId: year.id, parallel: 8, letter: 'Д' });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [physics.id] });
  const inClass = await api.call('classes.students', { classId: klass.id });
  for (const p of PEOPLE) {
    if (inClass.some((s) => s.fullName.startsWith(p.lastName))) continue;
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: '48-у', date: '2026-09-01' }, studentId: s.id, classId: klass.id, date: '2026-09-01' });
  }
}

test('marks by keyboard and paste, undo, statistics, reload, an invalid paste refused with the reason', async ({ page, request }) => {
  await seed(await new Api(request).asAdmin());
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Успеваемость');
  const g = new GradesPage(page);
  await g.open('8Д', 'Физика');
  await expect(g.grid.getByRole('columnheader')).toHaveText(['Ученик', '1 четв.', '2 четв.', '3 четв.', '4 четв.', 'Год', 'Итог']);
  await expect(page.getByTestId('grade-keys')).toContainText('н/а (не аттестован)');

  // Keyboard: 5 Enter, 4 Enter, А (н/а; the key F on a Latin layout) Enter — each saved, the cursor goes down.
  await g.select(0, 0);
  await g.press('5', 'Enter', '4', 'Enter', 'KeyF', 'Enter');
  await g.expectColumn(0, ['5', '4', 'н/а']);
  await expect(g.stat('Оценок «5»', 0)).toHaveText('1');
  await expect(g.stat('Оценок «н/а»', 0)).toHaveText('1');
  await expect(g.stat('Успеваемость, %', 0)).toHaveText('66,7');
  await expect(g.stat('Качество, %', 0)).toHaveText('66,7');
  // Arrows move; Delete clears and Ctrl+Z brings the mark back.
  await g.press('ArrowUp', 'Delete');
  await expect(g.cell(1, 0)).toHaveText('');
  await expect(g.stat('Успеваемость, %', 0)).toHaveText('50');
  await g.press('Control+z');
  await expect(g.cell(1, 0)).toHaveText('4');
  await expect(g.stat('Успеваемость, %', 0)).toHaveText('66,7');

  // A block from Excel lands at the cursor in one call.
  await g.select(0, 1);
  await g.paste([['5', '4'], ['3', '5'], ['2', '3']]);
  await g.expectColumn(1, ['5', '3', '2']);
  await g.expectColumn(2, ['4', '5', '3']);
  await expect(g.stat('Оценок «2»', 1)).toHaveText('1');
  await expect(g.stat('Успеваемость, %', 1)).toHaveText('66,7');
  await expect(g.stat('Качество, %', 2)).toHaveText('66,7');

  // Ctrl+Z undoes the whole paste, and the statistics follow.
  await g.press('Control+z');
  await g.expectColumn(1, ['', '', '']);
  await g.expectColumn(2, ['', '', '']);
  await expect(g.stat('Успеваемость, %', 1)).toHaveText('—');
  await expect(g.stat('Оценок «2»', 1)).toHaveText('0');

  // Saved marks survive a reload.
  await page.reload();
  await expect(g.grid).toBeVisible();
  await g.expectColumn(0, ['5', '4', 'н/а']);
  await g.expectColumn(1, ['', '', '']);

  // An invalid mark in a pasted block: nothing written, the reason shown, the cell marked.
  await g.select(0, 1);
  await g.paste([['5', '6']]);
  await expect(g.error).toContainText('оценка «6» недопустима: 5, 4, 3, 2, зч, нз, осв, н/а');
  await expect(g.cell(0, 2)).toHaveAttribute('aria-invalid', 'true');
  await expect(g.cell(0, 1)).toHaveText('');
  await shot(page, '30-grades-refused-paste');
  // Typed in place: refused the same way, the typing kept for correction.
  await g.select(1, 1);
  await g.press('7', 'Enter');
  await expect(g.error).toContainText('оценка «7» недопустима');
  await expect(g.cell(1, 1)).toHaveText('7');
  await g.press('Escape');
  await expect(g.cell(1, 1)).toHaveText('');
  await page.reload();
  await expect(g.grid).toBeVisible();
  await g.expectColumn(1, ['', '', '']);
  await g.expectColumn(2, ['', '', '']);

  // '1' is refused until the administrator allows it for the school.
  await g.select(2, 1);
  await g.press('1', 'Enter');
  await expect(g.error).toContainText('оценка «1» не разрешена настройками школы');
  await g.press('Escape');
  const one = page.getByRole('checkbox', { name: 'Разрешить оценку «1»' });
  await one.check();
  await expect(page.getByTestId('grade-keys')).toContainText('оценка «1»');
  await g.select(2, 1);
  await g.press('1', 'Enter');
  await expect(g.cell(2, 1)).toHaveText('1');
  await expect(g.error).toHaveCount(0);
  await g.press('Delete'); // Enter on the last row keeps the cursor there
  await expect(g.cell(2, 1)).toHaveText('');
  await one.uncheck();
  await expect(one).not.toBeChecked();
});
