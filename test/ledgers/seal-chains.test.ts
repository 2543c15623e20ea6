// Sealing with a certificate issued under an intermediate CA (openssl-made PKI, RSA and EC P-256, Cyrillic subject
// with ИНН/ОГРН/СНИЛС, Cyrillic PKCS#12 password): the stored signature verifies with `openssl cms -verify -CAfile
// root.pem` and with ours; ledger verify shows the signer as a person and whether the chain reaches the configured
// root (--trust, or the register's <register>.trust.pem); archive verify --trust root.pem accepts the archive. Every
// certificate that may not sign is refused by name at the seal with nothing written.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { count, expectError } from '../helpers/db.ts';
import { makePki, opensslCmsVerify, PKI_PASSWORD, type Pki } from '../helpers/pki.ts';
import { OPENSSL } from '../signing/openssl-fixtures.ts';
import { sealingSchool, type SealingSchool } from './sealing-school.ts';

const cert = (file: string, password = PKI_PASSWORD) => ({ p12Base64: fs.readFileSync(file).toString('base64'), password });
const pem = (file: string) => fs.readFileSync(file, 'utf8');

describe.each(['rsa', 'ec'] as const)('%s: sealing under root → intermediate → school', (kind) => {
  let pki: Pki;
  let f: SealingSchool;
  beforeAll(async () => {
    pki = makePki(kind);
    f = await sealingSchool();
  }, 180_000);
  afterAll(() => {
    f?.c.backend.close();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it.each([
    ['a wrong Cyrillic password', () => cert(pki.schoolP12, 'Пароль-школы-2'), 'Неверный пароль сертификата'],
    ['a wrong ASCII password', () => cert(pki.schoolAsciiP12, 'wrong'), 'Неверный пароль сертификата'],
    ['a certificate without signing key usage', () => cert(pki.noSigningP12),
      'Сертификат не предназначен для подписи документов: в нём нет назначения «цифровая подпись» (digitalSignature) или «неотрекаемость» (nonRepudiation): сертификат «Ключ шифрования» разрешает только шифрование и согласование ключей'],
    ['an expired certificate', () => cert(pki.expiredP12), 'Срок действия сертификата истёк: действовал по 01.02.2024'],
    ['a certificate not yet valid', () => cert(pki.notYetValidP12), 'Срок действия сертификата ещё не начался: действует с 01.01.2090'],
  ])('refuses %s by name and writes nothing', async (_what, certificate, message) => {
    const audit = count(f.c.backend.db, 'audit_log');
    const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: certificate() }), 'validation', 'certificate');
    expect(e.message).toBe(message);
    const y = expectError(await f.c.raw('ledgers.closeYear', { yearId: f.s.year.id, certificate: certificate() }), 'validation', 'certificate');
    expect(y.message).toBe(message);
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
    expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
    expect(fs.existsSync(path.join(f.dir, 'archive')) ? fs.readdirSync(path.join(f.dir, 'archive')).filter((x) => x !== '.lock') : []).toEqual([]);
  });

  it('a key no signer here handles (Ed25519) is refused by name at the seal, nothing written', async () => {
    const dir = fs.mkdtempSync(path.join(pki.dir, 'ed-'));
    const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    run(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '30', '-subj', '/C=RU/CN=Ключ Ed25519', '-utf8']);
    run(['pkcs12', '-export', '-in', 'c.pem', '-inkey', 'k.pem', '-out', 'ed.p12', '-passout', `pass:${PKI_PASSWORD}`]);
    const audit = count(f.c.backend.db, 'audit_log');
    const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: cert(path.join(dir, 'ed.p12')) }), 'validation', 'certificate');
    expect(e.message).toBe('Неизвестный алгоритм ключа: подписать им нельзя: Ed25519; подписывать можно ключом RSA, ECDSA P-256 или ГОСТ Р 34.10-2012');
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
    expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
  });

  it('seals; openssl -CAfile root.pem and our verifier agree; ledger verify names the signer and the chain', async () => {
    const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: cert(pki.schoolP12) });
    const row = f.c.backend.db.prepare('SELECT canonical_json, signature FROM ledger_versions WHERE class_id = ?').get(f.s.a.id) as { canonical_json: string; signature: Buffer };
    const data = Buffer.from(row.canonical_json, 'utf8');
    const o = opensslCmsVerify(pki, row.signature, data);
    expect(o.stderr).toContain('Verification successful');
    expect(o.status).toBe(0);

    const trusted = await f.c.call('ledgers.verify', { code: v.code, trustedCertsPem: [pem(pki.rootPem)] });
    expect(trusted).toMatchObject({ sealed: true, current: true, intact: true, signatureValid: true });
    expect(trusted.signature).toMatchObject({
      intact: true, trusted: true,
      message: 'Подпись верна, цепочка сертификатов доходит до доверенного корня «Головной удостоверяющий центр»',
      signer: { fullName: 'Петрова Ольга Ивановна', title: 'Директор', organization: 'ГБОУ Школа № 1535', inn: '770123456789', ogrn: '1027700000001',
        snils: '11223344595', issuer: 'УЦ ФНС России', notAfter: '2098-01-01T00:00:00.000Z' },
    });
    expect(trusted.signature!.chain.map((c) => c.commonName)).toEqual(['Петрова Ольга Ивановна', 'УЦ ФНС России', 'Головной удостоверяющий центр']);

    // no roots configured: intact, trust not checked, said so
    const unset = await f.c.call('ledgers.verify', { code: v.code });
    expect(unset.signature).toMatchObject({ intact: true, trusted: null, message: 'Подпись цела; доверие к подписавшему не проверялось: доверенные корневые сертификаты не заданы' });
    expect(unset.message).toMatch(/^Подлинная текущая версия 1/);

    // the register's own trust file: a foreign root, then ours
    const trustFile = `${f.c.dbPath}.trust.pem`;
    fs.writeFileSync(trustFile, pem(pki.foreignRootPem));
    const foreign = await f.c.call('ledgers.verify', { code: v.code });
    expect(foreign.signature).toMatchObject({ intact: true, trusted: false,
      message: 'Подпись цела, но цепочка не доходит до доверенного корня: корневой сертификат "Головной удостоверяющий центр" не входит в число доверенных' });
    expect(foreign.message).toBe(`Версия ${v.code} (5А, 2025/2026): ${foreign.signature!.message}`);
    fs.writeFileSync(trustFile, pem(pki.foreignRootPem) + pem(pki.rootPem));
    expect((await f.c.call('ledgers.verify', { code: v.code })).signature).toMatchObject({ trusted: true });

    // openssl agrees with the foreign root too: it refuses
    expect(opensslCmsVerify(pki, row.signature, data, pki.foreignRootPem).status).not.toBe(0);

    // the seal's archive (beside the register) verifies through the intermediate with only the root trusted
    fs.rmSync(trustFile);
    const archived = await cli('archive', 'verify', '--db', f.c.dbPath, '--trust', pki.rootPem);
    expect(archived.stderr).toBe('');
    expect(archived.code).toBe(0);
    expect(archived.stdout).toMatch(/подпис/i);
  });

  it('a PKCS#12 without its chain: the chain file given with it (chainPem, the CLI\'s --chain) goes into the signature', async () => {
    const { dir, c, s } = await sealingSchool();
    try {
      const v = await c.call('ledgers.seal', { classId: s.b.id, certificate: { ...cert(pki.schoolAloneP12), chainPem: pem(pki.intermediatePem) } });
      const row = c.backend.db.prepare('SELECT canonical_json, signature FROM ledger_versions WHERE version = ?').get(v.version) as { canonical_json: string; signature: Buffer };
      expect(opensslCmsVerify(pki, row.signature, Buffer.from(row.canonical_json, 'utf8')).status).toBe(0);
      expect((await c.call('ledgers.verify', { code: v.code, trustedCertsPem: [pem(pki.rootPem)] })).signature).toMatchObject({ trusted: true });
    } finally {
      c.backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a school certificate under an expired intermediate seals (its own validity holds) but verifies as such, naming the CA', async () => {
    const v = await f.c.call('ledgers.seal', { classId: f.s.b.id, certificate: cert(pki.expiredIntermediateP12) });
    const r = await f.c.call('ledgers.verify', { code: v.code, trustedCertsPem: [pem(pki.rootPem)] });
    expect(r.signature).toMatchObject({ intact: true, trusted: false, message: 'Подпись цела, но сертификат промежуточного УЦ "Старый УЦ ФНС" истёк 01.06.2024' });
    expect(r.signatureValid).toBe(true);
  });

  it('archive verify --trust: the seal under the expired intermediate is the one named; a foreign root is named as the failing link', async () => {
    f.c.backend.close();
    const withRoot = await cli('archive', 'verify', '--db', f.c.dbPath, '--trust', pki.rootPem);
    expect(withRoot.code).not.toBe(0);
    const bad = withRoot.stdout.split('\n').filter((l) => /^\s+Архив.*подпись не прошла проверку/.test(l));
    expect(bad, withRoot.stdout).toHaveLength(1);
    expect(bad[0]).toContain('подпись не прошла проверку — Сертификат промежуточного УЦ "Старый УЦ ФНС" истёк 01.06.2024');
    const foreign = await cli('archive', 'verify', '--db', f.c.dbPath, '--trust', pki.foreignRootPem);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stdout).toContain('корневой сертификат "Головной удостоверяющий центр" не входит в число доверенных');
  });
});
