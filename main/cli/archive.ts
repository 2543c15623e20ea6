// The archivist's commands: backup, verify-copies, restore (and the drill), media, archive verify, upload.
// Exit codes a scheduler can act on (also in the help and README): 0 ok; 1 refused or bad input; 2 internal error;
// 3 damage found, or a copy not written to every medium; 4 damage that cannot be repaired, or no copy written at all.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { archiveDirFor, verifyArchive } from '../archive/archive.ts';
import { backupRegister } from '../backup/backup.ts';
import { restoreBag, RestoreRefused } from '../backup/restore.ts';
import { addMedia, listMedia, mediaByPath, MEDIA_KINDS, type MediaKind } from '../backup/runs.ts';
import { uploadBag } from '../backup/upload.ts';
import { verifyCopies } from '../backup/verify.ts';
import { progressTo } from '../shared/jobs.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { UsageError } from './usage.ts';

export const ARCHIVE_COMMANDS = new Set(['backup', 'verify-copies', 'restore', 'media list', 'media add', 'archive verify', 'upload']);

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

function trusted(f: F): string[] | undefined {
  const t = str(f, 'trust');
  if (!t) return undefined;
  try {
    return [fs.readFileSync(t, 'utf8')];
  } catch (e) {
    throw new UsageError(`сертификат --trust ${t}: ${(e as Error).message}`);
  }
}

/** Progress for a scheduler's log (--progress: one JSON line per step on stderr) or a person at a terminal. */
function cliProgress(f: F, io: Io, signal?: AbortSignal) {
  let last = 0;
  return progressTo((done, total, message) => {
    if (f.progress) io.err(JSON.stringify({ done, total, message }));
    else if (process.stderr.isTTY && Date.now() - last > 300) {
      last = Date.now();
      process.stderr.write(`\r${message ?? ''} ${total ? Math.floor((done / total) * 100) : 0}%   `);
    }
  }, signal);
}

