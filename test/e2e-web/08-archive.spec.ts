// The archivist end to end in Chromium: registers two media in two rooms, runs a backup (confirming the loud
// same-device warning: both folders are on this machine's one disk), damages one copy on disk, sees it flagged,
// repairs it from the twin, and runs a restore drill; the history shows each step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { shot } from './screens';

test('archivist: two media, backup, damage flagged and repaired, restore drill', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  const login = `archivist${Date.now() % 100000}`;
  await api.call('users.create', { login, fullName: 'Архивариус Кузнецова Анна Павловна', role: 'archivist', password: 'Archivist-pass-1' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-archive-'));
  const usb = path.join(root, 'usb1');
  const hdd = path.join(root, 'hdd2');
  fs.mkdirSync(usb);
  fs.mkdirSync(hdd);

  const app = new App(page);
  await app.launch();
  await app.signIn(login, 'Archivist-pass-1');
  await app.goTo('Архив и резервные копии');

  const form = page.getByTestId('media-form');
  for (const [label, kind, room, dir] of [['USB-1', 'USB-диск', 'Каб. 12 (канцелярия)', usb], ['HDD-2', 'Жёсткий диск', 'Каб. 31 (архив)', hdd]]) {
    await form.getByLabel('Метка (как подписан носитель)').fill(label);
    await form.getByLabel('Вид').selectOption({ label: kind });
    await form.getByLabel('Помещение').fill(room);
    await form.getByLabel('Папка носителя').fill(dir);
    await form.getByRole('button', { name: 'Добавить' }).click();
    await expect(page.getByTestId(`media-${label}`)).toContainText(room);
  }
  // never written, never verified: both flagged
  await expect(page.getByTestId('media-state-USB-1')).toContainText('копия устарела');
  await expect(page.getByTestId('media-state-HDD-2')).toContainText('не проверен');

  await page.getByRole('checkbox', { name: 'Выбрать: USB-1' }).check();
  await page.getByRole('checkbox', { name: 'Выбрать: HDD-2' }).check();
  await page.getByTestId('backup-run').click();
  await expect(page.getByTestId('backup-failure')).toContainText('ВНИМАНИЕ');
  await expect(page.getByTestId('backup-failure')).toContainText('на одном устройстве');
  await shot(page, '40-archive-same-device');
  await page.getByTestId('backup-confirm').click();
  await expect(page.getByTestId('backup-result')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('backup-result')).toContainText('записана на 2 носителя и проверена');
  await expect(page.getByTestId('media-state-USB-1')).toContainText('в порядке');
  await shot(page, '41-archive-backup-done');
  // the audit log against the copies just made: the register still holds their chain
  await page.getByTestId('witness-panel').getByRole('button', { name: 'Сверить журнал аудита с копиями' }).click();
  await expect(page.getByTestId('witness-result')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('witness-item')).toHaveCount(2);
  await expect(page.getByTestId('witness-item').first()).toContainText('совпадает с копией');
  await shot(page, '41b-archive-audit-witness');

  // someone's cleaning program truncates the register on the USB disk
  const bag = fs.readdirSync(usb).find((n) => n.startsWith('register-'))!;
  fs.truncateSync(path.join(usb, bag, 'data/register.sqlite'), 1000);

  await page.getByTestId('verify-run').click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-state', 'damaged');
  await expect(page.getByTestId('verify-problem')).toContainText('повреждён: data/register.sqlite');
  await expect(page.getByTestId('media-state-USB-1')).toContainText('копия повреждена');
  await expect(page.getByTestId('media-state-HDD-2')).toContainText('в порядке');
  await shot(page, '42-archive-damage-flagged');
  await page.getByTestId('verify-repair').click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-state', 'repaired');
  await expect(page.getByTestId('verify-problem')).toContainText('заменён из двойника');
  await expect(page.getByTestId('media-state-USB-1')).toContainText('в порядке');
  expect(fs.statSync(path.join(usb, bag, 'data/register.sqlite')).size).toBe(fs.statSync(path.join(hdd, bag, 'data/register.sqlite')).size);

  const restore = page.getByTestId('restore-panel');
  await restore.getByLabel('Носитель с копией').selectOption({ label: 'USB-1 (Каб. 12 (канцелярия))' });
  await restore.getByLabel('Копия').selectOption(bag);
  await page.getByTestId('restore-drill').click();
  await expect(page.getByTestId('restore-result')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('restore-result')).toContainText('Учебное восстановление прошло');
  await expect(page.getByTestId('restore-result')).toContainText('Файл реестра цел: проверка целостности базы данных пройдена');

  const history = page.getByTestId('backup-history');
  await expect(history.locator('tr[data-kind="drill"][data-state="ok"]')).toHaveCount(1);
  await expect(history.locator('tr[data-kind="verify"][data-state="damaged"]')).toHaveCount(1);
  await expect(history.locator('tr[data-kind="backup"][data-state="ok"]')).toHaveCount(1);
  await expect(history).toContainText('починок: 1');
  await shot(page, '43-archive-history');
  fs.rmSync(root, { recursive: true, force: true });
});
