// verify-copies and --repair: in one copy a flipped byte, a truncated file, a deleted file, an extra file, an edited
// manifest — each detected, each repaired from the twin and logged; the same file damaged in both copies is
// unrepairable; a bag whose manifest points outside it is refused; a half-written bag never passes as a copy.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister } from '../../main/backup/backup.ts';
import { UnsafeBagError } from '../../main/backup/bag.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { listRuns } from '../../main/backup/runs.ts';
import { verifyCopies } from '../../main/backup/verify.ts';
import { coreutilsValidate, dirs, mountTmpfs, rebag, registerWithArchive, twinCopies, unmount, type Fixture } from './fixtures.ts';

let f: Fixture;
let source: string[];
let bag: string;
beforeAll(async () => {
  f = await registerWithArchive();
  source = dirs(f.root, 'src-A', 'src-B');
  bag = (await backupRegister(f.c.backend.db, { destinations: source.map((p) => ({ path: p })), confirmSameDevice: true })).bag;
});
afterAll(() => f.c.backend.close());

const archiveFile = (dest: string, i = 0) => {
  const files = fs.readdirSync(path.join(dest, bag, 'data/archive/files')).sort();
  return `data/archive/files/${files[i]}`;
};

type Damage = { name: string; file: (a: string) => string; damage: (abs: string) => void; problem: string; action: string };
const damages: Damage[] = [
  { name: 'a flipped byte', file: () => 'data/register.sqlite', problem: 'damaged', action: 'replaced',
    damage: (p) => { const b = fs.readFileSync(p); b[5000] ^= 0x40; fs.writeFileSync(p, b); } },
  { name: 'a truncated file', file: (a) => archiveFile(a), problem: 'damaged', action: 'replaced',
    damage: (p) => fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2)) },
  { name: 'a deleted file', file: (a) => archiveFile(a, 1), problem: 'missing', action: 'replaced', damage: (p) => fs.rmSync(p) },
  { name: 'an extra file', file: () => 'data/archive/files/лишний.pdf', problem: 'unexpected', action: 'removed', damage: (p) => fs.writeFileSync(p, 'подброшено') },
  { name: 'an edited manifest', file: () => 'manifest-sha256.txt', problem: 'damaged', action: 'replaced',
    damage: (p) => fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/^[0-9a-f]{4}/, '0000')) },
];

describe('verify-copies: each damage in one copy is detected and repaired from the twin', () => {
  for (const d of damages) {
    it(d.name, async () => {
      const [a, b] = twinCopies(f.root, source, d.name.replace(/\s/g, '-'));
      const rel = d.file(a);
      d.damage(path.join(a, bag, rel));
      const found = await verifyCopies(f.c.backend.db, [a, b]);
      expect(found.state).toBe('damaged');
      const ca = found.copies.find((c) => c.destination === a)!;
      expect(ca.problems).toEqual([expect.objectContaining({ file: rel, problem: d.problem })]);
      expect(ca.problems[0].message).toContain(rel);
      expect(found.copies.find((c) => c.destination === b)!.ok).toBe(true);
      expect(coreutilsValidate(path.join(a, bag)).ok).toBe(false); // an independent reader agrees it is damaged

      const fixed = await verifyCopies(f.c.backend.db, [a, b], { repair: true, by: 'admin' });
      expect(fixed.state).toBe('repaired');
      expect(fixed.copies.find((c) => c.destination === a)!.problems[0]).toMatchObject({ action: d.action });
      const run = listRuns(f.c.backend.db, 1)[0];
      expect(run.repairs).toEqual([expect.objectContaining({ copy: path.join(a, bag), file: rel, problem: d.problem, action: d.action,
        source: d.action === 'replaced' ? path.join(b, bag) : null })]);
      // and now the copies are whole again, byte for byte the twin
      expect((await verifyCopies(f.c.backend.db, [a, b])).state).toBe('ok');
      expect(coreutilsValidate(path.join(a, bag)).ok).toBe(true);
      if (d.action === 'replaced') expect(fs.readFileSync(path.join(a, bag, rel))).toEqual(fs.readFileSync(path.join(b, bag, rel)));
    });
  }

  it('all five at once in one copy, plus a missing tag manifest: everything repaired in one run', async () => {
    const [a, b] = twinCopies(f.root, source, 'all');
    const files = damages.map((d) => d.file(a));
    damages.forEach((d, i) => d.damage(path.join(a, bag, files[i])));
    const r = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
    expect(r.state).toBe('repaired');
    expect(r.copies.find((c) => c.destination === a)!.problems.map((p) => p.file).sort()).toEqual([...files].sort());
    expect((await verifyCopies(null, [a, b])).state).toBe('ok');
    fs.rmSync(path.join(b, bag, 'tagmanifest-sha256.txt'));
    const r2 = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
    expect(r2.copies.find((c) => c.destination === b)!.problems).toEqual([expect.objectContaining({ file: 'tagmanifest-sha256.txt', problem: 'missing', action: 'replaced' })]);
    expect(coreutilsValidate(path.join(b, bag)).ok).toBe(true);
  });

  it('the same file damaged in both copies is reported unrepairable; the rest is still repaired', async () => {
    const [a, b] = twinCopies(f.root, source, 'both');
    const rel = archiveFile(a, 2);
    for (const d of [a, b]) fs.appendFileSync(path.join(d, bag, rel), 'x');
    fs.rmSync(path.join(a, bag, archiveFile(a, 3)));
    const r = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
    expect(r.state).toBe('unrepairable');
    expect(r.message).toContain(rel);
    const pa = r.copies.find((c) => c.destination === a)!.problems;
    expect(pa).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: rel, action: 'unrepairable' }), expect.objectContaining({ problem: 'missing', action: 'replaced' }),
    ]));
    expect(r.copies.find((c) => c.destination === b)!.problems).toEqual([expect.objectContaining({ file: rel, action: 'unrepairable' })]);
    expect(listRuns(f.c.backend.db, 1)[0]).toMatchObject({ kind: 'verify', state: 'unrepairable' });
  });
});

