// A register worth backing up: a small school, sealed ledger versions (real signatures) and their archive; destinations
// as folders, or as real separate devices (tmpfs mounts) where the test is about devices.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { expect } from 'vitest';
import { adminClient, smallSchool, tempDir, type Client } from '../helpers/register.ts';
import { sealTestLedger, testSigner } from '../helpers/ledger-versions.ts';
import { authenticationText, AUTHENTICATION, backupKey } from '../../main/backup/key.ts';

export type Fixture = { c: Client & { dbPath: string }; root: string; certPem: string; signer: ReturnType<typeof testSigner> };

export async function registerWithArchive(): Promise<Fixture> {
  const root = tempDir('sr-backup-');
  const c = await adminClient(root);
  const s = await smallSchool(c);
  const db = c.backend.db;
  const signer = testSigner();
  await sealTestLedger(db, signer.signer, { classId: s.a.id, version: 1, real: true });
  await sealTestLedger(db, signer.signer, { classId: s.a.id, version: 2, real: true });
  await sealTestLedger(db, signer.signer, { classId: s.b.id, version: 1, real: true });
  return { c, root, certPem: signer.certPem, signer };
}

export function dirs(root: string, ...names: string[]): string[] {
  return names.map((n) => {
    const d = path.join(root, n);
    fs.mkdirSync(d, { recursive: true });
    return d;
  });
}

/** A tmpfs of `size` mounted at a new folder (a separate device), or null when this machine refuses mount. */
export function mountTmpfs(root: string, name: string, size: string): string | null {
  const d = dirs(root, name)[0];
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', d], { encoding: 'utf8' });
  return r.status === 0 ? d : null;
}

export function unmount(d: string | null): void {
  if (d) spawnSync('umount', ['-l', d]);
}

/** The bag checked by coreutils alone (an independent reader of the manifests) and Payload-Oxum by stat. */
export function coreutilsValidate(bag: string): { ok: boolean; out: string } {
  const r1 = spawnSync('sha256sum', ['--strict', '-c', 'manifest-sha256.txt'], { cwd: bag, encoding: 'utf8' });
  const r2 = spawnSync('sha256sum', ['--strict', '-c', 'tagmanifest-sha256.txt'], { cwd: bag, encoding: 'utf8' });
  const listed = fs.readFileSync(path.join(bag, 'manifest-sha256.txt'), 'utf8').trim().split('\n').map((l) => l.slice(66));
  const onDisk = execFileSync('find', ['data', '-type', 'f'], { cwd: bag, encoding: 'utf8' }).trim().split('\n').sort();
  const bytes = onDisk.reduce((n, f) => n + fs.statSync(path.join(bag, f)).size, 0);
  const oxum = /Payload-Oxum: (\S+)/.exec(fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8'))?.[1];
  const sameSet = JSON.stringify(listed.sort()) === JSON.stringify(onDisk);
  return { ok: r1.status === 0 && r2.status === 0 && sameSet && oxum === `${bytes}.${onDisk.length}`,
    out: `${r1.stdout}${r1.stderr}${r2.stdout}${r2.stderr} files=${sameSet} oxum=${oxum} vs ${bytes}.${onDisk.length}` };
}

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** Re-seals a tampered bag's manifests so it is valid BagIt again: only the deeper checks of a restore can catch it. */
export function rebag(bag: string): void {
  const files = execFileSync('find', ['data', '-type', 'f'], { cwd: bag, encoding: 'utf8' }).trim().split('\n').sort();
  fs.writeFileSync(path.join(bag, 'manifest-sha256.txt'), files.map((p) => `${sha(fs.readFileSync(path.join(bag, p)))}  ${p}\n`).join(''));
  const bytes = files.reduce((n, p) => n + fs.statSync(path.join(bag, p)).size, 0);
  const info = fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8').replace(/^Payload-Oxum: .*$/m, `Payload-Oxum: ${bytes}.${files.length}`);
  fs.writeFileSync(path.join(bag, 'bag-info.txt'), info);
  const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'encryption.json'].filter((t) => fs.existsSync(path.join(bag, t)));
  fs.writeFileSync(path.join(bag, 'tagmanifest-sha256.txt'), tags.map((t) => `${sha(fs.readFileSync(path.join(bag, t)))}  ${t}\n`).join(''));
}

/**
 * Re-seals a tampered bag as `rebag` does and signs it with this installation's backup key: a forger who could read the
 * key (the OS user's files). The authentication tag cannot catch it; the restore's deeper checks must.
 */
export function rebagWithKey(bag: string): void {
  rebag(bag);
  fs.writeFileSync(path.join(bag, AUTHENTICATION), authenticationText(backupKey(), fs.readFileSync(path.join(bag, 'tagmanifest-sha256.txt'))));
}

/** Two destinations holding copies of the same bag, fresh for one test. */
export function twinCopies(root: string, source: string[], name: string): [string, string] {
  const [a, b] = dirs(root, `${name}-A`, `${name}-B`);
  execFileSync('cp', ['-a', `${source[0]}/.`, a]);
  execFileSync('cp', ['-a', `${source[1]}/.`, b]);
  return [a, b];
}

/**
 * A copy of `bag` as a new medium folder `medium`, its register edited by `tamper` (a raw connection) and re-bagged by
 * `rebagWith` (manifests, tag manifest and Payload-Oxum recomputed; with or without the backup key's tag), checked to
 * be a valid BagIt bag: only the restore's own checks can tell it from a genuine copy. Returns the bag's folder.
 */
export function forgeCopy(bag: string, medium: string, tamper: (raw: Database.Database) => void, rebagWith: (dir: string) => void): string {
  fs.mkdirSync(medium);
  const dir = path.join(medium, path.basename(bag));
  execFileSync('cp', ['-a', bag, dir]);
  const raw = new Database(path.join(dir, 'data/register.sqlite'));
  try { tamper(raw); } finally { raw.close(); }
  for (const x of ['-wal', '-shm']) fs.rmSync(path.join(dir, `data/register.sqlite${x}`), { force: true });
  rebagWith(dir);
  const v = coreutilsValidate(dir);
  expect(v.ok, v.out).toBe(true);
  return dir;
}
