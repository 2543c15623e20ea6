// The packets methods of the contract, as the handlers call them: settings, certificate, build, sign, list, and the
// upload job. Signing and uploading are async, so they write in their own transactions with their audit entries.
import type { DB } from '../../db/connection.ts';
import { CancelledError, type Progress } from '../shared/jobs.ts';
import type { JobSpec } from '../shared/handler.ts';
import type { CompactionResult, PacketSettings, User } from '../../preload/contract.ts';
import { appendAudit } from '../audit/log.ts';
import { AppError, fieldError } from '../shared/errors.ts';
import { getPacketSettings, listOutbox, outboxCounts } from './outbox.ts';
import { certificateSummary, pkcs12PacketSigner, signPackets, storeCertificate, storedSigner, type PacketSigner } from './sign.ts';
import { uploadPending, uploadRegisters, type BatchSummary, type UploadSummary } from './upload.ts';
import type { ClientCertificate, UploadTarget } from './transport.ts';
import { tlsClientCertificate, tlsClientFromFile, tlsClientSettings } from './tls-client.ts';
import { readTlsClient } from './tls-store.ts';
import { compactChanges } from './compact.ts';
import type { TsaChoice } from '../signing/timestamp.ts';
import { closeSigner, openCheckedThumbprintSigner } from '../signing/select-signer.ts';
import { tsaForSigning } from '../signing/tsa-store.ts';

export function packetSettings(db: DB, now = new Date()): PacketSettings {
  const s = getPacketSettings(db);
  return { ...s, certificate: s.certificate ? certificateSummary({ ...s.certificate, notBefore: new Date(s.certificate.notBefore), notAfter: new Date(s.certificate.notAfter) }, now) : null,
    tls: tlsClientSettings(db, now) };
}

export function setEndpoint(db: DB, a: { endpoint: string; caPem?: string | null; timeoutMs?: number }): PacketSettings {
  let url: URL;
  try {
    url = new URL(a.endpoint.trim());
  } catch {
    throw fieldError('endpoint', `Неверный адрес приёмника: ${a.endpoint}`);
  }
  if (url.username || url.password) throw fieldError('endpoint', 'Адрес приёмника не должен содержать логин и пароль');
  const ca = a.caPem?.trim() || null;
  if (ca && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(ca)) throw fieldError('caPem', 'Сертификат центра сертификации: нужен PEM (-----BEGIN CERTIFICATE-----)');
  db.prepare('UPDATE packet_settings SET endpoint = ?, ca_pem = ?, timeout_ms = coalesce(?, timeout_ms) WHERE id = 1').run(url.toString(), ca, a.timeoutMs ?? null);
  return packetSettings(db);
}

export function loadCertificate(db: DB, user: User, a: { p12Base64: string; password: string }) {
  return db.transaction(() => {
    const summary = storeCertificate(db, Buffer.from(a.p12Base64, 'base64'), a.password);
    appendAudit(db, user.login, 'packets.loadCertificate', { result: { subject: summary.subject, notAfter: summary.notAfter } });
    return summary;
  }).immediate();
}

/**
 * Signs the built packets with the loaded certificate, the one given for this call (the command line's --cert), or a
 * key in КриптоПро CSP by its thumbprint; with the call's TSA, else the stored one (signing.setTsa).
 */
export async function signBuilt(db: DB, user: User, a: { password: string; p12Base64?: string; thumbprint?: string; pin?: string; tsa?: TsaChoice }) {
  const signer: PacketSigner = a.thumbprint ? await openCheckedThumbprintSigner({ thumbprint: a.thumbprint, pin: a.pin })
    : a.p12Base64 ? pkcs12PacketSigner(Buffer.from(a.p12Base64, 'base64'), a.password) : storedSigner(db, a.password);
  const tsa = tsaForSigning(db, a.tsa, true);
  try {
    return await signPackets(db, signer, { tsa, audit: (s) => appendAudit(db, user.login, 'packets.sign', { result: { signed: s.signed.map((p) => p.seq), signer: s.signer,
      ...(a.thumbprint ? { thumbprint: a.thumbprint } : {}),
      ...(tsa ? { tsa: tsa.url, timestamped: s.timestamped, timestampFailure: s.timestampFailure ?? null } : {}) } }) });
  } finally {
    await closeSigner(signer); // a GOST signer's process and files go now, not after its idle wait
  }
}

