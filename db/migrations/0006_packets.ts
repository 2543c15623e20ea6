// Packets to the regional segment (issue 6): state-exam results and the portfolio the packets carry, the change log a
// delta is built from, and the outbox of packets with the states of their journey to the receiver.
// Attestat requisites are NOT here: the printouts branch (migration 0005) owns the `attestats` table; packets will read
// it once merged. Sealed ledgers (`ledger_versions`, migration 0004) are append-only, so a delta finds new versions by
// id (packets.ledgers_to) and needs no trigger on a table this migration may not see.
import { dateSql, nonEmpty } from '../sql-checks.ts';

const UUID = (col: string) => `(length(${col}) = 36 AND ${col} GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*')`;
const HEX64 = (col: string) => `(length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*')`;
const ISO_TS = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')`;

/**
 * One AFTER trigger per operation that appends the change to the log. An UPDATE counts only when one of `sent` (the
 * columns a packet carries) really changed: a saved card with a new address alone is not a change for the region.
 */
function tracked(table: string, entity: string, idExpr: (row: 'NEW' | 'OLD') => string, studentExpr: (row: 'NEW' | 'OLD') => string,
  sent: string[], ops = ['INSERT', 'UPDATE', 'DELETE']): string {
  return ops.map((op) => {
    const row = op === 'DELETE' ? 'OLD' : 'NEW';
    const when = op === 'UPDATE' ? `\nWHEN ${sent.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ')}` : '';
    return `CREATE TRIGGER changes_${table}_${op.toLowerCase()} AFTER ${op} ON ${table}${when}
BEGIN INSERT INTO changes (entity, entity_id, student_id, op) VALUES ('${entity}', ${idExpr(row)}, ${studentExpr(row)}, '${op.toLowerCase()}'); END;`;
  }).join('\n');
}

// The journey of a packet. 'sending' → 'retry' also covers a send interrupted by a crash (resumed after a restart).
const TRANSITIONS = [
  ['built', 'signed'], ['signed', 'sending'], ['retry', 'sending'],
  ['sending', 'accepted'], ['sending', 'rejected'], ['sending', 'retry'],
];

