// What migration 0006_packets must leave behind (see test/db/migrations.test.ts): state exams, portfolio, the change
// log fed by triggers, and the outbox whose CHECKs and triggers keep a packet's states and content honest.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

const names = (db: Database.Database, type: string) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%'`).all(type) as Array<{ name: string }>).map((r) => r.name);

const H = (c: string) => c.repeat(64);
const NOW = '2026-11-23T10:00:00.000Z';

export default function check(db: Database.Database): void {
  expect(names(db, 'table')).toEqual(expect.arrayContaining(['state_exam_results', 'portfolio_entries', 'changes', 'packet_settings', 'packets']));

  db.prepare("INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, created_at) VALUES (?, 'Орлова', 'Мария', 'орлова мария', '2008-03-04', 'Ж', 'now')")
    .run('11111111-1111-4111-8111-111111111111');
  db.prepare("INSERT INTO subjects (name, short_name) VALUES ('Математика', 'Матем.')").run();
  const sid = '11111111-1111-4111-8111-111111111111';

  // State exams: ЕГЭ points 0..100 without a mark, ОГЭ points and a mark, ГВЭ a mark; one result per exam and year.
  const exam = db.prepare('INSERT INTO state_exam_results (student_id, kind, subject_id, year, score, mark) VALUES (?, ?, 1, ?, ?, ?)');
  exam.run(sid, 'ЕГЭ', 2026, 87, null);
  expect(() => exam.run(sid, 'ЕГЭ', 2026, 90, null)).toThrow(/UNIQUE constraint failed/);
  expect(() => exam.run(sid, 'ЕГЭ', 2025, 101, null)).toThrow(/CHECK constraint failed/);
  expect(() => exam.run(sid, 'ЕГЭ', 2025, -1, null)).toThrow(/CHECK constraint failed/);
  expect(() => exam.run(sid, 'ЕГЭ', 2025, 80, 5)).toThrow(/CHECK constraint failed/);
  expect(() => exam.run(sid, 'ОГЭ', 2024, 20, null)).toThrow(/CHECK constraint failed/);
  expect(() => exam.run(sid, 'ОГЭ', 2024, 20, 6)).toThrow(/CHECK constraint failed/);
  expect(() => exam.run(sid, 'ЕГЕ', 2024, 20, null)).toThrow(/CHECK constraint failed/); // not one of the three
  expect(() => exam.run(sid, 'ГВЭ', 2015, null, 4)).toThrow(/ten years after the birth year/);
  exam.run(sid, 'ОГЭ', 2024, 28, 5);
  exam.run(sid, 'ГВЭ', 2024, null, 4);

  // Portfolio: a level and a result from the lists, a real date after birth.
  const pf = db.prepare('INSERT INTO portfolio_entries (student_id, event_name, status, date, result, title) VALUES (?, ?, ?, ?, ?, ?)');
  pf.run(sid, 'Всероссийская олимпиада школьников по математике', 'regional', '2025-02-10', 'prize_winner', 'Призёр регионального этапа');
  expect(() => pf.run(sid, ' ', 'regional', '2025-02-10', 'winner', null)).toThrow(/CHECK constraint failed/);
  expect(() => pf.run(sid, 'Олимпиада', 'galactic', '2025-02-10', 'winner', null)).toThrow(/CHECK constraint failed/);
  expect(() => pf.run(sid, 'Олимпиада', 'school', '2025-02-30', 'winner', null)).toThrow(/CHECK constraint failed/);
  expect(() => pf.run(sid, 'Олимпиада', 'school', '2025-02-10', 'champion', null)).toThrow(/CHECK constraint failed/);
  expect(() => pf.run(sid, 'Олимпиада', 'school', '2001-01-01', 'winner', null)).toThrow(/after the birth date/);

  // Every change above is in the log, in order, with a seq that only goes up; the log itself is append-only.
  db.prepare("UPDATE students SET address = 'Москва', pd_consent_date = '2025-09-01' WHERE id = ?").run(sid); // not sent: no change
  db.prepare("UPDATE students SET last_name = 'Орлова' WHERE id = ?").run(sid); // the same value: no change
  db.prepare("UPDATE students SET middle_name = 'Игоревна' WHERE id = ?").run(sid);
  db.prepare('DELETE FROM portfolio_entries WHERE id = 1').run();
  const log = db.prepare('SELECT seq, entity, op, student_id FROM changes ORDER BY seq').all() as Array<{ seq: number; entity: string; op: string; student_id: string }>;
  expect(log.map((c) => `${c.entity}:${c.op}`)).toEqual([
    'student:insert', 'state_exam:insert', 'state_exam:insert', 'state_exam:insert', 'portfolio:insert', 'student:update', 'portfolio:delete',
  ]);
  expect(log.every((c, i) => i === 0 || c.seq > log[i - 1].seq)).toBe(true);
  expect(log.every((c) => c.student_id === sid)).toBe(true);
  expect(() => db.prepare('UPDATE changes SET op = ? WHERE seq = 1').run('delete')).toThrow(/append-only/);
  expect(() => db.prepare('DELETE FROM changes').run()).toThrow(/append-only/);

  // The outbox.
  const put = db.prepare(`INSERT INTO packets (id, seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, '{}', 0, 0, 0, ?, ?)`);
  const p1 = 'aaaaaaaa-0000-4000-8000-000000000001';
  const p2 = 'aaaaaaaa-0000-4000-8000-000000000002';
  expect(() => put.run('not-a-uuid', 1, 'full', null, H('a'), NOW, NOW)).toThrow(/CHECK constraint failed/);
  expect(() => put.run(p1, 1, 'full', H('0'), H('a'), NOW, NOW)).toThrow(/CHECK constraint failed/); // the first has no previous
  expect(() => put.run(p1, 2, 'full', null, H('a'), NOW, NOW)).toThrow(/CHECK constraint failed/); // a later one has one
  expect(() => put.run(p1, 1, 'delta', null, H('a'), NOW, NOW)).toThrow(/CHECK constraint failed/); // the first is a full snapshot
  expect(() => put.run(p1, 1, 'full', null, 'XYZ', NOW, NOW)).toThrow(/CHECK constraint failed/);
  put.run(p1, 1, 'full', null, H('a'), NOW, NOW);
  expect(() => put.run(p2, 1, 'full', null, H('b'), NOW, NOW)).toThrow(/UNIQUE constraint failed: packets.seq/);
  put.run(p2, 2, 'delta', H('a'), H('b'), NOW, NOW);

  const state = (id: string, sql: string, ...args: unknown[]) => db.prepare(`UPDATE packets SET ${sql} WHERE id = ?`).run(...args, id);
  // built → accepted skips signing and sending; built → signed needs the signature.
  expect(() => state(p1, "state = 'accepted', receipt = '{}', accepted_at = ?", NOW)).toThrow(/not allowed/);
  expect(() => state(p1, "state = 'signed'")).toThrow(/CHECK constraint failed/);
  state(p1, "state = 'signed', signature = x'3082', signer = 'CN=Школа', signed_at = ?", NOW);
  expect(() => state(p1, "signature = x'3083'")).toThrow(/signed once/);
  expect(() => state(p1, "canonical_json = '{\"x\":1}'")).toThrow(/never changes/);
  state(p1, "state = 'sending', attempts = attempts + 1");
  expect(() => state(p1, "state = 'retry'")).toThrow(/CHECK constraint failed/); // retry needs next_attempt_at
  state(p1, "state = 'retry', next_attempt_at = ?", NOW);
  expect(() => state(p1, "state = 'accepted'")).toThrow(/not allowed/); // retry goes back to sending first
  state(p1, "state = 'sending', next_attempt_at = NULL");
  expect(() => state(p1, "state = 'accepted'")).toThrow(/CHECK constraint failed/); // accepted needs its receipt
  expect(() => state(p1, "state = 'accepted', receipt = 'not json', accepted_at = ?", NOW)).toThrow(/CHECK constraint failed/);
  state(p1, "state = 'accepted', receipt = '{\"receiptId\":\"r1\"}', accepted_at = ?", NOW);
  expect(() => state(p1, "state = 'sending'")).toThrow(/not allowed/); // accepted is final
  expect(() => db.prepare('DELETE FROM packets WHERE id = ?').run(p1)).toThrow(/only an unsigned packet/);
  // rejected carries the receiver's reasons as a JSON array; it frees its seq for the next packet
  state(p2, "state = 'signed', signature = x'3082', signer = 'CN=Школа', signed_at = ?", NOW);
  state(p2, "state = 'sending'");
  expect(() => state(p2, "state = 'rejected'")).toThrow(/CHECK constraint failed/);
  expect(() => state(p2, "state = 'rejected', reasons = '{}'")).toThrow(/CHECK constraint failed/);
  state(p2, "state = 'rejected', reasons = '[{\"code\":\"sequence_gap\"}]'");
  put.run('aaaaaaaa-0000-4000-8000-000000000003', 2, 'delta', H('a'), H('c'), NOW, NOW);

  // Settings: one row, a URL that is http(s), a CA that is PEM.
  expect(() => db.prepare("UPDATE packet_settings SET endpoint = 'ftp://x'").run()).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("UPDATE packet_settings SET ca_pem = 'nonsense'").run()).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare("UPDATE packet_settings SET cert_p12 = x'00'").run()).toThrow(/CHECK constraint failed/);
  expect(() => db.prepare('DELETE FROM packet_settings').run()).toThrow(/never deleted/);
}
