// The office network's door (issue 18): the same contract over HTTPS on an address an admin chose, for the other
// workplaces of the record office. Off until an admin shares the register; the choice, the key and the certificate
// are kept beside the register (main/network/settings.ts). What differs from the loopback door (main/host/http.ts):
// - no per-run token: nothing but sign-in (and auth.status, which the sign-in screen reads) answers without a session;
// - a session is bound to the workplace that signed in (its address): the same token from another one is refused;
// - sign-in throttling counts by workplace (main/users/throttle.ts keys a client by the address the call came from);
// - Host must be the chosen address or name (DNS rebinding), Origin our own https origin, the body JSON (CSRF);
// - sharing and closing are decided on the register's own computer: refused over the network.
// While it listens, `<register>-served.json` tells other programs on this computer who serves the register (and where),
// so they do not open the file a second time (db/served-marker.ts).
import https from 'node:https';
import os from 'node:os';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NetworkStatus } from '../../preload/contract-network.ts';
import { markServed } from '../../db/served-marker.ts';
import { AppError } from '../shared/errors.ts';
import type { NetworkControl, ShareChoice } from '../shared/network-control.ts';
import { readSettings, serverIdentity, writeSettings } from '../network/settings.ts';
import { SESSION_IDLE_MS } from '../users/users.ts';
import { contractRequestHandler, type ContractCaller, type Gate, type Refusal } from './http.ts';

/** What a workplace may call before it signs in. */
const WITHOUT_SESSION = new Set(['auth.signIn', 'auth.status']);
/** Decided on the register's own computer only. */
const LOCAL_ONLY = new Set(['network.share', 'network.stop', 'auth.setupAdmin']);

/** This computer's IPv4 addresses (the admin picks one; 0.0.0.0 means all of them). */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address);
  }
  return [...new Set(out)];
}

const plainAddress = (a: string | undefined) => (a ?? '?').replace(/^::ffff:/, '');
const refuse = (status: number, code: 'unauthenticated' | 'forbidden' | 'validation', message: string): Refusal => ({ status, error: { code, message } });

type Listening = { server: https.Server; address: string; port: number; name: string; url: string; fingerprint: string; since: string; unmark: () => void };

export class NetworkDoor implements NetworkControl {
  private open: Listening | null = null;
  private problem: string | null = null;
  /** session token → the workplace it was issued to */
  private bindings = new Map<string, { client: string; login: string; lastSeen: number }>();
  private readonly handler: http.RequestListener;

  constructor(private readonly opts: { backend: ContractCaller; register: () => string; staticDir?: string }) {
    this.handler = contractRequestHandler({ backend: opts.backend, staticDir: opts.staticDir, gate: this.gate() });
  }

  private gate(): Gate {
    return {
      scheme: 'https',
      hostAllowed: (host) => {
        const o = this.open;
        if (!o) return false;
        const m = /^(.+):(\d+)$/.exec(host.toLowerCase());
        if (!m || Number(m[2]) !== o.port) return false;
        const names = new Set([o.name.toLowerCase(), ...(o.address === '0.0.0.0' ? localAddresses() : [o.address])]);
        return names.has(m[1]);
      },
      // a form or a simple request of another page cannot send JSON without a preflight, which is never answered
      authorize: (req) => (/^application\/json(;|$)/i.test(req.headers['content-type'] ?? '')
        ? null : refuse(415, 'validation', 'Неверный запрос: ожидается application/json')),
      admit: (req, env) => {
        const client = `https:${plainAddress(req.socket.remoteAddress)}`;
        const method = typeof env.method === 'string' ? env.method : '';
        if (LOCAL_ONLY.has(method)) return refuse(403, 'forbidden', `«${method}» выполняется только на компьютере реестра`);
        if (typeof env.session === 'string' && env.session) {
          const b = this.bindings.get(env.session);
          if (!b) return refuse(401, 'unauthenticated', 'Войдите в систему');
          if (b.client !== client) return refuse(401, 'unauthenticated', 'Сеанс выдан другому рабочему месту: войдите с этого компьютера');
          b.lastSeen = Date.now();
          return { client };
        }
        if (!WITHOUT_SESSION.has(method)) return refuse(401, 'unauthenticated', 'Войдите в систему');
        return { client };
      },
      answered: (env, r, client) => {
        if (env.method === 'auth.signIn' && r.ok) {
          const v = r.value as { session: string; user: { login: string } };
          this.prune();
          this.bindings.set(v.session, { client, login: v.user.login, lastSeen: Date.now() });
        } else if (typeof env.session === 'string' && (env.method === 'auth.signOut' || (!r.ok && r.error.code === 'unauthenticated'))) {
          this.bindings.delete(env.session);
        }
      },
    };
  }

