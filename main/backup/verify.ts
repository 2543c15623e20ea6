// verify-copies: every copy of every bag re-hashed against its manifests; each damaged, missing or unexpected file is
// reported per copy. With repair, a damaged or missing file is replaced from another copy of the same bag whose file
// has exactly the bytes the manifest names (written under a temporary name, fsynced, re-hashed, renamed); an
// unexpected file is removed; every repair is logged. A file no copy holds intact is reported unrepairable.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { fsyncDir, hashFile } from '../archive/files.ts';
import { appendAudit } from '../audit/log.ts';
import { progressTo, type Progress } from '../shared/jobs.ts';
import { AppError } from '../shared/errors.ts';
import {
  bagsOn, checkBag, ENCRYPTION, isBag, MANIFEST, parseManifest, partialsOn, refuseLinks, TAGMANIFEST, UnsafeBagError, type BagProblem, type HashCache, type ManifestEntries,
} from './bag.ts';
import { checkAuthenticity, localKey } from './key.ts';
import { finishRun, logRepair, markVerified, mediaByPath, recordResult, startRun } from './runs.ts';
import { count as counted } from '../../preload/core/plural.ts';

export type CopyProblem = BagProblem & {
  action?: 'replaced' | 'removed' | 'unrepairable';
  source?: string | null;
  /** whether it can be repaired and from which copy, or why not (another kind of copy, damaged there too) */
  note?: string;
};
export type CopyReport = {
  bag: string;
  path: string;
  destination: string;
  encrypted: boolean;
  ok: boolean;
  problems: CopyProblem[];
  /** written by this program: its authentication tag verifies under this installation's key (apart from `ok`, which is integrity) */
  genuine: boolean;
  /** why it is or is not genuine, in words («не записана этой программой: …») */
  authenticity: string;
};
export type VerifyReport = {
  runId: number | null;
  state: 'ok' | 'damaged' | 'repaired' | 'unrepairable';
  copies: CopyReport[];
  /** leftovers of interrupted backups: never counted as copies */
  incomplete: string[];
  message: string;
};

type Copy = { bag: string; dir: string; destination: string };

function collectCopies(inputs: string[]): { copies: Copy[]; incomplete: string[] } {
  const copies: Copy[] = [];
  const incomplete: string[] = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    if (!fs.existsSync(abs)) throw new AppError('validation', `Папка копии не найдена: ${abs} (носитель не подключён?)`);
    if (path.basename(abs).startsWith('.sr-partial-')) {
      incomplete.push(abs);
      continue;
    }
    if (isBag(abs)) {
      copies.push({ bag: path.basename(abs), dir: abs, destination: path.dirname(abs) });
      continue;
    }
    for (const b of bagsOn(abs)) copies.push({ bag: b, dir: path.join(abs, b), destination: abs });
    for (const p of partialsOn(abs)) incomplete.push(path.join(abs, p.name));
  }
  return { copies, incomplete };
}

const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f) : null);
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** The tag files a bag of ours may hold besides the tag manifest. */
const TAG_FILES = ['bagit.txt', 'bag-info.txt', MANIFEST, ENCRYPTION];

/** A tag manifest as text → entries; null when a line is not `<hash> <path>` (an unsafe path still throws: refused). */
function parseTags(dir: string, bytes: Buffer): ManifestEntries | null {
  try {
    return parseManifest(dir, bytes.toString('utf8'), TAGMANIFEST, false);
  } catch (e) {
    if (e instanceof UnsafeBagError) throw e;
    return null;
  }
}

/** How many of `dir`'s tag files disagree with `tags` (a file it names that differs or is missing, a file it does not name). */
function misfits(dir: string, tags: ManifestEntries): number {
  let n = 0;
  for (const [file, expected] of tags) {
    const b = read(path.join(dir, file));
    if (!b || sha(b) !== expected) n++;
  }
  for (const f of TAG_FILES) if (!tags.has(f) && fs.existsSync(path.join(dir, f))) n++;
  return n;
}

/** Copies of the same kind hold the same bytes: both plain, or both encrypted with the same key (one encryption.json). */
function sameKind(a: Copy, b: Copy): boolean {
  const ea = read(path.join(a.dir, ENCRYPTION));
  const eb = read(path.join(b.dir, ENCRYPTION));
  return ea === null || eb === null ? ea === eb : ea.equals(eb);
}

