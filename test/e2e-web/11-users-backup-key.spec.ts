// Issue 15 in Chromium: an admin manages accounts on «Пользователи» (creates a user, sets a password, disables and
// enables, changes a role — each audited, each felt at sign-in); the backup key panel prints the recovery sheet once
// and a second copy only with a reason; a copy not written by this program (its authentication tag removed) is refused
// to the archivist with the reason shown, and restored (drill) by an admin who confirms after the warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, HTTP_TOKEN } from './env';
import { Api } from './pages/api';
import { App } from './pages/App';
import { collectConsoleErrors } from './screens';

const N = Date.now() % 100000;
const CLERK = { login: `clerk${N}`, fullName: 'Петрова Анна Сергеевна', password: 'Clerk-pass-2026' };
const ARCHIVIST = { login: `arch${N}`, fullName: 'Орлова Вера Николаевна', password: 'Archivist-pass-2026' };

/** A sign-in over the same HTTP API, as that user would: the error's message, or null when signed in. */
async function signInRefusal(request: APIRequestContext, login: string, password: string): Promise<string | null> {
  const res = await request.post('/api/call', { headers: { Authorization: `Bearer ${HTTP_TOKEN}` }, data: { method: 'auth.signIn', args: { login, password }, session: null } });
  const body = await res.json();
  return body.ok ? null : body.error.message;
}

/** Accepts the next window.confirm, checking what it asks. */
function confirmNext(page: Page, says: RegExp): void {
  page.once('dialog', (d) => {
    expect(d.message()).toMatch(says);
    void d.accept();
  });
}

test('admin: creates a user, sets a password, disables and enables, changes the role — each audited', async ({ page, request }) => {
  const consoleErrors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Пользователи');

  await page.getByRole('button', { name: 'Новый пользователь' }).click();
  const form = page.getByTestId('user-form');
  await form.getByRole('textbox', { name: 'Логин', exact: true }).fill(CLERK.login);
  await form.getByRole('textbox', { name: 'ФИО', exact: true }).fill(CLERK.fullName);
  await form.getByRole('combobox', { name: 'Роль', exact: true }).selectOption({ label: 'Делопроизводитель' });
  await form.getByRole('textbox', { name: 'Пароль', exact: true }).fill('short'); // the policy, said at the field
  await form.getByRole('button', { name: 'Создать пользователя' }).click();
  await expect(form).toContainText(/не короче 8/);
  await form.getByRole('textbox', { name: 'Пароль', exact: true }).fill(CLERK.password);
  await form.getByRole('button', { name: 'Создать пользователя' }).click();
  await expect(page.getByTestId('users-done')).toHaveText(`Пользователь ${CLERK.login} создан`);
  const row = page.getByTestId(`user-${CLERK.login}`);
  await expect(row).toContainText(CLERK.fullName);
  await expect(row).toContainText('действует');
  expect(await signInRefusal(request, CLERK.login, CLERK.password)).toBeNull();

  // a new password: the old one stops working, the new one signs in
  await row.getByRole('button', { name: 'Задать пароль' }).click();
  const reset = page.getByTestId('reset-password-form');
  await reset.getByRole('textbox', { name: 'Пароль', exact: true }).fill('Clerk-new-pass-2027');
  await reset.getByRole('button', { name: 'Задать пароль' }).click();
  await expect(page.getByTestId('users-done')).toHaveText(`Пароль ${CLERK.login} изменён, его сеансы завершены`);
  expect(await signInRefusal(request, CLERK.login, CLERK.password)).toBe('Неверный логин или пароль');
  expect(await signInRefusal(request, CLERK.login, 'Clerk-new-pass-2027')).toBeNull();

  // disabled: the right password is refused, saying so; enabled again: it signs in
  confirmNext(page, new RegExp(`Отключить ${CLERK.login}\\?`));
  await row.getByRole('button', { name: 'Отключить' }).click();
  await expect(page.getByTestId('users-done')).toHaveText(`${CLERK.login} отключён, его сеансы завершены`);
  await expect(row).toContainText('отключён');
  expect(await signInRefusal(request, CLERK.login, 'Clerk-new-pass-2027')).toBe(`Учётная запись «${CLERK.login}» отключена администратором`);
  await row.getByRole('button', { name: 'Включить' }).click();
  await expect(page.getByTestId('users-done')).toHaveText(`${CLERK.login} снова может входить`);
  await expect(row).toContainText('действует');
  expect(await signInRefusal(request, CLERK.login, 'Clerk-new-pass-2027')).toBeNull();

  // a role change, confirmed first
  confirmNext(page, new RegExp(`Сменить роль ${CLERK.login} на «Архивариус»`));
  await row.getByLabel(`Новая роль для ${CLERK.login}`).selectOption({ label: 'Архивариус' });
  await expect(page.getByTestId('users-done')).toHaveText(`${CLERK.login}: роль — Архивариус; его сеансы завершены`);
  expect((await api.call('users.list', {})).find((u) => u.login === CLERK.login)).toMatchObject({ role: 'archivist', disabled: false });

  // each change in the audit log, by the admin, the password never
  const log = await api.call('audit.list', { limit: 100 });
  const mine = log.filter((e) => e.detail.includes(CLERK.login));
  for (const method of ['users.create', 'users.resetPassword', 'users.disable', 'users.enable', 'users.setRole']) {
    expect(mine.some((e) => e.method === method && e.login === 'admin'), method).toBe(true);
  }
  expect(JSON.stringify(mine)).not.toContain('Clerk-new-pass-2027');
  expect(consoleErrors).toEqual([]);
});

