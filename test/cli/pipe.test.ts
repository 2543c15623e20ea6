// What the CLI prints arrives whole through a pipe, as `… --json | jq` or a scheduler's log reads it: an answer far
// larger than a pipe's buffer (64 KiB) is not cut where the process used to exit before stdout drained.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let db: string;
beforeAll(async () => {
  db = path.join(scratchDir('sr-cli-pipe-'), 'register.sqlite');
  const r = openRegister(db);
  try {
    await generateDemo(r, { students: 1000, seed: 3 }, progressTo());
  } finally {
    r.close();
  }
}, 120_000);

/** `school-register … | cat`: the CLI's stdout read by another process, as a shell pipeline does. */
function piped(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = [process.execPath, path.join(ROOT, 'main/cli/bin.mjs'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', `set -o pipefail; ${cli} | cat`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI through a pipe', () => {
  it('students list --limit 1000 --json arrives whole and parses', async () => {
    const r = await piped('students', 'list', '--limit', '1000', '--json', '--db', db);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(65_536);
    const list = JSON.parse(r.stdout) as { rows: unknown[]; total: number };
    expect(list.total).toBe(1000);
    expect(list.rows).toHaveLength(1000);
  }, 60_000);
});
