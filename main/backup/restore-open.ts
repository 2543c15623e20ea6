// Restore over the open register, in the running program. The copy is unpacked and checked beside the register by
// restoreBag — every check the CLI's restore makes. Only then, with no other job or call under way and the job not
// cancelled, the register is closed, put aside as `<file>.before-restore-<time>` with its archive (the same step as
// the CLI's: putAsideAndMoveIn), the restored file renamed into its path and opened, the restore written into the
// restored register's own history and audit chain, and every session ended: users and passwords now come from the copy.
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { anchorAudit } from '../audit/anchor.ts';
import { appendAudit } from '../audit/log.ts';
import { CancelledError, type Progress } from '../shared/jobs.ts';
import type { OpenRegister } from '../shared/open-register.ts';
import { AppError } from '../shared/errors.ts';
import { logError } from '../shared/log.ts';
import type { SessionStore } from '../shared/handler.ts';
import { putAsideAndMoveIn, RegisterNotPutBack, restoreBag, RestoreRefused, type RestoreCheck, type RestoreReport } from './restore.ts';
import { finishRun, startRun } from './runs.ts';

/** How a running job is named to the archivist who has to wait for it. */
const JOB_NAMES: Record<string, string> = {
  backup: 'резервное копирование', verify: 'проверка копий', drill: 'учебное восстановление', restore: 'восстановление в новый файл',
  restoreOpen: 'восстановление открытого реестра', demo: 'заполнение демо-данными', 'import.preview': 'разбор файла импорта',
  'import.commit': 'импорт', 'ledgers.closeYear': 'закрытие учебного года', 'packets.upload': 'отправка пакетов',
};

export type RestoreOpenDeps = {
  register: OpenRegister;
  sessions: SessionStore;
  /** the kinds of the other jobs still running (not this one) */
  otherJobs: () => string[];
  by: string;
};

/** One run and one audit entry for a restore over the open register, in `db`, together. */
function recordRestoreOpen(db: DB, by: string, bag: string, r: { state: 'ok' | 'failed' | 'cancelled'; message: string; keptAside: string | null; checks: RestoreCheck[] }) {
  db.transaction(() => {
    finishRun(db, startRun(db, 'restore', by, path.basename(bag)), r.state, r.message);
    appendAudit(db, by, 'backup.restoreOpen', { bag, target: db.name, ok: r.state === 'ok', keptAside: r.keptAside, checks: r.checks.map((c) => [c.name, c.ok]) });
  }).immediate();
}

export async function restoreOpenRegister(bag: string, o: RestoreOpenDeps & { passphrase: string | null; trustedCertsPem?: string[]; progress: Progress }): Promise<RestoreReport> {
  const target = path.resolve(o.register.file);
  let swapped = false;
  try {
    return await restoreBag(bag, {
      target, passphrase: o.passphrase, trustedCertsPem: o.trustedCertsPem, progress: o.progress, log: null,
      moveIn: (staged, t, checks) => {
        // the last moment to stop: from here on the swap runs to its end (or is undone) without a pause
        const jobs = o.otherJobs().map((k) => `«${JOB_NAMES[k] ?? k}»`);
        if (jobs.length) {
          throw new AppError('conflict', `Открытый реестр не заменён: идёт ${jobs.join(', ')}. Копия проверена и в порядке; `
            + 'дождитесь окончания и повторите восстановление.');
        }
        const calls = o.register.callsUnderWay();
        if (calls.length) throw new AppError('conflict', `Открытый реестр не заменён: выполняется запрос ${calls.map((m) => `«${m}»`).join(', ')}. Повторите восстановление.`);
        o.progress.throwIfCancelled();
        o.progress.report(4, 4, 'Замена открытого реестра');
        let keptAside: string | null = null;
        o.register.replace(() => {
          const moved = putAsideAndMoveIn(staged, t, {
            open: o.register.openRestored,
            welcome: (db, aside) => recordRestoreOpen(db, o.by, bag, { state: 'ok', keptAside: aside, checks,
              message: `Открытый реестр восстановлен из копии ${path.basename(bag)}${aside ? `; прежний реестр сохранён как ${aside}` : ''}` }),
          });
          keptAside = moved.keptAside;
          return moved.db;
        });
        swapped = true;
        o.sessions.endAll(`Реестр восстановлен из копии ${path.basename(bag)}: войдите снова — пользователи и пароли теперь `
          + `из восстановленного реестра.${keptAside ? ` Прежний реестр сохранён как ${keptAside}` : ''}`);
        return keptAside;
      },
    });
  } catch (e) {
    // no register is open now (the program says so to every call): nobody stays signed in to a file that is not there
    if (e instanceof RegisterNotPutBack) o.sessions.endAll(e.message);
    else if (!swapped) {
      // the open register is the one it was (never closed, or reopened after the swap was undone): the attempt is on its record
      const checks = e instanceof RestoreRefused ? e.report.checks : [];
      const message = (e as Error)?.message ?? String(e);
      try {
        recordRestoreOpen(o.register.db, o.by, bag, { state: e instanceof CancelledError ? 'cancelled' : 'failed', message, keptAside: null, checks });
        anchorAudit(o.register.db);
      } catch (x) {
        logError('[school-register] could not record the refused restore:', x);
      }
    }
    throw e;
  }
}
