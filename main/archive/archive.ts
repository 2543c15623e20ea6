// The archive beside the register file: every sealed ledger version's canonical JSON, signature, PDF and XLSX as
// files named by their SHA-256, and an append-only manifest (JSON lines) in which each entry carries the hash of the
// line before it, so a removed, edited or reordered entry breaks the chain. It outlives the register: a restore can
// check the register's seals against it, and `archive verify` needs nothing but the folder. A version is archived as
// its seal commits (SealArchiver, used by main/ledgers/seal.ts); a kill between the two is caught up from the register
// by the next seal, backup or `archive verify` (archiveSealed).
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { verifyDetached } from '../signing/cms.ts';
import { AppError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_DIR, PRIVATE_FILE } from '../shared/private-files.ts';
import { formatDate, nowIso } from '../../preload/core/dates.ts';
import { checkSignatureTimestamp, type TsaOptions } from '../signing/timestamp.ts';
import { storedTsa, tsaTrustForVerifying } from '../signing/tsa-store.ts';
import { stampEvidence, verifyEvidence, type EvidenceHash, type EvidenceReport, type StampResult } from './evidence.ts';
import { appendLineDurably, fsyncDir, fsyncInBackground, hashFile, sha256, writeFileDurably, writeFileInBackground } from './files.ts';

export const GENESIS = '0'.repeat(64);
export const MANIFEST = 'manifest.jsonl';
export const FILES = 'files';

export type ArchivedFileRole = 'json' | 'signature' | 'pdf' | 'xlsx';
export type ArchivedFile = { role: ArchivedFileRole; sha256: string; size: number };
export type ManifestEntry = {
  seq: number;
  at: string;
  ledgerVersionId: number;
  classId: number;
  version: number;
  /** sha256 of the canonical JSON: the seal */
  ledgerSha256: string;
  prevLedgerSha256: string | null;
  sealedAt: string;
  signer: string | null;
  files: ArchivedFile[];
  /** sha256 of the previous manifest line's bytes (GENESIS for the first) */
  prev: string;
};

/** The archive folder of a register file: `<register>.archive/` beside it. */
export function archiveDirFor(registerFile: string): string {
  return `${path.resolve(registerFile)}.archive`;
}

export const archivedFilePath = (dir: string, hash: string) => path.join(dir, FILES, hash);

type ParsedManifest = { entries: ManifestEntry[]; head: string; problems: ArchiveProblem[] };

/** Reads the manifest and checks its chain; a line that is not an entry, or does not link, is a problem. */
export function readManifest(dir: string): ParsedManifest {
  const file = path.join(dir, MANIFEST);
  const problems: ArchiveProblem[] = [];
  const entries: ManifestEntry[] = [];
  let head = GENESIS;
  if (!fs.existsSync(file)) return { entries, head, problems };
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') {
    problems.push({ file: MANIFEST, problem: 'malformed', message: `Опись архива ${file}: последняя строка оборвана (запись не завершена)` });
  }
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    let e: ManifestEntry;
    try {
      e = JSON.parse(line) as ManifestEntry;
      if (typeof e.prev !== 'string' || !Array.isArray(e.files)) throw new Error('не запись описи');
    } catch (err) {
      problems.push({ file: MANIFEST, entry: i + 1, problem: 'malformed', message: `Опись архива, строка ${i + 1}: ${(err as Error).message}` });
      head = sha256(line);
      return;
    }
    if (e.prev !== head) {
      problems.push({ file: MANIFEST, entry: i + 1, problem: 'chain',
        message: `Опись архива, строка ${i + 1}: цепочка нарушена — запись не ссылается на хеш предыдущей (удалена, изменена или переставлена запись)` });
    }
    if (e.seq !== i + 1) {
      problems.push({ file: MANIFEST, entry: i + 1, problem: 'chain', message: `Опись архива, строка ${i + 1}: номер записи ${e.seq}, ожидался ${i + 1}` });
    }
    entries.push(e);
    head = sha256(line);
  });
  return { entries, head, problems };
}