describe('a damaged tag manifest', () => {
  const editLine = (file: string, name: string) => {
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace(new RegExp(`^([0-9a-f])([0-9a-f]{63})  ${name.replace(/[.]/g, '\\.')}$`, 'm'), (_m, h: string, rest: string) => `${h === '0' ? '1' : '0'}${rest}  ${name}`);
    expect(edited).not.toBe(text);
    fs.writeFileSync(file, edited);
  };

  for (const line of ['bagit.txt', 'manifest-sha256.txt', 'bag-info.txt']) {
    it(`one edited line (${line}) is blamed on the tag manifest and repaired from the intact twin`, async () => {
      const [a, b] = twinCopies(f.root, source, `tagline-${line}`);
      editLine(path.join(a, bag, 'tagmanifest-sha256.txt'), line);
      const found = await verifyCopies(null, [a, b]);
      expect(found.state).toBe('damaged');
      const pa = found.copies.find((c) => c.destination === a)!.problems;
      expect(pa).toEqual([expect.objectContaining({ file: 'tagmanifest-sha256.txt', problem: 'damaged', note: `исправимо по копии ${path.join(b, bag)}` })]);
      expect(found.message).not.toMatch(/неисправим/);
      const fixed = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
      expect(fixed.state).toBe('repaired');
      expect(fixed.copies.find((c) => c.destination === a)!.problems).toEqual([
        expect.objectContaining({ file: 'tagmanifest-sha256.txt', action: 'replaced', source: path.join(b, bag) })]);
      expect(fs.readFileSync(path.join(a, bag, 'tagmanifest-sha256.txt'))).toEqual(fs.readFileSync(path.join(b, bag, 'tagmanifest-sha256.txt')));
      expect((await verifyCopies(null, [a, b])).state).toBe('ok');
      expect(coreutilsValidate(path.join(a, bag)).ok).toBe(true);
    });
  }

  it('a tag manifest edited and the file it names damaged too: both named, both repaired from the twin', async () => {
    const [a, b] = twinCopies(f.root, source, 'tagline-and-file');
    editLine(path.join(a, bag, 'tagmanifest-sha256.txt'), 'bagit.txt');
    fs.appendFileSync(path.join(a, bag, 'bagit.txt'), 'X: y\n');
    const fixed = await verifyCopies(null, [a, b], { repair: true });
    expect(fixed.state).toBe('repaired');
    expect(fixed.copies.find((c) => c.destination === a)!.problems.map((p) => [p.file, p.action]).sort()).toEqual([['bagit.txt', 'replaced'], ['tagmanifest-sha256.txt', 'replaced']]);
    expect((await verifyCopies(null, [a, b])).state).toBe('ok');
  });

  it('a tag manifest with a line that is not BagIt is a damaged tag manifest, repaired from the twin (not a refusal of the whole run)', async () => {
    const [a, b] = twinCopies(f.root, source, 'tagline-garbled');
    fs.appendFileSync(path.join(a, bag, 'tagmanifest-sha256.txt'), 'это не строка описи\n');
    const fixed = await verifyCopies(null, [a, b], { repair: true });
    expect(fixed.copies.find((c) => c.destination === a)!.problems).toEqual([expect.objectContaining({ file: 'tagmanifest-sha256.txt', problem: 'damaged', action: 'replaced' })]);
    expect((await verifyCopies(null, [a, b])).state).toBe('ok');
  });

  it('a plain and an encrypted copy: the edited line is named in the tag manifest, the message says it cannot be mended from the other kind and which copy is whole', async () => {
    const [c, d] = dirs(f.root, 'tag-mix-A', 'tag-mix-B');
    const m = await backupRegister(f.c.backend.db, { destinations: [{ path: c, passphrase: 'фраза для флешки' }, { path: d }], confirmSameDevice: true });
    editLine(path.join(c, m.bag, 'tagmanifest-sha256.txt'), 'bagit.txt');
    const found = await verifyCopies(null, [c, d]);
    const enc = found.copies.find((x) => x.destination === c)!;
    expect(enc.problems).toEqual([expect.objectContaining({ file: 'tagmanifest-sha256.txt', problem: 'damaged' })]);
    expect(enc.problems[0].message).toMatch(/строки: bagit\.txt\); сами файлы целы/);
    expect(enc.problems[0].note).toMatch(/^неисправимо: .*зашифрована.*другие байты/);
    expect(enc.problems[0].note).toContain(`целы копии: ${path.join(d, m.bag)}`);
    expect(found.copies.find((x) => x.destination === d)!.ok).toBe(true);
    const r = await verifyCopies(null, [c, d], { repair: true });
    expect(r.state).toBe('unrepairable');
    expect(r.message).not.toMatch(/во всех копиях/);
    expect(r.message).toContain(`tagmanifest-sha256.txt в ${path.join(c, m.bag)}`);
    expect(r.message).toContain(`целы копии: ${path.join(d, m.bag)}`);
    // the other way round: the plain copy's tag manifest edited, its only twin encrypted
    const [e, g] = dirs(f.root, 'tag-mix-C', 'tag-mix-D');
    const n = await backupRegister(f.c.backend.db, { destinations: [{ path: e, passphrase: 'фраза для флешки' }, { path: g }], confirmSameDevice: true });
    editLine(path.join(g, n.bag, 'tagmanifest-sha256.txt'), 'manifest-sha256.txt');
    const other = await verifyCopies(null, [e, g]);
    const plain = other.copies.find((x) => x.destination === g)!;
    expect(plain.problems).toEqual([expect.objectContaining({ file: 'tagmanifest-sha256.txt', problem: 'damaged' })]);
    expect(plain.problems[0].note).toMatch(/зашифрована: её файлы — другие байты/);
  });
});