/** A twin whose own tag files agree with its own tag manifest. */
function selfConsistent(t: Copy): ManifestEntries | null {
  const b = read(path.join(t.dir, TAGMANIFEST));
  const tags = b ? parseTags(t.dir, b) : null;
  return tags && misfits(t.dir, tags) === 0 ? tags : null;
}

type Reference = {
  tags?: ManifestEntries;
  /** the twin whose tag manifest this copy is judged by (its own is missing, unreadable or edited) */
  tagsFrom?: Copy;
  /** this copy's own tag manifest: missing, not BagIt, or edited (a twin's fits this copy's files) */
  ownTags: 'ok' | 'missing' | 'unreadable' | 'edited';
  payload?: ManifestEntries;
  payloadFrom?: Copy;
};

/**
 * The manifests this copy must be judged by: its own, or, where its own is gone, unreadable or edited, a twin's that
 * fits. A twin's tag manifest is taken when it fits this copy's tag files entirely, or when the twin is of the same
 * kind (plain, or encrypted with the same key: byte-identical tag files) and fits at least as well as this copy's own —
 * so an edited line of the tag manifest is blamed on the tag manifest, not on the file it names.
 */
function referenceManifests(c: Copy, twins: Copy[]): Reference {
  const out: Reference = { ownTags: 'ok' };
  const ownBytes = read(path.join(c.dir, TAGMANIFEST));
  const own = ownBytes ? parseTags(c.dir, ownBytes) : null;
  if (!ownBytes) out.ownTags = 'missing';
  else if (!own) out.ownTags = 'unreadable';
  const ownMisfits = own ? misfits(c.dir, own) : Infinity;
  if (ownMisfits > 0) {
    let best: { t: Copy; tags: ManifestEntries; misfits: number } | null = null;
    for (const t of twins) {
      const tb = read(path.join(t.dir, TAGMANIFEST));
      if (!tb || (ownBytes && tb.equals(ownBytes))) continue;
      const tags = selfConsistent(t);
      if (!tags) continue;
      const m = misfits(c.dir, tags);
      if ((m === 0 || (sameKind(c, t) && m <= ownMisfits)) && (!best || m < best.misfits)) best = { t, tags, misfits: m };
    }
    if (best) {
      out.tags = best.tags;
      out.tagsFrom = best.t;
      if (out.ownTags === 'ok') out.ownTags = 'edited';
    }
  }
  const tags = out.tags ?? own;
  const expected = tags?.get(MANIFEST);
  const ownManifest = read(path.join(c.dir, MANIFEST));
  if (expected && (!ownManifest || sha(ownManifest) !== expected)) {
    const twin = twins.find((t) => {
      const b = read(path.join(t.dir, MANIFEST));
      return b && sha(b) === expected;
    });
    if (twin) {
      out.payload = parseManifest(c.dir, fs.readFileSync(path.join(twin.dir, MANIFEST), 'utf8'), MANIFEST, true);
      out.payloadFrom = twin;
    }
  }
  return out;
}

/**
 * The problems of this copy's tag files, told honestly: a tag manifest of its own that a twin's replaces is itself the
 * damaged file; where no twin's fits (its twins are of another kind), a tag file that is byte for byte a sound twin's,
 * or a payload manifest every payload file agrees with, is intact — the edited line is the tag manifest's.
 */