function hasLedgerVersions(db: DB): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_versions'").get();
}

type LedgerVersionRow = {
  id: number; class_id: number; version: number; sha256: string; prev_sha256: string | null; canonical_json: string;
  signature: Buffer | null; signer: string | null; pdf: Buffer | null; pdf_sha256: string | null; xlsx: Buffer | null;
  xlsx_sha256: string | null; sealed_at: string;
};

/** One sealed version as the archive takes it: what its manifest line says, and its files with the hashes the register
 *  stored for them (a file whose bytes do not match is not archived). */
export type SealedVersion = Omit<ManifestEntry, 'seq' | 'at' | 'files' | 'prev'> & {
  files: Array<{ role: ArchivedFileRole; bytes: Buffer; expected: string | null }>;
};

function fromRow(r: LedgerVersionRow): SealedVersion {
  return {
    ledgerVersionId: r.id, classId: r.class_id, version: r.version, ledgerSha256: r.sha256, prevLedgerSha256: r.prev_sha256,
    sealedAt: r.sealed_at, signer: r.signer, files: versionFiles(r.canonical_json, r.sha256, r.signature, r.pdf, r.pdf_sha256, r.xlsx, r.xlsx_sha256),
  };
}

/** The files of a sealed version, in the manifest's order: canonical JSON, signature, PDF, XLSX (those it has). */
export function versionFiles(json: string, jsonSha256: string, signature: Buffer | null, pdf: Buffer | null, pdfSha256: string | null,
  xlsx: Buffer | null, xlsxSha256: string | null): SealedVersion['files'] {
  const out: SealedVersion['files'] = [{ role: 'json', bytes: Buffer.from(json, 'utf8'), expected: jsonSha256 }];
  if (signature) out.push({ role: 'signature', bytes: signature, expected: null });
  if (pdf) out.push({ role: 'pdf', bytes: pdf, expected: pdfSha256 });
  if (xlsx) out.push({ role: 'xlsx', bytes: xlsx, expected: xlsxSha256 });
  return out;
}

const describeVersion = (v: SealedVersion) => `Ведомость (класс ${v.classId}, версия ${v.version})`;

function hashChecked(v: SealedVersion, f: SealedVersion['files'][number]): string {
  const hash = sha256(f.bytes);
  if (f.expected && f.expected !== hash) {
    throw new AppError('validation', `${describeVersion(v)}: ${f.role} в реестре не совпадает со своим хешем (${f.expected.slice(0, 12)}…) — в архив не помещено`);
  }
  return hash;
}

function storeFiles(dir: string, v: SealedVersion): ArchivedFile[] {
  return v.files.map((f) => {
    const hash = hashChecked(v, f);
    const file = archivedFilePath(dir, hash);
    // Content-addressed: a file already there with the right bytes is not written again; a damaged one is replaced.
    if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== hash) writeFileDurably(file, f.bytes);
    return { role: f.role, sha256: hash, size: f.bytes.length };
  });
}

/** storeFiles in libuv's threads: each file written, fsynced and renamed, then the folder fsynced once. */
async function storeFilesInBackground(dir: string, v: SealedVersion): Promise<ArchivedFile[]> {
  const out = await Promise.all(v.files.map(async (f) => {
    const hash = hashChecked(v, f);
    const file = archivedFilePath(dir, hash);
    const there = await fs.promises.readFile(file).catch(() => null);
    if (!there || sha256(there) !== hash) await writeFileInBackground(file, f.bytes);
    return { role: f.role, sha256: hash, size: f.bytes.length };
  }));
  await fsyncInBackground(path.join(dir, FILES));
  return out;
}

