import { expect, type Page } from '@playwright/test';

export class YearsPage {
  constructor(readonly page: Page) {}
  readonly table = () => this.page.getByTestId('years-table');

  /** Creates the academic year unless it is already there. */
  async ensure(name: string) {
    await expect(this.table()).toBeVisible();
    if (await this.table().getByRole('cell', { name, exact: false }).count()) return;
    await this.page.getByRole('button', { name: 'Новый учебный год' }).click();
    const form = this.page.getByTestId('year-form');
    await form.getByLabel('Учебный год').fill(name);
    await form.getByRole('button', { name: 'Создать учебный год' }).click();
    await expect(form).toBeHidden();
    await expect(this.table().getByRole('row').filter({ hasText: name })).toBeVisible();
  }
}
