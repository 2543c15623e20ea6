// Certified printouts over the real dispatcher on a real register file: справка об обучении, алфавитная книга,
// книга учёта выданных аттестатов — their PDFs read back with poppler/qpdf, registered with a code printed on
// every page, the same data giving the same code, changed data a new version, and verification by code and by
// file (an edited file is refused). Attestats and blank forms: a form used once, a series must be received first,
// and a refused call writes nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { extractCodeFromPdf } from '../../main/shared/pdf.ts';
import { certificateOfStudyData } from '../../main/printouts/data.ts';
import { contentHash, count, expectError } from '../helpers/db.ts';
import { cli } from '../helpers/cli.ts';
import { pdfaProblems } from '../helpers/pdfa-check.ts';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

let f: SealingSchool;
let dir: string;
beforeAll(async () => {
  f = await sealingSchool();
  dir = fs.mkdtempSync(path.join(f.dir, 'printouts-'));
});
afterAll(() => f.c.backend.close());

function pdfFile(name: string, base64: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(base64, 'base64'));
  return file;
}
const text = (file: string, page?: number) => execFileSync('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'],
  { encoding: 'utf8' });
const pages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);

function expectSoundPdf(file: string, code: string) {
  const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  expect(check.status, check.stdout + check.stderr).toBe(0);
  const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
  expect(fonts.length).toBeGreaterThan(0);
  for (const line of fonts) expect(line).toMatch(/Roboto.*\s+yes\s+yes\s+yes\s+/);
  const n = pages(file);
  for (let p = 1; p <= n; p++) {
    const t = text(file, p);
    expect(t).toContain(`Лист ${p} из ${n}`);
    expect(t).toContain(`Код проверки: ${code}`);
  }
  expect(extractCodeFromPdf(fs.readFileSync(file))).toBe(code);
  expect(pdfaProblems(file)).toEqual([]);
  if (zbar) {
    // the QR code of every page holds the code (zbarimg reads it off the rendered pages)
    const out = fs.mkdtempSync(path.join(dir, 'qr-'));
    execFileSync('pdftoppm', ['-r', '150', '-png', file, path.join(out, 'page')]);
    for (const png of fs.readdirSync(out)) expect(spawnSync('zbarimg', ['-q', '--raw', path.join(out, png)], { encoding: 'utf8' }).stdout.trim()).toBe(code);
  }
}
const zbar = spawnSync('which', ['zbarimg']).status === 0;

