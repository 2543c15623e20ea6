// The register's invariants hold in the schema itself: a plain better-sqlite3 connection (no backend, no
// service checks) cannot put a student in two classes, date a departure before the enrolment, or rewrite
// the book of orders, the alphabet book or the audit log.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, smallSchool } from '../helpers/register.ts';
import { contentHash, count, openRaw, studentInput, scratchDir, removeScratchDirs } from '../helpers/db.ts';

afterAll(removeScratchDirs);

let raw: Database.Database;
let ids: { studentId: string; yearId: number; a: number; b: number; enrolMovement: number; enrolOrder: number };

beforeAll(async () => {
  const c = await adminClient(scratchDir());
  const s = await smallSchool(c);
  const st = await c.call('students.create', studentInput({ lastName: 'Павлов', birthDate: '2014-03-15' }));
  const mv = await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
  c.backend.close();
  raw = openRaw(c.dbPath);
  const enrolOrder = (raw.prepare('SELECT order_id FROM movements WHERE id = ?').get(mv.id) as { order_id: number }).order_id;
  ids = { studentId: st.id, yearId: s.year.id, a: s.a.id, b: s.b.id, enrolMovement: mv.id, enrolOrder };
});
afterAll(() => raw?.close());

/** Runs a raw statement that must be refused; asserts the error and that not a byte of content changed. */
function refused(sql: string, params: unknown[], code: string, message: RegExp) {
  const before = contentHash(raw);
  let err: (Error & { code?: string }) | undefined;
  // In a savepoint, so that a statement wrongly let through does not spoil the tests after this one.
  raw.exec('SAVEPOINT refused');
  try {
    raw.prepare(sql).run(...params);
  } catch (e) {
    err = e as Error & { code?: string };
  }
  const after = contentHash(raw);
  raw.exec('ROLLBACK TO refused; RELEASE refused');
  expect(err, `expected refusal of: ${sql}`).toBeDefined();
  expect(err!.code).toBe(code);
  expect(err!.message).toMatch(message);
  expect(after).toBe(before);
}

const insMembership = `INSERT INTO class_memberships (student_id, class_id, year_id, start_date, end_date, start_movement_id, end_movement_id)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
const insMovement = `INSERT INTO movements (order_id, student_id, kind, date, from_class_id, to_class_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`;

describe('class membership', () => {
  it('a second active membership in the same year hits the unique index', () => {
    expect(count(raw, 'class_memberships', 'end_date IS NULL')).toBe(1);
    refused(insMembership, [ids.studentId, ids.b, ids.yearId, '2025-09-02', null, ids.enrolMovement, null],
      'SQLITE_CONSTRAINT_UNIQUE', /UNIQUE constraint failed: class_memberships\.student_id, class_memberships\.year_id/);
  });

  it('a closed membership beside the active one is allowed (that is what a transfer leaves)', () => {
    raw.exec('SAVEPOINT t');
    raw.prepare(insMembership).run(ids.studentId, ids.b, ids.yearId, '2025-09-01', '2025-09-01', ids.enrolMovement, ids.enrolMovement);
    expect(count(raw, 'class_memberships', `student_id = '${ids.studentId}'`)).toBe(2);
    raw.exec('ROLLBACK TO t; RELEASE t');
    expect(count(raw, 'class_memberships')).toBe(1);
  });

  it("a membership's year must be its class's year", () => {
    const other = Number(raw.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2030/2031', '2030-09-01', '2031-08-31')").run().lastInsertRowid);
    try {
      refused(insMembership, [ids.studentId, ids.b, other, '2030-09-01', null, ids.enrolMovement, null],
        'SQLITE_CONSTRAINT_TRIGGER', /membership year must be the class year/);
    } finally {
      raw.prepare('DELETE FROM academic_years WHERE id = ?').run(other);
    }
  });
});

describe('movement dates', () => {
  let departureOrder: number;
  beforeAll(() => {
    departureOrder = Number(raw.prepare("INSERT INTO orders (number, date, kind) VALUES ('9-в', '2025-08-15', 'departure')").run().lastInsertRowid);
  });

  it('a departure dated before the enrolment is refused by a trigger', () => {
    refused(insMovement, [departureOrder, ids.studentId, 'departure', '2025-08-15', ids.a, null, 'Переезд'],
      'SQLITE_CONSTRAINT_TRIGGER', /departure date must not be before enrolment/);
  });

  it('any movement on or before the birth date is refused by a trigger', () => {
    refused(insMovement, [ids.enrolOrder, ids.studentId, 'enrolment', '2014-03-15', null, ids.a, null],
      'SQLITE_CONSTRAINT_TRIGGER', /after the birth date/);
  });

  it("a movement must be of its order's kind", () => {
    refused(insMovement, [departureOrder, ids.studentId, 'enrolment', '2025-09-02', null, ids.b, null],
      'SQLITE_CONSTRAINT_TRIGGER', /does not match its order/);
  });

  it('a departure needs a reason', () => {
    refused(insMovement, [departureOrder, ids.studentId, 'departure', '2025-09-10', ids.a, null, '   '],
      'SQLITE_CONSTRAINT_CHECK', /CHECK constraint failed/);
  });
});

describe('append-only records', () => {
  it('the movements of the book of orders cannot be updated or deleted', () => {
    refused('UPDATE movements SET date = ? WHERE id = ?', ['2025-09-05', ids.enrolMovement], 'SQLITE_CONSTRAINT_TRIGGER', /append-only/);
    refused('DELETE FROM movements WHERE id = ?', [ids.enrolMovement], 'SQLITE_CONSTRAINT_TRIGGER', /append-only/);
  });

  it('an order in the book of orders cannot be renumbered, redated or deleted', () => {
    refused('UPDATE orders SET number = ? WHERE id = ?', ['2-у', ids.enrolOrder], 'SQLITE_CONSTRAINT_TRIGGER', /append-only/);
    refused('UPDATE orders SET date = ? WHERE id = ?', ['2025-09-02', ids.enrolOrder], 'SQLITE_CONSTRAINT_TRIGGER', /append-only/);
    refused('DELETE FROM orders WHERE id = ?', [ids.enrolOrder], 'SQLITE_CONSTRAINT_TRIGGER', /append-only/);
  });

  it('the audit log cannot be updated or deleted', () => {
    expect(count(raw, 'audit_log')).toBeGreaterThan(0);
    refused("UPDATE audit_log SET detail = '{}' WHERE id = 1", [], 'SQLITE_CONSTRAINT_TRIGGER', /audit log is append-only/);
    refused("UPDATE audit_log SET login = 'someone' WHERE id = 1", [], 'SQLITE_CONSTRAINT_TRIGGER', /audit log is append-only/);
    refused('DELETE FROM audit_log WHERE id = 1', [], 'SQLITE_CONSTRAINT_TRIGGER', /audit log is append-only/);
    refused('DELETE FROM audit_log', [], 'SQLITE_CONSTRAINT_TRIGGER', /audit log is append-only/);
  });

  it('an alphabet book entry is never deleted and its number never changes', () => {
    refused('DELETE FROM alphabet_book WHERE student_id = ?', [ids.studentId], 'SQLITE_CONSTRAINT_TRIGGER', /never deleted/);
    refused('UPDATE alphabet_book SET number = 7 WHERE student_id = ?', [ids.studentId], 'SQLITE_CONSTRAINT_TRIGGER', /never changes/);
    refused("UPDATE alphabet_book SET letter = 'А' WHERE student_id = ?", [ids.studentId], 'SQLITE_CONSTRAINT_TRIGGER', /never changes/);
  });
});
