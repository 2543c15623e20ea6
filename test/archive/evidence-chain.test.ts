// The archive's evidence chain (issue 14, archival renewal): RFC 3161 stamps over the manifest's head, renewed before
// the TSA certificate ends, checked by archive verify, carried by backups and checked on restore. The reference TSA
// answers over HTTP; the outside referee for every token written is `openssl ts -verify` against the bytes the token
// is documented to cover (main/archive/evidence.ts): the manifest's prefix for the first stamp, the previous token for
// a renewal, H(sorted: H(manifest prefix), H(earlier tokens)) for a later head stamp.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDirFor, verifyArchive } from '../../main/archive/archive.ts';
import { backupRegister } from '../../main/backup/backup.ts';
import { restoreBag, RestoreRefused } from '../../main/backup/restore.ts';
import { rebagWithKey } from '../backup/fixtures.ts';
import { requestTimestamp } from '../../main/signing/timestamp.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { cli } from '../helpers/cli.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { makeFixtures, openssl, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startTsa, type ReferenceTsa } from '../tsa/server.ts';

let tsa: ReferenceTsa;
let fx: Fixtures;
beforeAll(async () => {
  fx = makeFixtures();
  tsa = await startTsa();
}, 60_000);
afterAll(async () => {
  await tsa?.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

type Stamp = { n: number; kind: 'head' | 'renewal' | 'rehash'; file: string; sha256: string; hash: 'sha256' | 'sha512'; manifestSize: number; entries: number };
const indexOf = (archive: string) => JSON.parse(fs.readFileSync(path.join(archive, 'evidence', 'index.json'), 'utf8')) as { stamps: Stamp[] };
const day = (iso: string) => formatDate(iso.slice(0, 10));

/** `openssl ts -verify` of every token of the chain against the bytes it covers; the exit codes, in order. */
function referee(archive: string, extra: string[] = []): number[] {
  const manifest = fs.readFileSync(path.join(archive, 'manifest.jsonl'));
  const earlier: Buffer[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-referee-'));
  try {
    return indexOf(archive).stamps.map((s) => {
      const token = fs.readFileSync(path.join(archive, 'evidence', s.file));
      const h = (b: Buffer) => crypto.createHash(s.hash).update(b).digest();
      const prefix = manifest.subarray(0, s.manifestSize);
      const data = s.kind === 'renewal' ? earlier.at(-1)! : !earlier.length ? prefix : Buffer.concat([h(prefix), h(Buffer.concat(earlier))].sort(Buffer.compare));
      fs.writeFileSync(path.join(work, 'data.bin'), data);
      fs.writeFileSync(path.join(work, 'token.der'), token);
      earlier.push(token);
      const r = openssl(['ts', '-verify', '-data', 'data.bin', '-in', 'token.der', '-token_in', '-CAfile', tsa.caFile, ...extra], work);
      if (r.status !== 0) console.error(`referee, stamp ${s.n}: ${r.stderr}`);
      return r.status;
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The certificate's notAfter as openssl reads it, ISO. */
function endOf(pemFile: string): string {
  const r = openssl(['x509', '-noout', '-enddate', '-dateopt', 'iso_8601', '-in', pemFile], path.dirname(pemFile));
  expect(r.status).toBe(0);
  return new Date(r.stdout.trim().replace(/^notAfter=/, '').replace(' ', 'T')).toISOString();
}

async function school() {
  const f = await sealingSchool();
  const archive = archiveDirFor(f.c.dbPath);
  return { ...f, archive };
}
const useTsa = (f: Awaited<ReturnType<typeof school>>) => f.c.call('signing.setTsa', { url: tsa.url, caPem: tsa.caPem, onFailure: 'refuse' });

/** A copy of an archive folder to damage. */
function copyOf(archive: string, name: string): string {
  const to = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sr-evidence-')), name);
  fs.cpSync(archive, to, { recursive: true });
  return to;
}

describe('the archive\'s evidence chain', () => {
  it('a seal with a TSA stamps the manifest\'s head; a second seal stamps the new head over the chain; verify says until when', async () => {
    const f = await school();
    try {
      await useTsa(f);
      await f.c.call('ledgers.seal', { classId: f.s.a.id });
      let index = indexOf(f.archive);
      expect(index.stamps).toMatchObject([{ n: 1, kind: 'head', hash: 'sha256', entries: 1, manifestSize: fs.statSync(path.join(f.archive, 'manifest.jsonl')).size }]);
      expect(referee(f.archive)).toEqual([0]);

      await f.c.call('ledgers.seal', { classId: f.s.b.id });
      index = indexOf(f.archive);
      expect(index.stamps.map((s) => [s.n, s.kind, s.entries])).toEqual([[1, 'head', 1], [2, 'head', 2]]);
      expect(referee(f.archive)).toEqual([0, 0]);

      const until = endOf(path.join(tsa.dir, 'tsa.pem'));
      const r = await f.c.call('archive.verify', {});
      expect(r.ok).toBe(true);
      expect(r.evidence).toMatchObject({ state: 'valid', stamps: 2, covered: 2, entries: 2, until, trusted: true });
      expect(r.evidence!.message).toMatch(new RegExp(`^Доказательства архива действительны до ${day(until)} \\(штампов 2, .*служба «Эталонная служба времени TSA»; заверены все записи описи: 2\\)$`));
      expect(r.message).toContain(`Доказательства архива действительны до ${day(until)}`);
      // nothing due: renew adds nothing
      const again = await f.c.call('archive.renew', {});
      expect(again.stamp).toBeNull();
      expect(indexOf(f.archive).stamps).toHaveLength(2);
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('a year close stamps the new head once, after every class it sealed', async () => {
    const f = await school();
    try {
      await useTsa(f);
      const before = tsa.answered;
      const { jobId } = await f.c.call('ledgers.closeYear', { yearId: f.s.year.id });
      let job = await f.c.call('jobs.status', { id: jobId });
      while (job.state === 'running') {
        await new Promise((r) => setTimeout(r, 50));
        job = await f.c.call('jobs.status', { id: jobId });
      }
      expect(job.state, job.message ?? '').toBe('done');
      expect(indexOf(f.archive).stamps.map((s) => [s.n, s.kind, s.entries])).toEqual([[1, 'head', 2]]);
      expect(tsa.answered).toBe(before + 1); // no signature here: the one stamp is the archive's
      expect(referee(f.archive)).toEqual([0]);
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('a signature without its own timestamp holds until the chain\'s end once the chain covers it («Подпись проверяема до»)', async () => {
    const f = await school();
    try {
      const leaf = { p12Base64: fs.readFileSync(fx.leafP12).toString('base64'), password: PASSWORD };
      await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: leaf }); // no TSA yet: no stamp on the signature
      const before = await f.c.call('archive.verify', {});
      expect(before.verifiableUntil).toMatchObject({ basis: 'certificate' });
      expect(before.evidence).toMatchObject({ state: 'none' });
      expect(before.evidence!.message).toBe('Опись архива (записей 1) не заверена штампом времени: нужна служба штампов времени (настройки подписи), затем archive renew');
      await useTsa(f);
      const renewed = await f.c.call('archive.renew', {});
      expect(renewed.stamp).toMatchObject({ n: 1, kind: 'head', entries: 1 });
      expect(referee(f.archive)).toEqual([0]);
      const until = endOf(path.join(tsa.dir, 'tsa.pem'));
      const r = await f.c.call('archive.verify', {});
      expect(r.verifiableUntil).toMatchObject({ until, entry: 1, basis: 'evidence', certificate: 'Эталонная служба времени TSA' });
      expect(r.verifiableUntil!.message).toBe(`Подпись проверяема до ${day(until)} (запись 1: по доказательствам архива — цепочке штампов времени над описью, до конца срока сертификата службы «Эталонная служба времени TSA»)`);
      expect(until > before.verifiableUntil!.until).toBe(true);
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('a TSA certificate near its end: the next backup renews the stamp over the previous one; verify reports the later date; the copy carries the chain and its restore checks it', async () => {
    const f = await school();
    try {
      const shortEnd = new Date(Date.now() + 100 * 86_400_000);
      const shortPem = tsa.useCert({ notAfter: shortEnd })!;
      try {
        await useTsa(f);
        await f.c.call('ledgers.seal', { classId: f.s.a.id });
      } finally {
        tsa.useCert(null);
      }
      const first = await f.c.call('archive.verify', {});
      expect(first.evidence).toMatchObject({ state: 'valid', stamps: 1, until: endOf(shortPem) });

      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-evidence-bk-'));
      const [a, b] = ['A', 'B'].map((n) => path.join(root, n));
      for (const d of [a, b]) fs.mkdirSync(d);
      const backup = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
      expect(backup.state).toBe('ok');
      expect(indexOf(f.archive).stamps.map((s) => [s.n, s.kind])).toEqual([[1, 'head'], [2, 'renewal']]);
      expect(referee(f.archive)).toEqual([0, 0]);
      const until = endOf(path.join(tsa.dir, 'tsa.pem'));
      const r = await f.c.call('archive.verify', {});
      expect(r.evidence).toMatchObject({ state: 'valid', stamps: 2, until });

      // the copy holds the chain, listed in its manifest; a drill restores it and checks it
      const bag = backup.destinations[0].bagPath!;
      const manifest = fs.readFileSync(path.join(bag, 'manifest-sha256.txt'), 'utf8');
      for (const rel of ['data/archive/evidence/index.json', 'data/archive/evidence/0001.tsr', 'data/archive/evidence/0002.tsr']) {
        expect(manifest).toMatch(new RegExp(`^[0-9a-f]{64} {2}${rel.replace(/\./g, '\\.')}$`, 'm'));
      }
      expect(referee(path.join(bag, 'data', 'archive'))).toEqual([0, 0]);
      const drill = await restoreBag(bag, { drill: true });
      expect(drill.ok).toBe(true);
      expect(drill.checks.find((c) => c.name === 'archive')!.message).toContain(`Доказательства архива действительны до ${day(until)}`);

      // a copy whose token was changed, its bag manifests redone and signed with this computer's key (a forger who
      // could read it): the restore's own check of the chain refuses it
      const forged = path.join(root, 'forged');
      fs.cpSync(bag, forged, { recursive: true });
      const token = path.join(forged, 'data', 'archive', 'evidence', '0002.tsr');
      const tb = fs.readFileSync(token);
      tb[tb.length - 10] ^= 0x01;
      fs.writeFileSync(token, tb);
      rebagWithKey(forged);
      const refused = await restoreBag(forged, { drill: true }).catch((e) => e);
      expect(refused).toBeInstanceOf(RestoreRefused);
      expect(refused.message).toMatch(/Архив повреждён: .*штамп 2 \(evidence\/0002\.tsr\) повреждён/);

      // a restore into a new file: the archive beside it with its chain, which verifies there
      const restored = path.join(root, 'restored', 'register.sqlite');
      fs.mkdirSync(path.dirname(restored));
      const ok = await restoreBag(bag, { target: restored });
      expect(ok.ok).toBe(true);
      const check = await verifyArchive(archiveDirFor(restored), { tsaTrust: [tsa.caPem] });
      expect(check.evidence).toMatchObject({ state: 'valid', stamps: 2, until });
    } finally {
      f.c.backend.close();
    }
  }, 240_000);

  it('a hash-tree renewal (sha512) covers the data and the chain; archive renew --force renews over the last stamp', async () => {
    const f = await school();
    try {
      await useTsa(f);
      await f.c.call('ledgers.seal', { classId: f.s.a.id });
      const re = await f.c.call('archive.renew', { hash: 'sha512' });
      expect(re.stamp).toMatchObject({ n: 2, kind: 'rehash', hash: 'sha512', entries: 1 });
      const forced = await f.c.call('archive.renew', { force: true });
      expect(forced.stamp).toMatchObject({ n: 3, kind: 'renewal', hash: 'sha512' });
      expect(forced.evidence.state).toBe('valid');
      expect(referee(f.archive)).toEqual([0, 0, 0]);
      const weaker = await f.c.call('archive.renew', { hash: 'sha256' }).catch((e) => e);
      expect(weaker.message).toMatch(/на более слабый хеш \(sha256\) их не перевести/);
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('names each broken link: a tampered token, a token over other data, a removed middle token', async () => {
    const f = await school();
    try {
      await useTsa(f);
      await f.c.call('ledgers.seal', { classId: f.s.a.id });
      await f.c.call('ledgers.seal', { classId: f.s.b.id });
      await f.c.call('archive.renew', { force: true });
      expect(referee(f.archive)).toEqual([0, 0, 0]);
      const trust = { tsaTrust: [tsa.caPem] };
      expect((await verifyArchive(f.archive, trust)).ok).toBe(true);

      // a tampered token: one byte of stamp 2 changed
      const tampered = copyOf(f.archive, 'tampered');
      const t2 = path.join(tampered, 'evidence', '0002.tsr');
      const bytes = fs.readFileSync(t2);
      bytes[bytes.length - 10] ^= 0x01;
      fs.writeFileSync(t2, bytes);
      let r = await verifyArchive(tampered, trust);
      expect(r.ok).toBe(false);
      expect(r.evidence!.state).toBe('broken');
      expect(r.problems[0]).toMatchObject({ file: 'evidence/0002.tsr', problem: 'damaged' });
      expect(r.problems[0].message).toMatch(/^Доказательства архива: штамп 2 \(evidence\/0002\.tsr\) повреждён/);

      // a valid token from the same TSA, but over other data, with the index made to agree with its bytes
      const other = copyOf(f.archive, 'other');
      const forged = await requestTimestamp(Buffer.from('другие данные'), { url: tsa.url, trustedCertsPem: [tsa.caPem] });
      fs.writeFileSync(path.join(other, 'evidence', '0002.tsr'), forged.token);
      const idx = indexOf(other);
      idx.stamps[1].sha256 = crypto.createHash('sha256').update(forged.token).digest('hex');
      fs.writeFileSync(path.join(other, 'evidence', 'index.json'), JSON.stringify(idx));
      r = await verifyArchive(other, trust);
      expect(r.problems[0]).toMatchObject({ file: 'evidence/0002.tsr', problem: 'chain' });
      expect(r.problems[0].message).toBe('Доказательства архива: штамп 2 (evidence/0002.tsr) не совпадает с описью архива (записи 1–2) и штампами 1–1: опись или цепочка изменена после штампа');
      expect(r.evidence!.message).toMatch(/^Доказательства архива нарушены: штамп 2/);

      // the middle token removed
      const removed = copyOf(f.archive, 'removed');
      fs.rmSync(path.join(removed, 'evidence', '0002.tsr'));
      r = await verifyArchive(removed, trust);
      expect(r.problems[0]).toMatchObject({ file: 'evidence/0002.tsr', problem: 'missing' });
      expect(r.problems[0].message).toBe('Доказательства архива: отсутствует штамп 2 (evidence/0002.tsr) — штамп удалён, цепочка прервана');

      // ... and taken out of the index too, the rest renumbered: the renewal no longer covers what precedes it
      const renumbered = copyOf(f.archive, 'renumbered');
      const ri = indexOf(renumbered);
      fs.rmSync(path.join(renumbered, 'evidence', '0002.tsr'));
      fs.renameSync(path.join(renumbered, 'evidence', '0003.tsr'), path.join(renumbered, 'evidence', '0002.tsr'));
      ri.stamps = [ri.stamps[0], { ...ri.stamps[2], n: 2, file: '0002.tsr', manifestSize: ri.stamps[1].manifestSize }];
      fs.writeFileSync(path.join(renumbered, 'evidence', 'index.json'), JSON.stringify(ri));
      r = await verifyArchive(renumbered, trust);
      expect(r.problems[0].message).toBe('Доказательства архива: штамп 2 (evidence/0002.tsr) не покрывает штамп 1: хеш не совпадает — штамп 1 заменён или цепочка переставлена');

      // the register's own check names it too (archive verify)
      fs.writeFileSync(path.join(f.archive, 'evidence', '0002.tsr'), bytes);
      const own = await f.c.call('archive.verify', {});
      expect(own.ok).toBe(false);
      expect(own.problems.map((p) => p.file)).toContain('evidence/0002.tsr');
      // and a damaged chain is not extended
      const refused = await f.c.call('archive.renew', { force: true }).catch((e) => e);
      expect(refused.message).toMatch(/штамп 2 \(evidence\/0002\.tsr\) повреждён — новые штампы не добавлены/);
    } finally {
      f.c.backend.close();
    }
  }, 240_000);

  it('a TSA that is down during a seal: sealed, verify says the newest entries are not yet stamped; the next renew stamps them', async () => {
    const f = await school();
    try {
      await useTsa(f);
      await f.c.call('ledgers.seal', { classId: f.s.a.id });
      await tsa.setFault('down');
      try {
        const v = await f.c.call('ledgers.seal', { classId: f.s.b.id });
        expect(v.version).toBe(1);
        const r = await f.c.call('archive.verify', {});
        expect(r.ok).toBe(true);
        expect(r.evidence).toMatchObject({ state: 'pending', stamps: 1, covered: 1, entries: 2 });
        expect(r.evidence!.message).toMatch(/для записей 1–1; записи 2–2 ещё не заверены штампом времени/);
        const down = await f.c.call('archive.renew', {}).catch((e) => e);
        expect(down.message).toMatch(/недоступна/);
        expect(indexOf(f.archive).stamps).toHaveLength(1); // nothing half-written
        expect(fs.readdirSync(path.join(f.archive, 'evidence')).sort()).toEqual(['0001.tsr', 'index.json']);
      } finally {
        await tsa.setFault(null);
      }
      const later = await f.c.call('archive.renew', {});
      expect(later.stamp).toMatchObject({ n: 2, kind: 'head', entries: 2 });
      expect(later.evidence.state).toBe('valid');
      expect(referee(f.archive)).toEqual([0, 0]);
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('a renewal made after the previous TSA certificate ended is named as the broken link', async () => {
    const f = await school();
    try {
      await useTsa(f);
      const end = new Date(Date.now() + 30_000);
      tsa.useCert({ notAfter: end });
      try {
        await f.c.call('ledgers.seal', { classId: f.s.a.id });
      } finally {
        tsa.useCert(null);
      }
      expect(indexOf(f.archive).stamps).toHaveLength(1);
      while (Date.now() < end.getTime() + 1500) await new Promise((r) => setTimeout(r, 500));
      const late = await f.c.call('archive.renew', {});
      expect(late.stamp).toMatchObject({ n: 2, kind: 'renewal' });
      expect(late.message).toMatch(/ВНИМАНИЕ: сертификат службы штампа 1 истёк .* цепочка доказательств прервана/);
      // every token is still a valid token of its time (openssl checks the first one's chain at its own time)
      expect(referee(f.archive, ['-no_check_time'])).toEqual([0, 0]);
      // not damage (nothing was tampered with: the archive is intact, a restore is not refused), but the chain is broken
      const r = await f.c.call('archive.verify', {});
      expect(r.ok).toBe(true);
      expect(r.problems).toEqual([]);
      expect(r.evidence).toMatchObject({ state: 'broken', until: null });
      expect(r.message).toContain('Доказательства архива нарушены: штамп 2');
      expect(r.evidence!.message).toMatch(new RegExp(`^Доказательства архива нарушены: штамп 2 \\(evidence/0002\\.tsr\\) поставлен \\d\\d\\.\\d\\d\\.\\d{4}, уже после конца срока сертификата службы штампа 1 \\(${day(end.toISOString()).replace(/\./g, '\\.')}\\): цепочка доказательств прервана`));
    } finally {
      f.c.backend.close();
    }
  }, 180_000);

  it('from the command line: archive renew --tsa stamps (0); archive verify --tsa-ca says until when (0); a damaged chain is 3', async () => {
    const f = await school();
    await f.c.call('ledgers.seal', { classId: f.s.a.id }); // no TSA stored: nothing stamped
    f.c.backend.close();
    const db = f.c.dbPath;
    const none = await cli('archive', 'verify', '--db', db);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Опись архива (записей 1) не заверена штампом времени');
    const noTsa = await cli('archive', 'renew', '--db', db);
    expect(noTsa.code).toBe(1);
    expect(noTsa.stderr).toMatch(/Служба штампов времени не настроена/);
    const renew = await cli('archive', 'renew', '--db', db, '--tsa', tsa.url, '--tsa-ca', tsa.caFile);
    expect(renew.code, renew.stderr).toBe(0);
    const until = day(endOf(path.join(tsa.dir, 'tsa.pem')));
    expect(renew.stdout).toMatch(new RegExp(`^Штамп времени 1 \\(.*\\) заверил опись архива \\(записей 1\\); доказательства действительны до ${until.replace(/\./g, '\\.')}`));
    expect(referee(f.archive)).toEqual([0]);
    const ok = await cli('archive', 'verify', '--db', db, '--tsa-ca', tsa.caFile);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Доказательства архива действительны до ${until} (штампов 1`);
    expect(ok.stdout).not.toContain('сертификат службы не сверен');
    fs.rmSync(path.join(f.archive, 'evidence', '0001.tsr'));
    const broken = await cli('archive', 'verify', '--db', db, '--tsa-ca', tsa.caFile);
    expect(broken.code).toBe(3);
    expect(broken.stdout).toContain('отсутствует штамп 1 (evidence/0001.tsr)');
  }, 180_000);
});
