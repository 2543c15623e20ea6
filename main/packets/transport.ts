// The HTTP(S) side of sending a packet: the request (the envelope, the packet UUID as Idempotency-Key), how an answer is
// read (accepted / rejected / retry), backoff, and a single send with node:http/https — a timeout for the whole
// exchange, an optional CA to trust (a regional CA the OS does not know), an optional TLS client certificate. Uploads of
// a chain go through main/packets/pipeline.ts (several packets in flight on one connection). The protocol is described
// in test/regional-segment/README.md. Nothing here logs a body, a password or a student's data.
import http from 'node:http';
import https from 'node:https';
import type { Reason, Receipt } from './model.ts';

export type UploadTarget = {
  /** full URL the packets are POSTed to, e.g. https://region.example/packets */
  endpoint: string;
  /** PEM of the CA (or the server certificate) to trust besides the system's */
  caPem?: string | null;
  /** TLS client certificate, for this upload's connections only */
  clientCert?: ClientCertificate | null;
  /** the whole exchange: connect, send, answer; default 15 s */
  timeoutMs?: number;
};

/** A PKCS#12 Node can read and its password, or the key and certificate chain as PEM (as main/packets/tls-client.ts opens them). */
export type ClientCertificate = { pfx: Buffer; passphrase: string } | { key: string; cert: string };

/** The TLS options of a client certificate, whichever form it came in. */
export const clientCertOptions = (c: ClientCertificate | null | undefined) =>
  !c ? {} : 'pfx' in c ? { pfx: c.pfx, passphrase: c.passphrase } : { key: c.key, cert: c.cert };

export type SendOutcome =
  | { kind: 'accepted'; receipt: Receipt; status: number }
  | { kind: 'rejected'; reasons: Reason[]; status: number }
  /**
   * `giveUp`: another round would fail the same way (the receiver refused our TLS client certificate, the address has no
   * receiver). `endpoint`: the address may be what is wrong — a setting to fix; the packet is not at fault and waits.
   */
  | { kind: 'retry'; error: string; status: number | null; giveUp?: boolean; endpoint?: boolean };

export type OutgoingPacket = { id: string; canonicalJson: string; signature: Buffer };

/** A keep-alive agent per target, so a batch does not pay a TLS handshake per packet. */
export function agentFor(target: UploadTarget): http.Agent {
  const url = new URL(target.endpoint);
  if (url.protocol === 'https:') {
    return new https.Agent({
      keepAlive: true, maxSockets: 4,
      ...(target.caPem ? { ca: target.caPem } : {}),
      ...clientCertOptions(target.clientCert),
    });
  }
  return new http.Agent({ keepAlive: true, maxSockets: 4 });
}

/** What to do about an address that does not lead to a receiver: the setting to fix, and the address as it is now. */
export const endpointAdvice = (endpoint: string) => `проверьте настройку «Адрес приёмника» на экране «Пакеты» (сейчас ${endpoint})`;

/** Network errors that say the address leads nowhere (no such host, nobody listening there): the setting may be wrong. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
export const unreachable = (e: NodeJS.ErrnoException) => UNREACHABLE.has(e.code ?? '');

/**
 * The receiver's answer read as what to do next: 2xx with a receipt accepted; 5xx, 408, 429 retry; 404, 405, 410 (no
 * receiver at that path: an address without its path, a typo) a setting to fix, the packet waits; other 4xx rejected.
 * `endpoint` is only for the words.
 */
export function judgeAnswer(status: number, body: Buffer, endpoint = ''): SendOutcome {
  let json: { status?: string; receipt?: Receipt; reasons?: Reason[] } = {};
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // a proxy's HTML page, a truncated answer: judged by the status alone
    // ...except a TLS front (nginx `ssl_verify_client on`) refusing our client certificate with a 400 page: that is not
    // the packet's fault, and rejecting the packet for it would give its place in the chain away.
    if (status === 400 && /No required SSL certificate was sent|The SSL certificate error/i.test(body.toString('latin1'))) {
      return { kind: 'retry', error: 'приёмник не принял TLS-сертификат клиента (HTTP 400 от TLS-шлюза): проверьте раздел «TLS-сертификат клиента» на экране «Пакеты»', status, giveUp: true };
    }
  }
  if (status >= 200 && status < 300 && json.status === 'accepted' && json.receipt) return { kind: 'accepted', receipt: json.receipt, status };
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', error: `приёмник ответил ${status}`, status };
  if (status === 404 || status === 405 || status === 410) {
    return { kind: 'retry', error: `по этому адресу приёмника пакетов нет (HTTP ${status}): ${endpointAdvice(endpoint)}`, status, giveUp: true, endpoint: true };
  }
  if (status >= 400 && status < 500) {
    const reasons = Array.isArray(json.reasons) && json.reasons.length ? json.reasons : [{ code: `http_${status}`, message: `Приёмник отказал: HTTP ${status}` }];
    return { kind: 'rejected', reasons, status };
  }
  return { kind: 'retry', error: `неожиданный ответ приёмника: HTTP ${status}`, status };
}

