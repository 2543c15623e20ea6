// Sealing over the real dispatcher on a real register file: what is stored (canonical JSON, its hash, the PDF and
// XLSX with the code), the refusals (missing marks, н/а unless confirmed, a second seal), the lock the database
// keeps afterwards, corrections making version 2 chained to version 1, and the audit of who and why.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { buildLedger } from '../../main/ledgers/build.ts';
import { extractCodeFromPdf } from '../../main/ledgers/pdf.ts';
import { count, expectError } from '../helpers/db.ts';
import { sealingSchool, type SealingSchool } from './sealing-school.ts';

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
type VersionRow = { version: number; sha256: string; prev_sha256: string | null; canonical_json: string; pdf: Buffer; pdf_sha256: string;
  xlsx: Buffer; xlsx_sha256: string; signature: Buffer | null; correction_id: number | null; sealed_by: number | null; sealed_by_login: string };
const rows = (f: SealingSchool, classId: number) =>
  f.c.backend.db.prepare('SELECT * FROM ledger_versions WHERE class_id = ? ORDER BY version').all(classId) as VersionRow[];

async function clerkSession(f: SealingSchool): Promise<string> {
  await f.c.call('users.create', { login: 'clerk', fullName: 'Секретарь Ольга Ивановна', role: 'clerk', password: 'clerk password 1' });
  const r = await f.c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'clerk password 1' } }, 'http');
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { session: string }).session;
}

