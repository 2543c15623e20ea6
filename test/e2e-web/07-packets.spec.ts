// Packets end to end in Chromium: an admin loads the school's certificate (a soon-expiring one is flagged), sets the
// receiver, builds and signs the full packet, enrols a student, builds the delta, and uploads the batch while the
// receiver (`npm run regional-segment`, a separate process) answers 500 and then times out after storing a packet.
// Every packet ends accepted exactly once with its receipt, and the receiver's stored signatures pass openssl.
// A clerk records a state-exam result and a portfolio entry on the student card.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { ReceiverProcess } from './pages/receiver';
import { shot } from './screens';

const PASSWORD = 'пароль-школы-1535';
const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»', shortName: 'ГБОУ Школа № 1535',
  inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', address: 'Москва, ул. Усачёва, 50', director: 'Смирнова Елена Викторовна', regionCode: '77',
};

let dir: string;
const receiver = new ReceiverProcess();
const openssl = (args: string[]) => {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r;
};

test.beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-packets-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Смирнова Елена Викторовна', '-utf8']);
  openssl(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'school.p12', '-passout', `pass:${PASSWORD}`]);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'soon.key', '-out', 'soon.pem', '-days', '20', '-subj', '/C=RU/CN=Скоро истекает', '-utf8']);
  openssl(['pkcs12', '-export', '-in', 'soon.pem', '-inkey', 'soon.key', '-out', 'soon.p12', '-passout', `pass:${PASSWORD}`]);
});
test.afterAll(() => {
  receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const startReceiver = (faults: string) =>
  receiver.start(['--data', path.join(dir, 'receiver'), '--trust', path.join(dir, 'cert.pem'), '--faults', faults]);

test('certificate, endpoint, full packet and delta uploaded through faults: each accepted once, with its receipt', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  await api.call('school.update', SCHOOL);
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2025/2026') ?? await api.call('years.create', { name: '2025/2026' });
  const classes = await api.call('classes.list', { yearId: year.id });
  if (!(await api.call('subjects.list', {})).some((x) => x.name === 'История')) await api.call('subjects.create', { name: 'История', shortName: 'Ист.' });
  const klass = classes.find((c) => c.parallel === 9 && c.letter === 'П') ?? await api.call('classes.create', { yearId: year.id, parallel: 9, letter: 'П' });
  // Students without СНИЛС and without a document (from earlier specs) would make the packet invalid: give them one.
  for (const row of (await api.call('students.search', { limit: 1000 })).rows.filter((r) => !r.snils)) {
    const s = await api.call('students.get', { id: row.id });
    if (!s.docNumber) {
      const { id: _i, guardians, currentClass: _c, bookEntry: _b, status: _s, version, ...data } = s;
      await api.call('students.update', { id: s.id, version, data: { ...data, docKind: 'birth_certificate', docNumber: `E2E-${s.id.slice(0, 6)}`, guardians } });
    }
  }
  const url = await startReceiver('500,pass,pass,timeout-after-store');

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Пакеты в региональный сегмент');
  const cert = page.getByTestId('certificate');
  await expect(cert).toContainText('Сертификат не загружен');

  // A certificate that expires in 20 days: loaded, and the warning says so.
  await cert.getByLabel('Файл сертификата').setInputFiles(path.join(dir, 'soon.p12'));
  await cert.getByLabel('Пароль сертификата').fill('не тот пароль');
  await cert.getByRole('button', { name: 'Загрузить' }).click();
  await expect(cert.getByTestId('form-error')).toContainText('Неверный пароль сертификата');
  await cert.getByLabel('Пароль сертификата').fill(PASSWORD);
  await cert.getByRole('button', { name: 'Загрузить' }).click();
  await expect(cert.getByTestId('cert-warning')).toContainText(/истекает через (19|20) дн/);
  // The school's real certificate: no warning, subject and validity shown.
  await cert.getByLabel('Файл сертификата').setInputFiles(path.join(dir, 'school.p12'));
  await cert.getByLabel('Пароль сертификата').fill(PASSWORD);
  await cert.getByRole('button', { name: 'Загрузить' }).click();
  await expect(cert.getByTestId('cert-subject')).toHaveText('C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна');
  await expect(cert.getByTestId('cert-validity')).toContainText(/с \d{2}\.\d{2}\.\d{4} по \d{2}\.\d{2}\.\d{4}/);
  await expect(cert.getByTestId('cert-warning')).toHaveCount(0);

  const endpoint = page.getByTestId('endpoint-form');
  await endpoint.getByLabel('Адрес приёмника').fill(url);
  await endpoint.getByLabel('Время ожидания ответа, мс').fill('1500');
  await endpoint.getByRole('button', { name: 'Сохранить' }).click();
  await expect(page.getByText('Адрес приёмника сохранён.')).toBeVisible();

  await page.getByTestId('build-form').getByRole('button', { name: 'Собрать пакет' }).click();
  await expect(page.getByTestId('packets-note')).toContainText(/Собран пакет № 1 \(полный снимок\)/);

  // Enrol a student, then the delta carries exactly that student.
  const st = await api.call('students.create', { lastName: 'Журавлёва', firstName: 'Алёна', birthDate: '2010-02-14', sex: 'Ж', snils: '12345678964' });
  await api.call('orders.enrol', { order: { number: '77-у', date: '2025-11-20' }, studentId: st.id, classId: klass.id, date: '2025-11-21' });
  await page.getByTestId('build-form').getByRole('button', { name: 'Собрать пакет' }).click();
  await expect(page.getByTestId('packets-note')).toContainText('Собран пакет № 2 (изменения), учеников в пакете: 1.');

  await page.getByTestId('sign-form').getByLabel('Пароль сертификата').fill(PASSWORD);
  await page.getByTestId('sign-form').getByRole('button', { name: 'Подписать собранные' }).click();
  await expect(page.getByTestId('packets-note')).toContainText('Подписано: 2 пакета. Подпись: C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна.');
  await expect(page.getByTestId('packet-2')).toHaveAttribute('data-state', 'signed');

  await page.getByTestId('upload-form').getByRole('button', { name: 'Отправить все ожидающие' }).click();
  await expect(page.getByTestId('upload-summary')).toHaveText('Принято: 2, отклонено: 0, ждут повтора: 0.', { timeout: 30_000 });
  for (const seq of [1, 2]) {
    const row = page.getByTestId(`packet-${seq}`);
    await expect(row).toHaveAttribute('data-state', 'accepted');
    await expect(row).toContainText('принят');
    await expect(row).toContainText(/№ [0-9a-f]{8} от \d{2}\.\d{2}\.\d{4}/);
  }
  // Both went out together (pipelined): packet 1 got the 500 and packet 2, refused as a gap behind it, waited; then 1
  // was accepted and 2 stored without an answer (timeout); on the third round 2 got the receipt it already had.
  await expect(page.getByTestId('packet-1').locator('td').nth(4)).toHaveText('2');
  await expect(page.getByTestId('packet-2').locator('td').nth(4)).toHaveText('3');
  await shot(page, '40-packets-accepted');

  // The receiver's side: each packet accepted exactly once; every stored signature passes openssl.
  const data = path.join(dir, 'receiver');
  const lines = fs.readFileSync(path.join(data, 'accepted.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { packetId: string; seq: number });
  expect(lines.map((l) => l.seq)).toEqual([1, 2]);
  expect(new Set(lines.map((l) => l.packetId)).size).toBe(2);
  for (const l of lines) {
    const v = openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(data, 'packets', `${l.packetId}.p7s`),
      '-content', path.join(data, 'packets', `${l.packetId}.json`), '-CAfile', path.join(dir, 'cert.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(v.stderr).toContain('Verification successful');
  }

  // State exams and portfolio on the student card; the next delta carries them.
  await page.goto(`${new URL(page.url()).origin}/#/students/${st.id}`);
  const exams = page.getByTestId('state-exams');
  await exams.getByRole('button', { name: 'Добавить результат' }).click();
  const ef = page.getByTestId('state-exam-form');
  await ef.getByLabel('Экзамен').selectOption('ЕГЭ');
  await ef.getByLabel('Предмет').selectOption({ label: 'История' });
  await ef.getByLabel('Год').fill('2026');
  await ef.getByLabel('Баллы').fill('86');
  await ef.getByLabel('Отметка').fill('5');
  await ef.getByRole('button', { name: 'Записать' }).click();
  await expect(ef.getByTestId('error-mark')).toHaveText('За ЕГЭ отметка не ставится: только тестовые баллы');
  await ef.getByLabel('Отметка').fill('');
  await ef.getByRole('button', { name: 'Записать' }).click();
  await expect(exams.locator('tbody tr')).toContainText(['ЕГЭ']);
  await expect(exams).toContainText('86');

  const pf = page.getByTestId('portfolio');
  await pf.getByRole('button', { name: 'Добавить запись' }).click();
  const form = page.getByTestId('portfolio-form');
  await form.getByLabel('Мероприятие').fill('Всероссийская олимпиада школьников по истории');
  await form.getByLabel('Уровень').selectOption({ label: 'региональный' });
  await form.getByLabel('Дата').fill('12.02.2026');
  await form.getByLabel('Результат').selectOption({ label: 'призёр' });
  await form.getByLabel('Присвоенное звание').fill('Призёр регионального этапа');
  await form.getByRole('button', { name: 'Записать' }).click();
  await expect(pf).toContainText('Всероссийская олимпиада школьников по истории');
  await expect(pf).toContainText('12.02.2026');
  await shot(page, '41-student-exams-portfolio');

  await app.goTo('Пакеты в региональный сегмент');
  await page.getByTestId('build-form').getByRole('button', { name: 'Собрать пакет' }).click();
  await expect(page.getByTestId('packets-note')).toContainText('Собран пакет № 3 (изменения), учеников в пакете: 0.');
});
