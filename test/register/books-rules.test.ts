// The books' rules of issue 16 (migration 0013), over the real dispatcher on a real register file: each bad input is
// refused with its Russian message, named by field (or by cell), and nothing is written — checked by a hash of every
// table. The schema is the rule: the sqlite3 command-line tool writing a violating row straight into the file is refused
// too. A register that held such rows before 0013 still opens: they are kept and listed, not deleted.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { openBackend } from '../../main/host/backend.ts';
import { listOrders } from '../../main/movement/orders.ts';
import type { Student } from '../../preload/contract.ts';
import { todayIso } from '../../preload/core/dates.ts';
import { adminClient, smallSchool, type Client } from '../helpers/register.ts';
import { SCHOOL, contentHash, expectError, removeScratchDirs, scratchDir, studentInput, withSnilsControl } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let c: Client & { dbPath: string };
let s: Awaited<ReturnType<typeof smallSchool>>;
let q: Array<{ id: number; start: string }>;
let left: Student; // left 5А on 2025-10-15
let stays: Student;

/** The register's content before and after a call: equal when the call wrote nothing (the audit log included). */
async function unchanged<T>(f: () => Promise<T>): Promise<T> {
  const before = contentHash(c.backend.db);
  const r = await f();
  expect(contentHash(c.backend.db)).toBe(before);
  return r;
}
const raw = (method: string, args: unknown) => unchanged(() => c.raw(method, args));

/** The sqlite3 command-line tool on the register file, with foreign keys on: what a hand edit of the file meets. */
function sqliteCli(sql: string): { ok: boolean; stderr: string } {
  c.backend.db.pragma('wal_checkpoint(TRUNCATE)');
  const r = spawnSync('sqlite3', ['-bail', c.dbPath], { input: `PRAGMA foreign_keys = ON;\n${sql}\n`, encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr };
}

beforeAll(async () => {
  c = await adminClient(scratchDir());
  s = await smallSchool(c);
  q = s.year.periods.filter((p) => p.kind === 'quarter').sort((x, y) => x.number - y.number).map((p) => ({ id: p.id, start: p.startDate }));
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id] });
  left = await c.call('students.create', studentInput({ lastName: 'Уходящий', firstName: 'Пётр' }));
  stays = await c.call('students.create', studentInput({ lastName: 'Остающийся', firstName: 'Иван' }));
  for (const st of [left, stays]) {
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
  }
  await c.call('grades.set', { classId: s.a.id, cells: [{ studentId: left.id, subjectId: s.math.id, slot: 'period', periodId: q[0].id, mark: '4' }] });
  await c.call('orders.depart', { order: { number: '17-в', date: '2025-10-15' }, studentId: left.id, date: '2025-10-15',
    reason: 'Перевод в другую образовательную организацию', whereTo: 'ГБОУ Школа № 2' });
});
afterAll(() => c?.backend.close());

describe('the book of orders: a number once a school year for each kind', () => {
  it('a second «№ 17-в» of departures in 2025/2026 is refused, named with the order it clashes with', async () => {
    const other = await c.call('students.create', studentInput({ lastName: 'Второй', firstName: 'Олег' }));
    await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: other.id, classId: s.a.id, date: '2025-09-01' });
    const e = expectError(await raw('orders.depart', { order: { number: '17-в', date: '2026-02-03' }, studentId: other.id, date: '2026-02-03',
      reason: 'Переезд' }), 'validation', 'order.number');
    expect(e.fields!['order.number']).toBe('Приказ № 17-в («Об отчислении (выбытии)») уже есть в 2025/2026 учебном году — от 15.10.2025: ' +
      'номер приказа одного вида в учебном году не повторяется');
  });

  it('the same number in another kind, or in the next school year, is a different order', async () => {
    const other = await c.call('students.create', studentInput({ lastName: 'Третий', firstName: 'Олег' }));
    // an enrolment order «17-в» of 2025/2026: another kind
    await c.call('orders.enrol', { order: { number: '17-в', date: '2025-09-20' }, studentId: other.id, classId: s.b.id, date: '2025-09-20' });
    // the rule's boundary is August: 01.08.2026 is 2026/2027 already, 31.07.2026 still 2025/2026
    const db = c.backend.db;
    expect(() => db.prepare("INSERT INTO orders (number, date, kind) VALUES ('17-в', '2026-07-31', 'departure')").run())
      .toThrow('приказ с этим номером и этого вида уже есть в этом учебном году');
    const id = db.prepare("INSERT INTO orders (number, date, kind) VALUES ('17-в', '2026-08-01', 'departure')").run().lastInsertRowid;
    expect(id).toBeGreaterThan(0);
  });

  it('an order dated after today is refused until the clerk confirms the date; then it is written', async () => {
    const future = `${Number(todayIso().slice(0, 4)) + 1}-01-15`;
    const y = await c.call('years.create', { name: `${Number(future.slice(0, 4)) - 1}/${future.slice(0, 4)}` });
    const k = await c.call('classes.create', { yearId: y.id, parallel: 3, letter: 'В' });
    const st = await c.call('students.create', studentInput({ lastName: 'Будущий', firstName: 'Глеб', birthDate: '2017-05-05' }));
    const args = { order: { number: '99-у', date: future }, studentId: st.id, classId: k.id, date: future };
    const e = expectError(await raw('orders.enrol', args), 'validation', 'order.date');
    expect(e.message).toMatch(/^Приказ № 99-у датирован будущим числом — \d\d\.\d\d\.\d{4} \(сегодня \d\d\.\d\d\.\d{4}\)\. Если дата верна, подтвердите её$/);
    expect(e.fields).toHaveProperty(['order.confirmFuture']);
    const m = await c.call('orders.enrol', { ...args, order: { ...args.order, confirmFuture: true } });
    expect(m.orderNumber).toBe('99-у');
  });

  it('a departure dated after the end of the class\'s academic year is refused', async () => {
    const e = expectError(await raw('orders.depart', { order: { number: '50-в', date: '2026-09-10' }, studentId: stays.id, date: '2026-09-10',
      reason: 'Переезд' }), 'validation', 'date');
    expect(e.message).toMatch(/^Дата выбытия 10\.09\.2026 позже конца 2025\/2026 учебного года \(\d\d\.\d\d\.2026\), в котором ученик в этом классе$/);
  });
});

