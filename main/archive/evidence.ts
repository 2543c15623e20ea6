// The archive's evidence chain (issue 14, archival renewal), after RFC 4998 (Evidence Record Syntax): RFC 3161 tokens
// in `<archive>/evidence/` (0001.tsr, 0002.tsr, …) and `index.json`, which says what each one covers. Three kinds of
// stamp, as RFC 4998 §5.2 generates them:
// - `head`: the archive changed. Its imprint is over the manifest's bytes as they were (a prefix: the manifest only
//   grows); after the first, over H(sorted: H(manifest prefix), H(every earlier token, in order)) — the data and the
//   whole chain before it, as a hash-tree renewal covers the data objects and the previous ArchiveTimeStampSequence;
// - `renewal` (timestamp renewal): over the previous token's bytes, before that token's TSA certificate ends;
// - `rehash` (hash-tree renewal): as `head`, with a stronger hash (SHA-512), before the old hash ages out.
// Simplified against RFC 4998: a JSON index instead of the ASN.1 EvidenceRecord; one data object (the manifest, which
// names every archived file by its SHA-256) instead of a hash tree; "the previous chain" is the earlier tokens' bytes
// concatenated, not the DER of an ArchiveTimeStampSequence. The tokens themselves are plain RFC 3161 tokens: `openssl
// ts -verify` checks each against the bytes this file says it covers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatDate } from '../../preload/core/dates.ts';
import { AppError } from '../shared/errors.ts';
import { makePrivate, PRIVATE_DIR } from '../shared/private-files.ts';
import { checkTimestampToken, IMPRINT_HASH_OIDS, requestTimestamp, TimestampError, type TsaOptions } from '../signing/timestamp.ts';
import { fsyncDir, sha256, writeFileDurably } from './files.ts';

export const EVIDENCE = 'evidence';
export const EVIDENCE_INDEX = 'index.json';
const FORMAT = 'school-register-evidence/1';
/** Renew when the last stamp's TSA certificate ends within this many days (seal, backup, `archive renew`). */
export const DEFAULT_MARGIN_DAYS = 180;
const DAY = 86_400_000;

export type EvidenceHash = keyof typeof IMPRINT_HASH_OIDS;
/** Stronger is later: a hash-tree renewal only moves up this list. */
const HASH_ORDER: EvidenceHash[] = ['sha256', 'sha512'];
export type StampKind = 'head' | 'renewal' | 'rehash';
export type EvidenceStamp = {
  n: number;
  kind: StampKind;
  /** the token's file in evidence/ */
  file: string;
  /** SHA-256 of the token's bytes */
  sha256: string;
  /** the imprint's hash */
  hash: EvidenceHash;
  /** the manifest prefix the chain covers up to this stamp: bytes and entries */
  manifestSize: number;
  entries: number;
  /** the TSA's time, its name, and its certificate's end (when the stamp was made) */
  time: string;
  tsa: string;
  tsaNotAfter: string;
};
type EvidenceIndex = { format: string; about: string; stamps: EvidenceStamp[] };

/** `lapse`: a renewal made too late — nothing was tampered with, but the chain no longer holds from before it (not
 *  damage to the archive: a restore is not refused for it, and archive verify says it in the evidence's message). */
export type EvidenceProblem = { file: string; problem: 'missing' | 'damaged' | 'chain' | 'malformed' | 'unexpected'; message: string; lapse?: true };
export type EvidenceState = 'none' | 'valid' | 'pending' | 'expired' | 'broken';
export type EvidenceReport = {
  state: EvidenceState;
  stamps: number;
  /** manifest entries the chain covers, of `entries` */
  covered: number;
  entries: number;
  /** until when the chain holds (the last stamp's TSA certificate), null when it does not hold */
  until: string | null;
  /** the TSA certificates were checked against trusted ones (the register's TSA setting) */
  trusted: boolean;
  /** the last stamp's TSA (its certificate's common name), null without stamps */
  tsa: string | null;
  /** for each head stamp: the entries it covered and its time (an entry is proven to exist from its first one) */
  firstStamped: Array<{ entries: number; time: string }>;
  problems: EvidenceProblem[];
  /** «Доказательства архива действительны до ДД.ММ.ГГГГ …», or what is wrong */
  message: string;
};

