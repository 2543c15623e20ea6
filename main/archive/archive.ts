// The archive beside the register file: every sealed ledger version's canonical JSON, signature, PDF and XLSX as
// files named by their SHA-256, and an append-only manifest (JSON lines) in which each entry carries the hash of the
// line before it, so a removed, edited or reordered entry breaks the chain. It outlives the register: a restore can
// check the register's seals against it, and `archive verify` needs nothing but the folder.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { verifyDetached } from '../signing/cms.ts';
import { AppError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_DIR } from '../shared/private-files.ts';
import { nowIso } from '../../preload/core/dates.ts';
import { appendLineDurably, fsyncDir, hashFile, sha256, writeFileDurably } from './files.ts';

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

function storeFile(dir: string, role: ArchivedFileRole, bytes: Buffer, expected: string | null, what: string): ArchivedFile {
  const hash = sha256(bytes);
  if (expected && expected !== hash) {
    throw new AppError('validation', `${what}: ${role} в реестре не совпадает со своим хешем (${expected.slice(0, 12)}…) — в архив не помещено`);
  }
  const file = archivedFilePath(dir, hash);
  // Content-addressed: a file already there with the right bytes is not written again; a damaged one is replaced.
  if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== hash) writeFileDurably(file, bytes);
  return { role, sha256: hash, size: bytes.length };
}

/**
 * Copies every sealed ledger version not yet in the archive into it (the register keeps its own rows: only the
 * ledgers branch writes `ledger_versions`). Runs under the register's write lock, so two processes archiving the
 * same register append one after the other. Returns how many versions were added.
 */
export function archiveSealed(db: DB, dir: string): { added: number; entries: number; head: string } {
  fs.mkdirSync(path.join(dir, FILES), { recursive: true, mode: PRIVATE_DIR });
  // an archive an older version made (0755/0644) is its user's alone from now on: the folders are enough to close it,
  // the manifest too (it names signers); the files it holds are closed by the folder
  for (const p of [dir, path.join(dir, FILES), path.join(dir, MANIFEST)]) makePrivate(p);
  if (!hasLedgerVersions(db)) return { added: 0, ...tail(dir) };
  return db.transaction(() => {
    const { entries, head: startHead, problems } = readManifest(dir);
    if (problems.length) {
      throw new AppError('conflict', `Архив ${dir} повреждён, новые записи не добавлены: ${problems[0].message}. Восстановите архив из резервной копии.`);
    }
    const done = new Set(entries.map((e) => e.ledgerVersionId));
    let head = startHead;
    let seq = entries.length;
    let added = 0;
    const rows = db.prepare('SELECT * FROM ledger_versions ORDER BY id').iterate() as Iterable<LedgerVersionRow>;
    for (const r of rows) {
      if (done.has(r.id)) continue;
      const what = `Ведомость (класс ${r.class_id}, версия ${r.version})`;
      const files: ArchivedFile[] = [storeFile(dir, 'json', Buffer.from(r.canonical_json, 'utf8'), r.sha256, what)];
      if (r.signature) files.push(storeFile(dir, 'signature', Buffer.from(r.signature), null, what));
      if (r.pdf) files.push(storeFile(dir, 'pdf', Buffer.from(r.pdf), r.pdf_sha256, what));
      if (r.xlsx) files.push(storeFile(dir, 'xlsx', Buffer.from(r.xlsx), r.xlsx_sha256, what));
      const entry: ManifestEntry = {
        seq: ++seq, at: nowIso(), ledgerVersionId: r.id, classId: r.class_id, version: r.version, ledgerSha256: r.sha256,
        prevLedgerSha256: r.prev_sha256, sealedAt: r.sealed_at, signer: r.signer, files, prev: head,
      };
      const line = JSON.stringify(entry);
      appendLineDurably(path.join(dir, MANIFEST), line);
      head = sha256(line);
      added++;
    }
    fsyncDir(dir);
    return { added, entries: seq, head };
  }).immediate();
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
};

/**
 * Re-hashes every archived file, checks the manifest chain and every signature over its canonical JSON.
 * `trustedCertsPem`: the certificates a signer must be (or be issued by); without them, a signature that is intact but
 * whose signer nobody vouched for is reported in `untrustedSigners`, not as damage.
 */
export async function verifyArchive(dir: string, opts: { trustedCertsPem?: string[]; register?: DB } = {}): Promise<ArchiveReport> {
  if (!fs.existsSync(dir)) throw new AppError('not_found', `Архив не найден: ${dir}`);
  const { entries, head, problems } = readManifest(dir);
  const referenced = new Set<string>();
  const hashed = new Map<string, boolean>();
  let signatures = 0;
  const untrusted = new Set<string>();
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
      const v = verifyDetached(fs.readFileSync(archivedFilePath(dir, sig.sha256)), fs.readFileSync(archivedFilePath(dir, json.sha256)), opts.trustedCertsPem ?? []);
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
  }
  const present = fs.existsSync(path.join(dir, FILES)) ? fs.readdirSync(path.join(dir, FILES)) : [];
  for (const f of present) {
    if (!referenced.has(f) && !f.endsWith('.tmp')) {
      problems.push({ file: path.join(FILES, f), problem: 'unexpected', message: `Архив: файл ${f} не упомянут в описи` });
    }
  }
  const ok = problems.length === 0;
  return {
    ok, dir, entries: entries.length, files: referenced.size, signatures, untrustedSigners: [...untrusted], head, problems,
    message: ok
      ? `Архив цел: записей ${entries.length}, файлов ${referenced.size}, подписей проверено ${signatures}`
      : `Архив повреждён: проблем ${problems.length}. ${problems[0].message}`,
  };
}
