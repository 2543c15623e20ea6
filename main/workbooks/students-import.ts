// Students from a journal workbook into the register: a preview of what would be added, changed and left alone, with
// every rejected cell; then a commit in one transaction. Matching never guesses: by СНИЛС, else by ФИО + birth date.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { AppError } from '../shared/errors.ts';
import { fullName, losesYo, searchKey } from '../../preload/core/names.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import type { ImportChange } from '../../preload/contract.ts';
import { checkSnils, cleanStudent, type StudentFields } from '../students/validate.ts';
import { createStudent, getStudent, updateStudent } from '../students/students.ts';
import { sheetRows, type ReadOptions, type SheetLayout, type DataRow, type CellOut } from './read.ts';
import { count } from '../../preload/core/plural.ts';

export type RejectedCell = { sheet: string; row: number; column: string | null; field: string | null; reason: string };

type Card = { lastName: string; firstName: string; middleName: string | null; birthDate: string; sex: 'М' | 'Ж'; snils: string | null };
const CARD_FIELDS = ['lastName', 'firstName', 'middleName', 'birthDate', 'sex', 'snils'] as const;

export type StudentChange = { field: (typeof CARD_FIELDS)[number]; column: string | null; from: string | null; to: string | null };

export type StudentsImportPreview = {
  file: string;
  layouts: SheetLayout[];
  skippedSheets: Array<{ sheet: string; reason: string }>;
  added: Array<{ sheet: string; row: number; student: Card; sexInferred: boolean }>;
  changed: Array<{ sheet: string; row: number; id: string; fullName: string; changes: StudentChange[] }>;
  /** rows that match a student whose card already says the same */
  unchanged: number;
  rejected: RejectedCell[];
  /** what the clerk should know of a row that is not a change: the register's spelling with ё kept */
  notes: Array<{ sheet: string; row: number; message: string }>;
  /** fingerprint of what a commit would write: a commit refuses when the file or the register changed since */
  token: string;
};

export type StudentsImportResult = { added: number; changed: number; unchanged: number; rejectedRows: number };

type ExistingRow = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; sex: 'М' | 'Ж'; snils: string | null };

/** «Иванов Пётр Сергеевич» → surname, name, patronymic (a double patronymic like «Оглы» stays with it). */
export function splitFullName(s: string): { lastName: string; firstName: string; middleName: string | null } | null {
  const parts = s.replace(/\s+/g, ' ').trim().split(' ');
  if (parts.length < 2) return null;
  return { lastName: parts[0], firstName: parts[1], middleName: parts.slice(2).join(' ') || null };
}

/** The sex a Russian patronymic tells (-вич/-ич, оглы → М; -вна/-чна/-шна, кызы → Ж); null when it does not. */
export function sexFromPatronymic(middle: string | null): 'М' | 'Ж' | null {
  const m = (middle ?? '').toLocaleLowerCase('ru-RU').trim();
  if (/(ич|оглы|улы)$/.test(m)) return 'М';
  if (/(вна|чна|шна|кызы|гызы)$/.test(m)) return 'Ж';
  return null;
}

const cardOf = (r: ExistingRow): Card => ({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name, birthDate: r.birth_date, sex: r.sex, snils: r.snils });

const FIELD_TO_COLUMN_FIELD: Record<string, string[]> = {
  lastName: ['lastName', 'fullName'], firstName: ['firstName', 'fullName'], middleName: ['middleName', 'fullName'],
  birthDate: ['birthDate'], sex: ['sex'], snils: ['snils'],
};

