// The app on another workplace, in «подключиться к реестру» mode (issue 18): its window is the same renderer, its IPC
// the same one channel, but the calls go over HTTPS to the register another computer serves (main/host/network.ts),
// through the workplace client (client.ts: the certificate pinned on first use after the user compared its
// fingerprint, a changed one refused, commands with idempotency keys). No register file is opened here. Plain Node: the
// Electron shell (main/electron/shell.ts) only asks the user to compare the fingerprint and wires this to its IPC.
import { connectToRegister, NetworkError, type ClientOptions } from './client.ts';
import type { Envelope, Method, Result } from '../../preload/contract.ts';

export type RemoteBackend = {
  origin: string;
  fingerprint: string;
  /** As the local backend's: the renderer's envelope, its session and all; a network fault comes back as a refusal the
   *  screen shows (nothing is thrown at the IPC gate) */
  call(env: Envelope, transport: 'ipc'): Promise<Result<unknown>>;
  close(): void;
};

/** Connects (pinning on first use, after `confirm`); throws NetworkError when the user does not confirm, the register is
 *  unreachable or its certificate is not the pinned one — the shell shows that message and connects to nothing. */
export async function openRemoteBackend(opts: ClientOptions): Promise<RemoteBackend> {
  const client = await connectToRegister(opts);
  return {
    origin: client.origin,
    fingerprint: client.pin.fingerprint,
    async call(env) {
      try {
        return await client.call(env.method as Method, env.args, { session: env.session ?? null });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        // «недоступен», «сертификат изменился», «ничего не записано», «неизвестно, записано ли»: each says what to do
        return { ok: false, error: { code: 'conflict', message: e.message } };
      }
    },
    close: () => client.close(),
  };
}

/** The register to connect to, from `--connect=https://адрес:порт` (or `--connect https://…`) or SCHOOL_REGISTER_CONNECT;
 *  null when the app is to open its own register. Only https with a host is accepted: the register's door speaks
 *  nothing else, and a typo must not become a request to somewhere else. */
export function connectUrlFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--connect') raw = argv[i + 1];
    else if (a.startsWith('--connect=')) raw = a.slice('--connect='.length);
  }
  raw ??= env.SCHOOL_REGISTER_CONNECT || undefined;
  if (raw === undefined) return null;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`Адрес реестра для подключения «${raw}» не похож на адрес: нужен вида https://192.168.1.10:8443`);
  }
  if (u.protocol !== 'https:' || !u.hostname) {
    throw new Error(`Подключиться к реестру можно только по https: «${raw}» (нужен вида https://192.168.1.10:8443)`);
  }
  return u.origin + '/';
}