/**
 * The archive's folder and its manifest (empty at first), made before a seal commits: from then on a register with
 * sealed versions and no archive beside it has lost its archive, while an archive that lacks the newest versions only
 * missed their write (a kill between the seal's commit and the archive's write), which the next seal, backup or
 * `archive verify` catches up.
 */
export function ensureArchive(dir: string): void {
  const manifest = path.join(dir, MANIFEST);
  if (fs.existsSync(manifest)) {
    // an archive an older version made (0755/0644) is its user's alone from now on: the folders are enough to close
    // it, the manifest too (it names signers); the files it holds are closed by the folder
    for (const p of [dir, path.join(dir, FILES), manifest]) makePrivate(p);
    fs.mkdirSync(path.join(dir, FILES), { recursive: true, mode: PRIVATE_DIR });
    return;
  }
  const made = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  makePrivate(dir);
  fs.mkdirSync(path.join(dir, FILES), { recursive: true, mode: PRIVATE_DIR });
  makePrivate(path.join(dir, FILES));
  fs.closeSync(fs.openSync(manifest, 'a', PRIVATE_FILE));
  makePrivate(manifest);
  fsyncDir(dir);
  if (made) fsyncDir(path.dirname(made));
}

/** Where the manifest stands: its size (which only grows), last line's hash, count and the versions it holds. */
type ManifestState = { size: number; head: string; seq: number; ids: Set<number> };

function manifestState(dir: string, known: ManifestState | null): ManifestState {
  const file = path.join(dir, MANIFEST);
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  // Under the register's write lock no one else appends: a manifest of the size this process left it is as it left it.
  if (known && known.size === size) return known;
  const { entries, head, problems } = readManifest(dir);
  if (problems.length) {
    throw new AppError('conflict', `Архив ${dir} повреждён, новые записи не добавлены: ${problems[0].message}. Восстановите архив из резервной копии.`);
  }
  return { size, head, seq: entries.length, ids: new Set(entries.map((e) => e.ledgerVersionId)) };
}

/**
 * Under the register's write lock (two processes archiving one register append one after the other): the manifest
 * lines of the versions given, whose files are written already, and with `catchUp`, of every other sealed version the
 * archive lacks (its files written here). A version already in the manifest is not added twice. Without `fsync` the
 * caller fsyncs the manifest once after a batch (a power cut may then lose the last lines, which the next catch-up
 * writes again from the register).
 */
function appendVersions(db: DB, dir: string, written: Array<{ v: SealedVersion; files: ArchivedFile[] }>,
  o: { catchUp: boolean; fsync: boolean; known?: ManifestState | null }): ManifestState & { added: number[]; caughtUp: number[] } {
  return db.transaction(() => {
    const state = manifestState(dir, o.known ?? null);
    let { head, seq } = state;
    const ids = new Set(state.ids);
    const added: number[] = [];
    const caughtUp: number[] = [];
    const append = (v: SealedVersion, files: ArchivedFile[]) => {
      const entry: ManifestEntry = {
        seq: seq + 1, at: nowIso(), ledgerVersionId: v.ledgerVersionId, classId: v.classId, version: v.version, ledgerSha256: v.ledgerSha256,
        prevLedgerSha256: v.prevLedgerSha256, sealedAt: v.sealedAt, signer: v.signer, files, prev: head,
      };
      const line = JSON.stringify(entry);
      appendLineDurably(path.join(dir, MANIFEST), line, { fsync: o.fsync });
      seq++;
      head = sha256(line);
      ids.add(v.ledgerVersionId);
      added.push(v.ledgerVersionId);
    };
    if (o.catchUp && hasLedgerVersions(db)) {
      const pending = new Set(written.map((w) => w.v.ledgerVersionId));
      const byId = db.prepare('SELECT * FROM ledger_versions WHERE id = ?');
      for (const id of db.prepare('SELECT id FROM ledger_versions ORDER BY id').pluck().all() as number[]) {
        if (ids.has(id) || pending.has(id)) continue;
        const v = fromRow(byId.get(id) as LedgerVersionRow);
        append(v, storeFiles(dir, v));
        caughtUp.push(id);
      }
    }
    for (const w of written) if (!ids.has(w.v.ledgerVersionId)) append(w.v, w.files);
    const size = fs.existsSync(path.join(dir, MANIFEST)) ? fs.statSync(path.join(dir, MANIFEST)).size : 0;
    return { size, head, seq, ids, added, caughtUp };
  }).immediate();
}

