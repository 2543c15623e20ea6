import fs from 'node:fs';
import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** «Аттестаты»: the year's issued attestats and its book, issuing, blank forms received and spoiled. */
export class AttestatsPage {
  readonly issued: Locator;
  readonly forms: Locator;
  readonly done: Locator;
  readonly issueForm: Locator;
  readonly receiveForm: Locator;
  readonly spoilForm: Locator;
  constructor(readonly page: Page) {
    this.issued = page.getByTestId('attestats-table');
    this.forms = page.getByTestId('forms-table');
    this.done = page.getByTestId('attestats-done');
    this.issueForm = page.getByTestId('issue-form');
    this.receiveForm = page.getByTestId('receive-form');
    this.spoilForm = page.getByTestId('spoil-form');
  }

  async pickYear(year: string) {
    await this.page.getByLabel('Учебный год', { exact: true }).selectOption({ label: year });
  }

  async receive(o: { kind: 9 | 11; honours?: boolean; series: string; first: string; last: string; date: string; document: string }) {
    await this.page.getByRole('button', { name: 'Оприходовать бланки' }).click();
    const f = this.receiveForm;
    await f.getByLabel(o.kind === 9 ? 'Об основном общем образовании (9 класс)' : 'О среднем общем образовании (11 класс)').check();
    // blanks «с отличием» are a delivery of their own (migration 0022); left alone, the form receives ordinary ones
    if (o.honours != null) await f.getByLabel(o.honours ? 'с отличием' : 'обычные', { exact: true }).check();
    await f.getByLabel('Серия бланка').fill(o.series);
    await f.getByLabel('Первый номер').fill(o.first);
    await f.getByLabel('Последний номер').fill(o.last);
    await f.getByLabel('Дата поступления').fill(o.date);
    await f.getByLabel('Документ (накладная, акт)').fill(o.document);
    await f.getByRole('button', { name: 'Оприходовать' }).click();
  }

  /** Opens the issue form and picks the student found by ФИО. */
  async startIssue(search: string, fullName: string) {
    await this.page.getByRole('button', { name: 'Выдать аттестат' }).click();
    await this.issueForm.getByLabel('Найдите ученика по ФИО').fill(search);
    await this.issueForm.getByTestId('student-matches').getByRole('button', { name: new RegExp(`^${fullName},`) }).click();
    await expect(this.issueForm.getByTestId('student-chosen')).toContainText(fullName);
  }

  async fillIssue(o: { series: string; number: string; date: string; honours?: boolean }) {
    const f = this.issueForm;
    await f.getByLabel('Серия бланка').fill(o.series);
    await f.getByLabel('Номер бланка').fill(o.number);
    await f.getByLabel('Дата выдачи').fill(o.date);
    if (o.honours) await f.getByLabel('С отличием').check();
  }

  form(label: string): Locator {
    return this.forms.locator(`tr[data-form="${label}"]`);
  }

  /** Clicks a button that saves a file and returns the download with its bytes. */
  async download(button: Locator): Promise<{ download: Download; bytes: Buffer; path: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), button.click()]);
    const path = await download.path();
    return { download, bytes: fs.readFileSync(path), path };
  }
}
