// `import students FILE` from a script: preview with --dry-run, an atomic commit, an idempotent re-run, and a
// refusal (exit 1, nothing written) when a cell is bad or the file is not a workbook.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { count, openRaw, sha256File, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { cli } from '../helpers/cli.ts';

afterAll(removeScratchDirs);



async function journal(file: string, rows: Array<[string, string, string]>) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Ученики');
  ws.addRow(['Выгрузка из электронного журнала']);
  ws.addRow(['ФИО', 'Дата рождения', 'СНИЛС']);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

describe('school-register import students', () => {
  const dir = scratchDir('sr-cli-import-');
  const db = path.join(dir, 'register.sqlite');

  it('previews, commits once, and a second run changes nothing', async () => {
    expect((await cli('init', '--db', db)).code).toBe(0);
    const file = path.join(dir, 'journal.xlsx');
    await journal(file, [['Иванов Пётр Сергеевич', '01.02.2015', '112-233-445 95'], ['Смирнова Анна Олеговна', '2014-05-06', '']]);

    const dry = await cli('import', 'students', file, '--dry-run', '--json', '--db', db);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ added: 2, changed: 0, unchanged: 0, rejected: [] });
    const raw = openRaw(db);
    expect(count(raw, 'students')).toBe(0); // a dry run writes nothing
    raw.close();

    const run = await cli('import', 'students', file, '--json', '--db', db);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ added: 2, changed: 0 });
    const again = await cli('import', 'students', file, '--json', '--db', db);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, changed: 0, unchanged: 2 });

    const check = openRaw(db);
    expect(check.prepare("SELECT last_name, snils, sex FROM students ORDER BY last_name").all()).toEqual([
      { last_name: 'Иванов', snils: '11223344595', sex: 'М' }, { last_name: 'Смирнова', snils: null, sex: 'Ж' }]);
    expect(count(check, 'audit_log', "method = 'import.students'")).toBe(1); // the rerun wrote nothing, so it left no audit entry
    check.close();
  });

  it('a bad СНИЛС names sheet, row and column, exits 1 and writes nothing; a non-workbook exits 1', async () => {
    const file = path.join(dir, 'bad.xlsx');
    await journal(file, [['Петров Иван Ильич', '03.04.2013', '112-233-445 96']]);
    const before = sha256File(db);
    const r = await cli('import', 'students', file, '--db', db);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ничего не записано/);
    expect(r.stderr).toMatch(/лист «Ученики», строка 3, столбец C: .*СНИЛС/);
    expect(sha256File(db)).toBe(before);

    const notXlsx = path.join(dir, 'notes.xlsx');
    fs.writeFileSync(notXlsx, 'просто текст, не книга Excel');
    const n = await cli('import', 'students', notXlsx, '--db', db);
    expect(n.code).toBe(1);
    expect(n.stderr.trim().split('\n')).toHaveLength(1);
    expect(n.stderr).toMatch(/notes\.xlsx/);
    expect(sha256File(db)).toBe(before);
  });
});
