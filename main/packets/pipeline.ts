// HTTP/1.1 pipelining of one school's chain over one connection: the next packets go out before the answer to the
// previous one, in order on one TCP stream, so the receiver reads them in chain order and can fsync their acceptances
// together. Answers come back in the same order. Node's http client does not pipeline, hence this small client; it
// speaks only what the protocol needs (POST with Content-Length, answers with Content-Length).
// Anything unexpected — a dropped connection, a timeout, an answer it cannot read — fails every packet in flight as
// "retry": each is sent again with its UUID, and the receiver answers an already accepted one with its receipt.
import net from 'node:net';
import tls from 'node:tls';
import { clientCertOptions, describeNetworkError, judgeAnswer, refusedTlsClient, requestBody, unreachable, type OutgoingPacket, type SendOutcome, type UploadTarget } from './transport.ts';

type InFlight = { resolve: (o: SendOutcome) => void; sentAt: number };

export class PacketPipeline {
  private socket: net.Socket | null = null;
  private inFlight: InFlight[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(private readonly target: UploadTarget) {
    this.url = new URL(target.endpoint);
    this.timeoutMs = target.timeoutMs ?? 15_000;
  }

  /** Sends one packet behind those already in flight; resolves with its answer, in order. */
  send(p: OutgoingPacket): Promise<SendOutcome> {
    const socket = this.socket ?? this.connect();
    const body = requestBody(p);
    const head = `POST ${this.url.pathname}${this.url.search} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json\r\nIdempotency-Key: ${p.id}\r\nContent-Length: ${body.length}\r\n\r\n`;
    return new Promise((resolve) => {
      this.inFlight.push({ resolve, sentAt: Date.now() });
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      this.arm();
    });
  }

  close(): void {
    this.fail({ kind: 'retry', error: 'соединение закрыто', status: null });
  }

  private connect(): net.Socket {
    const port = Number(this.url.port || (this.url.protocol === 'https:' ? 443 : 80));
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const t = this.target;
    const socket = this.url.protocol === 'https:'
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(t.caPem ? { ca: t.caPem } : {}),
        ...clientCertOptions(t.clientCert) })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    // Events of a connection already given up must not touch the next one.
    const mine = () => this.socket === socket;
    // A receiver that checks our TLS certificate after the handshake (Node's own HTTPS server does) just drops the
    // connection: nothing tells that apart from a network fault, so the packet is retried, with a hint.
    let answered = false;
    const dropped = (e: NodeJS.ErrnoException) => describeNetworkError(e) +
      (!answered && t.clientCert && this.url.protocol === 'https:' ? ' (если так при каждой попытке — возможно, приёмник не принял TLS-сертификат клиента)' : '');
    socket.on('data', (chunk: Buffer) => {
      answered = true;
      if (mine()) this.read(chunk);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => mine() && this.fail({ kind: 'retry', error: e.code === 'ECONNRESET' ? dropped(e) : describeNetworkError(e), status: null,
      ...(refusedTlsClient(e) ? { giveUp: true } : {}), ...(unreachable(e) ? { endpoint: true } : {}) }));
    socket.on('close', () => mine() && this.fail({ kind: 'retry', error: dropped(Object.assign(new Error('closed'), { code: 'ECONNRESET' })), status: null }));
    this.socket = socket;
    return socket;
  }

  /** Reads as many whole answers as the buffer holds; each settles the oldest packet in flight. */
  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
      const headers = new Map(lines.slice(1).map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as [string, string];
      }));
      const length = Number(headers.get('content-length'));
      if (!Number.isFinite(status) || !Number.isInteger(length) || headers.has('transfer-encoding')) {
        this.fail({ kind: 'retry', error: 'ответ приёмника не прочитан (ожидался HTTP/1.1 с Content-Length)', status: Number.isFinite(status) ? status : null });
        return;
      }
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length);
      this.buffer = this.buffer.subarray(end + 4 + length);
      const first = this.inFlight.shift();
      first?.resolve(judgeAnswer(status, Buffer.from(body), this.target.endpoint));
      if (headers.get('connection')?.toLowerCase() === 'close') {
        this.fail({ kind: 'retry', error: 'приёмник закрыл соединение', status: null });
        return;
      }
      this.arm();
    }
  }

  /** One timer for the oldest packet in flight: it has timeoutMs from when it was sent to be answered. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const first = this.inFlight[0];
    if (!first) return;
    this.timer = setTimeout(() => {
      this.fail({ kind: 'retry', error: describeNetworkError(Object.assign(new Error('timeout'), { code: 'SR_TIMEOUT' })), status: null });
    }, Math.max(0, first.sentAt + this.timeoutMs - Date.now()));
  }

  /** Drops the connection and settles every packet in flight with `outcome`. */
  private fail(outcome: SendOutcome): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    const pending = this.inFlight;
    this.inFlight = [];
    socket?.destroy();
    for (const f of pending) f.resolve(outcome);
  }
}
