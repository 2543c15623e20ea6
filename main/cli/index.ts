// The command line: the same backend (dispatch, roles, audit) for scripts, Task Scheduler and cron.
// Exit codes: 0 success, 1 bad input (one clear line on stderr), 2 internal error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { contract, type Input, type Method, type Output, type User } from '../../preload/contract.ts';
import { openRegister, RegisterOpenError, type DB } from '../../db/connection.ts';
import { dispatch, keepAnchor } from '../host/dispatch.ts';
import { Jobs, progressTo } from '../shared/jobs.ts';
import { Sessions } from '../users/users.ts';
import { AppError } from '../shared/errors.ts';
import { formatDate, isValidIsoDate } from '../../preload/core/dates.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import { generateDemo } from '../demo/generate.ts';
import { findClass } from '../classes/classes.ts';
import { yearByName } from '../years/years.ts';
import { classInfo, classPeriods } from '../grades/grades.ts';
import { classStudents } from '../students/students.ts';
import { searchKey } from '../../preload/core/names.ts';
import { currentYearStart, todayIso } from '../../preload/core/dates.ts';
import { appendAudit } from '../audit/log.ts';
import { detectPeriod, normalizeHeader, PERIODS, WorkbookError, type Period } from '../workbooks/read.ts';
import { applyStudentsImport, previewStudentsImport } from '../workbooks/students-import.ts';
import { applyMarksImport, hasWrites, previewMarksImport } from '../workbooks/marks-import.ts';
import { exportCityRegister, MissingCityRegisterIds } from '../workbooks/city-register.ts';
import { printLedger } from '../ledgers/versions.ts';
import { closeYear, sealClass, type Certificate } from '../ledgers/seal.ts';
import { verifyLedger } from '../ledgers/verify.ts';
import { resolveStudent } from '../printouts/data.ts';
import { PacketsUsageError, runPacketsCli } from './packets.ts';

import { ARCHIVE_COMMANDS, passphrase, runArchiveCommand } from './archive.ts';
import { checkAuditWitnesses } from '../backup/witness.ts';
import { UsageError } from './usage.ts';

