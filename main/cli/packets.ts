// The packets commands of the CLI (main/cli/index.ts hands them over):
//   packets build [--kind full|delta]
//   packets sign --cert F.p12 | --thumbprint T
//   packets upload --endpoint URL [--all] [--ca CA.pem] [--client-cert C.p12] [--timeout MS]
//   packets upload --endpoint URL --registers F1 F2 … --cert F.p12 [--concurrency N]
//   packets status
//   packets compact [--slice N]
// Passwords never come as arguments (they would show in the process list): the certificate's from
// --password-file or SCHOOL_REGISTER_CERT_PASSWORD, the TLS client certificate's from SCHOOL_REGISTER_TLS_PASSWORD.
// Each command is flags → a contract method through dispatch (local-call.ts) → print: the app's handler, audit entry
// and job rules; the files named here are read and sent as the call's arguments.
import fs from 'node:fs';
import { openRegister } from '../../db/connection.ts';
import type { ChangeLog, CompactionResult } from '../../preload/contract.ts';
import { keepAnchor } from '../host/dispatch.ts';
import { AppError } from '../shared/errors.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { holesText } from '../packets/compact.ts'; // the app's wording of the gaps, not a service
import { cliBusyWaitMs, localCaller, type OnReport } from './local-call.ts';
import { UsageError } from './usage.ts';
import { tsaFromFlags } from './tsa.ts';

type Flags = Record<string, string | boolean | string[] | undefined>;
type Io = { out: (s: string) => void; err: (s: string) => void };
export class PacketsUsageError extends UsageError {}

/** What the upload jobs return (main/packets/upload.ts): this register's packets, or a batch of register files. */
type UploadSummary = {
  accepted: Array<{ seq: number; receiptId: string; duplicate?: boolean }>; rejected: Array<{ seq: number; reasons: Array<{ message: string }> }>;
  pending: number; stopped?: string | null; changesRemoved?: number; reason?: string;
};
type BatchSummary = {
  registers: Array<{ file: string; error: string | null; built: { seq: number; kind: 'full' | 'delta' } | null;
    upload: { accepted: unknown[]; rejected: unknown[]; pending: number } | null }>;
  accepted: number; rejected: number; pending: number; failed: number;
};

const STATE_RU: Record<string, string> = { built: 'собран', signed: 'подписан', sending: 'отправляется', accepted: 'принят', rejected: 'отклонён', retry: 'ждёт повтора' };

function need(f: Flags, name: string): string {
  const v = f[name];
  if (typeof v !== 'string' || !v.trim()) throw new PacketsUsageError(`не указан параметр --${name}`);
  return v;
}

