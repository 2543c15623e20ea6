// The bundles as they ship: the preload in a bare sandbox-like context, and the main process run by Node
// against a fake `electron` (fake-electron.cjs) with the real backend and a real register file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNEL } from '../../preload/contract.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/security.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleElectron } from '../../build/scripts/bundle-electron.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let files: { main: string; preload: string };
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'register-bundle-'));
  // Bundled into the temp app, not out/electron, which pack.test.ts may be bundling into at the same time.
  files = await bundleElectron({ outDir: path.join(work, 'app', 'out', 'electron') });
  mkdirSync(path.join(work, 'app', 'out', 'renderer'), { recursive: true });
  writeFileSync(path.join(work, 'app', 'out', 'renderer', 'index.html'), '<!doctype html><title>t</title>');
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('out/electron/preload.cjs', () => {
  it('requires only electron, carries no zod, and exposes exactly call()', async () => {
    const source = readFileSync(files.preload, 'utf8');
    expect(source.length).toBeLessThan(5_000);
    const required: string[] = [];
    const exposed = new Map<string, Record<string, unknown>>();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
      ipcRenderer: { invoke: async (...args: unknown[]) => (invoked.push(args), { ok: true, value: 'pong' }) },
    };
    const module = { exports: {} };
    vm.runInNewContext(source, {
      require: (name: string) => (required.push(name), name === 'electron' ? electron : undefined),
      module, exports: module.exports,
    });
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['schoolRegister']);
    const api = exposed.get('schoolRegister')!;
    expect(Object.keys(api)).toEqual(['call']);
    const call = api.call as (env: unknown) => Promise<unknown>;
    expect(await call({ method: 'auth.status', args: {}, session: 's', smuggled: true })).toEqual({ ok: true, value: 'pong' });
    expect(await call({ method: 'auth.status', args: {} })).toEqual({ ok: true, value: 'pong' });
    expect(invoked).toEqual([
      [IPC_CHANNEL, { method: 'auth.status', args: {}, session: 's' }],
      [IPC_CHANNEL, { method: 'auth.status', args: {}, session: null }],
    ]);
  });
});

describe('out/electron/main.cjs', () => {
  const runMain = (args: string[]) => {
    const child = spawnSync(process.execPath, ['-r', path.join(root, 'test/electron/fake-electron.cjs'), files.main, ...args], {
      cwd: work, encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, FAKE_ELECTRON_APP_PATH: path.join(work, 'app'), FAKE_ELECTRON_USER_DATA: work, SCHOOL_REGISTER_DB: '',
        NODE_PATH: path.join(root, 'node_modules') }, // better-sqlite3, external to the bundle
    });
    const steps = Object.fromEntries(child.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => {
      const { step, value } = JSON.parse(l);
      return [step, value];
    }));
    return { status: child.status, steps, stderr: child.stderr };
  };

  it('opens the register, answers over IPC with sessions passed through, and serves app://', () => {
    const { status, steps, stderr } = runMain(['--db', 'ipc.sqlite']);
    expect(status, stderr).toBe(0);
    expect(steps.window.url).toBe('app://register/index.html');
    expect(steps.window.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false,
      preload: path.join(work, 'app', 'out', 'electron', 'preload.cjs') });
    expect(steps.status).toEqual({ ok: true, value: { needsSetup: true, user: null } });
    expect(steps.setup).toMatchObject({ ok: true, value: { user: { login: 'admin', role: 'admin' } } });
    expect(steps.users).toMatchObject({ ok: true, value: [{ login: 'admin' }] });
    expect(steps.usersWithoutSession).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(steps.foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(steps.page).toEqual({ status: 200, csp: CONTENT_SECURITY_POLICY, type: 'text/html; charset=utf-8' });
    expect(readFileSync(path.join(work, 'ipc.sqlite')).subarray(0, 15).toString()).toBe('SQLite format 3');
  }, 40_000);

  it('shows the register’s message and exits 1 when the file is not a register', () => {
    writeFileSync(path.join(work, 'not-a-register.sqlite'), 'just some text, not SQLite at all');
    const { status, steps } = runMain(['--db=not-a-register.sqlite']);
    expect(status).toBe(1);
    expect(steps.errorBox.title).toBe('Не удалось открыть реестр');
    expect(steps.errorBox.message).toMatch(/не является базой данных SQLite/);
    expect(steps.window).toBeUndefined();
  }, 40_000);
});