describe('sealing a class', () => {
  let f: SealingSchool;
  beforeAll(async () => { f = await sealingSchool(); });
  afterAll(() => f.c.backend.close());

  it('stores the canonical JSON, its SHA-256, the PDF and XLSX stamped with the code, and audits it', async () => {
    const before = await f.c.call('ledgers.get', { classId: f.s.a.id });
    expect(before.state).toBe('draft');
    expect(before.missing).toEqual([]);
    const v = await f.c.call('ledgers.seal', { classId: f.s.a.id });
    const [row] = rows(f, f.s.a.id);
    expect(row.canonical_json).toBe(canonicalJson(buildLedger(f.c.backend.db, f.s.a.id)));
    expect(row.sha256).toBe(sha(Buffer.from(row.canonical_json, 'utf8')));
    expect(v).toMatchObject({ version: 1, sha256: row.sha256, prevSha256: null, code: `${row.sha256.slice(0, 8).toUpperCase()}-v1`,
      sealedBy: 'Администратор Иван Петрович', signer: null, correction: null });
    // The stored files are what the hashes say, and carry the code.
    expect(row.pdf_sha256).toBe(sha(row.pdf));
    expect(row.xlsx_sha256).toBe(sha(row.xlsx));
    expect(extractCodeFromPdf(row.pdf)).toBe(v.code);
    const dir = fs.mkdtempSync(path.join(f.dir, 'pdf-'));
    fs.writeFileSync(path.join(dir, 'v1.pdf'), row.pdf);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'v1.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Иванов Пётр Сергеевич');
    expect(text).toContain(v.code);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(row.xlsx as unknown as ArrayBuffer);
    const cells: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((r) => r.eachCell((c) => { cells.push(String(c.text)); })));
    expect(cells.join('\n')).toContain('Орлова Анна Игоревна');
    expect(cells.join('\n')).toContain(v.code);
    // The audit names the seal and its code.
    const audit = f.c.backend.db.prepare("SELECT login, detail FROM audit_log WHERE method = 'ledgers.seal'").all() as Array<{ login: string; detail: string }>;
    expect(audit).toHaveLength(1);
    expect(audit[0].login).toBe('admin');
    expect(JSON.parse(audit[0].detail)).toMatchObject({ className: '5А', year: '2025/2026', version: 1, code: v.code, sha256: row.sha256 });
    const after = await f.c.call('ledgers.get', { classId: f.s.a.id });
    expect(after.state).toBe('sealed');
    expect(after.versions).toEqual([v]);
  });

  it('the data: book numbers, missed lessons, a student who left shown and not counted, statistics and totals', async () => {
    const { data } = await f.c.call('ledgers.get', { classId: f.s.a.id });
    expect(data.students.map((s) => [s.n, s.fullName, s.bookNumber, s.left, s.missed])).toEqual([
      [1, 'Иванов Пётр Сергеевич', 'И-1', null, { total: 15, excused: 10 }],
      [2, 'Орлова Анна Игоревна', 'О-1', null, { total: 6, excused: 6 }],
      [3, 'Яковлев Ян Ильич', 'Я-1', { date: '2026-01-12', kind: 'transfer' }, { total: 0, excused: 0 }],
    ]);
    expect(data.periods.map((p) => p.label)).toEqual(['1 четв.', '2 четв.', '3 четв.', '4 четв.']);
    expect(data.subjects).toEqual([{ name: 'Математика', shortName: 'Матем.', hasExam: true }, { name: 'Русский язык', shortName: 'Рус. яз.', hasExam: false }]);
    expect(data.students[0].marks['Математика']).toEqual({ periods: { q1: '5', q2: '5', q3: '5', q4: '5' }, annual: '5', exam: '5', final: '5' });
    // Яковлев (3s) left: not in the counts; 5 and 4 → 100 % успеваемость and качество.
    expect(data.stats['Математика']).toEqual({ counts: { '5': 1, '4': 1, '3': 0, '2': 0, 'н/а': 0 }, progress: 100, quality: 100 });
    expect(data.totals).toEqual({ students: 2, allFive: 1, fourAndFive: 1, withTwoOrNa: 0 });
    expect(data.school.inn).toBe('7707083893');
    expect(data.homeroomTeacher).toBe('Петрова Анна Сергеевна');
  });

  it('a sealed class is sealed once; the database refuses its marks, curriculum, exams and membership; 5Б stays open', async () => {
    const again = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id }), 'conflict');
    expect(again.message).toMatch(/5А за 2025\/2026 уже запечатана: версия 1, код [0-9A-F]{8}-v1/);
    const { ivanov, belova } = f.students;
    const lit = await f.c.call('subjects.create', { name: 'Литература', shortName: 'Лит.' });
    const refusals: Array<[string, Awaited<ReturnType<typeof f.c.raw>>]> = [
      ['mark', await f.c.raw('grades.set', { classId: f.s.a.id, cells: [{ studentId: ivanov.id, subjectId: f.s.math.id, slot: 'annual', mark: '4' }] })],
      ['cleared mark', await f.c.raw('grades.set', { classId: f.s.a.id, cells: [{ studentId: ivanov.id, subjectId: f.s.math.id, slot: 'period', periodId: f.periods[1], mark: null }] })],
      ['absences', await f.c.raw('attendance.set', { classId: f.s.a.id, rows: [{ studentId: ivanov.id, periodId: f.periods[3], missed: 2, missedValid: 0 }] })],
      ['curriculum', await f.c.raw('curriculum.set', { classId: f.s.a.id, subjectIds: [f.s.math.id, f.s.rus.id, lit.id] })],
      ['exams', await f.c.raw('exams.set', { classId: f.s.a.id, subjectIds: [f.s.math.id, f.s.rus.id] })],
      ['transfer', await f.c.raw('orders.transfer', { order: { number: '9-п', date: '2026-05-01' }, studentId: ivanov.id, toClassId: f.s.b.id, date: '2026-05-01' })],
    ];
    for (const [what, r] of refusals) expect(expectError(r, 'validation').message, what).toMatch(/ведомость класса за этот учебный год запечатана/);
    expect((await f.c.call('ledgers.verify', { code: (await f.c.call('ledgers.get', { classId: f.s.a.id })).versions[0].code })).intact).toBe(true);
    // 5Б is not sealed: its marks are still written (Белова is only in 5Б).
    await f.c.call('grades.set', { classId: f.s.b.id, cells: [{ studentId: belova.id, subjectId: f.s.math.id, slot: 'annual', mark: '4' }] });
    await f.c.call('grades.set', { classId: f.s.b.id, cells: [{ studentId: belova.id, subjectId: f.s.math.id, slot: 'annual', mark: '5' }] });
  });

  it('a correction (admin only, with reason and order) reopens the class; the reseal is version 2 chained to 1; both print and verify', async () => {
    const clerk = await clerkSession(f);
    const asClerk = await f.c.backend.call({ method: 'ledgers.correct', session: clerk,
      args: { classId: f.s.a.id, reason: 'Ошибка в годовой оценке', orderNumber: '15-к', orderDate: '2026-06-10' } }, 'http');
    expectError(asClerk, 'forbidden');
    expectError(await f.c.raw('ledgers.correct', { classId: f.s.a.id, reason: '  ', orderNumber: '15-к', orderDate: '2026-06-10' }), 'validation', 'reason');
    expectError(await f.c.raw('ledgers.correct', { classId: f.s.b.id, reason: 'Ошибка', orderNumber: '15-к', orderDate: '2026-06-10' }), 'validation');
    const k = await f.c.call('ledgers.correct', { classId: f.s.a.id, reason: 'Ошибка в годовой оценке', orderNumber: '15-к', orderDate: '2026-06-10' });
    expect(k).toMatchObject({ reason: 'Ошибка в годовой оценке', orderNumber: '15-к', orderDate: '2026-06-10', openedBy: 'Администратор Иван Петрович', closedByVersion: null });
    expectError(await f.c.raw('ledgers.correct', { classId: f.s.a.id, reason: 'Ещё одна', orderNumber: '16-к', orderDate: '2026-06-11' }), 'conflict');
    expect((await f.c.call('ledgers.get', { classId: f.s.a.id })).state).toBe('correction');

    await f.c.call('grades.set', { classId: f.s.a.id, cells: [{ studentId: f.students.orlova.id, subjectId: f.s.rus.id, slot: 'annual', mark: '5' }] });
    const v2 = await f.c.call('ledgers.seal', { classId: f.s.a.id });
    const [r1, r2] = rows(f, f.s.a.id);
    expect(v2).toMatchObject({ version: 2, prevSha256: r1.sha256, correction: { id: k.id, reason: 'Ошибка в годовой оценке', closedByVersion: 2 } });
    expect(r2.prev_sha256).toBe(r1.sha256);
    expect(JSON.parse(r2.canonical_json).students[1].marks['Русский язык'].annual).toBe('5');
    expect(JSON.parse(r1.canonical_json).students[1].marks['Русский язык'].annual).toBe('4');
    // Locked again.
    expectError(await f.c.raw('grades.set', { classId: f.s.a.id, cells: [{ studentId: f.students.orlova.id, subjectId: f.s.rus.id, slot: 'annual', mark: '3' }] }), 'validation');

    // Every version stays printable from its stored bytes; the clerk may print.
    for (const [n, row] of [[1, r1], [2, r2]] as const) {
      const pdf = await f.c.backend.call({ method: 'ledgers.print', session: clerk, args: { classId: f.s.a.id, version: n, format: 'pdf' } }, 'http');
      expect(pdf.ok).toBe(true);
      if (pdf.ok) expect(Buffer.from((pdf.value as { dataBase64: string }).dataBase64, 'base64').equals(row.pdf)).toBe(true);
      const xlsx = await f.c.call('ledgers.print', { classId: f.s.a.id, version: n, format: 'xlsx' });
      expect(Buffer.from(xlsx.dataBase64, 'base64').equals(row.xlsx)).toBe(true);
      expect(xlsx.fileName).toBe(`Ведомость 5А 2025-2026 v${n}.xlsx`);
    }
    expectError(await f.c.raw('ledgers.print', { classId: f.s.a.id, version: 3, format: 'pdf' }), 'not_found');
    // Both verify as sealed; only 2 is current; 1 names what the correction changed.
    const c1 = await f.c.call('ledgers.verify', { code: v2.code.replace('-v2', '-v2').toLowerCase() });
    expect(c1).toMatchObject({ sealed: true, current: true, intact: true, version: 2 });
    const old = await f.c.call('ledgers.verify', { pdfBase64: r1.pdf.toString('base64') });
    expect(old).toMatchObject({ sealed: true, current: false, version: 1, currentVersion: 2, intact: false });
    expect(old.differences).toEqual([{ student: 'Орлова Анна Игоревна', subject: 'Русский язык', column: 'годовая', sealed: '4', now: '5' }]);
    // The audit shows who opened the correction and why, and the seal that closed it.
    const audit = f.c.backend.db.prepare("SELECT login, method, detail FROM audit_log WHERE method IN ('ledgers.correct', 'ledgers.seal') ORDER BY id").all() as Array<{ login: string; method: string; detail: string }>;
    expect(audit.map((a) => a.method)).toEqual(['ledgers.seal', 'ledgers.correct', 'ledgers.seal']);
    expect(JSON.parse(audit[1].detail).args).toMatchObject({ classId: f.s.a.id, reason: 'Ошибка в годовой оценке', orderNumber: '15-к' });
    expect(JSON.parse(audit[2].detail)).toMatchObject({ version: 2, correction: { reason: 'Ошибка в годовой оценке', orderNumber: '15-к' } });
    expect((await f.c.call('audit.verify', {})).ok).toBe(true);
  });
});

