// Full chains (root → intermediate → school) made by openssl, RSA and EC P-256: the CMS carries the chain, openssl
// verifies it against the root alone, our verifier agrees and names the failing link; a certificate that may not sign
// is refused when loaded.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDS, verifySignatureValue } from '../../main/signing/algorithms.ts';
import { createSigner, verifyDetached } from '../../main/signing/cms.ts';
import { SigningError } from '../../main/signing/errors.ts';
import { assertCanSign, loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { certificateStructure, signerPerson } from '../../main/signing/x509.ts';
import { makePki, opensslCmsVerify, PKI_PASSWORD, type Pki } from '../helpers/pki.ts';
import { OPENSSL } from './openssl-fixtures.ts';

const pkis: Partial<Record<'rsa' | 'ec', Pki>> = {};
beforeAll(() => {
  pkis.rsa = makePki('rsa');
  pkis.ec = makePki('ec');
}, 120_000);
afterAll(() => {
  for (const p of Object.values(pkis)) if (p) fs.rmSync(p.dir, { recursive: true, force: true });
});

const read = (f: string) => fs.readFileSync(f);
const pem = (f: string) => fs.readFileSync(f, 'utf8');
function thrown(fn: () => unknown): SigningError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SigningError);
    return e as SigningError;
  }
  throw new Error('no error thrown');
}

