// The command line: the same backend (dispatch, roles, audit) for scripts, Task Scheduler and cron.
// Exit codes: 0 success, 1 bad input (one clear line on stderr), 2 internal error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { contract, type Input, type Method, type Output, type User } from '../../preload/contract.ts';
import { openRegister, RegisterOpenError, type DB } from '../../db/connection.ts';
import { dispatch } from '../host/dispatch.ts';
import { Jobs, progressTo } from '../host/jobs.ts';
import { Sessions } from '../users/users.ts';
import { AppError } from '../shared/errors.ts';
import { formatRu, isValidIsoDate } from '../shared/dates.ts';
import { formatSnils } from '../shared/checksums.ts';
import { generateDemo } from '../demo/generate.ts';
import { findClass } from '../classes/classes.ts';
import { yearByName } from '../years/years.ts';
import { appendAudit } from '../audit/log.ts';
import { WorkbookError } from '../workbooks/read.ts';
import { applyStudentsImport, previewStudentsImport } from '../workbooks/students-import.ts';
import { applyMarksImport, previewMarksImport } from '../workbooks/marks-import.ts';
import { exportCityRegister, MissingCityRegisterIds } from '../workbooks/city-register.ts';
import { PacketsUsageError, runPacketsCli } from '../packets/cli.ts';

class UsageError extends Error {}

const HELP = `Школьный регистр — командная строка
Использование: school-register <команда> [параметры] --db ФАЙЛ [--json]

  init                               создать файл реестра (или обновить схему)
  demo --students N                  заполнить пустой реестр демонстрационной школой
  students list [--class 5А --year 2025/2026] [--query ФИО|СНИЛС] [--limit N]
  students add --last Ф --first И [--middle О] --birth ДД.ММ.ГГГГ --sex М|Ж [--snils СНИЛС]
               [--class 5А --year 2025/2026 --order N --order-date ДД.ММ.ГГГГ [--date ДД.ММ.ГГГГ]]
  classes list [--year 2025/2026]
  years list
  audit verify                       проверить цепочку журнала аудита (код 1, если нарушена)
  import students ФАЙЛ.xlsx [--dry-run] [--mapping СООТВЕТСТВИЕ.json] [--allow-rejected]
                                     учеников из выгрузки журнала: предпросмотр (--dry-run) или запись одной
                                     транзакцией; с отклонёнными ячейками — код 1 и ничего не записано
  import marks ФАЙЛ.xlsx [--dry-run] [--mapping СООТВЕТСТВИЕ.json] [--year 2026/2027] [--allow-rejected]
                                     оценки из выгрузки журнала (по умолчанию за текущий учебный год); в файле
                                     соответствия — {"columns": {поле: столбец}, "subjects": {предмет в журнале: id}}
  export city-register --year 2026/2027 --out ФАЙЛ.xlsx   книга для городского реестра (предметы — кодами реестра)
  packets build [--kind full|delta]  собрать пакет в региональный сегмент (первый — полный снимок, далее — изменения)
  packets sign --cert ФАЙЛ.p12       подписать собранные пакеты (пароль: --password-file ФАЙЛ или SCHOOL_REGISTER_CERT_PASSWORD)
  packets upload --endpoint URL [--all] [--ca ЦС.pem] [--client-cert TLS.p12] [--timeout МС]
                                     отправить следующий (--all — все) ожидающие пакеты; код 1, если что-то отклонено или ждёт повтора
  packets upload --endpoint URL --registers Ф1 Ф2 … --cert ФАЙЛ.p12 [--concurrency N]
                                     собрать, подписать и отправить пакеты нескольких реестров (без --db)
  packets status                     очередь пакетов: состояния, квитанции, причины отказа

Коды выхода: 0 — успешно, 1 — ошибка во входных данных, 2 — внутренняя ошибка.`;

type Flags = Record<string, string | boolean | undefined>;

function toIso(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`не указан параметр ${what}`);
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v.trim());
  const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : v.trim();
  if (!isValidIsoDate(iso)) throw new UsageError(`${what}: неверная дата «${v}» (нужно ДД.ММ.ГГГГ)`);
  return iso;
}

function need(f: Flags, name: string): string {
  const v = f[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`не указан параметр --${name}`);
  return v;
}