/** Reads the file and compares it with the register; writes nothing. */
export async function previewStudentsImport(db: DB, file: string, opts: ReadOptions = {}): Promise<StudentsImportPreview> {
  const p: StudentsImportPreview = { file, layouts: [], skippedSheets: [], added: [], changed: [], unchanged: 0, rejected: [], notes: [], token: '' };
  const bySnils = db.prepare('SELECT id, last_name, first_name, middle_name, birth_date, sex, snils FROM students WHERE snils = ?');
  const byName = db.prepare('SELECT id, last_name, first_name, middle_name, birth_date, sex, snils FROM students WHERE search_key = ? AND birth_date = ?');
  const seen = new Map<string, { sheet: string; row: number }>(); // student id or new-student key → first row naming it
  for await (const events of sheetRows(file, opts)) for (const ev of events) {
    if (ev.type === 'sheet') p.layouts.push(ev.layout);
    else if (ev.type === 'skipped') p.skippedSheets.push({ sheet: ev.sheet, reason: ev.reason });
    else planRow(ev.row);
  }

  function planRow(r: DataRow) {
    const rejects: RejectedCell[] = [];
    const reject = (c: CellOut | undefined, field: string | null, reason: string) =>
      rejects.push({ sheet: r.sheet, row: r.row, column: c?.col ?? null, field, reason });
    const cell = (f: string) => r.cells[f];
    const col = (f: keyof Card) => FIELD_TO_COLUMN_FIELD[f].map((k) => cell(k)?.col).find(Boolean) ?? null;
    for (const [f, c] of Object.entries(r.cells)) if (c.error && !f.startsWith('mark:')) reject(c, f, c.error);

    let names: { lastName: string; firstName: string; middleName: string | null } | null = null;
    if (cell('lastName') || cell('firstName')) {
      names = { lastName: cell('lastName')?.value ?? '', firstName: cell('firstName')?.value ?? '', middleName: cell('middleName')?.value ?? null };
    } else if (cell('fullName')?.value) {
      names = splitFullName(cell('fullName')!.value!);
      if (!names) reject(cell('fullName'), 'fullName', `«${cell('fullName')!.raw}» — нужны хотя бы фамилия и имя`);
    } else reject(cell('fullName'), 'fullName', 'нет ФИО');
    const birthDate = cell('birthDate')?.value ?? null;
    if (!birthDate && !cell('birthDate')?.error) reject(cell('birthDate'), 'birthDate', 'нет даты рождения');
    try {
      checkSnils(cell('snils')?.value, 'snils');
    } catch (e) {
      reject(cell('snils'), 'snils', (e as Error).message);
    }
    if (rejects.length || !names || !birthDate) return void p.rejected.push(...rejects);

    const sexCell = cell('sex')?.value as 'М' | 'Ж' | null | undefined;
    const inferred = sexFromPatronymic(names.middleName);
    const fields: StudentFields = { ...names, birthDate, sex: sexCell ?? inferred ?? 'М', snils: cell('snils')?.value ?? null };
    let v: ReturnType<typeof cleanStudent>;
    try {
      v = cleanStudent(fields);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      for (const [f, msg] of Object.entries(e.fields ?? { '': e.message })) {
        const k = f as keyof Card;
        reject(FIELD_TO_COLUMN_FIELD[k] ? { col: col(k) } as CellOut : undefined, f || null, msg);
      }
      return void p.rejected.push(...rejects);
    }
    const card: Card = { lastName: v.lastName, firstName: v.firstName, middleName: v.middleName, birthDate: v.birthDate, sex: v.sex, snils: v.snils };
    const key = searchKey(fullName(card));

    // match: by СНИЛС, else by ФИО + birth date; more than one candidate is never a guess
    let match = card.snils ? (bySnils.get(card.snils) as ExistingRow | undefined) : undefined;
    if (!match) {
      const byN = byName.all(key, card.birthDate) as ExistingRow[];
      if (byN.length > 1) {
        return void p.rejected.push({ sheet: r.sheet, row: r.row, column: col('lastName'), field: 'fullName',
          reason: `в реестре ${count(byN.length, 'ученик', 'ученика', 'учеников')} с ФИО «${fullName(card)}» и датой рождения ${formatDate(card.birthDate)}: укажите СНИЛС, чтобы выбрать` });
      }
      if (byN.length === 1) {
        if (card.snils && byN[0].snils && byN[0].snils !== card.snils) {
          return void p.rejected.push({ sheet: r.sheet, row: r.row, column: col('snils'), field: 'snils',
            reason: `у ученика ${fullName(card)} (${formatDate(card.birthDate)}) в реестре другой СНИЛС: проверьте, тот ли это ученик` });
        }
        match = byN[0];
      }
    }
    const keys = match ? [match.id] : [`fio:${key}:${card.birthDate}`, ...(card.snils ? [`snils:${card.snils}`] : [])];
    const first = keys.map((k) => seen.get(k)).find(Boolean);
    if (first) {
      return void p.rejected.push({ sheet: r.sheet, row: r.row, column: col('lastName'), field: 'fullName',
        reason: `тот же ученик уже в строке ${first.row}${first.sheet !== r.sheet ? ` листа «${first.sheet}»` : ''}` });
    }
    for (const k of keys) seen.set(k, { sheet: r.sheet, row: r.row });

    if (!match) {
      if (!sexCell && !inferred) {
        return void p.rejected.push({ sheet: r.sheet, row: r.row, column: col('sex'), field: 'sex',
          reason: 'новый ученик: пол не указан и не виден по отчеству — добавьте столбец «Пол» (М/Ж)' });
      }
      p.added.push({ sheet: r.sheet, row: r.row, student: card, sexInferred: !sexCell });
      return;
    }
    // compare only what the file says: a column the file lacks leaves the register's value alone
    const old = cardOf(match);
    const present: Record<keyof Card, boolean> = {
      lastName: true, firstName: true, middleName: !!(cell('middleName') || cell('fullName')), birthDate: true,
      sex: !!sexCell, snils: !!card.snils,
    };
    const changes: StudentChange[] = [];
    const keptYo: string[] = [];
    for (const f of CARD_FIELDS) {
      if (!present[f] || (old[f] ?? null) === (card[f] ?? null)) continue;
      // «Федоровна» in a journal is the register's «Фёдоровна» typed without ё: the register's spelling stays
      if ((f === 'lastName' || f === 'firstName' || f === 'middleName') && old[f] && card[f] && losesYo(old[f]!, card[f]!)) { keptYo.push(`«${old[f]}» (в файле «${card[f]}»)`); continue; }
      changes.push({ field: f, column: col(f), from: old[f] ?? null, to: card[f] ?? null });
    }
    if (keptYo.length) p.notes.push({ sheet: r.sheet, row: r.row, message: `${fullName(old)}: в реестре оставлено написание с ё — ${keptYo.join(', ')}` });
    if (changes.length) p.changed.push({ sheet: r.sheet, row: r.row, id: match.id, fullName: fullName(old), changes });
    else p.unchanged++;
  }

  p.token = crypto.createHash('sha256').update(JSON.stringify([p.added.map((a) => a.student), p.changed.map((c) => [c.id, c.changes])])).digest('hex');
  return p;
}

