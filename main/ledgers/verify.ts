// Verification of a printed ledger, by its code or by the PDF itself: is it a sealed version of this register,
// is it the class's current version, and do the register's data today still hash to it. When they do not, every
// difference is named by student, subject and column (the stored canonical JSON against buildLedger now).
import type { DB } from '../../db/connection.ts';
import type { LedgerVerify } from '../../preload/contract.ts';
import { canonicalJson } from '../shared/jcs.ts';
import { checkSignature } from '../signing/check.ts';
import { trustAnchors, type TrustAnchors } from '../signing/trust.ts';
import { verifySignatureTimestamp } from '../signing/timestamp.ts';
import { AppError } from '../shared/errors.ts';
import { buildLedger } from './build.ts';
import { verificationCode, type LedgerData, type LedgerStudent } from './model.ts';
import { extractCodeFromPdf } from './pdf.ts';
import { sha256Hex } from './seal.ts';
import { currentVersion, toVersion, type VersionRow } from './versions.ts';

export type Difference = LedgerVerify['differences'][number];

const CODE = /^([0-9A-F]{8})-V([1-9]\d*)$/i;

const notSealed = (message: string, code: string | null = null): LedgerVerify => ({
  sealed: false, current: null, intact: null, signatureValid: null, code, version: null, currentVersion: null, classId: null,
  className: null, year: null, sealedAt: null, sealedBy: null, signer: null, signature: null, differences: [], message, timestamp: null, timestampProblem: null,
});

function byCode(db: DB, code: string): VersionRow | undefined {
  const m = CODE.exec(code.trim());
  if (!m) return undefined;
  return db.prepare('SELECT * FROM ledger_versions WHERE substr(sha256, 1, 8) = ? AND version = ? ORDER BY id LIMIT 1')
    .get(m[1].toLowerCase(), Number(m[2])) as VersionRow | undefined;
}

/**
 * `trustedCertsPem`: the roots to build the signer's path to (the CLI's --trust); without them the register's own
 * (main/signing/trust.ts). `tsaTrustedCertsPem`: the TSA certificates a signature's timestamp must chain to (none: its
 * chain is not checked).
 */
