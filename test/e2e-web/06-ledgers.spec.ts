// Sealed yearly ledgers end to end (issue 4, "Done when"): a clerk prints a class ledger (a real PDF with the class's
// names in it), an admin closes the year with the school's certificate (a wrong password first: refused, the field
// emptied), the printed code verifies, a sealed mark cannot be edited in the grade grid and the reason is shown,
// a correction is opened and sealed as version 2, and both versions verify — the first one naming what changed.
// Self-contained: its own year (2030/2031), class, students and marks, seeded through the API.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ADMIN, SCREENS_DIR } from './env';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { GradesPage } from './pages/GradesPage';
import { LedgersPage } from './pages/LedgersPage';
import { VerifyPage } from './pages/VerifyPage';
import { collectConsoleErrors, shot } from './screens';

const YEAR = '2030/2031';
const CLASS = '9Л';
const CLERK = { login: 'clerk-ledgers', fullName: 'Петрова Анна Викторовна', password: 'Clerk-ledgers-2030' };
const TEACHER = { lastName: 'Кузьмина', firstName: 'Тамара', middleName: 'Георгиевна' };
const PEOPLE = [
  { lastName: 'Ёжикова', firstName: 'Варвара', middleName: 'Сергеевна', birthDate: '2015-03-14', sex: 'Ж' as const },
  { lastName: 'Щукин', firstName: 'Артём', middleName: 'Павлович', birthDate: '2015-06-02', sex: 'М' as const },
  { lastName: 'Юдина', firstName: 'Элеонора', middleName: 'Маратовна', birthDate: '2015-10-21', sex: 'Ж' as const },
];
const NAMES = PEOPLE.map((p) => `${p.lastName} ${p.firstName} ${p.middleName}`);
// Marks per student (in PEOPLE order) and subject: every period, the annual and the final mark.
const MARKS: Record<string, string[]> = { 'Математика': ['5', '4', '3'], 'Русский язык': ['5', '5', '4'] };

const pdfText = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

/** A school certificate as OpenSSL 3 makes it by default: Cyrillic subject, non-ASCII password. */
function makeCertificate(dir: string, password: string): Buffer {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365',
    '-subj', '/C=RU/O=ГБОУ Школа № 2107/CN=Лебедева Ирина Сергеевна', '-utf8'], { cwd: dir, stdio: 'ignore' });
  execFileSync('openssl', ['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'school.p12', '-passout', `pass:${password}`],
    { cwd: dir, stdio: 'ignore' });
  return fs.readFileSync(path.join(dir, 'school.p12'));
}

async function seed(api: Api) {
  // A ledger is printed with the school's requisites: fill them when this spec runs alone.
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === YEAR) ?? await api.call('years.create', { name: YEAR });
  const subjects = await api.call('subjects.list', {});
  const subject = async (name: string, shortName: string) => subjects.find((s) => s.name === name) ?? api.call('subjects.create', { name, shortName });
  const math = await subject('Математика', 'Мат.');
  const russian = await subject('Русский язык', 'Рус. яз.');
  const staff = await api.call('staff.list', {});
  const teacher = staff.find((s) => s.lastName === TEACHER.lastName)
    ?? await api.call('staff.create', { ...TEACHER, position: 'учитель математики', subjectIds: [math.id], snils: null });
  const classes = await api.call('classes.list', { yearId: year.id });
  const klass = classes.find((c) => c.name === CLASS) ?? await api.call('classes.create', { yearId: year.id, parallel: 9, letter: 'Л', homeroomTeacherId: teacher.id });
  await api.call('curriculum.set', { classId: klass.id, subjectIds: [math.id, russian.id] });

  const inClass = await api.call('classes.students', { classId: klass.id });
  for (const p of PEOPLE) {
    if (inClass.some((s) => s.fullName.startsWith(`${p.lastName} ${p.firstName}`))) continue;
    const s = await api.call('students.create', { ...p, guardians: [] });
    await api.call('orders.enrol', { order: { number: '101-у', date: '2030-09-01', confirmFuture: true }, studentId: s.id, classId: klass.id, date: '2030-09-01' });
  }

  // Every cell of the ledger filled, so the year can be sealed; a few missed lessons.
  const grid = await api.call('grades.grid', { classId: klass.id });
  const order = NAMES.map((n) => grid.students.find((s) => s.fullName === n)!);
  const cells = grid.subjects.flatMap((sub) => order.flatMap((st, i) => grid.columns
    .filter((c) => c.slot !== 'exam')
    .map((c) => ({ studentId: st.id, subjectId: sub.id, slot: c.slot, periodId: c.periodId, mark: MARKS[sub.name][i] }))));
  await api.call('grades.set', { classId: klass.id, cells });
  const firstPeriod = grid.columns.find((c) => c.slot === 'period')!.periodId!;
  await api.call('attendance.set', { classId: klass.id, rows: order.map((st, i) => ({ studentId: st.id, periodId: firstPeriod, missed: 4 * i, missedValid: 2 * i })) });
  await api.attempt('users.create', { ...CLERK, role: 'clerk' });

  const ledger = await api.call('ledgers.get', { classId: klass.id });
  expect(ledger.missing, 'the seed fills every cell').toEqual([]);
  return { klass, math };
}

