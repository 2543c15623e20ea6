// The command line: the same backend (dispatch, roles, audit) for scripts, Task Scheduler and cron.
// Exit codes: 0 success, 1 bad input (one clear line on stderr), 2 internal error.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMPORT_CHANGES_PAGE_MAX, IMPORT_PERIODS, type ImportChange, type ImportPeriod, type Input, type Output, type SignatureCheck } from '../../preload/contract.ts';
import { openRegister, RegisterOpenError, schemaVersion, type DB } from '../../db/connection.ts';
import { keepAnchor } from '../host/dispatch.ts';
import { cliBusyWaitMs, localCaller } from './local-call.ts';
import { AppError, placeError } from '../shared/errors.ts';
import { formatDate, formatDateTime, isValidIsoDate, currentYearStart } from '../../preload/core/dates.ts';
import { signerCertificate, signerIdentifiers, signerName } from '../../preload/core/signer.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import { searchKey } from '../../preload/core/names.ts';
import { count } from '../../preload/core/plural.ts';
// the journal's words for periods and subjects: how a clerk names them on the command line too (pure text helpers)
import { detectPeriod, normalizeHeader } from '../workbooks/read.ts';
import { PacketsUsageError, runPacketsCli } from './packets.ts';

import { ARCHIVE_COMMANDS, passphrase, runArchiveCommand, trusted } from './archive.ts';
import { UsageError } from './usage.ts';
import { describeTimestamp, tsaFromFlags, tsaTrustFromFlags } from './tsa.ts';
import { promptHidden } from './prompt.ts';
import { USERS_COMMANDS, runUsersCommand } from './users.ts';
import { TURN_OF_YEAR_COMMANDS, runTurnOfYearCommand } from './turn-of-year.ts';
import { keepFilesPrivate } from '../shared/private-files.ts';