describe('the book of orders by year', () => {
  it('each order carries its school year and place in that year; filtered by year, by number, by a student, by a kind', async () => {
    const all = await c.call('orders.list', { limit: 1000 });
    const y2025 = all.filter((o) => o.schoolYear === '2025/2026').sort((a, b) => a.seqInYear - b.seqInYear);
    expect(y2025.map((o) => o.seqInYear)).toEqual(y2025.map((_, i) => i + 1));
    expect(y2025[0]).toMatchObject({ number: '1-у', date: '2025-09-01', seqInYear: 1 });
    expect((await c.call('orders.list', { limit: 1000, year: 2025 })).map((o) => o.id).sort()).toEqual(y2025.map((o) => o.id).sort());
    expect((await c.call('orders.list', { limit: 1000, year: 2031 }))).toEqual([]);
    const byNumber = await c.call('orders.list', { limit: 1000, year: 2025, query: '17-В' });
    expect(byNumber.map((o) => [o.number, o.kind])).toEqual([['17-в', 'departure'], ['17-в', 'enrolment']]); // newest first
    const byStudent = await c.call('orders.list', { limit: 1000, query: 'УХОДЯЩИЙ Пётр' });
    expect(byStudent.map((o) => o.number)).toEqual(['17-в', '1-у']);
    const byKind = await c.call('orders.list', { limit: 1000, year: 2025, query: 'отчислен' });
    expect(new Set(byKind.map((o) => o.kind))).toEqual(new Set(['departure']));
  });
});