describe('copies checked at the same time', () => {
  it('two copies on two devices (tmpfs mounts), each damaged in different files past the read-ahead window: each copy reports its own files, in manifest order', async (ctx) => {
    const a = mountTmpfs(f.root, 'verify-dev-A', '64m');
    const b = mountTmpfs(f.root, 'verify-dev-B', '64m');
    try {
      if (!a || !b) return ctx.skip(); // mount refused here: the same-device tests above check the same code one copy at a time
      execFileSync('cp', ['-a', `${source[0]}/.`, a]);
      execFileSync('cp', ['-a', `${source[1]}/.`, b]);
      const manifestOrder = (dest: string) => [...fs.readFileSync(path.join(dest, bag, 'manifest-sha256.txt'), 'utf8').matchAll(/^[0-9a-f]{64} {2}(.+)$/gm)].map((m) => m[1]);
      const files = manifestOrder(a).filter((p) => p.startsWith('data/archive/files/'));
      expect(files.length).toBeGreaterThan(8);
      const flip = (dest: string, rel: string) => {
        const p = path.join(dest, bag, rel);
        const bytes = fs.readFileSync(p);
        bytes[0] ^= 0x20;
        fs.writeFileSync(p, bytes);
      };
      flip(a, files[9]);
      flip(a, files[2]);
      fs.rmSync(path.join(b, bag, files[6]));
      flip(b, files[7]);
      const found = await verifyCopies(f.c.backend.db, [a, b]);
      expect(found.state).toBe('damaged');
      expect(found.copies.map((c) => c.destination)).toEqual([a, b]);
      expect(found.copies[0].problems.map((p) => [p.file, p.problem])).toEqual([[files[2], 'damaged'], [files[9], 'damaged']]);
      expect(found.copies[1].problems.map((p) => [p.file, p.problem])).toEqual([[files[6], 'missing'], [files[7], 'damaged']]);
      const fixed = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
      expect(fixed.state).toBe('repaired');
      expect((await verifyCopies(null, [a, b])).state).toBe('ok');
    } finally {
      unmount(a);
      unmount(b);
    }
  });
});

