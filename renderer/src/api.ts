// The one API client. Typed from preload/contract.ts; talks to the Electron preload when it is there,
// otherwise to the loopback HTTP server that served this page.
import { contract, type ApiError, type ApiErrorRow, type Envelope, type ErrorCode, type Input, type Method, type Output, type Result, type Role } from '../../preload/contract';
import type { Bridge } from '../../preload/bridge';
import { t } from './strings';

declare global {
  interface Window { schoolRegister?: Bridge }
}

export class ApiFailure extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string>;
  /** every item a refusal is about (each gap of a class's marks, each rejected cell), where `message` names the first */
  readonly rows: ApiErrorRow[];
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiFailure';
    this.code = error.code;
    this.fields = error.fields ?? {};
    this.rows = error.rows ?? [];
  }
}

const HTTP_TOKEN_KEY = 'schoolRegister.httpToken';
const SESSION_KEY = 'schoolRegister.session';

/** Takes `#token=…` from the address bar into sessionStorage and clears it from the URL. */
export function captureLaunchToken(): void {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  sessionStorage.setItem(HTTP_TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

/** A page served over the office network (HTTPS, issue 18): no per-run token there, the sign-in session is the key. */
const overNetwork = () => window.location.protocol === 'https:';

export function hasTransport(): boolean {
  return Boolean(window.schoolRegister) || sessionStorage.getItem(HTTP_TOKEN_KEY) !== null || overNetwork();
}

export const session = {
  get: (): string | null => sessionStorage.getItem(SESSION_KEY),
  set: (token: string) => sessionStorage.setItem(SESSION_KEY, token),
  clear: () => sessionStorage.removeItem(SESSION_KEY),
};

/** `why`: the backend's reason when every session was ended at once (the register was restored from a copy). */
type Listener = (why: string | null) => void;
const unauthenticatedListeners = new Set<Listener>();
/** Called when the backend says the session is gone; the app goes back to sign-in. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

async function send(env: Envelope): Promise<Result<unknown>> {
  if (window.schoolRegister) return window.schoolRegister.call(env);
  const token = sessionStorage.getItem(HTTP_TOKEN_KEY);
  if (!token && !overNetwork()) return { ok: false, error: { code: 'internal', message: t.errors.noLink } };
  let response: Response;
  try {
    response = await fetch('api/call', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(env),
    });
  } catch {
    return { ok: false, error: { code: 'internal', message: t.errors.noConnection } };
  }
  // A wrong transport token is not a lost session: signing in again would not help.
  // (over the network there is no transport token: a 401 there is the session's, and says so in its body)
  if (response.status === 401 && token) return { ok: false, error: { code: 'internal', message: t.errors.noLink } };
  try {
    return (await response.json()) as Result<unknown>;
  } catch {
    return { ok: false, error: { code: 'internal', message: t.errors.badResponse(response.status) } };
  }
}

export async function call<M extends Method>(method: M, args: Input<M>): Promise<Output<M>> {
  const result = await send({ method, args, session: session.get() });
  if (!result.ok) {
    if (result.error.code === 'unauthenticated' && !method.startsWith('auth.')) {
      session.clear();
      const why = result.error.fields?.session ?? null;
      unauthenticatedListeners.forEach((listener) => listener(why));
    }
    throw new ApiFailure(result.error);
  }
  // The contract is checked on the way in as well, so a drifting backend shows up here, not as a blank screen.
  const parsed = contract[method].output.safeParse(result.value);
  if (!parsed.success) {
    console.error(`Ответ ${method} не соответствует контракту`, parsed.error.issues);
    throw new ApiFailure({ code: 'internal', message: t.errors.contractMismatch(method) });
  }
  return parsed.data as Output<M>;
}

/** Whether a role may call a method, as the contract says (the backend enforces it anyway). */
export function allowed(role: Role | undefined, method: Method): boolean {
  const roles = contract[method].roles;
  return roles === 'public' || (role !== undefined && (roles as readonly Role[]).includes(role));
}

export function asFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  return new ApiFailure({ code: 'internal', message: error instanceof Error ? error.message : String(error) });
}