const pad = (n: number) => String(n).padStart(4, '0');
const tokenName = (n: number) => `${pad(n)}.tsr`;
const rel = (name: string) => `${EVIDENCE}/${name}`;
const ru = (iso: string) => formatDate(iso.slice(0, 10));
const hashOf = (alg: EvidenceHash, b: Buffer) => crypto.createHash(alg).update(b).digest();

/** The manifest's whole lines: their bytes and where each ends (entry i+1 ends at ends[i]). */
export function manifestLines(bytes: Buffer): { bytes: Buffer; ends: number[] } {
  const ends: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) ends.push(i + 1);
  return { bytes: bytes.subarray(0, ends.at(-1) ?? 0), ends };
}

/** What a stamp's imprint is over: see the head of this file. `earlier`: the tokens before it, in order. */
export function coveredBytes(s: Pick<EvidenceStamp, 'kind' | 'hash' | 'manifestSize'>, manifest: Buffer, earlier: Buffer[]): Buffer {
  if (s.kind === 'renewal') return earlier.at(-1) ?? Buffer.alloc(0);
  const prefix = manifest.subarray(0, s.manifestSize);
  if (!earlier.length) return prefix;
  // RFC 4998 §5.2: the two hashes sorted as binary strings, then concatenated
  const pair = [hashOf(s.hash, prefix), hashOf(s.hash, Buffer.concat(earlier))].sort(Buffer.compare);
  return Buffer.concat(pair);
}

function readIndex(dir: string): { index: EvidenceIndex | null; problem: EvidenceProblem | null } {
  const file = path.join(dir, EVIDENCE, EVIDENCE_INDEX);
  if (!fs.existsSync(file)) {
    const tokens = fs.existsSync(path.join(dir, EVIDENCE)) && fs.readdirSync(path.join(dir, EVIDENCE)).some((f) => f.endsWith('.tsr'));
    return { index: null, problem: tokens ? { file: rel(EVIDENCE_INDEX), problem: 'missing', message: `Доказательства архива: штампы времени есть, а указателя ${rel(EVIDENCE_INDEX)} нет` } : null };
  }
  try {
    const index = JSON.parse(fs.readFileSync(file, 'utf8')) as EvidenceIndex;
    if (index.format !== FORMAT || !Array.isArray(index.stamps)) throw new Error(`не указатель доказательств (${FORMAT})`);
    return { index, problem: null };
  } catch (e) {
    return { index: null, problem: { file: rel(EVIDENCE_INDEX), problem: 'malformed', message: `Доказательства архива: ${rel(EVIDENCE_INDEX)} не читается — ${(e as Error).message}` } };
  }
}

/**
 * Checks the evidence chain against the manifest's bytes: each token present and as the index recorded it, valid (its
 * signature, its TSA certificate's purpose, and, with `tsaTrust`, its chain to those certificates at the TSA's time), over
 * exactly what it covers (the manifest prefix and the earlier tokens, or the previous token), and each made before the
 * previous stamp's TSA certificate ended. Names the first broken link of each stamp.
 */
