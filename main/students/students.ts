// Students: the card (ФИО, birth date, СНИЛС, document, guardians) and the search clerks use all day.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { Student, StudentRow } from '../../preload/contract.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { fullName, searchKey } from '../../preload/core/names.ts';
import { formatDateTime, nowIso } from '../../preload/core/dates.ts';
import { cleanStudent, type StudentFields } from './validate.ts';

type Row = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; sex: 'М' | 'Ж';
  snils: string | null; doc_kind: Student['docKind']; doc_series: string | null; doc_number: string | null; doc_date: string | null;
  doc_issuer: string | null; address: string | null; pd_consent_date: string | null; version: number };

function checkSnilsFree(db: DB, snils: string | null, selfId: string | null) {
  if (!snils) return;
  const other = db.prepare('SELECT id, last_name, first_name FROM students WHERE snils = ?').get(snils) as Row | undefined;
  if (other && other.id !== selfId) throw fieldError('snils', `СНИЛС уже записан у ученика ${other.last_name} ${other.first_name}`);
}

function writeGuardians(db: DB, studentId: string, gs: ReturnType<typeof cleanStudent>['guardians']) {
  db.prepare('DELETE FROM guardians WHERE student_id = ?').run(studentId);
  const ins = db.prepare('INSERT INTO guardians (student_id, kind, full_name, phone, email) VALUES (?, ?, ?, ?, ?)');
  for (const g of gs) ins.run(studentId, g.kind, g.fullName, g.phone, g.email);
}

const COLUMNS = `last_name = @lastName, first_name = @firstName, middle_name = @middleName, search_key = @searchKey,
  birth_date = @birthDate, sex = @sex, snils = @snils, doc_kind = @docKind, doc_series = @docSeries, doc_number = @docNumber,
  doc_date = @docDate, doc_issuer = @docIssuer, address = @address, pd_consent_date = @pdConsentDate`;

export function createStudent(db: DB, a: StudentFields, id: string = crypto.randomUUID()): Student {
  const v = cleanStudent(a);
  checkSnilsFree(db, v.snils, null);
  db.prepare(`INSERT INTO students (id, last_name, first_name, middle_name, search_key, birth_date, sex, snils, doc_kind, doc_series,
    doc_number, doc_date, doc_issuer, address, pd_consent_date, created_at) VALUES (@id, @lastName, @firstName, @middleName, @searchKey,
    @birthDate, @sex, @snils, @docKind, @docSeries, @docNumber, @docDate, @docIssuer, @address, @pdConsentDate, @createdAt)`)
    .run({ ...v, id, searchKey: searchKey(fullName(v)), createdAt: nowIso() });
  writeGuardians(db, id, v.guardians);
  return getStudent(db, id);
}

export function updateStudent(db: DB, id: string, a: StudentFields, version?: number): Student {
  const now = getStudent(db, id);
  const v = cleanStudent(a);
  if (version !== undefined && version !== now.version) throw staleCard(db, now, v, version);
  checkSnilsFree(db, v.snils, id);
  const entered = db.prepare("SELECT min(date) AS d FROM movements WHERE student_id = ? AND kind = 'enrolment'").get(id) as { d: string | null };
  if (entered.d && v.birthDate >= entered.d) throw fieldError('birthDate', 'Дата рождения должна быть раньше даты зачисления');
  db.prepare(`UPDATE students SET ${COLUMNS} WHERE id = @id`).run({ ...v, id, searchKey: searchKey(fullName(v)) });
  writeGuardians(db, id, v.guardians);
  return getStudent(db, id);
}

export function currentClass(db: DB, studentId: string): { id: number; name: string; yearName: string; yearId: number } | null {
  const r = db.prepare(`SELECT c.id, c.parallel, c.letter, y.name AS year_name, y.id AS year_id FROM class_memberships m
    JOIN classes c ON c.id = m.class_id JOIN academic_years y ON y.id = m.year_id
    WHERE m.student_id = ? AND m.end_date IS NULL ORDER BY y.name DESC LIMIT 1`).get(studentId) as
    { id: number; parallel: number; letter: string; year_name: string; year_id: number } | undefined;
  return r ? { id: r.id, name: `${r.parallel}${r.letter}`, yearName: r.year_name, yearId: r.year_id } : null;
}