test('backup key panel prints the sheet once; a copy not written by this program: refused to the archivist, confirmed by an admin', async ({ page, request }) => {
  const consoleErrors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  await api.call('users.create', { login: ARCHIVIST.login, fullName: ARCHIVIST.fullName, role: 'archivist', password: ARCHIVIST.password });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-key-'));
  const media: Record<string, number> = {};
  for (const label of [`KEY-A${N}`, `KEY-B${N}`, `KEY-F${N}`]) {
    fs.mkdirSync(path.join(root, label));
    media[label] = (await api.call('media.add', { label, kind: 'usb', room: 'Каб. 3', path: path.join(root, label) })).id;
  }
  const { jobId } = await api.call('backup.start', { mediaIds: [media[`KEY-A${N}`], media[`KEY-B${N}`]], confirmSameDevice: true });
  await expect.poll(async () => (await api.call('jobs.status', { id: jobId })).state, { timeout: 60_000 }).toBe('done');
  const bag = fs.readdirSync(path.join(root, `KEY-A${N}`)).find((n) => n.startsWith('register-'))!;
  // the copy on a third medium, its authentication tag left behind: still valid BagIt, but not provably ours
  const foreign = path.join(root, `KEY-F${N}`, bag);
  fs.cpSync(path.join(root, `KEY-A${N}`, bag), foreign, { recursive: true });
  fs.rmSync(path.join(foreign, 'sr-authentication.txt'));

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Архив и резервные копии');

  // the key panel: its id; the sheet printed once (a PDF download); a second copy only with a reason
  const key = page.getByTestId('key-panel');
  await expect(key.getByTestId('key-id')).toContainText(/Номер ключа: [0-9A-F]{16}/);
  const keyId = /([0-9A-F]{16})/.exec(await key.getByTestId('key-id').innerText())![1];
  const first = page.waitForEvent('download');
  await key.getByTestId('key-print').click();
  expect((await first).suggestedFilename()).toBe(`backup-key-${keyId}.pdf`);
  await expect(key).toContainText(`Лист восстановления ключа ${keyId} сохранён`);
  await expect(key.getByTestId('key-printed')).toContainText('уже напечатан');
  await expect(key.getByTestId('key-print')).toHaveCount(0);
  const reprint = key.getByTestId('key-reprint');
  await reprint.getByRole('button', { name: 'Напечатать второй экземпляр' }).click();
  await expect(reprint).toContainText('причина — хотя бы несколько слов');
  await reprint.getByLabel('Причина повторной печати').fill('первый лист испорчен при печати');
  const second = page.waitForEvent('download');
  await reprint.getByRole('button', { name: 'Напечатать второй экземпляр' }).click();
  expect((await second).suggestedFilename()).toMatch(new RegExp(`^backup-key-${keyId}-copy-\\d{4}-\\d\\d-\\d\\d\\.pdf$`));
  const printed = (await api.call('audit.list', { limit: 50 })).filter((e) => e.method === 'backup.keySheet');
  expect(printed[0].detail).toContain('первый лист испорчен при печати');

  // the archivist: the drill of the copy without a tag is refused, the reason shown; no confirmation offered
  await app.signOut();
  await app.signIn(ARCHIVIST.login, ARCHIVIST.password);
  await app.goTo('Архив и резервные копии');
  let restore = page.getByTestId('restore-panel');
  await restore.getByLabel('Носитель с копией', { exact: true }).selectOption({ label: `KEY-F${N} (Каб. 3)` });
  await restore.getByLabel('Копия', { exact: true }).selectOption(bag);
  await expect(restore.getByRole('checkbox', { name: /нет метки подлинности, чужой ключ/ })).toHaveCount(0);
  await restore.getByTestId('restore-drill').click();
  await expect(restore).toContainText('Копия не записана этой программой: в копии нет метки подлинности', { timeout: 60_000 });
  await expect(restore).toContainText('Восстановить её может только администратор');
  // and the backend refuses the confirmation to an archivist however it is sent
  const arch = await request.post('/api/call', { headers: { Authorization: `Bearer ${HTTP_TOKEN}` },
    data: { method: 'auth.signIn', args: { login: ARCHIVIST.login, password: ARCHIVIST.password }, session: null } });
  const archSession = (await arch.json()).value.session;
  const forced = await (await request.post('/api/call', { headers: { Authorization: `Bearer ${HTTP_TOKEN}` },
    data: { method: 'backup.restore', args: { mediaId: media[`KEY-F${N}`], bag, drill: true, acceptForeign: true }, session: archSession } })).json();
  expect(forced.ok).toBe(false);
  expect(forced.error.code).toBe('forbidden');

  // the admin: refused too until confirming; the warning shown; then the drill passes, the confirmation named
  await app.signOut();
  await app.signIn(ADMIN.login, ADMIN.password);
  await app.goTo('Архив и резервные копии');
  restore = page.getByTestId('restore-panel');
  await restore.getByLabel('Носитель с копией', { exact: true }).selectOption({ label: `KEY-F${N} (Каб. 3)` });
  await restore.getByLabel('Копия', { exact: true }).selectOption(bag);
  await restore.getByTestId('restore-drill').click();
  await expect(restore).toContainText('Копия не записана этой программой: в копии нет метки подлинности', { timeout: 60_000 });
  await restore.getByRole('checkbox', { name: /нет метки подлинности, чужой ключ/ }).check();
  await expect(restore).toContainText('Копию, не записанную этой программой, мог изменить кто угодно');
  await restore.getByTestId('restore-drill').click();
  await expect(restore.getByTestId('restore-result')).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  await expect(restore.getByTestId('restore-result')).toContainText('Администратор (admin) подтвердил восстановление такой копии');
  expect(consoleErrors).toEqual([]);
  fs.rmSync(root, { recursive: true, force: true });
});
