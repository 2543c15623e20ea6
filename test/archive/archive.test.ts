// The archive beside the register: sealed versions as files named by their SHA-256, an append-only manifest chained by
// hashes; verify re-hashes every file, checks the chain and every signature (and openssl agrees with the signature).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveDirFor, archiveReport, archiveSealed, archivedFilePath, ensureArchive, MANIFEST, readManifest, verifyArchive } from '../../main/archive/archive.ts';
import { sha256 } from '../../main/archive/files.ts';
import { adminClient, smallSchool, tempDir, type Client } from '../helpers/register.ts';
import { sealTestLedger, testSigner } from '../helpers/ledger-versions.ts';

let c: Client & { dbPath: string };
let signer: ReturnType<typeof testSigner>;
let classes: { a: number; b: number };
beforeAll(async () => {
  signer = testSigner();
  c = await adminClient(tempDir('sr-archive-'));
  const s = await smallSchool(c);
  classes = { a: s.a.id, b: s.b.id };
});
afterAll(() => c.backend.close());

describe('archiveSealed', () => {
  it('stores each sealed version as content-addressed files and one chained manifest line, once', async () => {
    const db = c.backend.db;
    const v1 = await sealTestLedger(db, signer.signer, { classId: classes.a, version: 1 });
    const v2 = await sealTestLedger(db, signer.signer, { classId: classes.a, version: 2, marks: { 'Иванов Иван': '4' } });
    const dir = archiveDirFor(c.dbPath);
    expect(dir).toBe(`${c.dbPath}.archive`);
    expect(archiveSealed(db, dir)).toMatchObject({ added: 2, entries: 2 });
    // every file is named by the SHA-256 of its bytes, and the JSON is exactly the sealed canonical JSON
    for (const f of fs.readdirSync(path.join(dir, 'files'))) expect(sha256(fs.readFileSync(path.join(dir, 'files', f)))).toBe(f);
    expect(fs.readFileSync(archivedFilePath(dir, v1.sha256), 'utf8')).toBe(v1.canonical);
    expect(fs.readFileSync(archivedFilePath(dir, sha256(v2.pdf)))).toEqual(v2.pdf);
    // the archived signature is the real detached CMS: openssl verifies it over the archived JSON
    const sig = path.join(dir, 'files', sha256(v2.signature));
    const v = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', archivedFilePath(dir, v2.sha256),
      '-CAfile', path.join(signer.dir, 'cert.pem'), '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8' });
    expect(v.stderr).toContain('Verification successful');

    const lines = fs.readFileSync(path.join(dir, MANIFEST), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]).prev).toBe('0'.repeat(64));
    expect(JSON.parse(lines[1]).prev).toBe(sha256(lines[0]));
    expect(JSON.parse(lines[1])).toMatchObject({ ledgerSha256: v2.sha256, prevLedgerSha256: v1.sha256, version: 2 });

    // again: nothing new, the manifest is untouched; a new seal appends one line and keeps the first two as they were
    expect(archiveSealed(db, dir).added).toBe(0);
    await sealTestLedger(db, signer.signer, { classId: classes.b, version: 1 });
    expect(archiveSealed(db, dir).added).toBe(1);
    const after = fs.readFileSync(path.join(dir, MANIFEST), 'utf8').trimEnd().split('\n');
    expect(after.slice(0, 2)).toEqual(lines);
    expect(JSON.parse(after[2]).prev).toBe(sha256(lines[1]));

    const report = await verifyArchive(dir, { trustedCertsPem: [signer.certPem] });
    expect(report).toMatchObject({ ok: true, entries: 3, signatures: 3, problems: [] });
    expect(report.files).toBe(12);
  });

  it('a register without ledger_versions (ledgers not merged yet) archives nothing and says so by count', async () => {
    const other = await adminClient(tempDir('sr-archive-empty-'));
    try {
      expect(archiveSealed(other.backend.db, archiveDirFor(other.dbPath))).toMatchObject({ added: 0, entries: 0 });
    } finally {
      other.backend.close();
    }
  });
});