test('a clerk prints, an admin seals the year, the code verifies, a sealed mark is refused, a correction makes version 2', async ({ page, request }) => {
  test.setTimeout(120_000);
  // The screens must work under the server's strict CSP and without console errors (as 02-screens checks).
  const consoleErrors = await collectConsoleErrors(page);
  const api = await new Api(request).asAdmin();
  const { klass, math } = await seed(api);
  const app = new App(page);
  const ledgers = new LedgersPage(page);
  const verify = new VerifyPage(page);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-e2e-ledgers-'));

  // ---- the clerk: the ledger on screen, then printed ----
  await app.launch();
  if (await app.nav.isVisible()) await app.signOut();
  await app.signIn(CLERK.login, CLERK.password);
  await app.goTo('Ведомости');
  await ledgers.pickYear(YEAR);
  await expect(ledgers.listState(CLASS)).toHaveText('не заверена');
  await ledgers.pickClass(CLASS);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Ведомость ${CLASS} класса · ${YEAR}`);
  await expect(page.getByText(`Классный руководитель: ${TEACHER.lastName} ${TEACHER.firstName} ${TEACHER.middleName}`)).toBeVisible();
  for (const [i, name] of NAMES.entries()) await expect(ledgers.row(name)).toContainText(MARKS['Математика'][i]);
  await expect(ledgers.row(NAMES[2]).locator('td').last()).toHaveText('4'); // missed for a valid reason: 4 of 8
  // Mathematics: 5, 4, 3 → all passed, two of three on «4» and «5».
  await expect(ledgers.stat('Успеваемость, %', 'Математика')).toHaveText('100');
  await expect(ledgers.stat('Качество, %', 'Математика')).toHaveText('66,7');
  await expect(page.getByTestId('ledger-totals')).toContainText('На «5»: 1');
  // The chart: a described picture, one labelled bar per subject and series.
  const chart = ledgers.chart.getByRole('img', { name: /Результаты класса по предметам/ });
  await expect(chart).toBeVisible();
  await expect(ledgers.chart.locator('g[data-subject="Математика"] g[data-series="quality"] rect title')).toHaveText('Математика: качество 66,7 %');
  await expect(ledgers.chart.locator('desc')).toContainText('Русский язык: успеваемость 100 %, качество 100 %');
  // A clerk does not see sealing or corrections.
  await expect(ledgers.sealPanel).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Заверить|Закрыть|исправление/ })).toHaveCount(0);
  await shot(page, '40-ledger-clerk');

  const draft = await ledgers.download('print-pdf');
  expect(draft.download.suggestedFilename()).toMatch(/\.pdf$/);
  expect(draft.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const draftText = pdfText(draft.path);
  for (const name of NAMES) expect(draftText).toContain(name);
  const xlsx = await ledgers.download('print-xlsx');
  expect(xlsx.download.suggestedFilename()).toMatch(/\.xlsx$/);
  expect(xlsx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  await app.goTo('Ведомости');
  await expect(ledgers.closeYear).toHaveCount(0);
  await app.signOut();

  // ---- the admin closes the year with the school's certificate ----
  const password = 'пароль-школы-2107';
  const p12 = { name: 'school.p12', buffer: makeCertificate(tmp, password) };
  await app.signIn(ADMIN.login, ADMIN.password);
  await app.goTo('Ведомости');
  await ledgers.pickYear(YEAR);
  await expect(ledgers.closeYear).toBeVisible();
  // A wrong password: refused with the reason, nothing sealed, the password field emptied.
  await ledgers.certificate(ledgers.closeYear, p12, 'не тот пароль');
  await ledgers.closeYear.getByTestId('close-year-run').click();
  await ledgers.closeYear.getByTestId('close-year-confirm').click(); // the confirmation with the year's summary (issue 16)
  await expect(ledgers.closeYear.getByRole('alert').first()).toContainText(/парол/i);
  await expect(ledgers.closeYear.getByLabel('Пароль сертификата')).toHaveValue('');
  await expect(ledgers.listState(CLASS)).toHaveText('не заверена');
  await shot(page, '41-ledger-close-year-wrong-password');

  await ledgers.closeYear.getByLabel('Пароль сертификата').fill(password);
  await ledgers.closeYear.getByTestId('close-year-run').click();
  await ledgers.closeYear.getByTestId('close-year-confirm').click(); // the confirmation with the year's summary (issue 16)
  await expect(ledgers.closeYear.getByTestId('close-year-done')).toContainText('Закрытие года завершено: заверено 1 ведомость.');
  await expect(ledgers.closeYear.getByLabel('Пароль сертификата')).toHaveValue('');
  const kept = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(kept).not.toContain(password);
  await expect(ledgers.listState(CLASS)).toHaveText('заверена');
  const listRow = ledgers.listRow(CLASS);
  await shot(page, '42-ledger-year-closed');

  await listRow.getByRole('link', { name: CLASS }).click();
  await expect(ledgers.versions).toBeVisible();
  await expect(ledgers.version(1)).toContainText(ADMIN.fullName);
  await expect(ledgers.version(1)).toContainText('Лебедева Ирина Сергеевна');
  const code1 = await ledgers.versionCode(1);
  expect(code1).toMatch(/^[0-9A-F]{8}-v1$/);
  await shot(page, '43-ledger-sealed');

  // The sealed version's PDF carries the code; the code and the file both verify.
  const sealed1 = await ledgers.download('print-pdf-v1');
  expect(sealed1.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  // The first page as people will see it on paper: test-results/screens/43-ledger-v1-page1.png.
  fs.mkdirSync(SCREENS_DIR, { recursive: true });
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', sealed1.path, path.join(SCREENS_DIR, '43-ledger-v1-page1')]);
  const sealedText = pdfText(sealed1.path);
  expect(sealedText).toContain(code1);
  for (const name of NAMES) expect(sealedText).toContain(name);

  await app.goTo('Проверка документа');
  await verify.byCode(code1);
  await expect(verify.badges).toContainText('Заверенная версия');
  await expect(verify.badges).toContainText('Текущая версия');
  await expect(verify.badges).toContainText('Данные реестра совпадают');
  await expect(verify.badges).toContainText('Подпись верна');
  await expect(verify.result).toContainText(CLASS);
  await verify.byFile('ledger-v1.pdf', sealed1.bytes);
  await expect(verify.badges).toContainText('Заверенная версия');
  await expect(verify.result).toContainText(code1);
  await shot(page, '44-verify-sealed');

  // ---- a sealed mark cannot be changed: the grade grid shows why ----
  await page.goto(`/#/grades/${klass.id}/${math.id}`);
  const grades = new GradesPage(page);
  await expect(grades.grid).toBeVisible();
  // read-only and saying so (issue 16): a typed mark is not even drafted, the reason shown; nothing written
  await expect(page.getByTestId('grade-sealed')).toContainText(`Ведомость ${CLASS} класса за ${YEAR} учебный год запечатана (версия 1`);
  await grades.select(0, 0);
  await grades.press('3', 'Enter');
  await expect(grades.status).toHaveText('Ведомость запечатана — оценка не изменится');
  await expect(grades.cell(0, 0)).toHaveText('5');
  await expect(grades.cell(0, 0)).not.toHaveClass(/editing/);
  await page.reload();
  await expect(grades.grid).toBeVisible();
  await expect(grades.cell(0, 0)).toHaveText('5');
  await shot(page, '45-grades-sealed-refused');

  // ---- a correction: opened by order, the mark changed, sealed as version 2 ----
  await page.goto(`/#/ledgers/${klass.id}`);
  await expect(ledgers.sealPanel).toBeVisible();
  await ledgers.openCorrection('Ошибка при переносе оценки из журнала', '215-о', '02.06.2031');
  await expect(page.getByTestId('correction-open')).toContainText('Приказ № 215-о от 02.06.2031');
  await expect(page.getByTestId('ledger-state').first()).toHaveText('открыто исправление');
  await shot(page, '46-ledger-correction-open');
  await page.goto(`/#/grades/${klass.id}/${math.id}`);
  await expect(grades.grid).toBeVisible();
  await grades.select(0, 0);
  await grades.press('4', 'Enter');
  await expect(grades.status).toContainText('Записано');
  await expect(grades.cell(0, 0)).toHaveText('4');

  await page.goto(`/#/ledgers/${klass.id}`);
  await expect(ledgers.sealPanel.getByTestId('seal-run')).toHaveText('Заверить исправленную ведомость');
  await ledgers.sealPanel.getByTestId('seal-run').click(); // no certificate this time: sealed by hash alone
  await expect(ledgers.sealPanel.getByTestId('seal-done')).toContainText('-v2');
  await expect(ledgers.version(2)).toBeVisible();
  await expect(ledgers.version(2)).toContainText('Ошибка при переносе оценки из журнала');
  await expect(ledgers.version(2)).toContainText('без подписи');
  await expect(ledgers.version(1)).toBeVisible();
  const code2 = await ledgers.versionCode(2);
  expect(code2).toMatch(/^[0-9A-F]{8}-v2$/);
  expect(code2.slice(0, 8)).not.toBe(code1.slice(0, 8));
  await shot(page, '47-ledger-version-2');

  // Both versions stay printable and verify: v2 is current and intact; v1 is sealed, superseded, and names the change.
  const sealed2 = await ledgers.download('print-pdf-v2');
  expect(pdfText(sealed2.path)).toContain(code2);
  const again1 = await ledgers.download('print-pdf-v1');
  expect(pdfText(again1.path)).toContain(code1);

  // «Проверить» beside version 2 opens the verification with its code already checked.
  await ledgers.version(2).getByRole('link', { name: `Проверить: ${code2}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Проверка документа');
  await expect(verify.result).toContainText(code2);
  await expect(verify.badges).toContainText('Текущая версия');

  await app.goTo('Проверка документа');
  await verify.byCode(code2);
  await expect(verify.badges).toContainText('Заверенная версия');
  await expect(verify.badges).toContainText('Текущая версия');
  await expect(verify.badges).toContainText('Данные реестра совпадают');
  await verify.byCode(code1);
  await expect(verify.badges).toContainText('Заверенная версия');
  await expect(verify.badges).toContainText('Не текущая: действует версия 2');
  const diff = verify.differences.getByTestId('difference');
  await expect(diff).toHaveCount(1);
  await expect(diff).toContainText(NAMES[0]);
  await expect(diff).toContainText('Математика');
  await expect(diff).toContainText('1 четв.');
  await shot(page, '48-verify-superseded');
  // Not a code at all: named next to the field. A well-formed code nobody sealed: not a sealed version.
  await page.getByTestId('verify-code-form').getByLabel('Код проверки').fill('ABC');
  await page.getByTestId('verify-code-form').getByRole('button', { name: 'Проверить код' }).click();
  await expect(page.getByTestId('error-code')).toContainText('«ABC» — не код проверки');
  await expect(page.getByTestId('verify-code-form').getByLabel('Код проверки')).toHaveAttribute('aria-invalid', 'true');
  await verify.byCode('0000ABCD-v1');
  await expect(verify.badges).toHaveText('Не заверенная версия');
  // A PDF whose bytes were edited is not a sealed version.
  const edited = Buffer.from(sealed2.bytes);
  edited[Math.floor(edited.length / 2)] ^= 0x01;
  await verify.byFile('edited.pdf', edited);
  await expect(verify.badges).toContainText('Не заверенная версия');

  fs.rmSync(tmp, { recursive: true, force: true });
  expect(consoleErrors).toEqual([]);
});

// ---- the year-end close as a job: progress, «Отменить», and a rerun that finishes the rest ----
const BIG_YEAR = '2032/2033';
const LETTERS = ['А', 'Б', 'В', 'Г'];
const FIRST_NAMES = ['Алиса', 'Дарья', 'Вероника', 'Галина'];
const SURNAMES = ['Андреева', 'Борисова', 'Васильева', 'Григорьева', 'Дмитриева', 'Егорова', 'Жукова', 'Зайцева', 'Ильина', 'Карпова',
  'Лебедева', 'Макарова', 'Никитина', 'Орлова', 'Павлова', 'Романова'];

/** 16 classes (5А…8Г) of two students each, every cell filled — except one empty cell in 5А and one н/а in 5Б. */
async function seedBigYear(api: Api) {
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === BIG_YEAR) ?? await api.call('years.create', { name: BIG_YEAR });
  const subjects = await api.call('subjects.list', {});
  const math = subjects.find((s) => s.name === 'Математика') ?? await api.call('subjects.create', { name: 'Математика', shortName: 'Мат.' });
  const existing = await api.call('classes.list', { yearId: year.id });
  for (const parallel of [5, 6, 7, 8]) {
    for (const [li, letter] of LETTERS.entries()) {
      const klass = existing.find((c) => c.parallel === parallel && c.letter === letter)
        ?? await api.call('classes.create', { yearId: year.id, parallel, letter });
      await api.call('curriculum.set', { classId: klass.id, subjectIds: [math.id] });
      if ((await api.call('classes.students', { classId: klass.id })).length === 0) {
        for (const k of [0, 1]) {
          const s = await api.call('students.create', { lastName: SURNAMES[(parallel - 5) * 4 + li], firstName: FIRST_NAMES[(li + k) % 4],
            middleName: 'Тестовна', birthDate: `20${30 - parallel}-0${k + 3}-1${li}`, sex: 'Ж', guardians: [] });
          await api.call('orders.enrol', { order: { number: '7-у', date: '2032-09-01', confirmFuture: true }, studentId: s.id, classId: klass.id, date: '2032-09-01' });
        }
      }
      const grid = await api.call('grades.grid', { classId: klass.id });
      const cells = grid.students.flatMap((st, si) => grid.columns.filter((c) => c.slot !== 'exam').map((c, ci) => {
        const gap = klass.name === '5А' && si === 0 && ci === 0;
        const na = klass.name === '5Б' && si === 1 && ci === 1;
        return { studentId: st.id, subjectId: math.id, slot: c.slot, periodId: c.periodId, mark: gap ? null : na ? 'н/а' : si === 0 ? '5' : '4' };
      }));
      await api.call('grades.set', { classId: klass.id, cells });
    }
  }
  return year;
}

test('closing a year runs as a job: progress, cancel leaves no class half-sealed, a rerun with н/а confirmed seals the rest', async ({ page, request }) => {
  test.setTimeout(150_000);
  const api = await new Api(request).asAdmin();
  const year = await seedBigYear(api);
  const app = new App(page);
  const ledgers = new LedgersPage(page);
  await app.signInAsAdmin();
  await app.goTo('Ведомости');
  await ledgers.pickYear(BIG_YEAR);
  await expect(page.getByTestId('ledgers-list').getByTestId('ledger-state')).toHaveCount(16);
  await expect(ledgers.listRow('5А')).toContainText('1'); // one empty cell
  await expect(ledgers.listRow('5Б').locator('td').last()).toHaveText('1'); // one н/а

  // Start, and cancel at once: the job stops at the next class.
  await ledgers.closeYear.getByTestId('close-year-run').click();
  await ledgers.closeYear.getByTestId('close-year-confirm').click(); // the confirmation with the year's summary (issue 16)
  await expect(ledgers.closeYear.getByTestId('close-year-progress').getByRole('progressbar')).toBeVisible();
  await ledgers.closeYear.getByTestId('close-year-cancel').click();
  await shot(page, '49-ledger-close-year-cancelling');
  await expect(ledgers.closeYear.getByTestId('close-year-cancelled')).toBeVisible({ timeout: 30_000 });
  await expect(ledgers.closeYear.getByTestId('close-year-progress')).toHaveCount(0);

  // Every class is either sealed whole (a version and its code) or untouched — and most were never reached.
  const afterCancel = await api.call('ledgers.list', { yearId: year.id });
  for (const r of afterCancel) {
    if (r.state === 'sealed') expect([r.version, r.code?.endsWith('-v1')], r.className).toEqual([1, true]);
    else expect([r.state, r.version, r.code], r.className).toEqual(['draft', null, null]);
  }
  const sealedFirst = afterCancel.filter((r) => r.state === 'sealed').length;
  expect(sealedFirst).toBeLessThan(14);
  await expect(page.getByTestId('ledgers-list').getByText('заверена', { exact: true })).toHaveCount(sealedFirst);

  // Rerun with н/а confirmed: everything but 5А (an empty cell) is sealed; 5А is listed with the reason.
  await ledgers.closeYear.getByLabel('Заверять классы, где есть «н/а» (не аттестован)').check();
  await ledgers.closeYear.getByTestId('close-year-run').click();
  await ledgers.closeYear.getByTestId('close-year-confirm').click(); // the confirmation with the year's summary (issue 16)
  const done = ledgers.closeYear.getByTestId('close-year-done');
  await expect(done).toBeVisible({ timeout: 60_000 });
  await expect(done).toContainText(`заверено ${15 - sealedFirst}`);
  await expect(done).toContainText('не заверено 1');
  if (sealedFirst) await expect(done).toContainText(`уже были заверены ${sealedFirst}`);
  await expect(page.getByTestId('close-year-skipped')).toContainText('5А');
  await expect(page.getByTestId('ledgers-list').getByText('заверена', { exact: true })).toHaveCount(15);
  await expect(ledgers.listState('5А')).toHaveText('не заверена');
  await expect(ledgers.listState('5Б')).toHaveText('заверена');
  await shot(page, '50-ledger-close-year-rerun');

  // 5А lists the cell it lacks; the admin cannot seal it until it is filled.
  await ledgers.listRow('5А').getByRole('link', { name: '5А' }).click();
  await expect(ledgers.missing).toContainText('Не хватает оценок: 1');
  await expect(ledgers.missing).toContainText('Математика');
  await expect(ledgers.sealPanel.getByTestId('seal-run')).toBeDisabled();
  await shot(page, '51-ledger-missing');
});

test('«Проверка документа» also checks a справка об обучении by its code and by its file; an edited file is refused', async ({ page, request }) => {
  const api = await new Api(request).asAdmin();
  await ensureSchool(api);
  const st = await api.call('students.create', { lastName: 'Справкина', firstName: 'Вера', middleName: 'Олеговна', birthDate: '2015-01-09', sex: 'Ж' });
  const printed = await api.call('printouts.certificateOfStudy', { studentId: st.id });
  const pdf = Buffer.from(printed.dataBase64, 'base64');
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Проверка документа');
  const verify = new VerifyPage(page);
  await verify.byCode(printed.code);
  await expect(verify.badges).toContainText('Заверенный документ');
  await expect(verify.badges).toContainText('Текущая версия');
  await expect(page.getByTestId('verify-facts')).toContainText('Справка об обучении');
  await verify.byFile('spravka.pdf', pdf);
  await expect(verify.badges).toContainText('Файл совпадает с заверенным');
  const edited = Buffer.from(pdf);
  const at = edited.indexOf(Buffer.from('(D:')) + 5;
  edited[at] = edited[at] === 0x31 ? 0x32 : 0x31;
  await verify.byFile('spravka-edited.pdf', edited);
  await expect(verify.badges).toContainText('Файл изменён');
  await expect(verify.badges).not.toContainText('Заверенный документ');
  await shot(page, '52-verify-printout');
});