/**
 * Copies every sealed ledger version not yet in the archive into it (the register keeps its own rows: only the
 * ledgers branch writes `ledger_versions`). Seals archive their versions as they commit; this catches up what a kill
 * between a seal's commit and its archive write left out (and archives a register an older version sealed). Returns
 * how many versions were added.
 */
export function archiveSealed(db: DB, dir: string): { added: number; entries: number; head: string } {
  ensureArchive(dir);
  if (!hasLedgerVersions(db)) return { added: 0, ...tail(dir) };
  removeAbandonedTemp(dir);
  const r = appendVersions(db, dir, [], { catchUp: true, fsync: true });
  if (r.added.length) fsyncDir(dir);
  return { added: r.added.length, entries: r.seq, head: r.head };
}

const TEMP = /^\.[0-9a-f]{64}\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** What a writer killed mid-file left in files/ (its temporary names carry its process id): removed once it is gone. */
function removeAbandonedTemp(dir: string): void {
  for (const name of fs.readdirSync(path.join(dir, FILES))) {
    const pid = Number(TEMP.exec(name)?.[1] ?? 0);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still writing
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    fs.rmSync(path.join(dir, FILES, name), { force: true });
  }
}

/** The archive beside a register file; none for a register in memory. */
export function registerArchiveDir(db: DB): string | null {
  return db.memory || !db.name ? null : archiveDirFor(db.name);
}

/**
 * Archives versions as they are sealed: made (with the archive's folder, and what the archive lacks caught up)
 * before the first seal commits; `add` after each commit writes the version's files in libuv's threads while the
 * caller goes on, and appends their manifest lines in the order added; `close` waits for them and fsyncs the manifest
 * once. A failure of the archive never undoes a seal: it is logged, and the next catch-up writes what is missing.
 */
export class SealArchiver {
  private queue: Promise<void> = Promise.resolve();
  private known: ManifestState | null = null;
  private appended = 0;
  /** what went wrong, for the log and the tests */
  readonly errors: string[] = [];

  /** what the archive's evidence chain got at `close` (a stamp over the new head, a renewal), or null */
  evidence: StampResult | null = null;

  private constructor(private readonly db: DB, readonly dir: string, private readonly tsa: TsaOptions | null) {}

  /** null for a register in memory. Throws when the archive's folder cannot be made (nothing is sealed then).
   *  The register's stored TSA (not a seal's own --tsa: archive verify trusts the stamps by the stored TSA's
   *  certificate) stamps the manifest's new head at `close`. */
  static open(db: DB): SealArchiver | null {
    const dir = registerArchiveDir(db);
    if (!dir) return null;
    try {
      ensureArchive(dir);
    } catch (e) {
      throw new AppError('validation', `Архив рядом с реестром не создаётся (${dir}): ${(e as Error).message}. Ведомость не запечатана.`);
    }
    const a = new SealArchiver(db, dir, storedTsa(db));
    a.guard(() => {
      if (!hasLedgerVersions(db)) return;
      const r = appendVersions(db, dir, [], { catchUp: true, fsync: true });
      a.known = r;
      if (r.added.length) fsyncDir(dir);
    });
    return a;
  }

  /** A version whose seal has just committed. */
  add(v: SealedVersion): void {
    const files = storeFilesInBackground(this.dir, v);
    files.catch(() => {}); // awaited in turn below
    this.queue = this.queue.then(async () => {
      const f = await files;
      this.guard(() => {
        this.known = appendVersions(this.db, this.dir, [{ v, files: f }], { catchUp: false, fsync: false, known: this.known });
        this.appended++;
      });
    }).catch((e) => this.fail(e));
  }