/**
 * Writes a preview's additions and changes in one transaction (nested in the caller's, if any). `onApplied` runs
 * inside it, so the caller's audit entry commits with the change or not at all.
 */
export function applyStudentsImport(db: DB, p: StudentsImportPreview, onApplied?: (r: StudentsImportResult) => void,
  /** each pupil added, once his card is written (an enrolment order for first graders); a refusal names the row */
  onAdded?: (studentId: string) => void): StudentsImportResult {
  const result: StudentsImportResult = { added: p.added.length, changed: p.changed.length, unchanged: p.unchanged, rejectedRows: new Set(p.rejected.map((r) => `${r.sheet}\u0000${r.row}`)).size };
  db.transaction(() => {
    const at = (x: { sheet: string; row: number }, e: unknown) =>
      e instanceof AppError ? new AppError(e.code, `Лист «${x.sheet}», строка ${x.row}: ${e.message}; ничего не записано`, e.fields) : e;
    for (const a of p.added) {
      try {
        const s = createStudent(db, a.student);
        onAdded?.(s.id);
      } catch (e) {
        throw at(a, e);
      }
    }
    for (const c of p.changed) {
      const s = getStudent(db, c.id);
      const next: StudentFields = {
        lastName: s.lastName, firstName: s.firstName, middleName: s.middleName, birthDate: s.birthDate, sex: s.sex, snils: s.snils,
        docKind: s.docKind, docSeries: s.docSeries, docNumber: s.docNumber, docDate: s.docDate, docIssuer: s.docIssuer,
        address: s.address, pdConsentDate: s.pdConsentDate, guardians: s.guardians,
      };
      for (const ch of c.changes) (next as Record<string, unknown>)[ch.field] = ch.to;
      try {
        updateStudent(db, c.id, next);
      } catch (e) {
        throw at(c, e);
      }
    }
    onApplied?.(result);
  })();
  return result;
}