export function getStudent(db: DB, id: string): Student {
  const r = db.prepare('SELECT * FROM students WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw notFound('Ученик');
  const cls = currentClass(db, id);
  const book = db.prepare('SELECT letter, number, departed_on FROM alphabet_book WHERE student_id = ?').get(id) as
    { letter: string; number: number; departed_on: string | null } | undefined;
  return {
    id: r.id, lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name, birthDate: r.birth_date, sex: r.sex,
    snils: r.snils, docKind: r.doc_kind, docSeries: r.doc_series, docNumber: r.doc_number, docDate: r.doc_date,
    docIssuer: r.doc_issuer, address: r.address, pdConsentDate: r.pd_consent_date,
    guardians: (db.prepare('SELECT kind, full_name, phone, email FROM guardians WHERE student_id = ? ORDER BY id').all(id) as
      Array<{ kind: string; full_name: string; phone: string | null; email: string | null }>)
      .map((g) => ({ kind: g.kind, fullName: g.full_name, phone: g.phone, email: g.email })),
    currentClass: cls && { id: cls.id, name: cls.name, yearId: cls.yearId, yearName: cls.yearName },
    bookEntry: book ? { letter: book.letter, number: book.number, fileNumber: `${book.letter}-${book.number}` } : null,
    status: cls ? 'studying' : book ? 'departed' : 'new',
    version: r.version,
  };
}

/** The card's fields as a clerk names them, for a refused stale save. */
const FIELD_NAMES: Record<string, string> = {
  lastName: 'фамилия', firstName: 'имя', middleName: 'отчество', birthDate: 'дата рождения', sex: 'пол', snils: 'СНИЛС', docKind: 'вид документа',
  docSeries: 'серия документа', docNumber: 'номер документа', docDate: 'дата выдачи', docIssuer: 'кем выдан', address: 'адрес',
  pdConsentDate: 'дата согласия', guardians: 'представители',
};
const guardiansText = (gs: Student['guardians']) => gs.map((g) => [g.kind, g.fullName, g.phone, g.email].filter(Boolean).join(' ')).join('; ') || null;

/**
 * A save of a card read at an older version (another workplace saved it since): refused, nothing written, naming who
 * changed it and when (the audit log's latest change of this card) and each field where the card now differs from
 * what was sent, both values — the clerk decides, nothing is overwritten silently.
 */
function staleCard(db: DB, now: Student, sent: ReturnType<typeof cleanStudent>, read: number): AppError {
  // the saves since the version read: dispatch's audit entry of each keeps the version it made (auditSummary)
  const saves = db.prepare(`SELECT a.login, a.at, u.full_name FROM audit_log a LEFT JOIN users u ON u.login = a.login
    WHERE a.method = 'students.update' AND json_extract(a.detail, '$.args.id') = ? AND json_extract(a.detail, '$.result.version') > ?
    ORDER BY a.id`).all(now.id, read) as Array<{ login: string | null; at: string; full_name: string | null }>;
  const rows = Object.keys(FIELD_NAMES).flatMap((field) => {
    const a = field === 'guardians' ? guardiansText(now.guardians) : (now[field as keyof Student] as string | null);
    const b = field === 'guardians' ? guardiansText(sent.guardians) : (sent[field as keyof typeof sent] as string | null);
    return (a ?? null) === (b ?? null) ? [] : [{ field, now: a ?? null, yours: b ?? null }];
  });
  const who = saves.length
    ? saves.slice(-5).map((x) => `${x.full_name ?? x.login ?? 'неизвестный пользователь'}${x.login ? ` (${x.login})` : ''}, ${formatDateTime(x.at)}`).join('; ')
    : 'другая операция (импорт или приказ)';
  const what = rows.length ? `Отличается: ${rows.map((r) => FIELD_NAMES[r.field]).join(', ')}.` : 'Поля, которые вы сохраняете, совпадают с новыми.';
  return new AppError('conflict', `Карточку ${fullName(now)} уже изменили на другом рабочем месте после того, как вы её открыли: ${who}. ` +
    `Ваши изменения не записаны. ${what} Проверьте карточку и сохраните снова.`, undefined, rows);
}

const ROW_SELECT = `SELECT s.id, s.last_name, s.first_name, s.middle_name, s.birth_date, s.snils, c.id AS class_id,
  c.parallel, c.letter, (SELECT 1 FROM alphabet_book b WHERE b.student_id = s.id) AS in_book
  FROM students s
  LEFT JOIN class_memberships m ON m.student_id = s.id AND m.end_date IS NULL
  LEFT JOIN classes c ON c.id = m.class_id`;

type SearchRow = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; snils: string | null;
  class_id: number | null; parallel: number | null; letter: string | null; in_book: number | null };