export function outbox(db: DB, limit: number) {
  return { rows: listOutbox(db, limit), counts: outboxCounts(db) };
}

/** Where this upload goes; `clientCert` is the TLS client certificate opened for this upload only. */
export function targetOf(db: DB, clientCert: ClientCertificate | null = null): UploadTarget {
  const s = getPacketSettings(db);
  if (!s.endpoint) throw new AppError('validation', 'Не указан адрес приёмника регионального сегмента: задайте его на экране «Пакеты»', { endpoint: 'не указан' });
  return { endpoint: s.endpoint, caPem: s.caPem, timeoutMs: s.timeoutMs, clientCert };
}

/** Registers whose upload job is running: a second one would race the first for the same packets. */
const uploading = new WeakSet<DB>();

type UploadArgs = { scope: 'all' | 'next'; registers?: string[]; password?: string; tlsPassword?: string; concurrency: number;
  endpoint?: string; caPem?: string | null; timeoutMs?: number; tlsP12Base64?: string; p12Base64?: string };

/** The receiver given for this run (the command line's --endpoint, --ca, --timeout, --client-cert), checked now. */
function givenTarget(a: UploadArgs): UploadTarget {
  let url: URL;
  try {
    url = new URL(a.endpoint!.trim());
  } catch {
    throw fieldError('endpoint', `Неверный адрес приёмника: ${a.endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fieldError('endpoint', `Неверный адрес приёмника: ${a.endpoint} (нужен http(s)://…)`);
  if (url.username || url.password) throw fieldError('endpoint', 'Адрес приёмника не должен содержать логин и пароль');
  // opened now, as the stored one is: a wrong password is refused before anything is sent
  const clientCert = a.tlsP12Base64 ? tlsClientFromFile(Buffer.from(a.tlsP12Base64, 'base64'), a.tlsPassword ?? '') : null;
  return { endpoint: a.endpoint!.trim(), caPem: a.caPem ?? null, timeoutMs: a.timeoutMs, clientCert };
}

/**
 * Build+sign+upload for the listed register files with the receiver and certificate given for this run: no register
 * of the caller's needed (the command line's `packets upload --registers` without --db). Each register audits itself.
 */
function batchUploadJob(user: User, a: UploadArgs): JobSpec<BatchSummary> {
  if (!a.endpoint) throw fieldError('endpoint', 'Укажите адрес приёмника');
  if (!a.p12Base64) throw fieldError('p12Base64', 'Укажите сертификат, которым подписать пакеты');
  if (!a.password) throw fieldError('password', 'Введите пароль сертификата: пакеты файлов будут собраны и подписаны');
  const target = givenTarget(a);
  const p12 = Buffer.from(a.p12Base64, 'base64');
  pkcs12PacketSigner(p12, a.password); // a wrong password is refused now, not inside the job
  return { work: (p) => uploadRegisters(a.registers!, target, { p12, password: a.password!, concurrency: a.concurrency, by: user.login }, p) };
}

/** The upload job: this register's pending packets, or build+sign+upload for the listed register files. */
export function uploadJob(db: DB | null, user: User, a: UploadArgs): JobSpec<UploadSummary | BatchSummary> {
  if (!db) {
    if (!a.registers?.length) throw new AppError('validation', 'Откройте реестр (--db ФАЙЛ) или перечислите файлы реестров');
    return batchUploadJob(user, a);
  }
  if (uploading.has(db)) throw new AppError('conflict', 'Отправка пакетов уже идёт: дождитесь её окончания или отмените её');
  if (a.endpoint === undefined) targetOf(db); // no address: said before any password is checked
  else givenTarget({ ...a, tlsP12Base64: undefined });
  if (a.registers?.length) {
    if (!a.password) throw fieldError('password', 'Введите пароль сертификата: пакеты файлов будут собраны и подписаны');
  } else if (!outboxCounts(db).signed && !outboxCounts(db).retry && !outboxCounts(db).sending) {
    throw new AppError('validation', 'Нет пакетов к отправке: соберите и подпишите пакет', { packets: 'нет' });
  }
  // The TLS certificate is opened now (a wrong password is refused before anything is sent) and lives in this job only.
  // With the school's signing certificate as the TLS one, the batch's signing password opens it too.
  // the audit says which certificate was presented (the stored choice, or 'given' for this run), never its password
  const tlsSource = a.endpoint !== undefined ? (a.tlsP12Base64 ? 'given' : 'none') : readTlsClient(db).source;
  const tlsPassword = a.tlsPassword ?? (a.registers?.length && tlsSource === 'signing' ? a.password : undefined);
  const target = a.endpoint !== undefined ? givenTarget(a) : targetOf(db, tlsClientCertificate(db, tlsPassword));
  const audit = (detail: unknown) => db.transaction(() => appendAudit(db, user.login, 'packets.upload', detail)).immediate();
  if (a.registers?.length) {
    const p12 = a.p12Base64 ? Buffer.from(a.p12Base64, 'base64')
      : (db.prepare('SELECT cert_p12 FROM packet_settings WHERE id = 1').get() as { cert_p12: Buffer | null }).cert_p12;
    if (!p12) throw new AppError('validation', 'Сертификат не загружен: загрузите файл .p12 на экране «Пакеты»', { certificate: 'не загружен' });
    pkcs12PacketSigner(p12, a.password!); // a wrong password is refused now, not inside the job
    const password = a.password!;
    return oneUploadAtATime(db, async (p) => {
      const sum = await uploadRegisters(a.registers!, target, { p12, password, concurrency: a.concurrency, by: user.login }, p);
      audit({ args: { registers: a.registers!.length, tls: tlsSource }, result: { accepted: sum.accepted, rejected: sum.rejected, pending: sum.pending, failed: sum.failed } });
      return sum;
    });
  }
  return oneUploadAtATime(db, async (p) => {
    const sum = await uploadPending(db, target, { scope: a.scope }, p);
    audit({ args: { scope: a.scope, tls: tlsSource }, result: { accepted: sum.accepted.map((x) => x.seq), rejected: sum.rejected.map((x) => x.seq), pending: sum.pending,
      ...(sum.stopped ? { stopped: sum.stopped } : {}) } });
    return sum;
  });
}

function oneUploadAtATime<R>(db: DB, work: (p: Progress) => Promise<R>): JobSpec<R> {
  uploading.add(db);
  return { work: (p) => work(p).finally(() => uploading.delete(db)) };
}

/** Registers whose change log is being compacted: a second job would only race the first over the same slices. */
const compacting = new WeakSet<DB>();

/** The compaction of the change log as a job; it ends with how many entries went and how many remain. */
export function compactionJob(db: DB, user: User, a: { slice?: number } = {}): JobSpec<CompactionResult> {
  if (compacting.has(db)) throw new AppError('conflict', 'Сжатие журнала изменений уже идёт: дождитесь его окончания');
  compacting.add(db);
  const args = a.slice !== undefined ? { args: { slice: a.slice } } : {};
  const audit = (result: unknown) => db.transaction(() => appendAudit(db, user.login, 'packets.compactChanges', { ...args, result })).immediate();
  return { work: async (p) => {
    let removed = 0;
    const counted: Progress = { report: (done, total, m) => { removed = done; p.report(done, total, m); }, get cancelled() { return p.cancelled; }, throwIfCancelled: () => p.throwIfCancelled() };
    try {
      const r = await compactChanges(db, { slice: a.slice }, counted);
      audit({ removed: r.removed, remaining: r.remaining });
      return r;
    } catch (e) {
      // a cancel keeps what went (each slice is committed): that is recorded too
      if (e instanceof CancelledError) audit({ removed, cancelled: true });
      throw e;
    } finally {
      compacting.delete(db);
    }
  } };
}