describe('справка об обучении', () => {
  it('shows the student, the school and the marks by year, with the code on every page, registered with its PDF', async () => {
    const { ivanov } = f.students;
    const r = await f.c.call('printouts.certificateOfStudy', { studentId: ivanov.id });
    expect(r).toMatchObject({ kind: 'certificate_of_study', subjectRef: `student:${ivanov.id}`, version: 1, reused: false, createdBy: 'admin' });
    expect(r.code).toBe(`${r.sha256.slice(0, 8).toUpperCase()}-v1`);
    const file = pdfFile('cert.pdf', r.dataBase64);
    expectSoundPdf(file, r.code);
    const t = text(file).replace(/\s+/g, ' ');
    expect(t).toContain('СПРАВКА об обучении');
    expect(t).toContain('Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1535»');
    expect(t).toContain('ИНН 7707083893');
    expect(t).toContain('Выдана Иванов Пётр Сергеевич, 01.04.2014 года рождения');
    expect(t).toContain('2025/2026 учебный год, класс 5А');
    expect(t).toMatch(/Математика 5 5 5 5 5 5 5/); // four quarters, annual, exam, final
    expect(t).toMatch(/Русский язык 5 5 5 5 5 — 5/);
    expect(t).toContain('Директор Смирнова Елена Викторовна');
    expect(t).toContain('М.П.');
    // registered: the data's hash, the PDF as given out, an audit entry
    const row = f.c.backend.db.prepare('SELECT * FROM printouts WHERE code = ?').get(r.code) as { sha256: string; canonical_json: string; pdf: Buffer; pdf_sha256: string };
    expect(row.canonical_json).toBe(canonicalJson(certificateOfStudyData(f.c.backend.db, ivanov.id)));
    expect(row.sha256).toBe(sha(row.canonical_json));
    expect(row.pdf.equals(fs.readFileSync(file))).toBe(true);
    expect(row.pdf_sha256).toBe(sha(row.pdf));
    expect(count(f.c.backend.db, 'audit_log', `method = 'printouts.certificate_of_study' AND detail LIKE '%${r.code}%'`)).toBe(1);
  });

  it('a student who moved class mid-year: both classes; one who left: «о периоде обучения» with the departure', async () => {
    const { yakovlev, belova } = f.students;
    const r = await f.c.call('printouts.certificateOfStudy', { studentId: yakovlev.id });
    expect(text(pdfFile('moved.pdf', r.dataBase64)).replace(/\s+/g, ' ')).toContain('2025/2026 учебный год, классы 5А, 5Б');
    await f.c.call('orders.depart', { order: { number: '9-в', date: '2026-03-02' }, studentId: belova.id, date: '2026-03-02',
      reason: 'Перевод в другую образовательную организацию', whereTo: 'ГБОУ Школа № 2083' });
    const left = await f.c.call('printouts.certificateOfStudy', { studentId: belova.id });
    const t = text(pdfFile('left.pdf', left.dataBase64)).replace(/\s+/g, ' ');
    expect(t).toContain('СПРАВКА о периоде обучения');
    expect(t).toContain('по 02.03.2026 (Перевод в другую образовательную организацию)');
  });

  it('printed again with the same data: the registered copy and its code; after a change: version 2, version 1 no longer current', async () => {
    const { orlova } = f.students;
    const v1 = await f.c.call('printouts.certificateOfStudy', { studentId: orlova.id });
    const again = await f.c.call('printouts.certificateOfStudy', { studentId: orlova.id });
    expect(again).toMatchObject({ code: v1.code, version: 1, reused: true, dataBase64: v1.dataBase64 });
    expect(count(f.c.backend.db, 'printouts', `subject_ref = 'student:${orlova.id}'`)).toBe(1);
    expect(await f.c.call('printouts.verify', { code: v1.code })).toMatchObject({ registered: true, current: true, intact: true, fileMatches: null });

    await f.c.call('grades.set', { classId: f.s.a.id, cells: [{ studentId: orlova.id, subjectId: f.s.rus.id, slot: 'annual', mark: '5' }] });
    const v2 = await f.c.call('printouts.certificateOfStudy', { studentId: orlova.id });
    expect(v2).toMatchObject({ version: 2, reused: false });
    expect(v2.code).not.toBe(v1.code);
    expect(v2.code).toMatch(/-v2$/);
    const old = await f.c.call('printouts.verify', { code: v1.code });
    expect(old).toMatchObject({ registered: true, version: 1, latestVersion: 2, current: false, intact: false });
    expect(old.message).toContain('данные реестра с тех пор изменились');
    expect(await f.c.call('printouts.verify', { code: v2.code.toLowerCase() })).toMatchObject({ registered: true, current: true, intact: true });
  });

  it('the list of printouts and a copy downloaded again name the student by ФИО, as the first file did, not by id', async () => {
    const { ivanov } = f.students;
    const made = await f.c.call('printouts.certificateOfStudy', { studentId: ivanov.id });
    expect(made.fileName).toBe(`Справка об обучении — Иванов Пётр Сергеевич — ${made.code}.pdf`);
    const listed = (await f.c.call('printouts.list', { kind: 'certificate_of_study' })).find((p) => p.code === made.code);
    expect(listed?.fileName).toBe(made.fileName);
    expect([made.label, listed?.label]).toEqual(['Иванов Пётр Сергеевич', 'Иванов Пётр Сергеевич']);
    const again = await f.c.call('printouts.get', { code: made.code });
    expect(again.fileName).toBe(made.fileName);
    expect(again.dataBase64).toBe(made.dataBase64);
    const book = await f.c.call('printouts.alphabetBook', { letter: 'И' });
    expect((await f.c.call('printouts.list', { kind: 'alphabet_book' })).find((p) => p.code === book.code)).toMatchObject({ fileName: book.fileName, label: 'буква И' });
  });

  it('verification by file: the file as given out passes; an edited file, or one without a code, does not', async () => {
    const r = await f.c.call('printouts.certificateOfStudy', { studentId: f.students.ivanov.id });
    const good = await f.c.call('printouts.verify', { pdfBase64: r.dataBase64 });
    expect(good).toMatchObject({ registered: true, code: r.code, current: true, intact: true, fileMatches: true });
    expect(good.message).toContain('подлинный');
    // Change one byte of the text stream: the code is still in it, the file is not the registered one.
    const bytes = Buffer.from(r.dataBase64, 'base64');
    const at = bytes.indexOf('stream\n') + 40;
    bytes[at] = bytes[at] ^ 0x01;
    const edited = await f.c.call('printouts.verify', { pdfBase64: bytes.toString('base64') });
    expect(edited).toMatchObject({ registered: true, code: r.code, fileMatches: false });
    expect(edited.message).toMatch(/^Файл изменён/);
    const noCode = await f.c.call('printouts.verify', { pdfBase64: Buffer.from('%PDF-1.3\n%%EOF').toString('base64') });
    expect(noCode).toMatchObject({ registered: false, code: null });
    expect(await f.c.call('printouts.verify', { code: 'DEADBEEF-v1' })).toMatchObject({ registered: false, code: 'DEADBEEF-v1' });
  });

  it('an unknown student is refused by name, and nothing is registered', async () => {
    const before = count(f.c.backend.db, 'printouts');
    const e = expectError(await f.c.raw('printouts.certificateOfStudy', { studentId: '00000000-0000-4000-8000-00000000dead' }), 'not_found');
    expect(e.message).toContain('00000000-0000-4000-8000-00000000dead');
    expectError(await f.c.raw('printouts.certificateOfStudy', { studentId: 'Иванов' }), 'validation', 'studentId');
    expect(count(f.c.backend.db, 'printouts')).toBe(before);
  });
});

