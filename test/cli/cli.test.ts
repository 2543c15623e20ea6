// The command line as a user (or cron) runs it: `node main/cli/bin.mjs …` in a child process, judged by its exit
// code, its stdout (parsed when --json) and its one-line stderr. Spawns cost ~0.7 s each, so they are few.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { latestVersion } from '../../db/migrate.ts';
import { currentYearStart } from '../../main/demo/generate.ts';
import { snilsCheck } from '../../preload/core/identifiers.ts';
import { BAD, count, openRaw, sha256File, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { cli, type CliRun } from '../helpers/cli.ts';

afterAll(removeScratchDirs);


type Run = CliRun;
const lines = (s: string) => s.split('\n').filter((l) => l.trim());
const json = <T>(r: Run): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

describe('school-register CLI on a real register', () => {
  const dir = scratchDir('sr-cli-');
  const db = path.join(dir, 'register.sqlite');
  const Y = currentYearStart();
  const year = `${Y}/${Y + 1}`;

  beforeAll(async () => {
    // init then demo: the register every test below works on.
    const init = json<{ ok: boolean; file: string; schemaVersion: number }>(await cli('init', '--db', db, '--json'));
    expect(init).toEqual({ ok: true, file: db, schemaVersion: latestVersion() });
    const demo = json<{ students: number; classes: number }>(await cli('demo', '--students', '50', '--db', db, '--json'));
    expect(demo.students).toBe(50);
  });

  it('init and demo wrote a real register: 50 students, all СНИЛС valid', () => {
    const raw = openRaw(db);
    try {
      expect(count(raw, 'students')).toBe(50);
      const snils = (raw.prepare('SELECT snils FROM students WHERE snils IS NOT NULL').all() as Array<{ snils: string }>).map((r) => r.snils);
      expect(snils.every(snilsCheck)).toBe(true);
    } finally {
      raw.close();
    }
  });

  it('years list, classes list --year and students list --json print what the register holds', async () => {
    const [years, classes, students, text] = await Promise.all([
      cli('years', 'list', '--db', db, '--json'), cli('classes', 'list', '--year', year, '--db', db, '--json'),
      cli('students', 'list', '--db', db, '--json', '--limit', '1000'), cli('classes', 'list', '--year', year, '--db', db),
    ]);
    expect(json<Array<{ name: string }>>(years).map((y) => y.name)).toContain(year);
    const cls = json<Array<{ name: string; yearName: string; parallel: number }>>(classes);
    expect(cls.map((k) => k.parallel)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(cls.every((k) => k.yearName === year)).toBe(true);
    const list = json<{ rows: Array<{ fullName: string; snils: string | null }>; total: number }>(students);
    expect(list.total).toBe(50);
    expect(list.rows).toHaveLength(50);
    // Without --json: one line per class, tab-separated, starting with the year.
    expect(text.code).toBe(0);
    expect(lines(text.stdout)).toHaveLength(11);
    expect(lines(text.stdout).every((l) => l.startsWith(`${year}\t`))).toBe(true);
  });

  it('students add: valid → 0 and enrolled; a bad СНИЛС → 1 with one line naming СНИЛС, file unchanged', async () => {
    const ok = json<{ lastName: string; snils: string; currentClass: { name: string } | null; bookEntry: { letter: string } | null }>(await cli(
      'students', 'add', '--db', db, '--json', '--last', 'Командная', '--first', 'Строка', '--middle', 'Тестовна', '--birth', '01.02.2015', '--sex', 'ж',
      '--snils', '112-233-445 95', '--class', '5А', '--year', year, '--order', '99-у', '--order-date', `01.09.${Y}`,
      '--future-order')); // in August 01.09 of the new school year is still ahead
    expect(ok).toMatchObject({ lastName: 'Командная', snils: '11223344595', currentClass: { name: '5А' }, bookEntry: { letter: 'К' } });

    const before = sha256File(db);
    const bad = await cli('students', 'add', '--db', db, '--last', 'Плохой', '--first', 'Снилс', '--birth', '01.02.2015', '--sex', 'М', '--snils', BAD.snils);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(/СНИЛС/);
    expect(bad.stderr).toContain(BAD.snils);
    expect(sha256File(db)).toBe(before);
    const raw = openRaw(db);
    expect(count(raw, 'students')).toBe(51);
    raw.close();
  });

  it('students add into a class that does not exist → 1, and the student is not left behind half-done', async () => {
    const before = sha256File(db);
    const r = await cli('students', 'add', '--db', db, '--last', 'Полузаписанный', '--first', 'Иван', '--birth', '01.02.2015', '--sex', 'М',
      '--class', '5Я', '--year', year, '--order', '98-у', '--order-date', `01.09.${Y}`);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/класс 5Я/);
    const raw = openRaw(db);
    const left = count(raw, 'students', "last_name = 'Полузаписанный'");
    raw.close();
    expect(left, 'the failed command created the student anyway').toBe(0);
    expect(sha256File(db)).toBe(before);
  });

  it('a second demo on the non-empty register → 1, nothing written', async () => {
    const before = sha256File(db);
    const r = await cli('demo', '--students', '5', '--db', db);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/пустом реестре/);
    expect(sha256File(db)).toBe(before);
  });

  it('audit verify → 0 on an intact log; after tampering with the file → 1', async () => {
    const good = await cli('audit', 'verify', '--db', db);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/цела/);
    const raw = openRaw(db);
    const target = (raw.prepare("SELECT id FROM audit_log WHERE method = 'students.create'").get() as { id: number }).id;
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare("UPDATE audit_log SET login = 'someone-else' WHERE id = ?").run(target);
    raw.close();
    const broken = await cli('audit', 'verify', '--db', db, '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, brokenAt: target });
  });
});

describe('school-register CLI refuses bad invocations with exit 1 and one clear line', () => {
  it('unknown command, missing --db, a non-SQLite --db file, unknown option, a missing register', async () => {
    const dir = scratchDir('sr-cli-bad-');
    const notDb = path.join(dir, 'notes.txt');
    fs.writeFileSync(notDb, 'это не база данных\n');
    const notDbHash = sha256File(notDb);
    const register = path.join(dir, 'register.sqlite');
    openRegister(register).close();
    const registerHash = sha256File(register);
    const [unknown, noDb, notSqlite, badOption, missing] = await Promise.all([
      cli('students', 'delete', '--db', register),
      cli('students', 'list'),
      cli('students', 'list', '--db', notDb, '--json'),
      cli('students', 'list', '--db', path.join(dir, 'x.sqlite'), '--frobnicate'),
      cli('students', 'list', '--db', path.join(dir, 'absent.sqlite')),
    ]);
    for (const [r, says] of [[unknown, /неизвестная команда «students delete»/], [noDb, /--db/], [notSqlite, /не является базой данных SQLite/],
      [badOption, /frobnicate/], [missing, /не найден/]] as const) {
      expect(r.code, r.stderr).toBe(1);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^Ошибка: /);
      expect(r.stderr).toMatch(says);
      expect(r.stdout).toBe('');
    }
    expect(notSqlite.stderr).toContain(notDb);
    expect(sha256File(notDb)).toBe(notDbHash);
    expect(sha256File(register)).toBe(registerHash);
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.txt', 'register.sqlite']); // no register was created by the refused commands
  });
});
