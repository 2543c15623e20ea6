import { expect, type Locator, type Page } from '@playwright/test';

/** «Проверка документа»: a code or a PDF in, the verdict out. */
export class VerifyPage {
  readonly result: Locator;
  readonly badges: Locator;
  readonly differences: Locator;
  constructor(readonly page: Page) {
    this.result = page.getByTestId('verify-result');
    this.badges = page.getByTestId('verify-badges');
    this.differences = page.getByTestId('verify-differences');
  }

  async byCode(code: string) {
    const form = this.page.getByTestId('verify-code-form');
    await form.getByLabel('Код проверки').fill(code);
    await form.getByRole('button', { name: 'Проверить код' }).click();
    await expect(this.result).toContainText(code);
  }

  /** `p7s`: the detached signature saved beside the PDF, checked over the file's bytes */
  async byFile(name: string, buffer: Buffer, p7s?: { name: string; buffer: Buffer }) {
    const form = this.page.getByTestId('verify-file-form');
    await form.getByLabel('PDF-файл документа').setInputFiles({ name, mimeType: 'application/pdf', buffer });
    if (p7s) await form.getByLabel('Файл подписи (.p7s), если есть').setInputFiles({ ...p7s, mimeType: 'application/pkcs7-signature' });
    await form.getByRole('button', { name: 'Проверить файл' }).click();
    await expect(this.result).toContainText(name);
  }
}
