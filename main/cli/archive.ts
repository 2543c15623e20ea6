// The archivist's commands: backup, verify-copies, restore (and the drill), media, archive verify, upload.
// Exit codes a scheduler can act on (also in the help and README): 0 ok; 1 refused or bad input; 2 internal error;
// 3 damage found, or a copy not written to every medium; 4 damage that cannot be repaired, or no copy written at all.
// Each command is flags → a contract method through dispatch (local-call.ts) → print; long work runs as the app's jobs.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { MEDIA_KINDS, type BackupJobResult, type BagUploadJobResult, type RestoreJobResult, type VerifyJobResult } from '../../preload/contract-archive.ts';
import { AppError } from '../shared/errors.ts';
import { formatDate, formatDateTime } from '../../preload/core/dates.ts';
import { localCaller, type OnReport } from './local-call.ts';
import { promptHidden } from './prompt.ts';
import { UsageError } from './usage.ts';
import { tsaFromFlags, tsaTrustFromFlags } from './tsa.ts';

export const ARCHIVE_COMMANDS = new Set(['backup', 'verify-copies', 'restore', 'media list', 'media add', 'archive verify', 'upload',
  'backup key show-id', 'backup key print', 'backup key import', 'backup key new', 'archive renew']);

export const EXIT = { ok: 0, refused: 1, internal: 2, damaged: 3, lost: 4 } as const;

type Io = { out: (s: string) => void; err: (s: string) => void };
type F = Record<string, unknown>;

const str = (f: F, k: string) => (typeof f[k] === 'string' && (f[k] as string).trim() ? (f[k] as string) : undefined);
const ruDateTime = (iso: string | null) => (iso ? `${formatDate(iso.slice(0, 10))} ${iso.slice(11, 16)}` : 'никогда');

/** The backup passphrase: from --passphrase-file, else SR_BACKUP_PASSPHRASE; never from the command line itself. */
export function passphrase(f: F): string | null {
  const file = str(f, 'passphrase-file');
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`файл с парольной фразой ${file}: ${(e as Error).message}`);
    }
  }
  return process.env.SR_BACKUP_PASSPHRASE || null;
}