const HELP = `Школьный регистр — командная строка
Использование: school-register <команда> [параметры] --db ФАЙЛ [--json]

  init                               создать файл реестра (или обновить схему)
  demo --students N                  заполнить пустой реестр демонстрационной школой
  students list [--class 5А --year 2025/2026] [--query ФИО|СНИЛС] [--limit N]
  students add --last Ф --first И [--middle О] --birth ДД.ММ.ГГГГ --sex М|Ж [--snils СНИЛС]
               [--class 5А --year 2025/2026 --order N --order-date ДД.ММ.ГГГГ [--date ДД.ММ.ГГГГ] [--future-order]]
                                     (--future-order: приказ датирован позже сегодняшнего дня, и это верно)
  classes list [--year 2025/2026]
  years list
  audit verify [--witness ПАПКА ...] проверить цепочку журнала аудита (код 1, если нарушена); с --witness — и по
                                     последней резервной копии в каждой папке: её записи должны быть в реестре
  import students ФАЙЛ.xlsx [--dry-run [--changes]] [--mapping СООТВЕТСТВИЕ.json] [--allow-rejected] [--exclude ЛИСТ!СТРОКА ...]
                                     учеников из выгрузки журнала: предпросмотр (--dry-run; с --changes — каждая
                                     строка, которая будет записана, с её адресом) или запись одной транзакцией;
                                     с отклонёнными ячейками — код 1 и ничего не записано; --exclude «Список!7» —
                                     не записывать эту строку (адреса — из --dry-run --changes)
  import marks ФАЙЛ.xlsx [--dry-run [--changes]] [--mapping СООТВЕТСТВИЕ.json] [--year 2026/2027] [--allow-rejected]
                [--exclude ЛИСТ!ЯЧЕЙКА ...]
                                     оценки из выгрузки журнала (по умолчанию за текущий учебный год); в файле
                                     соответствия — {"columns": {поле: столбец}, "sheets": {лист: {поле: столбец}},
                                     "subjects": {предмет в журнале: id}}; графы пропусков («Пропущено уроков»,
                                     «из них по болезни», «по уважительной причине») загружаются вместе с оценками;
                                     соответствие запоминается для журнала с тем же именем файла (как в программе) и
                                     без --mapping берётся запомненное; --dry-run --changes перечисляет каждую
                                     оценку и пропуски «ФИО — предмет, период: было → станет» с адресом ячейки,
                                     --exclude «5А!D6» оставляет эту ячейку как в реестре; Ctrl+C отменяет импорт,
                                     ничего не записав
  export city-register --year 2026/2027 --out ФАЙЛ.xlsx   книга для городского реестра (предметы — кодами реестра)
  grades set --class 5А [--year 2026/2027] --student "Фамилия Имя [Отчество]" [--birth ДД.ММ.ГГГГ] --subject Предмет
             --period "1 четверть"|q1|годовая|экзамен|итоговая --mark 4   одна оценка (--mark "" стирает её)
  ledger print --class 9А --year 2025/2026 [--out ФАЙЛ.pdf] [--xlsx ФАЙЛ.xlsx] [--version N]
                                     сводная ведомость: без --version — черновик по текущим данным, с --version —
                                     запечатанная версия как она хранится (запечатанная с сертификатом — и подпись PDF: ФАЙЛ.pdf.p7s)
  ledger seal --year 2025/2026 [--class 9А] [--cert ФАЙЛ.p12 [--chain ЦЕПОЧКА.pem] | --thumbprint ОТПЕЧАТОК (ключ в КриптоПро CSP)] [--allow-na]
                                     запечатать ведомость класса или всех классов года (каждый класс — отдельной
                                     транзакцией; повторный запуск доделывает оставшиеся); пароль сертификата — из
                                     SCHOOL_REGISTER_CERT_PASSWORD или с клавиатуры; классы с пустыми оценками (и с «н/а»
                                     без --allow-na) перечисляются и не запечатываются (код 1)
                                     [--tsa URL --tsa-ca ЦС_СЛУЖБЫ.pem [--tsa-failure refuse|without-time]]: штамп
                                     времени RFC 3161 на подпись (CAdES-T); адрес и ЦС — также SCHOOL_REGISTER_TSA_URL и
                                     SCHOOL_REGISTER_TSA_CA; если служба не ответила: refuse — не запечатывать (по
                                     умолчанию), without-time — запечатать «без штампа времени» (и сказать об этом)
  ledger verify (--code КОД | --pdf ФАЙЛ.pdf) [--trust КОРЕНЬ.pem] [--tsa-ca ЦС_СЛУЖБЫ.pem]
                                     проверить ведомость: код 0 — подлинная текущая версия, данные совпадают, подпись
                                     доходит до доверенного корня (--trust, иначе реестр.sqlite.trust.pem рядом с реестром);
                                     время подписи — по штампу времени (или «без штампа времени»)
  ledger correct --class 9А --year 2025/2026 --reason ПРИЧИНА --order N --order-date ДД.ММ.ГГГГ
                                     открыть исправление запечатанной ведомости (затем ledger seal — версия N+1)
  orders cancel --cancels N --cancels-date ДД.ММ.ГГГГ --order N --order-date ДД.ММ.ГГГГ [--cascade] [--future-order]
                                     приказ об отмене приказа: его движения отменяются, как если бы их не было (оба
                                     приказа остаются в книге); если ученики двигались позже — они названы, код 1;
                                     --cascade отменяет и эти движения
  years next --from 2025/2026 [--first-classes N] [--first-pupils N] [--dry-run]
                                     следующий учебный год одним шагом: классы на параллель выше с учебными планами
                                     по шаблонам параллелей, первые классы по плану приёма; --dry-run — только план
  print certificate-of-study --student (UUID|ФИО) --out ФАЙЛ.pdf [--cert ФАЙЛ.p12 | --thumbprint ОТПЕЧАТОК]
                                     (с сертификатом — подпись PDF рядом: ФАЙЛ.pdf.p7s, как и у print alphabet-book/attestat-book)
                                     справка об обучении (о периоде обучения): отметки ученика по годам
  print alphabet-book --letter К --out ФАЙЛ.pdf    страницы алфавитной книги на букву
  print attestat-book --year 2025/2026 --out ФАЙЛ.pdf   книга учёта выданных аттестатов и бланков
                                     каждый документ регистрируется с кодом проверки (на каждой странице, с QR-кодом);
                                     те же данные — тот же код
  print attestat --class 11А --year 2025/2026 --out ФАЙЛ.pdf [--student (UUID|ФИО)] [--issue-date ДД.ММ.ГГГГ] [--printer ИМЯ]
                                     аттестаты выпускников с выставленными итоговыми на бланках (титул и приложение,
                                     100 %): каждому — следующий полученный бланк его вида (обычный или «с отличием»);
                                     повторная печать — те же бланки
  print attestat --class 11А --year 2025/2026 --student ФИО --reprint ПРИЧИНА --out ФАЙЛ.pdf
                                     бланк испорчен: списать его с причиной, взять следующий и напечатать
  print calibration --out ФАЙЛ.pdf [--printer ИМЯ] [--dx=ММ --dy=ММ --scale=1.0]
                                     калибровочный лист (крестики, линейки, поля бланка); --dx/--dy/--scale
                                     сохраняют калибровку принтера (смещение до ±10 мм), она применяется к каждой печати
  attestats compute --class 9А --year 2025/2026 [--json] [--apply]
                                     итоговые отметки для аттестата по правилам года и условия «с отличием»;
                                     --apply записывает их в ведомость (столбец «итоговая»)
  print verify (--code КОД | --pdf ФАЙЛ.pdf)   проверить заверенный документ: код 0 — подлинный и актуальный
  packets build [--kind full|delta]  собрать пакет в региональный сегмент (первый — полный снимок, далее — изменения)
  packets sign --cert ФАЙЛ.p12       подписать собранные пакеты (пароль: --password-file ФАЙЛ или SCHOOL_REGISTER_CERT_PASSWORD)
  packets sign --thumbprint ОТПЕЧАТОК   то же ключом в КриптоПро CSP (ПИН: SCHOOL_REGISTER_CSP_PIN, иначе спросит CSP)
               [--tsa URL --tsa-ca ЦС_СЛУЖБЫ.pem [--tsa-failure refuse|without-time]]   со штампом времени, как ledger seal
  packets upload --endpoint URL [--all] [--ca ЦС.pem] [--client-cert TLS.p12] [--timeout МС]
                                     отправить следующий (--all — все) ожидающие пакеты; код 1, если что-то отклонено или ждёт повтора
  packets upload --endpoint URL --registers Ф1 Ф2 … --cert ФАЙЛ.p12 [--concurrency N]
                                     собрать, подписать и отправить пакеты нескольких реестров (без --db)
  packets status                     очередь пакетов: состояния, квитанции, причины отказа; размер журнала изменений
  packets compact [--slice N]        сжать журнал изменений: удалить записи, которые покрывает принятый полный пакет
                                     (по N записей за транзакцию, по умолчанию 5000; прерванное сжатие продолжится)

Доверенные корневые сертификаты (к ним строится цепочка подписи при ledger verify, archive verify, restore):
  trust show                         список: имя, срок, отпечаток SHA-256
  trust set КОРНИ.pem                заменить весь список сертификатами из файла (файл рядом с реестром: реестр.sqlite.trust.pem)
  trust clear                        убрать все: подписи проверяются только на целостность

Служба штампов времени реестра (её спрашивает каждая подпись сертификатом, если в команде нет --tsa):
  tsa show                           адрес, сертификат УЦ службы, что делать при сбое
  tsa set URL --tsa-ca ЦС_СЛУЖБЫ.pem [--tsa-failure refuse|without-time]
                                     задать службу (без --tsa-ca — прежний сертификат УЦ для этого адреса)
  tsa clear                          не спрашивать штамп времени

Пользователи (от имени администратора; новый пароль — из SCHOOL_REGISTER_NEW_PASSWORD или дважды с клавиатуры):
  users list                         логин, ФИО, роль, состояние (действует, отключён, заблокирован до …)
  users add --login L --name "ФИО" --role clerk|archivist|admin   создать пользователя
  users reset-password --login L     задать новый пароль (сеансы пользователя завершаются, блокировка снимается)
  users disable --login L            отключить: войти нельзя, сеансы завершаются; users enable --login L — включить
  users set-role --login L --role R  сменить роль (последнего действующего администратора — нельзя)
  users unlock --login L             снять блокировку после неудачных попыток входа
                                     пароль: не короче 8 символов, не логин, не один повторённый символ, не одни пробелы

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
                                     копия, не записанная этой программой (нет метки подлинности или чужой ключ),
                                     восстанавливается только с --accept-foreign
  backup key show-id                 номер ключа резервных копий этого компьютера и где он хранится (не сам ключ)
  backup key print --out ФАЙЛ.pdf [--reason ПРИЧИНА]
                                     лист восстановления ключа (храните в сейфе); печатается один раз: второй
                                     экземпляр — только с --reason (или после замены ключа); записывается в журнал аудита
  backup key new --yes               новый ключ вместо ключа этого компьютера (копии, подписанные прежним, станут
                                     «не записанными этой программой»); его лист печатается заново, один раз
  backup key import [--file ФАЙЛ] [--replace]
                                     ключ с листа восстановления на новом компьютере: из файла или введённый
                                     (64 шестнадцатеричные цифры или 52 знака base32); --replace заменяет другой ключ
  media list                         носители: метка, вид, помещение, когда записан и проверен
  media add --label МЕТКА --kind usb|hdd|nas|optical --room ПОМЕЩЕНИЕ --path ПАПКА [--encrypt]
  archive verify [--trust СЕРТ.pem] [--tsa-ca ЦС.pem]
                                     перехешировать архив, проверить цепочку описи, все подписи и цепочку штампов
                                     времени над описью («Доказательства архива действительны до …»; штампы сверяются
                                     с --tsa-ca или с сертификатом службы из настроек подписи)
  archive renew [--force] [--hash sha512] [--margin-days 180] [--tsa URL --tsa-ca ФАЙЛ]
                                     заверить опись архива штампом времени (если не заверена), продлить цепочку штампов,
                                     если сертификат службы истекает в ближайшие 180 дней (--force: сейчас), или
                                     перейти на более стойкий хеш (--hash sha512; по RFC 4998). Служба — из настроек
                                     подписи или --tsa; само запечатывание и резервная копия делают это сами
  upload КОПИЯ --url URL             отправить готовую копию в центральное хранилище (с докачкой)
  (restore, verify-copies и archive verify --archive ПАПКА работают и без --db: тогда ничего не записывают в журнал)

Коды выхода: 0 — успешно; 1 — ошибка во входных данных или отказ (в т. ч. неверная парольная фраза, опасные
пути в копии, восстановление не прошло проверок, отменено); 2 — внутренняя ошибка;
3 — найдены повреждения (verify-copies без --repair, archive verify) или копия записана не на все носители;
4 — повреждение не исправить (файл испорчен во всех копиях того же вида; у каждого сказано почему и какие копии
целы) или копия не записана ни на один носитель.
Нет места на диске — код 1 с именем файла или носителя. Реестр, занятый другой программой, команда ждёт 30 с
(SCHOOL_REGISTER_BUSY_WAIT — секунды), затем код 1: «Реестр занят другой программой»; задание программы (закрытие года,
импорт, копия) названо сразу: «идёт «…» (pid …) с ЧЧ:ММ; ждём до N с».`;

