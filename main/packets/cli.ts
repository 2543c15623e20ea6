// The packets commands of the CLI (main/cli/index.ts hands them over):
//   packets build [--kind full|delta]
//   packets sign --cert F.p12
//   packets upload --endpoint URL [--all] [--ca CA.pem] [--client-cert C.p12] [--timeout MS]
//   packets upload --endpoint URL --registers F1 F2 … --cert F.p12 [--concurrency N]
//   packets status
//   packets compact [--slice N]
// Passwords never come as arguments (they would show in the process list): the certificate's from
// --password-file or SCHOOL_REGISTER_CERT_PASSWORD, the TLS client certificate's from SCHOOL_REGISTER_TLS_PASSWORD.
import fs from 'node:fs';
import os from 'node:os';
import { openRegister, type DB } from '../../db/connection.ts';
import { appendAudit } from '../audit/log.ts';
import { progressTo } from '../shared/jobs.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { buildPacket } from './build.ts';
import { listOutbox, outboxCounts } from './outbox.ts';
import { changeLogState, compactChanges, COMPACTION_SLICE, holesText } from './compact.ts';
import type { ChangeLog } from '../../preload/contract.ts';
import { rsaPacketSigner, signPackets } from './sign.ts';
import { uploadPending, uploadRegisters, type UploadSummary } from './upload.ts';
import type { UploadTarget } from './transport.ts';
import { tlsClientFromFile } from './tls-client.ts';

type Flags = Record<string, string | boolean | string[] | undefined>;
type Io = { out: (s: string) => void; err: (s: string) => void };
export class PacketsUsageError extends Error {}

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

function target(f: Flags): UploadTarget {
  const endpoint = need(f, 'endpoint');
  if (!/^https?:\/\/\S+$/.test(endpoint)) throw new PacketsUsageError(`--endpoint: нужен адрес http(s)://…, а не «${endpoint}»`);
  const timeout = f.timeout ? Number(f.timeout) : undefined;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 100)) throw new PacketsUsageError('--timeout: миллисекунды, не меньше 100');
  return {
    endpoint, timeoutMs: timeout,
    caPem: typeof f.ca === 'string' ? readFile(f.ca, 'сертификат ЦС').toString('utf8') : null,
    // opened now, as in the app: a wrong password is refused before anything is sent
    clientCert: typeof f['client-cert'] === 'string' ? tlsClientFromFile(readFile(f['client-cert'], 'сертификат TLS'), process.env.SCHOOL_REGISTER_TLS_PASSWORD ?? '') : null,
  };
}

/** The change log in one line (and a second when entries are missing). */
const changeLogLines = (l: ChangeLog) => [
  `Журнал изменений: записей ${l.entries}; после принятого полного пакета ${l.acceptedFull ? `№ ${l.acceptedFull.seq}` : '(его ещё нет)'}: ${l.sinceFull}; можно удалить: ${l.removable}`,
  ...(l.missing.length ? [`Журнал изменений неполон: нет записей ${holesText(l.missing)} (удалены в обход программы); соберите полный пакет`] : []),
];

const summaryLines = (s: UploadSummary) => [
  ...s.accepted.map((a) => `  пакет № ${a.seq} принят, квитанция ${a.receiptId}${a.duplicate ? ' (повторная отправка распознана приёмником)' : ''}`),
  ...s.rejected.map((r) => `  пакет № ${r.seq} отклонён: ${r.reasons.map((x) => x.message).join('; ')}`),
  `Принято: ${s.accepted.length}, отклонено: ${s.rejected.length}, ждут повтора: ${s.pending}`,
  ...(s.stopped ? [`Отправка остановлена: ${s.stopped}`] : []),
  ...(s.changesRemoved ? [`Журнал изменений сжат: удалено записей ${s.changesRemoved}`] : []),
];

