// The register's trust anchors (`<register>.trust.pem`) travel with its backups: each copy carries them as
// data/trust.pem, listed in its manifest (coreutils' sha256sum agrees), encrypted with the rest in an encrypted copy;
// a restore puts them beside the restored register (the old ones aside with the old register); a copy made without
// them leaves the register's own in place.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister } from '../../main/backup/backup.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { coreutilsValidate, dirs, registerWithArchive, type Fixture } from './fixtures.ts';

let f: Fixture;
beforeAll(async () => {
  f = await registerWithArchive();
}, 180_000);
afterAll(() => f.c.backend.close());

const trustOf = (register: string) => `${register}.trust.pem`;
const certBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('the trust anchors in backups', () => {
  it('a copy made without trust anchors holds none, and its restore leaves the target\'s own in place (a copy of them aside)', async () => {
    const [a, b] = dirs(f.root, 'none-A', 'none-B');
    const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
    const bag = r.destinations[0].bagPath!;
    expect(fs.existsSync(path.join(bag, 'data/trust.pem'))).toBe(false);
    const home = dirs(f.root, 'none-home')[0];
    const target = path.join(home, 'register.sqlite');
    await restoreBag(bag, { target });
    const own = '-----BEGIN CERTIFICATE-----\nMIIBown\n-----END CERTIFICATE-----\n';
    fs.writeFileSync(trustOf(target), own);
    const again = await restoreBag(bag, { target });
    expect(again.ok).toBe(true);
    expect(fs.readFileSync(trustOf(target), 'utf8')).toBe(own);
    expect(fs.readFileSync(trustOf(again.keptAside!), 'utf8')).toBe(own);
  }, 120_000);

  it('a copy carries them (plain and encrypted); a restore puts them beside the register, the old ones aside', async () => {
    await f.c.call('signing.setTrustAnchors', { pem: f.certPem });
    const kept = fs.readFileSync(trustOf(f.c.dbPath), 'utf8');
    const [a, b] = dirs(f.root, 'with-A', 'with-B');
    const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b, passphrase: 'Осень-2026 длинная фраза' }], confirmSameDevice: true });
    expect(r.state).toBe('ok');
    const [plain, encrypted] = r.destinations.map((d) => d.bagPath!);
    expect(fs.readFileSync(path.join(plain, 'data/trust.pem'), 'utf8')).toBe(kept);
    expect(fs.readFileSync(path.join(plain, 'manifest-sha256.txt'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}data\/trust\.pem$/m);
    expect(coreutilsValidate(plain).ok).toBe(true);
    expect(fs.readFileSync(path.join(encrypted, 'data/trust.pem')).includes(Buffer.from('BEGIN CERTIFICATE'))).toBe(false);

    // into a new file
    const fresh = path.join(dirs(f.root, 'with-new')[0], 'реестр.sqlite');
    const r1 = await restoreBag(plain, { target: fresh });
    expect(r1.ok).toBe(true);
    expect(r1.checks.find((c) => c.name === 'trust')).toMatchObject({ ok: true, message: expect.stringMatching(/сертификаты реестра в копии: 1/) });
    expect(fs.readFileSync(trustOf(fresh), 'utf8')).toBe(kept);

    // over a register with other anchors: those go aside with it
    const home = dirs(f.root, 'with-over')[0];
    const target = path.join(home, 'register.sqlite');
    await restoreBag(plain, { target });
    const other = '-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n';
    fs.writeFileSync(trustOf(target), other);
    const r2 = await restoreBag(encrypted, { target, passphrase: 'Осень-2026 длинная фраза' });
    expect(r2.ok).toBe(true);
    expect(certBody(fs.readFileSync(trustOf(target), 'utf8'))).toBe(certBody(f.certPem));
    expect(fs.readFileSync(trustOf(r2.keptAside!), 'utf8')).toBe(other);
  }, 180_000);
});