export async function verifyEvidence(dir: string, manifestBytes: Buffer, tsaTrust: string[] | undefined, now = new Date()): Promise<EvidenceReport> {
  const { bytes: manifest, ends } = manifestLines(manifestBytes);
  const entries = ends.length;
  const { index, problem } = readIndex(dir);
  const trust = tsaTrust ?? [];
  const base = { entries, trusted: trust.length > 0, tsa: index?.stamps.at(-1)?.tsa ?? null, firstStamped: [] as EvidenceReport['firstStamped'] };
  if (problem) return { ...base, state: 'broken', stamps: 0, covered: 0, until: null, problems: [problem], message: `Доказательства архива нарушены: ${problem.message}` };
  const stamps = index?.stamps ?? [];
  if (!stamps.length) {
    return { ...base, state: 'none', stamps: 0, covered: 0, until: null, problems: [],
      message: entries ? `Опись архива (записей ${entries}) не заверена штампом времени: нужна служба штампов времени (настройки подписи), затем archive renew` : 'Архив пуст: заверять штампом времени нечего' };
  }
  const problems: EvidenceProblem[] = [];
  const tokens: Buffer[] = [];
  let prev: { n: number; notAfter: Date } | null = null;
  let lastNotAfter: Date | null = null;
  let coveredSize = 0;
  let covered = 0;
  for (const [i, s] of stamps.entries()) {
    const n = i + 1;
    const name = `штамп ${n} (${rel(tokenName(n))})`;
    const fail = (p: EvidenceProblem['problem'], message: string, file = rel(tokenName(n))) => problems.push({ file, problem: p, message: `Доказательства архива: ${message}` });
    if (s.n !== n) {
      fail('chain', `нет штампа ${n}: в указателе после штампа ${n - 1} идёт штамп ${s.n} — штамп удалён, цепочка прервана`, rel(EVIDENCE_INDEX));
      break;
    }
    const file = path.join(dir, EVIDENCE, tokenName(n));
    if (s.file !== tokenName(n) || !fs.existsSync(file)) {
      fail('missing', `отсутствует ${name} — штамп удалён, цепочка прервана`);
      break;
    }
    const token = fs.readFileSync(file);
    tokens.push(token);
    if (sha256(token) !== s.sha256) {
      fail('damaged', `${name} повреждён: его байты не те, что были записаны (хеш ${sha256(token).slice(0, 12)}…)`);
      prev = null;
      continue;
    }
    if (!HASH_ORDER.includes(s.hash) || !['head', 'renewal', 'rehash'].includes(s.kind) || (s.kind === 'renewal' && n === 1)) {
      fail('malformed', `${name}: в указателе неизвестный вид штампа или хеш (${s.kind}, ${s.hash})`, rel(EVIDENCE_INDEX));
      prev = null;
      continue;
    }
    if (s.manifestSize > manifest.length || (s.manifestSize > 0 && !ends.includes(s.manifestSize)) || s.manifestSize < coveredSize) {
      fail('chain', `${name} заверяет опись длиной ${s.manifestSize} байт, а в описи ${manifest.length}: записи описи удалены или изменены после штампа`);
      prev = null;
      continue;
    }
    const data = coveredBytes(s, manifest, tokens.slice(0, -1));
    let t: Awaited<ReturnType<typeof checkTimestampToken>>;
    try {
      t = await checkTimestampToken(token, data, trust, `Доказательства архива: ${name}`);
      if (t.hashOid !== IMPRINT_HASH_OIDS[s.hash]) throw new TimestampError('imprint', '');
    } catch (e) {
      if (!(e instanceof TimestampError)) throw e;
      if (e.tsaCode === 'imprint') {
        fail('chain', s.kind === 'renewal'
          ? `${name} не покрывает штамп ${n - 1}: хеш не совпадает — штамп ${n - 1} заменён или цепочка переставлена`
          : `${name} не совпадает с описью архива (записи 1–${s.entries})${n > 1 ? ` и штампами 1–${n - 1}` : ''}: опись или цепочка изменена после штампа`);
      } else {
        problems.push({ file: rel(tokenName(n)), problem: 'damaged', message: e.message });
      }
      prev = null;
      continue;
    }
    if (prev && t.time > prev.notAfter) {
      problems.push({ file: rel(tokenName(n)), problem: 'chain', lapse: true,
        message: `Доказательства архива: ${name} поставлен ${ru(t.time.toISOString())}, уже после конца срока сертификата службы штампа ${prev.n} (${ru(prev.notAfter.toISOString())}): цепочка доказательств прервана — обновлять нужно было раньше` });
    }
    prev = { n, notAfter: t.tsaNotAfter };
    lastNotAfter = t.tsaNotAfter;
    coveredSize = s.manifestSize;
    covered = s.entries;
    if (s.kind !== 'renewal' && !base.firstStamped.some((x) => x.entries >= s.entries)) base.firstStamped.push({ entries: s.entries, time: t.time.toISOString() });
  }
  // what evidence/ holds beyond the index: the next token of a stamp killed before its index was written is left for
  // that stamp's rerun to overwrite (not damage); anything else was put there
  const listed = new Set([EVIDENCE_INDEX, ...stamps.map((s) => s.file), tokenName(stamps.length + 1)]);
  for (const f of fs.readdirSync(path.join(dir, EVIDENCE))) {
    if (!listed.has(f) && !f.endsWith('.tmp')) problems.push({ file: rel(f), problem: 'unexpected', message: `Доказательства архива: файл ${rel(f)} не упомянут в указателе` });
  }
  const byName = (p: EvidenceProblem) => p.problem !== 'unexpected';
  if (problems.some(byName) || !lastNotAfter) {
    return { ...base, state: 'broken', stamps: stamps.length, covered, until: null, problems,
      message: `Доказательства архива нарушены: ${(problems.find(byName) ?? problems[0]).message.replace(/^Доказательства архива: /, '')}` };
  }
  const until = lastNotAfter.toISOString();
  const last = stamps.at(-1)!;
  const trustNote = trust.length ? '' : ' (сертификат службы не сверен с доверенным: служба штампов времени не настроена)';
  const tail = `штампов ${stamps.length}, последний ${ru(last.time)}, служба «${last.tsa}»${trustNote}`;
  if (lastNotAfter < now) {
    return { ...base, state: 'expired', stamps: stamps.length, covered, until, problems,
      message: `Доказательства архива истекли ${ru(until)}: штамп не был обновлён до конца срока сертификата службы (${tail})` };
  }
  if (covered < entries) {
    return { ...base, state: 'pending', stamps: stamps.length, covered, until, problems,
      message: `Доказательства архива действительны до ${ru(until)} для записей 1–${covered}; записи ${covered + 1}–${entries} ещё не заверены штампом времени (служба штампов времени не ответила: заверит следующее запечатывание, резервная копия или archive renew) (${tail})` };
  }
  return { ...base, state: 'valid', stamps: stamps.length, covered, until, problems, message: `Доказательства архива действительны до ${ru(until)} (${tail}; заверены все записи описи: ${entries})` };
}