type Flags = Record<string, string | boolean | undefined>;

function toIso(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`не указан параметр ${what}`);
  const m = v.trim().match(/^(\d{2})\.(\d{2})\.(\d{4})$/);
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
        changes: { type: 'boolean' }, exclude: { type: 'string', multiple: true },
        order: { type: 'string' }, 'order-date': { type: 'string' }, date: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
        student: { type: 'string' }, subject: { type: 'string' }, period: { type: 'string' }, mark: { type: 'string' },
        xlsx: { type: 'string' }, version: { type: 'string' }, cert: { type: 'string' }, chain: { type: 'string' }, thumbprint: { type: 'string' }, 'allow-na': { type: 'boolean' }, code: { type: 'string' },
        pdf: { type: 'string' }, reason: { type: 'string' }, letter: { type: 'string' },
        to: { type: 'string', multiple: true }, witness: { type: 'string', multiple: true }, encrypt: { type: 'boolean' }, yes: { type: 'boolean' }, repair: { type: 'boolean' }, drill: { type: 'boolean' },
        trust: { type: 'string' }, 'passphrase-file': { type: 'string' }, central: { type: 'string' }, url: { type: 'string' }, progress: { type: 'boolean' },
        label: { type: 'string' }, kind: { type: 'string' }, room: { type: 'string' }, path: { type: 'string' }, archive: { type: 'string' },
        'password-file': { type: 'string' }, endpoint: { type: 'string' }, all: { type: 'boolean' },
        registers: { type: 'string' }, ca: { type: 'string' }, 'client-cert': { type: 'string' }, timeout: { type: 'string' }, concurrency: { type: 'string' },
        slice: { type: 'string' }, login: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
        'accept-foreign': { type: 'boolean' }, file: { type: 'string' }, replace: { type: 'boolean' },
        'future-order': { type: 'boolean' }, force: { type: 'boolean' }, hash: { type: 'string' }, 'margin-days': { type: 'string' },
        cancels: { type: 'string' }, 'cancels-date': { type: 'string' }, cascade: { type: 'boolean' },
        from: { type: 'string' }, 'first-classes': { type: 'string' }, 'first-pupils': { type: 'string' },
        apply: { type: 'boolean' },
        printer: { type: 'string' }, reprint: { type: 'string' }, 'issue-date': { type: 'string' }, dx: { type: 'string' }, dy: { type: 'string' },
        scale: { type: 'string' },
        tsa: { type: 'string' }, 'tsa-ca': { type: 'string' }, 'tsa-failure': { type: 'string' },
      },
    });
  } catch (e) {
    io.err(`Ошибка: ${(e as Error).message}. Справка: school-register --help`);
    return 1;
  }
  const f = parsed.values as Flags;
  const GROUPS = new Set(['students', 'classes', 'years', 'audit', 'import', 'export', 'grades', 'ledger', 'print', 'media', 'archive', 'packets', 'users', 'attestats', 'trust', 'orders', 'tsa']);
  // `backup key …`: three words (backup alone is a command of its own)
  const words = parsed.positionals[0] === 'backup' && parsed.positionals[1] === 'key' ? 3 : GROUPS.has(parsed.positionals[0]) ? 2 : 1;
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
    const dbOptional = cmd === 'restore' || cmd === 'verify-copies' || cmd === 'upload' || (cmd === 'archive verify' && typeof f.archive === 'string')
      || cmd === 'backup key show-id' || cmd === 'backup key import' || cmd === 'backup key new';
    if (typeof f.db !== 'string' && !dbOptional) throw new UsageError('укажите файл реестра: --db ФАЙЛ');
    const restoreTarget = cmd === 'restore' ? (f.to as unknown as string[] | undefined)?.[0] : undefined;
    if (restoreTarget && typeof f.db === 'string' && path.resolve(restoreTarget) === path.resolve(f.db)) {
      throw new UsageError('восстановление поверх реестра, указанного в --db: уберите --db (журнал восстановления тогда не ведётся)');
    }
    if (typeof f.db === 'string') db = openRegister(f.db, { create: cmd === 'init' || cmd === 'demo', busyTimeoutMs: cliBusyWaitMs() });
    if (ARCHIVE_COMMANDS.has(cmd)) return await runArchiveCommand(cmd, operands, f, db, io, json);
    if (!db) throw new UsageError('укажите файл реестра: --db ФАЙЛ');
    if (USERS_COMMANDS.has(cmd)) return await runUsersCommand(cmd, f, db, io, json);
    if (TURN_OF_YEAR_COMMANDS.has(cmd)) return await runTurnOfYearCommand(cmd, f, db, io, json);
    const { call, job: runJob } = localCaller(db);
    // Names as a clerk writes them, looked up through the contract's lists.
    let years: Output<'years.list'> | undefined;
    const yearNamed = async (name: string) => {
      years ??= await call('years.list', {});
      const y = years.find((x) => x.name === name);
      if (!y) throw new UsageError(`учебный год ${name} не найден (см. years list)`);
      return y;
    };
    const yearId = async (name: string | undefined) => (name ? (await yearNamed(name)).id : undefined);
    const classNamed = async (name: string, year: string | undefined) => {
      if (!year) throw new UsageError('с --class укажите и --year');
      const m = name.match(/^\s*(\d{1,2})\s*[-«"]?\s*([А-ЯЁа-яё])\s*»?"?\s*$/);
      const c = m && (await call('classes.list', { yearId: (await yearNamed(year)).id }))
        .find((x) => x.parallel === Number(m[1]) && x.letter === m[2].toLocaleUpperCase('ru-RU'));
      if (!c) throw new UsageError(`класс ${name} в ${year} не найден`);
      return c;
    };
    const classId = async (name: string | undefined, year: string | undefined) => (name ? (await classNamed(name, year)).id : undefined);
    const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
    const readFile = (file: string) => {
      try {
        return fs.readFileSync(file);
      } catch (e) {
        throw new UsageError(`не удалось прочитать ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
      }
    };
    // A student by UUID or by the full ФИО (several of that name: refused, each named by birth date and UUID).
    const studentNamed = async (who: string): Promise<string> => {
      const q = who.trim();
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q)) {
        try {
          return (await call('students.get', { id: q.toLowerCase() })).id;
        } catch (e) {
          if (e instanceof AppError && e.code === 'not_found') throw new UsageError(`Ученик с идентификатором ${q} не найден в реестре`);
          throw e;
        }
      }
      const rows = (await call('students.search', { query: q, limit: 1000 })).rows.filter((s) => searchKey(s.fullName) === searchKey(q));
      if (!rows.length) throw new UsageError(`Ученик «${q}» не найден в реестре (нужно ФИО полностью или UUID)`);
      if (rows.length > 1) throw new UsageError(`В реестре несколько учеников «${q}»: ${rows.map((r) => `${formatDate(r.birthDate)} г. р. — ${r.id}`).join('; ')}. Укажите UUID.`);
      return rows[0].id;
    };
    const rejectedLine = (r: { sheet?: unknown; row?: unknown; column?: unknown; reason?: unknown }) =>
      `  лист «${r.sheet}», строка ${r.row}${r.column ? `, столбец ${r.column}` : ''}: ${r.reason}`;

    switch (cmd) {
      case 'init': {
        const v = schemaVersion(db);
        print({ ok: true, file: f.db, schemaVersion: v }, () => `Реестр готов: ${f.db} (схема ${v})`);
        return 0;
      }
      case 'demo': {
        const n = Number(need(f, 'students'));
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--students: целое число больше 0');
        let last = 0;
        const s = await runJob('demo.generate', { students: n, seed: f.seed ? Number(f.seed) : undefined }, { onReport: (done, total) => {
          if (!json && process.stderr.isTTY && Date.now() - last > 500) {
            last = Date.now();
            process.stderr.write(`\r${done} из ${total}`);
          }
        } }) as { students: number; classes: number; staff: number; subjects: number; years: number; orders: number; movements: number };
        if (!json && process.stderr.isTTY) process.stderr.write('\n');
        print(s, () => `Демонстрационная школа: ${[count(s.students, 'ученик', 'ученика', 'учеников'), count(s.classes, 'класс', 'класса', 'классов'),
          count(s.staff, 'сотрудник', 'сотрудника', 'сотрудников'), count(s.subjects, 'предмет', 'предмета', 'предметов'),
          count(s.years, 'учебный год', 'учебных года', 'учебных лет'), count(s.orders, 'приказ', 'приказа', 'приказов'),
          count(s.movements, 'движение', 'движения', 'движений')].join(', ')}`);
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
        const card = { lastName: need(f, 'last'), firstName: need(f, 'first'), middleName: (f.middle as string) ?? null,
          birthDate: toIso(f.birth as string, '--birth'), sex: need(f, 'sex').toUpperCase() as 'М' | 'Ж', snils: (f.snils as string) ?? null, guardians: [] };
        // The card and its enrolment are one call, one transaction: a refused enrolment leaves no student behind.
        const enrolment = f.class ? { classId: (await classId(f.class as string, f.year as string | undefined))!,
          order: { number: need(f, 'order'), date: toIso(f['order-date'] as string, '--order-date'), ...(f['future-order'] ? { confirmFuture: true } : {}) },
          date: f.date ? toIso(f.date as string, '--date') : toIso(f['order-date'] as string, '--order-date') } : undefined;
        const full = await call('students.create', { ...card, ...(enrolment ? { enrolment } : {}) });
        print(full, () => `Добавлен(а) ${full.lastName} ${full.firstName}${enrolment ? ` и зачислен(а) в ${f.class}` : ''}: ${full.id}`);
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
      case 'trust show':
      case 'trust set':
      case 'trust clear': {
        let pem = '';
        if (cmd === 'trust set') {
          const file = operands[0];
          if (!file) throw new UsageError('укажите файл: trust set КОРНИ.pem');
          pem = readFile(file).toString('utf8');
        }
        const r = cmd === 'trust show' ? await call('signing.trustAnchors', {}) : await call('signing.setTrustAnchors', { pem });
        print(r, () => (r.length
          ? r.map((a) => `${a.commonName}\t${a.isCa ? 'УЦ' : 'не УЦ'}, действует по ${formatDate(a.notAfter)}\tSHA-256 ${a.sha256Fingerprint}`).join('\n')
          : 'Доверенные корневые сертификаты не заданы: подписи проверяются только на целостность'));
        return 0;
      }
      case 'tsa show':
      case 'tsa set':
      case 'tsa clear': {
        let r;
        if (cmd === 'tsa show') r = await call('signing.tsa', {});
        else if (cmd === 'tsa clear') r = await call('signing.setTsa', { url: null, onFailure: 'refuse' });
        else {
          const url = operands[0];
          if (!url) throw new UsageError('укажите адрес: tsa set URL --tsa-ca ЦС_СЛУЖБЫ.pem');
          const failure = typeof f['tsa-failure'] === 'string' ? f['tsa-failure'] : 'refuse';
          if (failure !== 'refuse' && failure !== 'without-time') throw new UsageError(`--tsa-failure: refuse (не подписывать) или without-time (подписать без штампа времени), а не «${failure}»`);
          const caPem = typeof f['tsa-ca'] === 'string' ? readFile(f['tsa-ca']).toString('utf8') : undefined;
          r = await call('signing.setTsa', { url, onFailure: failure === 'refuse' ? 'refuse' : 'without_time', ...(caPem ? { caPem } : {}) });
        }
        const s = r;
        print(s, () => (s.url
          ? [`Служба штампов времени: ${s.url}; при сбое — ${s.onFailure === 'refuse' ? 'не подписывать' : 'подписать без штампа времени'}`,
            ...s.ca.map((a) => `  УЦ службы: ${a.commonName}, действует по ${formatDate(a.notAfter)}\tSHA-256 ${a.sha256Fingerprint}`)].join('\n')
          : 'Служба штампов времени не задана: подписи ставятся без штампа времени (если в команде нет --tsa)'));
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
        const witnesses = await call('audit.witnessFolders', { folders: dirs, passphrase: passphrase(f) ?? undefined });
        const failed = witnesses.some((w) => w.state === 'entries_missing' || w.state === 'rewritten');
        print({ ...r, ok: r.ok && !failed, witnesses }, () => [r.message, ...witnesses.map((w) => `  ${w.state === 'ok' ? 'OK ' : w.state === 'encrypted' ? '—  ' : '!! '} ${w.message}`)].join('\n'));
        return r.ok && !failed ? 0 : 1;
      }
      case 'import students':
      case 'import marks': {
        const kind = cmd === 'import students' ? 'students' : 'marks';
        const file = operands[0];
        if (!file) throw new UsageError(`укажите файл: import ${kind} ФАЙЛ.xlsx`);
        // students: {поле: столбец}; marks: {"columns": {…}, "sheets": {лист: {…}}, "subjects": {предмет: id}}
        let mapping: Record<string, unknown> | undefined;
        if (typeof f.mapping === 'string') {
          try {
            mapping = JSON.parse(fs.readFileSync(f.mapping, 'utf8'));
          } catch (e) {
            throw new UsageError(`${kind === 'students' ? 'файл соответствия столбцов' : 'файл соответствия'} ${f.mapping}: ${(e as Error).message}`);
          }
        }
        if (kind === 'marks' && typeof f.year === 'string' && !(years ??= await call('years.list', {})).some((y) => y.name === f.year)) {
          // named before the file is read, as the import names it
          const hint = /^\d{4}\/\d{4}$/.test(f.year) ? '' : ' (учебный год пишется так: 2025/2026)';
          throw new UsageError(`Учебный год «${f.year}» не найден в реестре${hint}`);
        }
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch (e) {
          throw new UsageError(`${path.basename(file)}: файл не открывается (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        // the contract refuses an empty upload as such; on the command line it is a file that is not a workbook
        if (!bytes.length) throw new UsageError(`${path.basename(file)}: файл пуст — это не книга Excel (.xlsx)`);
        // The same methods as the import screen, the file as its bytes; no --mapping: the mapping remembered for this journal.
        type Mapping = Input<'import.preview'>['mapping'];
        const args: Input<'import.preview'> = { kind, fileName: path.basename(file), dataBase64: bytes.toString('base64'),
          ...(kind === 'students'
            ? (mapping ? { mapping: mapping as Mapping } : {})
            : { ...(mapping?.columns ? { mapping: mapping.columns as Mapping } : {}), ...(mapping?.sheets ? { sheetMappings: mapping.sheets as Record<string, NonNullable<Mapping>> } : {}),
              ...(mapping?.subjects ? { subjectMapping: mapping.subjects as Record<string, number> } : {}), ...(typeof f.year === 'string' ? { year: f.year } : {}) }) };
        type Counts = { added: number; changed: number; unchanged: number } | null | undefined;
        const attText = (a: Counts, verb: [string, string]) =>
          a ? `; пропуски (ученик × период): ${verb[0]} ${a.added}, ${verb[1]} ${a.changed}, без изменений ${a.unchanged}` : '';
        const exclude = (f.exclude as string[] | undefined) ?? [];
        if (exclude.length && f['dry-run']) throw new UsageError('--exclude — для записи: с --dry-run ничего не записывается');
        if (f.changes && !f['dry-run']) throw new UsageError('--changes — для предпросмотра: добавьте --dry-run');
        if (f['dry-run']) {
          let previewId = '';
          const p = await runJob('import.previewStart', args, {}, (id) => (previewId = id));
          const rejectedLines = p.rejected.map(rejectedLine);
          // every change a commit would write, with the address --exclude takes, read page by page as the screen does
          const changes: ImportChange[] = [];
          if (f.changes) {
            for (let offset = 0; ; offset += IMPORT_CHANGES_PAGE_MAX) {
              const page = await call('import.previewChanges', { jobId: previewId, offset, limit: IMPORT_CHANGES_PAGE_MAX });
              changes.push(...page.rows);
              if (page.rows.length < IMPORT_CHANGES_PAGE_MAX) break;
            }
          }
          const changeLines = changes.map((c) => `  ${c.id}  ${c.student} — ${c.subject}${c.period ? `, ${c.period}` : ''}: ${c.from ?? '—'} → ${c.to}`);
          const listed = f.changes ? { changes } : {};
          if (kind === 'students') {
            const summary = { ...p.counts, rejected: p.rejected, ...(p.notes ? { notes: p.notes } : {}), ...listed };
            print(summary, () => [`Предпросмотр ${file}: добавить ${summary.added}, изменить ${summary.changed}, без изменений ${summary.unchanged}, отклонено ячеек ${p.rejected.length}`, ...rejectedLines,
              ...(p.notes ?? []).map((n) => `  лист «${n.sheet}», строка ${n.row}: ${n.message}`), ...changeLines].join('\n'));
          } else {
            const summary = { year: p.year, ...p.counts, rejected: p.rejected, ...(p.attendance ? { attendance: p.attendance } : {}), ...listed };
            print(summary, () => [`Предпросмотр ${file} (${summary.year}): добавить оценок ${summary.added}, изменить ${summary.changed}, без изменений ${summary.unchanged}, отклонено ячеек ${p.rejected.length}${attText(p.attendance, ['добавить', 'изменить'])}`, ...rejectedLines, ...changeLines].join('\n'));
          }
          return p.rejected.length ? 1 : 0;
        }
        // students with --class: each pupil the file adds is enrolled by the order (first graders), all or none
        const enrolment = kind === 'students' && f.class ? { classId: (await classId(f.class as string, f.year as string | undefined))!,
          order: { number: need(f, 'order'), date: toIso(f['order-date'] as string, '--order-date'), ...(f['future-order'] ? { confirmFuture: true } : {}) },
          date: f.date ? toIso(f.date as string, '--date') : toIso(f['order-date'] as string, '--order-date') } : undefined;
        // No token: the file is read once and what it says now is committed, or refused with every rejected cell.
        let r: Output<'import.commit'>;
        try {
          r = await runJob('import.commitStart', { ...args, allowRejected: !!f['allow-rejected'], ...(enrolment ? { enrolment } : {}), ...(exclude.length ? { exclude } : {}) });
        } catch (e) {
          if (!(e instanceof AppError) || !e.rows) throw e;
          io.err([`Ошибка: отклонено ячеек: ${e.rows.length}; ничего не записано`, ...e.rows.map(rejectedLine)].join('\n'));
          return 1;
        }
        if (kind === 'students') {
          const out = { added: r.added, changed: r.changed, unchanged: r.unchanged, rejectedRows: r.rejected, ...(r.excluded ? { excluded: r.excluded } : {}),
            ...(r.enrolled != null ? { enrolled: r.enrolled } : {}) };
          print(out, () => `Импорт ${file}: добавлено ${out.added}, изменено ${out.changed}, без изменений ${out.unchanged}, отклонено строк ${out.rejectedRows}` +
            `${r.excluded ? `, исключено вами ${r.excluded}` : ''}${r.enrolled != null ? `; зачислено в ${f.class} по приказу № ${enrolment!.order.number}: ${r.enrolled}` : ''}`);
        } else {
          // the year asked for, or the current one, which the import took (the audit entry names it)
          const year = (f.year as string | undefined) ?? `${currentYearStart()}/${currentYearStart() + 1}`;
          const out = { added: r.added, changed: r.changed, unchanged: r.unchanged, rejectedCells: r.rejected, ...(r.attendance ? { attendance: r.attendance } : {}),
            ...(r.excluded ? { excluded: r.excluded } : {}) };
          print(out, () => `Импорт оценок ${file} (${year}): добавлено ${out.added}, изменено ${out.changed}, без изменений ${out.unchanged}, отклонено ячеек ${out.rejectedCells}${attText(r.attendance, ['добавлено', 'изменено'])}` +
            `${r.excluded ? `; исключено вами ${r.excluded}` : ''}`);
        }
        return 0;
      }
      case 'export city-register': {
        const out = need(f, 'out');
        try {
          const r = await call('export.cityRegister', { year: need(f, 'year') });
          writeOut(out, Buffer.from(r.dataBase64, 'base64'));
          const { dataBase64: _, fileName: _n, ...counts } = r;
          const shown = { file: out, year: f.year as string, ...counts };
          print(shown, () => `Книга городского реестра ${shown.file} (${shown.year}): классов ${r.classes}, учеников ${r.students}, сотрудников ${r.staff}, оценок ${r.marks}`);
          return 0;
        } catch (e) {
          // the subjects without a city-register code, all of them: the error carries the list
          if (!(e instanceof AppError) || !e.rows) throw e;
          if (json) io.out(JSON.stringify({ ok: false, missing: e.rows }, null, 2));
          io.err(`Ошибка: ${e.message}`);
          return 1;
        }
      }
      case 'grades set': {
        // one mark, named as a clerk names it; written through grades.set, so the grid's rules and the audit apply
        const year = (f.year as string | undefined) ?? (() => { const y = currentYearStart(); return `${y}/${y + 1}`; })();
        const cls = await classNamed(need(f, 'class'), year);
        const wanted = searchKey(need(f, 'student'));
        const birth = f.birth ? toIso(f.birth as string, '--birth') : null;
        const found = (await call('classes.students', { classId: cls.id }))
          .filter((s) => (searchKey(s.fullName) === wanted || searchKey(s.fullName).startsWith(`${wanted} `)) && (!birth || s.birthDate === birth));
        if (!found.length) throw new UsageError(`ученик «${f.student}» не найден в классе ${cls.name} (${year})`);
        if (found.length > 1) throw new UsageError(`в классе ${cls.name} ${count(found.length, 'ученик', 'ученика', 'учеников')} «${f.student}»: укажите полное ФИО или --birth`);
        const want = normalizeHeader(need(f, 'subject'));
        const subject = (await call('subjects.list', {})).find((x) => normalizeHeader(x.name) === want || (x.shortName && normalizeHeader(x.shortName) === want));
        if (!subject) throw new UsageError(`предмет «${f.subject}» не найден (см. справочник предметов)`);
        const raw = need(f, 'period').trim();
        const period: ImportPeriod | undefined = (IMPORT_PERIODS as readonly string[]).includes(raw) ? raw as ImportPeriod : (() => {
          const d = detectPeriod(normalizeHeader(raw));
          return d && !d.rest ? d.period : undefined;
        })();
        if (!period) throw new UsageError(`--period: «${raw}» — не период (1 четверть, 2 полугодие, 3 триместр, годовая, экзамен, итоговая)`);
        const slot = period === 'year' ? 'annual' : period === 'exam' || period === 'final' ? period : 'period';
        // the class's own periods and the mark now: the grid, as the app shows it
        const grid = await call('grades.grid', { classId: cls.id });
        let periodId: number | null = null;
        if (slot === 'period') {
          const kind = ({ q: 'quarter', h: 'half', t: 'trimester' } as const)[period[0] as 'q' | 'h' | 't'];
          const p = grid.columns.find((x) => x.slot === 'period' && x.kind === kind && x.number === Number(period.slice(1)));
          if (!p) throw new UsageError(`у класса ${cls.name} в ${year} нет периода «${raw}»`);
          periodId = p.periodId;
        }
        if (typeof f.mark !== 'string') throw new UsageError('не указан параметр --mark (пустая строка стирает оценку)');
        const column = slot === 'period' ? `p${periodId}` : slot;
        const from = grid.marks.find((m) => m.studentId === found[0].id && m.subjectId === subject.id && m.column === column)?.mark ?? null;
        const r = await call('grades.set', { classId: cls.id, cells: [{ studentId: found[0].id, subjectId: subject.id, slot, periodId, mark: f.mark || null }] });
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
          const r = await call('ledgers.print', { classId: cid, version, format });
          writeOut(file, Buffer.from(r.dataBase64, 'base64'));
          written.push(file);
          // a sealed version's PDF signed with the school's certificate: its signature beside it (openssl cms -verify)
          if (format === 'pdf' && version) {
            const sig = await call('ledgers.pdfSignature', { classId: cid, version }).catch((e: unknown) => {
              if (e instanceof AppError && e.code === 'not_found') return null;
              throw e;
            });
            if (sig) {
              writeOut(`${file}.p7s`, Buffer.from(sig.dataBase64, 'base64'));
              written.push(`${file}.p7s`);
            }
          }
        }
        print({ files: written, version: version ?? null }, () => `Ведомость ${f.class} ${f.year}${version ? `, версия ${version}` : ' (черновик)'}: ${written.join(', ')}`);
        return 0;
      }
      case 'ledger seal': {
        const y = (await yearId(need(f, 'year')))!;
        // --thumbprint: a key in КриптоПро CSP; its PIN from SCHOOL_REGISTER_CSP_PIN, else CSP asks in its own window
        const pin = process.env.SCHOOL_REGISTER_CSP_PIN;
        const certificate = typeof f.cert === 'string' ? { ...await readCertificate(f.cert), ...readChain(f) }
          : typeof f.thumbprint === 'string' ? { thumbprint: f.thumbprint, ...(pin != null ? { pin } : {}) } : undefined;
        const allowNa = !!f['allow-na'];
        const tsa = tsaFromFlags(f, !!certificate); // trusted time: --tsa URL --tsa-ca FILE [--tsa-failure without-time]
        if (f.class) {
          const v = await call('ledgers.seal', { classId: (await classId(f.class as string, f.year as string))!, certificate, allowNa, ...(tsa ? { tsa } : {}) });
          print(v, () => `${f.class}: запечатана версия ${v.version}, код ${v.code}${v.signer ? `, подпись: ${v.signer}` : ''}${
            v.timestamp !== undefined ? `, ${describeTimestamp(v.timestamp)}${v.timestampFailure ? ` (${v.timestampFailure})` : ''}` : ''}`);
          return 0;
        }
        // The year close as a job; one line per class as it is done, so a script (or a person) sees the progress.
        const r = await runJob('ledgers.closeYear', { yearId: y, certificate, allowNa, ...(tsa ? { tsa } : {}) }, { onEvent: (e) => {
          const x = e as { className: string; outcome: 'sealed' | 'already' | 'skipped'; detail: string };
          if (!json) io.out(`${x.className}: ${x.outcome === 'sealed' ? `запечатана, код ${x.detail}` : x.outcome === 'already' ? `уже запечатана, код ${x.detail}` : `не запечатана — ${x.detail}`}`);
        } }) as { year: string; sealed: unknown[]; alreadySealed: unknown[]; skipped: unknown[] };
        if (json) io.out(JSON.stringify(r, null, 2));
        else io.out(`Итого за ${r.year}: запечатано ${r.sealed.length}, уже были запечатаны ${r.alreadySealed.length}, не запечатано ${r.skipped.length}`);
        return r.skipped.length ? 1 : 0;
      }
      case 'ledger verify': {
        if (!!f.code === !!f.pdf) throw new UsageError('укажите одно из двух: --code КОД или --pdf ФАЙЛ.pdf');
        const trustedCertsPem = trusted(f);
        const tsaTrustedCertsPem = tsaTrustFromFlags(f); // --tsa-ca: the TSA's CA, to trust a timestamp's chain
        const by = typeof f.pdf === 'string' ? { pdfBase64: readFile(f.pdf).toString('base64') } : { code: f.code as string };
        const r = await call('ledgers.verify', { ...by, trustedCertsPem, ...(tsaTrustedCertsPem ? { tsaTrustedCertsPem } : {}) });
        print(r, () => [r.message, ...describeSignature(r.signature), ...(r.sealed ? [`Время подписи: ${describeTimestamp(r.timestamp, r.timestampProblem)}`] : []),
          ...r.differences.map((d) => `  ${d.student}${d.subject ? `, ${d.subject}` : ''}, ${d.column}: было ${d.sealed ?? '—'}, стало ${d.now ?? '—'}`)].join('\n'));
        return r.sealed && r.current && r.intact && r.signatureValid !== false && r.signature?.trusted !== false && !r.timestampProblem ? 0 : 1;
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
          ? await call('printouts.certificateOfStudy', { studentId: await studentNamed(need(f, 'student')) })
          : cmd === 'print alphabet-book'
            ? await call('printouts.alphabetBook', { letter: need(f, 'letter') })
            : await call('printouts.attestatBook', { year: need(f, 'year') });
        writeOut(out, Buffer.from(r.dataBase64, 'base64'));
        const { dataBase64: _, ...shown } = r;
        // --cert/--thumbprint: the PDF signed by the school (admins), its signature written beside it as ФАЙЛ.pdf.p7s
        const pin = process.env.SCHOOL_REGISTER_CSP_PIN;
        const certificate = typeof f.cert === 'string' ? await readCertificate(f.cert)
          : typeof f.thumbprint === 'string' ? { thumbprint: f.thumbprint, ...(pin != null ? { pin } : {}) } : undefined;
        const signed = certificate ? await call('printouts.sign', { code: r.code, certificate }) : null;
        if (signed) writeOut(`${out}.p7s`, Buffer.from(signed.dataBase64, 'base64'));
        print({ ...shown, file: out, ...(signed ? { signatureFile: `${out}.p7s`, signer: signed.signer } : {}) }, () => `${r.title}: ${out}, код проверки ${r.code}${
          r.reused ? ' (данные не изменились: та же зарегистрированная копия)' : ''}${signed ? `; подпись ${out}.p7s: ${signed.signer}${signed.already ? ' (подписан раньше)' : ''}` : ''}`);
        return 0;
      }
      case 'print attestat': {
        // the class's graduates on blanks (one PDF, each graduate's title and appendix), or one with --student;
        // --reprint ПРИЧИНА: that graduate's blank was spoiled — written off, the next one taken and printed
        const out = need(f, 'out');
        const cid = (await classId(need(f, 'class'), need(f, 'year')))!;
        const printer = typeof f.printer === 'string' ? f.printer : undefined;
        const student = typeof f.student === 'string' ? await studentNamed(f.student) : undefined;
        if (f.reprint != null) {
          if (!student) throw new UsageError('--reprint — для одного выпускника: укажите --student');
          const r = await call('attestats.reprint', { classId: cid, studentId: student, reason: typeof f.reprint === 'string' ? f.reprint : '', printer });
          writeOut(out, Buffer.from(r.dataBase64, 'base64'));
          const { dataBase64: _, ...shown } = r;
          print({ ...shown, file: out }, () => `${r.printed.fullName}: бланк ${r.spoiled.series} № ${r.spoiled.number} списан как испорченный («${r.spoiled.reason}»), ` +
            `напечатан на бланке ${r.printed.series} № ${r.printed.number} (рег. № ${r.printed.regNumber}, код проверки приложения ${r.printed.code}): ${out}`);
          return 0;
        }
        const issueDate = typeof f['issue-date'] === 'string' ? toIso(f['issue-date'], '--issue-date') : undefined;
        const r = await runJob('attestats.printClass', { classId: cid, studentId: student, issueDate, printer }, { onReport: (done, total, message) => {
          if (!json && message && process.stderr.isTTY) process.stderr.write(`[${done}/${total}] ${message}\n`);
        } });
        writeOut(out, Buffer.from(r.dataBase64, 'base64'));
        const { dataBase64: _, ...shown } = r;
        print({ ...shown, file: out }, () => [
          `${out}: аттестатов ${r.printed.length} (страниц ${r.printed.length * 2}), взято новых бланков: ${r.taken}` +
            (r.calibration.printer ? `, калибровка принтера «${r.calibration.printer}»: ${r.calibration.dxMm}; ${r.calibration.dyMm} мм, масштаб ${r.calibration.scale}` : ''),
          ...r.printed.map((x) => `  ${x.fullName}: бланк ${x.series} № ${x.number}, рег. № ${x.regNumber}, дата выдачи ${formatDate(x.issueDate)}, код ${x.code}${x.withHonours ? ', с отличием' : ''}`),
          ...r.skipped.map((x) => `  не напечатан — ${x.fullName}: ${x.reason}`),
        ].join('\n'));
        return 0;
      }
      case 'print calibration': {
        const printer = typeof f.printer === 'string' ? f.printer : undefined;
        const set = ['dx', 'dy', 'scale'].some((k) => f[k] != null);
        if (set) {
          if (!printer) throw new UsageError('калибровка хранится для принтера: укажите --printer ИМЯ');
          const num = (k: string, dflt: number) => {
            if (f[k] == null) return dflt;
            const v = Number(String(f[k]).replace(',', '.'));
            if (!Number.isFinite(v)) throw new UsageError(`--${k}: число, а не «${String(f[k])}»`);
            return v;
          };
          const cur = (await call('attestats.calibrations', {})).find((c) => c.printer === printer.replace(/\s+/g, ' ').trim());
          const c = await call('attestats.setCalibration', { printer, dxMm: num('dx', cur?.dxMm ?? 0), dyMm: num('dy', cur?.dyMm ?? 0), scale: num('scale', cur?.scale ?? 1) });
          if (typeof f.out !== 'string') {
            print(c, () => `Калибровка принтера «${c.printer}»: смещение ${c.dxMm}; ${c.dyMm} мм, масштаб ${c.scale}`);
            return 0;
          }
        }
        const out = need(f, 'out');
        const r = await call('attestats.calibrationPage', { printer });
        writeOut(out, Buffer.from(r.dataBase64, 'base64'));
        const { dataBase64: _, ...shown } = r;
        print({ ...shown, file: out }, () => `Калибровочный лист: ${out}` + (r.calibration.printer
          ? ` (принтер «${r.calibration.printer}»: смещение ${r.calibration.dxMm}; ${r.calibration.dyMm} мм, масштаб ${r.calibration.scale})` : ' (без калибровки)'));
        return 0;
      }
      case 'attestats compute': {
        const cid = (await classId(need(f, 'class'), need(f, 'year')))!;
        const p = await call('attestats.computeFinals', { classId: cid });
        const applied = f.apply ? await call('attestats.applyFinals', { classId: cid, ruleSetId: p.ruleSet.id }) : null;
        print({ ...p, applied }, () => [
          `${p.className} ${p.year}: итоговые отметки по правилам «${p.ruleSet.title}» (${p.ruleSet.id})`,
          ...p.notes.map((n) => `  ! ${n}`),
          ...p.students.flatMap((st) => [
            `${st.fullName}: с отличием — ${st.honours.eligible ? 'да' : 'нет'} (${st.honours.reasons.join('; ')})`,
            ...st.finals.map((x) => `  ${x.subject}: ${x.inputs.map((i) => i.mark).join(' ')}${x.mean ? ` → ${x.mean}` : ''} → ${x.final}` +
              (x.differs ? (x.current ? ` (в ведомости ${x.current})` : ' (новая)') : '')),
          ]),
          ...p.excluded.map((x) => `${x.fullName}: ${x.reason}`),
          applied ? `Записано итоговых отметок: ${applied.written}, без изменений: ${applied.unchanged}`
            : `Отличаются от ведомости: ${p.changes}; записать — с --apply`,
        ].join('\n'));
        return 0;
      }
      case 'print verify': {
        if (!!f.code === !!f.pdf) throw new UsageError('укажите одно из двух: --code КОД или --pdf ФАЙЛ.pdf');
        const r = await call('printouts.verify', typeof f.pdf === 'string' ? { pdfBase64: readFile(f.pdf).toString('base64') } : { code: f.code as string });
        print(r, () => r.message);
        return r.registered && r.current && r.intact && r.fileMatches !== false ? 0 : 1;
      }
      default:
        throw new UsageError(`неизвестная команда «${cmd}». Справка: school-register --help`);
    }
  } catch (e) {
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
    // a full disk or a register held by another program, met outside dispatch (opening the register, writing --out)
    const place = placeError(e, db ?? (typeof f?.db === 'string' ? f.db : null));
    if (place) {
      io.err(`Ошибка: ${place.message}`);
      return 1;
    }
    // an internal error that crossed dispatch already says so
    io.err(e instanceof AppError ? e.message : `Внутренняя ошибка: ${(e as Error)?.message ?? e}`);
    return 2;
  } finally {
    if (db) keepAnchor(db);
    db?.close();
  }
}

