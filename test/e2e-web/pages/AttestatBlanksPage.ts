import fs from 'node:fs';
import { expect, type Locator, type Page } from '@playwright/test';

/** «Аттестаты» → «Итоговые отметки» and «Печать аттестатов на бланках»: the June flow of a class. */
export class AttestatBlanksPage {
  readonly finals: Locator;
  readonly blanks: Locator;
  readonly rows: Locator;
  constructor(readonly page: Page) {
    this.finals = page.getByTestId('attestat-finals');
    this.blanks = page.getByTestId('attestat-blanks');
    this.rows = this.blanks.getByTestId('blanks-row');
  }

  /** Computes the class's finals and writes them into the ledger. */
  async applyFinals(className: string) {
    await this.page.getByTestId('finals-class').selectOption({ label: className });
    await this.page.getByTestId('finals-compute').click();
    await expect(this.page.getByTestId('finals-table')).toBeVisible();
    await this.page.getByTestId('finals-apply').click();
    await expect(this.page.getByTestId('finals-done')).toBeVisible();
  }

  row(fullName: string): Locator {
    return this.blanks.locator(`tr[data-student="${fullName}"]`);
  }

  /** Clicks a button that saves a file; returns its path. */
  async download(button: Locator): Promise<{ path: string; name: string }> {
    const [d] = await Promise.all([this.page.waitForEvent('download'), button.click()]);
    const path = await d.path();
    expect(fs.statSync(path).size).toBeGreaterThan(0);
    return { path, name: d.suggestedFilename() };
  }
}
