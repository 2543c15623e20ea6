// Test fixtures for packets: a school with students (one without СНИЛС), and sealed ledgers.
//
// sealLedgerVersionForTest() writes a sealed version straight into migration 0004's ledger_versions (hash of the JCS,
// small opaque PDF/XLSX bytes, a correction for each later version), so packet tests do not depend on rendering.
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import type { LedgerData } from '../../main/ledgers/model.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';
import type { Client } from '../helpers/register.ts';
import { smallSchool } from '../helpers/register.ts';

export const SCHOOL = {
  fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»', shortName: 'ГБОУ Школа № 1535',
  inn: '7707083893', kpp: '773601001', ogrn: '1027700132195', address: 'Москва, ул. Усачёва, 50', director: 'Смирнова Елена Викторовна', regionCode: '77',
};

/**
 * Seals `data` as the next version of the class's ledger, the way the ledgers branch stores it (hash of the JCS).
 * It opens the correction a second version needs.
 */
export function sealLedgerVersionForTest(db: DB, classId: number, data: LedgerData, sealedAt = '2026-06-01T09:00:00.000Z'): { id: number; version: number; sha256: string } {
  const prev = db.prepare('SELECT version, sha256 FROM ledger_versions WHERE class_id = ? ORDER BY version DESC LIMIT 1').get(classId) as { version: number; sha256: string } | undefined;
  const json = canonicalJson(data);
  const hex = (b: string | Buffer) => crypto.createHash('sha256').update(b).digest('hex');
  const sha256 = hex(json);
  const version = (prev?.version ?? 0) + 1;
  const columns = new Set((db.prepare('PRAGMA table_info(ledger_versions)').all() as Array<{ name: string }>).map((c) => c.name));
  let correctionId: number | null = null;
  if (version > 1 && db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_corrections'").get()) {
    correctionId = Number(db.prepare(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_at, opened_by_login)
      VALUES (?, 'исправление (тест)', '1-и', '2026-06-02', ?, 'cli:test')`).run(classId, sealedAt).lastInsertRowid);
  }
  const pdf = Buffer.from('%PDF-1.7 test'), xlsx = Buffer.from('PK test');
  const row: Record<string, unknown> = { class_id: classId, version, sha256, prev_sha256: prev?.sha256 ?? null, canonical_json: json, sealed_at: sealedAt,
    pdf, pdf_sha256: hex(pdf), xlsx, xlsx_sha256: hex(xlsx), correction_id: correctionId, sealed_by_login: 'cli:test' };
  const names = Object.keys(row).filter((k) => columns.has(k));
  const id = Number(db.prepare(`INSERT INTO ledger_versions (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`)
    .run(Object.fromEntries(names.map((n) => [n, row[n]]))).lastInsertRowid);
  return { id, version, sha256 };
}

/** A minimal LedgerData of a class with annual marks per student and subject. */
export function ledgerData(className: string, year: string, subjects: string[], students: Array<{ id: string; fullName: string; annual: Record<string, string | null> }>): LedgerData {
  return {
    format: 'school-register/ledger@1',
    school: { fullName: SCHOOL.fullName, shortName: SCHOOL.shortName, inn: SCHOOL.inn, kpp: SCHOOL.kpp, ogrn: SCHOOL.ogrn, address: SCHOOL.address, director: SCHOOL.director, regionCode: SCHOOL.regionCode },
    year,
    class: { name: className, parallel: Number(className.slice(0, -1)), letter: className.slice(-1), level: 'ООО', adapted: false, shift: 1 },
    homeroomTeacher: null, periods: [],
    subjects: subjects.map((name) => ({ name, shortName: name.slice(0, 5), hasExam: false })),
    students: students.map((s, i) => ({
      n: i + 1, id: s.id, bookNumber: null, fullName: s.fullName,
      marks: Object.fromEntries(subjects.map((sub) => [sub, { periods: {}, annual: s.annual[sub] ?? null, exam: null, final: null }])),
      missed: { total: 0, excused: 0 }, left: null,
    })),
    stats: {}, totals: { students: students.length, allFive: 0, fourAndFive: 0, withTwoOrNa: 0 },
  };
}

/** smallSchool with the school's requisites and three students enrolled in 5А: with СНИЛС, with a birth certificate only, and one more. */
export async function packetSchool(c: Client) {
  const s = await smallSchool(c);
  await c.call('school.update', SCHOOL);
  const withSnils = await c.call('students.create', { lastName: 'Орлова', firstName: 'Мария', middleName: 'Игоревна', birthDate: '2014-03-04', sex: 'Ж', snils: '11223344595' });
  const withDoc = await c.call('students.create', { lastName: 'Ёлкин', firstName: 'Пётр', birthDate: '2014-07-19', sex: 'М',
    docKind: 'birth_certificate', docSeries: 'IV-МЮ', docNumber: '654321', docDate: '2014-08-01' });
  const third = await c.call('students.create', { lastName: 'Алиев', firstName: 'Тимур', middleName: 'Русланович', birthDate: '2014-01-30', sex: 'М', snils: '08765430300' });
  for (const st of [withSnils, withDoc, third]) {
    await c.call('orders.enrol', { order: { number: '15-у', date: '2025-08-28' }, studentId: st.id, classId: s.a.id, date: '2025-09-01' });
  }
  return { ...s, withSnils, withDoc, third };
}

/** Polls jobs.status until the job is no longer running; returns its end (state, result, message). */
export async function waitJob(c: Client, id: string) {
  for (;;) {
    const j = await c.call('jobs.status', { id });
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}
