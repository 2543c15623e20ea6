// The Electron shell: one instance, one window, the UI from app://, the backend behind one IPC channel.
// What is allowed is decided in security.ts; this file only attaches those decisions to Electron.
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type WebContents } from 'electron';
import { IPC_CHANNEL } from '../../preload/contract.ts';
import { resolveDbPath, shellFiles } from './paths.ts';
import {
  APP_SCHEME, APP_START_URL, PRIVILEGED_SCHEMES, createAppProtocolHandler, createIpcCallHandler, denyNavigation,
  denyPermissionCheck, denyPermissionRequest, denyWindowOpen, isBlockedRequest, preventWebviewAttach, webPreferences,
  type CallBackend,
} from './security.ts';
import { text } from './strings.ts';
import { logError } from '../shared/log.ts';
import path from 'node:path';

/** `network`: the office network's door (issue 18), shared again at start when an admin left it shared. */
export type ShellBackend = CallBackend & { close(): void; network?: { resume(): Promise<unknown> } };
export type ShellDeps = {
  openBackend(opts: { dbPath: string; staticDir?: string }): ShellBackend;
  /** «подключиться к реестру»: a register another computer serves (main/network/remote-backend.ts) */
  openRemote(url: string, pinsFile: string, confirm: (fingerprint: string, origin: string) => Promise<boolean>): Promise<ShellBackend>;
  /** where a register this computer's other program serves is shared (db/served-marker.ts), or null */
  servedElsewhere(dbPath: string): string | null;
  connectUrl(argv: readonly string[], env: NodeJS.ProcessEnv): string | null;
};

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Applied to every WebContents the app ever creates, not only our window's. */
function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', denyNavigation);
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', preventWebviewAttach);
  contents.setWindowOpenHandler(denyWindowOpen);
}

export function runShell(deps: ShellDeps): void {
  // Both must happen before 'ready'.
  protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
  app.enableSandbox();

  // A second copy would only fight the first over the register file: hand over to the first and leave.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  let window: BrowserWindow | null = null;
  let backend: ShellBackend | null = null;
  const { rendererDir, preload } = shellFiles(app.getAppPath());

  const showWindow = () => {
    const win = new BrowserWindow({
      width: 1280, height: 820, minWidth: 960, minHeight: 600, show: false, autoHideMenuBar: true,
      title: text.appTitle, backgroundColor: '#ffffff',
      // Spelled out here as well as in webPreferences(), so that a reader and a static checker
      // (electronegativity, run in CI) see the window's isolation where the window is made; the
      // unit tests check that both agree.
      webPreferences: {
        ...webPreferences(preload, { devTools: !app.isPackaged }),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        disableBlinkFeatures: 'Auxclick',
      },
    });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (window === win) window = null;
    });
    window = win;
    void win.loadURL(APP_START_URL);
  };

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (backend && !window) showWindow();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    backend?.close();
    backend = null;
  });

  // the user compares the fingerprint with the register computer's screen before anything is sent (trust on first use)
  const confirmPin = async (fingerprint: string, origin: string) => (await dialog.showMessageBox({
    type: 'question', title: text.appTitle, message: text.pinTitle(origin), detail: text.pinDetail(fingerprint),
    buttons: [text.pinConfirm, text.cancel], defaultId: 1, cancelId: 1, noLink: true,
  })).response === 0;
  const connect = async (url: string) => {
    try {
      return await deps.openRemote(url, path.join(app.getPath('userData'), 'register-pins.json'), confirmPin);
    } catch (e) {
      dialog.showErrorBox(text.connectFailedTitle, messageOf(e));
      return null;
    }
  };

  const start = async () => {
    if (process.platform === 'win32') app.setAppUserModelId('ru.school.register');
    const dbPath = resolveDbPath(process.argv, process.env, app.getPath('userData'));
    let url: string | null;
    try {
      url = deps.connectUrl(process.argv, process.env);
    } catch (e) {
      dialog.showErrorBox(text.connectFailedTitle, messageOf(e));
      app.exit(1);
      return;
    }
    if (url) {
      backend = await connect(url);
    } else {
      try {
        // the renderer's files also go to browsers that connect over the office network
        backend = deps.openBackend({ dbPath, staticDir: rendererDir });
        void backend.network?.resume();
      } catch (e) {
        // a register another program serves on the network: offered to connect to it instead
        const served = deps.servedElsewhere(dbPath);
        if (served && (await dialog.showMessageBox({ type: 'question', title: text.servedTitle, message: messageOf(e),
          detail: text.servedDetail(served), buttons: [text.connect, text.quit], defaultId: 0, cancelId: 1, noLink: true })).response === 0) {
          backend = await connect(served);
        } else {
          dialog.showErrorBox(text.openFailedTitle, messageOf(e));
        }
      }
    }
    if (!backend) {
      app.exit(1);
      return;
    }

    const ses = session.defaultSession;
    ses.setPermissionRequestHandler(denyPermissionRequest);
    ses.setPermissionCheckHandler(denyPermissionCheck);
    ses.setDevicePermissionHandler(denyPermissionCheck);
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isBlockedRequest(details.url) }));
    protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));

    const opened = backend;
    ipcMain.handle(IPC_CHANNEL, createIpcCallHandler(opened, () => window?.webContents ?? null));
    showWindow();
  };

  app.whenReady().then(start).catch((e: unknown) => {
    logError('[school-register] start failed:', e);
    dialog.showErrorBox(text.appTitle, text.startFailed(messageOf(e)));
    app.exit(1);
  });
}
