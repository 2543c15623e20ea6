// The archivist restores the register that is open, from the archive screen: a copy made on two media, a student
// entered after it, then «Восстановить открытый реестр из этой копии» — the dialog says what will happen, the job
// checks the copy and swaps the register, the app goes back to sign-in saying why, and after signing in again the
// register is the copy's (the later student is gone) while the replaced file lies aside on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { StudentsPage } from './pages/StudentsPage';
import { collectConsoleErrors, shot } from './screens';

const ARCHIVIST = { login: `restorer${Date.now() % 100000}`, password: 'Restorer-pass-1' };

test('archivist: restores the open register from a copy and works on it after signing in again', async ({ page, request }) => {
  const consoleErrors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  await api.call('users.create', { login: ARCHIVIST.login, fullName: 'Архивариус Орлова Вера Николаевна', role: 'archivist', password: ARCHIVIST.password });
  await api.call('students.create', { lastName: 'Архипов', firstName: 'Степан', middleName: 'Ильич', birthDate: '2014-04-04', sex: 'М' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-restore-open-'));
  const media = [];
  for (const label of ['USB-7', 'HDD-8']) {
    const dir = path.join(root, label);
    fs.mkdirSync(dir);
    media.push((await api.call('media.add', { label, kind: 'usb', room: 'Каб. 5', path: dir })).id);
  }
  const { jobId } = await api.call('backup.start', { mediaIds: media, confirmSameDevice: true });
  await expect.poll(async () => (await api.call('jobs.status', { id: jobId })).state).toBe('done');
  const bag = fs.readdirSync(path.join(root, 'USB-7')).find((n) => n.startsWith('register-'))!;
  // entered after the copy: the restored register will not have it
  await api.call('students.create', { lastName: 'Позднеев', firstName: 'Глеб', middleName: 'Ильич', birthDate: '2014-05-05', sex: 'М' });

  const app = new App(page);
  await app.launch();
  await app.signIn(ARCHIVIST.login, ARCHIVIST.password);
  await app.goTo('Архив и резервные копии');
  const restore = page.getByTestId('restore-panel');
  await restore.getByLabel('Носитель с копией').selectOption({ label: 'USB-7 (Каб. 5)' });
  await restore.getByLabel('Копия').selectOption(bag);

  // the dialog first, saying plainly what will happen; declining changes nothing
  await page.getByTestId('restore-open-run').click();
  const dialog = page.getByRole('dialog', { name: 'Восстановить открытый реестр из копии?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`будет заменён копией ${bag}`);
  await expect(dialog).toContainText('«…before-restore-<дата и время>»');
  await expect(dialog).toContainText('все пользователи должны будут войти заново');
  await shot(page, '44-archive-restore-open-confirm');
  await dialog.getByRole('button', { name: 'Не восстанавливать' }).click();
  await expect(dialog).toBeHidden();
  expect(fs.readdirSync(path.dirname(process.env.E2E_DB!)).filter((n) => n.startsWith(`${path.basename(process.env.E2E_DB!)}.before-restore-`))).toEqual([]);

  await page.getByTestId('restore-open-run').click();
  await dialog.getByRole('button', { name: 'Да, восстановить открытый реестр' }).click();
  // when the register is replaced every session ends: back to sign-in, told why
  await expect(app.signInForm).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('sign-in-notice')).toContainText(`Реестр восстановлен из копии ${bag}: войдите снова`);
  await expect(page.getByTestId('sign-in-notice')).toContainText('Прежний реестр сохранён как');
  await shot(page, '45-archive-restore-open-sign-in');

  await app.signIn(ARCHIVIST.login, ARCHIVIST.password);
  await app.goTo('Ученики');
  const students = new StudentsPage(page);
  await students.search('Ильич');
  await expect(students.row('Архипов Степан Ильич')).toBeVisible();
  await expect(students.row('Позднеев Глеб Ильич')).toHaveCount(0);

  await app.goTo('Архив и резервные копии');
  await expect(page.getByTestId('backup-history').locator('tr[data-kind="restore"][data-state="ok"]').first()).toContainText('Открытый реестр восстановлен из копии');

  // the replaced register lies aside on disk, whole, with the later student
  const dir = path.dirname(process.env.E2E_DB!);
  const aside = fs.readdirSync(dir).filter((n) => n.startsWith(`${path.basename(process.env.E2E_DB!)}.before-restore-`));
  expect(aside.filter((n) => /-[0-9a-f]{4}$/.test(n))).toHaveLength(1);
  expect(fs.readFileSync(path.join(dir, aside.find((n) => /-[0-9a-f]{4}$/.test(n))!)).includes(Buffer.from('Позднеев'))).toBe(true);
  expect(consoleErrors).toEqual([]);
  for (const n of aside) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});