export type StampResult = { stamp: EvidenceStamp | null; message: string };

/**
 * Adds the stamp the archive needs now, if any: a `head` stamp when the manifest grew since the last one (or has none),
 * a `rehash` when `hash` is stronger than the last stamp's, else a `renewal` when the last stamp's TSA certificate ends
 * within `marginDays` (or `force`). The token is checked as it comes (imprint, nonce, TSA trust), written, and only
 * then named in the index (a kill between the two leaves an unlisted token, which the next stamp overwrites).
 * `lock` runs the index's write under the register's write lock; a chain that another process extended meanwhile
 * is left as it is. A damaged chain is refused: stamps added to it would prove nothing.
 */
export async function stampEvidence(dir: string, manifestBytes: Buffer, tsa: TsaOptions,
  o: { hash?: EvidenceHash; marginDays?: number; force?: boolean; now?: Date; lock?: <T>(f: () => T) => T } = {}): Promise<StampResult> {
  const { bytes: manifest, ends } = manifestLines(manifestBytes);
  const { index, problem } = readIndex(dir);
  if (problem) throw new AppError('conflict', `${problem.message}: новые штампы не добавлены. Восстановите архив из резервной копии`);
  const stamps = index?.stamps ?? [];
  const tokens = stamps.map((s) => {
    const file = path.join(dir, EVIDENCE, s.file);
    const token = fs.existsSync(file) ? fs.readFileSync(file) : null;
    if (!token || sha256(token) !== s.sha256) {
      throw new AppError('conflict', `Доказательства архива: штамп ${s.n} (${rel(s.file)}) ${token ? 'повреждён' : 'отсутствует'} — новые штампы не добавлены. Восстановите архив из резервной копии`);
    }
    return token;
  });
  const now = o.now ?? new Date();
  const last = stamps.at(-1);
  const hash = o.hash ?? last?.hash ?? 'sha256';
  if (last && HASH_ORDER.indexOf(hash) < HASH_ORDER.indexOf(last.hash)) {
    throw new AppError('validation', `Доказательства архива уже на ${last.hash}: на более слабый хеш (${hash}) их не перевести`, { hash: 'слабее текущего' });
  }
  const pending = manifest.length > (last?.manifestSize ?? 0);
  const stronger = !!last && hash !== last.hash;
  const due = !!last && new Date(last.tsaNotAfter).getTime() - now.getTime() < (o.marginDays ?? DEFAULT_MARGIN_DAYS) * DAY;
  const kind: StampKind | null = stronger ? 'rehash' : pending ? 'head' : (due || o.force) && last ? 'renewal' : null;
  if (!kind) {
    return { stamp: null, message: last ? `Доказательства архива не требуют обновления: последний штамп ${ru(last.time)}, сертификат службы действителен до ${ru(last.tsaNotAfter)}`
      : 'Архив пуст: заверять штампом времени нечего' };
  }
  const size = kind === 'renewal' ? last!.manifestSize : manifest.length;
  const entries = kind === 'renewal' ? last!.entries : ends.filter((e) => e <= size).length;
  const data = coveredBytes({ kind, hash, manifestSize: size }, manifest, tokens);
  const r = await requestTimestamp(data, tsa, IMPRINT_HASH_OIDS[hash]);
  const checked = await checkTimestampToken(r.token, data, tsa.trustedCertsPem, `Служба штампов времени ${tsa.url}`);
  const n = stamps.length + 1;
  const stamp: EvidenceStamp = { n, kind, file: tokenName(n), sha256: sha256(r.token), hash, manifestSize: size, entries,
    time: checked.time.toISOString(), tsa: checked.tsa, tsaNotAfter: checked.tsaNotAfter.toISOString() };
  const write = () => {
    const current = readIndex(dir);
    if ((current.index?.stamps.length ?? 0) !== stamps.length) return false; // another process stamped meanwhile
    const folder = path.join(dir, EVIDENCE);
    if (!fs.existsSync(folder)) {
      fs.mkdirSync(folder, { mode: PRIVATE_DIR });
      makePrivate(folder);
      fsyncDir(dir);
    }
    writeFileDurably(path.join(folder, stamp.file), r.token);
    const next: EvidenceIndex = { format: FORMAT, about: 'RFC 3161 tokens; see main/archive/evidence.ts (after RFC 4998)', stamps: [...stamps, stamp] };
    writeFileDurably(path.join(folder, EVIDENCE_INDEX), `${JSON.stringify(next, null, 1)}\n`);
    return true;
  };
  if (!(o.lock ? o.lock(write) : write())) return { stamp: null, message: 'Доказательства архива уже обновлены другим процессом' };
  const what = kind === 'head' ? `опись архива (записей ${entries})` : kind === 'rehash' ? `опись архива и цепочка штампов (новый хеш ${hash})` : `штамп ${n - 1} (продление)`;
  const late = last && checked.time > new Date(last.tsaNotAfter) ? `. ВНИМАНИЕ: сертификат службы штампа ${n - 1} истёк ${ru(last.tsaNotAfter)} — цепочка доказательств прервана` : '';
  const soon = checked.tsaNotAfter.getTime() - now.getTime() < (o.marginDays ?? DEFAULT_MARGIN_DAYS) * DAY
    ? `; сертификат службы истекает ${ru(stamp.tsaNotAfter)} — меньше чем через ${o.marginDays ?? DEFAULT_MARGIN_DAYS} дней` : '';
  return { stamp, message: `Штамп времени ${n} (${ru(stamp.time)}, служба «${stamp.tsa}») заверил ${what}; доказательства действительны до ${ru(stamp.tsaNotAfter)}${soon}${late}` };
}
