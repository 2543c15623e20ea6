// A workplace's side of the office network (issue 18): the contract over real HTTPS to a register another computer
// serves (main/host/network.ts). No CA: on the first connection the server's certificate is shown by its SHA-256
// fingerprint, the user compares it with the one on the register computer's screen and confirms; from then on only that
// certificate is accepted (trust on first use). A changed certificate is refused loudly, both fingerprints named —
// nothing, not even the sign-in, is sent to a server that presents another one. Pins are the user's own file (0600).
//
// Commands carry an idempotency key: when the connection is cut after a command went out, the client asks the server
// what became of it (/api/outcome) and says which — written whole (the answer it missed), or never arrived (and then it
// never will: the server burns the key). A command sent again with the same key is never written twice.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { contract, type Envelope, type Method, type Result } from '../../preload/contract.ts';
import { makePrivate } from '../shared/private-files.ts';
import { fingerprintOf, pemToDer } from './certificate.ts';

export type NetworkFault = 'unreachable' | 'certificate_changed' | 'not_trusted' | 'not_saved' | 'outcome_unknown';

/** A fault of the network between the workplace and the register, not an answer of the register. */
export class NetworkError extends Error {
  constructor(readonly kind: NetworkFault, message: string, readonly key?: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export type Pin = { fingerprint: string; certPem: string; pinnedAt: string };

/** The certificates this user trusts, by the register's origin (https://host:port): a JSON file of the user's, 0600. */
export class PinStore {
  constructor(readonly file: string) {}
  private all(): Record<string, Pin> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, Pin>;
    } catch {
      return {};
    }
  }
  get(origin: string): Pin | null {
    return this.all()[origin] ?? null;
  }
  set(origin: string, pin: Pin): void {
    const all = { ...this.all(), [origin]: pin };
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    makePrivate(this.file);
  }
}

const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

const unreachable = (url: string, e: unknown) => new NetworkError('unreachable',
  `Реестр недоступен по адресу ${url}: ${(e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? e}. ` +
  'Проверьте, что программа на компьютере реестра запущена и реестр открыт для сети; работа продолжится, когда он снова доступен');

/** The certificate the server at `url` presents, read in a handshake that sends nothing else. */
export function presentedCertificate(url: string, timeoutMs = 10_000): Promise<{ fingerprint: string; certPem: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port || 443), rejectUnauthorized: false, servername: /^[\d.]+$/.test(u.hostname) ? undefined : u.hostname });
    const timer = setTimeout(() => socket.destroy(new Error('ETIMEDOUT')), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const der = socket.getPeerCertificate().raw;
      socket.end();
      if (!der) return reject(unreachable(url, new Error('сервер не предъявил сертификат')));
      resolve({ fingerprint: fingerprintOf(der), certPem: pemOf(der) });
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(unreachable(url, e));
    });
  });
}

const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_REGISTER_PIN/;

export type ClientOptions = {
  url: string;
  pins: PinStore;
  /** asked once, on the first connection: the user compares `fingerprint` with the register computer's screen */
  confirm: (fingerprint: string, url: string) => boolean | Promise<boolean>;
  /** told when a cut connection's command turned out written (its answer comes back as usual) */
  onNotice?: (message: string) => void;
  /** how long a call waits for its answer; how long a cut command's outcome is asked for */
  timeoutMs?: number;
  outcomeWaitMs?: number;
  /** connections kept open to the register at once (4) */
  connections?: number;
};

/** Connects to the register at `url`: pins its certificate on first use (after `confirm`), refuses a changed one. */
export async function connectToRegister(opts: ClientOptions): Promise<RegisterClient> {
  const origin = new URL(opts.url).origin;
  let pin = opts.pins.get(origin);
  if (!pin) {
    const seen = await presentedCertificate(origin);
    if (!(await opts.confirm(seen.fingerprint, origin))) {
      throw new NetworkError('not_trusted', `Отпечаток сертификата ${origin} не подтверждён: подключение отменено, ничего не отправлено`);
    }
    pin = { fingerprint: seen.fingerprint, certPem: seen.certPem, pinnedAt: new Date().toISOString() };
    opts.pins.set(origin, pin);
  }
  return new RegisterClient(origin, pin, opts);
}

type Sent = { status: number; body: unknown };
type PostFailure = { established: boolean; error: unknown };

export class RegisterClient {
  session: string | null = null;
  private readonly agent: https.Agent;

  constructor(readonly origin: string, readonly pin: Pin, private readonly opts: ClientOptions) {
    // only the pinned certificate is trusted, and it is compared by fingerprint: the host name is not what we trust
    this.agent = new https.Agent({
      keepAlive: true, maxSockets: opts.connections ?? 4, ca: pin.certPem,
      checkServerIdentity: (_host, cert) => {
        const got = fingerprintOf(cert.raw);
        return got === pin.fingerprint ? undefined : Object.assign(new Error(`fingerprint ${got}`), { code: 'ERR_REGISTER_PIN' });
      },
    });
    if (fingerprintOf(pemToDer(pin.certPem)) !== pin.fingerprint) throw new Error('the pin store is damaged');
  }

