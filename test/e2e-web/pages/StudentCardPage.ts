import { expect, type Locator, type Page } from '@playwright/test';

export type OrderFields = { number: string; orderDate: string; date: string };

export class StudentCardPage {
  readonly card: Locator;
  readonly actions: Locator;
  readonly history: Locator;
  constructor(readonly page: Page) {
    this.card = page.getByTestId('student-card');
    this.actions = page.getByRole('toolbar', { name: 'Действия' });
    this.history = page.getByTestId('student-history');
  }

  heading(): Locator {
    return this.card.getByRole('heading', { level: 1 });
  }

  fact(term: string): Locator {
    return this.page.getByTestId('student-facts').locator('.fact').filter({ has: this.page.locator('dt', { hasText: term }) }).locator('dd');
  }

  fileNumber(): Locator {
    return this.page.getByTestId('file-number');
  }

  private async fillOrder(form: Locator, o: OrderFields, dateLabel: string) {
    await form.getByLabel('Номер приказа').fill(o.number);
    await form.getByLabel('Дата приказа').fill(o.orderDate);
    await form.getByLabel(dateLabel).fill(o.date);
  }

  async enrol(o: OrderFields & { className: string; whereFrom?: string }) {
    await this.actions.getByRole('button', { name: 'Зачислить' }).click();
    const form = this.page.getByTestId('enrol-form');
    await this.fillOrder(form, o, 'Дата зачисления');
    await form.getByLabel('Класс').selectOption({ label: o.className });
    if (o.whereFrom) await form.getByLabel('Откуда прибыл').fill(o.whereFrom);
    await form.getByRole('button', { name: 'Зачислить' }).click();
    await expect(this.page.getByTestId('movement-done')).toBeVisible();
  }

  async transfer(o: OrderFields & { toClass: string; reason?: string }) {
    await this.actions.getByRole('button', { name: 'Перевести' }).click();
    const form = this.page.getByTestId('transfer-form');
    await this.fillOrder(form, o, 'Дата перевода');
    await form.getByLabel('В класс').selectOption({ label: o.toClass });
    if (o.reason) await form.getByLabel('Причина').fill(o.reason);
    await form.getByRole('button', { name: 'Перевести' }).click();
    await expect(this.page.getByTestId('movement-done')).toBeVisible();
  }

  historyRows(): Locator {
    return this.history.getByTestId('movement-row');
  }
}
