// Seeding through the same HTTP API the page uses, for tests whose subject is not the seeding itself.
import { expect, type APIRequestContext } from '@playwright/test';
import type { Input, Method, Output } from '../../../preload/contract';
import { ADMIN, HTTP_TOKEN } from '../env';

export class Api {
  private session: string | null = null;
  constructor(private readonly request: APIRequestContext) {}

  async call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>> {
    const res = await this.request.post('/api/call', {
      headers: { Authorization: `Bearer ${HTTP_TOKEN}` },
      data: { method, args, session: this.session },
    });
    const body = await res.json();
    expect(body.ok, `${method}: ${JSON.stringify(body.error)}`).toBe(true);
    return body.value as Output<M>;
  }

  /** Same answer as call(), but returns the failure instead of asserting success. */
  async attempt(method: Method, args: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
    const res = await this.request.post('/api/call', {
      headers: { Authorization: `Bearer ${HTTP_TOKEN}` },
      data: { method, args, session: this.session },
    });
    return res.json();
  }

  /** Signed in as another user (a second workplace's calls). */
  async as(login: string, password: string): Promise<this> {
    this.session = (await this.call('auth.signIn', { login, password })).session;
    return this;
  }

  async asAdmin(): Promise<this> {
    const status = await this.call('auth.status', {});
    const r = status.needsSetup
      ? await this.call('auth.setupAdmin', ADMIN)
      : await this.call('auth.signIn', { login: ADMIN.login, password: ADMIN.password });
    this.session = r.session;
    return this;
  }
}

/** The school's requisites every printed document carries (the same in every spec that prints). */
export const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 2107»',
  shortName: 'ГБОУ Школа № 2107', inn: '7701234560', kpp: '770101001', ogrn: '1027700123450',
  address: '105005, г. Москва, ул. Бауманская, д. 10', director: 'Лебедева Ирина Сергеевна', regionCode: '77',
};

/** Fills the school's requisites when a spec runs alone (a printed document carries them); leaves them when set. */
export async function ensureSchool(api: Api): Promise<void> {
  if (!(await api.call('school.get', {}))) await api.call('school.update', SCHOOL);
}