describe('encrypted copies', () => {
  it('two media encrypted with one passphrase in one run hold identical bytes, so a damaged encrypted copy is repaired from its twin', async () => {
    const [a, b] = dirs(f.root, 'enc-twin-A', 'enc-twin-B');
    const pass = 'одна фраза на обе флешки';
    const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a, passphrase: pass }, { path: b, passphrase: pass }], confirmSameDevice: true });
    expect(r.state).toBe('ok');
    const rel = 'data/register.sqlite';
    expect(fs.readFileSync(path.join(a, r.bag, rel))).toEqual(fs.readFileSync(path.join(b, r.bag, rel)));
    const p = path.join(a, r.bag, rel);
    const bytes = fs.readFileSync(p);
    bytes[40] ^= 1;
    fs.writeFileSync(p, bytes);
    const fixed = await verifyCopies(f.c.backend.db, [a, b], { repair: true });
    expect(fixed.state).toBe('repaired');
    expect(fixed.copies.find((c) => c.destination === a)!.problems).toEqual([expect.objectContaining({ file: rel, action: 'replaced' })]);
    // still decrypts: the drill with the passphrase passes
    expect((await restoreBag(path.join(a, r.bag), { drill: true, passphrase: pass })).ok).toBe(true);
    // a plain copy cannot mend an encrypted one (different bytes): reported unrepairable, not "fixed" with plaintext
    const [c, d] = dirs(f.root, 'enc-mix-A', 'enc-mix-B');
    const m = await backupRegister(f.c.backend.db, { destinations: [{ path: c, passphrase: pass }, { path: d }], confirmSameDevice: true });
    fs.appendFileSync(path.join(c, m.bag, rel), 'x');
    const mixed = await verifyCopies(null, [c, d], { repair: true });
    expect(mixed.state).toBe('unrepairable');
  });
});

