// Restore over the open register, in the running program. The copy is unpacked and checked beside the register by
// restoreBag — every check the CLI's restore makes. Only then, with no other job or call under way and the job not
// cancelled, the register is closed, put aside as `<file>.before-restore-<time>` with its archive (the same step as
// the CLI's: putAsideAndMoveIn), the restored file renamed into its path and opened, the restore written into the
// restored register's own history and audit chain, and every session ended.
// A restore gives no one more than they had: the copy's audit chain must be the open register's up to the copy's head
// (else the first differing entry is named and only an admin may go on), and the open register's accounts — logins,
// roles, password hashes, who is disabled — are written into the restored file before it is moved in, unless an admin
// takes the copy's. Both registers record the restore: the old one before it is put aside, the restored one after.
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { formatDateTime } from '../../preload/core/dates.ts';
import type { Entry } from '../audit/log.ts';
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
  /** an admin's confirmations (the backend refuses them to anyone else before the job starts) */
  takeAccountsFromCopy?: boolean;
  confirmAuditDifference?: boolean;
  /** restore a copy not written by this program (its tag missing or not verifying) */
  acceptForeign?: boolean;
};

type Head = Pick<Entry, 'id' | 'at' | 'method' | 'hash'>;
const entryName = (e: Pick<Entry, 'id' | 'at' | 'method'>) => `№ ${e.id} от ${formatDateTime(e.at)}, «${e.method}»`;

/**
 * The first entry of the copy's audit chain that the open register does not hold as it is (same id, same hash), or
 * null when the copy's chain is the open register's up to the copy's head.
 */
export function firstAuditDifference(open: DB, copy: DB): { copy: Head; open: Head | null; openEntries: number } | null {
  const at = open.prepare('SELECT id, at, method, hash FROM audit_log WHERE id = ?');
  for (const e of copy.prepare('SELECT id, at, method, hash FROM audit_log ORDER BY id').iterate() as Iterable<Head>) {
    const here = at.get(e.id) as Head | undefined;
    if (!here || here.hash !== e.hash) {
      return { copy: e, open: here ?? null, openEntries: (open.prepare('SELECT count(*) FROM audit_log').pluck().get() as number) };
    }
  }
  return null;
}

function auditPrefixCheck(open: DB, copy: DB, confirmed: boolean): RestoreCheck {
  const d = firstAuditDifference(open, copy);
  if (!d) {
    const n = copy.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
    return { name: 'audit_prefix', ok: true, message: `Журнал аудита копии совпадает с началом журнала открытого реестра (записей: ${n})` };
  }
  const what = `Журнал аудита копии расходится с журналом открытого реестра с записи ${entryName(d.copy)}: `
    + (!d.open ? `в открытом реестре её нет (в нём записей: ${d.openEntries})`
      : d.open.at === d.copy.at && d.open.method === d.copy.method ? 'в открытом реестре запись с тем же номером, временем и методом, но другим содержанием (хеш не совпадает)'
        : `в открытом реестре на её месте запись ${entryName(d.open)}`);
  return confirmed
    ? { name: 'audit_prefix', ok: true, message: `${what}. Администратор подтвердил восстановление несмотря на расхождение` }
    : { name: 'audit_prefix', ok: false, message: `${what}. Продолжить может только администратор, подтвердив расхождение` };
}

type UserRow = Record<string, unknown> & { id: number; login: string };
const columnsOf = (db: DB) => (db.prepare('PRAGMA table_info(users)').all() as Array<{ name: string }>).map((c) => c.name);

/**
 * The open register's accounts written into the restored one, in one transaction: every user of the open register by
 * id, with its login, role, password hash and state; an account only the copy has is removed, or, when the register
 * refers to it (who sealed, who corrected), kept disabled as a clerk. Returns the logins kept.
 */