function blameTagManifest(c: Copy, twins: Copy[], ref: Reference, problems: CopyProblem[]): CopyProblem[] {
  const tagProblem = (problem: 'damaged' | 'missing', expected: string | undefined, message: string): CopyProblem =>
    ({ file: TAGMANIFEST, problem, ...(expected ? { expected } : {}), message });
  if (ref.tagsFrom) {
    const expected = sha(fs.readFileSync(path.join(ref.tagsFrom.dir, TAGMANIFEST)));
    const rest = problems.filter((p) => p.file !== TAGMANIFEST);
    const msg = ref.ownTags === 'missing' ? `Копия ${c.dir}: нет ${TAGMANIFEST}`
      : ref.ownTags === 'unreadable' ? `Копия ${c.dir}: опись служебных файлов ${TAGMANIFEST} испорчена (строки не по формату BagIt)`
        : `Копия ${c.dir}: опись служебных файлов ${TAGMANIFEST} изменена (она расходится с двойником ${ref.tagsFrom.dir}, а служебные файлы копии с ним совпадают)`;
    return [tagProblem(ref.ownTags === 'missing' ? 'missing' : 'damaged', expected, msg), ...rest];
  }
  if (ref.ownTags === 'unreadable') {
    return [tagProblem('damaged', undefined, `Копия ${c.dir}: опись служебных файлов ${TAGMANIFEST} испорчена (строки не по формату BagIt)`), ...problems];
  }
  const isTag = (p: CopyProblem) => TAG_FILES.includes(p.file) && p.problem === 'damaged';
  const tagIssues = problems.filter(isTag);
  if (!tagIssues.length) return problems;
  const payloadSound = !problems.some((p) => p.file.startsWith('data/') || p.file === 'bag-info.txt' && p.problem === 'damaged' && /Payload-Oxum/.test(p.message));
  const sound = twins.map((t) => ({ t, tags: selfConsistent(t) })).filter((x) => x.tags);
  const intact = (file: string) => {
    const mine = read(path.join(c.dir, file));
    if (!mine) return false;
    if (file === MANIFEST && payloadSound && !ref.payloadFrom) return true; // every payload file agrees with this very manifest
    return sound.some(({ t }) => read(path.join(t.dir, file))?.equals(mine));
  };
  if (!tagIssues.every((p) => intact(p.file))) return problems;
  const lines = tagIssues.map((p) => p.file).join(', ');
  return [tagProblem('damaged', undefined, `Копия ${c.dir}: опись служебных файлов ${TAGMANIFEST} изменена (строки: ${lines}); сами файлы целы`),
    ...problems.filter((p) => !isTag(p))];
}

/** Whether a problem can be mended from a twin, and from which, in the archivist's words. */
function repairNote(c: Copy, twins: Copy[], p: CopyProblem, source: Copy | null, intactCopies: string[]): string {
  if (source) return `исправимо по копии ${source.dir}`;
  if (!twins.length) return 'другой копии этой резервной копии не указано — исправить не по чему';
  const same = twins.filter((t) => sameKind(c, t));
  const other = twins.filter((t) => !sameKind(c, t));
  const parts: string[] = [];
  if (same.length) parts.push(`в копиях того же вида (${same.map((t) => t.dir).join(', ')}) этого файла с верным хешем тоже нет`);
  if (other.length) {
    const mine = fs.existsSync(path.join(c.dir, ENCRYPTION));
    parts.push(`${other.map((t) => t.dir).join(', ')} — ${mine ? 'не зашифрована или зашифрована другим ключом' : 'зашифрована'}: её файлы — другие байты, по ней ${p.file === TAGMANIFEST ? 'опись' : 'этот файл'} не исправить`);
  }
  if (p.file === TAGMANIFEST && !p.expected) parts.push('верную опись взять неоткуда (пересчитать её значило бы принять и подделку)');
  const whole = intactCopies.filter((d) => d !== c.dir);
  return `неисправимо: ${parts.join('; ')}${whole.length ? `; целы копии: ${whole.join(', ')} — восстанавливайте из них или сделайте новую копию` : ''}`;
}