/**
 * A file the user asked for (--out): written under a temporary name beside it and renamed, so a full disk or medium
 * leaves no half of it (the temporary file is removed) and the error names the file.
 */
function writeOut(file: string, bytes: Buffer): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') Object.assign(e as object, { path: path.resolve(file) });
    throw e;
  }
}

/** The signature's lines of `ledger verify`: who signed, as a person, and the chain to the root. */
function describeSignature(s: SignatureCheck | null): string[] {
  if (!s) return [];
  const p = s.signer;
  return [
    `  Подпись: ${s.message}`,
    ...(p ? [`  Подписал: ${signerName(p)}`, ...(signerIdentifiers(p) ? [`  ${signerIdentifiers(p)}`] : []), `  Сертификат: ${signerCertificate(p)}`] : []),
    ...(s.signingTime ? [`  Время подписи (по часам подписавшего): ${formatDateTime(s.signingTime)}`] : []),
    ...(s.chain.length > 1 ? [`  Цепочка: ${s.chain.map((c) => c.commonName).join(' → ')}`] : []),
  ];
}

/** --chain ФАЙЛ.pem: the issuers' certificates to carry in the signature when the PKCS#12 lacks them. */
function readChain(f: Record<string, unknown>): { chainPem?: string } {
  if (typeof f.chain !== 'string') return {};
  let pem: string;
  try {
    pem = fs.readFileSync(f.chain, 'utf8');
  } catch (e) {
    throw new UsageError(`цепочка ${f.chain}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new UsageError(`цепочка ${f.chain}: в файле нет сертификатов PEM`);
  return { chainPem: pem };
}

/** The school's PKCS#12 and its password: from SCHOOL_REGISTER_CERT_PASSWORD, else asked on the terminal (not echoed). */
async function readCertificate(file: string): Promise<{ p12Base64: string; password: string; fileName: string }> {
  let p12: Buffer;
  try {
    p12 = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`сертификат ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
  }
  const fromEnv = process.env.SCHOOL_REGISTER_CERT_PASSWORD;
  const fileName = path.basename(file);
  if (fromEnv != null) return { p12Base64: p12.toString('base64'), password: fromEnv, fileName };
  if (!process.stdin.isTTY) throw new UsageError('пароль сертификата: задайте SCHOOL_REGISTER_CERT_PASSWORD (ввод с клавиатуры возможен только в терминале)');
  return { p12Base64: p12.toString('base64'), password: await promptHidden(`Пароль сертификата ${fileName}: `), fileName };
}

// Every command above reaches the backend through dispatch, as the app does: the same handlers, audit entries and
// job rules; what is here is reading flags and files, looking names up through the contract's lists, and printing.

const isMain = process.argv[1] && /(?:cli[\\/](?:index\.ts|bin\.mjs|cli\.cjs)|school-register)$/.test(process.argv[1]);
// The exit waits for stdout and stderr to drain: a pipe (| jq, a scheduler's log) gets every byte, not the first 64 KiB.
if (isMain) keepFilesPrivate(); // every file this process creates is 0600, every folder 0700; stale temp folders removed
if (isMain) runCli(process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
  process.exit(code);
});