/** Why an error is worth a retry, in words for the outbox (no addresses of people, no secrets). */
export function describeNetworkError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED': return 'приёмник недоступен (соединение отклонено)';
    case 'ECONNRESET': return 'соединение разорвано до ответа';
    case 'ENOTFOUND': return 'адрес приёмника не найден';
    case 'ETIMEDOUT': case 'SR_TIMEOUT': return 'приёмник не ответил вовремя';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `сертификат сервера приёмника не доверен (${e.code}): укажите сертификат центра сертификации`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'сертификат сервера выдан на другое имя';
    // The receiver demands a TLS client certificate (TLS 1.3 says so; TLS 1.2 only fails the handshake).
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED': case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return 'приёмник требует TLS-сертификат клиента: выберите его в разделе «TLS-сертификат клиента» на экране «Пакеты»';
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'приёмник отказал в TLS-соединении (возможно, требует TLS-сертификат клиента)';
    default:
      if (refusedTlsClient(e)) return `приёмник не принял TLS-сертификат клиента (${e.code})`;
      return `ошибка сети: ${e.code ?? e.message}`;
  }
}

/** TLS alerts by which a receiver refuses our client certificate, or its absence. */
const TLS_CLIENT_REFUSALS = new Set(['TLSV13_ALERT_CERTIFICATE_REQUIRED', 'PEER_DID_NOT_RETURN_A_CERTIFICATE', 'SSLV3_ALERT_HANDSHAKE_FAILURE',
  'TLSV1_ALERT_UNKNOWN_CA', 'SSLV3_ALERT_BAD_CERTIFICATE', 'SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'SSLV3_ALERT_CERTIFICATE_REVOKED', 'TLSV1_ALERT_ACCESS_DENIED', 'SSLV3_ALERT_UNSUPPORTED_CERTIFICATE'].map((c) => `ERR_SSL_${c}`));

/** The receiver refused our TLS client certificate (or its absence): sending again in this run would not help. */
export function refusedTlsClient(e: NodeJS.ErrnoException): boolean {
  return TLS_CLIENT_REFUSALS.has(e.code ?? '');
}

/** The request as sent: the envelope and the headers, Idempotency-Key = the packet UUID. */
export function requestBody(p: OutgoingPacket): Buffer {
  return Buffer.from(JSON.stringify({ packet: p.canonicalJson, signature: p.signature.toString('base64') }), 'utf8');
}

/** POSTs one signed packet. Never throws for what the network or the receiver does: the outcome says what to do next. */
export function sendPacket(target: UploadTarget, p: OutgoingPacket, agent?: http.Agent): Promise<SendOutcome> {
  const url = new URL(target.endpoint);
  const body = requestBody(p);
  const lib = url.protocol === 'https:' ? https : http;
  const timeoutMs = target.timeoutMs ?? 15_000;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = lib.request(url, {
      method: 'POST',
      agent: agent ?? agentFor(target),
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Idempotency-Key': p.id, Accept: 'application/json' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => done({ kind: 'retry', error: describeNetworkError(e), status: res.statusCode ?? null }));
      res.on('end', () => done(judgeAnswer(res.statusCode ?? 0, Buffer.concat(chunks), target.endpoint)));
    });
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('timeout'), { code: 'SR_TIMEOUT' }));
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ kind: 'retry', error: describeNetworkError(e), status: null, ...(refusedTlsClient(e) ? { giveUp: true } : {}),
      ...(unreachable(e) ? { endpoint: true } : {}) }));
    req.end(body);
  });
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped. attempt is 1-based. */
export function backoffMs(attempt: number, opts: { baseMs?: number; maxMs?: number } = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 5 * 60_000;
  const step = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
