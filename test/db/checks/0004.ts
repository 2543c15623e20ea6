// What migration 0004_ledgers must leave behind (see test/db/migrations.test.ts); the triggers' behaviour is
// tested row by row in test/db/migration-0004.test.ts.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const cols = (t: string) => (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(t) as Array<{ name: string }>).map((r) => r.name);
  // The columns agreed between branches (BRIEF.md), in order.
  expect(cols('ledger_versions')).toEqual(['id', 'class_id', 'version', 'sha256', 'prev_sha256', 'canonical_json', 'signature', 'signer',
    'pdf', 'pdf_sha256', 'xlsx', 'xlsx_sha256', 'sealed_at', 'sealed_by', 'correction_id', 'sealed_by_login']);
  expect(cols('ledger_corrections')).toEqual(['id', 'class_id', 'reason', 'order_number', 'order_date', 'opened_by', 'opened_at', 'closed_by_version_id', 'opened_by_login']);
  const triggers = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as Array<{ name: string }>).map((r) => r.name);
  for (const t of ['marks', 'attendance', 'curriculum', 'class_exams', 'memberships']) {
    for (const op of ['insert', 'update', 'delete']) expect(triggers).toContain(`${t}_sealed_${op}`);
  }
  expect(triggers).toEqual(expect.arrayContaining(['ledger_versions_no_update', 'ledger_versions_no_delete', 'ledger_versions_in_order',
    'ledger_versions_chained', 'ledger_versions_by_correction', 'ledger_versions_close_correction', 'ledger_corrections_only_closed',
    'ledger_corrections_no_delete', 'ledger_corrections_of_sealed']));
  const fks = (t: string) => (db.prepare('SELECT "from", "table" FROM pragma_foreign_key_list(?)').all(t) as Array<{ from: string; table: string }>)
    .map((r) => `${r.from}→${r.table}`).sort();
  expect(fks('ledger_versions')).toEqual(['class_id→classes', 'correction_id→ledger_corrections', 'sealed_by→users']);
  expect((db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'ledger_versions'").get() as { sql: string }).sql).toMatch(/STRICT$/);
}