/** Replaces `rel` in `c` with the twin's file: temporary name, fsync, re-hash, rename, fsync of the directory. */
async function replaceFrom(c: Copy, source: Copy, rel: string, expected: string): Promise<void> {
  const target = path.join(c.dir, rel);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.repair-${process.pid}.tmp`);
  fs.rmSync(tmp, { force: true });
  fs.copyFileSync(path.join(source.dir, rel), tmp);
  const fd = fs.openSync(tmp, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  if ((await hashFile(tmp)).sha256 !== expected) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`копия файла ${rel} из ${source.dir} не совпала с описью`);
  }
  fs.renameSync(tmp, target);
  fsyncDir(path.dirname(target));
}

export async function verifyCopies(db: DB | null, inputs: string[], opts: { repair?: boolean; by?: string | null; progress?: Progress } = {}): Promise<VerifyReport> {
  const progress = opts.progress ?? progressTo();
  if (!inputs.length) throw new AppError('validation', 'Укажите хотя бы одну папку с копиями');
  const { copies, incomplete } = collectCopies(inputs);
  if (!copies.length) {
    throw new AppError('validation', `В папках ${inputs.join(', ')} нет ни одной завершённой резервной копии` +
      (incomplete.length ? ` (незавершённых, не считающихся копиями: ${incomplete.length} — их уберёт следующее резервное копирование)` : ''));
  }
  // a copy whose data/ or tag file is a link is refused before anything of any copy is read (twins are read for each other)
  for (const c of copies) refuseLinks(c.dir);
  const runId = db ? startRun(db, 'verify', opts.by ?? null) : null;
  const cache: HashCache = new Map();
  // the progress total from each bag's Payload-Oxum (reading it is free; walking the folders is not)
  const total = copies.reduce((n, c) => n + oxumBytes(c.dir), 0);
  let done = 0;
  const onBytes = (n: number) => progress.report((done += n), total, 'Проверка копий');
  const reports: CopyReport[] = new Array(copies.length);
  // integrity is judged without the key: a key that cannot be read here makes every copy "not known to be ours", no more
  let key: ReturnType<typeof localKey>;
  try {
    key = localKey();
  } catch (e) {
    key = { key: null, where: (e as Error).message };
  }
  try {
    // Copies on different devices are checked at the same time (each device reads its own copy while the hashing
    // alternates); copies on one device one after the other, so that its reads stay sequential.
    const byDevice = new Map<number | string, number[]>();
    copies.forEach((c, i) => {
      const dev = deviceOf(c.dir);
      byDevice.set(dev, [...(byDevice.get(dev) ?? []), i]);
    });
    let stopped = false;
    await Promise.all([...byDevice.values()].map(async (indexes) => {
      for (const i of indexes) {
        if (stopped) return;
        progress.throwIfCancelled();
        const c = copies[i];
        const twins = copies.filter((t) => t.bag === c.bag && t !== c);
        const ref = referenceManifests(c, twins);
        const check = await checkBag(c.dir, { tagManifest: ref.tags ?? (ref.ownTags === 'unreadable' ? new Map() : undefined), payloadManifest: ref.payload, cache, onBytes });
        const problems = blameTagManifest(c, twins, ref, check.problems.map((p) => ({ ...p })));
        const a = checkAuthenticity(c.dir, key);
        reports[i] = { bag: c.bag, path: c.dir, destination: c.destination, encrypted: check.encrypted, ok: problems.length === 0, problems,
          genuine: a.genuine, authenticity: a.genuine ? a.reason : `не записана этой программой: ${a.reason}` };
      }
    }).map((group) => group.catch((e) => {
      stopped = true; // the other devices stop at their next copy
      throw e;
    })));
    // A twin holding exactly the bytes a damaged or missing file must have: where it can be repaired from.
    const sourceFor = async (c: Copy, p: CopyProblem): Promise<Copy | null> => {
      if (!p.expected) return null;
      for (const t of copies.filter((x) => x.bag === c.bag && x !== c)) {
        const f = path.join(t.dir, p.file);
        if (!cache.has(f)) cache.set(f, fs.existsSync(f) ? (await hashFile(f)).sha256 : null);
        if (cache.get(f) === p.expected) return t;
      }
      return null;
    };
    const intactCopies = reports.filter((r) => r.ok).map((r) => r.path);
    for (const r of reports) {
      const c = copies.find((x) => x.dir === r.path)!;
      const twins = copies.filter((t) => t.bag === c.bag && t !== c);
      for (const p of r.problems) {
        if (p.problem === 'damaged' || p.problem === 'missing') p.note = repairNote(c, twins, p, await sourceFor(c, p), intactCopies);
        else if (p.problem === 'unexpected' && p.file.startsWith('data/')) p.note = 'лишний файл: при исправлении удаляется';
      }
    }
    if (opts.repair) {
      for (const r of reports) {
        const c = copies.find((x) => x.dir === r.path)!;
        const twins = copies.filter((t) => t.bag === c.bag && t !== c);
        for (const p of r.problems) {
          progress.throwIfCancelled();
          if (p.problem === 'unexpected' && p.file.startsWith('data/')) {
            const h = (await hashFile(path.join(c.dir, p.file))).sha256;
            fs.rmSync(path.join(c.dir, p.file), { force: true });
            fsyncDir(path.dirname(path.join(c.dir, p.file)));
            p.action = 'removed';
            p.source = null;
            if (db && runId) logRepair(db, runId, { copy: c.dir, file: p.file, problem: 'unexpected', action: 'removed', source: null, sha256: h });
            continue;
          }
          if (p.problem !== 'damaged' && p.problem !== 'missing') continue;
          let source = await sourceFor(c, p);
          if (source && p.expected) {
            try {
              await replaceFrom(c, source, p.file, p.expected);
              p.action = 'replaced';
              p.source = source.dir;
              p.note = `заменён из копии ${source.dir}`;
            } catch (e) {
              p.note = `неисправимо: копирование из ${source.dir} не удалось (${(e as Error).message})`;
              source = null;
            }
          }
          if (!source) {
            p.action = 'unrepairable';
            p.source = null;
          }
          if (db && runId) logRepair(db, runId, { copy: c.dir, file: p.file, problem: p.problem, action: p.action!, source: p.source ?? null, sha256: p.expected ?? null });
        }
        // re-check the repaired copy from scratch (its own manifests now), so "repaired" is a fact and not a hope
        if (r.problems.length && r.problems.every((p) => p.action && p.action !== 'unrepairable')) {
          const again = await checkBag(c.dir);
          r.ok = again.ok;
          const a = checkAuthenticity(c.dir, key);
          r.genuine = a.genuine;
          r.authenticity = a.genuine ? a.reason : `не записана этой программой: ${a.reason}`;
          if (!again.ok) for (const p of again.problems) r.problems.push({ ...p, action: 'unrepairable', source: null });
        }
      }
    }
  } catch (e) {
    if (db && runId) finishRun(db, runId, 'failed', `Ошибка проверки: ${(e as Error)?.message ?? e}`);
    throw e;
  }
  const anyProblem = reports.some((r) => r.problems.length);
  const unrepairable = reports.some((r) => r.problems.some((p) => p.action === 'unrepairable'));
  const state: VerifyReport['state'] = !anyProblem ? 'ok' : unrepairable ? 'unrepairable' : opts.repair ? 'repaired' : 'damaged';
  const count = reports.reduce((n, r) => n + r.problems.length, 0);
  const message = {
    ok: `Копии целы: проверено ${reports.length}`,
    damaged: (() => {
      const all = reports.flatMap((r) => r.problems.map((p) => ({ r, p })));
      const lost = all.filter(({ p }) => p.note?.startsWith('неисправимо'));
      return `Найдены повреждения: ${count} в ${counted(reports.filter((r) => r.problems.length).length, 'копии', 'копиях', 'копиях')}; исправимы по двойнику: ${all.length - lost.length}` +
        (all.length > lost.length ? ' (verify-copies --repair, «Проверить и исправить»)' : '') +
        (lost.length ? `; неисправимы: ${lost.map(({ r, p }) => `${p.file} в ${r.path} — ${p.note}`).join('; ')}` : '');
    })(),
    repaired: `Повреждения исправлены по двойникам: ${count}`,
    unrepairable: `Есть неисправимые повреждения: ${reports.flatMap((r) => r.problems.filter((p) => p.action === 'unrepairable' || (!opts.repair && p.note?.startsWith('неисправимо')))
      .map((p) => `${p.file} в ${r.path} — ${p.note ?? 'неисправимо'}`)).join('; ')}`,
  }[state] + (incomplete.length ? `; незавершённых копий (не считаются копиями): ${incomplete.length}` : '')
    + (reports.some((r) => !r.genuine) ? `; не записаны этой программой (восстановить их может только администратор): ${reports.filter((r) => !r.genuine).length}` : '');
  if (db && runId) {
    db.transaction(() => {
      for (const r of reports) {
        const s = !r.problems.length ? 'ok' : r.problems.some((p) => p.action === 'unrepairable') ? 'unrepairable' : r.problems.every((p) => p.action) ? 'repaired' : 'damaged';
        recordResult(db, runId, { path: r.path, mediaId: mediaByPath(db, r.destination)?.id ?? null, state: s, problems: r.problems.length, encrypted: r.encrypted,
          message: [r.problems.map((p) => p.message + (p.action ? ` → ${p.action}` : '')).join('; ') || 'цела', r.genuine ? '' : r.authenticity].filter(Boolean).join('; ') });
      }
      const dests = [...new Set(reports.map((r) => r.destination))];
      for (const d of dests) if (reports.filter((r) => r.destination === d).every((r) => r.ok)) markVerified(db, d);
      finishRun(db, runId, state === 'repaired' ? 'ok' : state, message, { files: reports.length });
      appendAudit(db, opts.by ?? null, 'backup.verify', { copies: reports.length, state, repair: !!opts.repair, foreign: reports.filter((r) => !r.genuine).length });
    }).immediate();
  }
  return { runId, state, copies: reports, incomplete, message };
}

function deviceOf(dir: string): number | string {
  try {
    return fs.statSync(dir).dev;
  } catch {
    return dir;
  }
}

function oxumBytes(bag: string): number {
  try {
    const m = /^Payload-Oxum:\s*(\d+)\./m.exec(fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