describe('an order printed as a PDF', () => {
  it('has the school, the number and date, and its list of students (read by pdftotext); without requisites it is refused', async () => {
    const orders = await c.call('orders.list', { limit: 1000, year: 2025, query: '1-у' });
    const order = orders.find((o) => o.number === '1-у')!;
    const refused = expectError(await raw('orders.print', { orderId: order.id }), 'validation');
    expect(refused.message).toContain('Заполните реквизиты школы');
    await c.call('school.update', SCHOOL);
    const r = await c.call('orders.print', { orderId: order.id });
    expect(r.fileName).toBe('Приказ 1-у от 01.09.2025.pdf');
    const file = path.join(scratchDir(), 'order.pdf');
    fs.writeFileSync(file, Buffer.from(r.dataBase64, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
    expect(text).toContain('ПРИКАЗ');
    expect(text).toContain('№ 1-у');
    expect(text).toContain('от 01.09.2025');
    expect(text).toContain('2025/2026 учебный год, 1-й приказ в книге этого года');
    for (const name of ['Уходящий Пётр Иванович', 'Остающийся Иван Иванович', 'Второй Олег Иванович']) expect(text).toContain(name);
    expect(text).toContain(SCHOOL.director);
    expect(text).not.toContain('ЧЕРНОВИК');
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain('No syntax or stream encoding errors');
  });
});

describe('no marks after a student left the class', () => {
  it('a 3rd-quarter mark for the student who left 5А on 15.10.2025 is refused, naming student, class and period', async () => {
    const e = expectError(await raw('grades.set', { classId: s.a.id, cells: [
      { studentId: stays.id, subjectId: s.math.id, slot: 'period', periodId: q[2].id, mark: '5' },
      { studentId: left.id, subjectId: s.math.id, slot: 'period', periodId: q[2].id, mark: '4' }] }), 'validation', 'cells.1');
    expect(e.fields!['cells.1']).toBe(`Уходящий Пётр, «Математика», 3 четверть: ученик выбыл из класса 5А 15.10.2025, до начала периода ` +
      `(${q[2].start.split('-').reverse().join('.')}): оценки за периоды после выбытия не ставятся`);
    expect(Object.keys(e.fields!)).toEqual(['cells.1']);
  });

  it('the mark of the period he was still in stays, and can be cleared; the grid marks him and closes the later columns', async () => {
    const g = await c.call('grades.grid', { classId: s.a.id, subjectId: s.math.id });
    const row = g.students.find((x) => x.id === left.id)!;
    expect(row).toMatchObject({ inClass: false, leftOn: '2025-10-15', closedColumns: q.slice(1).map((p) => `p${p.id}`) });
    expect(g.students.find((x) => x.id === stays.id)).toMatchObject({ inClass: true, leftOn: null, closedColumns: [] });
    expect(g.marks).toContainEqual({ studentId: left.id, subjectId: s.math.id, column: `p${q[0].id}`, mark: '4' });
    expect(g.afterDeparture).toEqual([]);
    expect(g.sealed).toBeNull();
  });

  it('the schema refuses it on its own: the sqlite3 tool writing the mark into the file', async () => {
    const before = contentHash(c.backend.db);
    const r = sqliteCli(`INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, p3) VALUES ('${left.id}', ${s.math.id}, ${s.year.id}, ${s.a.id}, '5');`);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('ученик выбыл из класса до начала этого периода: оценки за периоды после выбытия не ставятся');
    const r2 = sqliteCli(`UPDATE subject_marks SET p4 = '5' WHERE student_id = '${left.id}';`);
    expect(r2.stderr).toContain('ученик выбыл из класса до начала этого периода');
    expect(contentHash(c.backend.db)).toBe(before);
  });
});

describe('the student card', () => {
  it('СНИЛС of nine zeros is refused by the service and by the schema', async () => {
    for (const z of ['000-000-000 00', '00000000001']) {
      const e = expectError(await raw('students.create', studentInput({ lastName: 'Нулёв', snils: z })), 'validation', 'snils');
      expect(e.fields!.snils).toBe(`СНИЛС ${z}: из одних нулей — такого номера нет`);
    }
    const r = sqliteCli(`UPDATE students SET snils = '00000000000' WHERE id = '${stays.id}';`);
    expect(r.stderr).toContain('СНИЛС из одних нулей недействителен');
    const r2 = sqliteCli(`INSERT INTO staff (last_name, first_name, snils, position) VALUES ('Нулёва', 'Анна', '00000000000', 'Учитель');`);
    expect(r2.stderr).toContain('СНИЛС из одних нулей недействителен');
    // a real small number still passes (issued before the check number existed)
    const ok = await c.call('students.create', studentInput({ lastName: 'Старый', snils: '001-001-998 00' }));
    expect(ok.snils).toBe('00100199800');
    expect(withSnilsControl('112233445')).toBe('11223344595');
  });

  it('a consent date in the future is refused, named; the schema refuses it too', async () => {
    const e = expectError(await raw('students.create', studentInput({ lastName: 'Согласный', pdConsentDate: '2099-01-01' })), 'validation', 'pdConsentDate');
    expect(e.fields!.pdConsentDate).toBe('Дата согласия 01.01.2099 в будущем: согласие датируют днём подписи, не позже сегодняшнего');
    const r = sqliteCli(`UPDATE students SET pd_consent_date = '2099-01-01' WHERE id = '${stays.id}';`);
    expect(r.stderr).toContain('дата согласия на обработку персональных данных в будущем');
    await c.call('students.update', { id: stays.id, data: studentInput({ lastName: 'Остающийся', firstName: 'Иван', pdConsentDate: todayIso() }) });
  });

  it('a line break or a tab in a surname, name or patronymic is refused with a message, not turned into a space', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['lastName', { lastName: 'Иванов\nПетров' }, 'Фамилия'], ['firstName', { firstName: 'Ив\tан' }, 'Имя'], ['middleName', { middleName: 'Петрович\r' }, 'Отчество'],
    ];
    for (const [field, over, word] of cases) {
      const e = expectError(await raw('students.create', studentInput(over)), 'validation', field);
      expect(e.fields![field]).toBe(`${word}: перевод строки, табуляция или другой невидимый символ — впишите без них`);
    }
    const e = expectError(await raw('students.update', { id: stays.id, data: studentInput({ lastName: 'Остающийся\n' }) }), 'validation', 'lastName');
    expect(e.fields!.lastName).toContain('перевод строки');
    const r = sqliteCli(`UPDATE students SET last_name = 'Остающийся' || char(10) || 'Х' WHERE id = '${stays.id}';`);
    expect(r.stderr).toContain('в фамилии, имени или отчестве — перевод строки, табуляция или другой управляющий символ');
  });
});

