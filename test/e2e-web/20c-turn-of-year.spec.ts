// The turn of the year end to end (issue 20, «Done when») in Chromium, in the order the issue gives: a clerk closes a
// small school's year — reviews the promotion summary with its blocker, keeps one pupil back on the parents'
// application, promotes one conditionally with a debt, lets a 9th grader leave, confirms and prints the order;
// releases the 9th and 11th grades after the ГИА by выпуск orders, cancels a wrong выпуск order and issues the right
// one; only then opens the next year (which the promotion started: its classes kept with their pupils, the 1st grade
// added, the primary teacher copied into 5th grade replaced) with curricula in place — and then the алфавитная книга,
// the class lists and the city-register workbook (read with exceljs) agree: the same pupils in the same classes, the
// leavers dated.
// Self-contained: its own years (2005/2006 → 2006/2007; 20a's are 2013/2014 → 2014/2015, 20b's 2009/2010 → 2010/2011),
// classes of the letter «Т» (and 2002/2003 → 2003/2004 for the blockers' paging), pupils, attestat forms and order numbers, seeded through the API.
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { expect, test } from '@playwright/test';
import { Api, ensureSchool } from './pages/api';
import { App } from './pages/App';
import { AlphabetBookPage } from './pages/AlphabetBookPage';
import { ClassesPage } from './pages/ClassesPage';

const FROM = '2005/2006';
const TO = '2006/2007';
type Person = { lastName: string; firstName: string; middleName: string; birthDate: string; sex: 'М' | 'Ж' };
const person = (lastName: string, firstName: string, birthDate: string, sex: 'М' | 'Ж'): Person =>
  ({ lastName, firstName, middleName: sex === 'М' ? 'Сергеевич' : 'Сергеевна', birthDate, sex });
const P = {
  yastrebova: person('Ястребова', 'Зоя', '1995-02-02', 'Ж'), // 4Т → 5Т
  zhavoronkov: person('Жаворонков', 'Илья', '1992-03-03', 'М'), // 7Т → 8Т
  zhuravkina: person('Журавкина', 'Ольга', '1992-04-04', 'Ж'), // 7Т, kept back on the parents' application
  zyablikov: person('Зябликов', 'Пётр', '1992-05-05', 'М'), // 7Т, «2» → 8Т conditionally
  klestova: person('Клестова', 'Мария', '1990-06-06', 'Ж'), // 9Т, leaves after the 9th with her attestat
  korshunov: person('Коршунов', 'Денис', '1990-07-07', 'М'), // 9Т → 10Т
  krechetov: person('Кречетов', 'Антон', '1988-08-08', 'М'), // 11Т, with his attestat
  kulikova: person('Куликова', 'Нина', '1988-09-09', 'Ж'), // 11Т, with a справка об обучении
};
type Key = keyof typeof P;
const full = (p: Person) => `${p.lastName} ${p.firstName} ${p.middleName}`;
const CLASSES: Array<[number, Key[]]> = [[4, ['yastrebova']], [7, ['zhavoronkov', 'zhuravkina', 'zyablikov']], [9, ['klestova', 'korshunov']], [11, ['krechetov', 'kulikova']]];