describe.each(['rsa', 'ec'] as const)('%s PKI: root → intermediate → school', (kind) => {
  const pki = () => pkis[kind]!;

  it('the PKCS#12 (Cyrillic password) loads with its chain; the CMS carries it; openssl -CAfile root.pem and our verifier agree', async () => {
    const p12 = loadPkcs12(read(pki().schoolP12), PKI_PASSWORD);
    expect(p12.privateKey.asymmetricKeyType).toBe(kind);
    expect(p12.chain.map((c) => c.commonName).sort()).toEqual(['Головной удостоверяющий центр', 'УЦ ФНС России']);
    assertCanSign(p12.certificate, new Date());
    const data = Buffer.from('{"ledger":"9А","hash":"ab"}');
    const sig = await createSigner(p12).sign(data);

    const o = opensslCmsVerify(pki(), sig, data);
    expect(o.stderr).toContain('Verification successful');
    expect(o.status).toBe(0);
    const v = verifyDetached(sig, data, [pem(pki().rootPem)]);
    expect(v).toMatchObject({ ok: true });
    if (!v.ok) return;
    expect(v.chain.map((c) => c.commonName)).toEqual(['Петрова Ольга Ивановна', 'УЦ ФНС России', 'Головной удостоверяющий центр']);
    expect(signerPerson(v.signer)).toMatchObject({
      fullName: 'Петрова Ольга Ивановна', title: 'Директор', organization: 'ГБОУ Школа № 1535', inn: '770123456789', ogrn: '1027700000001',
      snils: '11223344595', issuer: 'УЦ ФНС России',
    });
    // altered data: both refuse
    const altered = Buffer.from('{"ledger":"9Б","hash":"ab"}');
    expect(opensslCmsVerify(pki(), sig, altered).status).not.toBe(0);
    expect(verifyDetached(sig, altered, [pem(pki().rootPem)])).toMatchObject({ ok: false, reason: 'digest_mismatch' });
  });

  it('a wrong password, ASCII or Cyrillic, is told as such', () => {
    for (const [file, wrong] of [[pki().schoolP12, 'Пароль-школы-2'], [pki().schoolP12, 'secret'], [pki().schoolAsciiP12, 'secreT'], [pki().schoolAsciiP12, 'секрет']]) {
      const e = thrown(() => loadPkcs12(read(file), wrong));
      expect(e.signingCode).toBe('wrong_password');
      expect(e.message).toBe('Неверный пароль сертификата');
    }
    expect(loadPkcs12(read(pki().schoolAsciiP12), 'secret').certificate.commonName).toBe('Петрова Ольга Ивановна');
  });

  it('a certificate without digitalSignature/nonRepudiation, an expired one and one not yet valid are refused at load, saying so', () => {
    const noSign = thrown(() => assertCanSign(loadPkcs12(read(pki().noSigningP12), PKI_PASSWORD).certificate, new Date()));
    expect(noSign.signingCode).toBe('not_for_signing');
    expect(noSign.message).toMatch(/^Сертификат не предназначен для подписи документов: в нём нет назначения «цифровая подпись» \(digitalSignature\) или «неотрекаемость» \(nonRepudiation\): сертификат «Ключ шифрования»/);
    const expired = thrown(() => assertCanSign(loadPkcs12(read(pki().expiredP12), PKI_PASSWORD).certificate, new Date()));
    expect(expired.signingCode).toBe('certificate_expired');
    expect(expired.message).toBe('Срок действия сертификата истёк: действовал по 01.02.2024');
    const future = thrown(() => assertCanSign(loadPkcs12(read(pki().notYetValidP12), PKI_PASSWORD).certificate, new Date()));
    expect(future.signingCode).toBe('certificate_not_yet_valid');
    expect(future.message).toBe('Срок действия сертификата ещё не начался: действует с 01.01.2090');
  });

  it('a signature without the intermediate does not reach the root: openssl refuses, ours names the missing issuer', async () => {
    const sig = await createSigner(loadPkcs12(read(pki().schoolAloneP12), PKI_PASSWORD)).sign(Buffer.from('x'));
    expect(opensslCmsVerify(pki(), sig, Buffer.from('x')).status).not.toBe(0);
    expect(verifyDetached(sig, Buffer.from('x'), [pem(pki().rootPem)])).toMatchObject({
      ok: false, reason: 'untrusted_signer',
      message: 'Цепочка не доходит до доверенного корня: издатель "УЦ ФНС России" сертификата "Петрова Ольга Ивановна" не найден',
    });
    // the intermediate given as the trust anchor: the path ends there
    expect(verifyDetached(sig, Buffer.from('x'), [pem(pki().intermediatePem)])).toMatchObject({ ok: true });
  });

  it('a foreign root: openssl refuses, ours says the root is not trusted; no anchors at all is said too', async () => {
    const sig = await createSigner(loadPkcs12(read(pki().schoolP12), PKI_PASSWORD)).sign(Buffer.from('x'));
    expect(opensslCmsVerify(pki(), sig, Buffer.from('x'), pki().foreignRootPem).status).not.toBe(0);
    expect(verifyDetached(sig, Buffer.from('x'), [pem(pki().foreignRootPem)])).toMatchObject({
      ok: false, reason: 'untrusted_signer',
      message: 'Цепочка не доходит до доверенного корня: корневой сертификат "Головной удостоверяющий центр" не входит в число доверенных',
    });
    expect(verifyDetached(sig, Buffer.from('x'), [])).toMatchObject({
      ok: false, reason: 'untrusted_signer', message: 'Цепочка не доходит до доверенного корня: доверенные корневые сертификаты не заданы',
    });
  });

  it('an intermediate that had expired when the school signed: openssl refuses, ours names it', async () => {
    const p12 = loadPkcs12(read(pki().expiredIntermediateP12), PKI_PASSWORD);
    assertCanSign(p12.certificate, new Date()); // the school's own certificate is valid
    const sig = await createSigner(p12).sign(Buffer.from('x'));
    expect(opensslCmsVerify(pki(), sig, Buffer.from('x')).stderr).toMatch(/certificate has expired/);
    expect(verifyDetached(sig, Buffer.from('x'), [pem(pki().rootPem)])).toMatchObject({
      ok: false, reason: 'certificate_expired', message: 'Сертификат промежуточного УЦ "Старый УЦ ФНС" истёк 01.06.2024',
    });
  });

  it('an algorithm nobody here checks is named, not called forged', async () => {
    const data = Buffer.from('x');
    const sig = await createSigner(loadPkcs12(read(pki().schoolP12), PKI_PASSWORD)).sign(data);
    // the digest OID (SHA-256 → an unassigned arc of the same length) in both places it appears
    const sha256 = Buffer.from('608648016503040201', 'hex');
    const other = Buffer.from('608648016503040209', 'hex');
    const swapped = Buffer.from(sig.toString('hex').split(sha256.toString('hex')).join(other.toString('hex')), 'hex');
    expect(verifyDetached(swapped, data, [pem(pki().rootPem)])).toMatchObject({
      ok: false, reason: 'unsupported_algorithm', message: 'Алгоритм подписи не поддерживается: 2.16.840.1.101.3.4.2.9',
    });
    // GOST goes to its slot, which refuses until main/signing/gost/ fills it
    const spki = certificateStructure(pemDer(pki().schoolPem)).spki;
    expect(() => verifySignatureValue(OIDS.gost2012Sig256, spki, data, Buffer.alloc(64))).toThrow(SigningError);
    expect(() => verifySignatureValue('1.2.3.4', spki, data, Buffer.alloc(64))).toThrow(/не поддерживается/);
  });
});

