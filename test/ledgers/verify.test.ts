// Verification against tampering: a sealed mark changed behind the app's back (the sqlite3 shell drops the lock
// trigger and updates the row) is reported as exactly that student, subject and period; a PDF whose bytes were
// edited is not a sealed version; codes that are unknown or malformed are told apart.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../helpers/db.ts';
import { cli } from '../helpers/cli.ts';
import { sealingSchool, type SealingSchool } from './sealing-school.ts';

let f: SealingSchool;
let code: string;
let pdf: Buffer;
beforeAll(async () => {
  f = await sealingSchool();
  const v = await f.c.call('ledgers.seal', { classId: f.s.a.id });
  code = v.code;
  pdf = Buffer.from((await f.c.call('ledgers.print', { classId: f.s.a.id, version: 1, format: 'pdf' })).dataBase64, 'base64');
});
afterAll(() => f.c.backend.close());

const sqlite3 = (sql: string) => {
  const r = spawnSync('sqlite3', [f.c.dbPath, sql], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
};

describe('ledger verify', () => {
  it('an intact, current version verifies by code (any case) and by its PDF', async () => {
    for (const r of [await f.c.call('ledgers.verify', { code }), await f.c.call('ledgers.verify', { code: ` ${code.toLowerCase()} ` }),
      await f.c.call('ledgers.verify', { pdfBase64: pdf.toString('base64') })]) {
      expect(r).toMatchObject({ sealed: true, current: true, intact: true, code, version: 1, className: '5А', year: '2025/2026', differences: [] });
    }
    const run = await cli('ledger', 'verify', '--code', code, '--db', f.c.dbPath);
    expect(run.stdout).toContain('Подлинная текущая версия 1 ведомости 5А, 2025/2026');
    expect(run.code).toBe(0);
  });

  it('a PDF whose bytes were edited is not a sealed version, though it names a real code', async () => {
    // Change one digit of text in the file: the PDF still opens, but it is not the one that was sealed.
    const edited = Buffer.from(pdf);
    const at = edited.indexOf(Buffer.from('(D:')); // the creation date, a literal string in the Info dictionary
    expect(at).toBeGreaterThan(0);
    const digit = at + 5;
    expect(String.fromCharCode(edited[digit])).toMatch(/\d/);
    edited[digit] = edited[digit] === 0x31 ? 0x32 : 0x31;
    const appended = Buffer.concat([pdf, Buffer.from('\n% an incremental update\n')]);
    for (const bytes of [edited, appended]) {
      const r = await f.c.call('ledgers.verify', { pdfBase64: bytes.toString('base64') });
      expect(r).toMatchObject({ sealed: false, current: null, intact: null, code });
      expect(r.message).toBe(`Это не запечатанная версия: файл называет код ${code}, но его содержимое отличается от запечатанного PDF этой версии (файл изменён)`);
    }
    const file = path.join(f.dir, 'edited.pdf');
    fs.writeFileSync(file, edited);
    const run = await cli('ledger', 'verify', '--pdf', file, '--db', f.c.dbPath);
    expect(run.stdout).toMatch(/^Это не запечатанная версия/);
    expect(run.code).toBe(1);
  });

  it('an unknown code, a malformed code, a file that is not a PDF', async () => {
    const unknown = await f.c.call('ledgers.verify', { code: '0BADC0DE-v1' });
    expect(unknown).toMatchObject({ sealed: false, message: 'Код 0BADC0DE-v1 не найден: такой запечатанной ведомости в реестре нет' });
    const wrongVersion = await f.c.call('ledgers.verify', { code: code.replace('-v1', '-v2') });
    expect(wrongVersion.sealed).toBe(false);
    expect(expectError(await f.c.raw('ledgers.verify', { code: 'не код' }), 'validation', 'code').message).toMatch(/выглядит как A1B2C3D4-v1/);
    expect(expectError(await f.c.raw('ledgers.verify', { pdfBase64: Buffer.from('PK\u0003\u0004').toString('base64') }), 'validation').message).toBe('Файл не является PDF');
    expect((await cli('ledger', 'verify', '--db', f.c.dbPath)).code).toBe(1);
  });

  it('a sealed mark changed behind the app (trigger dropped, row updated with sqlite3) is named exactly', async () => {
    const { ivanov } = f.students;
    // The lock holds against a plain UPDATE from the shell…
    const where = `student_id = '${ivanov.id}' AND subject_id = ${f.s.rus.id} AND slot = 'period' AND period_id = ${f.periods[1]}`;
    const refused = sqlite3(`UPDATE marks SET mark = '3' WHERE ${where};`);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/запечатана/);
    // …until someone drops the trigger.
    // (marks are stored as a row per student × subject, the quarters as columns p1…p4: migration 0011)
    const forced = sqlite3(`DROP TRIGGER subject_marks_sealed_update; UPDATE subject_marks SET p2 = '3'
      WHERE student_id = '${ivanov.id}' AND subject_id = ${f.s.rus.id}; SELECT changes();`);
    expect(forced.stderr).toBe('');
    expect(forced.stdout.trim()).toBe('1');
    const r = await f.c.call('ledgers.verify', { code });
    expect(r).toMatchObject({ sealed: true, current: true, intact: false, version: 1 });
    expect(r.differences).toEqual([{ student: 'Иванов Пётр Сергеевич', subject: 'Русский язык', column: '2 четв.', sealed: '5', now: '3' }]);
    expect(r.message).toBe('Версия 1 ведомости 5А, 2025/2026 текущая, но данные реестра изменились после запечатывания: расхождений — 1');
    // The same by the PDF, and from the command line (exit 1, the difference on a line of its own).
    expect((await f.c.call('ledgers.verify', { pdfBase64: pdf.toString('base64') })).differences).toEqual(r.differences);
    const run = await cli('ledger', 'verify', '--code', code, '--db', f.c.dbPath);
    expect(run.stdout).toContain('  Иванов Пётр Сергеевич, Русский язык, 2 четв.: было 5, стало 3');
    expect(run.code).toBe(1);
  });
});