async function seed(api: Api) {
  await ensureSchool(api);
  const years = await api.call('years.list', {});
  const from = years.find((y) => y.name === FROM) ?? await api.call('years.create', { name: FROM });
  const subjects = await api.call('subjects.list', {});
  const subject = async (name: string, shortName: string) => subjects.find((s) => s.name === name) ?? api.call('subjects.create', { name, shortName });
  const plan = [await subject('Математика', 'Мат.'), await subject('Русский язык', 'Рус. яз.')];
  // the next year exists (created on «Учебные годы»), not opened: no classes until the promotion makes them
  if (!years.some((y) => y.name === TO)) await api.call('years.create', { name: TO });
  // the 1st grade's curriculum template (shared by the register's specs): set if no spec has set it
  if (!(await api.call('curriculum.templates', {})).find((g) => g.grade === 1)?.subjects.length) {
    await api.call('curriculum.setTemplate', { grade: 1, subjectIds: plan.map((x) => x.id) });
  }
  // homeroom teachers: a primary teacher with the 4th grade, a teacher with the 11th
  const primary = await api.call('staff.create', { lastName: 'Свиристелева', firstName: 'Алла', middleName: 'Петровна', position: 'Учитель начальных классов', subjectIds: [] });
  const senior = await api.call('staff.create', { lastName: 'Чечёткин', firstName: 'Глеб', middleName: 'Ильич', position: 'Учитель', subjectIds: [] });
  const ids = {} as Record<Key, string>;
  const classIds: Record<string, number> = {};
  let n = 0;
  for (const [parallel, keys] of CLASSES) {
    const c = await api.call('classes.create', { yearId: from.id, parallel, letter: 'Т',
      homeroomTeacherId: parallel === 4 ? primary.id : parallel === 11 ? senior.id : null });
    classIds[c.name] = c.id;
    await api.call('curriculum.set', { classId: c.id, subjectIds: plan.map((s) => s.id) });
    for (const k of keys) {
      const p = P[k];
      const s = await api.call('students.create', { ...p, docKind: 'birth_certificate', docSeries: 'II-МЮ', docNumber: String(530100 + ++n),
        docDate: p.birthDate.replace(/-\d\d$/, '-28'), docIssuer: 'Отдел ЗАГС Басманного района', guardians: [] });
      await api.call('orders.enrol', { order: { number: '20c-у', date: '2005-09-01' }, studentId: s.id, classId: c.id, date: '2005-09-01' });
      ids[k] = s.id;
    }
    // the year's marks, complete: annual in every subject of the plan (Зябликов's mathematics «2»), finals in the 9th and 11th
    const cells = keys.flatMap((k) => plan.flatMap((su) => {
      const annual = k === 'zyablikov' && su.name === 'Математика' ? '2' : '4';
      const row = [{ studentId: ids[k], subjectId: su.id, slot: 'annual' as const, periodId: null, mark: annual }];
      return parallel === 9 || parallel === 11 ? [...row, { studentId: ids[k], subjectId: su.id, slot: 'final' as const, periodId: null, mark: annual }] : row;
    }));
    await api.call('grades.set', { classId: c.id, cells });
  }
  // the attestats of Клестова (9th) and Кречетов (11th), issued in the book of issued attestats after the ГИА
  await api.call('attestats.receiveForms', { kind: 9, series: '05 ТЯ', firstNumber: 3001, lastNumber: 3001, receivedOn: '2006-05-15', document: 'Накладная № 20c-9 от 15.05.2006' });
  await api.call('attestats.receiveForms', { kind: 11, series: '05 ТЮ', firstNumber: 3002, lastNumber: 3002, receivedOn: '2006-05-15', document: 'Накладная № 20c-11 от 15.05.2006' });
  await api.call('attestats.issue', { studentId: ids.klestova, kind: 9, series: '05 ТЯ', number: 3001, issueDate: '2006-06-19', recipient: full(P.klestova) });
  await api.call('attestats.issue', { studentId: ids.krechetov, kind: 11, series: '05 ТЮ', number: 3002, issueDate: '2006-06-23', recipient: full(P.krechetov) });
  return { ids, classIds, plan, primary, senior };
}