describe('the verifier reads the signer as a person even when the path fails', () => {
  it('ФИО, title and ИНН are there with the failure', async () => {
    const p = pkis.ec!;
    const sig = await createSigner(loadPkcs12(read(p.schoolP12), PKI_PASSWORD)).sign(Buffer.from('x'));
    const v = verifyDetached(sig, Buffer.from('x'), [pem(p.foreignRootPem)]);
    expect(v.ok).toBe(false);
    expect(v.signer && signerPerson(v.signer)).toMatchObject({ fullName: 'Петрова Ольга Ивановна', title: 'Директор', inn: '770123456789' });
  });
});

function pemDer(file: string): Buffer {
  return Buffer.from(pem(file).replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

describe('RSASSA-PSS made by openssl', () => {
  it('openssl cms -sign with PSS padding verifies in ours (the same verifySignatureValue)', () => {
    const p = pkis.rsa!;
    fs.writeFileSync(`${p.dir}/pss.txt`, 'ведомость');
    execFileSync(OPENSSL, ['pkcs12', '-in', 'school.p12', '-nocerts', '-nodes', '-passin', `pass:${PKI_PASSWORD}`, '-out', 'school-key.pem'], { cwd: p.dir, stdio: 'ignore' });
    execFileSync(OPENSSL, ['cms', '-sign', '-binary', '-in', 'pss.txt', '-signer', 'school.pem', '-inkey', 'school-key.pem', '-certfile', 'inter.pem',
      '-keyopt', 'rsa_padding_mode:pss', '-md', 'sha256', '-outform', 'DER', '-out', 'pss.p7s'], { cwd: p.dir, stdio: 'ignore' });
    const sig = fs.readFileSync(`${p.dir}/pss.p7s`);
    expect(execFileSync(OPENSSL, ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'pss.p7s'], { cwd: p.dir }).toString()).toMatch(/rsassaPss/);
    expect(verifyDetached(sig, Buffer.from('ведомость'), [pem(p.rootPem)])).toMatchObject({ ok: true });
    expect(verifyDetached(sig, Buffer.from('ведомостЬ'), [pem(p.rootPem)])).toMatchObject({ ok: false, reason: 'digest_mismatch' });
  });
});

describe('a GOST R 34.10-2012 signature made by OpenSSL, checked in-process (main/signing/gost/ in algorithms.ts)', () => {
  // made by OpenSSL's GOST engine (Debian libengine-gost-openssl): our verifier agrees with openssl cms -verify
  const gostSo = ['/usr/lib/x86_64-linux-gnu/engines-3/gost.so', '/usr/lib/aarch64-linux-gnu/engines-3/gost.so'].find((f) => fs.existsSync(f));
  it.skipIf(!gostSo)('verifies, names the signer, and refuses a changed document as openssl does', () => {
    const dir = fs.mkdtempSync(`${pkis.rsa!.dir}/gost-`);
    fs.writeFileSync(`${dir}/gost.cnf`, ['openssl_conf = openssl_def', '[openssl_def]', 'engines = engine_section', '[engine_section]', 'gost = gost_section',
      '[gost_section]', 'engine_id = gost', `dynamic_path = ${gostSo}`, 'default_algorithms = ALL', ''].join('\n'));
    const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENSSL_CONF: `${dir}/gost.cnf` } });
    run(['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', 'k.pem']);
    run(['req', '-x509', '-new', '-key', 'k.pem', '-md_gost12_256', '-subj', '/C=RU/CN=Петрова Ольга Ивановна', '-utf8', '-days', '30', '-out', 'c.pem']);
    fs.writeFileSync(`${dir}/d.txt`, 'ведомость');
    run(['cms', '-sign', '-binary', '-in', 'd.txt', '-signer', 'c.pem', '-inkey', 'k.pem', '-md', 'md_gost12_256', '-outform', 'DER', '-out', 's.p7s']);
    const v = verifyDetached(fs.readFileSync(`${dir}/s.p7s`), Buffer.from('ведомость'), [pem(`${dir}/c.pem`)]);
    expect(v).toMatchObject({ ok: true });
    // the referee agrees, and both refuse one changed letter
    run(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 's.p7s', '-content', 'd.txt', '-CAfile', 'c.pem', '-out', '/dev/null']);
    fs.writeFileSync(`${dir}/e.txt`, 'ведомостЬ');
    expect(() => run(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 's.p7s', '-content', 'e.txt', '-CAfile', 'c.pem', '-out', '/dev/null'])).toThrow();
    expect(verifyDetached(fs.readFileSync(`${dir}/s.p7s`), Buffer.from('ведомостЬ'), [pem(`${dir}/c.pem`)])).toMatchObject({ ok: false, reason: 'digest_mismatch' });
    expect(v.signer && signerPerson(v.signer).fullName).toBe('Петрова Ольга Ивановна');
  });
});
