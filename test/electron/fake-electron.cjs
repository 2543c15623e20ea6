// Preloaded with `node -r` in front of the bundled out/electron/main.cjs: answers require('electron') with a
// recording fake, then plays the part of the window — calls over the IPC channel as our app:// main frame
// (and once as a foreign frame), fetches a page over app:// — and prints each outcome as one JSON line.
// FAKE_ELECTRON_USER_DATA and FAKE_ELECTRON_APP_PATH stand in for app.getPath('userData') and app.getAppPath().
const Module = require('node:module');

const listeners = new Map();
const ipcHandlers = new Map();
const protocolHandlers = new Map();
const windows = [];
const report = (step, value) => process.stdout.write(`${JSON.stringify({ step, value })}\n`);
const emit = (event, ...args) => (listeners.get(event) || []).forEach((fn) => fn(...args));

class WebContents {
  constructor() {
    this.mainFrame = { frameTreeNodeId: 1, url: 'app://register/index.html', origin: 'app://register', parent: null };
  }
  on() {
    return this;
  }
  setWindowOpenHandler() {}
}
class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.webContents = new WebContents();
    windows.push(this);
    emit('web-contents-created', {}, this.webContents);
  }
  once() {}
  on() {}
  loadURL(url) {
    this.url = url;
    setTimeout(() => playWindow(this).catch((e) => {
      report('error', String(e && e.stack || e));
      process.exit(2);
    }), 0);
    return Promise.resolve();
  }
}

async function playWindow(win) {
  report('window', { url: win.url, webPreferences: win.options.webPreferences });
  const handler = ipcHandlers.get('school-register:call');
  const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  const call = (method, args, session = null) => handler(trusted, { method, args, session });
  report('status', await call('auth.status', {}));
  const setup = await call('auth.setupAdmin', { login: 'admin', fullName: 'Администратор', password: 'correct horse' });
  report('setup', setup);
  const session = setup.ok ? setup.value.session : null;
  report('users', await call('users.list', {}, session));
  report('usersWithoutSession', await call('users.list', {}));
  const foreign = { sender: win.webContents, senderFrame: { ...win.webContents.mainFrame, url: 'https://evil.example/', origin: 'https://evil.example' } };
  report('foreign', await handler(foreign, { method: 'auth.status', args: {}, session }));
  const page = await protocolHandlers.get('app')(new Request('app://register/'));
  report('page', { status: page.status, csp: page.headers.get('content-security-policy'), type: page.headers.get('content-type') });
  emit('will-quit');
  report('quit', true);
  process.exit(0);
}

const electron = {
  app: {
    on: (event, fn) => listeners.set(event, [...(listeners.get(event) || []), fn]),
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: () => true,
    enableSandbox() {},
    quit: () => process.exit(0),
    exit: (code) => {
      report('exit', code);
      process.exit(code);
    },
    getAppPath: () => process.env.FAKE_ELECTRON_APP_PATH,
    getPath: () => process.env.FAKE_ELECTRON_USER_DATA,
    isPackaged: false,
    setAppUserModelId() {},
  },
  BrowserWindow,
  dialog: { showErrorBox: (title, message) => report('errorBox', { title, message }) },
  ipcMain: { handle: (channel, fn) => ipcHandlers.set(channel, fn) },
  protocol: {
    registerSchemesAsPrivileged: (schemes) => report('privileged', schemes),
    handle: (scheme, fn) => protocolHandlers.set(scheme, fn),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler() {},
      setPermissionCheckHandler() {},
      setDevicePermissionHandler() {},
      webRequest: { onBeforeRequest() {} },
    },
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? electron : load.call(this, request, ...rest);
};
