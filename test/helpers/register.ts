// Test helpers: a real register file in a fresh temp folder, and a signed-in admin over the real dispatcher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackend, type Backend } from '../../main/host/backend.ts';
import type { Input, Method, Output, Result } from '../../preload/contract.ts';

export function tempDir(prefix = 'sr-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type Client = {
  backend: Backend;
  session: string | null;
  raw(method: string, args: unknown): Promise<Result<unknown>>;
  call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>>;
};

/** A backend on a new register file with its first admin signed in. */
export async function adminClient(dir = tempDir()): Promise<Client & { dbPath: string }> {
  const dbPath = path.join(dir, 'register.sqlite');
  const backend = openBackend({ dbPath });
  const c: Client & { dbPath: string } = {
    backend, session: null, dbPath,
    raw: (method, args) => backend.call({ method, args, session: c.session }, 'http'),
    async call(method, args) {
      const r = await c.raw(method, args);
      if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { api: r.error });
      return r.value as never;
    },
  };
  const s = await c.call('auth.setupAdmin', { login: 'admin', fullName: 'Администратор Иван Петрович', password: 'correct horse 1' });
  c.session = s.session;
  return c;
}

/** A school with a year, a teacher, two subjects and two classes: enough to move students around. */
export async function smallSchool(c: Client) {
  const year = await c.call('years.create', { name: '2025/2026' });
  const teacher = await c.call('staff.create', { lastName: 'Петрова', firstName: 'Анна', middleName: 'Сергеевна', position: 'Учитель', subjectIds: [] });
  const math = await c.call('subjects.create', { name: 'Математика', shortName: 'Матем.', cityRegisterId: 'MSK-5', federalCode: '05' });
  const rus = await c.call('subjects.create', { name: 'Русский язык', shortName: 'Рус. яз.', cityRegisterId: 'MSK-1', federalCode: '01' });
  const a = await c.call('classes.create', { yearId: year.id, parallel: 5, letter: 'А', homeroomTeacherId: teacher.id });
  const b = await c.call('classes.create', { yearId: year.id, parallel: 5, letter: 'Б' });
  return { year, teacher, math, rus, a, b };
}
