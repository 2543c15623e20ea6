import { expect, type Locator, type Page } from '@playwright/test';

/** «Успеваемость»: the class and subject pickers, the grade grid, its statistics and messages. */
export class GradesPage {
  readonly grid: Locator;
  readonly error: Locator;
  readonly status: Locator;
  constructor(readonly page: Page) {
    this.grid = page.getByTestId('grade-grid');
    this.error = page.getByTestId('grade-error');
    this.status = page.getByTestId('grade-status');
  }

  async open(className: string, subject: string) {
    await this.page.getByLabel('Класс', { exact: true }).selectOption({ label: className });
    await this.page.getByLabel('Предмет', { exact: true }).selectOption({ label: subject });
    await expect(this.grid).toBeVisible();
  }

  /** The mark cell in row `row` (student, from 0) and column `col` (from 0: the first period). */
  cell(row: number, col: number): Locator {
    return this.grid.locator(`td[data-cell="${row}:${col}"]`);
  }

  async select(row: number, col: number) {
    await this.cell(row, col).click();
    await expect(this.cell(row, col)).toHaveAttribute('aria-selected', 'true');
  }

  /** Types keys into the selected cell (as a clerk would: key presses, not text). */
  async press(...keys: string[]) {
    for (const k of keys) await this.page.keyboard.press(k);
  }

  /** What Excel puts on the clipboard for a block: tab-separated cells, one line per row. */
  async paste(rows: string[][]) {
    const text = `${rows.map((r) => r.join('\t')).join('\r\n')}\r\n`;
    await this.grid.evaluate((el, data) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', data);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, text);
  }

  async expectColumn(col: number, marks: string[]) {
    for (const [row, m] of marks.entries()) await expect(this.cell(row, col), `row ${row}, column ${col}`).toHaveText(m);
  }

  /** A statistic under column `col`: 'Оценок «5»', …, 'Успеваемость, %', 'Качество, %'. */
  stat(label: string, col: number): Locator {
    return this.grid.getByTestId('grade-stats').getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: label, exact: true }) })
      .locator('td').nth(col);
  }
}