describe('sealing refuses', () => {
  it('a class with an empty cell, naming it, and writes nothing', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('grades.set', { classId: f.s.a.id, cells: [{ studentId: f.students.orlova.id, subjectId: f.s.rus.id, slot: 'period', periodId: f.periods[2], mark: null }] });
      const l = await f.c.call('ledgers.get', { classId: f.s.a.id });
      expect(l.missing).toEqual([{ studentId: f.students.orlova.id, student: 'Орлова Анна Игоревна', subject: 'Русский язык', column: '3 четв.', na: false }]);
      const audit = count(f.c.backend.db, 'audit_log');
      const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, allowNa: true }), 'validation');
      expect(e.message).toBe('В ведомости класса 5А не выставлено оценок: 1 (Орлова Анна Игоревна — Русский язык, 3 четв.). Выставьте их или «н/а».');
      expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
      expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
    } finally {
      f.c.backend.close();
    }
  });

  it('н/а unless the admin confirms it with allowNa', async () => {
    const f = await sealingSchool();
    try {
      await f.c.call('grades.set', { classId: f.s.a.id, cells: [{ studentId: f.students.ivanov.id, subjectId: f.s.math.id, slot: 'exam', mark: 'н/а' }] });
      const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id }), 'validation');
      expect(e.message).toMatch(/есть «н\/а»: 1 \(Иванов Пётр Сергеевич — Математика, экзамен \(н\/а\)\)/);
      expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, allowNa: true });
      expect(v.version).toBe(1);
      // The exam н/а does not spoil the result (final 5), so totals are unchanged.
      expect((await f.c.call('ledgers.get', { classId: f.s.a.id })).data.totals.allFive).toBe(1);
    } finally {
      f.c.backend.close();
    }
  });
});