  /** Every version added is in the archive (or its failure logged); the manifest fsynced; then, with a TSA, the new
   *  head stamped (or the chain renewed when due). A TSA that fails never undoes the seal: logged, and the head is
   *  stamped by the next seal, backup or `archive renew` (archive verify says it is not yet). */
  async close(): Promise<void> {
    await this.queue;
    if (this.appended) {
      await Promise.all([fsyncInBackground(path.join(this.dir, MANIFEST)), fsyncInBackground(this.dir)]).catch((e) => this.fail(e));
    }
    if (!this.tsa || this.errors.length) return;
    try {
      this.evidence = await stampArchive(this.db, this.dir, this.tsa);
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      this.errors.push(msg);
      this.evidence = { stamp: null, message: `Архив не заверен штампом времени: ${msg}` };
      console.error(`[school-register] the archive's head was not timestamped (the next seal, backup or archive renew stamps it): ${msg}`);
    }
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const msg = (e as Error)?.message ?? String(e);
    this.errors.push(msg);
    console.error(`[school-register] the archive beside the register was not written (caught up at the next seal, backup or archive verify): ${msg}`);
  }
}

/**
 * Adds the stamp the archive's evidence chain needs now (main/archive/evidence.ts): over the manifest's new head, a
 * renewal before the last stamp's TSA certificate ends (within `marginDays`), or a stronger hash. The index is written
 * under the register's write lock. A damaged manifest or chain is refused: nothing is stamped.
 */
export async function stampArchive(db: DB | null, dir: string, tsa: TsaOptions,
  o: { hash?: EvidenceHash; marginDays?: number; force?: boolean; now?: Date } = {}): Promise<StampResult> {
  const m = readManifest(dir);
  if (m.problems.length) throw new AppError('conflict', `Архив ${dir} повреждён, штамп времени не поставлен: ${m.problems[0].message}. Восстановите архив из резервной копии.`);
  const file = path.join(dir, MANIFEST);
  const bytes = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  return stampEvidence(dir, bytes, tsa, { ...o, lock: db ? <T>(f: () => T) => db.transaction(f).immediate() : undefined });
}

/** The stamp due now with the register's stored TSA (a backup's, before it copies the archive); null without a TSA. */
export async function stampArchiveIfDue(db: DB, dir: string): Promise<StampResult | null> {
  const tsa = storedTsa(db);
  return tsa ? stampArchive(db, dir, tsa) : null;
}

/** The evidence chain of an archive folder, against its manifest's bytes. */
export async function archiveEvidence(dir: string, tsaTrust: string[] | undefined): Promise<EvidenceReport> {
  const file = path.join(dir, MANIFEST);
  return verifyEvidence(dir, fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0), tsaTrust);
}

function tail(dir: string) {
  const m = readManifest(dir);
  return { entries: m.entries.length, head: m.head };
}

export type ArchiveProblem = {
  file: string;
  entry?: number;
  problem: 'missing' | 'damaged' | 'chain' | 'malformed' | 'signature' | 'unexpected';
  message: string;
};

export type ArchiveReport = {
  ok: boolean;
  dir: string;
  entries: number;
  files: number;
  signatures: number;
  /** signatures intact but signed by a certificate no trust anchor was given for */
  untrustedSigners: string[];
  head: string;
  problems: ArchiveProblem[];
  message: string;
  /** sealed versions the archive lacked (a write cut short after the seal's commit), written from the register now */
  caughtUp?: number;
  /** until when its signatures can be checked (the earliest of them), or null without signatures */
  verifiableUntil?: Evidence | null;
  /** the evidence chain over the manifest (main/archive/evidence.ts) */
  evidence?: { state: EvidenceReport['state']; stamps: number; covered: number; entries: number; until: string | null; trusted: boolean; message: string };
};

