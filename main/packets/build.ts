// Building a packet from the register: a full snapshot or the changes since the previous packet in the chain,
// canonicalised (RFC 8785), hashed, checked against the schema, and stored in the outbox as 'built'.
// Yearly marks come only from sealed ledgers (table ledger_versions, written by the ledgers branch): a mark that is not
// in a sealed version is not sent. Attestats come from the book of issued attestats (table attestats, migration 0005).
import crypto from 'node:crypto';
import type { DB } from '../../db/connection.ts';
import { AppError } from '../shared/errors.ts';
import { canonicalJson } from '../shared/jcs.ts';
import { assertValidPacket } from './validate.ts';
import { holesText, lastChangeSeq, missingChanges } from './compact.ts';
import { PACKET_FORMAT, type ClassRef, type Packet, type PacketAttestat, type PacketKind, type PacketLedger, type PacketStudent } from './model.ts';
import type { LedgerData } from '../ledgers/model.ts';

type Base = { id: string; seq: number; sha256: string; changes_to: number; ledgers_to: number } | undefined;

/** The packet the next one follows: the latest not rejected (a rejected packet's place is taken by the next). */
export function chainHead(db: DB): Base {
  return db.prepare("SELECT id, seq, sha256, changes_to, ledgers_to FROM packets WHERE state <> 'rejected' ORDER BY seq DESC LIMIT 1").get() as Base;
}

function hasLedgerVersions(db: DB): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_versions'").get();
}

type StudentRow = { id: string; last_name: string; first_name: string; middle_name: string | null; birth_date: string; sex: 'М' | 'Ж';
  snils: string | null; doc_kind: 'birth_certificate' | 'passport' | null; doc_series: string | null; doc_number: string | null; doc_date: string | null };

function toStudent(r: StudentRow): PacketStudent {
  return {
    id: r.id, snils: r.snils, lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name || null,
    birthDate: r.birth_date, sex: r.sex,
    // A document without its number is no identifier: sent as null, and the schema says whether that is allowed.
    document: r.doc_kind && r.doc_number ? { kind: r.doc_kind, series: r.doc_series || null, number: r.doc_number, date: r.doc_date } : null,
  };
}

const classRef = (name: string | null, year: string | null): ClassRef | null => (name && year ? { name, year } : null);

/**
 * The highest attestat id the chain up to packet `headSeq` has carried.
 *
 * The change log (migration 0006) has no trigger on attestats, and none is needed: the book of issued attestats is
 * append-only (migration 0005 forbids UPDATE and DELETE, and a form's series and number never change), so an attestat
 * once sent never changes, and its INTEGER PRIMARY KEY only grows (a rowid is max+1 when nothing is ever deleted).
 * "Issued since the previous packet" is therefore "id above the highest id the chain has carried", read from the
 * packets themselves rather than from a column of the outbox (which would need a migration): going back from the head
 * over the packets not rejected, the first one carrying any attestat has the highest; a full packet carrying none
 * means none existed when it was built (a full packet carries them all), so everything since is new. A rejected
 * packet is skipped, so what it carried goes again in the next one, as its change-log entries do.
 * Most deltas carry no attestat; the walk passes them without parsing their JSON: in canonical JSON an empty list is
 * exactly `"attestats":[]`, and that text cannot occur inside a string (a quote there is escaped) nor under another key
 * (the schema allows `attestats` only at the top), so a packet containing it carries none. Without this the build of
 * a long chain of deltas parses every earlier packet each time (1,000 packets: 0.6 s → 2.5 s).
 */
