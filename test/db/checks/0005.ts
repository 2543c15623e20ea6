// What migration 0005_printouts must leave behind (see test/db/migrations.test.ts); the rules' behaviour row by
// row is in test/db/migration-0005.test.ts.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  const cols = (t: string) => (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(t) as Array<{ name: string }>).map((r) => r.name);
  expect(cols('attestat_form_receipts')).toEqual(['id', 'kind', 'series', 'first_number', 'last_number', 'received_on', 'document', 'created_at', 'created_by']);
  expect(cols('attestat_forms')).toEqual(['id', 'receipt_id', 'kind', 'series', 'number', 'state', 'spoiled_on', 'spoiled_reason']);
  expect(cols('attestats')).toEqual(['id', 'year_id', 'reg_number', 'student_id', 'kind', 'form_id', 'issue_date', 'recipient', 'with_honours',
    'created_at', 'created_by']);
  expect(cols('printouts')).toEqual(['id', 'kind', 'subject_ref', 'version', 'sha256', 'canonical_json', 'code', 'pdf', 'pdf_sha256',
    'created_at', 'created_by', 'created_by_login']);
  const triggers = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as Array<{ name: string }>).map((r) => r.name);
  expect(triggers).toEqual(expect.arrayContaining([
    'attestat_form_receipts_no_update', 'attestat_form_receipts_no_delete', 'attestat_forms_of_receipt', 'attestat_forms_received_first',
    'attestat_forms_identity', 'attestat_forms_state_once', 'attestat_forms_issued_by_attestat', 'attestat_forms_no_delete',
    'attestats_form_free', 'attestats_form_kind', 'attestats_issue_in_year', 'attestats_use_form', 'attestats_no_update', 'attestats_no_delete',
    'printouts_in_order', 'printouts_no_update', 'printouts_no_delete',
  ]));
  const fks = (t: string) => (db.prepare('SELECT "from", "table" FROM pragma_foreign_key_list(?)').all(t) as Array<{ from: string; table: string }>)
    .map((r) => `${r.from}→${r.table}`).sort();
  expect(fks('attestat_forms')).toEqual(['receipt_id→attestat_form_receipts']);
  expect(fks('attestats')).toEqual(['form_id→attestat_forms', 'student_id→students', 'year_id→academic_years']);
  expect(fks('printouts')).toEqual(['created_by→users']);
  for (const t of ['attestat_form_receipts', 'attestat_forms', 'attestats', 'printouts']) {
    expect((db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(t) as { sql: string }).sql).toMatch(/STRICT$/);
  }
}
