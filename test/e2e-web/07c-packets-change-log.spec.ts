// The change log on the packets screen (migration 0009): a register whose full packet the region accepted before the
// program compacted anything (an acceptance recorded by an older version, written here straight into the file) shows
// its entries as removable; the admin presses «Сжать журнал изменений» and sees how many went and how many remain.
// Works on its own register or after the other specs (it reads the figures it expects from the API first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { Api } from './pages/api';
import { App } from './pages/App';
import { shot } from './screens';

const PASSWORD = 'пароль-школы-1535';
const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»', shortName: 'ГБОУ Школа № 1535',
  inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', address: 'Москва, ул. Усачёва, 50', director: 'Смирнова Елена Викторовна', regionCode: '77',
};

let dir: string;
test.beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-changelog-'));
  for (const args of [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Смирнова Елена Викторовна', '-utf8'],
    ['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'school.p12', '-passout', `pass:${PASSWORD}`],
  ]) expect(spawnSync('openssl', args, { cwd: dir }).status).toBe(0);
});
test.afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the change log: its size, what an accepted full packet lets go, and «Сжать журнал изменений»', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  await api.call('school.update', SCHOOL);
  // Every student needs an identifier the packet schema accepts (students from earlier specs may lack one).
  await api.call('students.create', { lastName: 'Журавлёва', firstName: 'Алёна', birthDate: '2010-02-14', sex: 'Ж', docKind: 'passport', docSeries: '4510', docNumber: '123456' });
  for (const row of (await api.call('students.search', { limit: 1000 })).rows.filter((r) => !r.snils)) {
    const s = await api.call('students.get', { id: row.id });
    if (!s.docNumber) {
      const { id: _i, guardians, currentClass: _c, bookEntry: _b, status: _s, version, ...data } = s;
      await api.call('students.update', { id: s.id, version, data: { ...data, docKind: 'birth_certificate', docNumber: `E2E-${s.id.slice(0, 6)}`, guardians } });
    }
  }
  await api.call('packets.loadCertificate', { p12Base64: fs.readFileSync(path.join(dir, 'school.p12')).toString('base64'), password: PASSWORD });
  const full = await api.call('packets.build', { kind: 'full' });
  await api.call('packets.sign', { password: PASSWORD });
  // the region's acceptance, as a program before migration 0009 recorded it: no compaction
  const db = new Database(process.env.E2E_DB!);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare("UPDATE packets SET state = 'sending' WHERE id = ?").run(full.id);
    db.prepare("UPDATE packets SET state = 'accepted', receipt = '{\"receiptId\":\"e2e\",\"acceptedAt\":\"2026-11-23T10:00:00.000Z\"}', accepted_at = '2026-11-23T10:00:00.000Z' WHERE id = ?").run(full.id);
  } finally {
    db.close();
  }
  const log = await api.call('packets.changeLog', {});
  expect(log.removable).toBeGreaterThan(0);
  expect(log.acceptedFull?.seq).toBe(full.seq);

  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Пакеты в региональный сегмент');
  const panel = page.getByTestId('change-log');
  await expect(panel.getByRole('heading', { name: 'Журнал изменений для пакетов' })).toBeVisible();
  await expect(panel.getByTestId('change-log-entries')).toHaveText(String(log.entries));
  await expect(panel).toContainText(`Из них после принятого полного пакета № ${full.seq}`);
  await expect(panel.getByTestId('change-log-since')).toHaveText(String(log.sinceFull));
  await expect(panel.getByTestId('change-log-removable')).toHaveText(String(log.removable));
  await shot(page, '41c-packets-change-log');

  await panel.getByRole('button', { name: 'Сжать журнал изменений' }).click();
  const done = log.removable % 10 === 1 && log.removable % 100 !== 11 ? 'запись' : [2, 3, 4].includes(log.removable % 10) && ![12, 13, 14].includes(log.removable % 100) ? 'записи' : 'записей';
  await expect(panel.getByTestId('compaction-summary')).toHaveText(`Журнал сжат: удалено ${log.removable} ${done}, осталось ${log.sinceFull}.`);
  await expect(panel.getByTestId('change-log-entries')).toHaveText(String(log.sinceFull));
  await expect(panel.getByTestId('change-log-removable')).toHaveText('0');
  await expect(panel.getByRole('button', { name: 'Сжать журнал изменений' })).toBeDisabled();
  expect(await api.call('packets.changeLog', {})).toMatchObject({ entries: log.sinceFull, removable: 0, missing: [] });
});
