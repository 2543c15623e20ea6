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
  bagsOn, checkBag, ENCRYPTION, isBag, MANIFEST, parseManifest, partialsOn, TAGMANIFEST, type BagProblem, type HashCache, type ManifestEntries,
} from './bag.ts';
import { checkAuthenticity, localKey } from './key.ts';
import { finishRun, logRepair, markVerified, mediaByPath, recordResult, startRun } from './runs.ts';

export type CopyProblem = BagProblem & { action?: 'replaced' | 'removed' | 'unrepairable'; source?: string | null };
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

/** The manifests this copy must be judged by: its own, or, where its own is gone or edited, a twin's that fits. */
function referenceManifests(c: Copy, twins: Copy[]): { tags?: ManifestEntries; tagsFrom?: Copy; payload?: ManifestEntries; payloadFrom?: Copy } {
  const out: ReturnType<typeof referenceManifests> = {};
  const ownTag = read(path.join(c.dir, TAGMANIFEST));
  const encrypted = fs.existsSync(path.join(c.dir, ENCRYPTION));
  if (!ownTag) {
    // Plain copies of one bag are byte-identical, tag files included: a plain twin's tag manifest is this one's.
    const twin = twins.find((t) => !encrypted && !fs.existsSync(path.join(t.dir, ENCRYPTION)) && read(path.join(t.dir, TAGMANIFEST)));
    if (twin) {
      out.tags = parseManifest(c.dir, fs.readFileSync(path.join(twin.dir, TAGMANIFEST), 'utf8'), TAGMANIFEST, false);
      out.tagsFrom = twin;
    }
  }
  const tags = out.tags ?? (ownTag ? parseManifest(c.dir, ownTag.toString('utf8'), TAGMANIFEST, false) : null);
  const expected = tags?.get(MANIFEST);
  const own = read(path.join(c.dir, MANIFEST));
  if (expected && (!own || sha(own) !== expected)) {
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
      (incomplete.length ? ` (незавершённых, не считающихся копиями: ${incomplete.length} — их уберёт следующий запуск backup)` : ''));
  }
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
        const check = await checkBag(c.dir, { tagManifest: ref.tags, payloadManifest: ref.payload, cache, onBytes });
        const problems: CopyProblem[] = check.problems.map((p) => ({ ...p }));
        if (ref.tagsFrom) {
          const p = problems.find((x) => x.file === TAGMANIFEST && x.problem === 'missing');
          if (p) p.expected = sha(fs.readFileSync(path.join(ref.tagsFrom.dir, TAGMANIFEST)));
        }
        const a = checkAuthenticity(c.dir, key);
        reports[i] = { bag: c.bag, path: c.dir, destination: c.destination, encrypted: check.encrypted, ok: problems.length === 0, problems,
          genuine: a.genuine, authenticity: a.genuine ? a.reason : `не записана этой программой: ${a.reason}` };
      }
    }).map((group) => group.catch((e) => {
      stopped = true; // the other devices stop at their next copy
      throw e;
    })));
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
          let source: Copy | null = null;
          if (p.expected) {
            for (const t of twins) {
              const f = path.join(t.dir, p.file);
              if (!cache.has(f)) cache.set(f, fs.existsSync(f) ? (await hashFile(f)).sha256 : null);
              if (cache.get(f) === p.expected) {
                source = t;
                break;
              }
            }
          }
          if (source && p.expected) {
            try {
              await replaceFrom(c, source, p.file, p.expected);
              p.action = 'replaced';
              p.source = source.dir;
            } catch {
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
    damaged: `Найдены повреждения: ${count} в ${reports.filter((r) => r.problems.length).length} копиях (их можно исправить по двойнику: verify-copies --repair, «Проверить и исправить»)`,
    repaired: `Повреждения исправлены по двойникам: ${count}`,
    unrepairable: `Есть неисправимые повреждения: файл повреждён во всех копиях (${reports.flatMap((r) => r.problems.filter((p) => p.action === 'unrepairable').map((p) => p.file)).filter((v, i, a) => a.indexOf(v) === i).join(', ')})`,
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