/** Until when one signature can be checked, and by what: a valid timestamp holds it until its TSA certificate ends
 *  (the stamp shows the signature existed while its chain was valid); without one, the chain's earliest end does. */
export type Evidence = { until: string; entry: number; basis: 'certificate' | 'timestamp' | 'evidence'; certificate: string; message: string };

/** The evidence of one archived signature (its check `v`, which built the signer's chain as far as it could). */
async function evidenceOf(signature: Buffer, v: ReturnType<typeof verifyDetached>, entry: number): Promise<Evidence | null> {
  const stamp = await checkSignatureTimestamp(signature);
  if (stamp.timestamp && stamp.tsaNotAfter) {
    return { until: stamp.tsaNotAfter.toISOString(), entry, basis: 'timestamp', certificate: stamp.timestamp.tsa, message: '' };
  }
  const chain = [...(v.signer ? [v.signer] : []), ...(v.chain ?? [])];
  if (!chain.length) return null;
  const first = chain.reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
  return { until: first.notAfter.toISOString(), entry, basis: 'certificate', certificate: first.commonName, message: '' };
}

const evidenceMessage = (e: Evidence) => `Подпись проверяема до ${formatDate(e.until.slice(0, 10))} (запись ${e.entry}: ${e.basis === 'timestamp'
  ? `по штампу времени, до конца срока сертификата службы «${e.certificate}»` : e.basis === 'evidence'
    ? `по доказательствам архива — цепочке штампов времени над описью, до конца срока сертификата службы «${e.certificate}»`
    : `до конца срока сертификата «${e.certificate}» — штампа времени нет`})`;

/**
 * A signature's own evidence, carried further by the archive's evidence chain: when the chain holds and its first
 * stamp over the signature's entry was made while the signature could still be checked, the signature holds until the
 * chain's end (RFC 4998: the stamp proves the data existed then; the renewals keep that proof alive).
 */
function extendedByChain(ev: Evidence, chain: EvidenceReport): Evidence {
  if (!chain.until || (chain.state !== 'valid' && chain.state !== 'pending') || ev.entry > chain.covered) return ev;
  const first = chain.firstStamped.find((x) => x.entries >= ev.entry);
  if (!first || first.time >= ev.until || chain.until <= ev.until) return ev;
  return { until: chain.until, entry: ev.entry, basis: 'evidence', certificate: chain.tsa ?? '', message: '' };
}

/**
 * Re-hashes every archived file, checks the manifest chain and every signature over its canonical JSON.
 * `trustedCertsPem`: the certificates a signer must be (or be issued by); without them, a signature that is intact but
 * whose signer nobody vouched for is reported in `untrustedSigners`, not as damage.
 */
