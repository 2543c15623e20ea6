import fs from 'node:fs';
import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** «Ведомости»: year and class pickers, the ledger table and chart, printing, versions, sealing and corrections. */
export class LedgersPage {
  readonly table: Locator;
  readonly chart: Locator;
  readonly versions: Locator;
  readonly missing: Locator;
  readonly sealPanel: Locator;
  readonly closeYear: Locator;
  constructor(readonly page: Page) {
    this.table = page.getByTestId('ledger-table');
    this.chart = page.getByTestId('ledger-chart');
    this.versions = page.getByTestId('ledger-versions');
    this.missing = page.getByTestId('ledger-missing');
    this.sealPanel = page.getByTestId('seal-panel');
    this.closeYear = page.getByTestId('close-year');
  }

  async pickYear(year: string) {
    await this.page.getByLabel('Учебный год', { exact: true }).selectOption({ label: year });
    await expect(this.page.getByTestId('ledgers-list')).toBeVisible();
  }

  /** A class's row in the year's list, and the state shown in it. */
  listRow(className: string): Locator {
    return this.page.getByTestId('ledgers-list').getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: className, exact: true }) });
  }
  listState(className: string): Locator {
    return this.listRow(className).getByTestId('ledger-state');
  }

  async pickClass(className: string) {
    await this.page.getByLabel('Класс', { exact: true }).selectOption({ label: className });
    await expect(this.table).toBeVisible();
  }

  /** The row of a student in the ledger table. */
  row(fullName: string): Locator {
    return this.table.getByTestId('ledger-row').filter({ has: this.page.getByRole('rowheader', { name: fullName }) });
  }

  /** A statistic of a subject under the table: 'Успеваемость, %', 'Качество, %', 'Число оценок «5»'. */
  stat(label: string, subject: string): Locator {
    return this.page.getByTestId('ledger-stats').getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: label, exact: true }) })
      .locator(`td[data-subject="${subject}"]`);
  }

  /** Clicks a print button and returns the saved download with its bytes. */
  async download(testId: string): Promise<{ download: Download; bytes: Buffer; path: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(testId).click()]);
    const path = await download.path();
    return { download, bytes: fs.readFileSync(path), path };
  }

  version(n: number): Locator {
    return this.versions.locator(`tr[data-version="${n}"]`);
  }

  async versionCode(n: number): Promise<string> {
    return (await this.version(n).getByTestId('version-code').innerText()).trim();
  }

  /** The certificate fields of a panel: the .p12 file and its password. */
  async certificate(panel: Locator, file: { name: string; buffer: Buffer }, password: string) {
    await panel.getByLabel('Файл сертификата (.p12, .pfx)').setInputFiles({ name: file.name, mimeType: 'application/x-pkcs12', buffer: file.buffer });
    await panel.getByLabel('Пароль сертификата').fill(password);
  }

  async openCorrection(reason: string, orderNumber: string, orderDate: string) {
    await this.sealPanel.getByRole('button', { name: 'Открыть исправление' }).click();
    const form = this.page.getByTestId('correction-form');
    await form.getByLabel('Причина исправления').fill(reason);
    await form.getByLabel('Номер приказа').fill(orderNumber);
    await form.getByLabel('Дата приказа').fill(orderDate);
    await form.getByRole('button', { name: 'Открыть исправление' }).click();
    await expect(this.page.getByTestId('correction-open')).toBeVisible();
  }
}