export async function runArchiveCommand(cmd: string, operands: string[], f: F, db: DB | null, io: Io, json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const by = `cli:${process.env.USER ?? 'user'}`;
  switch (cmd) {
    case 'backup': {
      const to = (f.to as string[] | undefined) ?? [];
      if (to.length < 2) throw new UsageError('укажите не меньше двух носителей: backup --to ПАПКА --to ПАПКА');
      const pass = passphrase(f);
      const dests = to.map((p) => {
        const media = mediaByPath(db!, p);
        const encrypt = !!f.encrypt || !!media?.encrypted;
        if (encrypt && !pass) throw new UsageError(`носитель ${media?.label ?? p} шифруется: задайте парольную фразу (SR_BACKUP_PASSPHRASE или --passphrase-file)`);
        return { path: p, passphrase: encrypt ? pass : null, mediaId: media?.id ?? null, label: media?.label ?? null };
      });
      // Ctrl+C (or a scheduler's SIGTERM) cancels: partial copies are removed, nothing looks complete.
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const r = await backupRegister(db!, { destinations: dests, confirmSameDevice: !!f.yes, progress: cliProgress(f, io, abort.signal), by });
        if (process.stderr.isTTY && !f.progress) process.stderr.write('\n');
        let central: unknown = null;
        const url = str(f, 'central');
        if (url && r.state !== 'failed') {
          const bag = r.destinations.find((d) => d.ok && !d.encrypted)?.bagPath ?? r.destinations.find((d) => d.ok)!.bagPath!;
          central = await uploadBag(bag, url, { token: process.env.SR_CENTRAL_TOKEN ?? null, progress: cliProgress(f, io) });
        }
        print({ ...r, central }, () => [
          r.message,
          ...r.destinations.map((d) => `  ${d.ok ? 'OK ' : 'ОШИБКА'} ${d.label ? `${d.label} ` : ''}${d.path}: ${d.ok ? `${d.bagPath} (записано файлов ${d.copied}, взято из прошлой копии ${d.reused}${d.encrypted ? ', зашифровано' : ''})` : d.message}`),
          ...r.warnings.map((w) => `  ВНИМАНИЕ: ${w}`),
          ...(central ? [`  Центральное хранилище: ${(central as { url: string }).url}`] : []),
        ].join('\n'));
        if (r.state !== 'ok') io.err(`Ошибка: ${r.message}`);
        return r.state === 'ok' ? EXIT.ok : r.state === 'partial' ? EXIT.damaged : EXIT.lost;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }
    case 'verify-copies': {
      if (!operands.length) throw new UsageError('укажите папки с копиями: verify-copies ПАПКА ПАПКА [--repair]');
      const r = await verifyCopies(db, operands, { repair: !!f.repair, by, progress: cliProgress(f, io) });
      if (process.stderr.isTTY && !f.progress) process.stderr.write('\n');
      print(r, () => [
        r.message,
        ...r.copies.flatMap((c) => [`  ${c.problems.length ? (c.ok ? 'ИСПРАВЛЕНА' : 'ПОВРЕЖДЕНА') : 'ЦЕЛА'} ${c.path}${c.encrypted ? ' (зашифрована)' : ''}`,
          ...c.problems.map((p) => `    ${p.problem === 'damaged' ? 'повреждён' : p.problem === 'missing' ? 'отсутствует' : p.problem === 'unexpected' ? 'лишний' : p.problem}: ${p.file}` +
            (p.action === 'replaced' ? ` — заменён из ${p.source}` : p.action === 'removed' ? ' — удалён' : p.action === 'unrepairable' ? ' — НЕ ИСПРАВИТЬ: цел только в повреждённых копиях' : ''))]),
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
        const r = await restoreBag(bag, { target: target ?? null, drill: !!f.drill, passphrase: passphrase(f), trustedCertsPem: trusted(f), progress: cliProgress(f, io),
          log: db ? { db, by } : null });
        print(r, () => [r.message, ...r.checks.map((c) => `  ${c.ok ? 'OK' : 'НЕТ'} ${c.message}`)].join('\n'));
        return EXIT.ok;
      } catch (e) {
        if (!(e instanceof RestoreRefused)) throw e;
        if (json) io.out(JSON.stringify(e.report, null, 2));
        io.err([`Ошибка: ${e.message}`, ...e.report.checks.map((c) => `  ${c.ok ? 'OK' : 'НЕТ'} ${c.message}`)].join('\n'));
        return EXIT.refused;
      }
    }
    case 'media list': {
      const r = listMedia(db!);
      print(r, () => (r.length ? r.map((m) => [m.label, m.kind, m.room, m.path, m.encrypted ? 'шифруется' : '',
        `записан: ${ruDateTime(m.lastWrittenAt)}${m.stale ? ' (УСТАРЕЛ)' : ''}`, `проверен: ${ruDateTime(m.lastVerifiedAt)}${m.unverified ? ' (НЕ ПРОВЕРЕН)' : ''}`,
        m.present ? '' : 'не подключён'].filter(Boolean).join('\t')).join('\n') : 'Носителей нет: media add --label … --kind … --room … --path …'));
      return EXIT.ok;
    }
    case 'media add': {
      const kind = str(f, 'kind') as MediaKind | undefined;
      if (!kind || !MEDIA_KINDS.includes(kind)) throw new UsageError(`--kind: одно из ${MEDIA_KINDS.join(', ')}`);
      const need = (k: string) => str(f, k) ?? (() => { throw new UsageError(`не указан параметр --${k}`); })();
      const m = addMedia(db!, { label: need('label'), kind, room: need('room'), path: path.resolve(need('path')), encrypted: !!f.encrypt });
      print(m, () => `Носитель «${m.label}» (${m.kind}, ${m.room}) записан: ${m.path}`);
      return EXIT.ok;
    }
    case 'archive verify': {
      const dir = str(f, 'archive') ?? archiveDirFor(db!.name);
      if (!fs.existsSync(dir)) {
        print({ ok: true, dir, entries: 0 }, () => `Архива ещё нет (${dir}): запечатанных ведомостей не было`);
        return EXIT.ok;
      }
      const r = await verifyArchive(dir, { trustedCertsPem: trusted(f), register: db ?? undefined });
      print(r, () => [r.message, ...r.problems.map((p) => `  ${p.message}`),
        ...(r.untrustedSigners.length ? [`  Подписи целы, но доверие к подписавшим не проверялось (нет --trust): ${r.untrustedSigners.join('; ')}`] : [])].join('\n'));
      return r.ok ? EXIT.ok : EXIT.damaged;
    }
    case 'upload': {
      const bag = operands[0];
      const url = str(f, 'url');
      if (!bag || !url) throw new UsageError('upload КОПИЯ --url URL');
      const r = await uploadBag(bag, url, { token: process.env.SR_CENTRAL_TOKEN ?? null, progress: cliProgress(f, io) });
      print(r, () => `Копия отправлена: ${r.url} (файлов ${r.files}, уже были ${r.skipped}, докачано ${r.resumed})`);
      return EXIT.ok;
    }
  }
  throw new UsageError(`неизвестная команда «${cmd}»`);
}
