// The reference receiver: the regional segment's side of the protocol, for tests and demos (see README.md here).
// It verifies each packet's detached CMS signature against the trusted certificates, validates the packet against
// main/packets/packet.schema.json, deduplicates by the packet UUID (Idempotency-Key), enforces each school's chain
// (seq + prevHash), stores what it accepts and answers with a receipt. Faults are injected on demand.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type net from 'node:net';
import { verifyDetached } from '../../main/signing/cms.ts';
import { schemaProblems } from '../../main/packets/validate.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';

export type Fault = { kind: 'pass' | '500' | '404' | 'timeout' | 'drop' | 'timeout-after-store' | 'drop-after-store' };
export type ReceiverOptions = {
  port: number;
  host?: string;
  dataDir: string;
  /** PEM certificates (or bundles) whose holders, or whose issued certificates, may sign packets */
  trustPem: string[];
  faults?: string;
  tls?: { certPem: string; keyPem: string; clientCaPem?: string };
  log?: (line: string) => void;
};

type Receipt = { receiptId: string; packetId: string; seq: number; sha256: string; acceptedAt: string; school: string; signer: string };
type Reason = { code: string; message: string };

/** "500:2,pass:3,timeout-after-store,drop-after-store:1,timeout,drop,slow=300": faults taken in order, one per request ("pass": none). */
export function parseFaults(spec: string | undefined): { queue: Fault[]; slowMs: number } {
  const queue: Fault[] = [];
  let slowMs = 0;
  for (const item of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const slow = /^slow=(\d+)$/.exec(item);
    if (slow) {
      slowMs = Number(slow[1]);
      continue;
    }
    const m = /^(pass|500|404|timeout|drop|timeout-after-store|drop-after-store)(?::(\d+))?$/.exec(item);
    if (!m) throw new Error(`unknown fault "${item}" (pass[:N], 500[:N], 404[:N], timeout[:N], drop[:N], timeout-after-store[:N], drop-after-store[:N], slow=MS)`);
    for (let i = 0; i < Number(m[2] ?? 1); i++) queue.push({ kind: m[1] as Fault['kind'] });
  }
  return { queue, slowMs };
}

