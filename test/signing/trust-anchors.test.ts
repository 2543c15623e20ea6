// The register's trust anchors: set by an administrator (signing.setTrustAnchors, the CLI's trust set), kept beside
// the register as <register>.trust.pem, audited by name and fingerprint; what ledger verify builds the path to.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { expectError } from '../helpers/db.ts';
import { makePki, PKI_PASSWORD, type Pki } from '../helpers/pki.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { OPENSSL } from './openssl-fixtures.ts';

let pki: Pki;
beforeAll(() => { pki = makePki('ec'); }, 120_000);
afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));
const pem = (f: string) => fs.readFileSync(f, 'utf8');

describe('trust anchors of a register', () => {
  it('an admin sets, lists and clears them; bad files are refused by name with nothing written; each change is audited', async () => {
    const c = await adminClient(tempDir());
    try {
      expect(await c.call('signing.trustAnchors', {})).toEqual([]);
      expectError(await c.raw('signing.setTrustAnchors', { pem: 'not a certificate' }), 'validation', 'pem');
      expect(fs.existsSync(`${c.dbPath}.trust.pem`)).toBe(false);
      // an expired certificate is no anchor
      const expiredCert = execFileSync(OPENSSL, ['pkcs12', '-in', pki.expiredP12, '-nokeys', '-clcerts', '-passin', `pass:${PKI_PASSWORD}`]).toString();
      const e = expectError(await c.raw('signing.setTrustAnchors', { pem: expiredCert }), 'validation', 'pem');
      expect(e.message).toBe('Сертификат «Истёкший сертификат» истёк 01.02.2024: ему нельзя доверять');

      const set = await c.call('signing.setTrustAnchors', { pem: pem(pki.rootPem) + pem(pki.foreignRootPem) });
      expect(set.map((a) => [a.commonName, a.isCa])).toEqual([['Головной удостоверяющий центр', true], ['Чужой корень', true]]);
      expect(await c.call('signing.trustAnchors', {})).toEqual(set);
      expect(fs.readFileSync(`${c.dbPath}.trust.pem`, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
      const audit = c.backend.db.prepare("SELECT detail FROM audit_log WHERE method = 'signing.setTrustAnchors'").pluck().all() as string[];
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]).anchors.map((a: { subject: string }) => a.subject)).toEqual(set.map((a) => a.subject));
      expect(audit[0]).not.toContain('BEGIN CERTIFICATE');

      expect(await c.call('signing.setTrustAnchors', { pem: '' })).toEqual([]);
      expect(fs.existsSync(`${c.dbPath}.trust.pem`)).toBe(false);
    } finally {
      c.backend.close();
    }
  });

  it('trust set / show / clear from the command line', async () => {
    const c = await adminClient(tempDir());
    c.backend.close();
    const set = await cli('trust', 'set', pki.rootPem, '--db', c.dbPath);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^Головной удостоверяющий центр\tУЦ, действует по 31\.12\.2099\tSHA-256 [0-9A-F:]{95}\n$/);
    expect((await cli('trust', 'show', '--db', c.dbPath)).stdout).toBe(set.stdout);
    expect((await cli('trust', 'clear', '--db', c.dbPath)).stdout).toBe('Доверенные корневые сертификаты не заданы: подписи проверяются только на целостность\n');
  });
});
