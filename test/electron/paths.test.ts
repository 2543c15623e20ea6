import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDbPath, shellFiles } from '../../main/electron/paths.ts';

describe('resolveDbPath', () => {
  const userData = '/home/clerk/.config/School Register';

  it('defaults to register.sqlite in userData', () => {
    expect(resolveDbPath(['/usr/bin/electron', '.'], {}, userData)).toBe(path.join(userData, 'register.sqlite'));
  });

  it('takes $SCHOOL_REGISTER_DB, resolved against the working directory', () => {
    expect(resolveDbPath([], { SCHOOL_REGISTER_DB: 'data/r.sqlite' }, userData, '/srv')).toBe('/srv/data/r.sqlite');
  });

  it('lets --db FILE and --db=FILE win over the environment', () => {
    const env = { SCHOOL_REGISTER_DB: '/env.sqlite' };
    expect(resolveDbPath(['electron', '.', '--db', '/a.sqlite'], env, userData)).toBe('/a.sqlite');
    expect(resolveDbPath(['electron', '.', '--db=b.sqlite'], env, userData, '/w')).toBe('/w/b.sqlite');
  });

  it('ignores a dangling --db', () => {
    expect(resolveDbPath(['electron', '--db'], {}, userData)).toBe(path.join(userData, 'register.sqlite'));
  });
});

it('finds the renderer and preload under the app root', () => {
  expect(shellFiles('/opt/r/resources/app.asar')).toEqual({
    rendererDir: '/opt/r/resources/app.asar/out/renderer',
    preload: '/opt/r/resources/app.asar/out/electron/preload.cjs',
  });
});