describe('a seal races a write', () => {
  it('a mark changed by another connection while the ledger renders: the seal is refused, nothing stored', async () => {
    const f = await sealingSchool();
    const other = new Database(f.c.dbPath);
    try {
      // The seal builds and hashes the ledger at once, then renders; the other connection writes meanwhile.
      const sealing = f.c.raw('ledgers.seal', { classId: f.s.a.id });
      const changed = other.prepare(`UPDATE subject_marks SET annual = '3' WHERE student_id = ? AND subject_id = ? AND annual IS NOT NULL`)
        .run(f.students.orlova.id, f.s.rus.id).changes;
      expect(changed).toBe(1);
      expect(expectError(await sealing, 'conflict').message).toBe('Данные класса 5А изменились, пока ведомость печаталась: запечатайте ещё раз');
      expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
      // Sealing again seals what the register says now.
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id });
      const row = f.c.backend.db.prepare('SELECT canonical_json FROM ledger_versions WHERE id = (SELECT max(id) FROM ledger_versions)').pluck().get() as string;
      expect(JSON.parse(row).students[1].marks['Русский язык'].annual).toBe('3');
      expect(v.version).toBe(1);
    } finally {
      other.close();
      f.c.backend.close();
    }
  });
});

describe('after the year is sealed', () => {
  it('the promotion order still moves everyone (promotion and graduation change nothing a ledger shows); every ledger stays intact', async () => {
    const f = await sealingSchool();
    try {
      const c11 = await f.c.call('classes.create', { yearId: f.s.year.id, parallel: 11, letter: 'А' });
      await f.c.call('curriculum.set', { classId: c11.id, subjectIds: [f.s.math.id] });
      const grad = await f.c.call('students.create', { lastName: 'Выпускникова', firstName: 'Вера', middleName: 'Павловна', birthDate: '2008-02-02', sex: 'Ж' });
      await f.c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: grad.id, classId: c11.id, date: '2025-09-01' });
      const { fillClass } = await import('./sealing-school.ts');
      await fillClass(f.c, c11.id, { [grad.id]: '5' });
      const { jobId } = await f.c.call('ledgers.closeYear', { yearId: f.s.year.id });
      let job = await f.c.call('jobs.status', { id: jobId });
      while (job.state === 'running') {
        await new Promise((r) => setTimeout(r, 25));
        job = await f.c.call('jobs.status', { id: jobId });
      }
      expect((job.result as { sealed: unknown[] }).sealed).toHaveLength(3);
      const next = await f.c.call('years.create', { name: '2026/2027' });
      const moved = await f.c.call('orders.promote', { order: { number: '30-п', date: '2026-05-30' }, fromYearId: f.s.year.id, toYearId: next.id, date: '2026-05-30' });
      expect(moved).toMatchObject({ promoted: 4, leftForGraduation: 1 });
      // the 11th grader leaves by a выпуск order of its own (issue 20), from the sealed 11А
      const released = await f.c.call('orders.graduate', { order: { number: '31-вып', date: '2026-06-25' }, date: '2026-06-25',
        students: [{ studentId: grad.id, withoutAttestat: true }] });
      expect(released).toMatchObject({ released: 1 });
      for (const l of await f.c.call('ledgers.list', { yearId: f.s.year.id })) {
        const v = await f.c.call('ledgers.verify', { code: l.code! });
        expect([l.className, v.intact, v.differences]).toEqual([l.className, true, []]);
      }
      // The graduate is counted in 11А's totals, not shown as having left.
      const l11 = await f.c.call('ledgers.get', { classId: c11.id });
      expect(l11.data.students[0].left).toBeNull();
      expect(l11.data.totals).toMatchObject({ students: 1, allFive: 1 });
    } finally {
      f.c.backend.close();
    }
  }, 60_000);
});
