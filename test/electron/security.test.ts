// The Electron shell's security decisions, with the `electron` module replaced by a recording fake:
// security.ts on its own, then shell.ts wiring those decisions into (fake) Electron.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope, Result } from '../../preload/contract.ts';
import { IPC_CHANNEL } from '../../preload/contract.ts';
import {
  APP_START_URL, CONTENT_SECURITY_POLICY, PRIVILEGED_SCHEMES, createAppProtocolHandler, createIpcCallHandler,
  denyNavigation, denyPermissionCheck, denyPermissionRequest, denyWindowOpen, isBlockedRequest, isTrustedSender,
  preventWebviewAttach, resolveRendererFile, webPreferences,
} from '../../main/electron/security.ts';

type Listener = (...args: any[]) => unknown;

const fake = vi.hoisted(() => {
  const state = {
    appListeners: new Map<string, Listener[]>(),
    lock: true,
    windows: [] as any[],
    ipcHandlers: new Map<string, Listener>(),
    protocolHandlers: new Map<string, Listener>(),
    privileged: [] as unknown[],
    errorBoxes: [] as [string, string][],
    /** the questions the shell asked (message boxes) and the button the fake user presses for each, in order */
    messageBoxes: [] as any[],
    answers: [] as number[],
    exitCode: null as number | null,
    quits: 0,
    sandboxed: false,
    session: {} as Record<string, Listener>,
  };
  const emitApp = (event: string, ...args: unknown[]) => (state.appListeners.get(event) ?? []).forEach((fn) => fn(...args));
  let nextFrameId = 1;
  class FakeWebContents {
    listeners = new Map<string, Listener>();
    windowOpenHandler: Listener | null = null;
    mainFrame = { frameTreeNodeId: nextFrameId++ };
    on(event: string, fn: Listener) {
      this.listeners.set(event, fn);
      return this;
    }
    setWindowOpenHandler(fn: Listener) {
      this.windowOpenHandler = fn;
    }
  }
  class FakeBrowserWindow {
    webContents = new FakeWebContents();
    url: string | null = null;
    constructor(readonly options: any) {
      state.windows.push(this);
      emitApp('web-contents-created', {}, this.webContents);
    }
    once() {}
    on() {}
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    show() {}
  }
  const module = {
    app: {
      on(event: string, fn: Listener) {
        state.appListeners.set(event, [...(state.appListeners.get(event) ?? []), fn]);
      },
      whenReady: () => Promise.resolve(),
      requestSingleInstanceLock: () => state.lock,
      enableSandbox: () => {
        state.sandboxed = true;
      },
      quit: () => {
        state.quits++;
      },
      exit: (code: number) => {
        state.exitCode = code;
      },
      getAppPath: () => '/opt/register/resources/app.asar',
      getPath: (name: string) => `/home/clerk/.config/School Register${name === 'userData' ? '' : `/${name}`}`,
      isPackaged: true,
      setAppUserModelId() {},
    },
    BrowserWindow: FakeBrowserWindow,
    dialog: {
      showErrorBox: (title: string, message: string) => state.errorBoxes.push([title, message]),
      showMessageBox: (opts: any) => {
        state.messageBoxes.push(opts);
        return Promise.resolve({ response: state.answers.shift() ?? opts.cancelId, checkboxChecked: false });
      },
    },
    ipcMain: { handle: (channel: string, fn: Listener) => state.ipcHandlers.set(channel, fn) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => state.privileged.push(...schemes),
      handle: (scheme: string, fn: Listener) => state.protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Listener) => (state.session.request = fn),
        setPermissionCheckHandler: (fn: Listener) => (state.session.check = fn),
        setDevicePermissionHandler: (fn: Listener) => (state.session.device = fn),
        webRequest: { onBeforeRequest: (fn: Listener) => (state.session.beforeRequest = fn) },
      },
    },
  };
  const reset = () => {
    state.appListeners.clear();
    state.lock = true;
    state.windows.length = 0;
    state.ipcHandlers.clear();
    state.protocolHandlers.clear();
    state.privileged.length = 0;
    state.errorBoxes.length = 0;
    state.messageBoxes.length = 0;
    state.answers.length = 0;
    state.exitCode = null;
    state.quits = 0;
    state.sandboxed = false;
    state.session = {};
  };
  return { state, module, reset, FakeWebContents };
});

vi.mock('electron', () => fake.module);

