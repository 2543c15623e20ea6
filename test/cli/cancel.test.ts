// Ctrl+C cancels the job the CLI runs, as jobs.cancel does in the app: here a year close, interrupted after its first
// sealed class — exit 1 with «Операция отменена», no summary, and the classes not reached left unsealed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

describe('Ctrl+C', () => {
  it('cancels the running job: exit 1, «Операция отменена», the rest of the year not sealed', async () => {
    const db = path.join(scratchDir('sr-cli-cancel-'), 'register.sqlite');
    const r = openRegister(db);
    await generateDemo(r, { students: 400, seed: 7 }, progressTo());
    const year = r.prepare('SELECT name FROM academic_years ORDER BY name DESC LIMIT 1').pluck().get() as string;
    const classes = r.prepare('SELECT count(*) FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ?').pluck().get(year) as number;
    r.close();

    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'ledger', 'seal', '--year', year, '--allow-na', '--db', db],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      const first = !/: запечатана, код/.test(stdout);
      stdout += d;
      if (first && /: запечатана, код/.test(stdout)) p.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
    expect(code, stderr).toBe(1);
    expect(stderr.trim()).toBe('Ошибка: Операция отменена');
    expect(stdout).not.toContain('Итого');
    const raw = new Database(db, { readonly: true });
    const sealed = raw.prepare('SELECT count(*) FROM ledger_versions').pluck().get() as number;
    raw.close();
    expect(sealed).toBeGreaterThanOrEqual(1);
    expect(sealed).toBeLessThan(classes);
  }, 180_000);
});