async function cityRegister(api: Api, year: string) {
  // the workbook names every subject by its city-register ID (as in 05-export)
  for (const s of await api.call('subjects.list', {})) {
    if (!s.cityRegisterId) {
      await api.call('subjects.update', { id: s.id, data: { name: s.name, shortName: s.shortName, cityRegisterId: `MSK-E2E-${s.id}`, federalCode: s.federalCode } });
    }
  }
  const out = await api.call('export.cityRegister', { year });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(out.dataBase64, 'base64') as unknown as ArrayBuffer);
  const sheet = (name: string) => {
    const ws = wb.getWorksheet(name)!;
    const head = (ws.getRow(1).values as unknown[]).slice(1).map(String);
    const rows: Array<Record<string, unknown>> = [];
    ws.eachRow((row, i) => {
      if (i === 1) return;
      const v = (row.values as unknown[]).slice(1);
      rows.push(Object.fromEntries(head.map((h, j) => [h, v[j] instanceof Date ? (v[j] as Date).toISOString().slice(0, 10) : v[j] ?? null])));
    });
    return rows;
  };
  return { classes: sheet('Классы'), students: sheet('Контингент') };
}

test('the year closed by the rules: the promotion reviewed and printed, выпуск, a wrong order cancelled, then the next year opened; the books agree', async ({ page, request }) => {
  test.setTimeout(240_000);
  const api = await new Api(request).asAdmin();
  const s = await seed(api);
  const app = new App(page);
  await app.signInAsAdmin();

  // ---- the review: Зябликов's «2» blocks the promotion; the 11th graders wait for the выпуск
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Перевод школы в следующий учебный год' }).click();
  const form = page.getByTestId('promote-form');
  await form.getByLabel('Из учебного года').selectOption({ label: FROM });
  await expect(form.getByLabel('В учебный год')).toHaveValue(String((await api.call('years.list', {})).find((y) => y.name === TO)!.id));
  const review = page.getByTestId('promotion-review');
  await expect(review.getByRole('heading')).toContainText('Перевод на');
  // the next year not opened yet: the promotion will make its classes, with curricula
  await expect(page.getByTestId('promotion-next-not-opened')).toContainText(`В ${TO} учебном году ещё нет классов`);
  await expect(review.getByTestId('promotion-blocker')).toHaveCount(1);
  await expect(review.getByTestId('promotion-blocker-counts')).toHaveText('По классам: 7Т: 1');
  const blocker = review.getByTestId('promotion-blocker').filter({ hasText: full(P.zyablikov) });
  await expect(blocker).toContainText('«Математика» — 2: решите — перевести условно');
  await expect(review.getByTestId('promotion-class-11Т')).toContainText('2');
  await form.getByLabel('Номер приказа').fill('20c-п');
  await form.getByLabel('Дата приказа').fill('30.05.2006');
  await form.getByRole('button', { name: 'Подтвердить перевод' }).click();
  await expect(form).toContainText('Перевод не оформлен: 1 препятствие');

  // ---- decisions: Зябликов conditionally, Журавкина kept back on the application, Клестова leaves after the 9th
  await blocker.getByRole('button', { name: 'Перевести условно' }).click();
  const decisions = page.getByTestId('promotion-decisions');
  await decisions.getByTestId('decision-row').filter({ hasText: full(P.zyablikov) }).getByLabel('Срок ликвидации задолженности').fill('16.10.2006');
  await page.getByTestId('kept-back-list').getByLabel(new RegExp(full(P.zhuravkina))).check();
  await decisions.getByTestId('decision-row').filter({ hasText: full(P.zhuravkina) }).getByLabel('Дата основания').fill('22.05.2006');
  const row9 = review.getByTestId('promotion-class-9Т');
  await row9.locator('summary').click();
  await row9.getByRole('listitem').filter({ hasText: full(P.klestova) }).getByRole('button', { name: 'Уходит после 9 класса' }).click();
  await expect(page.getByTestId('promotion-no-blockers')).toBeVisible();
  await expect(review.getByTestId('promotion-class-7Т')).toContainText(`${full(P.zhuravkina)} (Заявление родителей 22.05.2006)`);
  await expect(review.getByTestId('promotion-class-7Т')).toContainText(`${full(P.zyablikov)} Задолженность: Математика (2), 16.10.2006`);
  await form.getByRole('button', { name: 'Подтвердить перевод' }).click();
  await expect(page.getByTestId('promote-result')).toContainText('Переведено: 3. Переведено условно: 1. Оставлено: 1. Ждут выпуска: 3.');
  const debts = await api.call('debts.list', { studentId: s.ids.zyablikov });
  expect(debts.map((d) => [d.subject, d.annualMark, d.deadline, d.currentClass, d.outcome])).toEqual([['Математика', '2', '2006-10-16', '8Т', null]]);

  // ---- the order printed with its per-class lists
  await app.goTo('Приказы');
  await page.getByLabel('Поиск: номер, содержание или ученик').fill('20c-п');
  await page.getByTestId('orders-table').getByRole('link', { name: /20c-п/ }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('order-print').click()]);
  expect(download.suggestedFilename()).toBe('Приказ 20c-п от 30.05.2006.pdf');
  const pdf = execFileSync('pdftotext', ['-layout', await download.path(), '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
  expect(pdf).toContain('О переводе в следующий класс');
  expect(pdf).toContain('7Т класс (3)');
  expect(pdf).toContain('9Т класс (1)');
  for (const k of ['yastrebova', 'zhavoronkov', 'zhuravkina', 'zyablikov', 'korshunov'] as const) expect(pdf).toContain(full(P[k]));
  for (const k of ['klestova', 'krechetov', 'kulikova'] as const) expect(pdf).not.toContain(full(P[k]));

  // ---- выпуск after the ГИА: the 9th grader with her attestat
  const graduate = async (cls: string, number: string, date: string, who: Array<[Key, boolean]>) => {
    await app.goTo('Приказы');
    await page.getByRole('link', { name: 'Выпуск (после ГИА)' }).click();
    const g = page.getByTestId('graduate-form');
    await g.getByLabel('Из учебного года').selectOption({ label: FROM });
    await g.getByLabel('Класс').selectOption({ label: cls });
    const rows = g.getByTestId('graduate-row');
    for (const [k, without] of who) {
      const r = rows.filter({ hasText: full(P[k]) });
      await r.getByLabel(full(P[k])).check();
      if (without) await r.getByLabel('без аттестата (справка об обучении)').check();
    }
    await g.getByLabel('Номер приказа').fill(number);
    await g.getByLabel('Дата приказа').fill(date);
    await g.getByLabel('Дата выпуска').fill(date);
    await g.getByRole('button', { name: 'Оформить выпуск' }).click();
  };
  await graduate('9Т', '20c-в9', '20.06.2006', [['klestova', false]]);
  await expect(page.getByTestId('graduate-result')).toContainText('Выпущено: 1 (с аттестатом: 1, со справкой: 0).');

  // ---- a wrong выпуск order: Кречетов, who has his attestat, released with a справка — cancelled from the book
  await graduate('11Т', '20c-в11-ош', '24.06.2006', [['krechetov', true], ['kulikova', true]]);
  await expect(page.getByTestId('graduate-result')).toContainText('Выпущено: 2 (с аттестатом: 0, со справкой: 2).');
  await app.goTo('Приказы');
  await page.getByLabel('Учебный год').selectOption({ label: FROM });
  await page.getByRole('button', { name: 'Отменить приказ № 20c-в11-ош от 24.06.2006' }).click();
  const cancel = page.getByTestId('cancel-order-form');
  await cancel.getByLabel('Номер приказа об отмене').fill('20c-отм');
  await cancel.getByLabel('Дата приказа об отмене').fill('25.06.2006');
  await cancel.getByRole('button', { name: 'Отменить приказ' }).click();
  await expect(page.getByTestId('cancel-result')).toContainText('Об отмене приказа № 20c-в11-ош от 24.06.2006');
  // the cancellation printed: it names the movements it undoes; Кречетов's card keeps the cancelled выпуск, marked
  await page.getByTestId('orders-table').getByRole('link', { name: 'Приказ № 20c-отм от 25.06.2006', exact: true }).click();
  const [cancelPdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('order-print').click()]);
  const cancelText = execFileSync('pdftotext', ['-layout', await cancelPdf.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(cancelText).toContain('Отменить приказ № 20c-в11-ош от 24.06.2006');
  for (const k of ['krechetov', 'kulikova'] as const) expect(cancelText).toContain(full(P[k]));
  await page.goto(`/#/students/${s.ids.krechetov}`);
  await expect(page.getByTestId('student-history').getByTestId('movement-cancelled')).toContainText('отменено приказом № 20c-отм от 25.06.2006');
  // the right one
  await graduate('11Т', '20c-в11', '26.06.2006', [['krechetov', false], ['kulikova', true]]);
  await expect(page.getByTestId('graduate-result')).toContainText('Выпущено: 2 (с аттестатом: 1, со справкой: 1).');
  const book = (await api.call('orders.book', { year: 2005, query: '20c-' })).rows;
  expect(book.map((o) => o.number).sort()).toEqual(['20c-в11', '20c-в11-ош', '20c-в9', '20c-отм', '20c-п', '20c-у'].sort());

  // ---- only now the next year in one step: the promotion started it, so it is completed — its classes kept with
  // their pupils, the 1st grade added, the primary teacher the promotion copied into 5Т replaced by the 11Т's
  await app.goTo('Учебные годы');
  await page.getByTestId('next-year-link').click();
  await page.getByLabel('Из учебного года').selectOption({ label: FROM });
  await page.getByLabel('Первых классов').fill('1');
  await page.getByRole('button', { name: 'Показать план' }).click();
  await expect(page.getByTestId('next-year-started')).toContainText(`В ${TO} учебном году уже есть классы (4)`);
  const plan = page.getByTestId('next-year-classes');
  await expect(plan.locator('[data-class="12Т"]')).toHaveCount(0);
  await expect(plan.locator('[data-class="1А"]')).toHaveAttribute('data-action', 'create');
  for (const c of ['7Т', '8Т', '10Т']) await expect(plan.locator(`[data-class="${c}"]`)).toHaveAttribute('data-action', 'keep');
  await expect(plan.locator('[data-class="8Т"]')).toContainText('учеников: 2');
  const fifth = plan.locator('[data-class="5Т"]');
  await expect(fifth).toHaveAttribute('data-action', 'update');
  await expect(fifth).toContainText('классный руководитель: Свиристелева Алла Петровна → Чечёткин Глеб Ильич');
  await expect(fifth.getByLabel('Классный руководитель 5Т')).toHaveValue(String(s.senior.id));
  await expect(plan.locator('[data-class="1А"]').getByLabel('Классный руководитель 1А')).toHaveValue(String(s.primary.id));
  await page.getByRole('button', { name: `Открыть ${TO} учебный год` }).click();
  await expect(page.getByTestId('next-year-opened')).toContainText(`Открыт ${TO} учебный год: классов — 1`);
  await expect(page.getByTestId('next-year-opened')).toContainText('Дополнены классы, что уже были: 5Т.');
  // run again: nothing to add or change, and it says so
  await page.getByRole('button', { name: 'Показать план' }).click();
  await expect(page.getByTestId('next-year-form')).toContainText(`${TO} учебный год уже открыт полностью`);

  // ---- the next year: every class has its curriculum, the class lists as decided
  const next = (await api.call('years.list', {})).find((y) => y.name === TO)!;
  const nextClasses = await api.call('classes.list', { yearId: next.id });
  expect(nextClasses.map((c) => c.name).sort()).toEqual(['10Т', '1А', '5Т', '7Т', '8Т']);
  expect(nextClasses.find((c) => c.name === '5Т')?.homeroomTeacherId).toBe(s.senior.id);
  for (const c of nextClasses) {
    expect((await api.call('curriculum.get', { classId: c.id })).length, `учебный план ${c.name}`).toBeGreaterThan(0);
  }
  const listOf = async (classId: number) => (await api.call('classes.students', { classId })).map((p) => p.fullName).sort();
  const nextLists: Record<string, string[]> = {};
  for (const c of nextClasses) nextLists[c.name] = await listOf(c.id);
  expect(nextLists).toEqual({ '1А': [],
    '5Т': [full(P.yastrebova)], '7Т': [full(P.zhuravkina)], '8Т': [full(P.zhavoronkov), full(P.zyablikov)].sort(), '10Т': [full(P.korshunov)],
  });
  // who left, when, by which order (the выпуск orders; the cancelled one is no longer the book's)
  const leavers: Record<Key, { date: string; order: string; cls: string } | undefined> = {
    yastrebova: undefined, zhavoronkov: undefined, zhuravkina: undefined, zyablikov: undefined, korshunov: undefined,
    klestova: { date: '2006-06-20', order: '№ 20c-в9 от 20.06.2006', cls: '9Т' },
    krechetov: { date: '2006-06-26', order: '№ 20c-в11 от 26.06.2006', cls: '11Т' },
    kulikova: { date: '2006-06-26', order: '№ 20c-в11 от 26.06.2006', cls: '11Т' },
  };
  const placeInNext = (k: Key) => Object.entries(nextLists).find(([, names]) => names.includes(full(P[k])))?.[0] ?? null;

  // ---- the алфавитная книга: each pupil once, the leavers dated with their (right) order, the others without
  await app.goTo('Алфавитная книга');
  const alpha = new AlphabetBookPage(page);
  for (const k of Object.keys(P) as Key[]) {
    await alpha.search(full(P[k]));
    const row = alpha.row(full(P[k]));
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('book-enrol-order')).toHaveText('№ 20c-у от 01.09.2005');
    await expect(row.getByTestId('book-leave-order')).toHaveText(leavers[k]?.order ?? '');
    // the cancelled выпуск stays in the entry, struck through: the book never erases what it said
    const corrected = row.getByTestId('book-corrected');
    if (k === 'krechetov' || k === 'kulikova') {
      await expect(corrected).toHaveCount(1);
      await expect(corrected.locator('del')).toContainText('выбытие 24.06.2006');
      await expect(corrected).toContainText('прежняя запись, исправлена');
    } else await expect(corrected).toHaveCount(0);
    const [entry] = (await api.call('alphabetBook.list', { query: full(P[k]) })).rows;
    expect([entry.fullName, entry.departedOn]).toEqual([full(P[k]), leavers[k]?.date ?? null]);
  }

  // ---- the city-register workbooks of both years say the same
  const closed = await cityRegister(api, FROM);
  const mine = (rows: Array<Record<string, unknown>>) => rows.filter((r) => Object.values(P).some((p) => r['ФИО'] === full(p)));
  const yearOf: Record<Key, string> = { yastrebova: '4Т', zhavoronkov: '7Т', zhuravkina: '7Т', zyablikov: '7Т', klestova: '9Т', korshunov: '9Т', krechetov: '11Т', kulikova: '11Т' };
  expect(mine(closed.students).map((r) => [r['ФИО'], r['Класс'], r['Дата выбытия'], r['Выбыл из класса']]).sort()).toEqual(
    (Object.keys(P) as Key[]).map((k) => [full(P[k]), leavers[k] ? null : yearOf[k], leavers[k]?.date ?? null, leavers[k]?.cls ?? null]).sort());
  const count = (rows: Array<Record<string, unknown>>, cls: string) => rows.find((r) => r['Класс'] === cls)?.['Учеников'];
  expect(['4Т', '7Т', '9Т', '11Т'].map((c) => count(closed.classes, c))).toEqual([1, 3, 1, 0]);
  // the closed year's class lists on the «Классы» screen: as the year ended — the workbook's pupils of the class, and
  // those who left from it, marked «выбыл»
  await app.goTo('Классы');
  const classesPage = new ClassesPage(page);
  for (const cls of ['4Т', '7Т', '9Т', '11Т']) {
    await classesPage.selectYear(FROM);
    await classesPage.open(cls);
    const rows = classesPage.students().locator('tbody tr');
    const expected = mine(closed.students).filter((r) => r['Класс'] === cls || r['Выбыл из класса'] === cls);
    await expect(rows).toHaveCount(expected.length);
    for (const r of expected) {
      await expect(rows.filter({ hasText: String(r['ФИО']) })).toContainText(r['Дата выбытия'] ? 'выбыл' : 'обучается');
    }
    await app.goTo('Классы');
  }
  const opened = await cityRegister(api, TO);
  expect(mine(opened.students).map((r) => [r['ФИО'], r['Класс'], r['Дата выбытия']]).sort()).toEqual(
    (Object.keys(P) as Key[]).filter((k) => !leavers[k]).map((k) => [full(P[k]), placeInNext(k), null]).sort());
  expect(['5Т', '7Т', '8Т', '10Т'].map((c) => count(opened.classes, c))).toEqual([1, 1, 2, 1]);
});

test('the promotion\'s blockers grouped by class with their counts, a long class list paged', async ({ page, request }) => {
  // a year of its own (2002/2003) whose annual marks are not in yet: 23 blockers in 6Т, one in 5Т; the next year
  // (2003/2004) created but not opened — no classes yet
  const api = await new Api(request).asAdmin();
  const years = await api.call('years.list', {});
  const year = years.find((y) => y.name === '2002/2003') ?? await api.call('years.create', { name: '2002/2003' });
  if (!years.some((y) => y.name === '2003/2004')) await api.call('years.create', { name: '2003/2004' });
  const math = (await api.call('subjects.list', {})).find((x) => x.name === 'Математика')!;
  for (const [parallel, n] of [[5, 1], [6, 23]]) {
    const c = await api.call('classes.create', { yearId: year.id, parallel, letter: 'Т' });
    await api.call('curriculum.set', { classId: c.id, subjectIds: [math.id] });
    for (let i = 0; i < n; i++) {
      const st = await api.call('students.create', { lastName: parallel === 5 ? 'Пустовалов' : 'Пустошкин', firstName: `Ученик${String.fromCharCode(1040 + i)}`, middleName: 'Павлович',
        birthDate: `${1997 - parallel}-01-${String(i + 1).padStart(2, '0')}`, sex: 'М', guardians: [] });
      await api.call('orders.enrol', { order: { number: '20c-у-2002', date: '2002-09-01' }, studentId: st.id, classId: c.id, date: '2002-09-01' });
    }
  }
  const app = new App(page);
  await app.signInAsAdmin();
  await app.goTo('Приказы');
  await page.getByRole('link', { name: 'Перевод школы в следующий учебный год' }).click();
  await page.getByTestId('promote-form').getByLabel('Из учебного года').selectOption({ label: '2002/2003' });
  // the next year not opened: the clerk is told what the promotion would make, and led to open the year first
  await expect(page.getByTestId('promotion-next-not-opened')).toContainText('В 2003/2004 учебном году ещё нет классов');
  await expect(page.getByTestId('promotion-next-not-opened').getByRole('link', { name: 'Открыть следующий год…' })).toBeVisible();
  const review = page.getByTestId('promotion-review');
  await expect(review.getByTestId('promotion-blocker-counts')).toHaveText('По классам: 5Т: 1 · 6Т: 23');
  const sixth = review.locator('[data-testid="promotion-blocker-class"][data-class="6Т"]');
  await expect(sixth).toContainText('6Т: 23 (показаны 20 из 23)');
  await expect(sixth.getByTestId('promotion-blocker')).toHaveCount(20);
  await expect(sixth.getByTestId('promotion-blocker').first()).toContainText('нет годовой отметки — «Математика»');
  await sixth.getByRole('button', { name: 'Показать ещё 3' }).click();
  await expect(sixth.getByTestId('promotion-blocker')).toHaveCount(23);
  await expect(review.locator('[data-testid="promotion-blocker-class"][data-class="5Т"]').getByTestId('promotion-blocker')).toHaveCount(1);
});
