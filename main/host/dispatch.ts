// The boundary: validate → authorize → run the service → Result envelope. Whatever a caller sends,
// it gets a Result back; a bad call is a validation error, never a crash and never a write.
import crypto from 'node:crypto';
import { z } from 'zod';
import { contract, type ApiError, type Envelope, type Method, type ReadKind, type Result, type User } from '../../preload/contract.ts';
import { AppError, placeError } from '../shared/errors.ts';
import { logError } from '../shared/log.ts';
import { appendAudit } from '../audit/log.ts';
import { anchorAudit } from '../audit/anchor.ts';
import { BUSY_TIMEOUT_MS, type DB } from '../../db/connection.ts';
import { holdRegister, jobName, otherHolder, waitForOtherProgram } from '../shared/busy-marker.ts';
import { handlers, getUser } from './handlers.ts';
import { studentsRead, workplaceOf } from '../personal-data/read-log.ts';
import { logRead } from '../personal-data/read-journal.ts';
import type { AnyHandler, Ctx } from '../shared/handler.ts';

/** Secrets by name, wherever they sit in the arguments: never written anywhere. A PKCS#12 holds the school's private key. */
const SECRET_KEYS = new Set(['password', 'oldPassword', 'passphrase', 'certPassword', 'tlsPassword', 'p12Base64', 'privateKey', 'token', 'pin']);

/**
 * What the audit log keeps of a call's arguments: everything but secrets; an uploaded file (a key ending in `Base64`)
 * as its size and SHA-256 — which file it was, provably, without keeping a copy of it in the log.
 */