/** The key from the recovery sheet: from --file, else typed (hidden) at a terminal, else read from standard input. */
async function typedKey(f: F): Promise<string> {
  const file = str(f, 'file');
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`файл с ключом ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (process.stdin.isTTY) return promptHidden('Ключ с листа восстановления (пробелы не важны): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** --trust КОРЕНЬ.pem: the roots a signer's path must reach, for this check (ledger verify, archive verify, restore). */
export function trusted(f: F): string[] | undefined {
  const t = str(f, 'trust');
  if (!t) return undefined;
  try {
    return [fs.readFileSync(t, 'utf8')];
  } catch (e) {
    throw new UsageError(`сертификат --trust ${t}: ${(e as Error).message}`);
  }
}

/** Progress for a scheduler's log (--progress: one JSON line per step on stderr) or a person at a terminal. */
function cliProgress(f: F, io: Io): OnReport {
  let last = 0;
  return (done, total, message) => {
    if (f.progress) io.err(JSON.stringify({ done, total, message }));
    else if (process.stderr.isTTY && Date.now() - last > 300) {
      last = Date.now();
      process.stderr.write(`\r${message ?? ''} ${total ? Math.floor((done / total) * 100) : 0}%   `);
    }
  };
}
const endProgress = (f: F) => {
  if (process.stderr.isTTY && !f.progress) process.stderr.write('\n');
};

export async function runArchiveCommand(cmd: string, operands: string[], f: F, db: DB | null, io: Io, json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const { call, job } = localCaller(db);
  switch (cmd) {
    case 'backup': {
      const to = (f.to as string[] | undefined) ?? [];
      if (to.length < 2) throw new UsageError('укажите не меньше двух носителей: backup --to ПАПКА --to ПАПКА');
      let r: BackupJobResult;
      try {
        r = await job('backup.start', { folders: to, encrypt: !!f.encrypt, passphrase: passphrase(f) ?? undefined, confirmSameDevice: !!f.yes },
          cliProgress(f, io));
      } catch (e) {
        // the handler names the medium; where the passphrase comes from is the command line's to say
        if (e instanceof AppError && e.fields?.passphrase) throw new UsageError(`${e.message} (SR_BACKUP_PASSPHRASE или --passphrase-file)`);
        throw e;
      }
      endProgress(f);
      let central: BagUploadJobResult | null = null;
      const url = str(f, 'central');
      if (url && r.state !== 'failed') {
        const bag = r.destinations.find((d) => d.ok && !d.encrypted)?.bagPath ?? r.destinations.find((d) => d.ok)!.bagPath!;
        central = await job('backup.upload', { bagPath: bag, url, token: process.env.SR_CENTRAL_TOKEN || undefined }, cliProgress(f, io));
      }
      print({ ...r, central }, () => [
        r.message,
        ...r.destinations.map((d) => `  ${d.ok ? 'OK ' : 'ОШИБКА'} ${d.label ? `${d.label} ` : ''}${d.path}: ${d.ok ? `${d.bagPath} (записано файлов ${d.copied}, взято из прошлой копии ${d.reused}${d.encrypted ? ', зашифровано' : ''})` : d.message}`),
        ...r.warnings.map((w) => `  ВНИМАНИЕ: ${w}`),
        ...(central ? [`  Центральное хранилище: ${central.url}`] : []),
      ].join('\n'));
      if (r.state !== 'ok') io.err(`Ошибка: ${r.message}`);
      return r.state === 'ok' ? EXIT.ok : r.state === 'partial' ? EXIT.damaged : EXIT.lost;
    }
    case 'verify-copies': {
      if (!operands.length) throw new UsageError('укажите папки с копиями: verify-copies ПАПКА ПАПКА [--repair]');
      const r = await job('backup.verify', { folders: operands, repair: !!f.repair }, cliProgress(f, io));
      endProgress(f);
      print(r, () => [
        r.message,
        ...r.copies.flatMap((c) => [`  ${c.problems.length ? (c.ok ? 'ИСПРАВЛЕНА' : 'ПОВРЕЖДЕНА') : 'ЦЕЛА'} ${c.path}${c.encrypted ? ' (зашифрована)' : ''}`,
          ...(c.genuine ? [] : [`    НЕ ЗАПИСАНА ЭТОЙ ПРОГРАММОЙ: ${c.authenticity.replace(/^не записана этой программой: /, '')}`]),
          ...c.problems.map((p) => `    ${p.problem === 'damaged' ? 'повреждён' : p.problem === 'missing' ? 'отсутствует' : p.problem === 'unexpected' ? 'лишний' : p.problem}: ${p.file}` +
            (p.action === 'replaced' ? ` — заменён из ${p.source}` : p.action === 'removed' ? ' — удалён'
              : typeof p.note === 'string' ? ` — ${p.action === 'unrepairable' ? 'НЕ ИСПРАВИТЬ: ' : ''}${p.note}` : p.action === 'unrepairable' ? ' — НЕ ИСПРАВИТЬ' : ''))]),
        ...r.incomplete.map((p) => `  НЕЗАВЕРШЁННАЯ (не копия): ${p}`),
      ].join('\n'));
      return { ok: EXIT.ok, repaired: EXIT.ok, damaged: EXIT.damaged, unrepairable: EXIT.lost }[r.state];
    }
    case 'restore': {
      const bag = operands[0];
      if (!bag) throw new UsageError('укажите копию: restore КОПИЯ --to ФАЙЛ (или --drill)');
      const target = (f.to as string[] | undefined)?.[0];
      if (!f.drill && !target) throw new UsageError('укажите, куда восстановить: --to ФАЙЛ (или --drill для учебного восстановления)');
      try {
        const r = await job('backup.restore', { bagPath: path.resolve(bag), target: target ? path.resolve(target) : undefined, drill: !!f.drill,
          passphrase: passphrase(f) ?? undefined, trustedCertsPem: trusted(f), acceptForeign: f['accept-foreign'] ? true : undefined }, cliProgress(f, io));
        print(r, () => [r.message, ...r.checks.map((c) => `  ${c.ok ? 'OK' : 'НЕТ'} ${c.message}`)].join('\n'));
        return EXIT.ok;
      } catch (e) {
        // a restore refused by its checks: the report, check by check
        const report = e instanceof AppError && (e as AppError & { report?: RestoreJobResult }).report;
        if (!report) throw e;
        if (json) io.out(JSON.stringify(report, null, 2));
        io.err([`Ошибка: ${e.message}`, ...report.checks.map((c) => `  ${c.ok ? 'OK' : 'НЕТ'} ${c.message}`),
          ...(report.checks.some((c) => c.name === 'authentic' && !c.ok)
            ? ['Копия не записана этой программой: если вы уверены в ней, повторите с --accept-foreign (решение администратора)'] : [])].join('\n'));
        return EXIT.refused;
      }
    }
    case 'media list': {
      const r = await call('media.list', {});
      print(r, () => (r.length ? r.map((m) => [m.label, m.kind, m.room, m.path, m.encrypted ? 'шифруется' : '',
        `записан: ${ruDateTime(m.lastWrittenAt)}${m.stale ? ' (УСТАРЕЛ)' : ''}`, `проверен: ${ruDateTime(m.lastVerifiedAt)}${m.unverified ? ' (НЕ ПРОВЕРЕН)' : ''}`,
        m.present ? '' : 'не подключён'].filter(Boolean).join('\t')).join('\n') : 'Носителей нет: media add --label … --kind … --room … --path …'));
      return EXIT.ok;
    }
    case 'media add': {
      const kind = str(f, 'kind') as (typeof MEDIA_KINDS)[number] | undefined;
      if (!kind || !MEDIA_KINDS.includes(kind)) throw new UsageError(`--kind: одно из ${MEDIA_KINDS.join(', ')}`);
      const need = (k: string) => str(f, k) ?? (() => { throw new UsageError(`не указан параметр --${k}`); })();
      const m = await call('media.add', { label: need('label'), kind, room: need('room'), path: path.resolve(need('path')), encrypted: !!f.encrypt });
      print(m, () => `Носитель «${m.label}» (${m.kind}, ${m.room}) записан: ${m.path}`);
      return EXIT.ok;
    }
    case 'archive verify': {
      const dir = str(f, 'archive');
      const r = await call('archive.verify', { archive: dir ? path.resolve(dir) : undefined, trustedCertsPem: trusted(f),
        tsaTrustedCertsPem: tsaTrustFromFlags(f as Parameters<typeof tsaTrustFromFlags>[0]) });
      print(r, () => [r.message, ...(r.verifiableUntil ? [r.verifiableUntil.message] : []),
        ...(r.evidence && (!r.ok || (r.evidence.state === 'none' && r.evidence.entries)) ? [r.evidence.message] : []), ...r.problems.map((p) => `  ${p.message}`),
        ...(r.untrustedSigners.length ? [`  Подписи целы, но доверие к подписавшим не проверялось (нет --trust): ${r.untrustedSigners.join('; ')}`] : [])].join('\n'));
      return r.ok ? EXIT.ok : EXIT.damaged;
    }
    case 'archive renew': {
      const hash = str(f, 'hash');
      if (hash && hash !== 'sha256' && hash !== 'sha512') throw new UsageError(`--hash: sha256 или sha512, а не «${hash}»`);
      const margin = str(f, 'margin-days');
      if (margin && !/^\d{1,4}$/.test(margin)) throw new UsageError(`--margin-days: число дней, а не «${margin}»`);
      const r = await call('archive.renew', { hash: hash as 'sha256' | 'sha512' | undefined, force: f.force ? true : undefined,
        marginDays: margin ? Number(margin) : undefined, tsa: tsaFromFlags(f as Parameters<typeof tsaFromFlags>[0], false) });
      print(r, () => [r.message, r.evidence.message].join('\n'));
      return r.evidence.state === 'broken' ? EXIT.damaged : EXIT.ok;
    }
    case 'upload': {
      const bag = operands[0];
      const url = str(f, 'url');
      if (!bag || !url) throw new UsageError('upload КОПИЯ --url URL');
      const r = await job('backup.upload', { bagPath: path.resolve(bag), url, token: process.env.SR_CENTRAL_TOKEN || undefined }, cliProgress(f, io));
      print(r, () => `Копия отправлена: ${r.url} (файлов ${r.files}, уже были ${r.skipped}, докачано ${r.resumed}); подлинность: ${r.authenticity ?? '—'}`);
      return EXIT.ok;
    }
    case 'backup key show-id': {
      const r = await call('backup.keyStatus', {});
      const printed = r.sheetPrinted ? `; лист восстановления напечатан ${formatDateTime(r.sheetPrinted.at)} (${r.sheetPrinted.by})` : '; лист восстановления не печатался';
      print(r, () => (r.keyId ? `Ключ резервных копий: ${r.keyId} (${r.where})${printed}` : `Ключа резервных копий на этом компьютере ещё нет (${r.where}): он создаётся первой резервной копией или загружается с листа восстановления (backup key import)`));
      return EXIT.ok;
    }
    case 'backup key print': {
      const out = str(f, 'out');
      if (!out) throw new UsageError('укажите файл листа восстановления: backup key print --out ФАЙЛ.pdf');
      if (fs.existsSync(out)) throw new UsageError(`файл ${out} уже есть: выберите новый`);
      // printed once: a second print of the same key needs --reason (audited with it)
      const reason = str(f, 'reason');
      const r = await call('backup.keySheet', reason ? { reason } : {});
      fs.writeFileSync(out, Buffer.from(r.dataBase64, 'base64'), { flag: 'wx', mode: 0o600 });
      print({ keyId: r.keyId, out: path.resolve(out) }, () => `Лист восстановления ключа ${r.keyId} записан: ${path.resolve(out)}. Напечатайте его, храните в сейфе, а файл удалите`);
      return EXIT.ok;
    }
    case 'backup key new': {
      if (!f.yes) throw new UsageError('новый ключ заменит ключ этого компьютера: копии, подписанные прежним, станут «не записанными этой программой» (пока его лист не загружен снова). Подтвердите: backup key new --yes');
      const r = await call('backup.keyRenew', { confirm: true });
      print(r, () => `Новый ключ ${r.keyId} записан (${r.where})${r.replaced ? `; прежний ключ ${r.replaced} заменён` : ''}. Напечатайте лист восстановления нового ключа: backup key print --out ФАЙЛ.pdf`);
      return EXIT.ok;
    }
    case 'backup key import': {
      const r = await call('backup.keyImport', { key: await typedKey(f), replace: !!f.replace });
      print(r, () => `Ключ ${r.keyId} записан (${r.where})${r.replaced ? `; прежний ключ ${r.replaced} заменён` : ''}. Сверьте номер с листом восстановления`);
      return EXIT.ok;
    }
  }
  throw new UsageError(`неизвестная команда «${cmd}»`);
}
