import { expect, type Locator, type Page } from '@playwright/test';

export type NewStudent = {
  lastName: string; firstName: string; middleName?: string; birthDate: string; sex: 'М' | 'Ж'; snils?: string;
  document?: { kind: 'Свидетельство о рождении' | 'Паспорт'; series: string; number: string; date: string; issuer: string };
  guardian?: { kind: string; fullName: string; phone?: string };
};

export class StudentFormPage {
  readonly form: Locator;
  constructor(readonly page: Page) {
    this.form = page.getByTestId('student-form');
  }

  async fill(s: NewStudent) {
    const f = this.form;
    await f.getByRole('textbox', { name: 'Фамилия', exact: true }).fill(s.lastName);
    await f.getByRole('textbox', { name: 'Имя', exact: true }).fill(s.firstName);
    if (s.middleName) await f.getByRole('textbox', { name: 'Отчество', exact: true }).fill(s.middleName);
    await f.getByLabel('Дата рождения').fill(s.birthDate);
    await f.getByRole('radio', { name: s.sex === 'М' ? 'мужской' : 'женский' }).check();
    if (s.snils !== undefined) await f.getByLabel('СНИЛС').fill(s.snils);
    if (s.document) {
      await f.getByLabel('Вид документа').selectOption({ label: s.document.kind });
      await f.getByLabel('Серия').fill(s.document.series);
      await f.getByRole('textbox', { name: 'Номер', exact: true }).fill(s.document.number);
      await f.getByLabel('Дата выдачи').fill(s.document.date);
      await f.getByLabel('Кем выдан').fill(s.document.issuer);
    }
    if (s.guardian) {
      await f.getByRole('button', { name: 'Добавить представителя' }).click();
      const g = f.getByRole('group', { name: 'Представитель 1' });
      // a list of the usual values; anything else is «другое» in the clerk's words
      const kinds = g.getByRole('combobox', { name: 'Кем приходится', exact: true });
      if (await kinds.locator('option', { hasText: new RegExp(`^${s.guardian.kind}$`) }).count()) await kinds.selectOption(s.guardian.kind);
      else {
        await kinds.selectOption({ label: 'другое' });
        await g.getByLabel('Кем приходится (своими словами)').fill(s.guardian.kind);
      }
      await g.getByLabel('ФИО').fill(s.guardian.fullName);
      if (s.guardian.phone) await g.getByLabel('Телефон').fill(s.guardian.phone);
    }
  }

  async submit() {
    await this.form.getByRole('button', { name: 'Сохранить ученика' }).click();
  }

  /** The message shown next to a field (field names as in the contract's input). */
  fieldError(name: string): Locator {
    return this.form.locator(`[data-field="${name}"]`).getByTestId(`error-${name}`);
  }
}