describe('catching up what a seal left out', () => {
  it('archive verify writes the missing versions and counts them, except while a job holds the register; a dead writer\'s temp file goes', async () => {
    const other = await adminClient(tempDir('sr-archive-catchup-'));
    try {
      const s = await smallSchool(other);
      const db = other.backend.db;
      const dir = archiveDirFor(other.dbPath);
      ensureArchive(dir); // as a seal does before it commits
      await sealTestLedger(db, signer.signer, { classId: s.a.id, version: 1 }); // committed; its archive write never came
      const dead = path.join(dir, 'files', `.${'a'.repeat(64)}.4194399.0123abcd.tmp`);
      const mine = path.join(dir, 'files', `.${'b'.repeat(64)}.${process.pid}.0123abcd.tmp`);
      fs.writeFileSync(dead, 'half');
      fs.writeFileSync(mine, 'writing');
      // a job holds the register (a year close still archiving): nothing is written, the version is not called missing
      const busy = await archiveReport(db, dir, { trustedCertsPem: [signer.certPem], catchUp: false });
      expect(busy).toMatchObject({ ok: true, entries: 0 });
      expect(busy.caughtUp).toBeUndefined();
      expect(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')).toBe('');
      const r = await archiveReport(db, dir, { trustedCertsPem: [signer.certPem], catchUp: true });
      expect(r).toMatchObject({ ok: true, entries: 1, signatures: 1, caughtUp: 1, problems: [] });
      expect(r.message).toMatch(/Дописано из реестра версий, запечатанных, но не попавших в архив \(запись прервалась\): 1$/);
      expect(fs.existsSync(dead)).toBe(false);
      expect(fs.existsSync(mine)).toBe(true);
      fs.rmSync(mine);
      expect(await archiveReport(db, dir, { catchUp: true })).toMatchObject({ ok: true, entries: 1 });
      expect((await archiveReport(db, dir, { catchUp: true })).caughtUp).toBeUndefined();
    } finally {
      other.backend.close();
    }
  });
});

describe('verifyArchive finds every kind of damage', () => {
  const copy = () => {
    const d = path.join(tempDir('sr-archive-copy-'), 'a.archive');
    execFileSync('cp', ['-a', archiveDirFor(c.dbPath), d]);
    return d;
  };
  const manifestLines = (d: string) => fs.readFileSync(path.join(d, MANIFEST), 'utf8').trimEnd().split('\n');

  it('a flipped byte in a PDF, a missing file and an unexpected file, each named', async () => {
    const d = copy();
    const e = readManifest(d).entries[0];
    const pdf = e.files.find((f) => f.role === 'pdf')!;
    const bytes = fs.readFileSync(archivedFilePath(d, pdf.sha256));
    bytes[3] ^= 0x01;
    fs.writeFileSync(archivedFilePath(d, pdf.sha256), bytes);
    const xlsx = e.files.find((f) => f.role === 'xlsx')!;
    fs.rmSync(archivedFilePath(d, xlsx.sha256));
    fs.writeFileSync(path.join(d, 'files', 'лишний.txt'), 'x');
    const r = await verifyArchive(d, { trustedCertsPem: [signer.certPem] });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.problem, p.file])).toEqual(expect.arrayContaining([
      ['damaged', `files/${pdf.sha256}`], ['missing', `files/${xlsx.sha256}`], ['unexpected', 'files/лишний.txt'],
    ]));
  });

  it('an edited, a removed and a reordered manifest entry break the chain', async () => {
    const edited = copy();
    const lines = manifestLines(edited);
    fs.writeFileSync(path.join(edited, MANIFEST), [lines[0].replace('"version":1', '"version":7'), ...lines.slice(1)].join('\n') + '\n');
    expect((await verifyArchive(edited)).problems).toEqual([expect.objectContaining({ problem: 'chain', entry: 2 })]);

    const removed = copy();
    fs.writeFileSync(path.join(removed, MANIFEST), [lines[0], lines[2]].join('\n') + '\n');
    expect((await verifyArchive(removed)).problems.map((p) => p.problem)).toContain('chain');

    const reordered = copy();
    fs.writeFileSync(path.join(reordered, MANIFEST), [lines[1], lines[0], lines[2]].join('\n') + '\n');
    expect((await verifyArchive(reordered)).ok).toBe(false);
  });

  it('a signature replaced by another key\'s, or a JSON swapped under its signature, fails the signature check', async () => {
    const d = copy();
    const e = readManifest(d).entries[0];
    const sig = e.files.find((f) => f.role === 'signature')!;
    // another signer's valid CMS over the same JSON, put in place of the file (name kept): the file hash catches it,
    // and with the hash re-pointed in the manifest the trust check does
    const other = testSigner();
    const forged = await other.signer.sign(fs.readFileSync(archivedFilePath(d, e.ledgerSha256)));
    fs.writeFileSync(archivedFilePath(d, sig.sha256), forged);
    expect((await verifyArchive(d, { trustedCertsPem: [signer.certPem] })).problems.map((p) => p.problem)).toContain('damaged');

    const d2 = copy();
    const lines = manifestLines(d2);
    const entry = JSON.parse(lines[0]);
    fs.writeFileSync(archivedFilePath(d2, sha256(forged)), forged);
    entry.files = entry.files.map((f: { role: string }) => (f.role === 'signature' ? { ...f, sha256: sha256(forged), size: forged.length } : f));
    // re-chain honestly so only the signature is wrong
    const rebuilt: string[] = [];
    let prev = '0'.repeat(64);
    for (const l of [JSON.stringify(entry), ...lines.slice(1)]) {
      const o = JSON.parse(l);
      o.prev = prev;
      const s = JSON.stringify(o);
      rebuilt.push(s);
      prev = sha256(s);
    }
    fs.writeFileSync(path.join(d2, MANIFEST), rebuilt.join('\n') + '\n');
    fs.rmSync(archivedFilePath(d2, sig.sha256));
    const r = await verifyArchive(d2, { trustedCertsPem: [signer.certPem] });
    expect(r.problems).toEqual([expect.objectContaining({ problem: 'signature', entry: 1 })]);
    expect(r.problems[0].message).toMatch(/не входит в число доверенных/);
    // without trust anchors it is intact but its signer is listed as unvouched
    const r2 = await verifyArchive(d2);
    expect(r2.ok).toBe(true);
    expect(r2.untrustedSigners.length).toBeGreaterThan(0);
  });
});