export type Receiver = {
  port: number;
  url: string;
  close(): Promise<void>;
  setFaults(spec: string): void;
  /** acceptances per packet UUID as recorded in accepted.jsonl (exactly-once means every value is 1) */
  acceptances(): Map<string, number>;
  /** what reached the receiver: TCP connections, TLS handshakes refused, HTTP requests (to show that nothing was sent) */
  seen(): { connections: number; tlsRefused: number; requests: number };
};

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const log = opts.log ?? (() => {});
  const dir = opts.dataDir;
  fs.mkdirSync(path.join(dir, 'packets'), { recursive: true });
  const acceptedLog = path.join(dir, 'accepted.jsonl');
  const rejectedLog = path.join(dir, 'rejected.jsonl');
  const trusted = opts.trustPem.flatMap((pem) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []);
  if (!trusted.length) throw new Error('no trusted certificates: pass --trust CERT.pem');

  // State, rebuilt from the log on start: a restarted receiver still knows every accepted packet and each chain.
  const receipts = new Map<string, Receipt>();
  const chains = new Map<string, { seq: number; sha256: string }>();
  if (fs.existsSync(acceptedLog)) {
    for (const line of fs.readFileSync(acceptedLog, 'utf8').split('\n').filter(Boolean)) {
      const { packet: _p, signature: _s, ...r } = JSON.parse(line) as Receipt & { packet?: string; signature?: string };
      receipts.set(r.packetId, r);
      chains.set(r.school, { seq: r.seq, sha256: r.sha256 });
    }
  }
  let faults = parseFaults(opts.faults);
  const sockets = new Set<net.Socket>();
  const durable = new Map<string, Promise<void>>();

  // Group commit of accepted.jsonl: lines waiting while an fsync runs go together in the next one.
  const logFd = fs.openSync(acceptedLog, 'a');
  let waiting: Array<{ line: string; done: () => void; fail: (e: Error) => void }> = [];
  let flushing = false;
  const flush = async () => {
    if (flushing || !waiting.length) return;
    flushing = true;
    const batch = waiting;
    waiting = [];
    try {
      await new Promise<void>((resolve, reject) => fs.write(logFd, batch.map((b) => b.line).join(''), (e) => (e ? reject(e) : resolve())));
      await new Promise<void>((resolve, reject) => fs.fdatasync(logFd, (e) => (e ? reject(e) : resolve())));
      for (const b of batch) b.done();
    } catch (e) {
      for (const b of batch) b.fail(e as Error);
    } finally {
      flushing = false;
      void flush();
    }
  };
  const commitLine = (line: string) => new Promise<void>((done, fail) => {
    waiting.push({ line, done, fail });
    void flush();
  });

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    const go = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (faults.slowMs) setTimeout(go, faults.slowMs);
    else go();
  };
  const reject = (res: http.ServerResponse, id: string | null, reasons: Reason[], status = 422) => {
    fs.appendFileSync(rejectedLog, JSON.stringify({ packetId: id, at: new Date().toISOString(), reasons }) + '\n');
    log(`rejected ${id ?? '?'}: ${reasons.map((r) => r.code).join(', ')}`);
    send(res, status, { status: 'rejected', reasons });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { ok: true });
    if (req.method === 'GET' && req.url === '/_control/stats') {
      return send(res, 200, { accepted: Object.fromEntries(acceptancesNow()), chains: Object.fromEntries(chains) });
    }
    if (req.method === 'POST' && req.url === '/_control/faults') {
      try {
        faults = parseFaults((JSON.parse(raw.toString('utf8')) as { spec: string }).spec);
        return send(res, 200, { ok: true, queued: faults.queue.length, slowMs: faults.slowMs });
      } catch (e) {
        return send(res, 400, { ok: false, error: (e as Error).message });
      }
    }
    if (req.method !== 'POST' || !/^\/packets\/?$/.test(req.url ?? '')) return send(res, 404, { status: 'rejected', reasons: [{ code: 'not_found', message: 'POST /packets' }] });

    const fault = faults.queue.shift();
    if (fault?.kind === '500') return send(res, 500, { status: 'error', message: 'injected fault: 500' });
    // a web server in front that has no such path (an address typed without its path): its own page, not the protocol's answer
    if (fault?.kind === '404') {
      const page = '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>';
      res.writeHead(404, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      return res.end(page);
    }
    if (fault?.kind === 'timeout') return; // never answers; the client's timeout decides
    if (fault?.kind === 'drop') return req.socket.destroy();

    const key = req.headers['idempotency-key'];
    let env: { packet?: unknown; signature?: unknown };
    try {
      env = JSON.parse(raw.toString('utf8'));
    } catch {
      return reject(res, null, [{ code: 'malformed', message: 'Тело запроса — не JSON' }], 400);
    }
    if (typeof env.packet !== 'string' || typeof env.signature !== 'string') {
      return reject(res, null, [{ code: 'malformed', message: 'Ожидается {"packet": строка, "signature": base64}' }], 400);
    }
    const bytes = Buffer.from(env.packet, 'utf8');
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    let packet: { header?: { id?: string; seq?: number; prevHash?: string | null; school?: { inn?: string; ogrn?: string } } };
    try {
      packet = JSON.parse(env.packet);
    } catch {
      return reject(res, null, [{ code: 'malformed', message: 'Пакет — не JSON' }], 400);
    }
    const id = typeof packet.header?.id === 'string' ? packet.header.id : null;
    if (!id || key !== id) return reject(res, id, [{ code: 'idempotency_key_mismatch', message: 'Idempotency-Key должен совпадать с UUID пакета' }], 400);

    // A packet already accepted: the same receipt again, and nothing stored twice.
    const known = receipts.get(id);
    if (known) {
      if (known.sha256 !== sha256) return reject(res, id, [{ code: 'id_reused', message: 'Пакет с этим UUID уже принят с другим содержимым' }], 409);
      log(`duplicate ${id}: receipt ${known.receiptId} again`);
      // answered only once the first acceptance is on disk; the after-store faults apply to a resend as well
      return void (durable.get(id) ?? Promise.resolve()).then(() => {
        if (fault?.kind === 'timeout-after-store') return;
        if (fault?.kind === 'drop-after-store') return req.socket.destroy();
        send(res, 200, { status: 'accepted', receipt: { ...known, duplicate: true } });
      }, () => send(res, 500, { status: 'error', message: 'storage failed' }));
    }

    const v = verifyDetached(Buffer.from(env.signature, 'base64'), bytes, trusted);
    if (!v.ok) return reject(res, id, [{ code: v.reason, message: `${v.message}${v.signerSubject ? `: ${v.signerSubject}` : ''}` }]);

    const problems = schemaProblems(packet);
    if (problems.length) return reject(res, id, problems.slice(0, 20).map((p) => ({ code: 'schema_invalid', message: `${p.pointer}: ${p.message}` })));
    if (canonicalJson(packet) !== env.packet) return reject(res, id, [{ code: 'not_canonical', message: 'Пакет не в канонической форме RFC 8785' }]);

    const h = packet.header!;
    const school = `${h.school!.inn}/${h.school!.ogrn}`;
    const chain = chains.get(school);
    const expected = (chain?.seq ?? 0) + 1;
    if (h.seq !== expected) {
      return reject(res, id, [{ code: h.seq! > expected ? 'sequence_gap' : 'sequence_replay',
        message: h.seq! > expected ? `Пропуск в последовательности: ожидался пакет № ${expected}, пришёл № ${h.seq}` : `Пакет № ${h.seq} уже был: ожидался № ${expected}` }]);
    }
    if ((h.prevHash ?? null) !== (chain?.sha256 ?? null)) {
      return reject(res, id, [{ code: 'prev_hash_mismatch', message: `Хеш предыдущего пакета не совпадает с принятым пакетом № ${chain?.seq ?? 0}` }]);
    }

    // Accepted: the chain moves now (the next packet of this school may follow at once) and the acceptance line is
    // appended; the answer waits until that line is fsynced. Lines of concurrent acceptances share one fsync (group commit).
    const receipt: Receipt = { receiptId: crypto.randomUUID(), packetId: id, seq: h.seq!, sha256, acceptedAt: new Date().toISOString(), school, signer: v.signerSubject };
    const previous = chain;
    receipts.set(id, receipt);
    chains.set(school, { seq: h.seq!, sha256 });
    // The log line carries the packet and its signature, so its one fsync makes the acceptance and what was accepted
    // durable together; the .json/.p7s files are copies for people and openssl, written meanwhile.
    const stored = Promise.all([
      commitLine(JSON.stringify({ ...receipt, packet: env.packet, signature: env.signature }) + '\n'),
      fs.promises.writeFile(path.join(dir, 'packets', `${id}.json`), bytes),
      fs.promises.writeFile(path.join(dir, 'packets', `${id}.p7s`), Buffer.from(env.signature, 'base64')),
    ]).then(() => undefined);
    durable.set(id, stored);
    stored.then(() => {
      durable.delete(id);
      log(`accepted ${id} seq ${h.seq}`);
      if (fault?.kind === 'timeout-after-store') return; // stored, never answers
      if (fault?.kind === 'drop-after-store') return req.socket.destroy();
      send(res, 200, { status: 'accepted', receipt });
    }, (e: Error) => {
      // not stored: forget it, so a resend is judged afresh
      durable.delete(id);
      receipts.delete(id);
      if (previous) chains.set(school, previous);
      else chains.delete(school);
      log(`storage failed for ${id}: ${e.message}`);
      send(res, 500, { status: 'error', message: 'storage failed' });
    });
  };

  const seen = { connections: 0, tlsRefused: 0, requests: 0 };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.requests++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        log(`internal error: ${(e as Error).message}`);
        if (!res.headersSent) send(res, 500, { status: 'error', message: 'internal error' });
      }
    });
  };

  const server = opts.tls
    ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ...(opts.tls.clientCaPem ? { ca: opts.tls.clientCaPem, requestCert: true, rejectUnauthorized: true } : {}) }, onRequest)
    : http.createServer(onRequest);
  server.on('tlsClientError', (e: NodeJS.ErrnoException) => {
    seen.tlsRefused++;
    log(`TLS handshake refused: ${e.code ?? e.message}`);
  });
  server.on('connection', (s: net.Socket) => {
    seen.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  function acceptancesNow(): Map<string, number> {
    const counts = new Map<string, number>();
    if (!fs.existsSync(acceptedLog)) return counts;
    for (const line of fs.readFileSync(acceptedLog, 'utf8').split('\n').filter(Boolean)) {
      const id = (JSON.parse(line) as Receipt).packetId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  return {
    port,
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}/packets`,
    setFaults: (spec) => {
      faults = parseFaults(spec);
    },
    acceptances: acceptancesNow,
    seen: () => ({ ...seen }),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => {
        fs.closeSync(logFd);
        resolve();
      });
    }),
  };
}