  private post(pathname: string, body: unknown, headers: Record<string, string>): Promise<Sent> {
    const u = new URL(pathname, this.origin);
    const data = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      let established = false;
      const req = https.request({
        host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(data.length), ...headers },
        timeout: this.opts.timeoutMs ?? 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (e) {
            reject({ established: true, error: e } satisfies PostFailure);
          }
        });
        res.on('error', (e) => reject({ established: true, error: e } satisfies PostFailure));
        res.on('aborted', () => reject({ established: true, error: new Error('ECONNRESET') } satisfies PostFailure));
      });
      req.on('socket', (s) => {
        const t = s as tls.TLSSocket;
        // a kept-alive socket is already past its handshake; a new one is once it is secure
        if (!t.connecting && t.encrypted && t.getPeerCertificate?.()?.raw) established = true;
        else t.once('secureConnect', () => { established = true; });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject({ established, error: e } satisfies PostFailure));
      req.end(data);
    });
  }

  /** A certificate refused: another one than the pinned is presented (both named), or the network failed. */
  private async fault(e: unknown): Promise<NetworkError> {
    const code = String((e as NodeJS.ErrnoException)?.code ?? '');
    if (CERT_ERRORS.test(code)) {
      const now = await presentedCertificate(this.origin).catch(() => null);
      if (now && now.fingerprint !== this.pin.fingerprint) {
        return new NetworkError('certificate_changed',
          `Сертификат реестра изменился: закреплён ${this.pin.fingerprint}, реестр ${this.origin} предъявил ${now.fingerprint}. ` +
          'Ничего не отправлено. Не подключайтесь, пока администратор не сверит новый отпечаток на экране реестра: это может быть чужой компьютер');
      }
    }
    return unreachable(this.origin, e);
  }

  /** Calls a contract method; a register's refusal comes back as its Result, a network fault is thrown (NetworkError).
   *  `session`: the caller's own (the app's window keeps it, as with its own register); else the one this client signed in. */
  async call(method: Method, args: unknown, opts: { key?: string; session?: string | null } = {}): Promise<Result<unknown>> {
    const env: Envelope = { method, args, session: opts.session !== undefined ? opts.session : this.session };
    // commands and jobs carry a key (a method the contract does not know is the server's to refuse)
    const keyed = Object.hasOwn(contract, method) && contract[method].kind !== 'query' && !method.startsWith('auth.');
    const key = keyed ? opts.key ?? crypto.randomUUID() : undefined;
    let sent: Sent;
    try {
      sent = await this.post('/api/call', env, key ? { 'Idempotency-Key': key } : {});
    } catch (f) {
      const { established, error } = f as PostFailure;
      const fault = await this.fault(error);
      if (!key || !established || fault.kind !== 'unreachable') throw fault;
      return this.outcomeOf(method, key, env.session ?? null);
    }
    const r = sent.body as Result<unknown>;
    if (method === 'auth.signIn' && r.ok) this.session = (r.value as { session: string }).session;
    // signed out, or the session is gone (the server restarted, the account changed): the next call goes as a stranger
    if (method === 'auth.signOut' || (!r.ok && r.error.code === 'unauthenticated' && method !== 'auth.signIn')) this.session = null;
    return r;
  }

  /** A command whose answer was lost: asks the register what became of it until it answers or the wait is over. */
  private async outcomeOf(method: string, key: string, session: string | null): Promise<Result<unknown>> {
    const until = Date.now() + (this.opts.outcomeWaitMs ?? 15_000);
    for (;;) {
      try {
        const sent = await this.post('/api/outcome', { session }, { 'Idempotency-Key': key });
        const r = sent.body as Result<{ state: 'done'; result: Result<unknown> } | { state: 'absent' }>;
        if (!r.ok) break;
        if (r.value.state === 'absent') {
          throw new NetworkError('not_saved', `Связь с реестром прервалась, и команда «${method}» до него не дошла: ничего не записано. Повторите её`, key);
        }
        this.opts.onNotice?.(`Связь с реестром прервалась во время записи, но реестр её выполнил: «${method}» записано целиком`);
        return r.value.result;
      } catch (e) {
        if (e instanceof NetworkError) throw e;
        if (Date.now() > until) break;
        await new Promise((res) => setTimeout(res, 300));
      }
    }
    throw new NetworkError('outcome_unknown',
      `Связь с реестром прервалась во время записи «${method}», и реестр не отвечает: неизвестно, записано ли. ` +
      'Повторите, когда он снова доступен — повтор с тем же ключом не запишет дважды', key);
  }

  async signIn(login: string, password: string): Promise<Result<unknown>> {
    return this.call('auth.signIn', { login, password });
  }

  close(): void {
    this.agent.destroy();
  }
}
