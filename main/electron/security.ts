// Every security decision of the Electron shell, in one module without side effects, so that each one is
// unit-tested without Electron (test/electron/security.test.ts). shell.ts only wires these to Electron's events.
import type { CustomScheme, IpcMainInvokeEvent, WebContents, WebPreferences } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Envelope, Result } from '../../preload/contract.ts';
import { text } from './strings.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'register';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

// standard + secure: a real origin (storage, relative URLs) and a secure context. corsEnabled and
// supportFetchAPI let Chromium load Vite's `<script type="module" crossorigin>` from the scheme; no response
// carries Access-Control-Allow-Origin, so no other origin can read our files.
export const PRIVILEGED_SCHEMES: CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
];

export function webPreferences(preload: string, opts: { devTools: boolean }): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    // A middle click must not open a link in a new window (window.open is denied as well).
    disableBlinkFeatures: 'Auxclick',
    devTools: opts.devTools,
  };
}

// No 'unsafe-inline' for styles: Vite emits CSS files, and React's style={} goes through CSSOM, which CSP
// does not restrict. data: is there because Vite inlines small images and fonts as data URLs.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST;
  } catch {
    return false;
  }
}

// ---------- navigation, windows, webviews, permissions ----------

type Preventable = { preventDefault(): void };

/** will-navigate / will-redirect: the UI routes by #hash, which fires neither, so any real navigation is refused. */
export function denyNavigation(event: Preventable): void {
  event.preventDefault();
}

export function denyWindowOpen(): { action: 'deny' } {
  return { action: 'deny' };
}

export function preventWebviewAttach(event: Preventable): void {
  event.preventDefault();
}

export function denyPermissionRequest(_contents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

export function denyPermissionCheck(): boolean {
  return false;
}

const NETWORK_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

/** The window never talks to the network or reads files by URL: all it needs comes over app:// and IPC. */
export function isBlockedRequest(url: string): boolean {
  try {
    return NETWORK_SCHEMES.has(new URL(url).protocol);
  } catch {
    return true;
  }
}

// ---------- IPC ----------

type SenderFrame = { url: string; origin: string; parent: unknown; frameTreeNodeId: number };
export type IpcEventLike = { sender: unknown; senderFrame: SenderFrame | null };
type TrustedContents = { mainFrame: { frameTreeNodeId: number } };

/** Only the main frame of our own window, showing our own app:// page, may call the backend. */
export function isTrustedSender(event: IpcEventLike, trusted: TrustedContents | null): boolean {
  const frame = event.senderFrame;
  if (!trusted || !frame || event.sender !== trusted) return false;
  if (frame.parent !== null || frame.frameTreeNodeId !== trusted.mainFrame.frameTreeNodeId) return false;
  return frame.origin === APP_ORIGIN && isAppUrl(frame.url);
}

export type CallBackend = { call(env: Envelope, transport: 'ipc'): Promise<Result<unknown>> };

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.method === 'string' && v.method.length <= 100 && 'args' in v &&
    (v.session === undefined || v.session === null || typeof v.session === 'string');
}

/** The ipcMain.handle(IPC_CHANNEL) handler. Errors go back as data, like every other result. */
export function createIpcCallHandler(backend: CallBackend, trustedContents: () => WebContents | TrustedContents | null,
  log: (message: string, detail?: unknown) => void = console.error) {
  return async (event: IpcMainInvokeEvent | IpcEventLike, env: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event as IpcEventLike, trustedContents())) {
      log(text.foreignSender, event.senderFrame?.url);
      return { ok: false, error: { code: 'forbidden', message: text.foreignSender } };
    }
    if (!isEnvelope(env)) return { ok: false, error: { code: 'validation', message: text.badEnvelope } };
    try {
      return await backend.call({ method: env.method, args: env.args, session: env.session ?? null }, 'ipc');
    } catch (e) {
      log(`backend.call(${env.method}) threw`, e);
      return { ok: false, error: { code: 'internal', message: text.internal } };
    }
  };
}

// ---------- the app:// protocol ----------

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under rendererDir that an app:// URL names, or null when it names anything else (../, another host). */
export function resolveRendererFile(rendererDir: string, requestUrl: string, p: path.PlatformPath = path): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const url = new URL(requestUrl);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  if (pathname === '' || pathname === '/') pathname = '/index.html';
  const root = p.resolve(rendererDir);
  const file = p.resolve(root, `.${pathname}`);
  const relative = p.relative(root, file);
  if (relative === '' || p.isAbsolute(relative) || relative.split(p.sep)[0] === '..') return null;
  return file;
}

type Body = ConstructorParameters<typeof Response>[0];

function respond(status: number, body: Body, contentType = 'text/plain; charset=utf-8'): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-cache' } });
}

/** The protocol.handle('app') handler: serves rendererDir's files, read-only, each with the CSP. */
export function createAppProtocolHandler(rendererDir: string, read: (file: string) => Promise<Uint8Array> = readFile) {
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, null);
    const file = resolveRendererFile(rendererDir, request.url);
    if (!file) return respond(404, 'Not found');
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return respond(404, 'Not found');
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), type);
  };
}