export default `
-- ОГЭ (9th grade), ЕГЭ (11th), ГВЭ (either, for students with special needs). ЕГЭ gives test points 0..100;
-- ОГЭ and ГВЭ give a mark 2..5 (ОГЭ with its primary points as well).
CREATE TABLE state_exam_results (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id),
  kind       TEXT NOT NULL CHECK (kind IN ('ОГЭ', 'ЕГЭ', 'ГВЭ')),
  subject_id INTEGER NOT NULL REFERENCES subjects(id),
  year       INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  score      INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 100),
  mark       INTEGER CHECK (mark IS NULL OR mark BETWEEN 2 AND 5),
  CHECK (CASE kind WHEN 'ЕГЭ' THEN score IS NOT NULL AND mark IS NULL
                   WHEN 'ОГЭ' THEN score IS NOT NULL AND mark IS NOT NULL
                   ELSE mark IS NOT NULL END),
  UNIQUE (student_id, kind, subject_id, year)
) STRICT;
CREATE INDEX state_exam_results_student ON state_exam_results(student_id);
CREATE TRIGGER state_exam_after_birth BEFORE INSERT ON state_exam_results
WHEN NEW.year <= CAST(substr((SELECT birth_date FROM students WHERE id = NEW.student_id), 1, 4) AS INTEGER) + 10
BEGIN SELECT RAISE(ABORT, 'a state exam year must be at least ten years after the birth year'); END;

-- Портфолио: olympiads, contests, competitions. status: the level of the event; result: participant, prize winner, winner.
CREATE TABLE portfolio_entries (
  id         INTEGER PRIMARY KEY,
  student_id TEXT NOT NULL REFERENCES students(id),
  event_name TEXT NOT NULL CHECK ${nonEmpty('event_name')},
  status     TEXT NOT NULL CHECK (status IN ('school', 'municipal', 'regional', 'federal', 'international')),
  date       TEXT NOT NULL CHECK ${dateSql('date', false)},
  result     TEXT NOT NULL CHECK (result IN ('participant', 'prize_winner', 'winner')),
  title      TEXT CHECK (title IS NULL OR ${nonEmpty('title')})
) STRICT;
CREATE INDEX portfolio_entries_student ON portfolio_entries(student_id);
CREATE TRIGGER portfolio_after_birth BEFORE INSERT ON portfolio_entries
WHEN NEW.date <= (SELECT birth_date FROM students WHERE id = NEW.student_id)
BEGIN SELECT RAISE(ABORT, 'a portfolio event must be after the birth date'); END;

-- What changed, in order: AUTOINCREMENT so a seq is never reused. A delta carries the changes after the last packet's
-- changes_to. Append-only.
CREATE TABLE changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  entity     TEXT NOT NULL CHECK (entity IN ('student', 'movement', 'state_exam', 'portfolio')),
  entity_id  TEXT NOT NULL,
  student_id TEXT,
  op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
  at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
${tracked('students', 'student', (r) => `${r}.id`, (r) => `${r}.id`,
    ['last_name', 'first_name', 'middle_name', 'birth_date', 'sex', 'snils', 'doc_kind', 'doc_series', 'doc_number', 'doc_date'])}
${tracked('movements', 'movement', (r) => `CAST(${r}.id AS TEXT)`, (r) => `${r}.student_id`, [], ['INSERT'])}
${tracked('state_exam_results', 'state_exam', (r) => `CAST(${r}.id AS TEXT)`, (r) => `${r}.student_id`, ['student_id', 'kind', 'subject_id', 'year', 'score', 'mark'])}
${tracked('portfolio_entries', 'portfolio', (r) => `CAST(${r}.id AS TEXT)`, (r) => `${r}.student_id`, ['student_id', 'event_name', 'status', 'date', 'result', 'title'])}

-- Where packets go and with which certificate. The PKCS#12 is kept as the file was (encrypted by its password); the
-- password is asked for at each signing and never stored.
CREATE TABLE packet_settings (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  endpoint      TEXT CHECK (endpoint IS NULL OR endpoint GLOB 'http://*' OR endpoint GLOB 'https://*'),
  ca_pem        TEXT CHECK (ca_pem IS NULL OR ca_pem GLOB '*-----BEGIN CERTIFICATE-----*'),
  timeout_ms    INTEGER NOT NULL DEFAULT 15000 CHECK (timeout_ms BETWEEN 100 AND 600000),
  cert_p12      BLOB,
  cert_subject  TEXT,
  cert_issuer   TEXT,
  cert_not_before TEXT,
  cert_not_after  TEXT,
  CHECK ((cert_p12 IS NULL) = (cert_subject IS NULL) AND (cert_p12 IS NULL) = (cert_not_after IS NULL))
) STRICT;
INSERT INTO packet_settings (id) VALUES (1);
CREATE TRIGGER packet_settings_no_delete BEFORE DELETE ON packet_settings
BEGIN SELECT RAISE(ABORT, 'the packet settings row is never deleted'); END;

-- The outbox. A packet's content (canonical_json, its hash, its place in the chain) never changes once built; the
-- signature is set once. seq is unique among the packets not rejected: a rejected packet's place is taken by the next.
CREATE TABLE packets (
  id              TEXT PRIMARY KEY CHECK ${UUID('id')},
  seq             INTEGER NOT NULL CHECK (seq >= 1),
  kind            TEXT NOT NULL CHECK (kind IN ('full', 'delta')),
  prev_hash       TEXT CHECK (prev_hash IS NULL OR ${HEX64('prev_hash')}),
  sha256          TEXT NOT NULL UNIQUE CHECK ${HEX64('sha256')},
  canonical_json  TEXT NOT NULL CHECK (json_valid(canonical_json)),
  changes_to      INTEGER NOT NULL CHECK (changes_to >= 0),
  ledgers_to      INTEGER NOT NULL CHECK (ledgers_to >= 0),
  students        INTEGER NOT NULL CHECK (students >= 0),
  signature       BLOB,
  signer          TEXT,
  state           TEXT NOT NULL DEFAULT 'built' CHECK (state IN ('built', 'signed', 'sending', 'accepted', 'rejected', 'retry')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT CHECK (next_attempt_at IS NULL OR ${ISO_TS('next_attempt_at')}),
  last_error      TEXT,
  receipt         TEXT CHECK (receipt IS NULL OR json_valid(receipt)),
  reasons         TEXT CHECK (reasons IS NULL OR (json_valid(reasons) AND json_type(reasons) = 'array')),
  created_at      TEXT NOT NULL CHECK ${ISO_TS('created_at')},
  signed_at       TEXT,
  accepted_at     TEXT,
  updated_at      TEXT NOT NULL,
  CHECK ((seq = 1) = (prev_hash IS NULL)),
  CHECK (kind = 'full' OR seq > 1),
  CHECK ((state = 'built') = (signature IS NULL)),
  CHECK ((signature IS NULL) = (signer IS NULL) AND (signature IS NULL) = (signed_at IS NULL)),
  CHECK ((state = 'accepted') = (receipt IS NOT NULL AND accepted_at IS NOT NULL)),
  CHECK ((state = 'rejected') = (reasons IS NOT NULL)),
  CHECK ((state = 'retry') = (next_attempt_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX packets_live_seq ON packets(seq) WHERE state <> 'rejected';
CREATE INDEX packets_state ON packets(state, seq);

CREATE TRIGGER packets_state_transition BEFORE UPDATE OF state ON packets
WHEN NEW.state IS NOT OLD.state AND NOT (${TRANSITIONS.map(([a, b]) => `(OLD.state = '${a}' AND NEW.state = '${b}')`).join(' OR ')})
BEGIN SELECT RAISE(ABORT, 'this packet state change is not allowed'); END;
CREATE TRIGGER packets_content_fixed BEFORE UPDATE OF id, seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students, created_at ON packets
BEGIN SELECT RAISE(ABORT, 'a built packet never changes'); END;
CREATE TRIGGER packets_signature_once BEFORE UPDATE OF signature, signer, signed_at ON packets
WHEN OLD.signature IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a packet is signed once'); END;
CREATE TRIGGER packets_keep_sent BEFORE DELETE ON packets
WHEN OLD.state <> 'built'
BEGIN SELECT RAISE(ABORT, 'only an unsigned packet may be discarded'); END;
`;
