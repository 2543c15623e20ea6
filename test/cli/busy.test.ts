// A CLI import while another program (the app) holds the register: it waits its bound (SCHOOL_REGISTER_BUSY_WAIT), then
// says «реестр занят другой программой», naming the register and the wait — exit 1, nothing written, never «changed
// after the preview»; once the other program lets go, the same command goes through.
import { spawn } from 'node:child_process';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { count, openRaw, removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { cli, ROOT, type CliRun } from '../helpers/cli.ts';

afterAll(removeScratchDirs);

function cliWaiting(seconds: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args], { cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', SCHOOL_REGISTER_BUSY_WAIT: seconds }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a register held by another program', () => {
  it('import students: exit 1 «реестр занят другой программой», the register and the wait named, nothing written', async () => {
    const dir = scratchDir('sr-cli-busy-');
    const db = path.join(dir, 'register.sqlite');
    expect((await cli('init', '--db', db)).code).toBe(0);
    const file = path.join(dir, 'journal.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Ученики');
    ws.addRow(['ФИО', 'Дата рождения', 'СНИЛС']);
    ws.addRow(['Иванов Пётр Сергеевич', '01.02.2015', '112-233-445 95']);
    await wb.xlsx.writeFile(file);

    const app = openRaw(db);
    app.exec('BEGIN IMMEDIATE'); // the app in the middle of a long write
    let held: CliRun;
    try {
      held = await cliWaiting('1', 'import', 'students', file, '--db', db);
    } finally {
      app.exec('ROLLBACK');
      app.close();
    }
    expect(held.code, held.stderr).toBe(1);
    expect(held.stderr).toContain(`Ошибка: Реестр занят другой программой: ${db} — она держит запись; ждали 1 с.`);
    expect(held.stderr).not.toMatch(/предпросмотр|Внутренняя/);
    const check = openRaw(db);
    expect(count(check, 'students')).toBe(0);
    check.close();

    const free = await cliWaiting('1', 'import', 'students', file, '--db', db);
    expect(free.code, free.stderr).toBe(0);
  });
});
