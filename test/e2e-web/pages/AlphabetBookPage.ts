import type { Locator, Page } from '@playwright/test';

export class AlphabetBookPage {
  constructor(readonly page: Page) {}

  async search(text: string) {
    await this.page.getByTestId('book-search').fill(text);
  }

  row(fullName: string): Locator {
    return this.page.getByTestId('book-row').filter({ hasText: fullName });
  }
}
