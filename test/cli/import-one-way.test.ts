// The CLI's import is the app's import: one register imports journals through the app's path (a signed-in clerk's
// import.preview, then import.commit with its token, over dispatch), a copy of it imports the same files through
// `school-register import …`; both leave the same audit entries (method, arguments, result; only the login differs).
// And the CLI remembers the column mapping it was given, as the import screen does, and uses it next time.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../preload/contract.ts';
import { openBackend } from '../../main/host/backend.ts';
import { adminClient, smallSchool } from '../helpers/register.ts';
import { openRaw, removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { cli } from '../helpers/cli.ts';
import { writeBook } from '../workbooks/make.ts';

afterAll(removeScratchDirs);

const YEAR = '2025/2026';
let dir: string;
let appDb: string;
let cliDb: string;
let clerk: string;
let app: ReturnType<typeof openBackend>;

async function call<T>(method: string, args: unknown): Promise<T> {
  const r = (await app.call({ method, args, session: clerk }, 'ipc')) as Result<T>;
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value;
}

/** The import screen's two steps: the preview, then the commit of what the clerk saw (its token). */
async function appImport(args: Record<string, unknown>) {
  const preview = await call<{ token: string; savedMapping: boolean }>('import.preview', args);
  return call<{ written: boolean }>('import.commit', { ...args, token: preview.token });
}

/** Audit entries of the imports, as a reader compares them: method, login, arguments and result. */
function importAudit(file: string) {
  const raw = openRaw(file);
  try {
    return (raw.prepare("SELECT login, method, detail FROM audit_log WHERE method LIKE 'import.%' ORDER BY id").all() as Array<{ login: string; method: string; detail: string }>)
      .map((r) => ({ login: r.login, method: r.method, ...(JSON.parse(r.detail) as { args: unknown; result: unknown }) }));
  } finally {
    raw.close();
  }
}

beforeAll(async () => {
  dir = scratchDir('sr-cli-one-way-');
  const c = await adminClient(dir);
  const s = await smallSchool(c);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
  for (const [lastName, firstName, middleName, birthDate, sex] of [['Лебедева', 'Ольга', 'Павловна', '2014-01-15', 'Ж'], ['Морозов', 'Пётр', 'Ильич', '2014-08-30', 'М']] as const) {
    const st = await c.call('students.create', { lastName, firstName, middleName, birthDate, sex });
    await c.call('orders.enrol', { order: { number: '3-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
  }
  await c.call('users.create', { login: 'clerk', fullName: 'Секретарь Мария Ивановна', role: 'clerk', password: 'clerk-password-1' });
  c.backend.close();
  // the same register twice: the app imports into one, the CLI into the other
  appDb = c.dbPath;
  cliDb = path.join(dir, 'cli.sqlite');
  fs.copyFileSync(appDb, cliDb);
  app = openBackend({ dbPath: appDb });
  const r = (await app.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'clerk-password-1' } }, 'ipc')) as Result<{ session: string }>;
  if (!r.ok) throw new Error(r.error.message);
  clerk = r.value.session;
}, 180_000);
afterAll(() => app?.close());

describe('import through the CLI and through the app', () => {
  it('leaves the same audit entries, login aside', async () => {
    // a date column with a name of its own: the mapping says which it is
    const students = await writeBook(dir, 'Новые ученики.xlsx', { 'Ученики': [
      ['ФИО', 'Дата рожд-я', 'СНИЛС'],
      ['Иванов Пётр Сергеевич', '01.02.2015', '112-233-445 95'],
      ['Смирнова Анна Олеговна', '06.05.2014', null],
    ] });
    const marks = await writeBook(dir, 'Журнал 5А.xlsx', { '5А': [
      ['ФИО', 'Дата рожд-я', 'Математика 1 четв.', 'Русский язык 1 четв.'],
      ['Лебедева Ольга Павловна', '15.01.2014', 5, 4],
      ['Морозов Пётр Ильич', '30.08.2014', 3, 'н/а'],
    ] });
    const bytes = (f: string) => fs.readFileSync(f).toString('base64');

    await appImport({ kind: 'students', fileName: path.basename(students), dataBase64: bytes(students), mapping: { birthDate: 'B' } });
    await appImport({ kind: 'marks', fileName: path.basename(marks), dataBase64: bytes(marks), mapping: { birthDate: 'B' }, year: YEAR });

    const studentsMapping = path.join(dir, 'students-mapping.json');
    fs.writeFileSync(studentsMapping, JSON.stringify({ birthDate: 'B' }));
    const marksMapping = path.join(dir, 'marks-mapping.json');
    fs.writeFileSync(marksMapping, JSON.stringify({ columns: { birthDate: 'B' } }));
    const s = await cli('import', 'students', students, '--mapping', studentsMapping, '--json', '--db', cliDb);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({ added: 2, changed: 0, unchanged: 0, rejectedRows: 0 });
    const m = await cli('import', 'marks', marks, '--year', YEAR, '--mapping', marksMapping, '--db', cliDb);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.trim()).toBe(`Импорт оценок ${marks} (${YEAR}): добавлено 4, изменено 0, без изменений 0, отклонено ячеек 0`);

    const byApp = importAudit(appDb);
    const byCli = importAudit(cliDb);
    expect(byApp.map((e) => e.method)).toEqual(['import.students', 'import.marks']);
    expect(byApp.map((e) => e.login)).toEqual(['clerk', 'clerk']);
    expect(byCli.every((e) => e.login.startsWith('cli:'))).toBe(true);
    const loginAside = (es: typeof byApp) => es.map(({ login: _, ...e }) => e);
    expect(loginAside(byCli)).toEqual(loginAside(byApp));
    expect(byCli[1]).toMatchObject({ args: { fileName: 'Журнал 5А.xlsx', mapping: { birthDate: 'B' }, year: YEAR } });
  }, 120_000);

  it('remembers the mapping it was given, as the app does, and uses it for the next journal of that name', async () => {
    // the app sees the mapping the CLI saved
    const again = await writeBook(path.join(dir), 'Журнал 5А.xlsx', { '5А': [
      ['ФИО', 'Дата рожд-я', 'Математика 1 четв.', 'Русский язык 1 четв.'],
      ['Лебедева Ольга Павловна', '15.01.2014', 5, 5],
      ['Морозов Пётр Ильич', '30.08.2014', 3, 'н/а'],
    ] });
    const cliApp = openBackend({ dbPath: cliDb });
    try {
      const r = (await cliApp.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'clerk-password-1' } }, 'ipc')) as Result<{ session: string }>;
      if (!r.ok) throw new Error(r.error.message);
      const p = (await cliApp.call({ method: 'import.preview', session: r.value.session,
        args: { kind: 'marks', fileName: 'Журнал 5А.xlsx', dataBase64: fs.readFileSync(again).toString('base64'), year: YEAR } }, 'ipc')) as Result<{ savedMapping: boolean; rejected: unknown[] }>;
      expect(p.ok && p.value).toMatchObject({ savedMapping: true, rejected: [] });
    } finally {
      cliApp.close();
    }
    // and the CLI, given no --mapping, reads the date column by the remembered one
    const run = await cli('import', 'marks', again, '--year', YEAR, '--json', '--db', cliDb);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ added: 0, changed: 1, unchanged: 3, rejectedCells: 0 });
    // and a journal of another name has nothing remembered: its date column is not read
    const other = path.join(dir, 'Другой журнал.xlsx');
    fs.copyFileSync(again, other);
    const dry = await cli('import', 'marks', other, '--year', YEAR, '--dry-run', '--json', '--db', cliDb);
    expect(JSON.parse(dry.stdout)).not.toMatchObject({ changed: 0, unchanged: 4, rejected: [] });
  }, 120_000);
});