export async function verifyArchive(dir: string, opts: { trustedCertsPem?: string[]; register?: DB; complete?: boolean; tsaTrust?: string[] } = {}): Promise<ArchiveReport> {
  if (!fs.existsSync(dir)) throw new AppError('not_found', `Архив не найден: ${dir}`);
  const { entries, head, problems } = readManifest(dir);
  // the evidence chain first: a signature it covers holds until its end
  const chain = await archiveEvidence(dir, opts.tsaTrust);
  const referenced = new Set<string>();
  const hashed = new Map<string, boolean>();
  let signatures = 0;
  const untrusted = new Set<string>();
  let earliest: Evidence | null = null;
  for (const e of entries) {
    const name = `запись ${e.seq} (класс ${e.classId}, версия ${e.version})`;
    for (const f of e.files) {
      referenced.add(f.sha256);
      if (hashed.has(f.sha256)) continue;
      const file = archivedFilePath(dir, f.sha256);
      if (!fs.existsSync(file)) {
        hashed.set(f.sha256, false);
        problems.push({ file: path.join(FILES, f.sha256), entry: e.seq, problem: 'missing', message: `Архив, ${name}: нет файла ${f.role} ${f.sha256}` });
        continue;
      }
      const h = await hashFile(file);
      hashed.set(f.sha256, h.sha256 === f.sha256);
      if (h.sha256 !== f.sha256) {
        problems.push({ file: path.join(FILES, f.sha256), entry: e.seq, problem: 'damaged',
          message: `Архив, ${name}: файл ${f.role} ${f.sha256} повреждён (хеш ${h.sha256.slice(0, 12)}…, размер ${h.size} из ${f.size})` });
      }
    }
    const json = e.files.find((f) => f.role === 'json');
    if (!json || json.sha256 !== e.ledgerSha256) {
      problems.push({ file: MANIFEST, entry: e.seq, problem: 'malformed', message: `Архив, ${name}: канонический JSON не совпадает с печатью ведомости` });
    }
    const sig = e.files.find((f) => f.role === 'signature');
    if (sig && json && hashed.get(sig.sha256) && hashed.get(json.sha256)) {
      signatures++;
      const signature = fs.readFileSync(archivedFilePath(dir, sig.sha256));
      const v = verifyDetached(signature, fs.readFileSync(archivedFilePath(dir, json.sha256)), opts.trustedCertsPem ?? []);
      if (v.ok || v.reason === 'untrusted_signer') {
        const own = await evidenceOf(signature, v, e.seq);
        const ev = own && extendedByChain(own, chain);
        if (ev && (!earliest || ev.until < earliest.until)) earliest = ev;
      }
      if (!v.ok && v.reason === 'untrusted_signer' && !opts.trustedCertsPem) untrusted.add(v.signerSubject ?? '?');
      else if (!v.ok) problems.push({ file: path.join(FILES, sig.sha256), entry: e.seq, problem: 'signature', message: `Архив, ${name}: подпись не прошла проверку — ${v.message}` });
    }
  }
  // With the register at hand, every entry must say what the register's sealed version says: a manifest line edited
  // behind the program (its last line included, which no later line's hash covers) is named here.
  if (opts.register && opts.register.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'ledger_versions'").get()) {
    const byId = opts.register.prepare('SELECT id, class_id, version, sha256, prev_sha256, sealed_at, signer FROM ledger_versions WHERE id = ?');
    for (const e of entries) {
      const row = byId.get(e.ledgerVersionId) as { class_id: number; version: number; sha256: string; prev_sha256: string | null; sealed_at: string; signer: string | null } | undefined;
      const name = `запись ${e.seq} (класс ${e.classId}, версия ${e.version})`;
      const differs = !row ? ['нет такой версии в реестре'] : [
        row.class_id !== e.classId && 'класс', row.version !== e.version && 'версия', row.sha256 !== e.ledgerSha256 && 'печать',
        (row.prev_sha256 ?? null) !== (e.prevLedgerSha256 ?? null) && 'предыдущая печать', row.sealed_at !== e.sealedAt && 'дата запечатывания',
        (row.signer ?? null) !== (e.signer ?? null) && 'подписавший',
      ].filter(Boolean) as string[];
      if (differs.length) {
        problems.push({ file: MANIFEST, entry: e.seq, problem: 'malformed', message: `Архив, ${name}: опись расходится с реестром (${differs.join(', ')})` });
      }
    }
    // the register's own archive holds every sealed version (what a seal's cut-short write left out is caught up first)
    if (opts.complete) {
      const held = new Set(entries.map((e) => e.ledgerVersionId));
      const rows = opts.register.prepare('SELECT id, class_id, version FROM ledger_versions ORDER BY id').all() as Array<{ id: number; class_id: number; version: number }>;
      for (const r of rows.filter((x) => !held.has(x.id))) {
        problems.push({ file: MANIFEST, problem: 'missing', message: `Архив: нет запечатанной версии ${r.version} ведомости класса ${r.class_id}, которая есть в реестре` });
      }
    }
  }
  const present = fs.existsSync(path.join(dir, FILES)) ? fs.readdirSync(path.join(dir, FILES)) : [];
  for (const f of present) {
    if (!referenced.has(f) && !f.endsWith('.tmp')) {
      problems.push({ file: path.join(FILES, f), problem: 'unexpected', message: `Архив: файл ${f} не упомянут в описи` });
    }
  }
  // a tampered, replaced or removed token is damage to the archive; a renewal made too late is not (the evidence says it)
  for (const p of chain.problems.filter((x) => !x.lapse)) problems.push({ file: p.file, problem: p.problem, message: p.message });
  const ok = problems.length === 0;
  const evidence = { state: chain.state, stamps: chain.stamps, covered: chain.covered, entries: chain.entries, until: chain.until, trusted: chain.trusted, message: chain.message };
  return {
    ok, dir, entries: entries.length, files: referenced.size, signatures, untrustedSigners: [...untrusted], head, problems,
    verifiableUntil: earliest ? { ...earliest, message: evidenceMessage(earliest) } : null,
    evidence,
    message: ok
      ? `Архив цел: записей ${entries.length}, файлов ${referenced.size}, подписей проверено ${signatures}${chain.state === 'none' ? '' : `. ${chain.message}`}`
      : `Архив повреждён: проблем ${problems.length}. ${problems[0].message}`,
  };
}

