// Packets to a receiver that demands mutual TLS, in Chromium: the reference receiver (`npm run regional-segment` with
// --tls-cert/--tls-key/--client-ca, a separate process) admits only clients with a certificate of the regional CA.
// An upload without a TLS certificate is refused at the handshake and the screen says why; the admin chooses the
// TLS certificate (a .p12 with a Cyrillic subject; a wrong password refused), sees its subject and validity, and
// uploads with its password (a wrong one refused, nothing sent): the packets are accepted once, with their receipts.
// The setting's table (packet_tls_client) is added to the e2e register as the coming migration will add it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Api, SCHOOL } from './pages/api';
import { App } from './pages/App';
import { ReceiverProcess } from './pages/receiver';
import { documentsForPupilsWithout, regionThatKnowsTheChain } from './pages/region';
import { collectConsoleErrors, shot } from './screens';

const PASSWORD = 'пароль-подписи-2107';
const TLS_PASSWORD = 'тлс-пароль-2107';
const CLIENT_SUBJECT = 'C=RU, O=ГБОУ Школа № 2107, CN=Школа № 2107 — TLS-клиент';

let dir: string;
const receiver = new ReceiverProcess();
const openssl = (args: string[]) => {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};

test.beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-mtls-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign.key', '-out', 'sign.pem', '-days', '365', '-subj', '/C=RU/O=ГБОУ Школа № 2107/CN=Лебедева Ирина Сергеевна', '-utf8']);
  openssl(['pkcs12', '-export', '-in', 'sign.pem', '-inkey', 'sign.key', '-out', 'sign.p12', '-passout', `pass:${PASSWORD}`]);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-utf8',
    '-subj', '/C=RU/O=Региональный сегмент/CN=УЦ регионального сегмента', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'server.pem', '-extfile', 'server.ext']);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-utf8', '-subj', '/C=RU/O=ГБОУ Школа № 2107/CN=Школа № 2107 — TLS-клиент']);
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'client.pem', '-extfile', 'client.ext']);
  openssl(['pkcs12', '-export', '-in', 'client.pem', '-inkey', 'client.key', '-certfile', 'ca.pem', '-out', 'client.p12', '-passout', `pass:${TLS_PASSWORD}`]);
});
test.afterAll(() => {
  receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const startReceiver = (data: string) => receiver.start(['--data', data, '--trust', path.join(dir, 'sign.pem'),
  '--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key'), '--client-ca', path.join(dir, 'ca.pem')]);

test('mutual TLS: refused without a client certificate, then the admin chooses one and uploads with its password', async ({ page, request }) => {
  const errors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  if (!(await api.call('school.get', {}))) await api.call('school.update', SCHOOL);
  const school = (await api.call('school.get', {}))!;
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2025/2026') ?? await api.call('years.create', { name: '2025/2026' });
  const klass = (await api.call('classes.list', { yearId: year.id })).find((c) => c.parallel === 9 && c.letter === 'Т')
    ?? await api.call('classes.create', { yearId: year.id, parallel: 9, letter: 'Т' });
  // Students without СНИЛС and without a document (from earlier specs) would make the packet invalid: give them one.
  await documentsForPupilsWithout(api);
  const st = await api.call('students.create', { lastName: 'Соколова', firstName: 'Дарья', birthDate: '2010-04-09', sex: 'Ж', snils: '26481935707' }); // a СНИЛС no other spec uses
  await api.call('orders.enrol', { order: { number: '78-у', date: '2025-11-24' }, studentId: st.id, classId: klass.id, date: '2025-11-25' });

  // The same regional segment as earlier specs' (when they ran): it knows this school's last accepted packet.
  const { dataDir: data, seeded } = await regionThatKnowsTheChain(api, path.join(dir, 'receiver'));
  const url = await startReceiver(data);
  await api.call('packets.loadCertificate', { p12Base64: fs.readFileSync(path.join(dir, 'sign.p12')).toString('base64'), password: PASSWORD });
  await api.call('packets.setEndpoint', { endpoint: url, caPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'), timeoutMs: 5000 });
  await api.call('packets.setTlsCertificate', { source: 'none' });
  await api.call('packets.build', {});
  const signed = (await api.call('packets.sign', { password: PASSWORD })).signed;
  const newest = signed[signed.length - 1].seq;

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Пакеты в региональный сегмент');
  const tls = page.getByTestId('tls-certificate');
  await expect(tls.getByTestId('tls-current')).toHaveText('Сейчас: не предъявлять.');
  const upload = page.getByTestId('upload-form');
  await expect(upload.getByLabel('Пароль TLS-сертификата клиента')).toHaveCount(0);

  // Without a TLS certificate the receiver refuses the handshake: the run stops at once and says why.
  await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
  await expect(page.getByTestId('upload-stopped')).toContainText('Отправка остановлена: приёмник требует TLS-сертификат клиента', { timeout: 20_000 });
  await expect(page.getByTestId(`packet-${newest}`)).toHaveAttribute('data-state', 'retry');
  await expect(page.getByTestId(`packet-${newest}`)).toContainText('приёмник требует TLS-сертификат клиента');

  // The admin chooses a separate .p12: a wrong password is refused in place; the right one shows subject and validity.
  await tls.getByLabel('Отдельный файл .p12 / .pfx').check();
  await tls.getByLabel('Файл TLS-сертификата').setInputFiles(path.join(dir, 'client.p12'));
  await tls.getByLabel('Пароль TLS-сертификата').fill('не тот пароль');
  await tls.getByRole('button', { name: 'Сохранить' }).click();
  await expect(tls.getByTestId('error-password')).toHaveText('Неверный пароль TLS-сертификата клиента');
  await tls.getByLabel('Пароль TLS-сертификата').fill(TLS_PASSWORD);
  await tls.getByRole('button', { name: 'Сохранить' }).click();
  await expect(tls.getByText('TLS-сертификат клиента сохранён.')).toBeVisible();
  await expect(tls.getByTestId('tls-current')).toHaveText('Сейчас: отдельный файл .p12 / .pfx.');
  await expect(tls.getByTestId('cert-subject')).toHaveText(CLIENT_SUBJECT);
  await expect(tls.getByTestId('cert-validity')).toContainText(/с \d{2}\.\d{2}\.\d{4} по \d{2}\.\d{2}\.\d{4}/);

  // At upload the password field appears; a wrong password is refused before anything is sent.
  const tlsPassword = upload.getByLabel('Пароль TLS-сертификата клиента');
  await expect(tlsPassword).toBeVisible();
  await tlsPassword.fill('не тот пароль');
  await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
  await expect(upload.getByTestId('error-tlsPassword')).toHaveText('Неверный пароль TLS-сертификата клиента');
  await tlsPassword.fill(TLS_PASSWORD);
  await upload.getByRole('button', { name: 'Отправить все ожидающие' }).click();
  await expect(page.getByTestId('upload-summary')).toHaveText(`Принято: ${signed.length}, отклонено: 0, ждут повтора: 0.`, { timeout: 30_000 });
  await expect(page.getByTestId('upload-stopped')).toHaveCount(0);
  await expect(tlsPassword).toHaveValue('');
  for (const { seq } of signed) {
    await expect(page.getByTestId(`packet-${seq}`)).toHaveAttribute('data-state', 'accepted');
    await expect(page.getByTestId(`packet-${seq}`)).toContainText(/№ [0-9a-f]{8} от \d{2}\.\d{2}\.\d{4}/);
  }
  await shot(page, '42-packets-mutual-tls');

  // The receiver's side: each packet accepted exactly once.
  const lines = fs.readFileSync(path.join(data, 'accepted.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number });
  expect(lines.map((l) => l.seq).slice(seeded ? 1 : 0)).toEqual(signed.map((p) => p.seq));
  expect(errors).toEqual([]);
  await api.call('packets.setTlsCertificate', { source: 'none' }); // later specs' receivers do not ask for one
});
