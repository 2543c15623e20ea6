import { expect, type Locator, type Page } from '@playwright/test';

/** «Импорт из журнала»: the kind, the file, the preview (columns, counts, rejected cells), the commit. */
export class ImportPage {
  readonly preview: Locator;
  readonly rejected: Locator;
  readonly counts: Locator;
  readonly result: Locator;
  constructor(readonly page: Page) {
    this.preview = page.getByTestId('import-preview');
    this.rejected = page.getByTestId('import-rejected');
    this.counts = page.getByTestId('import-counts');
    this.result = page.getByTestId('import-result');
  }

  async upload(kind: 'ученики' | 'оценки', name: string, buffer: Buffer) {
    await this.page.getByRole('radio', { name: kind }).check();
    await this.page.getByLabel('Файл журнала (.xlsx)').setInputFiles({ name, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer });
    await expect(this.preview).toBeVisible();
  }

  /** The row of the columns table for a column letter. */
  column(col: string): Locator {
    return this.preview.locator(`tr[data-column="${col}"]`);
  }

  async mapColumn(col: string, fieldLabel: string) {
    await this.column(col).getByRole('combobox').selectOption({ label: fieldLabel });
    await this.page.getByRole('button', { name: 'Применить соответствие' }).click();
  }

  count(label: string): Locator {
    return this.counts.locator('li', { hasText: label }).locator('strong');
  }

  async commit() {
    await this.page.getByRole('button', { name: 'Записать' }).click();
    await expect(this.result).toBeVisible();
  }
}
