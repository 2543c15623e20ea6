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

  /** The row of the columns table for a column letter (of the first sheet, or of the sheet named). */
  column(col: string, sheet?: string): Locator {
    const scope = sheet ? this.preview.locator(`[data-sheet="${sheet}"]`) : this.preview;
    return scope.locator(`tr[data-column="${col}"]`).first();
  }

  /** What the column means: a field by its label, then (for a mark column) the subject and the period. */
  async chooseField(col: string, fieldLabel: string, more: { subject?: string; period?: string; sheet?: string } = {}) {
    const row = this.column(col, more.sheet);
    await row.getByLabel(/^Что в столбце/).selectOption({ label: fieldLabel });
    if (more.subject) await row.getByLabel(`Предмет столбца ${col}`).selectOption({ label: more.subject });
    if (more.period) await row.getByLabel(`Период столбца ${col}`).selectOption({ label: more.period });
  }

  async applyMapping() {
    await this.page.getByRole('button', { name: 'Применить соответствие' }).click();
    await expect(this.progress).toHaveCount(0);
  }

  async mapColumn(col: string, fieldLabel: string) {
    await this.chooseField(col, fieldLabel);
    await this.applyMapping();
  }

  get progress(): Locator {
    return this.page.getByTestId('import-progress');
  }

  count(label: string): Locator {
    return this.counts.locator('li', { hasText: label }).locator('strong');
  }

  async commit() {
    await this.page.getByRole('button', { name: 'Записать' }).click();
    await expect(this.result).toBeVisible();
  }
}