export function auditableArgs(args: unknown): unknown {
  if (Array.isArray(args)) return args.map(auditableArgs);
  if (args && typeof args === 'object') {
    return Object.fromEntries(Object.entries(args).map(([k, v]) => {
      if (SECRET_KEYS.has(k)) return [k, '***'];
      if (k.endsWith('Base64') && typeof v === 'string') {
        const bytes = Buffer.from(v, 'base64');
        return [k, { bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') }];
      }
      return [k, auditableArgs(v)];
    }));
  }
  return args;
}

function zodToApi(err: z.ZodError): ApiError {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.map(String).join('.') || '_';
    if (!fields[key]) fields[key] = issue.code === 'unrecognized_keys' ? `Неизвестные поля: ${issue.keys.join(', ')}` : issue.message;
  }
  const [k, msg] = Object.entries(fields)[0];
  return { code: 'validation', message: k === '_' ? `Неверный запрос: ${msg}` : `Поле «${k}»: ${msg}`, fields };
}

/**
 * SQLite refused a write: an invariant of the schema held where the service did not check first; or the disk is full,
 * or another program holds the register (placeError names the place, and how long the register was waited for).
 */
export function sqliteToApi(e: Error & { code?: string }, db?: DB | null): ApiError | null {
  const place = placeError(e, db);
  if (place) return place.toApi();
  if (!e.code?.startsWith('SQLITE_CONSTRAINT')) return null;
  return { code: e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'conflict' : 'validation',
    message: `Реестр отказал в записи: ${CONSTRAINT_WORDS[e.code] ?? e.message}` };
}
/** SQLite's own constraint messages («UNIQUE constraint failed: students.snils») in the clerk's words; a trigger's
 *  refusal (SQLITE_CONSTRAINT_TRIGGER) is already Russian (RAISE in the migrations) and is shown as it is. */
const CONSTRAINT_WORDS: Record<string, string> = {
  SQLITE_CONSTRAINT_UNIQUE: 'такая запись в реестре уже есть',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'такая запись в реестре уже есть',
  SQLITE_CONSTRAINT_NOTNULL: 'не заполнено обязательное поле',
  SQLITE_CONSTRAINT_CHECK: 'значение не прошло проверку реестра',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'запись ссылается на то, чего в реестре нет, или на неё ссылаются другие записи',
  SQLITE_CONSTRAINT_DATATYPE: 'значение не того вида (число, текст, дата)',
};
/** The roles as a refusal names them. */
const ROLE_WORDS: Record<string, string> = { clerk: 'делопроизводитель', archivist: 'архивариус', admin: 'администратор' };

/**
 * `asUser` is for the local CLI, which acts as the OS user who can already write the register file: only it may pass
 * the arguments the contract marks `local` (paths on this machine). `db` is null only there too (the CLI without --db),
 * and only for the methods the contract marks `register: 'optional'`.
 */
export type Dispatcher = (ctx: Omit<Ctx, 'user' | 'db'> & { db: DB | null; asUser?: User;
  /** how long a write waits for another program's job on the register (its marker, main/shared/busy-marker.ts), and who
   *  hears what it waits for: BUSY_TIMEOUT_MS and no one by default (the app); the CLI waits longer and says so */
  otherProgram?: { waitMs: number; onWaiting?: (message: string) => void } }, env: Envelope) => Promise<Result<unknown>>;

export const dispatch: Dispatcher = async (base, env) => {
  try {
    if (!env || typeof env !== 'object' || typeof env.method !== 'string') {
      return { ok: false, error: { code: 'validation', message: 'Неверный запрос: нет имени метода' } };
    }
    if (!Object.hasOwn(contract, env.method)) {
      return { ok: false, error: { code: 'validation', message: `Неизвестный метод: ${String(env.method).slice(0, 100)}` } };
    }
    const method = env.method as Method;
    const def = contract[method];
    const parsed = def.input.safeParse(env.args ?? {});
    if (!parsed.success) return { ok: false, error: zodToApi(parsed.error) };

    const where = def as { local?: readonly string[]; register?: 'optional' };
    const local = where.local?.find((k) => (parsed.data as Record<string, unknown>)[k] !== undefined);
    if (local && !base.asUser) {
      return { ok: false, error: { code: 'forbidden', message: `Параметр «${local}» метода «${method}» принимается только из командной строки на этом компьютере` } };
    }
    if (!base.db && where.register !== 'optional') {
      return { ok: false, error: { code: 'validation', message: `«${method}»: нужен открытый реестр (--db ФАЙЛ)` } };
    }

    const token = typeof env.session === 'string' ? env.session : null;
    const userId = base.sessions.userId(token);
    const user = base.asUser ?? (userId != null && base.db ? getUser(base.db, userId) : null);
    if (def.roles !== 'public') {
      if (!user) {
        // a session ended with all the others (the register was replaced) says why, at the envelope's `session`
        const why = base.sessions.endedReason(token);
        return { ok: false, error: why ? { code: 'unauthenticated', message: why, fields: { session: why } } : { code: 'unauthenticated', message: 'Войдите в систему' } };
      }
      if (!(def.roles as readonly string[]).includes(user.role)) {
        return { ok: false, error: { code: 'forbidden', message: `Недостаточно прав: «${method}» доступен ролям: ${def.roles.map((r) => ROLE_WORDS[r] ?? r).join(', ')}` } };
      }
    }
    const { asUser: _cli, otherProgram: _other, ...rest } = base;
    // a null db reaches only the handlers of `register: 'optional'` methods, whose Ctx says so (main/shared/handler.ts)
    const ctx = { ...rest, user, session: typeof env.session === 'string' ? env.session : null } as Ctx;
    const args = parsed.data as never;
    const h = handlers[method] as AnyHandler;
    // Whatever writes waits for a job that holds the register: commands, and jobs that write.
    const writes = h.kind === 'job' ? h.writes : h.kind === 'command' && h.tx !== 'none';
    // another program's job on the same register (a CLI import while the app closes the year, or the other way round):
    // named and waited for within the bound, then refused — not left to SQLite's busy wait on this thread. Awaited only
    // when there is one: otherwise nothing yields between the check below and the run.
    if (writes && base.db && otherHolder(base.db.name)) {
      await waitForOtherProgram(base.db.name, base.otherProgram?.waitMs ?? BUSY_TIMEOUT_MS, base.otherProgram?.onWaiting);
    }
    if (writes && base.jobs.exclusive) {
      return { ok: false, error: { code: 'conflict', message: `Реестр занят: идёт «${base.jobs.exclusive}». Повторите позже.` } };
    }
    let value: unknown;
    if (h.kind === 'job') {
      const spec = h.start(ctx, args);
      const result = (def as { result?: z.ZodType }).result!;
      const register = base.db?.name ?? null;
      value = {
        jobId: base.jobs.start(spec.jobKind ?? method, async (p, id) => {
          // while it runs, other programs on this computer see which job holds the register (and wait for it)
          const release = writes && register ? holdRegister(register, jobName(method, spec.label)) : () => {};
          // a full disk or a register held by another program fails the job as bad input, the place named
          const r = await spec.work(p, id).catch((e: unknown) => { throw placeError(e, base.db) ?? e; }).finally(release);
          const out = result.safeParse(r);
          if (!out.success) throw new Error(`${method}: the job's result does not match the contract: ${out.error.message}`);
          return out.data;
        }, { exclusive: h.exclusive, owner: user?.login ?? null, label: spec.label, keepMs: spec.keepMs, privateResult: spec.privateResult }),
      };
    } else if (h.kind === 'command' && h.tx === 'dispatch') {
      // The change and its audit entry commit together or not at all.
      const db = base.db!; // a command in dispatch's transaction is never register-optional
      value = db.transaction(() => {
        const v = h.run(ctx, args);
        if (v instanceof Promise) throw new Error(`${method}: a command in dispatch's transaction must be synchronous`);
        appendAudit(db, user?.login ?? null, method, { args: auditableArgs(parsed.data), result: auditSummary(v) });
        return v;
      }).immediate();
    } else {
      value = await h.run(ctx, args);
    }
    if (base.db) keepAnchor(base.db);
    const out = def.output.safeParse(value);
    if (!out.success) throw new Error(`${method}: response does not match the contract: ${out.error.message}`);
    // personal data shown to a signed-in user: who read it, from where, is logged before it is handed over (a reading
    // that cannot be logged is not answered). Not the local command line's: it acts as the OS user who holds the
    // register file itself (its name lookups would write to a register a refused command must leave untouched).
    const personal = (def as { personal?: ReadKind }).personal;
    if (personal && base.db && user && !base.asUser) {
      // while another connection writes (the import's commit in its thread) the entry goes to the side journal, durably,
      // and into read_log once the register is free (main/personal-data/read-journal.ts): the answer waits for its
      // entry, not for the other writer
      await logRead(base.db, { login: user.login, workplace: workplaceOf(base), method, kind: personal, args: auditableArgs(parsed.data),
        studentIds: studentsRead(personal, parsed.data, out.data) });
    }
    return { ok: true, value: out.data };
  } catch (e) {
    if (e instanceof AppError) return { ok: false, error: e.toApi() };
    const mapped = e instanceof Error ? sqliteToApi(e as Error & { code?: string }, base.db) : null;
    if (mapped) return { ok: false, error: mapped };
    logError(`[school-register] internal error in ${String(env?.method).slice(0, 60)}:`, e);
    return { ok: false, error: { code: 'internal', message: `Внутренняя ошибка: ${(e as Error)?.message ?? e}` } };
  }
};

/** The audit keeps the identity of what a call made, not a copy of every list it returned. */
function auditSummary(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ('session' in o) return { user: (o.user as { login?: string })?.login };
    // a versioned record's version too: a stale save is told which saves came after the version it read (issue 18)
    if ('id' in o) return typeof o.version === 'number' ? { id: o.id, version: o.version } : { id: o.id };
    return o;
  }
  return Array.isArray(v) ? { count: v.length } : v;
}

/** After a call: the audit head anchored beside the register (a no-op unless the head moved). Never fails the call. */
export function keepAnchor(db: Parameters<typeof anchorAudit>[0]): void {
  try {
    anchorAudit(db);
  } catch (e) {
    console.error(`[school-register] could not write the audit anchor: ${(e as Error).message}`);
  }
}