describe('bags that must not be trusted', () => {
  it('a Payload-Oxum that does not match the payload is reported even when the tag manifest was redone to match', async () => {
    const [a] = twinCopies(f.root, source, 'oxum');
    const b = path.join(a, bag);
    const info = fs.readFileSync(path.join(b, 'bag-info.txt'), 'utf8').replace(/^Payload-Oxum: (\d+)\./m, (_m, n) => `Payload-Oxum: ${Number(n) + 1}.`);
    fs.writeFileSync(path.join(b, 'bag-info.txt'), info);
    const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'];
    fs.writeFileSync(path.join(b, 'tagmanifest-sha256.txt'), tags.map((t) => `${crypto.createHash('sha256').update(fs.readFileSync(path.join(b, t))).digest('hex')}  ${t}\n`).join(''));
    const r = await verifyCopies(null, [a]);
    expect(r.copies[0].problems).toEqual([expect.objectContaining({ file: 'bag-info.txt', problem: 'damaged' })]);
    expect(r.copies[0].problems[0].message).toMatch(/Payload-Oxum \d+\.14, а в копии \d+\.14/);
  });

  it('a manifest with ../ paths is refused by verify and restore, and nothing is written outside the bag', async () => {
    const [a] = twinCopies(f.root, source, 'evil');
    const b = path.join(a, bag);
    fs.writeFileSync(path.join(a, 'victim.txt'), 'не трогать');
    const m = fs.readFileSync(path.join(b, 'manifest-sha256.txt'), 'utf8');
    fs.writeFileSync(path.join(b, 'manifest-sha256.txt'), m + `${'0'.repeat(64)}  data/../../victim.txt\n`);
    rebagKeepingManifest(b);
    const v = await verifyCopies(null, [a]).catch((e) => e);
    expect(v).toBeInstanceOf(UnsafeBagError);
    expect(v.message).toMatch(/путь «data\/\.\.\/\.\.\/victim\.txt» ведёт за пределы копии/);
    const target = path.join(f.root, 'evil-restored.sqlite');
    await expect(restoreBag(b, { target })).rejects.toThrow(/за пределы копии/);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readFileSync(path.join(a, 'victim.txt'), 'utf8')).toBe('не трогать');
    for (const p of ['/etc/passwd', 'data/./x', 'C:/x', 'data\\..\\x']) {
      fs.writeFileSync(path.join(b, 'manifest-sha256.txt'), m + `${'0'.repeat(64)}  ${p}\n`);
      rebagKeepingManifest(b);
      await expect(verifyCopies(null, [a])).rejects.toThrow(/за пределы копии/);
    }
  });

  it('a bag whose data/ is a link to a folder outside it is refused by verify and restore, naming the path; so is a linked folder in data/ and a linked tag file', async () => {
    const [a] = twinCopies(f.root, source, 'linked-data');
    const b = path.join(a, bag);
    const outside = path.join(f.root, 'linked-data-outside');
    fs.renameSync(path.join(b, 'data'), outside);
    fs.symlinkSync(outside, path.join(b, 'data'));
    const v = await verifyCopies(null, [a]).catch((e) => e);
    expect(v).toBeInstanceOf(UnsafeBagError);
    expect(v.message).toBe(`Копия ${b}: «data» — символическая ссылка (на ${outside}); копия со ссылками не принимается: её данные могли бы прийти из-за её пределов`);
    const target = path.join(f.root, 'linked-restored.sqlite');
    await expect(restoreBag(b, { target })).rejects.toThrow(/«data» — символическая ссылка/);
    await expect(restoreBag(b, { drill: true })).rejects.toThrow(/«data» — символическая ссылка/);
    expect(fs.existsSync(target)).toBe(false);
    // the folder back in place, one folder inside it a link
    fs.rmSync(path.join(b, 'data'));
    fs.cpSync(outside, path.join(b, 'data'), { recursive: true });
    fs.renameSync(path.join(b, 'data/archive'), path.join(outside, 'archive-elsewhere'));
    fs.symlinkSync(path.join(outside, 'archive-elsewhere'), path.join(b, 'data/archive'));
    await expect(verifyCopies(null, [a])).rejects.toThrow(/«data\/archive» — символическая ссылка/);
    await expect(restoreBag(b, { drill: true })).rejects.toThrow(/«data\/archive» — символическая ссылка/);
    // a tag file that is a link
    fs.rmSync(path.join(b, 'data/archive'));
    fs.cpSync(path.join(outside, 'archive-elsewhere'), path.join(b, 'data/archive'), { recursive: true });
    expect((await verifyCopies(null, [a])).state).toBe('ok');
    fs.renameSync(path.join(b, 'bag-info.txt'), path.join(outside, 'bag-info.txt'));
    fs.symlinkSync(path.join(outside, 'bag-info.txt'), path.join(b, 'bag-info.txt'));
    await expect(verifyCopies(null, [a])).rejects.toThrow(/«bag-info\.txt» — символическая ссылка/);
    await expect(restoreBag(b, { drill: true })).rejects.toThrow(/«bag-info\.txt» — символическая ссылка/);
  });

  it('a half-written bag (interrupted backup) is listed as incomplete, never as a copy, and cannot be restored', async () => {
    const [a] = dirs(f.root, 'half');
    const partial = path.join(a, `.sr-partial-${bag}-999999`);
    fs.cpSync(path.join(source[0], bag), partial, { recursive: true });
    fs.rmSync(path.join(partial, 'tagmanifest-sha256.txt'));
    await expect(verifyCopies(null, [a])).rejects.toThrow(/нет ни одной завершённой резервной копии \(незавершённых, не считающихся копиями: 1/);
    fs.cpSync(path.join(source[0], bag), path.join(a, bag), { recursive: true });
    const r = await verifyCopies(null, [a]);
    expect(r.copies.map((c) => c.path)).toEqual([path.join(a, bag)]);
    expect(r.incomplete).toEqual([partial]);
    expect(r.message).toMatch(/незавершённых копий \(не считаются копиями\): 1/);
    await expect(restoreBag(partial, { drill: true })).rejects.toThrow(/незавершённая копия/);
  });
});

/** Keeps a hand-written manifest but makes the tag manifest agree with it, so only the path is wrong. */
function rebagKeepingManifest(b: string) {
  const m = fs.readFileSync(path.join(b, 'manifest-sha256.txt'));
  rebag(b);
  fs.writeFileSync(path.join(b, 'manifest-sha256.txt'), m);
  const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'];
  fs.writeFileSync(path.join(b, 'tagmanifest-sha256.txt'), tags.map((t) => `${crypto.createHash('sha256').update(fs.readFileSync(path.join(b, t))).digest('hex')}  ${t}\n`).join(''));
}
