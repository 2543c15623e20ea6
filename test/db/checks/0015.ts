// What the screen-index migration must leave behind: a full index on class_memberships(class_id, student_id)
// that "who was ever in this class" uses (not a scan of every membership), beside 0001's partial index; and the
// алфавитная книга's order as an index, so a page is read in order.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  expect((db.prepare('PRAGMA index_info(memberships_class_all)').all() as Array<{ name: string }>).map((c) => c.name)).toEqual(['class_id', 'student_id']);
  expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'index' AND name = 'memberships_class'").get()).toEqual({ n: 1 });
  const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT student_id FROM class_memberships WHERE class_id = ?').all(1) as Array<{ detail: string }>).map((p) => p.detail);
  expect(plan.join('; ')).toMatch(/SEARCH class_memberships USING COVERING INDEX memberships_class_all \(class_id=\?\)/);
  // the book's page is read in the book's order from the index, not sorted
  const book = (db.prepare(`EXPLAIN QUERY PLAN SELECT b.* FROM alphabet_book b
    ORDER BY coalesce(nullif(instr('АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ', b.letter), 0), 99), b.letter, b.number LIMIT 100 OFFSET 200`).all() as Array<{ detail: string }>).map((p) => p.detail);
  expect(book).toEqual(['SCAN b USING INDEX alphabet_book_order']);
}