  private prune(): void {
    const now = Date.now();
    for (const [t, b] of this.bindings) if (now - b.lastSeen > SESSION_IDLE_MS) this.bindings.delete(t);
  }

  status(): NetworkStatus {
    this.prune();
    const o = this.open;
    const s = o ? null : readSettings(this.opts.register());
    return {
      shared: Boolean(o), url: o?.url ?? null, address: o?.address ?? s?.address ?? null, port: o?.port ?? s?.port ?? null,
      name: o?.name ?? s?.name ?? null, fingerprint: o?.fingerprint ?? null, since: o?.since ?? null, problem: this.problem,
      addresses: localAddresses(),
      workplaces: [...this.bindings.values()].map((b) => ({ address: b.client.replace(/^https:/, ''), login: b.login, lastSeen: new Date(b.lastSeen).toISOString() })),
    };
  }

  async share(choice: ShareChoice, by: string): Promise<NetworkStatus & { certificateMade: boolean }> {
    const register = this.opts.register();
    const name = choice.name || os.hostname();
    const addresses = choice.address === '0.0.0.0' ? localAddresses() : [choice.address];
    if (choice.address !== '0.0.0.0' && !localAddresses().includes(choice.address)) {
      throw new AppError('validation', `Адреса ${choice.address} нет у этого компьютера: выберите один из ${localAddresses().join(', ')}`, { address: 'адрес не этого компьютера' });
    }
    const id = await serverIdentity(register, { addresses, names: [name] });
    await this.close();
    const server = https.createServer({ key: id.keyPem, cert: id.certPem, minVersion: 'TLSv1.2' }, this.handler);
    // a workplace's connection kept between its calls a minute (Node's 5 s would mean a new handshake after each pause)
    server.keepAliveTimeout = 65_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(choice.port, choice.address, () => resolve());
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.problem = code === 'EADDRINUSE' ? `Порт ${choice.port} на ${choice.address} занят другой программой: выберите другой`
        : code === 'EACCES' ? `Порт ${choice.port} нельзя открыть без прав администратора системы: выберите порт выше 1024`
          : `Не удалось открыть ${choice.address}:${choice.port}: ${(e as Error).message}`;
      throw new AppError('conflict', this.problem, { port: this.problem });
    }
    const port = (server.address() as AddressInfo).port;
    const shownHost = choice.address === '0.0.0.0' ? name : choice.address;
    const url = `https://${shownHost}:${port}/`;
    const since = new Date().toISOString();
    const unmark = markServed(register, { url, fingerprint: id.fingerprint, since });
    this.open = { server, address: choice.address, port, name, url, fingerprint: id.fingerprint, since, unmark };
    this.problem = null;
    writeSettings(register, { shared: true, address: choice.address, port: choice.port, name: choice.name ?? null, changedAt: since, changedBy: by });
    return { ...this.status(), certificateMade: id.made };
  }

  async stop(by: string): Promise<NetworkStatus> {
    const s = readSettings(this.opts.register());
    await this.close();
    this.problem = null;
    if (s) writeSettings(this.opts.register(), { ...s, shared: false, changedAt: new Date().toISOString(), changedBy: by });
    return this.status();
  }

  /** At start: shares again when the admin left it shared; a port taken meanwhile is said in the status, not thrown. */
  async resume(): Promise<NetworkStatus> {
    const s = readSettings(this.opts.register());
    if (s?.shared) {
      try {
        await this.share({ address: s.address, port: s.port, name: s.name }, s.changedBy);
      } catch (e) {
        this.problem = (e as Error).message;
      }
    }
    return this.status();
  }

  /** Closes the door and every connection through it (the choice is kept: the next start shares again). */
  async close(): Promise<void> {
    const o = this.open;
    if (!o) return;
    this.open = null;
    this.bindings.clear();
    o.unmark();
    o.server.closeAllConnections();
    await new Promise<void>((resolve) => o.server.close(() => resolve()));
  }
}