function certPassword(f: Flags): string {
  if (typeof f['password-file'] === 'string') {
    try {
      return fs.readFileSync(f['password-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new PacketsUsageError(`файл пароля ${f['password-file']}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const env = process.env.SCHOOL_REGISTER_CERT_PASSWORD;
  if (env !== undefined) return env;
  throw new PacketsUsageError('укажите пароль сертификата: --password-file ФАЙЛ или переменная SCHOOL_REGISTER_CERT_PASSWORD');
}

function readFile(path: string, what: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw new PacketsUsageError(`${what} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файл не найден' : (e as Error).message}`);
  }
}

/** The receiver for this run, as packets.upload takes it; the handler checks the address and opens the TLS certificate. */
function target(f: Flags) {
  const endpoint = need(f, 'endpoint');
  if (!/^https?:\/\/\S+$/.test(endpoint)) throw new PacketsUsageError(`--endpoint: нужен адрес http(s)://…, а не «${endpoint}»`);
  const timeout = f.timeout ? Number(f.timeout) : undefined;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 100)) throw new PacketsUsageError('--timeout: миллисекунды, не меньше 100');
  return {
    endpoint, timeoutMs: timeout,
    caPem: typeof f.ca === 'string' ? readFile(f.ca, 'сертификат ЦС').toString('utf8') : null,
    ...(typeof f['client-cert'] === 'string'
      ? { tlsP12Base64: readFile(f['client-cert'], 'сертификат TLS').toString('base64'), tlsPassword: process.env.SCHOOL_REGISTER_TLS_PASSWORD ?? '' } : {}),
  };
}

/** The change log in one line (and a second when entries are missing). */
const changeLogLines = (l: ChangeLog) => [
  `Журнал изменений: записей ${l.entries}; после принятого полного пакета ${l.acceptedFull ? `№ ${l.acceptedFull.seq}` : '(его ещё нет)'}: ${l.sinceFull}; можно удалить: ${l.removable}`,
  ...(l.missing.length ? [`Журнал изменений неполон: нет записей ${holesText(l.missing)} (удалены в обход программы); соберите полный пакет`] : []),
];

const summaryLines = (s: UploadSummary) => [
  // why nothing (or not all) went comes first: a run that sent nothing must not read as a success
  ...(s.reason ? [`${s.accepted.length ? 'Приняты не все пакеты' : 'Ничего не принято'}: ${s.reason}`] : []),
  ...s.accepted.map((a) => `  пакет № ${a.seq} принят, квитанция ${a.receiptId}${a.duplicate ? ' (повторная отправка распознана приёмником)' : ''}`),
  ...s.rejected.map((r) => `  пакет № ${r.seq} отклонён: ${r.reasons.map((x) => x.message).join('; ')}`),
  `Принято: ${s.accepted.length}, отклонено: ${s.rejected.length}, ждут повтора: ${s.pending}`,
  ...(s.stopped ? [`Отправка остановлена: ${s.stopped}`] : []),
  ...(s.changesRemoved ? [`Журнал изменений сжат: удалено записей ${s.changesRemoved}`] : []),
];

export async function runPacketsCli(cmd: string, f: Flags, operands: string[], io: Io): Promise<number> {
  const json = !!f.json;
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const progress: OnReport = (done, total, message) => {
    if (!json) io.err(`${done} из ${total}${message ? `: ${message}` : ''}`);
  };

  if (cmd === 'packets upload' && (f.registers !== undefined)) {
    const files = [...(typeof f.registers === 'string' ? [f.registers] : []), ...operands];
    if (!files.length) throw new PacketsUsageError('--registers: перечислите файлы реестров');
    const p12 = readFile(need(f, 'cert'), 'сертификат');
    const concurrency = f.concurrency ? Number(f.concurrency) : 3;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new PacketsUsageError('--concurrency: от 1 до 16');
    // no register of its own: each listed file is opened, built, signed and audited by the job
    const sum = await localCaller(null).job('packets.upload', { registers: files, ...target(f), p12Base64: p12.toString('base64'),
      password: certPassword(f), concurrency }, progress) as BatchSummary; // with `registers`: the batch's summary
    print(sum, () => [
      ...sum.registers.map((r) => r.error ? `${r.file}: ошибка — ${r.error}`
        : `${r.file}: ${r.built ? `собран пакет № ${r.built.seq} (${r.built.kind === 'full' ? 'полный' : 'изменения'})` : 'изменений нет'}, ` +
          `принято ${r.upload?.accepted.length ?? 0}, отклонено ${r.upload?.rejected.length ?? 0}, ждут ${r.upload?.pending ?? 0}`),
      `Итого: файлов ${sum.registers.length}, принято ${sum.accepted}, отклонено ${sum.rejected}, ждут повтора ${sum.pending}, ошибок ${sum.failed}`,
    ].join('\n'));
    return sum.rejected || sum.pending || sum.failed ? 1 : 0;
  }

  if (typeof f.db !== 'string') throw new PacketsUsageError('укажите файл реестра: --db ФАЙЛ');
  const db = openRegister(f.db, { create: false, busyTimeoutMs: cliBusyWaitMs() });
  const { call, job } = localCaller(db);
  try {
    switch (cmd) {
      case 'packets build': {
        const kind = f.kind as string | undefined;
        if (kind !== undefined && kind !== 'full' && kind !== 'delta') throw new PacketsUsageError('--kind: full или delta');
        const b = await call('packets.build', { kind: kind as 'full' | 'delta' | undefined });
        print(b, () => `Собран пакет № ${b.seq} (${b.kind === 'full' ? 'полный снимок' : 'изменения'}): ${b.id}, учеников ${b.students}, ${b.bytes} байт, SHA-256 ${b.sha256}`);
        return 0;
      }
      case 'packets sign': {
        const tsa = tsaFromFlags(f, true); // trusted time: --tsa URL --tsa-ca FILE [--tsa-failure without-time]
        // --thumbprint: a key in КриптоПро CSP; its PIN from SCHOOL_REGISTER_CSP_PIN, else CSP asks in its own window
        const pin = process.env.SCHOOL_REGISTER_CSP_PIN;
        const key = typeof f.thumbprint === 'string' && typeof f.cert !== 'string'
          ? { thumbprint: f.thumbprint, password: '', ...(pin != null ? { pin } : {}) }
          : { p12Base64: readFile(need(f, 'cert'), 'сертификат').toString('base64'), password: certPassword(f) };
        const s = await call('packets.sign', { ...key, ...(tsa ? { tsa } : {}) });
        print(s, () => `Подписано пакетов: ${s.signed.length} (№ ${s.signed.map((p) => p.seq).join(', ')}); подпись: ${s.signer}${
          s.timestamped === undefined ? '' : s.timestampFailure ? `; без штампа времени: ${s.timestampFailure}` : `; со штампом времени: ${s.timestamped}`}`);
        return 0;
      }
      case 'packets upload': {
        let sum: UploadSummary;
        try {
          sum = await job('packets.upload', { scope: f.all ? 'all' : 'next', ...target(f) }, progress) as UploadSummary; // this register's
        } catch (e) {
          // an empty queue is not an error for a scheduler's run
          if (!(e instanceof AppError && e.fields?.packets)) throw e;
          print({ accepted: [], rejected: [], pending: 0 }, () => 'Нет пакетов к отправке');
          return 0;
        }
        print(sum, () => summaryLines(sum).join('\n'));
        return sum.rejected.length || sum.pending ? 1 : 0;
      }
      case 'packets status': {
        const { rows, counts } = await call('packets.list', { limit: Number(f.limit ?? 50) });
        const changeLog = await call('packets.changeLog', {});
        print({ counts, rows, changeLog }, () => [
          ...rows.map((p) => [`№ ${p.seq}`, p.kind === 'full' ? 'полный' : 'изменения', STATE_RU[p.state], p.id, formatDate(p.createdAt.slice(0, 10)),
            p.receipt ? `квитанция ${p.receipt.receiptId}` : p.reasons ? `причины: ${p.reasons.map((r) => r.message).join('; ')}` : p.lastError ?? ''].join('\t')),
          Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${STATE_RU[k]}: ${n}`).join(', ') || 'Пакетов нет',
          ...changeLogLines(changeLog),
        ].join('\n'));
        return 0;
      }
      case 'packets compact': {
        const slice = f.slice === undefined ? undefined : Number(f.slice);
        if (slice !== undefined && (!Number.isInteger(slice) || slice < 1 || slice > 1_000_000)) throw new PacketsUsageError('--slice: записей за транзакцию, от 1 до 1000000');
        const r = await job('packets.compactChanges', { slice }, progress);
        print(r, () => r.acceptedFull
          ? `Журнал изменений сжат: удалено записей ${r.removed}, осталось ${r.remaining} (после принятого полного пакета № ${r.acceptedFull.seq})`
          : `Полный пакет ещё не принят региональным сегментом: удалять из журнала изменений нечего (записей ${r.remaining})`);
        return 0;
      }
      default:
        throw new PacketsUsageError(`неизвестная команда «${cmd}». Справка: school-register --help`);
    }
  } finally {
    keepAnchor(db); // the jobs audit themselves after the call that started them
    db.close();
  }
}