function attestatsCarried(db: DB, headSeq: number): number {
  const chain = db.prepare(`SELECT p.kind, (SELECT max(CAST(json_extract(a.value, '$.id') AS INTEGER)) FROM json_each(p.canonical_json, '$.attestats') a) AS hi
    FROM packets p WHERE p.state <> 'rejected' AND p.seq <= ? AND (p.kind = 'full' OR instr(p.canonical_json, '"attestats":[]') = 0)
    ORDER BY p.seq DESC`).iterate(headSeq) as IterableIterator<{ kind: PacketKind; hi: number | null }>;
  for (const p of chain) {
    if (p.hi != null) return p.hi;
    if (p.kind === 'full') return 0;
  }
  return 0;
}

/** Every issued attestat with an id above `afterId` (0: all of them), with its form's series and number. */
function issuedAttestats(db: DB, afterId: number): PacketAttestat[] {
  // The recipient (who signed for it in the book) is not sent: the region needs the document's requisites, not who collected it.
  return (db.prepare(`SELECT a.id, a.student_id, a.kind, f.series, f.number, y.name AS year, a.reg_number, a.issue_date, a.with_honours
    FROM attestats a JOIN attestat_forms f ON f.id = a.form_id JOIN academic_years y ON y.id = a.year_id
    WHERE a.id > ? ORDER BY a.id`).all(afterId) as Array<{ id: number; student_id: string; kind: 9 | 11; series: string; number: number;
      year: string; reg_number: number; issue_date: string; with_honours: number }>)
    .map((r) => ({ id: String(r.id), studentId: r.student_id, kind: r.kind, series: r.series, number: r.number, year: r.year,
      regNumber: r.reg_number, issueDate: r.issue_date, withHonours: r.with_honours === 1 }));
}

/** What a packet carries; `since` limits it to what changed after a change seq / ledger version id / attestat id (a delta). */
function content(db: DB, since: { changes: number; ledgers: number; attestats: number } | null) {
  // not max(seq): after a compaction the log may be empty, and the next packet's changes_to must not go back
  const maxChange = lastChangeSeq(db);
  const ledgersOn = hasLedgerVersions(db);
  const maxLedger = ledgersOn ? (db.prepare('SELECT coalesce(max(id), 0) AS n FROM ledger_versions').get() as { n: number }).n : 0;

  // For a delta: the ids of the records that changed, by entity, and what was inserted/updated vs deleted.
  const changed = (entity: string) => since
    ? (db.prepare('SELECT DISTINCT entity_id AS id FROM changes WHERE entity = ? AND seq > ? AND seq <= ?').all(entity, since.changes, maxChange) as Array<{ id: string }>).map((r) => r.id)
    : null;
  const inList = (ids: string[] | null, col: string) => (ids ? `WHERE ${col} IN (SELECT value FROM json_each(?))` : '');
  // entity_id is TEXT; an INTEGER id column compared with it gets numeric affinity, so '12' matches 12.
  const args = (ids: string[] | null) => (ids ? [JSON.stringify(ids)] : []);

  const studentIds = changed('student');
  const students = (db.prepare(`SELECT * FROM students ${inList(studentIds, 'id')} ORDER BY id`).all(...args(studentIds)) as StudentRow[]).map(toStudent);

  const movementIds = changed('movement');
  const events = (db.prepare(`SELECT mv.id, mv.student_id, mv.kind, mv.date, mv.reason, o.number AS order_number, o.date AS order_date,
      fc.parallel || fc.letter AS from_name, fy.name AS from_year, tc.parallel || tc.letter AS to_name, ty.name AS to_year
    FROM movements mv JOIN orders o ON o.id = mv.order_id
    LEFT JOIN classes fc ON fc.id = mv.from_class_id LEFT JOIN academic_years fy ON fy.id = fc.year_id
    LEFT JOIN classes tc ON tc.id = mv.to_class_id LEFT JOIN academic_years ty ON ty.id = tc.year_id
    ${inList(movementIds, 'mv.id')} ORDER BY mv.id`).all(...args(movementIds)) as Array<{
      id: number; student_id: string; kind: Packet['events'][number]['kind']; date: string; reason: string | null; order_number: string; order_date: string;
      from_name: string | null; from_year: string | null; to_name: string | null; to_year: string | null }>)
    .map((r) => ({ id: String(r.id), studentId: r.student_id, kind: r.kind, date: r.date, order: { number: r.order_number, date: r.order_date },
      fromClass: classRef(r.from_name, r.from_year), toClass: classRef(r.to_name, r.to_year), reason: r.reason }));

  const examIds = changed('state_exam');
  const stateExams = (db.prepare(`SELECT e.id, e.student_id, e.kind, s.name AS subject, s.federal_code, e.year, e.score, e.mark
    FROM state_exam_results e JOIN subjects s ON s.id = e.subject_id ${inList(examIds, 'e.id')} ORDER BY e.id`)
    .all(...args(examIds)) as Array<{ id: number; student_id: string; kind: 'ОГЭ' | 'ЕГЭ' | 'ГВЭ'; subject: string;
      federal_code: string | null; year: number; score: number | null; mark: number | null }>)
    .map((r) => ({ id: String(r.id), studentId: r.student_id, kind: r.kind, subject: r.subject, federalCode: r.federal_code, year: r.year, score: r.score, mark: r.mark }));

  const portfolioIds = changed('portfolio');
  const portfolio = (db.prepare(`SELECT * FROM portfolio_entries ${inList(portfolioIds, 'id')} ORDER BY id`)
    .all(...args(portfolioIds)) as Array<{ id: number; student_id: string; event_name: string; status: string;
      date: string; result: string; title: string | null }>)
    .map((r) => ({ id: String(r.id), studentId: r.student_id, eventName: r.event_name, status: r.status, date: r.date, result: r.result, title: r.title }));

  // Removed: changed ids that no longer exist.
  const removed: Packet['removed'] = [];
  for (const [ids, entity, rows] of [[examIds, 'stateExam', stateExams], [portfolioIds, 'portfolio', portfolio]] as const) {
    const present = new Set(rows.map((r) => r.id));
    for (const id of ids ?? []) if (!present.has(id)) removed.push({ entity, id });
  }

  const yearlyMarks = ledgersOn ? sealedMarks(db, since?.ledgers ?? null, maxLedger) : [];
  const attestats = issuedAttestats(db, since?.attestats ?? 0);
  return { maxChange, maxLedger, students, events, stateExams, attestats, portfolio, removed, yearlyMarks };
}

