// Issue 3's «the CLI does the same from a script»: a bash script imports a journal whose date column has a wrong name
// (fixed by a --mapping file), corrects one mark with `grades set`, and exports the city-register workbook; the
// workbook, read back with exceljs, holds the corrected mark under the subject's directory ID. And `grades set`'s
// refusals: exit 1, one clear line, nothing written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../main/host/backend.ts';
import { createYear } from '../../main/years/years.ts';
import { createSubject } from '../../main/subjects/subjects.ts';
import { createClass, setCurriculum } from '../../main/classes/classes.ts';
import { createStudent } from '../../main/students/students.ts';
import { enrol } from '../../main/movement/orders.ts';
import { cli, ROOT } from '../helpers/cli.ts';
import { count, openRaw, removeScratchDirs, scratchDir, sha256File } from '../helpers/db.ts';
import { writeBook } from '../workbooks/make.ts';

afterAll(removeScratchDirs);

const YEAR = '2025/2026';
let dir: string;
let db: string;
const ids: Record<string, string> = {};

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [script], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  dir = scratchDir('sr-cli-script-');
  db = path.join(dir, 'register.sqlite');
  // the school the journal speaks of (the CLI has no commands for years, subjects and classes)
  const b = openBackend({ dbPath: db });
  b.db.transaction(() => {
    const y = createYear(b.db, { name: YEAR });
    const geo = createSubject(b.db, { name: 'География', shortName: 'Геогр.', cityRegisterId: 'MSK-0180', federalCode: '18' });
    const c = createClass(b.db, { yearId: y.id, parallel: 5, letter: 'А' });
    setCurriculum(b.db, c.id, [geo.id]);
    for (const [last, first, middle, birth] of [['Лебедева', 'Ольга', 'Павловна', '2014-01-15'], ['Морозов', 'Пётр', 'Ильич', '2014-08-30']]) {
      const s = createStudent(b.db, { lastName: last, firstName: first, middleName: middle, birthDate: birth, sex: last.endsWith('а') ? 'Ж' : 'М', guardians: [] });
      enrol(b.db, { order: { number: '3-у', date: '2025-09-01' }, studentId: s.id, classId: c.id, date: '2025-09-01' });
      ids[last] = s.id;
    }
  })();
  b.close();
});

describe('the journal from a script: import with a mapping, a correction, the city-register export', () => {
  it('runs end to end; the export holds the corrected mark', async () => {
    const journal = await writeBook(dir, 'Журнал 5А география.xlsx', { '5А': [
      ['Электронный журнал 5А'],
      ['ФИО', 'Дата рожд-я', 'География 1 четв.', 'География 2 четв.'],
      ['Лебедева Ольга Павловна', '15.01.2014', 5, 4],
      ['Морозов Пётр Ильич', '30.08.2014', 3, 'н/а'],
    ] });
    const mapping = path.join(dir, 'mapping.json');
    fs.writeFileSync(mapping, JSON.stringify({ columns: { birthDate: 'B' } }));
    const out = path.join(dir, 'Городской регистр.xlsx');
    const script = path.join(dir, 'journal.sh');
    fs.writeFileSync(script, [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      'sr() { node main/cli/bin.mjs "$@" --db "$DB"; }',
      'sr import marks "$JOURNAL" --year "$YEAR" --mapping "$MAPPING"',
      'sr grades set --class 5А --year "$YEAR" --student "Морозов Пётр" --subject География --period "1 четверть" --mark 4',
      'sr export city-register --year "$YEAR" --out "$OUT"',
      '',
    ].join('\n'));

    const r = await bash(script, { DB: db, JOURNAL: journal, MAPPING: mapping, YEAR, OUT: out });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/Импорт оценок .* добавлено 4, изменено 0/);
    expect(lines[1]).toBe('Морозов Пётр Ильич, 5А, «География», 1 четверть: 4 (было 3)');
    expect(lines[2]).toMatch(/Книга городского реестра .*оценок 4/);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const rows: string[][] = [];
    wb.getWorksheet('Промежуточная аттестация')!.eachRow((row, n) => { if (n > 1) rows.push([1, 2, 3, 4, 5].map((c) => String(row.getCell(c).value))); });
    expect(rows).toEqual(expect.arrayContaining([
      [ids['Морозов'], '5А', 'MSK-0180', '1 четверть', '4'],
      [ids['Морозов'], '5А', 'MSK-0180', '2 четверть', 'н/а'],
      [ids['Лебедева'], '5А', 'MSK-0180', '1 четверть', '5'],
    ]));
    expect(rows).toHaveLength(4);
    const raw = openRaw(db);
    expect(count(raw, 'audit_log', "method = 'grades.set'")).toBe(1); // the correction is audited like the grid's
    raw.close();
  }, 60_000);

  it('attendance alone is imported too, a column named its own way mapped per sheet; the same file again writes nothing', async () => {
    const journal = await writeBook(dir, 'Пропуски 5А.xlsx', { '5А, 1 четверть': [
      ['ФИО', 'Дата рождения', 'Проп.', 'из них по болезни'],
      ['Лебедева Ольга Павловна', '15.01.2014', 6, 6],
      ['Морозов Пётр Ильич', '30.08.2014', 2, null],
    ] });
    const mapping = path.join(dir, 'attendance-mapping.json');
    fs.writeFileSync(mapping, JSON.stringify({ sheets: { '5А, 1 четверть': { 'att:missed|q1': 'C' } } }));
    const run = await cli('import', 'marks', journal, '--year', YEAR, '--mapping', mapping, '--db', db);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/добавлено 0, изменено 0, без изменений 0, отклонено ячеек 0; пропуски \(ученик × период\): добавлено 2, изменено 0, без изменений 0$/);
    const raw = openRaw(db);
    expect(raw.prepare('SELECT student_id, missed, missed_valid FROM attendance ORDER BY missed').all()).toEqual([
      { student_id: ids['Морозов'], missed: 2, missed_valid: 0 }, { student_id: ids['Лебедева'], missed: 6, missed_valid: 6 }]);
    raw.close();
    const before = sha256File(db);
    const again = await cli('import', 'marks', journal, '--year', YEAR, '--mapping', mapping, '--json', '--db', db);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, attendance: { added: 0, changed: 0, unchanged: 2 } });
    expect(sha256File(db)).toBe(before);
  }, 60_000);

  it('grades set refuses an unknown student, a mark off the scale and an unknown period: exit 1, nothing written', async () => {
    const before = sha256File(db);
    const base = ['grades', 'set', '--class', '5А', '--year', YEAR, '--subject', 'География', '--db', db];
    const nobody = await cli(...base, '--student', 'Никитин Иван', '--period', 'q1', '--mark', '5');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr.trim()).toBe(`Ошибка: ученик «Никитин Иван» не найден в классе 5А (${YEAR})`);
    const seven = await cli(...base, '--student', 'Лебедева Ольга', '--period', '2 четверть', '--mark', '7');
    expect(seven.code).toBe(1);
    expect(seven.stderr).toMatch(/Лебедева Ольга, «География», 2 четверть: оценка «7» недопустима/);
    const when = await cli(...base, '--student', 'Лебедева Ольга', '--period', 'весна', '--mark', '5');
    expect(when.code).toBe(1);
    expect(when.stderr).toMatch(/--period: «весна» — не период/);
    expect(sha256File(db)).toBe(before);
  }, 60_000);
});