export async function runPacketsCli(cmd: string, f: Flags, operands: string[], io: Io): Promise<number> {
  const json = !!f.json;
  const who = `cli:${os.userInfo().username}`;
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const progress = progressTo((done, total, message) => {
    if (!json) io.err(`${done} из ${total}${message ? `: ${message}` : ''}`);
  });

  if (cmd === 'packets upload' && (f.registers !== undefined)) {
    const files = [...(typeof f.registers === 'string' ? [f.registers] : []), ...operands];
    if (!files.length) throw new PacketsUsageError('--registers: перечислите файлы реестров');
    const p12 = readFile(need(f, 'cert'), 'сертификат');
    const concurrency = f.concurrency ? Number(f.concurrency) : 3;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new PacketsUsageError('--concurrency: от 1 до 16');
    const sum = await uploadRegisters(files, target(f), { p12, password: certPassword(f), concurrency, by: who, log: json ? undefined : io.err }, progress);
    print(sum, () => [
      ...sum.registers.map((r) => r.error ? `${r.file}: ошибка — ${r.error}`
        : `${r.file}: ${r.built ? `собран пакет № ${r.built.seq} (${r.built.kind === 'full' ? 'полный' : 'изменения'})` : 'изменений нет'}, ` +
          `принято ${r.upload?.accepted.length ?? 0}, отклонено ${r.upload?.rejected.length ?? 0}, ждут ${r.upload?.pending ?? 0}`),
      `Итого: файлов ${sum.registers.length}, принято ${sum.accepted}, отклонено ${sum.rejected}, ждут повтора ${sum.pending}, ошибок ${sum.failed}`,
    ].join('\n'));
    return sum.rejected || sum.pending || sum.failed ? 1 : 0;
  }

  if (typeof f.db !== 'string') throw new PacketsUsageError('укажите файл реестра: --db ФАЙЛ');
  const db: DB = openRegister(f.db, { create: false });
  try {
    switch (cmd) {
      case 'packets build': {
        const kind = f.kind as string | undefined;
        if (kind !== undefined && kind !== 'full' && kind !== 'delta') throw new PacketsUsageError('--kind: full или delta');
        const b = db.transaction(() => {
          const r = buildPacket(db, { kind: kind as 'full' | 'delta' | undefined });
          appendAudit(db, who, 'packets.build', { args: { kind }, result: { id: r.id, seq: r.seq, kind: r.kind } });
          return r;
        }).immediate();
        print(b, () => `Собран пакет № ${b.seq} (${b.kind === 'full' ? 'полный снимок' : 'изменения'}): ${b.id}, учеников ${b.students}, ${b.bytes} байт, SHA-256 ${b.sha256}`);
        return 0;
      }
      case 'packets sign': {
        const signer = rsaPacketSigner(readFile(need(f, 'cert'), 'сертификат'), certPassword(f));
        const s = await signPackets(db, signer, { audit: (sum) => appendAudit(db, who, 'packets.sign', { result: { signed: sum.signed.map((p) => p.seq), signer: sum.signer } }) });
        print(s, () => `Подписано пакетов: ${s.signed.length} (№ ${s.signed.map((p) => p.seq).join(', ')}); подпись: ${s.signer}`);
        return 0;
      }
      case 'packets upload': {
        const sum = await uploadPending(db, target(f), { scope: f.all ? 'all' : 'next', log: json ? undefined : io.err }, progress);
        db.transaction(() => appendAudit(db, who, 'packets.upload', { result: { accepted: sum.accepted.map((a) => a.seq), rejected: sum.rejected.map((r) => r.seq), pending: sum.pending } })).immediate();
        if (!sum.accepted.length && !sum.rejected.length && !sum.pending) {
          print(sum, () => 'Нет пакетов к отправке');
          return 0;
        }
        print(sum, () => summaryLines(sum).join('\n'));
        return sum.rejected.length || sum.pending ? 1 : 0;
      }
      case 'packets status': {
        const rows = listOutbox(db, Number(f.limit ?? 50));
        const counts = outboxCounts(db);
        const changeLog = changeLogState(db);
        print({ counts, rows, changeLog }, () => [
          ...rows.map((p) => [`№ ${p.seq}`, p.kind === 'full' ? 'полный' : 'изменения', STATE_RU[p.state], p.id, formatDate(p.createdAt.slice(0, 10)),
            p.receipt ? `квитанция ${p.receipt.receiptId}` : p.reasons ? `причины: ${p.reasons.map((r) => r.message).join('; ')}` : p.lastError ?? ''].join('\t')),
          Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${STATE_RU[k]}: ${n}`).join(', ') || 'Пакетов нет',
          ...changeLogLines(changeLog),
        ].join('\n'));
        return 0;
      }
      case 'packets compact': {
        const slice = f.slice === undefined ? COMPACTION_SLICE : Number(f.slice);
        if (!Number.isInteger(slice) || slice < 1 || slice > 1_000_000) throw new PacketsUsageError('--slice: записей за транзакцию, от 1 до 1000000');
        const r = await compactChanges(db, { slice }, progress);
        db.transaction(() => appendAudit(db, who, 'packets.compactChanges', { args: { slice }, result: { removed: r.removed, remaining: r.remaining } })).immediate();
        print(r, () => r.acceptedFull
          ? `Журнал изменений сжат: удалено записей ${r.removed}, осталось ${r.remaining} (после принятого полного пакета № ${r.acceptedFull.seq})`
          : `Полный пакет ещё не принят региональным сегментом: удалять из журнала изменений нечего (записей ${r.remaining})`);
        return 0;
      }
      default:
        throw new PacketsUsageError(`неизвестная команда «${cmd}». Справка: school-register --help`);
    }
  } finally {
    db.close();
  }
}