type LedgerVersionRow = { id: number; version: number; sha256: string; canonical_json: string; sealed_at: string };

/** Marks from sealed ledger versions: the current version of each class (full), or every version sealed after `sinceId`. */
function sealedMarks(db: DB, sinceId: number | null, maxId: number): PacketLedger[] {
  const rows = (sinceId == null
    ? db.prepare(`SELECT lv.id, lv.version, lv.sha256, lv.canonical_json, lv.sealed_at FROM ledger_versions lv
        WHERE lv.version = (SELECT max(version) FROM ledger_versions x WHERE x.class_id = lv.class_id) AND lv.id <= ? ORDER BY lv.id`).all(maxId)
    : db.prepare('SELECT id, version, sha256, canonical_json, sealed_at FROM ledger_versions WHERE id > ? AND id <= ? ORDER BY id').all(sinceId, maxId)) as LedgerVersionRow[];
  const federal = new Map((db.prepare('SELECT name, federal_code FROM subjects').all() as Array<{ name: string; federal_code: string | null }>).map((s) => [s.name, s.federal_code]));
  return rows.map((r) => {
    const hash = crypto.createHash('sha256').update(r.canonical_json, 'utf8').digest('hex');
    if (hash !== r.sha256) throw new AppError('conflict', `Сводная ведомость (версия ${r.version}) повреждена: хеш не совпадает с печатью. Пакет не собран.`);
    const data = JSON.parse(r.canonical_json) as LedgerData;
    return {
      class: { name: data.class.name, year: data.year }, version: r.version, sha256: r.sha256, sealedAt: r.sealed_at,
      marks: data.students.flatMap((s) => data.subjects.map((sub) => {
        const m = s.marks[sub.name];
        return { studentId: s.id, subject: sub.name, federalCode: federal.get(sub.name) ?? null, annual: m?.annual ?? null, exam: m?.exam ?? null, final: m?.final ?? null };
      })),
    };
  });
}

