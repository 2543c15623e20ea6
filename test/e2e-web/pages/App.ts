import { expect, type Locator, type Page } from '@playwright/test';
import { ADMIN, HTTP_TOKEN } from '../env';

/** The whole application: launching, signing in, the left navigation. */
export class App {
  readonly nav: Locator;
  readonly setupForm: Locator;
  readonly signInForm: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Разделы' });
    this.setupForm = page.getByTestId('setup-form');
    this.signInForm = page.getByTestId('sign-in-form');
  }

  /** Opens the app the way the server's printed link does: with the transport token in the hash. */
  async launch() {
    await this.page.goto(`/#token=${HTTP_TOKEN}`);
    await expect(this.setupForm.or(this.signInForm).or(this.nav)).toBeVisible();
    // The token must not linger in the address bar.
    expect(this.page.url()).not.toContain('token=');
  }

  async setupAdmin(user = ADMIN) {
    const f = this.setupForm;
    await f.getByLabel('Логин').fill(user.login);
    await f.getByLabel('ФИО').fill(user.fullName);
    await f.getByRole('textbox', { name: 'Пароль', exact: true }).fill(user.password);
    await f.getByLabel('Пароль ещё раз').fill(user.password);
    await f.getByRole('button', { name: 'Создать администратора' }).click();
    await expect(this.nav).toBeVisible();
  }

  async signIn(login: string, password: string) {
    const f = this.signInForm;
    await f.getByLabel('Логин').fill(login);
    await f.getByLabel('Пароль').fill(password);
    await f.getByRole('button', { name: 'Войти' }).click();
    await expect(this.nav).toBeVisible();
  }

  /** First run: creates the admin; later runs: signs in as the admin. */
  async signInAsAdmin() {
    await this.launch();
    if (await this.setupForm.isVisible()) await this.setupAdmin();
    else if (await this.signInForm.isVisible()) await this.signIn(ADMIN.login, ADMIN.password);
  }

  async goTo(section: string) {
    await this.nav.getByRole('link', { name: section, exact: true }).click();
    await expect(this.page.getByRole('heading', { level: 1 })).toBeVisible();
  }

  async signOut() {
    await this.page.getByTestId('current-user').getByRole('button', { name: 'Выйти' }).click();
    await expect(this.signInForm).toBeVisible();
  }
}