export function keepAccounts(open: DB, restored: DB): string[] {
  const theirs = new Set(columnsOf(restored));
  const cols = columnsOf(open).filter((c) => theirs.has(c));
  const q = (c: string) => `"${c}"`;
  const ours = open.prepare(`SELECT ${cols.map(q).join(', ')} FROM users ORDER BY id`).all() as UserRow[];
  restored.transaction(() => {
    const before = restored.prepare('SELECT id, login FROM users').all() as Array<{ id: number; login: string }>;
    // out of the way first: a login may belong to another id in the copy (UNIQUE)
    restored.prepare("UPDATE users SET login = '~restore~' || id").run();
    const update = restored.prepare(`UPDATE users SET ${cols.filter((c) => c !== 'id').map((c) => `${q(c)} = @${c}`).join(', ')} WHERE id = @id`);
    const insert = restored.prepare(`INSERT INTO users (${cols.map(q).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
    for (const u of ours) if (!update.run(u).changes) insert.run(u);
    const kept = new Set(ours.map((u) => u.id));
    const taken = restored.prepare('SELECT 1 FROM users WHERE login = ?');
    for (const t of before.filter((x) => !kept.has(x.id))) {
      try {
        restored.prepare('DELETE FROM users WHERE id = ?').run(t.id);
      } catch {
        // referred to by what the register keeps: the row stays, and signs no one in
        restored.prepare("UPDATE users SET login = ?, role = 'clerk', disabled = 1 WHERE id = ?")
          .run(taken.get(t.login) ? `${t.login} (из копии, № ${t.id})` : t.login, t.id);
      }
    }
  })();
  return ours.map((u) => u.login);
}

/** One run and one audit entry for a restore over the open register, in `db`, together. */
function recordRestoreOpen(db: DB, by: string, bag: string, r: { state: 'ok' | 'failed' | 'cancelled'; message: string; keptAside: string | null; checks: RestoreCheck[];
  accounts?: 'kept' | 'fromCopy' }) {
  db.transaction(() => {
    finishRun(db, startRun(db, 'restore', by, path.basename(bag)), r.state, r.message);
    appendAudit(db, by, 'backup.restoreOpen', { bag, target: db.name, ok: r.state === 'ok', keptAside: r.keptAside, accounts: r.accounts, checks: r.checks.map((c) => [c.name, c.ok]) });
  }).immediate();
}

export async function restoreOpenRegister(bag: string, o: RestoreOpenDeps & { passphrase: string | null; trustedCertsPem?: string[]; progress: Progress }): Promise<RestoreReport> {
  const target = path.resolve(o.register.file);
  let swapped = false;
  try {
    let accounts: 'kept' | 'fromCopy' = 'kept';
    return await restoreBag(bag, {
      target, passphrase: o.passphrase, trustedCertsPem: o.trustedCertsPem, progress: o.progress, log: null,
      foreignAcceptedBy: o.acceptForeign ? o.by : null,
      against: (copy, checks) => {
        checks.push(auditPrefixCheck(o.register.db, copy, !!o.confirmAuditDifference));
        if (!checks.every((c) => c.ok)) return;
        if (o.takeAccountsFromCopy) {
          accounts = 'fromCopy';
          const logins = copy.prepare('SELECT login FROM users ORDER BY id').pluck().all() as string[];
          copy.transaction(() => appendAudit(copy, o.by, 'backup.restoreAccounts', { accounts, logins }))();
          checks.push({ name: 'accounts', ok: true, message: `Учётные записи взяты из копии по подтверждению администратора (${o.by}): ${logins.join(', ')}` });
        } else {
          const logins = keepAccounts(o.register.db, copy);
          copy.transaction(() => appendAudit(copy, o.by, 'backup.restoreAccounts', { accounts, logins }))();
          checks.push({ name: 'accounts', ok: true, message: `Учётные записи, роли и пароли — открытого реестра, как были: ${logins.join(', ')}` });
        }
      },
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
        // the old register's own record, before it is put aside: who replaced it, with which copy, whose accounts
        o.register.db.transaction(() => appendAudit(o.register.db, o.by, 'backup.restoreOpen', {
          bag, target: t, phase: 'replacing', accounts, checks: checks.map((c) => [c.name, c.ok]) }))();
        o.register.replace(() => {
          const moved = putAsideAndMoveIn(staged, t, {
            open: o.register.openRestored,
            welcome: (db, aside) => recordRestoreOpen(db, o.by, bag, { state: 'ok', keptAside: aside, checks, accounts,
              message: `Открытый реестр восстановлен из копии ${path.basename(bag)}${aside ? `; прежний реестр сохранён как ${aside}` : ''}` }),
          });
          keptAside = moved.keptAside;
          return moved.db;
        });
        swapped = true;
        o.sessions.endAll(`Реестр восстановлен из копии ${path.basename(bag)}: войдите снова — `
          + `${accounts === 'kept' ? 'пользователи и пароли прежние' : 'пользователи и пароли теперь из восстановленного реестра'}.`
          + `${keptAside ? ` Прежний реестр сохранён как ${keptAside}` : ''}`);
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