export type BuiltPacket = { id: string; seq: number; kind: PacketKind; sha256: string; prevHash: string | null; students: number; bytes: number };

/**
 * Builds the next packet and stores it as 'built'. kind: 'full' always possible; 'delta' needs a previous packet and
 * something changed since. Call inside a transaction (the dispatcher's, or the caller's).
 */
export function buildPacket(db: DB, opts: { kind?: PacketKind; now?: Date; id?: string } = {}): BuiltPacket {
  const school = db.prepare('SELECT short_name, inn, kpp, ogrn, region_code FROM school WHERE id = 1').get() as
    { short_name: string; inn: string; kpp: string; ogrn: string; region_code: string } | undefined;
  if (!school) throw new AppError('validation', 'Заполните сведения о школе (ИНН, ОГРН, код региона): без них пакет не собрать', { school: 'не заполнено' });
  const base = chainHead(db);
  const kind: PacketKind = opts.kind ?? (base ? 'delta' : 'full');
  if (kind === 'delta' && !base) throw new AppError('validation', 'Первый пакет — полный снимок: изменений отсчитывать не от чего', { kind: 'нужен полный пакет' });
  const c = content(db, kind === 'delta' ? { changes: base!.changes_to, ledgers: base!.ledgers_to, attestats: attestatsCarried(db, base!.seq) } : null);
  if (kind === 'delta') {
    // A delta is only as complete as the log after its base: entries missing there (deleted behind the program, or
    // compacted under a chain whose head is older than the accepted full packet) would be changes never sent.
    const holes = missingChanges(db, base!.changes_to, c.maxChange);
    if (holes.length) {
      throw new AppError('conflict', `Журнал изменений неполон: после пакета № ${base!.seq} нет записей ${holesText(holes)}. `
        + 'Пакет изменений по нему был бы неполным: соберите полный пакет.', { kind: 'нужен полный пакет' });
    }
  }
  if (kind === 'delta' && !c.students.length && !c.events.length && !c.stateExams.length && !c.attestats.length && !c.portfolio.length
    && !c.removed.length && !c.yearlyMarks.length) {
    throw new AppError('validation', `С пакета № ${base!.seq} в реестре ничего не изменилось: пакет изменений был бы пустым`, { kind: 'нет изменений' });
  }
  const id = opts.id ?? crypto.randomUUID();
  const createdAt = (opts.now ?? new Date()).toISOString();
  const packet: Packet = {
    format: PACKET_FORMAT,
    header: {
      id, seq: (base?.seq ?? 0) + 1, prevHash: base?.sha256 ?? null, createdAt, kind,
      school: { inn: school.inn, ogrn: school.ogrn, kpp: school.kpp, regionCode: school.region_code, shortName: school.short_name },
    },
    students: c.students, events: c.events, yearlyMarks: c.yearlyMarks, stateExams: c.stateExams, attestats: c.attestats, portfolio: c.portfolio,
    removed: c.removed,
  };
  assertValidPacket(packet, `Пакет № ${packet.header.seq}`);
  const json = canonicalJson(packet);
  const sha256 = crypto.createHash('sha256').update(json, 'utf8').digest('hex');
  db.prepare(`INSERT INTO packets (id, seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(id, packet.header.seq, kind, packet.header.prevHash, sha256, json, c.maxChange, c.maxLedger, c.students.length, createdAt, createdAt);
  return { id, seq: packet.header.seq, kind, sha256, prevHash: packet.header.prevHash, students: c.students.length, bytes: Buffer.byteLength(json) };
}
