import type { Locator, Page } from '@playwright/test';

export class StudentsPage {
  readonly table: Locator;
  constructor(readonly page: Page) {
    this.table = page.getByTestId('students-table');
  }

  async search(text: string) {
    await this.page.getByTestId('student-search').fill(text);
  }

  async filterByClass(name: string) {
    await this.page.getByTestId('class-filter').selectOption({ label: name });
  }

  row(fullName: string): Locator {
    return this.table.getByRole('row').filter({ hasText: fullName });
  }

  async open(fullName: string) {
    await this.table.getByRole('link', { name: fullName }).click();
  }
}