const preventable = () => ({ preventDefault: vi.fn() });
const mainFrameOf = (contents: { mainFrame: { frameTreeNodeId: number } }, url = 'app://register/index.html') => ({
  url, origin: 'app://register', parent: null,
  frameTreeNodeId: contents.mainFrame.frameTreeNodeId,
});
const ok = (value: unknown): Result<unknown> => ({ ok: true, value });

describe('webPreferences', () => {
  it('isolates and sandboxes the page and gives it no Node', () => {
    const prefs = webPreferences('/x/preload.cjs', { devTools: false });
    expect(prefs).toMatchObject({
      preload: '/x/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true,
      nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, allowRunningInsecureContent: false,
      webviewTag: false, devTools: false,
    });
  });

  it('registers app:// as a standard, secure scheme that cannot bypass CSP', () => {
    expect(PRIVILEGED_SCHEMES).toEqual([expect.objectContaining({ scheme: 'app',
      privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(PRIVILEGED_SCHEMES[0].privileges?.bypassCSP).toBeFalsy();
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => {
    const [name, ...values] = d.trim().split(/\s+/);
    return [name, values.join(' ')] as const;
  }));

  it.each([
    ['default-src', "'self'"], ['script-src', "'self'"], ['object-src', "'none'"], ['frame-ancestors', "'none'"],
    ['base-uri', "'none'"], ['form-action', "'none'"],
  ])('sets %s to %s', (name, value) => expect(directives.get(name)).toBe(value));

  it('allows no inline or evaluated script and no remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('index.html carries the same policy in a meta tag, less frame-ancestors (header only)', () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; '));
  });

  it('blocks middle-click (auxclick) navigation', () => {
    expect(webPreferences('/x/preload.cjs', { devTools: false }).disableBlinkFeatures).toBe('Auxclick');
  });
});

describe('navigation, windows, webviews, permissions', () => {
  it('denies navigation and redirects', () => {
    const event = preventable();
    denyNavigation(event);
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('denies window.open', () => expect(denyWindowOpen()).toEqual({ action: 'deny' }));

  it('prevents <webview> from attaching', () => {
    const event = preventable();
    preventWebviewAttach(event);
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'])('denies the %s permission', (permission) => {
    const callback = vi.fn();
    denyPermissionRequest({}, permission, callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(denyPermissionCheck()).toBe(false);
  });

  it.each([
    ['https://example.org/x', true], ['http://127.0.0.1:8080/', true], ['wss://example.org', true], ['file:///etc/passwd', true],
    ['app://register/index.html', false], ['devtools://devtools/bundled/inspector.html', false], ['not a url', true],
  ])('blocks the request %s: %s', (url, blocked) => expect(isBlockedRequest(url)).toBe(blocked));
});

describe('the IPC gate', () => {
  const ours = new fake.FakeWebContents();
  const backend = { call: vi.fn(async (env: Envelope) => ok({ echoed: env })) };
  const handler = createIpcCallHandler(backend, () => ours as never, () => {});
  const env = { method: 'auth.status', args: {}, session: 'tok' };

  beforeEach(() => backend.call.mockClear());

  it('passes a call from our window’s app:// main frame to the backend, session and all', async () => {
    const result = await handler({ sender: ours, senderFrame: mainFrameOf(ours) }, env);
    expect(result).toEqual(ok({ echoed: env }));
    expect(backend.call).toHaveBeenCalledWith({ method: 'auth.status', args: {}, session: 'tok' }, 'ipc');
  });

  it.each([
    ['a foreign origin in our window', () => ({ sender: ours, senderFrame: { ...mainFrameOf(ours), url: 'https://evil.example/', origin: 'https://evil.example' } })],
    ['a file:// page in our window', () => ({ sender: ours, senderFrame: { ...mainFrameOf(ours), url: 'file:///tmp/x.html', origin: 'file://' } })],
    ['an app:// subframe', () => ({ sender: ours, senderFrame: { ...mainFrameOf(ours), parent: {}, frameTreeNodeId: 999 } })],
    ['a frame that is not our main frame', () => ({ sender: ours, senderFrame: { ...mainFrameOf(ours), frameTreeNodeId: 999 } })],
    ['another app:// host', () => ({ sender: ours, senderFrame: { ...mainFrameOf(ours), url: 'app://other/index.html', origin: 'app://other' } })],
    ['another webContents', () => {
      const other = new fake.FakeWebContents();
      return { sender: other, senderFrame: mainFrameOf(other) };
    }],
    ['a frame already gone', () => ({ sender: ours, senderFrame: null })],
  ])('refuses %s', async (_name, makeEvent) => {
    const result = await handler(makeEvent() as never, env);
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(backend.call).not.toHaveBeenCalled();
  });

  it('refuses everything before the window exists', async () => {
    const early = createIpcCallHandler(backend, () => null, () => {});
    expect(await early({ sender: ours, senderFrame: mainFrameOf(ours) }, env)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it.each([[null], ['auth.status'], [{ method: 1, args: {} }], [{ method: 'auth.status' }], [{ method: 'x', args: {}, session: 5 }]])(
    'answers a malformed envelope %j with a validation error', async (bad) => {
      const result = await handler({ sender: ours, senderFrame: mainFrameOf(ours) }, bad);
      expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(backend.call).not.toHaveBeenCalled();
    });

  it('sends only the envelope fields on, and a missing session as null', async () => {
    await handler({ sender: ours, senderFrame: mainFrameOf(ours) }, { method: 'auth.status', args: {}, extra: 'dropped' });
    expect(backend.call).toHaveBeenCalledWith({ method: 'auth.status', args: {}, session: null }, 'ipc');
  });

  it('turns a backend that throws into an internal error, as data', async () => {
    backend.call.mockRejectedValueOnce(new Error('boom'));
    const result = await handler({ sender: ours, senderFrame: mainFrameOf(ours) }, env);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('is a plain predicate too', () => {
    expect(isTrustedSender({ sender: ours, senderFrame: mainFrameOf(ours) }, ours)).toBe(true);
    expect(isTrustedSender({ sender: ours, senderFrame: mainFrameOf(ours, 'app://register/../index.html') }, ours)).toBe(true);
  });
});

describe('the app:// protocol', () => {
  let dir: string;
  let rendererDir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'register-protocol-'));
    rendererDir = path.join(dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Школьный регистр</title>');
    writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'secret.txt'), 'SECRET');
    writeFileSync(path.join(dir, 'renderer-evil.txt'), 'SECRET');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => createAppProtocolHandler(rendererDir)(new Request(url, { method }));

  it('serves index.html at the root, with the CSP and the right type', async () => {
    const response = await get('app://register/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('Школьный регистр');
  });

  it('serves assets as JavaScript (module scripts need the MIME type)', async () => {
    const response = await get('app://register/assets/index-abc.js?v=1');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it.each([
    'app://register/../secret.txt', 'app://register/..%2fsecret.txt', 'app://register/%2e%2e/secret.txt',
    'app://register/assets/..%2F..%2Fsecret.txt', 'app://register/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    'app://register/..%2frenderer-evil.txt', 'app://register/%2Fetc%2Fpasswd', 'app://register/index.html%00.js',
    'app://register/%E0%A4%A', 'app://other/index.html', 'app://register:8080/index.html', 'app://register/assets/',
  ])('refuses %s with a 404 that still carries the CSP', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await response.text()).not.toContain('SECRET');
  });

  it.each([
    'app://register/..%2fsecret.txt', 'app://register/assets/..%2F..%2Fsecret.txt', 'app://register/..%2frenderer-evil.txt',
  ])('resolves %s to nothing rather than to a file outside', (url) => expect(resolveRendererFile(rendererDir, url)).toBeNull());

  it('refuses Windows-style traversal too', () => {
    const root = 'C:\\Program Files\\Register\\renderer';
    expect(resolveRendererFile(root, 'app://register/..%5c..%5cwindows%5cwin.ini', path.win32)).toBeNull();
    expect(resolveRendererFile(root, 'app://register/assets%5c..%5c..%5csecret.txt', path.win32)).toBeNull();
    expect(resolveRendererFile(root, 'app://register/assets/a.js', path.win32)).toBe(`${root}\\assets\\a.js`);
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('app://register/index.html', 'POST')).status).toBe(405);
    const head = await get('app://register/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('the shell wiring (shell.ts against a fake Electron)', () => {
  const backend = { call: vi.fn(async () => ok('pong')), close: vi.fn() };
  const openBackend = vi.fn((_opts: { dbPath: string }) => backend);

  beforeEach(() => {
    fake.reset();
    backend.call.mockClear();
    backend.close.mockClear();
    openBackend.mockClear();
    vi.resetModules();
    vi.stubEnv('SCHOOL_REGISTER_DB', '');
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });

  const remote = { call: vi.fn(async () => ok('remote pong')), close: vi.fn() };
  const USER_DATA = '/home/clerk/.config/School Register';
  // the remote backend as main.ts makes it, except the network: it asks the user about a fingerprint first, as the real one does
  const openRemote = vi.fn(async (_url: string, _pins: string, confirm: (fp: string, origin: string) => Promise<boolean>) => {
    if (!(await confirm('AB:CD:EF', 'https://192.168.1.10:8443'))) throw new Error('Отпечаток сертификата https://192.168.1.10:8443 не подтверждён: подключение отменено, ничего не отправлено');
    return remote;
  });
  const servedElsewhere = vi.fn((_dbPath: string): string | null => null);
  let argv: string[] = [];
  const runShell = async () => {
    const { runShell } = await import('../../main/electron/shell.ts');
    const { connectUrlFrom } = await import('../../main/network/remote-backend.ts');
    const saved = process.argv;
    process.argv = ['electron', '.', ...argv];
    try {
      runShell({ openBackend, openRemote, servedElsewhere, connectUrl: connectUrlFrom });
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      process.argv = saved;
    }
  };
  beforeEach(() => {
    argv = [];
    remote.call.mockClear();
    openRemote.mockClear();
    servedElsewhere.mockReset();
    servedElsewhere.mockReturnValue(null);
    vi.stubEnv('SCHOOL_REGISTER_CONNECT', '');
  });

  it('opens the register from userData, hardens the session and shows one sandboxed window on app://', async () => {
    await runShell();
    expect(fake.state.sandboxed).toBe(true);
    expect(fake.state.privileged).toEqual(PRIVILEGED_SCHEMES);
    // the renderer's files also go to browsers that connect over the office network (issue 18)
    expect(openBackend).toHaveBeenCalledWith({ dbPath: path.join('/home/clerk/.config/School Register', 'register.sqlite'),
      staticDir: path.join('/opt/register/resources/app.asar', 'out', 'renderer') });
    expect(fake.state.windows).toHaveLength(1);
    const [win] = fake.state.windows;
    expect(win.url).toBe(APP_START_URL);
    expect(win.options.webPreferences).toEqual(
      webPreferences('/opt/register/resources/app.asar/out/electron/preload.cjs', { devTools: false }));
    expect(fake.state.protocolHandlers.has('app')).toBe(true);

    const callback = vi.fn();
    fake.state.session.request({}, 'media', callback, {});
    expect(callback).toHaveBeenCalledWith(false);
    expect(fake.state.session.check({}, 'media', 'app://register', {})).toBe(false);
    expect(fake.state.session.device({})).toBe(false);
    const cancel = vi.fn();
    fake.state.session.beforeRequest({ url: 'https://example.org/' }, cancel);
    expect(cancel).toHaveBeenCalledWith({ cancel: true });
  });

  it('guards every webContents: navigation, redirects, webviews, window.open', async () => {
    await runShell();
    const contents = fake.state.windows[0].webContents;
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = preventable();
      contents.listeners.get(event)(e, 'https://evil.example/');
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
    expect(contents.windowOpenHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('binds the IPC channel to our window’s main frame only', async () => {
    await runShell();
    const handler = fake.state.ipcHandlers.get(IPC_CHANNEL)!;
    const contents = fake.state.windows[0].webContents;
    const env = { method: 'auth.status', args: {}, session: null };
    expect(await handler({ sender: contents, senderFrame: mainFrameOf(contents) }, env)).toEqual(ok('pong'));
    expect(await handler({ sender: contents, senderFrame: { ...mainFrameOf(contents), parent: {} } }, env))
      .toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(backend.call).toHaveBeenCalledTimes(1);
  });

  it('shows the register’s own message and quits when the file cannot be opened', async () => {
    openBackend.mockImplementationOnce(() => {
      throw new Error('Файл /tmp/x.sqlite не является базой данных SQLite — это не файл реестра');
    });
    await runShell();
    expect(fake.state.errorBoxes).toEqual([['Не удалось открыть реестр', 'Файл /tmp/x.sqlite не является базой данных SQLite — это не файл реестра']]);
    expect(fake.state.exitCode).toBe(1);
    expect(fake.state.windows).toHaveLength(0);
    expect(fake.state.ipcHandlers.size).toBe(0);
  });

  it('leaves at once when another copy holds the lock', async () => {
    fake.state.lock = false;
    await runShell();
    expect(fake.state.quits).toBe(1);
    expect(openBackend).not.toHaveBeenCalled();
  });

  it('«подключиться к реестру» (--connect): no register opened here; the fingerprint shown to compare; the window\'s calls go to the remote register', async () => {
    argv = ['--connect=https://192.168.1.10:8443'];
    fake.state.answers.push(0); // «Совпадает — подключиться»
    await runShell();
    expect(openBackend).not.toHaveBeenCalled();
    expect(openRemote).toHaveBeenCalledWith('https://192.168.1.10:8443/', path.join(USER_DATA, 'register-pins.json'), expect.any(Function));
    expect(fake.state.messageBoxes).toHaveLength(1);
    expect(fake.state.messageBoxes[0]).toMatchObject({ message: 'Первое подключение к реестру https://192.168.1.10:8443',
      buttons: ['Совпадает — подключиться', 'Отмена'], cancelId: 1, defaultId: 1 });
    expect(fake.state.messageBoxes[0].detail).toContain('AB:CD:EF');
    expect(fake.state.windows).toHaveLength(1);
    const handler = fake.state.ipcHandlers.get(IPC_CHANNEL)!;
    const contents = fake.state.windows[0].webContents;
    const env = { method: 'students.search', args: { query: 'Ив' }, session: 'remote-session' };
    expect(await handler({ sender: contents, senderFrame: mainFrameOf(contents) }, env)).toEqual(ok('remote pong'));
    expect(remote.call).toHaveBeenCalledWith(env, 'ipc');
    fake.state.appListeners.get('will-quit')!.forEach((fn) => fn());
    expect(remote.close).toHaveBeenCalledTimes(1);
  });

  it('a fingerprint not confirmed: nothing connected, the reason shown, the app leaves', async () => {
    argv = ['--connect', 'https://192.168.1.10:8443'];
    fake.state.answers.push(1); // «Отмена»
    await runShell();
    expect(fake.state.errorBoxes).toEqual([['Не удалось подключиться к реестру', expect.stringContaining('не подтверждён')]]);
    expect(fake.state.exitCode).toBe(1);
    expect(fake.state.windows).toHaveLength(0);
    expect(fake.state.ipcHandlers.size).toBe(0);
  });

  it.each([['http://192.168.1.10:8443', 'только по https'], ['не адрес', 'не похож на адрес']])('an address to connect to that is not https (%s) is refused, nothing opened', async (url, says) => {
    argv = [`--connect=${url}`];
    await runShell();
    expect(fake.state.errorBoxes).toEqual([['Не удалось подключиться к реестру', expect.stringContaining(says)]]);
    expect(openBackend).not.toHaveBeenCalled();
    expect(openRemote).not.toHaveBeenCalled();
    expect(fake.state.exitCode).toBe(1);
  });

  it('a register another program serves: offered to connect to it instead; accepted, the app connects there', async () => {
    openBackend.mockImplementationOnce(() => {
      throw new Error('Реестр уже открыт другой программой и открыт для сети: https://10.0.0.5:8443/ (pid 4242)');
    });
    servedElsewhere.mockReturnValue('https://10.0.0.5:8443/');
    fake.state.answers.push(0, 0); // «Подключиться», then «Совпадает — подключиться»
    await runShell();
    expect(fake.state.messageBoxes[0]).toMatchObject({ title: 'Реестр открыт другой программой', buttons: ['Подключиться', 'Выйти'] });
    expect(fake.state.messageBoxes[0].detail).toContain('https://10.0.0.5:8443/');
    expect(openRemote).toHaveBeenCalledWith('https://10.0.0.5:8443/', path.join(USER_DATA, 'register-pins.json'), expect.any(Function));
    expect(fake.state.windows).toHaveLength(1);
    expect(fake.state.errorBoxes).toEqual([]);
  });

  it('… declined: the register\'s own message, and the app leaves', async () => {
    openBackend.mockImplementationOnce(() => {
      throw new Error('Реестр уже открыт другой программой и открыт для сети: https://10.0.0.5:8443/ (pid 4242)');
    });
    servedElsewhere.mockReturnValue('https://10.0.0.5:8443/');
    fake.state.answers.push(1); // «Выйти»
    await runShell();
    expect(openRemote).not.toHaveBeenCalled();
    expect(fake.state.errorBoxes).toEqual([['Не удалось открыть реестр', expect.stringContaining('https://10.0.0.5:8443/')]]);
    expect(fake.state.exitCode).toBe(1);
  });

  it('closes the backend when the app quits', async () => {
    await runShell();
    fake.state.appListeners.get('will-quit')!.forEach((fn) => fn());
    expect(backend.close).toHaveBeenCalledTimes(1);
  });
});