describe('алфавитная книга', () => {
  it('prints the entries of a letter with the code; a letter with no entries or not a letter is refused', async () => {
    const r = await f.c.call('printouts.alphabetBook', { letter: 'и' });
    expect(r.subjectRef).toBe('letter:И');
    const file = pdfFile('book.pdf', r.dataBase64);
    expectSoundPdf(file, r.code);
    const t = text(file).replace(/\s+/g, ' ');
    expect(t).toContain('АЛФАВИТНАЯ КНИГА ЗАПИСИ ОБУЧАЮЩИХСЯ');
    expect(t).toContain('Буква «И» · записей: 1');
    expect(t).toMatch(/1 И-1 Иванов Пётр Сергеевич 01\.04\.2014 01\.09\.2025 5А/);
    const none = expectError(await f.c.raw('printouts.alphabetBook', { letter: 'Щ' }), 'not_found');
    expect(none.message).toContain('«Щ»');
    expectError(await f.c.raw('printouts.alphabetBook', { letter: 'И1' }), 'validation', 'letter');
  });
});

describe('attestats and blank forms', () => {
  const db = () => f.c.backend.db;
  const form = (n: number) => db().prepare(`SELECT state FROM attestat_forms WHERE series = '077' AND number = ?`).get(n) as { state: string };

  it('forms are received by series and range; an overlapping range is refused and nothing is written', async () => {
    expect(await f.c.call('attestats.receiveForms', { kind: 9, series: '077', firstNumber: 101, lastNumber: 105, receivedOn: '2026-05-20',
      document: 'Накладная № 15 от 20.05.2026' })).toMatchObject({ forms: 5, kindName: 'аттестат об основном общем образовании' });
    // blanks «с отличием» are a form of their own, received apart (migration 0022)
    expect(await f.c.call('attestats.receiveForms', { kind: 9, honours: true, series: '77 ОТ', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-20',
      document: 'Накладная № 15-О от 20.05.2026' })).toMatchObject({ forms: 2, kindName: 'аттестат об основном общем образовании с отличием' });
    const before = contentHash(db());
    const e = expectError(await f.c.raw('attestats.receiveForms', { kind: 9, series: '077', firstNumber: 105, lastNumber: 110, receivedOn: '2026-05-21',
      document: 'Накладная № 16' }), 'conflict');
    expect(e.message).toContain('077 № 000105');
    expectError(await f.c.raw('attestats.receiveForms', { kind: 10, series: '077', firstNumber: 1, lastNumber: 2, receivedOn: '2026-05-21', document: 'x' }), 'validation');
    expect(contentHash(db())).toBe(before);
  });

  it('an attestat uses its form once; a used, spoiled or unregistered form is refused by series and number, writing nothing', async () => {
    const { ivanov, orlova, yakovlev } = f.students;
    const a = await f.c.call('attestats.issue', { studentId: ivanov.id, kind: 9, series: '77 ОТ', number: 1, issueDate: '2026-06-25',
      recipient: 'Иванов Пётр Сергеевич', withHonours: true });
    expect(a).toMatchObject({ regNumber: 1, year: '2025/2026', series: '77 ОТ', number: 1, fullName: 'Иванов Пётр Сергеевич', withHonours: true });
    expect(db().prepare(`SELECT state FROM attestat_forms WHERE series = '77 ОТ' AND number = 1`).pluck().get()).toBe('issued');
    const before = contentHash(db());

    const twice = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '77 ОТ', number: 1, issueDate: '2026-06-25',
      recipient: 'Орлова Анна Игоревна', withHonours: true }), 'conflict');
    expect(twice.message).toContain('Бланк 77 ОТ № 000001 уже использован');
    // an ordinary attestat on a blank «с отличием», and the reverse: refused by the blank's number, naming both kinds
    const onHonours = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '77 ОТ', number: 2, issueDate: '2026-06-25',
      recipient: 'Орлова Анна Игоревна' }), 'validation', 'number');
    expect(onHonours.message).toContain('Бланк 77 ОТ № 000002 — бланк аттестата об основном общем образовании с отличием, а выдаётся аттестат об основном общем образовании (Орлова Анна Игоревна)');
    const onPlain = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '077', number: 103, issueDate: '2026-06-25',
      recipient: 'Орлова Анна Игоревна', withHonours: true }), 'validation', 'number');
    expect(onPlain.message).toContain('аттестат с отличием выдаётся на своём бланке');
    const unregistered = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '078', number: 103,
      issueDate: '2026-06-25', recipient: 'Орлова Анна Игоревна' }), 'validation', 'series');
    expect(unregistered.message).toContain('Бланки серии «078» не поступали');
    const outside = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '077', number: 999,
      issueDate: '2026-06-25', recipient: 'Орлова Анна Игоревна' }), 'validation', 'number');
    expect(outside.message).toContain('077 № 000999');
    const wrongKind = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 11, series: '077', number: 104,
      issueDate: '2026-06-25', recipient: 'Орлова Анна Игоревна' }), 'validation', 'series');
    expect(wrongKind.message).toContain('за 9 класс');
    const unknown = expectError(await f.c.raw('attestats.issue', { studentId: '00000000-0000-4000-8000-00000000beef', kind: 9, series: '077', number: 104,
      issueDate: '2026-06-25', recipient: 'Кто-то' }), 'not_found');
    expect(unknown.message).toContain('00000000-0000-4000-8000-00000000beef');
    const second = expectError(await f.c.raw('attestats.issue', { studentId: ivanov.id, kind: 9, series: '077', number: 104,
      issueDate: '2026-06-26', recipient: 'Иванов Пётр Сергеевич' }), 'conflict');
    expect(second.message).toContain('уже выдан аттестат об основном общем образовании: 77 ОТ № 000001');
    expect(contentHash(db())).toBe(before);

    const spoiled = await f.c.call('attestats.spoilForm', { series: '077', number: 104, date: '2026-06-24', reason: 'Ошибка в фамилии при заполнении' });
    expect(spoiled).toMatchObject({ state: 'spoiled', spoiledReason: 'Ошибка в фамилии при заполнении' });
    const onSpoiled = expectError(await f.c.raw('attestats.issue', { studentId: orlova.id, kind: 9, series: '077', number: 104,
      issueDate: '2026-06-25', recipient: 'Орлова Анна Игоревна' }), 'conflict');
    expect(onSpoiled.message).toContain('испорчен 24.06.2026');
    expectError(await f.c.raw('attestats.spoilForm', { series: '77 ОТ', number: 1, date: '2026-06-26', reason: 'x' }), 'conflict');

    const b = await f.c.call('attestats.issue', { studentId: yakovlev.id, kind: 9, series: '077', number: 105, issueDate: '2026-06-26',
      recipient: 'Яковлева Ирина Петровна (мать, по доверенности)' });
    expect(b.regNumber).toBe(2);
    expect((await f.c.call('attestats.forms', { series: '077' })).map((x) => `${x.number}:${x.state}`))
      .toEqual(['101:received', '102:received', '103:received', '104:spoiled', '105:issued']);
    expect((await f.c.call('attestats.forms', { series: '77 ОТ' })).map((x) => `${x.number}:${x.state}:${x.honours}`)).toEqual(['1:issued:true', '2:received:true']);
  });

  it('the книга учёта выданных аттестатов lists them with forms accounted by series, the code on every page', async () => {
    const r = await f.c.call('printouts.attestatBook', { year: '2025/2026' });
    const file = pdfFile('attestats.pdf', r.dataBase64);
    expectSoundPdf(file, r.code);
    const t = text(file).replace(/\s+/g, ' ');
    expect(t).toContain('КНИГА УЧЁТА И ЗАПИСИ ВЫДАННЫХ АТТЕСТАТОВ');
    expect(t).toMatch(/1 Иванов Пётр Сергеевич 01\.04\.2014 аттестат об основном общем 77 ОТ № 000001 25\.06\.2026 Иванов Пётр Сергеевич образовании с отличием/);
    expect(t).toMatch(/2 Яковлев Ян Ильич 01\.04\.2014 .*077 № 000105 26\.06\.2026 Яковлева Ирина Петровна .*\(мать, по доверенности\)/);
    // received, issued, spoiled, left: by kind and series
    expect(t).toMatch(/аттестат об основном общем образовании \(9 класс\) 077 5 1 1 3/);
    expect(t).toMatch(/аттестат об основном общем образовании с отличием \(9 класс\) 77 ОТ 2 1 0 1/);
    expect(t).toContain('077 № 000104 24.06.2026 Ошибка в фамилии при заполнении');
    expect(t).toContain('Подпись получателя');
    expectError(await f.c.raw('printouts.attestatBook', { year: '2030/2031' }), 'validation', 'year');
  });
});