/**
 * `archive verify`: the register's own archive (or the folder given). With the register at hand and the archive its
 * own, sealed versions the archive lacks — a seal killed between its commit and its archive write — are caught up
 * first (`catchUp`; not while a job holds the register, whose seals are still being archived) and counted, never
 * reported as damage; a register with seals and no archive has lost it, which is damage.
 */
export async function archiveReport(db: DB | null, dir: string, o: { trustedCertsPem?: string[]; catchUp: boolean; tsaTrust?: string[] }): Promise<ArchiveReport> {
  const own = !!db && registerArchiveDir(db) === path.resolve(dir);
  const sealed = db && hasLedgerVersions(db) ? db.prepare('SELECT count(*) FROM ledger_versions').pluck().get() as number : 0;
  const empty = (ok: boolean, message: string, problems: ArchiveProblem[] = []): ArchiveReport =>
    ({ ok, dir, entries: 0, files: 0, signatures: 0, untrustedSigners: [], head: GENESIS, problems, message });
  if (own && sealed && !fs.existsSync(path.join(dir, MANIFEST))) {
    const what = fs.existsSync(dir) ? `в архиве ${dir} нет описи (${MANIFEST})` : `архива ${dir} нет`;
    const message = `Архив утрачен: ${what}, а в реестре запечатанных версий ведомостей ${sealed}. Реестр их хранит: архив будет записан заново при следующем запечатывании или резервном копировании`;
    return empty(false, message, [{ file: fs.existsSync(dir) ? MANIFEST : '.', problem: 'missing', message }]);
  }
  if (!fs.existsSync(dir)) {
    return empty(true, db && !sealed ? `Архива ещё нет (${dir}): в реестре нет запечатанных ведомостей — архивировать пока нечего`
      : `Архива ещё нет (${dir}): запечатанных ведомостей не было`);
  }
  let caughtUp = 0;
  if (own && o.catchUp && sealed) {
    try {
      caughtUp = archiveSealed(db!, dir).added;
    } catch {
      // a damaged manifest (named below), a register opened read-only: what is missing is named below
    }
  }
  const r = await verifyArchive(dir, { trustedCertsPem: o.trustedCertsPem, register: db ?? undefined, complete: own && o.catchUp,
    tsaTrust: tsaTrustForVerifying(db, o.tsaTrust) });
  if (!caughtUp) return r;
  return { ...r, caughtUp, message: `${r.message}. Дописано из реестра версий, запечатанных, но не попавших в архив (запись прервалась): ${caughtUp}` };
}
