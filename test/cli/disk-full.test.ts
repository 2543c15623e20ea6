// A full disk or medium under a file the CLI writes (--out): exit 1 (bad input, not an internal error), the file named,
// and nothing of it left — neither a half-written file nor its temporary. ENOSPC is injected at the write (a full file
// system cannot be made here without root).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../main/cli/index.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { adminClient, smallSchool } from '../helpers/register.ts';

afterAll(removeScratchDirs);
afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]) {
  let stdout = '', stderr = '';
  const code = await runCli(argv, { out: (s) => { stdout += s + '\n'; return true; }, err: (s) => { stderr += s + '\n'; return true; } });
  return { code, stdout, stderr };
}

describe('a full medium under --out', () => {
  it('export city-register: exit 1 naming the file; no half of it and no temporary file remain', async () => {
    const dir = scratchDir('sr-cli-full-');
    const c = await adminClient(dir);
    await smallSchool(c);
    c.backend.close();
    const out = path.join(dir, 'out', 'реестр.xlsx');
    fs.mkdirSync(path.dirname(out));
    const write = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((file, data, opts) => {
      if (String(file).startsWith(path.dirname(out))) {
        write(file, Buffer.from(data as Buffer).subarray(0, 10), opts); // the medium took ten bytes, then was full
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }
      return write(file, data, opts);
    });
    const r = await run(['export', 'city-register', '--year', '2025/2026', '--out', out, '--db', c.dbPath]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`Ошибка: Нет места на диске: ${out} не записан (диск или носитель заполнен). Освободите место и повторите\n`);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
    vi.restoreAllMocks();
    const ok = await run(['export', 'city-register', '--year', '2025/2026', '--out', out, '--db', c.dbPath]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['реестр.xlsx']);
  });
});