export async function runCli(argv: string[], io = { out: (s: string) => process.stdout.write(s + '\n'), err: (s: string) => process.stderr.write(s + '\n') }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, students: { type: 'string' },
        class: { type: 'string' }, year: { type: 'string' }, query: { type: 'string' }, limit: { type: 'string' },
        last: { type: 'string' }, first: { type: 'string' }, middle: { type: 'string' }, birth: { type: 'string' }, sex: { type: 'string' },
        snils: { type: 'string' }, 'dry-run': { type: 'boolean' }, mapping: { type: 'string' }, 'allow-rejected': { type: 'boolean' },
        order: { type: 'string' }, 'order-date': { type: 'string' }, date: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
        kind: { type: 'string' }, cert: { type: 'string' }, 'password-file': { type: 'string' }, endpoint: { type: 'string' }, all: { type: 'boolean' },
        registers: { type: 'string' }, ca: { type: 'string' }, 'client-cert': { type: 'string' }, timeout: { type: 'string' }, concurrency: { type: 'string' },
      },
    });
  } catch (e) {
    io.err(`Ошибка: ${(e as Error).message}. Справка: school-register --help`);
    return 1;
  }
  const f = parsed.values as Flags;
  const GROUPS = new Set(['students', 'classes', 'years', 'audit', 'import', 'export', 'packets']);
  const words = GROUPS.has(parsed.positionals[0]) ? 2 : 1;
  const cmd = parsed.positionals.slice(0, words).join(' ');
  const operands = parsed.positionals.slice(words);
  if (f.help || !cmd) {
    io.out(HELP);
    return f.help ? 0 : 1;
  }
  const json = !!f.json;
  let db: DB | null = null;
  try {
    if (cmd.startsWith('packets ')) return await runPacketsCli(cmd, f, operands, io);
    if (typeof f.db !== 'string') throw new UsageError('укажите файл реестра: --db ФАЙЛ');
    db = openRegister(f.db, { create: cmd === 'init' || cmd === 'demo' });
    const who: User = { id: 0, login: `cli:${os.userInfo().username}`, fullName: 'Командная строка', role: 'admin' };
    const base = { db, sessions: new Sessions(), jobs: new Jobs(), session: null, asUser: who };
    const call = async <M extends Method>(method: M, args: Input<M>): Promise<Output<M>> => {
      const r = await dispatch(base, { method, args });
      if (!r.ok) throw new AppError(r.error.code, r.error.fields ? `${r.error.message}` : r.error.message, r.error.fields);
      return r.value as Output<M>;
    };
    const yearId = async (name: string | undefined) => {
      if (!name) return undefined;
      const y = yearByName(db!, name);
      if (!y) throw new UsageError(`учебный год ${name} не найден (см. years list)`);
      return y.id;
    };
    const classId = async (name: string | undefined, year: string | undefined) => {
      if (!name) return undefined;
      if (!year) throw new UsageError('с --class укажите и --year');
      const c = findClass(db!, (await yearId(year))!, name);
      if (!c) throw new UsageError(`класс ${name} в ${year} не найден`);
      return c.id;
    };
    const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());

    switch (cmd) {
      case 'init': {
        const v = db.pragma('user_version', { simple: true });
        print({ ok: true, file: f.db, schemaVersion: v }, () => `Реестр готов: ${f.db} (схема ${v})`);
        return 0;
      }
      case 'demo': {
        const n = Number(need(f, 'students'));
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--students: целое число больше 0');
        let last = 0;
        const s = await generateDemo(db, { students: n, by: who.login, seed: f.seed ? Number(f.seed) : undefined },
          progressTo((done, total) => {
            if (!json && process.stderr.isTTY && Date.now() - last > 500) {
              last = Date.now();
              process.stderr.write(`\r${done} из ${total}`);
            }
          }));
        if (!json && process.stderr.isTTY) process.stderr.write('\n');
        print(s, () => `Демонстрационная школа: ${s.students} учеников, ${s.classes} классов, ${s.staff} сотрудников, ${s.subjects} предметов, ${s.years} уч. лет, ${s.orders} приказов, ${s.movements} движений`);
        return 0;
      }
      case 'students list': {
        const r = await call('students.search', { query: f.query as string | undefined, classId: await classId(f.class as string | undefined, f.year as string | undefined),
          yearId: f.class ? undefined : await yearId(f.year as string | undefined), limit: f.limit ? Number(f.limit) : 200 });
        print(r, () => [...r.rows.map((s) => [s.fullName, formatRu(s.birthDate), s.snils ? formatSnils(s.snils) : '—', s.className ?? '—'].join('\t')),
          `Всего: ${r.total}${r.total > r.rows.length ? ` (показано ${r.rows.length})` : ''}`].join('\n'));
        return 0;
      }
      case 'students add': {
        // The card and its enrolment are one change: a refused enrolment leaves no student behind.
        db.exec('BEGIN IMMEDIATE');
        const s = await call('students.create', { lastName: need(f, 'last'), firstName: need(f, 'first'), middleName: (f.middle as string) ?? null,
          birthDate: toIso(f.birth as string, '--birth'), sex: need(f, 'sex').toUpperCase() as 'М' | 'Ж', snils: (f.snils as string) ?? null, guardians: [] });
        let enrolled = '';
        if (f.class) {
          const cid = await classId(f.class as string, f.year as string | undefined);
          await call('orders.enrol', { order: { number: need(f, 'order'), date: toIso(f['order-date'] as string, '--order-date') }, studentId: s.id,
            classId: cid!, date: f.date ? toIso(f.date as string, '--date') : toIso(f['order-date'] as string, '--order-date') });
          enrolled = ` и зачислен(а) в ${f.class}`;
        }
        const full = await call('students.get', { id: s.id });
        db.exec('COMMIT');
        print(full, () => `Добавлен(а) ${full.lastName} ${full.firstName}${enrolled}: ${full.id}`);
        return 0;
      }
      case 'classes list': {
        const r = await call('classes.list', { yearId: await yearId(f.year as string | undefined) });
        print(r, () => r.map((c) => [c.yearName, c.name, c.level, `смена ${c.shift}`, c.homeroomTeacher ?? '—', `${c.studentCount} уч.`, c.adapted ? 'АООП' : ''].join('\t')).join('\n'));
        return 0;
      }
      case 'years list': {
        const r = await call('years.list', {});
        print(r, () => r.map((y) => `${y.name}\t${formatRu(y.startDate)}–${formatRu(y.endDate)}`).join('\n'));
        return 0;
      }
      case 'audit verify': {
        const r = await call('audit.verify', {});
        print(r, () => r.message);
        return r.ok ? 0 : 1;
      }
      case 'import students': {
        const file = operands[0];
        if (!file) throw new UsageError('укажите файл: import students ФАЙЛ.xlsx');
        let mapping: Record<string, string | null> | undefined;
        if (typeof f.mapping === 'string') {
          try {
            mapping = JSON.parse(fs.readFileSync(f.mapping, 'utf8'));
          } catch (e) {
            throw new UsageError(`файл соответствия столбцов ${f.mapping}: ${(e as Error).message}`);
          }
        }
        const preview = await previewStudentsImport(db, file, { mapping });
        const rejectedLines = preview.rejected.map((r) => `  лист «${r.sheet}», строка ${r.row}${r.column ? `, столбец ${r.column}` : ''}: ${r.reason}`);
        const summary = { added: preview.added.length, changed: preview.changed.length, unchanged: preview.unchanged, rejected: preview.rejected };
        if (f['dry-run']) {
          print(summary, () => [`Предпросмотр ${file}: добавить ${summary.added}, изменить ${summary.changed}, без изменений ${summary.unchanged}, отклонено ячеек ${preview.rejected.length}`, ...rejectedLines].join('\n'));
          return preview.rejected.length ? 1 : 0;
        }
        if (preview.rejected.length && !f['allow-rejected']) {
          io.err([`Ошибка: отклонено ячеек: ${preview.rejected.length}; ничего не записано`, ...rejectedLines].join('\n'));
          return 1;
        }
        // Importing the same file again changes nothing: no write, no audit entry.
        const r = !preview.added.length && !preview.changed.length
          ? { added: 0, changed: 0, unchanged: preview.unchanged, rejectedRows: new Set(preview.rejected.map((x) => `${x.sheet}:${x.row}`)).size }
          : applyStudentsImport(db, preview, (res) => appendAudit(db!, who.login, 'import.students', { args: { file: path.basename(file), mapping }, result: res }));
        print(r, () => `Импорт ${file}: добавлено ${r.added}, изменено ${r.changed}, без изменений ${r.unchanged}, отклонено строк ${r.rejectedRows}`);
        return 0;
      }
      case 'import marks': {
        const file = operands[0];
        if (!file) throw new UsageError('укажите файл: import marks ФАЙЛ.xlsx');
        let mapping: { columns?: Record<string, string | null>; subjects?: Record<string, number> } | undefined;
        if (typeof f.mapping === 'string') {
          try {
            mapping = JSON.parse(fs.readFileSync(f.mapping, 'utf8'));
          } catch (e) {
            throw new UsageError(`файл соответствия ${f.mapping}: ${(e as Error).message}`);
          }
        }
        const preview = await previewMarksImport(db, file, { mapping: mapping?.columns, subjectMapping: mapping?.subjects, year: f.year as string | undefined });
        const rejectedLines = preview.rejected.map((r) => `  лист «${r.sheet}», строка ${r.row}${r.column ? `, столбец ${r.column}` : ''}: ${r.reason}`);
        const summary = { year: preview.year.name, added: preview.added, changed: preview.changed, unchanged: preview.unchanged, rejected: preview.rejected };
        if (f['dry-run']) {
          print(summary, () => [`Предпросмотр ${file} (${summary.year}): добавить оценок ${summary.added}, изменить ${summary.changed}, без изменений ${summary.unchanged}, отклонено ячеек ${preview.rejected.length}`, ...rejectedLines].join('\n'));
          return preview.rejected.length ? 1 : 0;
        }
        if (preview.rejected.length && !f['allow-rejected']) {
          io.err([`Ошибка: отклонено ячеек: ${preview.rejected.length}; ничего не записано`, ...rejectedLines].join('\n'));
          return 1;
        }
        // Importing the same file again changes nothing: no write, no audit entry.
        const r = !preview.writes.length
          ? { added: 0, changed: 0, unchanged: preview.unchanged, rejectedCells: preview.rejected.length }
          : applyMarksImport(db, preview, (res) => appendAudit(db!, who.login, 'import.marks', { args: { file: path.basename(file), year: preview.year.name, mapping }, result: res }));
        print(r, () => `Импорт оценок ${file} (${preview.year.name}): добавлено ${r.added}, изменено ${r.changed}, без изменений ${r.unchanged}, отклонено ячеек ${r.rejectedCells}`);
        return 0;
      }
      case 'export city-register': {
        const out = need(f, 'out');
        try {
          const r = await exportCityRegister(db, { year: need(f, 'year'), out });
          print(r, () => `Книга городского реестра ${r.file} (${r.year}): классов ${r.classes}, учеников ${r.students}, сотрудников ${r.staff}, оценок ${r.marks}`);
          return 0;
        } catch (e) {
          if (!(e instanceof MissingCityRegisterIds)) throw e;
          if (json) io.out(JSON.stringify({ ok: false, missing: e.missing }, null, 2));
          io.err(`Ошибка: ${e.message}`);
          return 1;
        }
      }
      default:
        throw new UsageError(`неизвестная команда «${cmd}». Справка: school-register --help`);
    }
  } catch (e) {
    if (e instanceof WorkbookError) {
      io.err(`Ошибка: ${e.message}`);
      return 1;
    }
    if (e instanceof UsageError || e instanceof RegisterOpenError || e instanceof PacketsUsageError) {
      io.err(`Ошибка: ${e.message}`);
      return 1;
    }
    if (e instanceof AppError && e.code !== 'internal') {
      const fields = e.fields ? Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
      io.err(`Ошибка: ${fields && !e.message.includes(Object.values(e.fields!)[0]) ? fields : e.message}`);
      return 1;
    }
    io.err(`Внутренняя ошибка: ${(e as Error)?.message ?? e}`);
    return 2;
  } finally {
    if (db?.inTransaction) db.exec('ROLLBACK');
    db?.close();
  }
}

// Keep the contract import live: the CLI speaks only methods the contract defines.
void contract;

const isMain = process.argv[1] && /(?:cli[\\/](?:index\.ts|bin\.mjs)|school-register)$/.test(process.argv[1]);
if (isMain) runCli(process.argv.slice(2)).then((code) => process.exit(code));
