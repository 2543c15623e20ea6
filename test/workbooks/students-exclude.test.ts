// A students import lists what it would write a row at a time («ФИО — фамилия: Петрова → Петренко», «новый ученик»)
// like the marks import (saved as xlsx too, read back by LibreOffice), and the clerk — on the screen (import.previewChanges, exclude) or on the command line
// (--dry-run --changes, --exclude Список!3) — leaves rows out: the commit writes exactly the rest and audits the count.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Input, Job } from '../../preload/contract.ts';
import { snilsCheckDigits } from '../../preload/core/identifiers.ts';
import { createStudent } from '../../main/students/students.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { writeBook } from './make.ts';

const SNILS = `112233445${snilsCheckDigits('112233445')}`;
let c: Client & { dbPath: string };
let dir: string;
let file: string;
const args = (): Input<'import.preview'> => ({ kind: 'students', fileName: path.basename(file), dataBase64: fs.readFileSync(file).toString('base64') });
const names = () => (c.backend.db.prepare('SELECT last_name FROM students ORDER BY last_name').pluck().all() as string[]);

async function settle(jobId: string): Promise<Job> {
  for (;;) {
    const s = await c.call('jobs.status', { id: jobId });
    if (s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = tempDir('sr-students-exclude-');
  c = await adminClient(dir);
  createStudent(c.backend.db, { lastName: 'Петрова', firstName: 'Анна', middleName: 'Ивановна', birthDate: '2014-01-02', sex: 'Ж', snils: SNILS });
  file = await writeBook(dir, 'Список 5А.xlsx', { 'Список': [
    ['ФИО', 'Дата рождения', 'СНИЛС'],
    ['Петренко Анна Ивановна', '02.01.2014', SNILS], // 2: the same pupil by СНИЛС, another surname
    ['Сидоров Олег Петрович', '06.05.2014', null], // 3: new
    ['Орлова Мария Игоревна', '08.07.2014', null], // 4: new
  ] });
}, 120_000);

describe('students import: the rows it would write, and rows left out', () => {
  it('the screen\'s way: the list a row each, an excluded row not written, an unknown one refused', async () => {
    const { jobId } = await c.call('import.previewStart', args());
    expect((await settle(jobId)).state).toBe('done');
    const p = await c.call('import.previewResult', { jobId });
    expect(p.changeCount).toBe(3);
    const list = await c.call('import.previewChanges', { jobId });
    expect(list.rows.map((x) => [x.id, `${x.student} — ${x.subject}: ${x.from ?? '—'} → ${x.to}`])).toEqual([
      ['Список!2', 'Петрова Анна Ивановна — фамилия: Петрова → Петренко'],
      ['Список!3', 'Сидоров Олег Петрович — новый ученик: — → 06.05.2014, пол М (по отчеству)'],
      ['Список!4', 'Орлова Мария Игоревна — новый ученик: — → 08.07.2014, пол Ж (по отчеству)'],
    ]);
    expect((await c.call('import.previewChanges', { jobId, kind: 'changed' })).rows.map((x) => x.id)).toEqual(['Список!2']);

    // the list as a workbook, read back by LibreOffice: a row of the file each
    const x = await c.call('import.previewChangesXlsx', { jobId });
    expect(x.rows).toBe(3);
    const xlsx = path.join(dir, 'changes.xlsx');
    fs.writeFileSync(xlsx, Buffer.from(x.dataBase64, 'base64'));
    await promisify(execFile)('soffice', [`-env:UserInstallation=${pathToFileURL(path.join(dir, 'lo-csv')).href}`, '--headless', '--norestore',
      '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, xlsx], { timeout: 240_000 });
    expect(fs.readFileSync(path.join(dir, 'changes.csv'), 'utf8').trim().split('\n')).toEqual([
      'Лист,Строка,ФИО,Что меняется,Было,Станет',
      'Список,2,Петрова Анна Ивановна,фамилия,Петрова,Петренко',
      'Список,3,Сидоров Олег Петрович,новый ученик,—,"06.05.2014, пол М (по отчеству)"',
      'Список,4,Орлова Мария Игоревна,новый ученик,—,"08.07.2014, пол Ж (по отчеству)"',
    ]);

    const stale = await c.call('import.commitStart', { ...args(), exclude: ['Список!9'] });
    await settle(stale.jobId);
    await expect(c.call('import.commitResult', { jobId: stale.jobId })).rejects.toMatchObject({ api: { message: expect.stringMatching(/нет строки «Список!9»/) } });
    expect(names()).toEqual(['Петрова']);

    const { jobId: commit } = await c.call('import.commitStart', { ...args(), token: p.token, exclude: ['Список!2', 'Список!4'] });
    expect((await settle(commit)).state).toBe('done');
    expect(await c.call('import.commitResult', { jobId: commit })).toMatchObject({ added: 1, changed: 0, excluded: 2, written: true });
    expect(names()).toEqual(['Петрова', 'Сидоров']); // Петрова kept her surname, Орлова not added
    const audit = (await c.call('audit.list', { limit: 1000 })).filter((e) => e.method === 'import.students').sort((a, b) => b.id - a.id)[0];
    expect(JSON.parse(audit.detail)).toMatchObject({ args: { excluded: 2 }, result: { added: 1, changed: 0, excluded: 2 } });
  }, 120_000);

  it('the command line\'s way: --dry-run --changes lists each row with its address, --exclude leaves it out', async () => {
    const dry = await cli('import', 'students', file, '--dry-run', '--changes', '--db', c.dbPath);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Список!2  Петрова Анна Ивановна — фамилия: Петрова → Петренко');
    expect(dry.stdout).toContain('Список!4  Орлова Мария Игоревна — новый ученик: — → 08.07.2014, пол Ж (по отчеству)');
    expect(dry.stdout).not.toContain('Сидоров'); // added by the first test: unchanged now
    const json = await cli('import', 'students', file, '--dry-run', '--changes', '--json', '--db', c.dbPath);
    expect((JSON.parse(json.stdout) as { changes: Array<{ id: string }> }).changes.map((x) => x.id)).toEqual(['Список!2', 'Список!4']);

    const both = await cli('import', 'students', file, '--dry-run', '--exclude', 'Список!2', '--db', c.dbPath);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--exclude — для записи/);

    const run = await cli('import', 'students', file, '--exclude', 'Список!4', '--db', c.dbPath);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/добавлено 0, изменено 1, без изменений 1, отклонено строк 0, исключено вами 1/);
    expect(names()).toEqual(['Петренко', 'Сидоров']);
  }, 120_000);
});