export async function verifyLedger(db: DB, a: ({ code: string } | { pdf: Buffer }) & { trustedCertsPem?: string[] }, tsaTrustedCertsPem: string[] = []): Promise<LedgerVerify> {
  let row: VersionRow | undefined;
  if ('code' in a) {
    const code = a.code.trim().toUpperCase().replace(/-V/, '-v');
    if (!CODE.test(code)) throw new AppError('validation', `«${a.code.trim().slice(0, 40)}» — не код проверки: он выглядит как A1B2C3D4-v1`, { code: 'код вида A1B2C3D4-v1' });
    row = byCode(db, code);
    if (!row) return notSealed(`Код ${code} не найден: такой запечатанной ведомости в реестре нет`, code);
  } else {
    if (a.pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new AppError('validation', 'Файл не является PDF', { pdfBase64: 'не PDF' });
    row = db.prepare('SELECT * FROM ledger_versions WHERE pdf_sha256 = ?').get(sha256Hex(a.pdf)) as VersionRow | undefined;
    if (!row) {
      // The bytes differ from every sealed PDF. Say which version it claims to be, when it names one that exists.
      const claimed = extractCodeFromPdf(a.pdf);
      const known = claimed ? byCode(db, claimed) : undefined;
      return notSealed(known
        ? `Это не запечатанная версия: файл называет код ${claimed}, но его содержимое отличается от запечатанного PDF этой версии (файл изменён)`
        : claimed ? `Это не запечатанная версия: код ${claimed} из файла в реестре не найден`
          : 'Это не запечатанная версия: файл не совпадает ни с одним запечатанным PDF реестра', claimed);
    }
  }
  const v = verdict(db, row, trustAnchors(a.trustedCertsPem, db));
  // the signature's trusted time (CAdES-T): checked apart from the signature; none is «без штампа времени»
  const time = row.signature ? await verifySignatureTimestamp(row.signature, tsaTrustedCertsPem) : { timestamp: null, problem: null };
  return { ...v, timestamp: time.timestamp, timestampProblem: time.problem };
}

function verdict(db: DB, row: VersionRow, anchors: TrustAnchors): Omit<LedgerVerify, 'timestamp' | 'timestampProblem'> {
  const v = toVersion(db, row);
  const latest = currentVersion(db, row.class_id)!;
  const sealedData = JSON.parse(row.canonical_json) as LedgerData;
  // The stored record itself: its canonical JSON must still hash to its sha256, its PDF to its pdf_sha256.
  const recordIntact = sha256Hex(row.canonical_json) === row.sha256 && sha256Hex(row.pdf) === row.pdf_sha256;
  const now = buildLedger(db, row.class_id);
  const intact = recordIntact && sha256Hex(canonicalJson(now)) === row.sha256;
  const differences = intact ? [] : diffLedgers(sealedData, now);
  // intact (digest, signature value) apart from trusted (the path to the roots): a seal by a certificate whose root
  // is not configured is still a seal of these data
  const signature = row.signature ? checkSignature(row.signature, Buffer.from(row.canonical_json, 'utf8'), anchors) : null;
  const signatureValid = signature ? signature.intact : null;
  const current = latest.version === row.version;
  const code = verificationCode(row.sha256, row.version);
  const name = `${sealedData.class.name}, ${sealedData.year}`;
  const message = !recordIntact
    ? `Версия ${code} (${name}) найдена, но её запись в реестре повреждена: хеш не сходится`
    : signatureValid === false ? `Версия ${code} (${name}): электронная подпись недействительна`
      : signature && (signature.trusted === false || signature.intact === null) ? `Версия ${code} (${name}): ${signature.message}`
      : !current ? `Запечатанная версия ${row.version} ведомости ${name}, но не текущая: действует версия ${latest.version} (код ${verificationCode(latest.sha256, latest.version)})`
        : intact ? `Подлинная текущая версия ${row.version} ведомости ${name}: данные реестра совпадают с запечатанными`
          : `Версия ${row.version} ведомости ${name} текущая, но данные реестра изменились после запечатывания: расхождений — ${differences.length}`;
  return {
    sealed: true, current, intact, signatureValid, code, version: row.version, currentVersion: latest.version, classId: row.class_id,
    className: sealedData.class.name, year: sealedData.year, sealedAt: row.sealed_at, sealedBy: v.sealedBy, signer: row.signer,
    signature, differences, message,
  };
}

const show = (v: unknown): string | null => (v == null ? null : typeof v === 'object' ? canonicalJson(v) : String(v));

/** Every difference between two ledgers of a class: header fields, the curriculum, students, marks, absences. */
export function diffLedgers(sealed: LedgerData, now: LedgerData): Difference[] {
  const out: Difference[] = [];
  const head = (column: string, a: unknown, b: unknown) => {
    if (show(a) !== show(b)) out.push({ student: '—', subject: null, column, sealed: show(a), now: show(b) });
  };
  const SCHOOL: Record<keyof LedgerData['school'], string> = { fullName: 'полное наименование', shortName: 'краткое наименование', inn: 'ИНН',
    kpp: 'КПП', ogrn: 'ОГРН', address: 'адрес', director: 'директор', regionCode: 'код региона' };
  for (const k of Object.keys(SCHOOL) as Array<keyof LedgerData['school']>) head(`Школа: ${SCHOOL[k]}`, sealed.school[k], now.school?.[k]);
  head('Учебный год', sealed.year, now.year);
  head('Класс', sealed.class, now.class);
  head('Классный руководитель', sealed.homeroomTeacher, now.homeroomTeacher);
  head('Периоды', sealed.periods.map((p) => p.label).join(', '), now.periods.map((p) => p.label).join(', '));
  const subjectsNow = new Map(now.subjects.map((s) => [s.name, s]));
  const subjectsThen = new Map(sealed.subjects.map((s) => [s.name, s]));
  for (const s of sealed.subjects) {
    if (!subjectsNow.has(s.name)) out.push({ student: '—', subject: s.name, column: 'учебный план', sealed: 'в плане', now: null });
    else if (subjectsNow.get(s.name)!.hasExam !== s.hasExam) out.push({ student: '—', subject: s.name, column: 'экзамен', sealed: s.hasExam ? 'есть' : 'нет', now: s.hasExam ? 'нет' : 'есть' });
  }
  for (const s of now.subjects) if (!subjectsThen.has(s.name)) out.push({ student: '—', subject: s.name, column: 'учебный план', sealed: null, now: 'в плане' });

  const labels = new Map([...sealed.periods, ...now.periods].map((p) => [p.key, p.label]));
  const studentsNow = new Map(now.students.map((s) => [s.id, s]));
  const describeLeft = (l: LedgerStudent['left']) => (l ? `${l.kind === 'transfer' ? 'переведён(а)' : 'выбыл(а)'} ${l.date}` : null);
  for (const a of sealed.students) {
    const b = studentsNow.get(a.id);
    if (!b) { out.push({ student: a.fullName, subject: null, column: 'в списке класса', sealed: 'да', now: null }); continue; }
    const row = (subject: string | null, column: string, x: unknown, y: unknown) => {
      if (show(x) !== show(y)) out.push({ student: a.fullName, subject, column, sealed: show(x), now: show(y) });
    };
    row(null, 'ФИО', a.fullName, b.fullName);
    row(null, '№ в алфавитной книге', a.bookNumber, b.bookNumber);
    row(null, 'выбытие', describeLeft(a.left), describeLeft(b.left));
    row(null, 'пропущено уроков', a.missed.total, b.missed.total);
    row(null, 'пропущено по уважительной причине', a.missed.excused, b.missed.excused);
    for (const sub of sealed.subjects) {
      const x = a.marks[sub.name];
      const y = b.marks[sub.name];
      if (!y) continue; // the whole subject is reported above
      for (const key of new Set([...Object.keys(x.periods), ...Object.keys(y.periods)])) row(sub.name, labels.get(key) ?? key, x.periods[key], y.periods[key]);
      row(sub.name, 'годовая', x.annual, y.annual);
      row(sub.name, 'экзамен', x.exam, y.exam);
      row(sub.name, 'итоговая', x.final, y.final);
    }
  }
  const then = new Set(sealed.students.map((s) => s.id));
  for (const b of now.students) if (!then.has(b.id)) out.push({ student: b.fullName, subject: null, column: 'в списке класса', sealed: null, now: 'да' });
  return out;
}

/** A sealed class whose current version the register's data no longer hash to, with every difference named. */
export type SealMismatch = { classId: number; className: string; year: string; version: number; code: string; differences: Difference[] };

/**
 * Every sealed class's current version rebuilt from the register's data now (buildLedger + the canonical hash, as a
 * seal is made): the data must hash to the seal. A class under an open correction (opened by the program: its
 * ledgers.correct entry in the audit log) is being changed on purpose and is listed apart (`underCorrection`). Used by `ledger verify` per printout and by every restore.
 */
export function rederiveSealed(db: DB): { checked: number; underCorrection: string[]; mismatches: SealMismatch[] } {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_versions'").get()) return { checked: 0, underCorrection: [], mismatches: [] };
  const rows = db.prepare(`SELECT v.* FROM ledger_versions v
    WHERE v.version = (SELECT max(version) FROM ledger_versions w WHERE w.class_id = v.class_id) ORDER BY v.class_id`).all() as VersionRow[];
  const open = new Set(db.prepare('SELECT class_id FROM ledger_corrections WHERE closed_by_version_id IS NULL').pluck().all() as number[]);
  const audited = db.prepare("SELECT 1 FROM audit_log WHERE method = 'ledgers.correct' AND json_extract(detail, '$.args.classId') = ? LIMIT 1");
  const out = { checked: 0, underCorrection: [] as string[], mismatches: [] as SealMismatch[] };
  for (const row of rows) {
    let sealed: LedgerData | null = null;
    try {
      const parsed = JSON.parse(row.canonical_json) as LedgerData;
      if (parsed?.format === 'school-register/ledger@1') sealed = parsed;
    } catch { /* named below */ }
    const name = sealed ? `${sealed.class.name}, ${sealed.year}` : `класс № ${row.class_id}`;
    // a correction the program opened is in the audit log (ledgers.correct); one written behind it changes nothing here
    if (open.has(row.class_id) && audited.get(row.class_id)) { out.underCorrection.push(name); continue; }
    out.checked++;
    const mismatch = (differences: Difference[]) => out.mismatches.push({ classId: row.class_id, className: sealed?.class.name ?? `№ ${row.class_id}`,
      year: sealed?.year ?? '', version: row.version, code: verificationCode(row.sha256, row.version), differences });
    if (!sealed) { mismatch([{ student: '—', subject: null, column: 'запечатанные данные', sealed: 'не ведомость', now: null }]); continue; }
    let now: LedgerData;
    try {
      now = buildLedger(db, row.class_id);
    } catch (e) {
      mismatch([{ student: '—', subject: null, column: 'класс', sealed: sealed.class.name, now: `не строится: ${(e as Error).message}` }]);
      continue;
    }
    now = withUnsealedAsSealed(sealed, now);
    if (sha256Hex(canonicalJson(now)) !== row.sha256) {
      const differences = diffLedgers(sealed, now);
      // the hash differs but no field we name does (a field the diff does not walk): still a difference, said so
      mismatch(differences.length ? differences : [{ student: '—', subject: null, column: 'данные ведомости', sealed: row.sha256.slice(0, 8), now: sha256Hex(canonicalJson(now)).slice(0, 8) }]);
    }
  }
  return out;
}

/** One difference as a clerk reads it: «Иванов Иван, Математика, 1 четв.: было 5, стало 3». */
/**
 * What the database lets change after a seal, and a restore must therefore not take for forgery, taken as it was
 * sealed: the school's profile (a new director, address, name), the class's homeroom teacher and how the class is
 * named, and the students' names and book numbers (a corrected surname). What a seal protects — who was in the class,
 * the curriculum, exams, marks, attendance, the periods — is compared as the register holds it now.
 */
function withUnsealedAsSealed(sealed: LedgerData, now: LedgerData): LedgerData {
  const then = new Map(sealed.students.map((s) => [s.id, s]));
  return {
    ...now, school: sealed.school, homeroomTeacher: sealed.homeroomTeacher, class: sealed.class,
    students: now.students.map((s) => {
      const t = then.get(s.id);
      return t ? { ...s, fullName: t.fullName, bookNumber: t.bookNumber } : s;
    }),
  };
}

export function describeDifference(d: Difference): string {
  const who = [d.student !== '—' ? d.student : null, d.subject, d.column].filter(Boolean).join(', ');
  return `${who}: было ${d.sealed ?? '—'}, стало ${d.now ?? '—'}`;
}