const toRow = (r: SearchRow): StudentRow => ({
  id: r.id, fullName: fullName({ lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name }), birthDate: r.birth_date,
  snils: r.snils, classId: r.class_id, className: r.class_id ? `${r.parallel}${r.letter}` : null,
  status: r.class_id ? 'studying' : r.in_book ? 'departed' : 'new',
});

/** Search by the start of the ФИО (ё = е, any case) or by СНИЛС digits; filter by class or year. */
export function searchStudents(db: DB, a: { query?: string; classId?: number; yearId?: number; limit?: number; offset?: number }): { rows: StudentRow[]; total: number } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const q = (a.query ?? '').trim();
  const digits = q.replace(/[\s-]/g, '');
  if (q && /^\d{3,11}$/.test(digits)) {
    where.push('s.snils >= @lo AND s.snils < @hi');
    params.lo = digits;
    params.hi = digits + ':'; // ':' sorts right after '9'
  } else if (q) {
    where.push('s.search_key >= @lo AND s.search_key < @hi');
    params.lo = searchKey(q);
    params.hi = searchKey(q) + '\u{10FFFF}';
  }
  if (a.classId != null) {
    where.push('m.class_id = @classId');
    params.classId = a.classId;
  }
  if (a.yearId != null) {
    where.push('m.year_id = @yearId');
    params.yearId = a.yearId;
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (a.classId == null && a.yearId == null
    // Without a class or year filter the join only repeats a student who has more than one open membership (in
    // different years): count the students on their own (an index, not a join per student: ~20× less on 300k) and
    // add those repeats, read from the few open memberships.
    ? db.prepare(`SELECT (SELECT count(*) FROM students s ${w})
        + (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM class_memberships m INDEXED BY memberships_one_class_per_year
           ${where.length ? 'JOIN students s ON s.id = m.student_id' : ''} WHERE m.end_date IS NULL${where.length ? ` AND ${where.join(' AND ')}` : ''}
           GROUP BY m.student_id)) AS n`).get(params)
    : db.prepare(`SELECT count(*) AS n FROM students s LEFT JOIN class_memberships m ON m.student_id = s.id AND m.end_date IS NULL ${w}`)
      .get(params)) as { n: number };
  const rows = db.prepare(`${ROW_SELECT} ${w} ORDER BY s.search_key, s.birth_date LIMIT @limit OFFSET @offset`).all({ ...params, limit: a.limit ?? 200, offset: a.offset ?? 0 }) as SearchRow[];
  return { rows: rows.map(toRow), total: total.n };
}

export function classStudents(db: DB, classId: number, opts: { asOfYearEnd?: boolean } = {}): StudentRow[] {
  if (!opts.asOfYearEnd) return (db.prepare(`${ROW_SELECT} WHERE m.class_id = ? ORDER BY s.search_key, s.birth_date`).all(classId) as SearchRow[]).map(toRow);
  // each pupil's last place in the class's year (the open membership, else the latest), read as the city-register
  // workbook reads it (main/workbooks/city-register.ts), so the two lists of a closed year agree
  return (db.prepare(`WITH last AS (SELECT m.student_id, m.class_id,
      row_number() OVER (PARTITION BY m.student_id ORDER BY m.end_date IS NULL DESC, m.start_date DESC, m.id DESC) AS n
      FROM class_memberships m WHERE m.student_id IN (SELECT student_id FROM class_memberships WHERE class_id = @c)
        AND m.year_id = (SELECT year_id FROM classes WHERE id = @c))
    ${ROW_SELECT} WHERE s.id IN (SELECT student_id FROM last WHERE n = 1 AND class_id = @c) ORDER BY s.search_key, s.birth_date`)
    .all({ c: classId }) as SearchRow[]).map(toRow);
}