const HELP = `Школьный регистр — командная строка
Использование: school-register <команда> [параметры] --db ФАЙЛ [--json]

  init                               создать файл реестра (или обновить схему)
  demo --students N                  заполнить пустой реестр демонстрационной школой
  students list [--class 5А --year 2025/2026] [--query ФИО|СНИЛС] [--limit N]
  students add --last Ф --first И [--middle О] --birth ДД.ММ.ГГГГ --sex М|Ж [--snils СНИЛС]
               [--class 5А --year 2025/2026 --order N --order-date ДД.ММ.ГГГГ [--date ДД.ММ.ГГГГ]]
  classes list [--year 2025/2026]
  years list
  audit verify [--witness ПАПКА ...] проверить цепочку журнала аудита (код 1, если нарушена); с --witness — и по
                                     последней резервной копии в каждой папке: её записи должны быть в реестре
  import students ФАЙЛ.xlsx [--dry-run] [--mapping СООТВЕТСТВИЕ.json] [--allow-rejected]
                                     учеников из выгрузки журнала: предпросмотр (--dry-run) или запись одной
                                     транзакцией; с отклонёнными ячейками — код 1 и ничего не записано
  import marks ФАЙЛ.xlsx [--dry-run] [--mapping СООТВЕТСТВИЕ.json] [--year 2026/2027] [--allow-rejected]
                                     оценки из выгрузки журнала (по умолчанию за текущий учебный год); в файле
                                     соответствия — {"columns": {поле: столбец}, "sheets": {лист: {поле: столбец}},
                                     "subjects": {предмет в журнале: id}}; графы пропусков («Пропущено уроков»,
                                     «из них по болезни», «по уважительной причине») загружаются вместе с оценками
  export city-register --year 2026/2027 --out ФАЙЛ.xlsx   книга для городского реестра (предметы — кодами реестра)
  grades set --class 5А [--year 2026/2027] --student "Фамилия Имя [Отчество]" [--birth ДД.ММ.ГГГГ] --subject Предмет
             --period "1 четверть"|q1|годовая|экзамен|итоговая --mark 4   одна оценка (--mark "" стирает её)
  ledger print --class 9А --year 2025/2026 [--out ФАЙЛ.pdf] [--xlsx ФАЙЛ.xlsx] [--version N]
                                     сводная ведомость: без --version — черновик по текущим данным, с --version —
                                     запечатанная версия как она хранится
  ledger seal --year 2025/2026 [--class 9А] [--cert ФАЙЛ.p12] [--allow-na]
                                     запечатать ведомость класса или всех классов года (каждый класс — отдельной
                                     транзакцией; повторный запуск доделывает оставшиеся); пароль сертификата — из
                                     SCHOOL_REGISTER_CERT_PASSWORD или с клавиатуры; классы с пустыми оценками (и с «н/а»
                                     без --allow-na) перечисляются и не запечатываются (код 1)
  ledger verify (--code КОД | --pdf ФАЙЛ.pdf)   проверить ведомость: код 0 — подлинная текущая версия, данные совпадают
  ledger correct --class 9А --year 2025/2026 --reason ПРИЧИНА --order N --order-date ДД.ММ.ГГГГ
                                     открыть исправление запечатанной ведомости (затем ledger seal — версия N+1)
  print certificate-of-study --student (UUID|ФИО) --out ФАЙЛ.pdf
                                     справка об обучении (о периоде обучения): отметки ученика по годам
  print alphabet-book --letter К --out ФАЙЛ.pdf    страницы алфавитной книги на букву
  print attestat-book --year 2025/2026 --out ФАЙЛ.pdf   книга учёта выданных аттестатов и бланков
                                     каждый документ регистрируется с кодом проверки (на каждой странице, с QR-кодом);
                                     те же данные — тот же код
  print verify (--code КОД | --pdf ФАЙЛ.pdf)   проверить заверенный документ: код 0 — подлинный и актуальный
  packets build [--kind full|delta]  собрать пакет в региональный сегмент (первый — полный снимок, далее — изменения)
  packets sign --cert ФАЙЛ.p12       подписать собранные пакеты (пароль: --password-file ФАЙЛ или SCHOOL_REGISTER_CERT_PASSWORD)
  packets upload --endpoint URL [--all] [--ca ЦС.pem] [--client-cert TLS.p12] [--timeout МС]
                                     отправить следующий (--all — все) ожидающие пакеты; код 1, если что-то отклонено или ждёт повтора
  packets upload --endpoint URL --registers Ф1 Ф2 … --cert ФАЙЛ.p12 [--concurrency N]
                                     собрать, подписать и отправить пакеты нескольких реестров (без --db)
  packets status                     очередь пакетов: состояния, квитанции, причины отказа; размер журнала изменений
  packets compact [--slice N]        сжать журнал изменений: удалить записи, которые покрывает принятый полный пакет
                                     (по N записей за транзакцию, по умолчанию 5000; прерванное сжатие продолжится)

Архив и резервные копии (приказ № 810: два носителя в разных помещениях):
  backup --to ПАПКА --to ПАПКА [--encrypt] [--yes] [--central URL] [--progress]
                                     снимок реестра и архив — копия BagIt на каждый носитель (не меньше двух);
                                     --encrypt шифрует все копии (AES-256-GCM), носители из реестра носителей с
                                     пометкой «шифровать» шифруются всегда; парольная фраза — из переменной
                                     SR_BACKUP_PASSPHRASE или файла --passphrase-file; --yes подтверждает запись
                                     на один и тот же носитель; --central — отправить копию в центральное
                                     хранилище (токен в SR_CENTRAL_TOKEN)
  verify-copies ПАПКА ПАПКА… [--repair]
                                     перепроверить копии по их описям; --repair чинит по двойнику (каждая починка
                                     записана в журнал починок)
  restore КОПИЯ --to ФАЙЛ [--trust СЕРТ.pem]   восстановить реестр и архив из копии; прежний реестр — в сторону
  restore КОПИЯ --drill [--trust СЕРТ.pem]      учебное восстановление: во временную папку, проверить, удалить
  media list                         носители: метка, вид, помещение, когда записан и проверен
  media add --label МЕТКА --kind usb|hdd|nas|optical --room ПОМЕЩЕНИЕ --path ПАПКА [--encrypt]
  archive verify [--trust СЕРТ.pem]  перехешировать архив, проверить цепочку описи и все подписи
  upload КОПИЯ --url URL             отправить готовую копию в центральное хранилище (с докачкой)
  (restore, verify-copies и archive verify --archive ПАПКА работают и без --db: тогда ничего не записывают в журнал)

Коды выхода: 0 — успешно; 1 — ошибка во входных данных или отказ (в т. ч. неверная парольная фраза, опасные
пути в копии, восстановление не прошло проверок, отменено); 2 — внутренняя ошибка;
3 — найдены повреждения (verify-copies без --repair, archive verify) или копия записана не на все носители;
4 — повреждение не исправить (файл испорчен во всех копиях) или копия не записана ни на один носитель.`;

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
        student: { type: 'string' }, subject: { type: 'string' }, period: { type: 'string' }, mark: { type: 'string' },
        xlsx: { type: 'string' }, version: { type: 'string' }, cert: { type: 'string' }, 'allow-na': { type: 'boolean' }, code: { type: 'string' },
        pdf: { type: 'string' }, reason: { type: 'string' }, letter: { type: 'string' },
        to: { type: 'string', multiple: true }, witness: { type: 'string', multiple: true }, encrypt: { type: 'boolean' }, yes: { type: 'boolean' }, repair: { type: 'boolean' }, drill: { type: 'boolean' },
        trust: { type: 'string' }, 'passphrase-file': { type: 'string' }, central: { type: 'string' }, url: { type: 'string' }, progress: { type: 'boolean' },
        label: { type: 'string' }, kind: { type: 'string' }, room: { type: 'string' }, path: { type: 'string' }, archive: { type: 'string' },
        'password-file': { type: 'string' }, endpoint: { type: 'string' }, all: { type: 'boolean' },
        registers: { type: 'string' }, ca: { type: 'string' }, 'client-cert': { type: 'string' }, timeout: { type: 'string' }, concurrency: { type: 'string' },
        slice: { type: 'string' },
      },
    });
  } catch (e) {
    io.err(`Ошибка: ${(e as Error).message}. Справка: school-register --help`);
    return 1;
  }
  const f = parsed.values as Flags;
  const GROUPS = new Set(['students', 'classes', 'years', 'audit', 'import', 'export', 'grades', 'ledger', 'print', 'media', 'archive', 'packets']);
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
    // Reading copies needs no register; with --db the run is logged in it.
    const dbOptional = cmd === 'restore' || cmd === 'verify-copies' || cmd === 'upload' || (cmd === 'archive verify' && typeof f.archive === 'string');
    if (typeof f.db !== 'string' && !dbOptional) throw new UsageError('укажите файл реестра: --db ФАЙЛ');
    const restoreTarget = cmd === 'restore' ? (f.to as unknown as string[] | undefined)?.[0] : undefined;
    if (restoreTarget && typeof f.db === 'string' && path.resolve(restoreTarget) === path.resolve(f.db)) {
      throw new UsageError('восстановление поверх реестра, указанного в --db: уберите --db (журнал восстановления тогда не ведётся)');
    }
    if (typeof f.db === 'string') db = openRegister(f.db, { create: cmd === 'init' || cmd === 'demo' });
    if (ARCHIVE_COMMANDS.has(cmd)) return await runArchiveCommand(cmd, operands, f, db, io, json);
    if (!db) throw new UsageError('укажите файл реестра: --db ФАЙЛ');
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
        print(r, () => [...r.rows.map((s) => [s.fullName, formatDate(s.birthDate), s.snils ? formatSnils(s.snils) : '—', s.className ?? '—'].join('\t')),
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
        print(r, () => r.map((y) => `${y.name}\t${formatDate(y.startDate)}–${formatDate(y.endDate)}`).join('\n'));
        return 0;
      }
      case 'audit verify': {
        const r = await call('audit.verify', {});
        const dirs = (f.witness as string[] | undefined) ?? [];
        if (!dirs.length) {
          print(r, () => r.message);
          return r.ok ? 0 : 1;
        }
        // backup copies on other media as witnesses: the chain they hold must still be in the register
        const witnesses = await checkAuditWitnesses(db, dirs, passphrase(f) ?? undefined);
        const failed = witnesses.some((w) => w.state === 'entries_missing' || w.state === 'rewritten');
        print({ ...r, ok: r.ok && !failed, witnesses }, () => [r.message, ...witnesses.map((w) => `  ${w.state === 'ok' ? 'OK ' : w.state === 'encrypted' ? '—  ' : '!! '} ${w.message}`)].join('\n'));
        return r.ok && !failed ? 0 : 1;
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
        let mapping: { columns?: Record<string, string | null>; sheets?: Record<string, Record<string, string | null>>; subjects?: Record<string, number> } | undefined;
        if (typeof f.mapping === 'string') {
          try {
            mapping = JSON.parse(fs.readFileSync(f.mapping, 'utf8'));
          } catch (e) {
            throw new UsageError(`файл соответствия ${f.mapping}: ${(e as Error).message}`);
          }
        }
        const preview = await previewMarksImport(db, file, { mapping: mapping?.columns, sheetMappings: mapping?.sheets, subjectMapping: mapping?.subjects, year: f.year as string | undefined,
          fingerprint: false }); // this preview is committed here and now: no token to compare
        const rejectedLines = preview.rejected.map((r) => `  лист «${r.sheet}», строка ${r.row}${r.column ? `, столбец ${r.column}` : ''}: ${r.reason}`);
        const att = preview.attendance;
        const attText = (a: { added: number; changed: number; unchanged: number } | undefined | null, verb: [string, string]) =>
          a ? `; пропуски (ученик × период): ${verb[0]} ${a.added}, ${verb[1]} ${a.changed}, без изменений ${a.unchanged}` : '';
        const summary = { year: preview.year.name, added: preview.added, changed: preview.changed, unchanged: preview.unchanged, rejected: preview.rejected,
          ...(att ? { attendance: { added: att.added, changed: att.changed, unchanged: att.unchanged } } : {}) };
        if (f['dry-run']) {
          print(summary, () => [`Предпросмотр ${file} (${summary.year}): добавить оценок ${summary.added}, изменить ${summary.changed}, без изменений ${summary.unchanged}, отклонено ячеек ${preview.rejected.length}${attText(summary.attendance, ['добавить', 'изменить'])}`, ...rejectedLines].join('\n'));
          return preview.rejected.length ? 1 : 0;
        }
        if (preview.rejected.length && !f['allow-rejected']) {
          io.err([`Ошибка: отклонено ячеек: ${preview.rejected.length}; ничего не записано`, ...rejectedLines].join('\n'));
          return 1;
        }
        // Importing the same file again changes nothing: no write, no audit entry.
        const r = !hasWrites(preview)
          ? { added: 0, changed: 0, unchanged: preview.unchanged, rejectedCells: preview.rejected.length, ...(att ? { attendance: { added: 0, changed: 0, unchanged: att.unchanged } } : {}) }
          : applyMarksImport(db, preview, (res) => appendAudit(db!, who.login, 'import.marks', { args: { file: path.basename(file), year: preview.year.name, mapping }, result: res }));
        print(r, () => `Импорт оценок ${file} (${preview.year.name}): добавлено ${r.added}, изменено ${r.changed}, без изменений ${r.unchanged}, отклонено ячеек ${r.rejectedCells}${attText(r.attendance, ['добавлено', 'изменено'])}`);
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
      case 'grades set': {
        // one mark, named as a clerk names it; written through grades.set, so the grid's rules and the audit apply
        const year = (f.year as string | undefined) ?? (() => { const y = currentYearStart(todayIso()); return `${y}/${y + 1}`; })();
        const cid = (await classId(need(f, 'class'), year))!;
        const cls = classInfo(db, cid);
        const wanted = searchKey(need(f, 'student'));
        const birth = f.birth ? toIso(f.birth as string, '--birth') : null;
        const found = classStudents(db, cid).filter((s) => (searchKey(s.fullName) === wanted || searchKey(s.fullName).startsWith(`${wanted} `)) && (!birth || s.birthDate === birth));
        if (!found.length) throw new UsageError(`ученик «${f.student}» не найден в классе ${cls.name} (${year})`);
        if (found.length > 1) throw new UsageError(`в классе ${cls.name} ${found.length} ученика «${f.student}»: укажите полное ФИО или --birth`);
        const want = normalizeHeader(need(f, 'subject'));
        const subject = (db.prepare('SELECT id, name, short_name FROM subjects').all() as Array<{ id: number; name: string; short_name: string | null }>)
          .find((x) => normalizeHeader(x.name) === want || (x.short_name && normalizeHeader(x.short_name) === want));
        if (!subject) throw new UsageError(`предмет «${f.subject}» не найден (см. справочник предметов)`);
        const raw = need(f, 'period').trim();
        const period: Period | undefined = (PERIODS as readonly string[]).includes(raw) ? raw as Period : (() => {
          const d = detectPeriod(normalizeHeader(raw));
          return d && !d.rest ? d.period : undefined;
        })();
        if (!period) throw new UsageError(`--period: «${raw}» — не период (1 четверть, 2 полугодие, 3 триместр, годовая, экзамен, итоговая)`);
        const slot = period === 'year' ? 'annual' : period === 'exam' || period === 'final' ? period : 'period';
        let periodId: number | null = null;
        if (slot === 'period') {
          const kind = ({ q: 'quarter', h: 'half', t: 'trimester' } as const)[period[0] as 'q' | 'h' | 't'];
          const p = classPeriods(db, cls).find((x) => x.kind === kind && x.number === Number(period.slice(1)));
          if (!p) throw new UsageError(`у класса ${cls.name} в ${year} нет периода «${raw}»`);
          periodId = p.id;
        }
        if (typeof f.mark !== 'string') throw new UsageError('не указан параметр --mark (пустая строка стирает оценку)');
        const from = (db.prepare('SELECT mark FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND slot = ? AND coalesce(period_id, 0) = ?')
          .get(found[0].id, subject.id, cls.year_id, slot, periodId ?? 0) as { mark: string } | undefined)?.mark ?? null;
        const r = await call('grades.set', { classId: cid, cells: [{ studentId: found[0].id, subjectId: subject.id, slot, periodId, mark: f.mark || null }] });
        const out = { student: found[0].fullName, class: cls.name, year, subject: subject.name, period, from, mark: f.mark || null, ...r };
        print(out, () => `${out.student}, ${cls.name}, «${subject.name}», ${raw}: ${out.mark ?? 'стёрта'}${from ? ` (было ${from})` : ''}`);
        return 0;
      }
      case 'ledger print': {
        const cid = (await classId(need(f, 'class'), need(f, 'year')))!;
        if (!f.out && !f.xlsx) throw new UsageError('укажите, куда сохранить: --out ФАЙЛ.pdf и/или --xlsx ФАЙЛ.xlsx');
        let version: number | undefined;
        if (f.version != null) {
          version = Number(f.version);
          if (!Number.isInteger(version) || version < 1) throw new UsageError(`--version: номер версии — целое число от 1, а не «${f.version}»`);
        }
        const written: string[] = [];
        for (const [format, file] of [['pdf', f.out], ['xlsx', f.xlsx]] as const) {
          if (typeof file !== 'string') continue;
          const r = await printLedger(db, { classId: cid, version, format });
          fs.writeFileSync(file, r.bytes);
          written.push(file);
        }
        print({ files: written, version: version ?? null }, () => `Ведомость ${f.class} ${f.year}${version ? `, версия ${version}` : ' (черновик)'}: ${written.join(', ')}`);
        return 0;
      }
      case 'ledger seal': {
        const y = (await yearId(need(f, 'year')))!;
        const certificate = typeof f.cert === 'string' ? await readCertificate(f.cert) : undefined;
        const user = who;
        if (f.class) {
          const v = await sealClass(db, (await classId(f.class as string, f.year as string))!, { user, certificate, allowNa: !!f['allow-na'] });
          print(v, () => `${f.class}: запечатана версия ${v.version}, код ${v.code}${v.signer ? `, подпись: ${v.signer}` : ''}`);
          return 0;
        }
        // One line per class as it is done, so a script (or a person) sees the progress of a long close.
        const r = await closeYear(db, y, { user, certificate, allowNa: !!f['allow-na'], onClass: (x) => {
          if (!json) io.out(`${x.className}: ${x.outcome === 'sealed' ? `запечатана, код ${x.detail}` : x.outcome === 'already' ? `уже запечатана, код ${x.detail}` : `не запечатана — ${x.detail}`}`);
        } }, progressTo());
        if (json) io.out(JSON.stringify(r, null, 2));
        else io.out(`Итого за ${r.year}: запечатано ${r.sealed.length}, уже были запечатаны ${r.alreadySealed.length}, не запечатано ${r.skipped.length}`);
        return r.skipped.length ? 1 : 0;
      }
      case 'ledger verify': {
        if (!!f.code === !!f.pdf) throw new UsageError('укажите одно из двух: --code КОД или --pdf ФАЙЛ.pdf');
        let pdf: Buffer | undefined;
        if (typeof f.pdf === 'string') {
          try {
            pdf = fs.readFileSync(f.pdf);
          } catch (e) {
            throw new UsageError(`не удалось прочитать ${f.pdf}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
          }
        }
        const r = await verifyLedger(db, pdf ? { pdf } : { code: f.code as string });
        print(r, () => [r.message, ...r.differences.map((d) => `  ${d.student}${d.subject ? `, ${d.subject}` : ''}, ${d.column}: было ${d.sealed ?? '—'}, стало ${d.now ?? '—'}`)].join('\n'));
        return r.sealed && r.current && r.intact && r.signatureValid !== false ? 0 : 1;
      }
      case 'ledger correct': {
        const cid = (await classId(need(f, 'class'), need(f, 'year')))!;
        const k = await call('ledgers.correct', { classId: cid, reason: need(f, 'reason'), orderNumber: need(f, 'order'), orderDate: toIso(f['order-date'] as string, '--order-date') });
        print(k, () => `${f.class} ${f.year}: открыто исправление по приказу № ${k.orderNumber} от ${formatDate(k.orderDate)} («${k.reason}»); после правки — ledger seal --class ${f.class} --year ${f.year}`);
        return 0;
      }
      case 'print certificate-of-study':
      case 'print alphabet-book':
      case 'print attestat-book': {
        const out = need(f, 'out');
        const r = cmd === 'print certificate-of-study'
          ? await call('printouts.certificateOfStudy', { studentId: resolveStudent(db, need(f, 'student')).id })
          : cmd === 'print alphabet-book'
            ? await call('printouts.alphabetBook', { letter: need(f, 'letter') })
            : await call('printouts.attestatBook', { year: need(f, 'year') });
        fs.writeFileSync(out, Buffer.from(r.dataBase64, 'base64'));
        const { dataBase64: _, ...shown } = r;
        print({ ...shown, file: out }, () => `${r.title}: ${out}, код проверки ${r.code}${r.reused ? ' (данные не изменились: та же зарегистрированная копия)' : ''}`);
        return 0;
      }
      case 'print verify': {
        if (!!f.code === !!f.pdf) throw new UsageError('укажите одно из двух: --code КОД или --pdf ФАЙЛ.pdf');
        let pdfBase64: string | undefined;
        if (typeof f.pdf === 'string') {
          try {
            pdfBase64 = fs.readFileSync(f.pdf).toString('base64');
          } catch (e) {
            throw new UsageError(`не удалось прочитать ${f.pdf}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
          }
        }
        const r = await call('printouts.verify', pdfBase64 ? { pdfBase64 } : { code: f.code as string });
        print(r, () => r.message);
        return r.registered && r.current && r.intact && r.fileMatches !== false ? 0 : 1;
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
      // the message first; a field's detail only where the message does not already say it
      const extra = Object.entries(e.fields ?? {}).filter(([, v]) => !e.message.includes(v)).map(([k, v]) => `${k}: ${v}`);
      io.err(`Ошибка: ${e.message}${extra.length ? ` (${extra.join('; ')})` : ''}`);
      return 1;
    }
    io.err(`Внутренняя ошибка: ${(e as Error)?.message ?? e}`);
    return 2;
  } finally {
    if (db?.inTransaction) db.exec('ROLLBACK');
    if (db) keepAnchor(db);
    db?.close();
  }
}

/** The school's PKCS#12 and its password: from SCHOOL_REGISTER_CERT_PASSWORD, else asked on the terminal (not echoed). */
async function readCertificate(file: string): Promise<Certificate> {
  let p12: Buffer;
  try {
    p12 = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`сертификат ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
  }
  const fromEnv = process.env.SCHOOL_REGISTER_CERT_PASSWORD;
  if (fromEnv != null) return { p12, password: fromEnv };
  if (!process.stdin.isTTY) throw new UsageError('пароль сертификата: задайте SCHOOL_REGISTER_CERT_PASSWORD (ввод с клавиатуры возможен только в терминале)');
  return { p12, password: await promptHidden(`Пароль сертификата ${path.basename(file)}: `) };
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // echo off before the prompt shows: whatever is typed as soon as it appears is not echoed
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err); else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('ввод пароля прерван'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

// Keep the contract import live: the CLI speaks only methods the contract defines.
void contract;

const isMain = process.argv[1] && /(?:cli[\\/](?:index\.ts|bin\.mjs)|school-register)$/.test(process.argv[1]);
if (isMain) runCli(process.argv.slice(2)).then((code) => process.exit(code));
