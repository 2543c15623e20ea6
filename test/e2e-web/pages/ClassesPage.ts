import { expect, type Locator, type Page } from '@playwright/test';

export class ClassesPage {
  readonly table: Locator;
  constructor(readonly page: Page) {
    this.table = page.getByTestId('classes-table');
  }

  async selectYear(name: string) {
    await this.page.getByLabel('Учебный год').selectOption({ label: name });
  }

  async create(c: { parallel: number; letter: string; shift?: 1 | 2 }) {
    await this.page.getByRole('button', { name: 'Новый класс' }).click();
    const form = this.page.getByTestId('class-form');
    await form.getByLabel('Параллель').selectOption(String(c.parallel));
    await form.getByLabel('Литера').fill(c.letter);
    if (c.shift) await form.getByLabel('Смена').selectOption({ label: `${c.shift}-я` });
    await form.getByRole('button', { name: 'Создать класс' }).click();
    await expect(form).toBeHidden();
    await expect(this.row(`${c.parallel}${c.letter}`)).toBeVisible();
  }

  row(name: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async open(name: string) {
    await this.table.getByRole('link', { name, exact: true }).click();
    await expect(this.page.getByTestId('class-page')).toBeVisible();
  }

  /** On a class page: the table of its students. */
  students(): Locator {
    return this.page.getByTestId('class-students');
  }
}