describe('more bad input', () => {
  it('a receipt with the range reversed, a spoiling dated before the forms came, an empty reason: refused by field, nothing written', async () => {
    const db = f.c.backend.db;
    const before = contentHash(db);
    const reversed = expectError(await f.c.raw('attestats.receiveForms', { kind: 11, series: '177', firstNumber: 20, lastNumber: 10, receivedOn: '2026-05-20',
      document: 'Накладная № 17' }), 'validation', 'lastNumber');
    expect(reversed.message).toContain('меньше первого');
    const early = expectError(await f.c.raw('attestats.spoilForm', { series: '077', number: 101, date: '2026-05-01', reason: 'Порван' }), 'validation', 'date');
    expect(early.message).toContain('получен 20.05.2026');
    expectError(await f.c.raw('attestats.spoilForm', { series: '077', number: 101, date: '2026-06-01', reason: '   ' }), 'validation', 'reason');
    const noSeries = expectError(await f.c.raw('attestats.spoilForm', { series: 'АБ', number: 1, date: '2026-06-01', reason: 'Порван' }), 'validation', 'series');
    expect(noSeries.message).toContain('Бланки серии «АБ» не поступали');
    expect(contentHash(db)).toBe(before);
  });

  it('two students with the same ФИО: the CLI refuses and lists them by birth date and UUID', async () => {
    const twin = await f.c.call('students.create', { lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич', birthDate: '2013-02-02', sex: 'М' });
    const r = await cli('print', 'certificate-of-study', '--student', 'Иванов Петр Сергеевич', '--out', path.join(dir, 'twin.pdf'), '--db', f.c.dbPath);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('В реестре несколько учеников «Иванов Петр Сергеевич»');
    expect(r.stderr).toContain(`02.02.2013 г. р. — ${twin.id}`);
    expect(r.stderr).toContain(f.students.ivanov.id);
    expect(fs.existsSync(path.join(dir, 'twin.pdf'))).toBe(false);
  });
});

describe('the CLI', () => {
  it('print certificate-of-study by ФИО, alphabet-book, attestat-book; print verify by file; unknown student → exit 1', async () => {
    const db = f.c.dbPath;
    const out = path.join(dir, 'cli-cert.pdf');
    // the backend keeps the file open in this process; the CLI is another connection, as a second clerk would be
    const r = await cli('print', 'certificate-of-study', '--student', 'орлова анна игоревна', '--out', out, '--db', db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Справка об обучении: .*cli-cert\.pdf, код проверки [0-9A-F]{8}-v2 \(данные не изменились/);
    expect(text(out)).toContain('Орлова Анна Игоревна');
    const v = await cli('print', 'verify', '--pdf', out, '--db', db);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('подлинный, актуальная версия');
    const book = await cli('print', 'alphabet-book', '--letter', 'О', '--out', path.join(dir, 'cli-book.pdf'), '--db', db, '--json');
    expect(book.code).toBe(0);
    expect(JSON.parse(book.stdout)).toMatchObject({ kind: 'alphabet_book', subjectRef: 'letter:О', file: path.join(dir, 'cli-book.pdf') });
    const att = await cli('print', 'attestat-book', '--year', '2025/2026', '--out', path.join(dir, 'cli-att.pdf'), '--db', db);
    expect(att.code).toBe(0);
    const missing = await cli('print', 'certificate-of-study', '--student', 'Несуществующий Ученик Иванович', '--out', path.join(dir, 'none.pdf'), '--db', db);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Ученик «Несуществующий Ученик Иванович» не найден в реестре');
    expect(fs.existsSync(path.join(dir, 'none.pdf'))).toBe(false);
    const bad = await cli('print', 'verify', '--code', 'ABCDEF12-v9', '--db', db);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('не зарегистрирован');
  });
});