describe('0013 on a register that already breaks these rules', () => {
  it('opens, keeps every row and lists them; only new writes are refused', () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 12));
    old.exec(`
      INSERT INTO academic_years (id, name, start_date, end_date) VALUES (1, '2025/2026', '2025-09-01', '2026-08-31');
      INSERT INTO year_grade_periods VALUES (1, 5, 'quarter');
      INSERT INTO periods (id, year_id, kind, number, start_date, end_date) VALUES
        (1, 1, 'quarter', 1, '2025-09-01', '2025-10-26'), (2, 1, 'quarter', 2, '2025-11-05', '2025-12-28'),
        (3, 1, 'quarter', 3, '2026-01-09', '2026-03-20'), (4, 1, 'quarter', 4, '2026-03-30', '2026-05-26');
      INSERT INTO subjects (id, name, short_name) VALUES (1, 'Математика', 'Матем.');
      INSERT INTO classes (id, year_id, parallel, letter, level) VALUES (1, 1, 5, 'А', 'ООО');
      INSERT INTO curriculum VALUES (1, 1);
      INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, snils, pd_consent_date, created_at) VALUES
        ('00000000-0000-4000-8000-000000000001', 'Нулёв', 'Иван', 'нулев иван', '2014-01-01', 'М', '00000000000', '2099-01-01', '2025-09-01T00:00:00Z');
      INSERT INTO orders (id, number, date, kind) VALUES (1, '1-у', '2025-09-01', 'enrolment'), (2, '17-в', '2025-10-15', 'departure'),
        (3, '17-в', '2026-02-03', 'departure');
      INSERT INTO movements (id, order_id, student_id, kind, date, to_class_id) VALUES (1, 1, '00000000-0000-4000-8000-000000000001', 'enrolment', '2025-09-01', 1);
      INSERT INTO class_memberships (id, student_id, class_id, year_id, start_date, start_movement_id) VALUES (1, '00000000-0000-4000-8000-000000000001', 1, 1, '2025-09-01', 1);
      INSERT INTO subject_marks (student_id, subject_id, year_id, class_id, p1, p3) VALUES ('00000000-0000-4000-8000-000000000001', 1, 1, 1, '4', '5');
      INSERT INTO movements (id, order_id, student_id, kind, date, from_class_id, reason) VALUES (2, 2, '00000000-0000-4000-8000-000000000001', 'departure', '2025-10-15', 1, 'Переезд');
      UPDATE class_memberships SET end_date = '2025-10-15', end_movement_id = 2 WHERE id = 1;
    `);
    const tables = ['orders', 'students', 'subject_marks', 'movements', 'class_memberships'];
    const before = tables.map((t) => old.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all());
    old.close();

    const backend = openBackend({ dbPath: file });
    try {
      const db = backend.db;
      expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
      // every row with every value it had (later migrations may add columns: students.version, 0019)
      expect(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()))
        .toEqual(before.map((rows) => rows.map((r) => expect.objectContaining(r as Record<string, unknown>))));
      expect(db.prepare('SELECT rule, item FROM register_rule_breaches ORDER BY rule, item').raw().all()).toEqual([
        ['consent_future', '00000000-0000-4000-8000-000000000001'],
        ['mark_after_departure', '00000000-0000-4000-8000-000000000001'],
        ['order_number_twice', 2], ['order_number_twice', 3],
        ['snils_zero', '00000000-0000-4000-8000-000000000001'],
      ]);
      expect(db.prepare('SELECT period_id, mark, left_on FROM marks_after_departure').all()).toEqual([{ period_id: 3, mark: '5', left_on: '2025-10-15' }]);
      // the book of orders flags the orders numbered twice
      expect(listOrders(db, 100).filter((o) => o.numberedTwice).map((o) => [o.number, o.date])).toEqual([['17-в', '2026-02-03'], ['17-в', '2025-10-15']]);
      expect(listOrders(db, 100).find((o) => o.number === '1-у')!.numberedTwice).toBe(false);
      // the kept mark may be cleared (that is how the clerk fixes it), not rewritten
      expect(() => db.prepare("UPDATE subject_marks SET p3 = '4'").run()).toThrow('ученик выбыл из класса до начала этого периода');
      db.prepare('UPDATE subject_marks SET p3 = NULL').run();
      expect(db.prepare('SELECT count(*) FROM marks_after_departure').pluck().get()).toBe(0);
    } finally {
      backend.close();
    }
    // and the file as the sqlite3 tool reads it is well-formed
    expect(execFileSync('sqlite3', [file, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim()).toBe('ok');
  });
});