/** A students preview row as the clerk points at it to leave it out: the sheet and the row's number («Список!7»). */
export const rowChangeId = (x: { sheet: string; row: number }) => `${x.sheet}!${x.row}`;

const FIELD_WORD: Record<StudentChange['field'], string> = { lastName: 'фамилия', firstName: 'имя', middleName: 'отчество',
  birthDate: 'дата рождения', sex: 'пол', snils: 'СНИЛС' };
const shown = (f: StudentChange['field'], v: string | null) => v == null ? '—' : f === 'birthDate' ? formatDate(v) : f === 'snils' ? formatSnils(v) : v;

/**
 * What a students commit would write, a row of the file each, as the marks list reads: «ФИО — новый ученик: — → 03.02.2014,
 * пол Ж» or «ФИО — фамилия, дата рождения: Петрова, 01.02.2014 → Петренко, 02.02.2014»; in the file's order.
 */
export function describeStudentChanges(p: StudentsImportPreview): ImportChange[] {
  const out: ImportChange[] = [
    ...p.added.map((a): ImportChange => ({ id: rowChangeId(a), sheet: a.sheet, row: a.row, column: '', student: fullName(a.student), className: '',
      subject: 'новый ученик', period: '', kind: 'added', from: null,
      to: `${formatDate(a.student.birthDate)}, пол ${a.student.sex}${a.sexInferred ? ' (по отчеству)' : ''}${a.student.snils ? `, СНИЛС ${formatSnils(a.student.snils)}` : ''}` })),
    ...p.changed.map((c): ImportChange => ({ id: rowChangeId(c), sheet: c.sheet, row: c.row, column: '', student: c.fullName, className: '',
      subject: c.changes.map((x) => FIELD_WORD[x.field]).join(', '), period: '', kind: 'changed',
      from: c.changes.map((x) => shown(x.field, x.from)).join(', '), to: c.changes.map((x) => shown(x.field, x.to)).join(', ') })),
  ];
  return out.sort((a, b) => a.sheet.localeCompare(b.sheet) || a.row - b.row);
}

/**
 * The preview without the rows the clerk left out (ids as rowChangeId gives them): the commit writes exactly the rest.
 * An id that names no added or changed row is refused — the clerk excluded something this preview does not have.
 */
export function excludeStudentRows(p: StudentsImportPreview, exclude: readonly string[]): { p: StudentsImportPreview; excluded: number } {
  if (!exclude.length) return { p, excluded: 0 };
  const out = new Set(exclude);
  const added = p.added.filter((a) => !out.delete(rowChangeId(a)));
  const changed = p.changed.filter((c) => !out.delete(rowChangeId(c)));
  if (out.size) {
    const [first] = out;
    throw new AppError('conflict', `В предпросмотре нет строки «${first}», которую вы исключили: посмотрите предпросмотр ещё раз`);
  }
  return { p: { ...p, added, changed }, excluded: p.added.length - added.length + p.changed.length - changed.length };
}
