// Issue 19: the CLI's bundle runs with V8's code cache (main/cli/run-bundle.mjs): made on the first run in the user's
// private cache folder (0700, the file 0600), taken as it is on the next (not written again: V8 accepted it), made
// again when it is damaged, and never used from a folder others can write into, nor when turned off. Whatever the
// cache, the command answers the same. Real child processes of the installed command.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);

const BIN = path.join(ROOT, 'main/cli/bin.mjs');
function run(cacheHome: string, extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000,
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cacheHome, SCHOOL_REGISTER_COMPILE_CACHE: '', ...extra } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}
const caches = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^cli-[0-9a-f]{32}\.v8$/.test(f)) : []);

describe('the code cache of the CLI bundle', () => {
  it('is made private on the first run, taken unchanged on the next, made again when damaged; the answer is the same', () => {
    const home = scratchDir('sr-cc-');
    const dir = path.join(home, 'school-register');
    const plain = run(home, { SCHOOL_REGISTER_COMPILE_CACHE: '0' });
    expect(plain).toContain('import marks');
    expect(caches(dir)).toEqual([]);

    expect(run(home)).toBe(plain);
    const [file] = caches(dir);
    expect(file).toBeDefined();
    const cache = path.join(dir, file);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);

    // taken as it is: V8 accepted it, so nothing is written again
    const made = fs.readFileSync(cache);
    fs.utimesSync(cache, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(run(home)).toBe(plain);
    expect(fs.statSync(cache).mtime.getFullYear()).toBe(2020);
    expect(caches(dir)).toEqual([file]);

    // damaged: refused by V8, the command still answers, and the cache is made again
    fs.writeFileSync(cache, Buffer.alloc(made.length, 0x5a));
    expect(run(home)).toBe(plain);
    expect(fs.readFileSync(cache).subarray(0, 64).equals(Buffer.alloc(64, 0x5a))).toBe(false);
    expect(caches(dir)).toEqual([file]);
  }, 300_000);

  it('is not used from a cache folder others can write into', () => {
    const home = scratchDir('sr-cc-open-');
    const dir = path.join(home, 'school-register');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    expect(run(home)).toContain('import marks');
    expect(caches(dir)).toEqual([]);
  }, 300_000);
});
